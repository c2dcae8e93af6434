"""The default data serves two real councils: Midlothian's Children's Services (the seeds)
and East Dunbartonshire's Education PIs for 2023/24 as the council published them
(``raw/transcription/tenants/``). Every status the pipeline computes for East Dunbartonshire
equals the RAG the council printed; TBC and N/A stay missing; every row names the page and
line it came from; both councils' reports and next templates are published; and a misnamed
file alone among the returns is quarantined by ``make run``."""

from __future__ import annotations

import csv
import shutil

import openpyxl

from orchestration import config, vocabulary
from orchestration.ops import cli
from tests.support.paths import REPO, SEED_RETURNS

TENANTS = REPO / "raw" / "transcription" / "tenants"
COUNCIL = "East Dunbartonshire"


def _tenant() -> tuple[dict, list[dict]]:
    with open(TENANTS / "tenants.csv", newline="", encoding="utf-8") as f:
        (tenant,) = [t for t in csv.DictReader(f) if t["council"] == COUNCIL]
    with open(TENANTS / tenant["transcription"], newline="", encoding="utf-8") as f:
        return tenant, list(csv.DictReader(f))


def _rag() -> dict[str, str]:
    """The council's printed words (red, amber, green) as the warehouse's statuses."""
    return {
        row["other_spellings"].lower(): row["status"]
        for row in vocabulary.seed_rows(vocabulary.STATUSES)
        if row["other_spellings"]
    }


def test_every_computed_status_equals_the_councils_printed_rag(warehouse):
    _, rows = _tenant()
    computed = dict(
        warehouse.execute(
            """select indicator_code, status from marts.fct_indicator_value
               where council = ? and period_key = '2023-24'""",
            [COUNCIL],
        ).fetchall()
    )
    printed = {r["indicator_code"]: r["status_printed"] for r in rows}
    rag = _rag()
    judged = {code: rag[word] for code, word in printed.items() if word in rag}
    assert len(judged) == 14
    assert {code: computed[code] for code in judged} == judged
    assert sorted(judged.values()).count("Off Target") == 2
    assert sorted(judged.values()).count("Warning") == 5
    # TBC and N/A: no value, no status.
    for code in set(printed) - set(judged):
        assert computed[code] is None, code


def test_every_row_names_the_published_page_and_line(warehouse):
    tenant, rows = _tenant()
    lines = {r["indicator_code"]: r["source_line"] for r in rows}
    held = warehouse.execute(
        """select indicator_code, source_ref from staging.stg_returns__indicator_values
           where council = ?""",
        [COUNCIL],
    ).fetchall()
    assert len(held) == 16
    for code, ref in held:
        assert ref == f"{rows[0]['source_file']}:{lines[code]} ({tenant['source_url']})"
    framework = warehouse.execute(
        "select source_ref from staging.stg_frameworks__indicators where council = ?", [COUNCIL]
    ).fetchall()
    assert len(framework) == 16
    assert all(tenant["source_url"] in r and "assigned by this project" in r for (r,) in framework)


def test_both_councils_reports_and_next_templates_are_published(pipeline_run):
    out = config.output_dir()
    report = out / "excel" / "east-dunbartonshire__education__2023-24__performance-report.xlsx"
    assert (
        out / "excel" / "midlothian__childrens-services__2019-20__performance-report.xlsx"
    ).exists()
    templates = sorted(p.name for p in (out / "templates").glob("*.xlsx"))
    assert "east-dunbartonshire__education__2024-25__Q1.xlsx" in templates
    assert "midlothian__childrens-services__2020-21__Q1.xlsx" in templates
    book = openpyxl.load_workbook(report)
    # The figures with the decimal places the page prints (the framework's Decimals).
    _, rows = _tenant()
    printed = {r["title"]: r["value_printed"] for r in rows}
    shown = {
        row[1].value: row[2].number_format
        for row in book["PI Summary"].iter_rows(min_row=6)
        if row[1].value in printed and isinstance(row[2].value, (int, float))
    }
    assert shown["Attendance rates in secondary schools (%)"] == "0.0%"  # printed 90.7%
    assert shown["Number of parents participating in the Triple P programme"] == "#,##0"  # 297
    assert shown["Exclusion rates of young people in secondary schools (days lost)"] == "0.0"
    # The title page names the release held; the service has no LGBF indicators.
    line = book["Report"]["A3"].value
    assert (
        "the service has no LGBF indicators (the release held: LGBF, January 2020 release" in line
    )


def test_a_misnamed_file_among_the_returns_is_quarantined_by_make_run(
    built_warehouse, tmp_path, monkeypatch, capsys
):
    landing, quarantine = tmp_path / "returns", tmp_path / "quarantine"
    shutil.copytree(SEED_RETURNS, landing)
    copy = landing / "midlothian__childrens-services__2016-17__Q2 (1).xlsx"
    shutil.copy(SEED_RETURNS / "midlothian__childrens-services__2016-17__Q2.xlsx", copy)
    monkeypatch.setenv("RETURNS_DIR", str(landing))
    monkeypatch.setenv("QUARANTINE_DIR", str(quarantine))
    assert cli.main(["run"]) == 1  # published, without the rejected file
    said = "".join(capsys.readouterr())  # the run's summary goes to stderr
    assert f"Rejected {copy.name}: moved to {quarantine}" in said
    assert not copy.exists()
    (moved,) = quarantine.glob(f"*__{copy.name}")
    assert "the file name does not follow" in moved.with_name(moved.name + ".txt").read_text()
