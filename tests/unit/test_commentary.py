"""The commentary's rules, case by case (orchestration/reports/commentary.py): improving,
worsening, no target, no previous value, rank up, rank down, tied ranks; and the sentence after
the officer's note, marked as generated."""

from __future__ import annotations

from orchestration.reports import commentary
from orchestration.reports.batch import (
    commentary_dir,
    commentary_path,
    remove_superseded_commentary,
)
from orchestration.reports.queries import Period

SICKNESS = "Sickness absence"


def _pi(current: dict, previous: dict | None, label: str | None = "2018/19") -> str | None:
    return commentary.pi_sentence(SICKNESS, "days", None, current, previous, label, "year")


def test_worsening_off_target_for_the_second_year():
    # the example: 11.02 days against 9.00, 9.32 the year before, both off target
    got = _pi(
        {"value": 11.02, "target": 9.0, "status": "Off Target", "short_trend": "Getting Worse"},
        {"value": 9.32, "status": "Off Target"},
    )
    assert got == (
        "Sickness absence rose to 11.02 (target 9.00), worse than 2018/19 (9.32) and off "
        "target for the second year running."
    )


def test_improving_on_target():
    got = _pi(
        {"value": 8.5, "target": 9.0, "status": "On Target", "short_trend": "Improving"},
        {"value": 9.32, "status": "Off Target"},
    )
    assert (
        got
        == "Sickness absence fell to 8.50 (target 9.00), better than 2018/19 (9.32) and on target."
    )


def test_no_target():
    got = _pi(
        {"value": 9.32, "target": None, "status": "Data Only", "short_trend": "No Change"},
        {"value": 9.32, "status": "Data Only"},
    )
    assert got == "Sickness absence stayed at 9.32 (no target), the same as 2018/19 (9.32)."


def test_no_previous_value_and_no_value():
    got = _pi({"value": 6.4, "target": 9.0, "status": "Warning"}, None, None)
    assert got == (
        "Sickness absence was 6.40 (target 9.00); no previous value to compare with and short "
        "of target, within its tolerance."
    )
    assert _pi({"value": None, "target": 9.0}, None) is None  # N/A: no sentence
    assert commentary.previous_shown(Period(2019, 1)) is None  # a Q1 table has no earlier quarter
    assert commentary.previous_shown(Period(2019, None)).key == "2018-19"


def test_percent_and_money_as_the_cells_print_them():
    got = commentary.pi_sentence("Budget", "£m", None, {"value": 15.139, "target": 15.971},
                                 {"value": 15.722}, "2018/19", "year")  # fmt: skip
    assert got == "Budget fell to £15.139m (target £15.971m)."
    got = commentary.pi_sentence("Invoices", "%", None, {"value": 98.0, "target": 95.0},
                                 {"value": 98.43}, "2018/19", "year")  # fmt: skip
    assert got == "Invoices fell to 98% (target 95%)."


def _rank(fy, rank, quartile, tied=False):
    return {
        "financial_year": fy,
        "value": 3880.04,
        "rank": rank,
        "quartile": quartile,
        "tied": tied,
    }


def test_rank_up_down_unchanged_and_tied():
    up = commentary.lgbf_sentence(
        "Midlothian", "CHN8a", [_rank("2017/18", 22, 3), _rank("2018/19", 13, 2)], "£"
    )
    assert up == (
        "Midlothian ranks 13th (second quartile) on CHN8a in 2018/19, at £3,880.04, up nine "
        "places from 22nd in 2017/18."
    )
    down = commentary.lgbf_sentence(
        "Midlothian", "CHN9", [_rank("2017/18", 10, 2), _rank("2018/19", 11, 2)], "£"
    )
    assert "down one place from 10th" in down
    same = commentary.lgbf_sentence(
        "Midlothian", "CHN9", [_rank("2017/18", 3, 1), _rank("2018/19", 3, 1)], "£"
    )
    assert "3rd (top quartile)" in same and "unchanged from 3rd" in same
    tied = commentary.lgbf_sentence("Midlothian", "CHN9", [_rank("2018/19", 21, 3, tied=True)], "£")
    assert tied.startswith("Midlothian ranks joint 21st (third quartile)") and "from" not in tied
    assert (
        commentary.lgbf_sentence("Midlothian", "CHN9", [_rank("2018/19", None, None)], "£") is None
    )
    assert "league table" in commentary.LEAGUE_TABLE_CAUTION


def test_after_the_officers_note_marked_as_generated():
    text = commentary.with_note("19/20: Off Target", "Sickness absence rose to 11.02.")
    assert text == "19/20: Off Target\nGenerated from the data: Sickness absence rose to 11.02."
    assert commentary.officer_note(text) == "19/20: Off Target"
    assert commentary.with_note(None, "x.") == "Generated from the data: x."
    assert commentary.officer_note("Generated from the data: x.") is None
    assert commentary.with_note("note", None) == "note"


def test_the_pack_says_of_how_many_and_the_family_group_average():
    """The pack's Summary prints how many councils are ranked and the family-group average:
    its sentence says both; a service report's LGBF rows have neither, and its sentence
    neither (test above)."""
    latest = dict(_rank("2018/19", 13, 2), n_ranked=32, family_group_average=3959.911)
    sentence = commentary.lgbf_sentence(
        "Midlothian", "CHN8a", [_rank("2017/18", 22, 3), latest], "£"
    )
    assert sentence == (
        "Midlothian ranks 13th of 32 (second quartile) on CHN8a in 2018/19, at £3,880.04, up nine "
        "places from 22nd in 2017/18, against a family-group average of £3,959.91."
    )
    no_average = dict(latest, family_group_average=None)
    assert "family-group" not in commentary.lgbf_sentence("Midlothian", "CHN8a", [no_average], "£")


def test_the_earlier_one_per_report_commentary_files_are_deleted_and_no_other(tmp_path):
    excel = tmp_path / "excel"
    folder = commentary_dir(excel)
    folder.mkdir(parents=True)
    old = folder / "midlothian__childrens-services__2019-20__performance-report.parquet"
    kept = [commentary_path(excel, "Midlothian", "2019-20"), folder / "notes.txt"]
    for path in (old, *kept):
        path.write_bytes(b"x")

    assert remove_superseded_commentary(excel) == [old]
    assert sorted(folder.iterdir()) == sorted(kept)
    assert remove_superseded_commentary(excel) == []
