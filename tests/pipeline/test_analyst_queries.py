"""Every example query in docs/analysts.md runs on the published warehouse and answers right."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from tests.support.analyst_docs import example_queries, first_command
from tests.support.paths import REPO, seed_line

QUERIES = example_queries()


def test_the_first_command_runs_with_what_the_project_installs(built_warehouse, tmp_path):
    """The page opens with a command that needs nothing the project does not install (the
    DuckDB command-line tool is not among them), run from the repository's folder."""
    command = first_command()
    assert command.startswith(".venv/bin/python ")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "warehouse.duckdb").symlink_to(built_warehouse)
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    out = subprocess.run(shlex.split(command), cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Midlothian" in out.stdout and "East Dunbartonshire" in out.stdout


def test_the_docs_have_at_least_five_examples():
    assert len(QUERIES) >= 5


@pytest.mark.parametrize("number", sorted(QUERIES))
def test_example_query_runs(warehouse, number):
    warehouse.execute(QUERIES[number]).fetchall()


def test_off_target_query(warehouse):
    rows = warehouse.execute(QUERIES[1]).fetchall()
    codes = [r[0] for r in rows]
    # 2019/20 statuses printed "Off Target" that the model reproduces
    assert "19/20: Off Target" in seed_line("000_09dcfc9c775a2e22.txt", 77)
    assert codes == sorted(
        [
            "CS.CORP.SICKNESS",
            "CS.COMP.ESC_AVG_DAYS",
            "CS.COMP.S1_PCT_5D",
            "CS.COMP.S2_PCT_20D",
            "CS.COMP.ESC_PCT_20D",
            "BS.CSPC.LPI.05",
            "P.G.CSPC.3.3a",
        ]
    )


def test_revisions_query_finds_the_seed_revisions(warehouse):
    rows = warehouse.execute(QUERIES[4]).fetchall()
    chn8a_1011 = [r for r in rows if r[0] == "CHN8a" and r[1] == "2010/11"]
    assert "£1,832.00" in seed_line("001_1ca03212745a48c4.txt", 153)
    assert "£2,050.88" in seed_line("000_09dcfc9c775a2e22.txt", 268)
    assert [(r[3], r[5]) for r in chn8a_1011] == [(1832.0, 2050.88)]


def test_as_known_at_a_date_query_gives_what_the_2016_17_report_printed(warehouse):
    """Before the January 2020 release, the LGBF figures known were the Q2 2016/17 report's
    own (one council, so unranked)."""
    rows = warehouse.execute(QUERIES[8]).fetchall()
    printed = seed_line("001_1ca03212745a48c4.txt", 153).split("\t")[2:7]
    chn8a = [r for r in rows if r[0] == "CHN8a"]
    assert [f"£{r[2]:,.2f}" for r in chn8a] == printed  # £1,832.00 ... £1,748.00
    assert [r[1] for r in chn8a] == ["2010/11", "2011/12", "2012/13", "2013/14", "2014/15"]
    assert {r[3] for r in rows} == {None}
    assert {r[6] for r in rows} == {
        "As printed in the Midlothian Children's Services Quarter 2 Performance Report 2016/17"
    }


def test_cumulative_quarters_query(warehouse):
    rows = warehouse.execute(QUERIES[5]).fetchall()
    q2_1617 = next(r for r in rows if r[0] == "2016-17-Q2")
    assert q2_1617[2:5] == (6.4, 4.25, "Off Target")


def test_data_quality_query_lists_the_nine_exceptions(warehouse):
    rows = warehouse.execute(QUERIES[6]).fetchall()
    assert len(rows) == 9 and ("CS.CORP.PIS_ON_TARGET", "2019-20") in {(r[0], r[1]) for r in rows}
