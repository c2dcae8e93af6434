"""The return reader: canonical numbers, and rejections that say exactly where to look."""

from __future__ import annotations

import pytest

from orchestration.frameworks.in_force import codes_from_folder
from orchestration.returns.reader import ReturnRejected, read_return
from orchestration.vocabulary import dbt_var
from orchestration.workbook.values import (
    NotANumber,
    PiLimits,
    feeder_tolerance,
    parse_number,
    pi_limits,
)
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
        value_format={"CS.CORP.INVOICES": "0%"},
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


# --- a value its PI cannot take (issue 26): the dbt tests on stg_returns__indicator_values.value


def _the_value_cell_refused(path) -> str:
    """The message of a return refused for one problem, at its first row's Value cell."""
    exc, msg = _problems(path)
    (problem,) = exc.problems
    assert (problem.sheet, problem.row, problem.column) == ("Indicators", 2, "C ('Value')")
    return msg


def _codes_with(code: str, limits: PiLimits) -> dict:
    codes = {council: dict(pis) for council, pis in codes_from_folder().items()}
    codes["Midlothian"][code] = limits
    return codes


@pytest.mark.parametrize(
    "typed, number_format, accepted",
    [
        (0.97, "0%", True),  # 97%
        (97, None, True),  # 97 percentage points
        (0.5, None, True),  # a plain proportion: 50%
        (100, None, True),  # the edge of the range
        (9.7, "0%", False),  # 970%: the case
        (101, None, False),
        (-1, None, False),
    ],
)
def test_a_percentage_outside_0_to_100_is_refused_at_its_cell(
    tmp_path, typed, number_format, accepted
):
    path = write_return(
        tmp_path / NAME,
        indicators=[("CS.CORP.INVOICES", None, typed, None, None, None, "")],
        value_format={"CS.CORP.INVOICES": number_format},
    )
    if accepted:
        read_return(path)
        return
    msg = _the_value_cell_refused(path)
    assert "for CS.CORP.INVOICES is outside the range its framework allows (from 0 to 100%" in msg
    if number_format:
        assert "9.7 typed in it reads as 970%: to give 9.7%, type 9.7%" in msg


def test_a_declared_range_replaces_the_percentage_default(tmp_path):
    """A budget-spent % PI may pass 100: its framework says so with Min Value / Max Value."""
    path = write_return(
        tmp_path / NAME, indicators=[("CS.CORP.INVOICES", None, 130, None, None, None, "")]
    )
    read_return(path, codes=_codes_with("CS.CORP.INVOICES", pi_limits("%", -100, 500)))
    exc, msg = _problems(path, codes=_codes_with("CS.CORP.INVOICES", pi_limits("%", 0, 120)))
    assert "Value 130% for CS.CORP.INVOICES is outside" in msg and "(from 0 to 120%" in msg
    # a PI of another unit is unbounded unless its framework bounds it
    (tmp_path / "days").mkdir()
    days = write_return(
        tmp_path / "days" / NAME,
        indicators=[("CS.CORP.SICKNESS", None, 400, None, None, None, "")],
    )
    read_return(days)
    exc, msg = _problems(days, codes=_codes_with("CS.CORP.SICKNESS", pi_limits("days", 0, 365)))
    assert "Value 400 for CS.CORP.SICKNESS is outside" in msg and "(from 0 to 365:" in msg


@pytest.mark.parametrize(
    "code, value, numerator, denominator, accepted",
    [
        ("CS.CORP.SICKNESS", 7.82, 1000, 127.9, True),  # 7.8186: within 0.005 of 7.82
        ("CS.CORP.SICKNESS", 8, 1000, 127.9, True),  # a whole number: within 0.5
        ("CS.CORP.SICKNESS", 7.9, 1000, 127.9, False),  # 0.08 out, given with decimals
        ("CS.CORP.SICKNESS", 45, 27, 6, False),  # the 45 for 4.5
        ("CS.CORP.SICKNESS", 4.5, 27, 6, True),
        ("CS.CORP.INVOICES", 98, 98, 100, True),  # a % PI: the ratio x 100
        ("CS.CORP.INVOICES", 0.98, 98, 100, True),  # a plain proportion is 98 points
        ("CS.CORP.INVOICES", 100, 0, 0, True),  # 100% of 0: not computable, not refused
        ("CS.CORP.SICKNESS", 4.5, 27, None, True),  # one feeder alone: nothing to compare
    ],
)
def test_a_value_must_agree_with_its_feeder_data(
    tmp_path, code, value, numerator, denominator, accepted
):
    path = write_return(
        tmp_path / NAME, indicators=[(code, None, value, numerator, denominator, None, "")]
    )
    if accepted:
        read_return(path)
        return
    msg = _the_value_cell_refused(path)
    ratio = numerator / denominator
    assert f"Value {value:g} for {code} disagrees with its feeder data: " in msg
    assert f"Numerator {numerator:g} / Denominator {denominator:g} = {ratio:.6g}" in msg


def test_the_python_defaults_are_the_dbt_vars():
    """The reader's 0-100 default and tolerances are read from dbt_project.yml, the numbers
    stg_frameworks__indicators and macros/feeders.sql use."""
    assert pi_limits("%") == PiLimits(
        "%", dbt_var("percent_min_value"), dbt_var("percent_max_value")
    )
    assert (dbt_var("percent_min_value"), dbt_var("percent_max_value")) == (0, 100)
    assert feeder_tolerance(8.0) == dbt_var("feeder_tolerance_whole") == 0.5
    assert feeder_tolerance(7.82) == dbt_var("feeder_tolerance_decimal") == 0.005
