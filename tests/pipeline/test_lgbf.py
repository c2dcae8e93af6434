"""LGBF end to end: a local HTTP server serves the real workbook; the sensor lands it, the
refresh job ingests it, and the benchmark reproduces the ranks and quartiles the seed reports
print. A second, changed publication in the open-data layout (built here from the workbook's
own values; nothing is committed) becomes a new publication and the latest view moves to it.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from datetime import date

import dagster as dg
import duckdb
import openpyxl
import pandas as pd
import pytest

from orchestration import config
from orchestration.fingerprints import sha256_of
from orchestration.lgbf.parse import OPEN_DATA_COLUMNS, read_master_workbook
from orchestration.reports.lgbf_pack import build_lgbf_pack
from orchestration.reports.service_report import build_service_report
from tests.support.analyst_docs import example_queries
from tests.support.http_fixtures import serve_body
from tests.support.lgbf_oracle import independent_ranks
from tests.support.paths import LGBF_DIR, seed_line
from tests.support.seed_state import preserved_outputs

WORKBOOK = LGBF_DIR / "new bnch data_Jan20.xlsx"
A = "000_09dcfc9c775a2e22.txt"
Q = "001_1ca03212745a48c4.txt"

# Every "External Comparison" rank the seeds print that the workbook covers:
# (indicator, year, published rank, published quartile, seed file, seed line, rank from the
#  workbook). Three come out differently from this (later) workbook: all three were printed
# in the 2016/17 report, i.e. taken from an earlier LGBF release that was revised since
# (see docs/lgbf.md).
SEED_RANKS = [
    ("CHN8a", "2017/18", 22, 3, A, 268, 22),
    ("CHN8a", "2016/17", 8, 1, A, 268, 8),
    ("CHN8a", "2015/16", 10, 2, A, 268, 10),
    ("CHN8a", "2014/15", 1, 1, A, 268, 1),
    ("CHN8a", "2014/15", 1, 1, Q, 153, 1),
    ("CHN8a", "2013/14", 7, 1, Q, 153, 8),  # earlier release; quartile still Top
    ("CHN8b", "2017/18", 21, 3, A, 269, 21),
    ("CHN8b", "2016/17", 19, 3, A, 269, 19),
    ("CHN8b", "2015/16", 21, 3, A, 269, 21),
    ("CHN8b", "2014/15", 23, 3, A, 269, 23),
    ("CHN8b", "2014/15", 24, 4, Q, 154, 23),  # earlier release (the 2019/20 report prints 23)
    ("CHN8b", "2013/14", 20, 3, Q, 154, 20),
    ("CHN9", "2017/18", 10, 2, A, 270, 10),
    ("CHN9", "2016/17", 15, 2, A, 270, 15),
    ("CHN9", "2015/16", 15, 2, A, 270, 15),
    ("CHN9", "2014/15", 20, 3, A, 270, 20),
    ("CHN9", "2014/15", 20, 3, Q, 155, 20),
    ("CHN9", "2013/14", 6, 1, Q, 155, 9),  # earlier release
    ("CHN22", "2017/18", 20, 3, A, 271, 20),
    ("CHN22", "2016/17", 23, 3, A, 271, 23),
    ("CHN22", "2015/16", 29, 4, A, 271, 29),
    ("CHN22", "2014/15", 28, 4, A, 271, 28),
    ("CHN23", "2017/18", 22, 3, A, 272, 22),
    ("CHN23", "2016/17", 25, 4, A, 272, 25),
    ("CHN23", "2015/16", 4, 1, A, 272, 4),
    ("CHN23", "2014/15", 20, 3, A, 272, 20),
]
QUARTILE_WORDS = {1: "top", 2: "second", 3: "third", 4: "bottom"}


@pytest.fixture(scope="module", autouse=True)
def outputs_put_back(built_warehouse):
    """The publications this module loads stay held in the session warehouse (a publication
    once held stays held), so the module puts the session's outputs back when it ends."""
    with preserved_outputs():
        yield


@pytest.fixture(scope="module")
def lgbf_env(built_warehouse, tmp_path_factory):
    """A landing folder holding the metadata and family groups, as the Improvement Service
    publishes them beside the data; the data itself arrives through LGBF_URL."""
    landing = tmp_path_factory.mktemp("lgbf_landing")
    shutil.copy(LGBF_DIR / "Metadata - Shiny.xlsx", landing)
    shutil.copy(LGBF_DIR / "SIMDvalues.xlsx", landing)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LGBF_LANDING_DIR", str(landing))
        yield landing


def _tick(defs, instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = defs.resolve_sensor_def("lgbf_refresh_sensor")(context)
    return result, context.cursor


def _refresh(defs, instance, run_request):
    result = defs.resolve_job_def("lgbf_refresh").execute_in_process(
        instance=instance, tags=run_request.tags
    )
    assert result.success
    return result


def _query(sql, params=None):
    with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _open_data_csv(path, revise):
    """Layout (b) from the workbook's values: zero-padded codes, proportions for percentages,
    real-terms figures where published, Scotland and family-group columns on every row."""
    long = read_master_workbook(WORKBOOK)
    units = dict(_query("select code_published, unit from staging.stg_lgbf__indicators"))
    fgs = dict(_query("select council, people_services_family_group from marts.dim_council"))
    long = long[long["year_published"].str.match(r"^\d{4}-\d{2}$")]
    scotland = {
        (r.code_published, r.year_published): r
        for r in long[long["council_published"] == "Scotland"].itertuples()
    }
    councils = long[long["council_published"] != "Scotland"].copy()
    councils["figure"] = councils["value_real"].fillna(councils["value"])
    councils["fg"] = councils["council_published"].map(fgs)
    fg_avg = councils.groupby(["code_published", "year_published", "fg"])["figure"].mean()
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=OPEN_DATA_COLUMNS)
        writer.writeheader()
        for r in councils.itertuples():
            scale = 0.01 if units.get(r.code_published) == "%" else 1
            figure = revise.get((r.code_published, r.council_published, r.year_published), r.figure)
            s = scotland.get((r.code_published, r.year_published))
            s_figure = (
                None if s is None else (s.value_real if s.value_real == s.value_real else s.value)
            )
            code = re.sub(r"^([A-Za-z&]+) ?(\d)(?!\d)", r"\g<1>0\2", r.code_published).replace(
                " ", ""
            )

            def fmt(x, scale=scale):
                return "" if x is None or x != x else repr(x * scale)

            writer.writerow(
                {
                    "Indicators_Information_Code": code,
                    "LA_Information_LocalAuthority": r.council_published,
                    "LA_Data_LGBF_Year": r.year_published,
                    "LA_Data_LA_IndicatorReal": fmt(figure),
                    "LA_Data_LA_Numerator_real": "" if r.numerator != r.numerator else r.numerator,
                    "LA_Data_LA_Den_Real": "" if r.denominator != r.denominator else r.denominator,
                    "Scotland_Data_Scotland_Indicator_Real": fmt(s_figure),
                    "FG_Data_FG_Avg_Indicator_Real": fmt(
                        fg_avg.get((r.code_published, r.year_published, r.fg))
                    ),
                    "FG_Data_FamilyGroup": "" if r.fg != r.fg else int(r.fg),
                }
            )
    return path


def test_one_council_publication_is_not_ranked(built_warehouse):
    """The seeds' own LGBF tables are one-council publications: kept, never ranked."""
    rows = _query(
        """select count(*), count(rank) from marts.fct_lgbf_benchmark_history
           where publication_kind = 'transcribed'"""
    )
    assert rows[0][0] > 0 and rows[0][1] == 0
    # the two reports' different CHN8a values are two publications side by side
    values = sorted(
        v
        for (v,) in _query(
            """select value from marts.fct_lgbf_value
           where indicator_code = 'CHN8a' and financial_year = '2010/11' and publication_kind = 'transcribed'"""
        )
    )
    assert "£1,832.00" in seed_line(Q, 153) and "£2,050.88" in seed_line(A, 268)
    assert values == [1832.0, 2050.88]


def test_lgbf_refresh_end_to_end(lgbf_env, defs, instance, server, tmp_path):
    landing = lgbf_env
    server.serve(serve_body(WORKBOOK.read_bytes(), etag='"jan20"'))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LGBF_URL", server.url)

        # 1. First publication: the sensor lands it and asks for a run keyed by its hash.
        request, cursor = _tick(defs, instance, None)
        assert isinstance(request, dg.RunRequest) and request.run_key == sha256_of(WORKBOOK)
        _refresh(defs, instance, request)
        ranks = {
            (code, year): (rank, quartile, n)
            for code, year, rank, quartile, n in _query(
                """select indicator_code, financial_year, rank, quartile, n_ranked
                   from marts.fct_lgbf_benchmark where council = 'Midlothian'"""
            )
        }
        reproduced = 0
        for code, year, pub_rank, pub_quartile, seed, line, workbook_rank in SEED_RANKS:
            text = seed_line(seed, line)
            short = year[2:4] + "/" + year[5:]
            assert re.search(
                rf"{short} Rank {pub_rank} \({QUARTILE_WORDS[pub_quartile]} Quartile", text, re.I
            )
            rank, quartile, n = ranks[(code, year)]
            assert rank == workbook_rank, (code, year)
            assert n == (31 if year == "2017/18" else 32)  # Glasgow has no 2017/18 values
            if rank == pub_rank:
                assert quartile == pub_quartile, (code, year)
                reproduced += 1
        assert reproduced == 23 and len(SEED_RANKS) == 26

        # 2. Nothing new: the next tick skips (304 Not Modified).
        again, cursor2 = _tick(defs, instance, cursor)
        assert isinstance(again, dg.SkipReason) and "unchanged" in again.skip_message

        # 3. A failing source makes the tick skip with the reason; nothing is landed.
        before = sorted(p.name for p in landing.iterdir())
        server.serve(lambda h: h.send_error(404))
        failed, cursor3 = _tick(defs, instance, cursor2)
        assert isinstance(failed, dg.SkipReason) and "HTTP 404" in failed.skip_message
        server.serve(
            serve_body(
                b"<!DOCTYPE html><html>maintenance</html>", content_type="text/html", etag='"x"'
            )
        )
        failed, cursor3 = _tick(defs, instance, cursor3)
        assert isinstance(failed, dg.SkipReason) and "HTML" in failed.skip_message
        assert sorted(p.name for p in landing.iterdir()) == before

        # 4. A second, revised publication (open-data layout): Midlothian CHN8a 2018-19 revised.
        revised = _open_data_csv(
            tmp_path / "LGBF_Data_Table_Real.csv", {("CHN8a", "Midlothian", "2018-19"): 3900.0}
        )
        server.serve(
            serve_body(
                revised.read_bytes(),
                etag='"2021"',
                content_type="text/csv",
                last_modified="Wed, 20 Jan 2021 09:00:00 GMT",
            )
        )
        request2, _ = _tick(defs, instance, cursor3)
        assert isinstance(request2, dg.RunRequest) and request2.run_key == sha256_of(revised)
        _refresh(defs, instance, request2)

    publications = _query(
        "select publication_id, layout, published_on::varchar from raw.lgbf_publications where kind = 'official' order by published_on"
    )
    assert [p[1] for p in publications] == ["master_workbook", "open_data_csv"]
    first, second = publications[0][0], publications[1][0]
    # every publication's values are kept...
    history = dict(
        _query(
            """select publication_id, value from marts.fct_lgbf_value
           where indicator_code = 'CHN8a' and council = 'Midlothian' and financial_year = '2018/19'"""
        )
    )
    assert history[first] == pytest.approx(3880.04, abs=0.01) and history[second] == 3900.0
    # ...and the benchmark serves the latest one
    assert _query(
        """select value, publication from marts.fct_lgbf_benchmark
           where indicator_code = 'CHN8a' and council = 'Midlothian' and financial_year = '2018/19'"""
    ) == [(3900.0, second)]
    # both layouts normalise to the same codes, years, units and councils
    diff = _query(
        f"""select a.indicator_code, a.council, a.financial_year, coalesce(a.value_real, a.value) as a_value, b.value
            from marts.fct_lgbf_value a
            join marts.fct_lgbf_value b using (indicator_code, council, financial_year)
            where a.publication_id = '{first}' and b.publication_id = '{second}'
              and abs(coalesce(a.value_real, a.value) - b.value) > 1e-6"""
    )
    assert diff == [("CHN8a", "Midlothian", "2018/19", pytest.approx(3974.83, abs=0.01), 3900.0)]
    matched = _query(
        f"""select count(*) from marts.fct_lgbf_value a
            join marts.fct_lgbf_value b using (indicator_code, council, financial_year)
            where a.publication_id = '{first}' and b.publication_id = '{second}'"""
    )[0][0]
    assert matched > 20_000
    # the revisions mart lists what the second publication changed (compared in real terms:
    # the open data's first naming gives no cash figures), and only that value...
    assert _query(
        """select previous_publication_id, previous_compared_value, compared_value, change, compared_in
           from marts.fct_lgbf_revision where publication_id = ?
             and indicator_code = 'CHN8a' and council = 'Midlothian' and period = '2018/19'""",
        [second],
    ) == [(first, pytest.approx(3974.83, abs=0.01), 3900.0, "value revised", "real terms")]
    assert _query(
        "select count(*) from marts.fct_lgbf_revision where publication_id = ? and change = 'value revised'",
        [second],
    ) == [(1,)]
    # ...and the benchmark as known at a date before the second publication still shows the first
    as_of = """select value, publication_id from marts.fct_lgbf_benchmark_history
               where council = 'Midlothian' and indicator_code = 'CHN8a' and period = '2018/19'
                 and known_from <= ?::date and (superseded_at is null or superseded_at > ?::date)"""
    assert _query(as_of, ["2020-12-31"] * 2) == [(pytest.approx(3880.04, abs=0.01), first)]
    assert _query(as_of, ["2021-01-20"] * 2) == [(3900.0, second)]
    # the ranks the seeds print still come out of the new publication (ranks do not depend
    # on cash vs real terms)
    for code, year, _, _, _, _, workbook_rank in SEED_RANKS:
        if (code, year) != ("CHN8a", "2018/19"):
            got = _query(
                """select rank, publication from marts.fct_lgbf_benchmark
                   where council = 'Midlothian' and indicator_code = ? and financial_year = ?""",
                [code, year],
            )
            assert got == [(workbook_rank, second)], (code, year)


def test_benchmark_columns_and_family_groups(lgbf_env, instance, server):
    """Runs after the end-to-end test: Scotland and family-group comparisons are filled."""
    row = _query(
        """select scotland_value, family_group, family_group_average, n_ranked, quartile
           from marts.fct_lgbf_benchmark
           where council = 'Midlothian' and indicator_code = 'CHN9' and financial_year = '2017/18'"""
    )[0]
    scotland, fg, fg_avg, n, quartile = row
    assert fg == 2 and n == 31 and quartile == 2
    assert 80 < scotland < 95 and 80 < fg_avg < 95
    assert _query(
        "select people_services_family_group, other_services_family_group from marts.dim_council where council = 'Midlothian'"
    ) == [(2, 3)]


def test_run_with_lgbf_url_ingests_and_never_ranks_a_partial_set(
    lgbf_env, defs, instance, tmp_path
):
    """With LGBF_URL set a plain run fetches the publication itself (no sensor needed). This
    one covers a single council, so its indicator-year is served unranked."""
    partial = tmp_path / "partial.csv"
    with open(partial, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=OPEN_DATA_COLUMNS)
        writer.writeheader()
        writer.writerow(
            {
                "Indicators_Information_Code": "CHN09",
                "LA_Information_LocalAuthority": "Midlothian",
                "LA_Data_LGBF_Year": "2018-19",
                "LA_Data_LA_IndicatorReal": "0.9",
            }
        )
    count_before = _query("select count(*) from raw.lgbf_publications")[0][0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LGBF_URL", partial.as_uri())
        assert defs.resolve_job_def("lgbf_refresh").execute_in_process(instance=instance).success
    assert _query("select count(*) from raw.lgbf_publications")[0][0] == count_before + 1
    assert _query(
        """select value, rank, n_ranked, quartile from marts.fct_lgbf_benchmark
           where indicator_code = 'CHN9' and financial_year = '2018/19' and council = 'Midlothian'"""
    ) == [(90.0, None, None, None)]


def test_reports_quote_the_published_ranks_in_the_reports_wording(lgbf_env, tmp_path):
    """After the real workbook is in: the service report's LGBF table prints the External
    Comparison as the seed report does, the pack charts every indicator, and the analysts'
    ranking queries have answers."""
    with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
        # as known today: the workbook served here is dated by its download
        path, _ = build_service_report(
            con, "Midlothian", "Children's Services", "2019-20", tmp_path, as_of=date.today()
        )
        pack, counts = build_lgbf_pack(con, "Midlothian", tmp_path)
        queries = example_queries()
        bottom = con.execute(queries[3]).fetchall()
        league = con.execute(queries[7]).fetchall()
    ws = openpyxl.load_workbook(path)["LGBF"]
    headers = {ws.cell(5, c).value: c for c in range(1, ws.max_column + 1)}
    row = next(r for r in range(6, ws.max_row + 1) if ws.cell(r, 1).value == "CHN8a")
    text = ws.cell(row, headers["External Comparison"]).value
    # The seed prints "17/18 Rank 22 (Third Quartile) 16/17 Rank 8 (Top Quartile) ..." (000:268)
    for phrase in (
        "17/18 Rank 22 (Third Quartile)",
        "16/17 Rank 8 (Top Quartile)",
        "15/16 Rank 10 (Second Quartile)",
    ):
        assert phrase in seed_line(A, 268) and phrase in text
    with zipfile.ZipFile(pack) as z:
        chart_parts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    summary = openpyxl.load_workbook(pack)["Summary"]
    header = next(c.row for c in summary["A"] if c.value == "Code")
    codes = [c.value for c in summary["A"] if c.row > header and c.value]
    assert counts["charts"] == len(chart_parts) == len(codes) > 50
    assert bottom and all(r[3] is not None for r in bottom)
    assert [r[0] for r in league][:1] and "Midlothian" in [r[0] for r in league]


def _later_years_workbook(path, unknown_code=("ECON10", "ECON99"), unknown_council="Atlantis"):
    """A publication the pipeline has not seen, built from the shared workbook: the `Raw Data`
    columns of periods ending in 2018 or later only, one indicator renamed to a code no
    reference knows, and one extra row for a council no seed knows (a copy of Midlothian's)."""
    raw = pd.read_excel(WORKBOOK, sheet_name="Raw Data", header=None, engine="calamine")
    keep = [0]
    for j in range(1, raw.shape[1]):
        m = re.search(r"(\d{4})-(\d{2})( Real)?$", str(raw.iat[0, j]).strip())
        if m and int(m.group(1)) + (int(m.group(2)) - int(m.group(1)) % 100) % 100 >= 2018:
            keep.append(j)
    frame = raw.iloc[:, keep]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Raw Data")
    rows = frame.values.tolist()
    rows[0] = [str(h).replace(unknown_code[0] + " ", unknown_code[1] + " ") for h in rows[0]]
    midlothian = next(r for r in rows if r[0] == "Midlothian")
    rows.insert(len(rows) - 1, [unknown_council, *midlothian[1:]])
    for row in rows:
        sheet.append([None if isinstance(v, float) and v != v else v for v in row])
    book.save(path)
    return path, len(keep) - 1


def test_lgbf_url_alone_ingests_and_ranks_an_unseen_publication(
    built_warehouse, defs, instance, tmp_path
):
    """LGBF_URL pointed at a publication never seen, with no metadata or family-group file
    landed: the project's own reference ranks it; an unknown indicator and an unknown council
    are ingested, left unranked and reported by WARN asset checks, and the build succeeds."""
    source, n_columns = _later_years_workbook(tmp_path / "LGBF master workbook Feb2022.xlsx")
    assert n_columns > 500
    landing = tmp_path / "landing"  # nothing landed by hand
    # A warehouse that never had a metadata or family-group file landed (restored afterwards,
    # so later modules find the session's warehouse as raw/lgbf left it)
    work = str(config.work_warehouse_path())
    with duckdb.connect(work) as con:
        saved = {
            t: con.execute(f"select * from raw.{t}").df()
            for t in ("lgbf_indicator_metadata", "lgbf_family_groups")
        }
        for table in saved:
            con.execute(f"delete from raw.{table}")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LGBF_LANDING_DIR", str(landing))
            mp.setenv("LGBF_URL", source.as_uri())
            result = defs.resolve_job_def("lgbf_refresh").execute_in_process(instance=instance)
    finally:
        with duckdb.connect(work) as con:
            for table, rows in saved.items():
                con.register("saved", rows)
                con.execute(f"insert into raw.{table} by name select * from saved")
                con.unregister("saved")
    assert result.success
    assert _query(
        """select count(*) from staging.stg_lgbf__indicators
           where reference_source = 'project reference'"""
    ) == [(123,)]  # every indicator from the project's own reference
    assert [p.name for p in landing.iterdir() if p.suffix == ".xlsx"][0].startswith("lgbf__")

    new = sha256_of(next(p for p in landing.iterdir() if p.suffix == ".xlsx"))[:12]
    # every indicator-period with a direction and more than 16 values: all councils with a
    # value ranked, as the independent computation ranks this file
    sets = _query(
        """select indicator_code, period, count(value), count(rank), bool_and(is_current)
           from marts.fct_lgbf_benchmark_history where publication_id = ? and direction is not null
           group by all having count(value) > 16""",
        [new],
    )
    assert len(sets) > 250 and all(n == ranked for _, _, n, ranked, _ in sets)
    assert any(period.endswith("/20") and period != "2019/20" for _, period, *_ in sets)  # rolling
    got = {
        (code, council, period): (rank, fg_rank, fg_size)
        for code, council, period, rank, fg_rank, fg_size in _query(
            """select indicator_code, council, period, rank, family_group_rank, family_group_size
               from marts.fct_lgbf_benchmark_history where publication_id = ? and rank is not null""",
            [new],
        )
    }
    expected = {k: v[:3] for k, v in independent_ranks(source).items()}
    assert len(got) > 8_000 and got == expected
    # it serves the years it covers; an earlier release still serves the earlier years
    assert _query(
        """select bool_and(publication = ?) from marts.fct_lgbf_benchmark
           where indicator_code = 'CHN9' and period in ('2017/18', '2019/20')""",
        [new],
    ) == [(True,)]
    assert _query(
        """select count(*) > 0, bool_and(publication <> ?) from marts.fct_lgbf_benchmark
           where financial_year < '2017/18'""",
        [new],
    ) == [(True, True)]
    # the unknown indicator and council: kept, unranked, flagged
    assert _query(
        """select bool_and(not is_known_indicator), count(value) > 0 from marts.fct_lgbf_value
           where publication_id = ? and indicator_code = 'ECON99'""",
        [new],
    ) == [(True, True)]
    assert _query(
        "select count(rank) from marts.fct_lgbf_benchmark where indicator_code = 'ECON99'"
    ) == [(0,)]
    assert _query(
        """select bool_and(not is_known_council), count(*) > 0 from marts.fct_lgbf_value
           where publication_id = ? and council = 'Atlantis'""",
        [new],
    ) == [(True, True)]
    assert _query("select count(*) from marts.fct_lgbf_benchmark where council = 'Atlantis'") == [
        (0,)
    ]
    warned = {
        e.check_name: (e.passed, e.severity)
        for e in result.get_asset_check_evaluations()
        if "is_known" in e.check_name
    }
    assert len(warned) == 2
    assert all(v == (False, dg.AssetCheckSeverity.WARN) for v in warned.values()), warned
    # republish with the metadata rows back (the marts are the same: the seed is that file)

    publish = defs.resolve_assets_def("published_warehouse")
    assert dg.materialize([publish], instance=instance).success  # with the deployment's resources
