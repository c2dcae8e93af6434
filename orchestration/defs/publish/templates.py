"""Each quarter's return templates (``output/templates/``): an asset partitioned by quarter.

For the partition's quarter, one pre-filled return workbook per council and service whose
framework is in force at the quarter's end (:mod:`orchestration.templates`), read from the
published warehouse (the last good one: a failed build never feeds a template). Not part of
``load_all``: the ``write_return_templates`` job writes a quarter's templates when it is due, e.g.
``dagster job launch -j write_return_templates --partition 2020-21-Q1``.
"""

import dagster as dg

from orchestration import config
from orchestration.defs.resources import Warehouse
from orchestration.periods import FinancialQuarter, financial_quarters
from orchestration.templates import content
from orchestration.templates.writer import write_template


def templates_dir():
    return config.output_dir() / "templates"


def write_quarter_templates(con, quarter: FinancialQuarter) -> list:
    """Write every council-service's template for ``quarter`` from ``con`` (the published
    warehouse); returns their paths."""
    pairs = content.council_services(con, quarter)
    contents = [content.read(con, c, s, quarter) for c, s in pairs]
    return [write_template(c, templates_dir()) for c in contents]


@dg.asset(
    partitions_def=financial_quarters,
    deps=[dg.AssetKey("published_warehouse")],
    group_name="published",
    kinds={"excel"},
    pool="warehouse",  # opens a DuckDB file: one at a time with the other warehouse steps
    description="Pre-filled return templates per council and service for the quarter.",
)
def return_templates(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    quarter = FinancialQuarter.from_key(context.partition_key)
    with warehouse.published() as con:
        written = write_quarter_templates(con, quarter)
    context.log.info(f"Wrote {len(written)} return template(s) for {quarter.key}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(templates_dir())),
            "templates": dg.MetadataValue.int(len(written)),
            "files": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in written) or "(none)"),
        }
    )
