"""Return templates (``output/templates/``): pre-filled return workbooks, one per council and
service whose framework is in force at the quarter's end (:mod:`orchestration.templates`),
read from the published warehouse (the last good one: a failed build never feeds a template).

* ``next_quarter_templates`` (in ``load_all``): after every load, each council-service's next
  return: the quarter after its latest loaded one (a service with no return yet: the quarter
  just ended), so an officer always finds next quarter's workbook in ``output/templates/``.
* ``return_templates``, partitioned by quarter: any other quarter, on demand
  (``make templates QUARTER=2020-21-Q1``, or the ``write_return_templates`` job in the UI).
"""

from datetime import date

import dagster as dg

from orchestration import config
from orchestration.defs.partitions import financial_quarters
from orchestration.defs.publish.failures import publishing_to
from orchestration.defs.resources import Warehouse
from orchestration.periods import FinancialQuarter
from orchestration.templates import content
from orchestration.templates.writer import write_template


def templates_dir():
    return config.output_dir() / "templates"


def write_quarter_templates(con, quarter: FinancialQuarter) -> list:
    """Write every council-service's template for ``quarter`` from ``con`` (the published
    warehouse); returns their paths."""
    jobs = [content.TemplateJob(c, s, quarter) for c, s in content.council_services(con, quarter)]
    return [write_template(c, templates_dir()) for c in content.read_all(con, jobs)]


def write_next_templates(con, today: date) -> list:
    """Write each council-service's template for the return it owes next; returns the paths."""
    jobs = [content.TemplateJob(c, s, q) for c, s, q in content.next_quarters(con, today)]
    return [write_template(c, templates_dir()) for c in content.read_all(con, jobs)]


def _written(written: list) -> dict:
    return {
        "path": dg.MetadataValue.path(str(templates_dir())),
        "templates": dg.MetadataValue.int(len(written)),
        "files": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in written) or "(none)"),
    }


@dg.asset(
    deps=[dg.AssetKey("published_warehouse")],
    group_name="published",
    kinds={"excel"},
    pool="warehouse",  # opens a DuckDB file: one at a time with the other warehouse steps
    description="Each council-service's pre-filled return template for the quarter it owes "
    "next (after its latest loaded return), written after every load.",
)
def next_quarter_templates(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    with warehouse.published() as con, publishing_to(config.output_dir()):
        written = write_next_templates(con, date.today())
    context.log.info(
        f"Wrote {len(written)} return template(s): {', '.join(p.name for p in written)}"
    )
    return dg.MaterializeResult(metadata=_written(written))


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
    with warehouse.published() as con, publishing_to(config.output_dir()):
        written = write_quarter_templates(con, quarter)
    context.log.info(f"Wrote {len(written)} return template(s) for {quarter.key}")
    return dg.MaterializeResult(metadata=_written(written))
