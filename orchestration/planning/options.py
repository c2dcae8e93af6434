"""Run options: what one run writes, chosen per run (not settings of the deployment).

Two options change which outputs a run writes, so they are Dagster run config of the assets
that write them (the launchpad shows them; the CLI sets them from its flags):

* ``report_periods`` (``service_performance_reports``): ``run`` writes the reports of the
  quarters the run loads; ``latest-year`` only the latest financial year's (a ten-year
  backfill's reports in a fraction of the time);
* ``extra_councils`` (``lgbf_benchmarking_packs``): besides the councils that submit returns,
  the councils whose LGBF packs are written (comma-separated LGBF names, or ``all``);
* ``pdf_papers`` (both assets): which of the workbooks they write are also published as PDF
  in ``output/pdf/``: ``latest`` (default: each council-service's latest period, its
  exceptions workbook and the packs; on the seed data six files, about 10 s of LibreOffice),
  ``all``, or ``none``.

The ``published_warehouse`` asset records the options of the run that published it
(:data:`METADATA_KEY`), and the change check compares them with the options asked for now:
a run asking for other outputs than those published is not "nothing changed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

REPORTS_ASSET = "service_performance_reports"
PACKS_ASSET = "lgbf_benchmarking_packs"
REPORT_PERIODS = ("run", "latest-year")
PDF_PAPERS = ("latest", "all", "none")  # the first is the default
METADATA_KEY = "run_options"


@dataclass(frozen=True)
class RunOptions:
    report_periods: str = "run"
    lgbf_pack_councils: str = ""  # "", "all", or comma-separated LGBF council names
    pdf_papers: str = PDF_PAPERS[0]

    def __post_init__(self):
        if self.pdf_papers not in PDF_PAPERS:
            raise ValueError(
                f"pdf papers {self.pdf_papers!r}: expected one of {', '.join(PDF_PAPERS)}"
            )
        if self.report_periods not in REPORT_PERIODS:
            raise ValueError(
                f"report periods {self.report_periods!r}: expected one of {', '.join(REPORT_PERIODS)}"
            )

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def run_config(self) -> dict:
        """The run config that asks the assets for these options."""
        return {
            "ops": {
                REPORTS_ASSET: {
                    "config": {"report_periods": self.report_periods, "pdf_papers": self.pdf_papers}
                },
                PACKS_ASSET: {
                    "config": {
                        "extra_councils": self.lgbf_pack_councils,
                        "pdf_papers": self.pdf_papers,
                    }
                },
            }
        }

    @classmethod
    def from_run_config(cls, run_config: Mapping | None) -> RunOptions:
        """The options a run was started with (defaults for what its config leaves out)."""
        ops = (run_config or {}).get("ops", {})
        reports = ops.get(REPORTS_ASSET, {}).get("config", {})
        packs = ops.get(PACKS_ASSET, {}).get("config", {})
        return cls(
            report_periods=reports.get("report_periods", cls.report_periods),
            lgbf_pack_councils=packs.get("extra_councils", cls.lgbf_pack_councils),
            pdf_papers=reports.get("pdf_papers", cls.pdf_papers),
        )


def merge_run_config(*configs: Mapping | None) -> dict:
    """Run configs merged key by key (``ops.<asset>.config`` of each kept)."""
    out: dict = {}
    for config in configs:
        for key, value in (config or {}).items():
            if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
                out[key] = merge_run_config(out[key], value)
            else:
                out[key] = value
    return out
