"""The landing sensor's decision on a folder of returns (``evaluate``), with the published
warehouse's files given: what it asks to run, under which run key, and what it asks again."""

from __future__ import annotations

import logging
import shutil

import openpyxl

from orchestration.defs.automation.returns_sensor import evaluate
from orchestration.fingerprints import sha256_of
from orchestration.returns import format as fmt
from orchestration.returns.landing import scan
from tests.support.paths import SEED_RETURNS

Q4 = "2019-20-Q4"
Q4_FILE = fmt.file_name("Midlothian", "Children's Services", Q4)
LOG = logging.getLogger("tests.sensor")


def test_good_files_of_a_failed_run_are_requested_again(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    good = folder / "east-lothian__childrens-services__2019-20__Q4.xlsx"
    bad = folder / Q4_FILE
    shutil.copy(SEED_RETURNS / Q4_FILE, good)
    shutil.copy(SEED_RETURNS / Q4_FILE, bad)
    wb = openpyxl.load_workbook(bad)
    wb[fmt.INDICATORS_SHEET]["C2"] = 1  # other bytes: another file's content
    wb.save(bad)
    first, cursor, _ = evaluate(folder, None, LOG, published=set())
    assert [(r.partition_key, r.run_key) for r in first] == [
        (Q4, f"{Q4}:" + "+".join(sorted([sha256_of(good), sha256_of(bad)])))
    ]
    # That run failed and undid its load, and quarantined the bad file: nothing is published.
    bad.unlink()
    again, cursor, _ = evaluate(folder, cursor, LOG, published=set())
    assert [(r.partition_key, r.run_key) for r in again] == [(Q4, f"{Q4}:{sha256_of(good)}")]
    # Asked once: the next tick does not ask again while that run goes on.
    assert evaluate(folder, cursor, LOG, published=set())[0] == []
    # Once published, nothing more.
    assert evaluate(folder, cursor, LOG, published={sha256_of(good)})[0] == []


def test_a_browser_second_download_is_sent_to_its_quarter_to_be_quarantined(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    copy = folder / "midlothian__childrens-services__2016-17__Q2 (1).xlsx"
    shutil.copy(
        SEED_RETURNS / fmt.file_name("Midlothian", "Children's Services", "2016-17-Q2"), copy
    )
    requests, cursor, _ = evaluate(folder, None, LOG, published=set())
    assert [r.partition_key for r in requests] == ["2016-17-Q2"]
    assert requests[0].tags["returns/files"] == copy.name


def test_the_landing_scan_sorts_returns_by_quarter_and_name_and_lists_misnamed_files(tmp_path):
    names = [
        fmt.file_name("Midlothian", "Children's Services", Q4),
        fmt.file_name("Fife", "Education", Q4),
        fmt.file_name("Fife", "Education", "2019-20-Q3"),
        "notes.xlsx",
        "~$" + Q4_FILE,  # Excel's owner file: temporary, never listed
        Q4_FILE + ".partial",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "frameworks").mkdir()  # a folder is neither a return nor misnamed

    found = scan(tmp_path)

    assert {k: [p.name for p in v] for k, v in found.returns.items()} == {
        Q4: [names[1], names[0]],
        "2019-20-Q3": [names[2]],
    }
    assert [p.name for p in found.misnamed] == ["notes.xlsx"]
    assert [p.name for p in found.for_quarters([Q4, "2019-20-Q3"])] == sorted(names[:3])
    assert all(p.parent == tmp_path for p in found.for_quarters([Q4]))
