"""LGBF (Local Government Benchmarking Framework) publications: fetch, parse."""
