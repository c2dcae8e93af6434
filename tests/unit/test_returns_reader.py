"""The return reader: canonical numbers, and rejections that say exactly where to look."""

from __future__ import annotations

import pytest

from orchestration.returns.reader import ReturnRejected, read_return
from orchestration.workbook.values import NotANumber, parse_number
from tests.support.returns_factory import write_return

NAME = "midlothian__childrens-services__2019-20__Q3.xlsx"


@pytest.mark.parametrize(
    "raw,percent_format,expected,is_percent",
    [
        (98, False, 98.0, False),
        ("98%", False, 98.0, True),
        (0.98, True, 98.0, True),
        ("£15.722m", False, 15.722, False),
        ("1,427.88", False, 1427.88, False),
        ("\u00a0 12.5 ", False, 12.5, False),
        ("66.67 %", False, 66.67, True),
        ("N/A", False, None, False),
        (None, False, None, False),
    ],
)
def test_parse_number(raw, percent_format, expected, is_percent):
    parsed = parse_number(raw, percent_format=percent_format)
    assert parsed.value == (pytest.approx(expected) if expected is not None else None)
    assert parsed.is_percent == is_percent


def test_parse_number_rejects_words():
    with pytest.raises(NotANumber, match="about 12"):
        parse_number("about 12")


def test_reads_a_valid_return(tmp_path):
    path = write_return(
        tmp_path / NAME,
        indicators=[
            ("CS.CORP.SICKNESS", "Quarter", 7.82, 1000, 127.9, None, "n"),
            ("CS.CORP.INVOICES", None, 0.98, None, None, "On Target", None),
        ],
        value_format="0%",
    )
    ret = read_return(path)
    assert ret.partition_key == "2019-20-Q3"
    assert [r["PI Code"] for r in ret.indicators] == ["CS.CORP.SICKNESS", "CS.CORP.INVOICES"]
    assert ret.indicators[1]["Value"] == (98.0, True)
    assert ret.indicators[1]["Period"] == "Quarter"


def _problems(path, **kw):
    with pytest.raises(ReturnRejected) as exc:
        read_return(path, **kw)
    return exc.value, str(exc.value)


def test_text_in_a_number_cell_names_file_sheet_row_and_column(tmp_path):
    path = write_return(
        tmp_path / NAME, indicators=[("CS.CORP.SICKNESS", "Quarter", "seven", None, None, None, "")]
    )
    exc, msg = _problems(path)
    assert (
        NAME in msg
        and "sheet 'Indicators'" in msg
        and "row 2" in msg
        and "column C ('Value')" in msg
    )
    assert "expected a number, got 'seven'" in msg
    assert (exc.problems[0].sheet, exc.problems[0].row) == ("Indicators", 2)


def test_missing_sheet_and_missing_column(tmp_path):
    _, msg = _problems(write_return(tmp_path / NAME, skip_sheets=("Risks",)))
    assert "missing sheet 'Risks'" in msg
    (tmp_path / "b").mkdir()
    path = write_return(
        tmp_path / "b" / NAME,
        indicator_headers=["PI Code", "Period", "Numerator", "Denominator", "Note"],
    )
    _, msg = _problems(path)
    assert "sheet 'Indicators', row 1, column Value: missing column 'Value'" in msg


def test_unknown_and_duplicate_codes(tmp_path):
    path = write_return(
        tmp_path / NAME,
        indicators=[
            ("XX.1", None, 1, None, None, None, ""),
            ("XX.1", None, 2, None, None, None, ""),
        ],
    )
    _, msg = _problems(path)
    assert "unknown PI Code 'XX.1'" in msg and "appears twice: rows 2 and 3" in msg


def test_file_name_must_agree_with_metadata(tmp_path):
    path = write_return(tmp_path / NAME, quarter="Q2")
    _, msg = _problems(path)
    assert "file name says 2019-20 Q3" in msg and "metadata sheet says Q2 2019/20" in msg


def test_year_end_only_in_q4(tmp_path):
    path = write_return(
        tmp_path / NAME, indicators=[("CS.CORP.SICKNESS", "Year end", 1, None, None, None, "")]
    )
    _, msg = _problems(path)
    assert "'Year end' value may only be given in a Q4 return" in msg


def test_not_an_xlsx(tmp_path):
    path = tmp_path / NAME
    path.write_text("PI Code,Value\nCS.CORP.SICKNESS,7.82\n")
    _, msg = _problems(path)
    assert msg.startswith(f"Return {NAME} rejected") and "not an .xlsx workbook" in msg
