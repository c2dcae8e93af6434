"""The resources, in one place: the DuckDB warehouse and dbt.

:class:`Warehouse` is the one way Dagster code reaches the two DuckDB files: the working
warehouse the pipeline writes (``database``: ingest, dbt, then read by the reports) and the
published copy analysts open (``published_database``: replaced atomically after a good build,
read by the templates and the change check). Its values come from :mod:`orchestration.config`
when the code location loads, so ``OUTPUT_DIR`` alone moves both (the paths are derived from
it unless set themselves, which ``dg.EnvVar`` cannot express).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration import config
from orchestration.transform.project import dbt_project
from orchestration.warehouse import published


class Warehouse(DuckDBResource):
    """The working warehouse (``database``, written) and the published one (read only)."""

    published_database: str = Field(description="The published warehouse analysts open.")
    memory_limit: str = Field(
        default="1GB",
        description="Memory DuckDB may use in this process; past it, it spills to disk "
        "(DuckDB would otherwise cache up to 80% of RAM).",
    )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writing connection to the working warehouse, within the memory limit."""
        limited = DuckDBResource(
            database=self.database,
            connection_config={**self.connection_config, "memory_limit": self.memory_limit},
        )
        with limited.get_connection() as con:
            yield con

    def read_only(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the working warehouse (the reports, after dbt built it)."""
        return duckdb.connect(
            self.database, read_only=True, config={"memory_limit": self.memory_limit}
        )

    def published(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published warehouse."""
        return published.connect(Path(self.published_database))

    def published_input_sha256s(self, kind: str) -> set[str]:
        """The input files of ``kind`` the published warehouse was built from."""
        return published.input_sha256s(kind, Path(self.published_database))


def warehouse() -> Warehouse:
    return Warehouse(
        database=str(config.work_warehouse_path()),
        published_database=str(config.published_warehouse_path()),
        memory_limit=config.duckdb_memory_limit(),
    )


def resources() -> dict:
    return {
        "warehouse": warehouse(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=config.dbt_executable()),
    }
