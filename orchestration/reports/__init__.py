"""Published outputs built from the marts: Excel returns, the LGBF pack, Parquet exports."""
