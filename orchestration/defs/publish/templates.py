"""Return templates (``output/templates/``): pre-filled return workbooks, one per council and
service whose framework is in force at the quarter's end (:mod:`orchestration.templates`),
read from the published warehouse (the last good one: a failed build never feeds a template).

* ``next_quarter_templates`` (in ``load_all``): after every load, each council-service's next
  return: the quarter after its latest loaded one (a service with no return yet: the quarter
  just ended), so an officer always finds next quarter's workbook in ``output/templates/``.
* ``return_templates``, partitioned by quarter: any other quarter, on demand
  (``make templates QUARTER=2020-21-Q1``, or the ``write_return_templates`` job in the UI).

A next-quarter template whose rows (:mod:`orchestration.templates.content`) and code are
those it was written from is not written again: ``output/templates/.fingerprints.json``
records each one's fingerprint and the size and time of the file written, so a file changed
or removed since is rewritten. A run that loads one council's return rewrites that
council-service's template, not all 320 of the national set (15 ms each); a new quarter
with values changes every template (each shows the last values).
"""

import json
from datetime import date

import dagster as dg

from orchestration import config, fingerprints
from orchestration.defs.partitions import financial_quarters
from orchestration.defs.publish.failures import publishing_to
from orchestration.defs.resources import Warehouse
from orchestration.periods import FinancialQuarter
from orchestration.templates import content
from orchestration.templates.writer import template_name, write_templates

FINGERPRINTS_FILE = ".fingerprints.json"


def templates_dir():
    return config.output_dir() / "templates"


def write_quarter_templates(con, quarter: FinancialQuarter) -> list:
    """Write every council-service's template for ``quarter`` from ``con`` (the published
    warehouse); returns their paths."""
    jobs = [content.TemplateJob(c, s, quarter) for c, s in content.council_services(con, quarter)]
    return write_templates(content.read_all(con, jobs), templates_dir())


def write_next_templates(con, today: date) -> tuple[list, list]:
    """Write each council-service's template for the return it owes next, unless it is as
    written last time (see above); returns the paths (written, kept unchanged)."""
    out_dir = templates_dir()
    jobs = [content.TemplateJob(c, s, q) for c, s, q in content.next_quarters(con, today)]
    known = _read_fingerprints(out_dir)
    code = fingerprints.code_fingerprint()
    todo, kept, rows = [], [], {}
    for c in content.read_all(con, jobs):
        name = template_name(c)
        rows[name] = fingerprints.values_fingerprint(
            code, c.council, c.service, c.quarter.key, c.indicators, c.actions, c.risks
        )
        if known.get(name) == {"rows": rows[name], "file": _file_stamp(out_dir / name)}:
            kept.append(out_dir / name)
        else:
            todo.append(c)
    written = write_templates(todo, out_dir)
    now = {name: {"rows": r, "file": _file_stamp(out_dir / name)} for name, r in rows.items()}
    if jobs:
        _write_fingerprints(out_dir, now)
    return written, kept


def _file_stamp(path) -> list | None:
    """A written file's size and modification time (None: no such file)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _read_fingerprints(out_dir) -> dict:
    try:
        return json.loads((out_dir / FINGERPRINTS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}  # none yet, or unreadable: every template is written


def _write_fingerprints(out_dir, entries: dict) -> None:
    """Written beside and renamed into place, as the templates are."""
    partial = out_dir / f"{FINGERPRINTS_FILE}.partial"
    partial.write_text(json.dumps(entries, indent=1, sort_keys=True))
    partial.replace(out_dir / FINGERPRINTS_FILE)


def _written(written: list, kept: list = ()) -> dict:
    return {
        "path": dg.MetadataValue.path(str(templates_dir())),
        "templates": dg.MetadataValue.int(len(written)),
        "unchanged": dg.MetadataValue.int(len(kept)),
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
        written, kept = write_next_templates(con, date.today())
    context.log.info(
        f"Wrote {len(written)} return template(s) ({len(kept)} unchanged, kept): "
        f"{', '.join(p.name for p in written)}"
    )
    return dg.MaterializeResult(metadata=_written(written, kept))


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
