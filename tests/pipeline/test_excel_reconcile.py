"""`python -m orchestration.ops.cli reconcile`: every seed row of both seed reports is in the
generated reports, matching or with a documented reason, section by section.

Runs on the session's pipeline run over the default data (raw/): the tests that load other
LGBF publications put the session's outputs back when they end (``preserved_outputs``).
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import openpyxl

from orchestration import config
from orchestration.ops.cli import main
from orchestration.ops.reconcile import fidelity_table, reconcile
from tests.support.paths import REPO


def _transcribed(name: str) -> Counter:
    with open(REPO / "raw" / "transcription" / name, encoding="utf-8") as f:
        return Counter(r["seed_file"] for r in csv.DictReader(f))


def test_reconcile_finds_every_seed_row_and_no_unexplained_difference(built_warehouse, capsys):
    checks = reconcile(config.output_dir() / "excel")
    unexplained = [c for c in checks if c.unexplained]
    assert not unexplained, fidelity_table(checks)
    per_section = Counter((c.seed, c.section) for c in checks)
    # every transcribed row was checked, none skipped
    for name, section in (
        ("indicator_values.csv", "PI values"),
        ("narrative.csv", "Narrative"),
        ("actions.csv", "Actions"),
        ("lgbf_published.csv", "LGBF values"),
        ("lgbf_external_comparison.csv", "External Comparison"),
    ):
        for seed, n in _transcribed(name).items():
            assert per_section[(seed, section)] == n, (name, seed)
    matched = Counter((c.section, c.outcome) for c in checks)
    assert matched[("PI values", "matched")] == sum(_transcribed("indicator_values.csv").values())
    assert matched[("Notes", "different")] == 0 and matched[("Risks", "different")] == 0
    # the CLI prints the table and exits 0
    assert main(["reconcile"]) == 0
    out = capsys.readouterr().out
    assert "| report | section | matched | different | missing | unexplained |" in out
    assert "0 unexplained difference(s)" in out


def test_reconcile_fails_on_an_unexplained_difference(built_warehouse, tmp_path):
    """A report whose value was changed no longer reconciles, and says which row."""
    src = config.output_dir() / "excel"
    for path in src.glob("midlothian__childrens-services__*__performance-report.xlsx"):
        shutil.copy(path, tmp_path / path.name)
    book = tmp_path / "midlothian__childrens-services__2019-20__performance-report.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["PI Summary"]
    headers = {ws.cell(5, c).value: c for c in range(1, ws.max_column + 1)}
    row = next(
        r
        for r in range(6, ws.max_row + 1)
        if ws.cell(r, 2).value and "sickness" in ws.cell(r, 2).value
    )
    ws.cell(row, headers["2019/20"]).value = 11.5  # the seed prints 11.02 (000 l.77)
    wb.save(book)
    bad = [c for c in reconcile(tmp_path) if c.unexplained]
    assert [(c.section, c.item) for c in bad] == [
        ("PI values", "CS.CORP.SICKNESS 2019/20 (l.77-78)")
    ]
