"""The default run benchmarks the real LGBF workbook committed in raw/lgbf/: every rank of
every council for every indicator and period (single years and rolling periods) against an
independent computation made here with pandas straight from the Improvement Service's files.
(Other modules land later publications in the session's warehouse, so these tests read the
workbook's own publication from fct_lgbf_benchmark_history.)

The independent computation is ``tests/support/lgbf_oracle.py``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.fingerprints import sha256_of
from tests.support.lgbf_oracle import independent_ranks
from tests.support.paths import LGBF_DIR, REPO

WORKBOOK = LGBF_DIR / "new bnch data_Jan20.xlsx"
DEFAULT = sha256_of(WORKBOOK)[:12]  # its publication id


@pytest.fixture(scope="module")
def expected():
    return independent_ranks(WORKBOOK)


def test_every_rank_matches_an_independent_computation(warehouse, expected):
    publication = sha256_of(REPO / "raw" / "lgbf" / WORKBOOK.name)[:12]
    assert publication == DEFAULT  # the committed file is the shared one
    got = {
        (code, council, period): (rank, fg_rank, fg_size, fg_avg)
        for code, council, period, rank, fg_rank, fg_size, fg_avg in warehouse.execute(
            """select indicator_code, council, period, rank, family_group_rank,
                      family_group_size, family_group_average
               from marts.fct_lgbf_benchmark_history
               where publication_id = ? and rank is not null""",
            [publication],
        ).fetchall()
    }
    assert set(got) == set(expected)
    for key, (rank, fg_rank, fg_size, fg_avg) in expected.items():
        assert got[key][:3] == (rank, fg_rank, fg_size), key
        assert got[key][3] == pytest.approx(fg_avg, rel=1e-9), key
    rolling = sum(
        1 for (_, _, period) in expected if int(period[5:]) % 100 != (int(period[2:4]) + 1) % 100
    )
    # The counts the closing note quotes (docs/lgbf.md): every ranked council-period value.
    assert (len(expected), rolling) == (25_024, 2_848)


def test_default_run_ranks_every_council_for_every_indicator_with_a_direction(warehouse):
    """Out of the box: each indicator-period with a direction and more than 16 values is
    ranked for every council that has a value, all 32 councils are there, and the served
    publication is the Improvement Service's release (not a one-council transcription)."""
    sets = warehouse.execute(
        """select indicator_code, period, count(*) as councils, count(value) as with_value,
                  count(rank) as ranked, any_value(release_name)
           from marts.fct_lgbf_benchmark_history
           where direction is not null and publication_id = ? and known_from = '2020-01-31'
           group by all having count(value) > 16""",
        [DEFAULT],
    ).fetchall()
    assert len(sets) > 800
    assert all(n == 32 and ranked == with_value for _, _, n, with_value, ranked, _ in sets)
    assert {r[5] for r in sets} == {"LGBF, January 2020 release"}
    ranked_codes = {r[0] for r in sets}
    # a run on raw/ alone serves it (before any other official publication is landed)
    assert warehouse.execute(
        """select count(*) from marts.fct_lgbf_benchmark_history
           where publication_kind = 'official' and publication_id <> ? and known_from <= '2020-01-31'""",
        [DEFAULT],
    ).fetchone() == (0,)
    with_direction = {
        r[0]
        for r in warehouse.execute(
            """select indicator_code from staging.stg_lgbf__indicators
               where indicator_code in (select indicator_code from marts.fct_lgbf_value
                                        where exclusion_reason is null)"""
        ).fetchall()
    }
    assert with_direction <= ranked_codes
    assert {"CHN10", "ENV4b", "C&L5a"} <= ranked_codes  # rolling-period indicators


def test_rolling_periods_are_ranked_beside_single_years(warehouse):
    rows = warehouse.execute(
        """select period, period_type, financial_year, rank, n_ranked, value
           from marts.fct_lgbf_benchmark_history
           where council = 'Midlothian' and indicator_code = 'CHN10' and publication_id = ?
           order by period""",
        [DEFAULT],
    ).fetchall()
    assert [r[0] for r in rows][-3:] == ["2015/18", "2016/19", "2017/20"]
    assert all(r[1] == "rolling" and r[2] is None and r[4] == 32 for r in rows)
    raw = pd.read_excel(WORKBOOK, sheet_name="Raw Data", header=0, index_col=0)
    assert rows[-2][5] == pytest.approx(raw.loc["Midlothian", "CHN10 2016-19"])


def test_the_improvement_services_exclusions_and_direction_fixes(warehouse):
    """CHN14a, the literacy attainment gap: lower is better, and its 2015-16..2017-18 values (an
    attainment percentage under the same code) are kept as data but never benchmarked."""
    row = warehouse.execute(
        """select value, scotland_value, rank, n_ranked, quartile, previous_value, direction
           from marts.fct_lgbf_benchmark_history where publication_id = ?
             and council = 'Midlothian' and indicator_code = 'CHN14a' and period = '2018/19'""",
        [DEFAULT],
    ).fetchone()
    value, scotland, rank, n, quartile, previous, direction = row
    raw = pd.read_excel(WORKBOOK, sheet_name="Raw Data", header=0, index_col=0)
    assert value == pytest.approx(raw.loc["Midlothian", "CHN14a 2018-19"])  # 26.86
    assert scotland == pytest.approx(raw.loc["Scotland", "CHN14a 2018-19"])  # 20.66
    gaps = pd.to_numeric(raw["CHN14a 2018-19"].drop("Scotland"), errors="coerce")
    assert direction == "lower_is_better" and previous is None
    assert (rank, n) == (int((gaps < value).sum()) + 1, int(gaps.notna().sum()))
    assert quartile == 4  # a wider gap than Scotland's is not "Top"
    kept = warehouse.execute(
        """select period, count(value) from marts.fct_lgbf_value
           where indicator_code = 'CHN14a' and exclusion_reason is not null
           group by period order by period"""
    ).fetchall()
    # (this workbook has CHN14a values for 2015/16 only of the three excluded years)
    assert [p for p, n in kept if n > 0] == ["2015/16"]
    assert warehouse.execute(
        """select count(*) from marts.fct_lgbf_benchmark_history
           where indicator_code in ('CHN13a', 'CHN13b', 'CHN14a', 'CHN14b') and period < '2018'"""
    ).fetchone() == (0,)
    benchmarked = warehouse.execute(
        """select distinct indicator_code from marts.fct_lgbf_benchmark_history
           where indicator_code in ('CHN13c', 'CHN15a', 'CHN16c', 'SW4a')
              or (indicator_code = 'CHN10' and period_type = 'single_year')"""
    ).fetchall()
    assert benchmarked == []


def test_benchmark_as_known_at_a_date(warehouse):
    """The documented query (docs/lgbf.md): before the January 2020 release, what a council
    knew was its own report's transcription (one council, unranked)."""
    as_of = """select value, rank, release_name from marts.fct_lgbf_benchmark_history
               where council = 'Midlothian' and indicator_code = 'CHN8a' and period = '2013/14'
                 and known_from <= ?::date and (superseded_at is null or superseded_at > ?::date)"""
    assert warehouse.execute(as_of, ["2016-12-31"] * 2).fetchall() == [
        (
            2465.0,
            None,
            "As printed in the Midlothian Children's Services Quarter 2 Performance Report 2016/17",
        )
    ]
    value, rank, release = warehouse.execute(as_of, ["2020-06-30"] * 2).fetchone()
    assert (round(value, 2), rank, release) == (2465.38, 8, "LGBF, January 2020 release")
