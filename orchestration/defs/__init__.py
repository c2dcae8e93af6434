"""Dagster assets: return ingest (Python), the dbt models, and what is published from them."""
