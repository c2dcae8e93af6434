"""The framework reader: Midlothian's workbook reads whole; a bad cell is named and rejects it."""

from __future__ import annotations

import pytest

from orchestration.frameworks.reader import FrameworkRejected, read_framework
from tests.support import framework_factory as ff


def test_midlothian_framework_reads_with_its_seed_lineage():
    _, sheets = ff.midlothian_rows()
    # sickness absence: Aim to Minimise, cumulative (pro rata), in two settings rows: the
    # 2016/17 wording (001:46-47) and the 2019/20 one from 2019-04-01 (000:77)
    now, then = [r for r in sheets["Indicators"] if r["PI Code"] == "CS.CORP.SICKNESS"]
    for sick in (now, then):
        assert (sick["Gauge"], sick["Cumulative"], sick["Target Phasing"]) == (
            "Aim to Minimise",
            "Yes",
            "Pro rata",
        )
    assert (now["Source"], then["Source"]) == (
        "000_09dcfc9c775a2e22.txt:77",
        "001_1ca03212745a48c4.txt:46-47",
    )
    assert (now["Numerator"], then["Numerator"]) == (
        "Number of days lost",
        "Number of days lost (cumulative)",
    )
    targets = {(t["PI Code"], t["Financial Year"]): t["Annual Target"] for t in sheets["Targets"]}
    assert targets[("CS.CORP.SICKNESS", "2016/17")] == 8.5  # "8.50" printed at 001:47


def _rejected(tmp_path, change, name=None) -> str:
    meta, sheets = ff.midlothian_rows()
    change(meta, sheets)
    path = ff.write(tmp_path, meta, sheets, name)
    with pytest.raises(FrameworkRejected) as info:
        read_framework(path)
    return str(info.value)


def _set(sheet, code, header, value):
    """Set a cell (or, given tuples, several cells) of a PI's row."""

    def change(meta, sheets):
        row = next(r for r in sheets[sheet] if r.get("PI Code") == code)
        if isinstance(header, tuple):
            row.update(zip(header, value))
        else:
            row[header] = value

    return change


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            _set("Indicators", "CS.CORP.SICKNESS", "Gauge", "Aim to Minimize"),
            "sheet 'Indicators', row 4, column L ('Gauge'): 'Aim to Minimize' is not an accepted Gauge",
        ),
        (
            _set("Indicators", "CS.CORP.SICKNESS", "Trend Type", "Yearly"),
            "row 4, column R ('Trend Type'): 'Yearly' is not an accepted Trend Type",
        ),
        (
            _set("Indicators", "CS.CORP.SICKNESS", "Long Trend Periods", 6),
            "row 4, column S ('Long Trend Periods'): 'Long Trend Periods' must be between 1 and 4",
        ),
        (
            _set("Indicators", "CS.CORP.SICKNESS", "Group", "02. Manage stres and absence"),
            "row 4, column D ('Group'): unknown Group '02. Manage stres and absence': it is not "
            'in the Groups sheet for Service "Children\'s Services"',
        ),
        (
            _set("Targets", "CS.CORP.SICKNESS", "PI Code", "CS.CORP.SICKNES"),
            "unknown PI Code 'CS.CORP.SICKNES': it is not in the Indicators sheet for 'Midlothian'",
        ),
        (
            # (two PIs with no Effective From: the corporate-health PIs' rows are dated)
            _set("Indicators", "BS.CS.LPI.05", "PI Code", "BS.CS.LPI.04"),
            "column A ('PI Code'): PI Code 'BS.CS.LPI.04' appears twice: rows 10 and 11",
        ),
        (
            # two rows of one PI in force from the same day: the date as the sheet shows it
            _set("Indicators", "CS.CORP.ACTIONS", "PI Code", "CS.CORP.SICKNESS"),
            "column A ('PI Code'): PI Code 'CS.CORP.SICKNESS' Effective From 1 April 2019 "
            "appears twice: rows 4 and 5",
        ),
        (
            _set("Indicators", "CS.CORP.SICKNESS", "Amber Threshold", "about 1"),
            "row 4, column O ('Amber Threshold'): expected a number, got 'about 1'",
        ),
        (
            _set("Indicators", "CS.CORP.SICKNESS", ("Amber Threshold", "Red Threshold"), (2, 1)),
            "row 4, column P ('Red Threshold'): 'Red Threshold' must be at least the Amber "
            "Threshold (2), got 1",
        ),
    ],
)
def test_a_bad_cell_is_named(tmp_path, change, expected):
    message = _rejected(tmp_path, change)
    assert message.startswith("Framework midlothian.xlsx rejected")
    assert expected in message


def test_the_workbook_is_named_for_its_council(tmp_path):
    message = _rejected(tmp_path, lambda m, s: None, name="midlothian-2020.xlsx")
    assert "expected midlothian.xlsx for 'Midlothian'" in message


def test_an_unknown_council_is_named_with_the_nearest(tmp_path):
    def change(meta, sheets):
        meta["Council"] = "Midlothain"

    message = _rejected(tmp_path, change, name="midlothain.xlsx")
    assert "sheet 'Metadata', row 1, column B ('Council'): unknown Council 'Midlothain'" in message
    assert "did you mean 'Midlothian'?" in message
