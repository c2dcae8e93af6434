"""The frameworks asset: an accepted workbook is a new load; a rejected one leaves the last good
one in force and fails the asset check naming the cell."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb

from orchestration.defs.ingest.frameworks import ACCEPTED_CHECK, frameworks
from orchestration.frameworks.store import codes_in_force
from tests.support import framework_factory as ff
from tests.support.warehouse import warehouse_at


def _materialize(db):
    return dg.materialize(
        [frameworks],
        resources={"warehouse": warehouse_at(db)},
        raise_on_error=False,
    )


def test_a_rejected_framework_leaves_the_last_good_one_in_force(tmp_path, monkeypatch):
    folder, db = tmp_path / "frameworks", tmp_path / "wh.duckdb"
    folder.mkdir()
    shutil.copy(ff.frameworks_dir() / "midlothian.xlsx", folder)
    monkeypatch.setenv("FRAMEWORKS_DIR", str(folder))
    assert _materialize(db).success
    with duckdb.connect(str(db)) as con:
        assert len(codes_in_force(con)["Midlothian"]) == 95
        (lineage,) = con.execute(
            "select source_file, source_sheet, source_row from raw.framework_indicators "
            "where indicator_code = 'CS.CORP.SICKNESS' and effective_from is not null"
        ).fetchall()  # its 2019/20 settings row (the 2016/17 one is further down the sheet)
    assert lineage == ("midlothian.xlsx", "Indicators", 4)

    meta, sheets = ff.midlothian_rows()
    for sheet in ("Indicators", "Targets"):  # the revenue budget PI dropped
        sheets[sheet] = [r for r in sheets[sheet] if r["PI Code"] != "CS.CORP.BUDGET"]
    sheets["Indicators"][0]["Gauge"] = "Up"
    ff.write(folder, meta, sheets)
    result = _materialize(db)
    (check,) = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert check.check_name == ACCEPTED_CHECK and not check.passed
    assert "sheet 'Indicators', row 2, column L ('Gauge'): 'Up' is not an accepted Gauge" in (
        check.description
    )
    with duckdb.connect(str(db)) as con:
        assert "CS.CORP.BUDGET" in codes_in_force(con)["Midlothian"]  # the last good load
        assert con.execute("select count(*) from raw.framework_files").fetchone() == (1,)

    sheets["Indicators"][0]["Gauge"] = "Data Only"  # fixed
    ff.write(folder, meta, sheets)
    assert _materialize(db).success
    with duckdb.connect(str(db)) as con:
        assert "CS.CORP.BUDGET" not in codes_in_force(con)["Midlothian"]  # the new load
        assert con.execute("select count(*) from raw.framework_files").fetchone() == (2,)
