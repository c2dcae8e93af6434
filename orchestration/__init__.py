"""Dagster code for the council performance warehouse (returns + LGBF -> dbt on DuckDB)."""
