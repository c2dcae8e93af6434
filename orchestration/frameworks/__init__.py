"""Performance frameworks: each council's services, indicators, Pentana settings and targets."""
