"""fetch_publication against a real local HTTP server: new / unchanged / every way to skip.

The server serves the real LGBF master workbook (read from the shared folder, never copied
into the repo). After every skipped fetch the landing folder, hidden files included, must be
exactly as it was: nothing partial may ever be left behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orchestration import config
from orchestration.lgbf.fetch import (
    FetchResult,
    fetch_publication,
)
from tests.support.http_fixtures import LAST_MODIFIED, Handler, serve_body
from tests.support.paths import LGBF_DIR, REPO

WORKBOOK_NAME = "new bnch data_Jan20.xlsx"
NAME_PATTERN = re.compile(r"^lgbf__\d{4}-\d{2}-\d{2}__[0-9a-f]{12}\.(xlsx|csv)$")


def _workbook_path() -> Path:
    return LGBF_DIR / WORKBOOK_NAME


@pytest.fixture(scope="module")
def workbook_bytes() -> bytes:
    return _workbook_path().read_bytes()


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def landing(tmp_path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    # Something already there, so "untouched" means more than "still empty".
    (folder / "lgbf__2019-01-15__0123456789ab.xlsx").write_bytes(b"an earlier publication")
    return folder


def listing(folder: Path) -> list[tuple[str, int, int]]:
    """Every entry, hidden ones included, with size and mtime, sorted."""
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def assert_skipped_untouched(result: FetchResult, before, landing: Path, cursor: dict) -> None:
    assert result.status == "skipped", result
    assert result.path is None
    assert result.cursor == cursor
    assert listing(landing) == before
    assert not [p for p in landing.iterdir() if p.name.startswith(".")]


def make_other_workbook(path: Path) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Raw Data"
    ws.append(["Local Authority", "CHN1 2019-20"])
    ws.append(["Aberdeen City", 5432.1])
    wb.save(path)
    return path.read_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- new / unchanged --------------------------------------------------------------------------


def test_first_fetch_lands_workbook_and_sidecar(server, landing, workbook_bytes):
    server.serve(serve_body(workbook_bytes))
    result = fetch_publication(server.url, landing, timeout=10)

    assert result.status == "new", result.reason
    assert result.sha256 == sha(workbook_bytes)
    assert result.etag == '"v1"'
    assert result.last_modified == LAST_MODIFIED
    assert result.path is not None and result.path.parent == landing
    assert NAME_PATTERN.match(result.path.name)
    assert result.path.name == f"lgbf__2020-01-21__{sha(workbook_bytes)[:12]}.xlsx"
    assert result.path.read_bytes() == workbook_bytes

    meta = json.loads((landing / f"{result.path.name}.meta.json").read_text())
    assert meta["source"] == server.url
    assert meta["kind"] == "official"
    assert meta["published_on"] == "2020-01-21"
    assert meta["etag"] == '"v1"'
    assert meta["last_modified"] == LAST_MODIFIED
    assert meta["sha256"] == sha(workbook_bytes)
    assert meta["bytes"] == len(workbook_bytes)
    retrieved = datetime.fromisoformat(meta["retrieved_at"])
    assert retrieved.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - retrieved) < timedelta(minutes=5)

    assert result.cursor == {
        "etag": '"v1"',
        "last_modified": LAST_MODIFIED,
        "sha256": sha(workbook_bytes),
        "file": result.path.name,
    }
    json.dumps(result.cursor)  # the caller stores it as JSON
    assert not [p for p in landing.iterdir() if p.name.startswith(".")]


def test_second_fetch_with_cursor_is_unchanged_via_304(server, landing, workbook_bytes):
    server.serve(serve_body(workbook_bytes))
    first = fetch_publication(server.url, landing, timeout=10)
    before = listing(landing)

    second = fetch_publication(server.url, landing, cursor=first.cursor, timeout=10)

    assert second.status == "unchanged", second.reason
    assert "not modified" in second.reason
    assert second.path is None
    assert second.cursor == first.cursor
    assert server.requests[-1].get("If-None-Match") == '"v1"'
    assert server.requests[-1].get("If-Modified-Since") == LAST_MODIFIED
    assert listing(landing) == before


def test_same_bytes_without_304_are_unchanged_by_sha(server, landing, workbook_bytes):
    server.serve(serve_body(workbook_bytes))
    first = fetch_publication(server.url, landing, timeout=10)
    before = listing(landing)

    # A server that ignores conditional headers and re-tags the same bytes.
    server.serve(serve_body(workbook_bytes, etag='"v1-regenerated"', honour_etag=False))
    second = fetch_publication(server.url, landing, cursor=first.cursor, timeout=10)

    assert second.status == "unchanged", second.reason
    assert "sha256" in second.reason
    assert second.cursor["sha256"] == first.cursor["sha256"]
    assert second.cursor["etag"] == '"v1-regenerated"'  # so the next poll can get a 304
    assert listing(landing) == before


def test_changed_content_lands_a_second_file(server, landing, workbook_bytes, tmp_path):
    server.serve(serve_body(workbook_bytes))
    first = fetch_publication(server.url, landing, timeout=10)

    other = make_other_workbook(tmp_path / "other.xlsx")
    server.serve(serve_body(other, etag='"v2"', last_modified="Thu, 20 Feb 2025 08:00:00 GMT"))
    second = fetch_publication(server.url, landing, cursor=first.cursor, timeout=10)

    assert second.status == "new", second.reason
    assert second.path != first.path
    assert second.path.name == f"lgbf__2025-02-20__{sha(other)[:12]}.xlsx"
    assert second.path.read_bytes() == other
    assert first.path.read_bytes() == workbook_bytes
    assert second.cursor["etag"] == '"v2"' and second.cursor["sha256"] == sha(other)
    data_files = sorted(p.name for p in landing.glob("lgbf__*") if not p.name.endswith(".json"))
    assert len(data_files) == 3  # the earlier publication + the two fetched
    assert (landing / f"{second.path.name}.meta.json").exists()


def test_open_data_csv_is_accepted(server, landing):
    body = (
        b"Indicators_Information_Code,LA_Information_LocalAuthority,LA_Data_LGBF_Year\r\n"
        b"CHN01,Aberdeen City,2019-20\r\n"
    )
    server.serve(serve_body(body, content_type="text/csv", last_modified=None))
    result = fetch_publication(server.url, landing, timeout=10)

    assert result.status == "new", result.reason
    assert result.path.suffix == ".csv"
    assert NAME_PATTERN.match(result.path.name)
    meta = json.loads((landing / f"{result.path.name}.meta.json").read_text())
    assert meta["last_modified"] is None
    assert meta["published_on"] == time.strftime("%Y-%m-%d", time.gmtime())


# --- skipped: the landing folder must not change ----------------------------------------------


@pytest.mark.parametrize(("code", "text"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500")])
def test_http_errors_are_skipped(server, landing, code, text):
    server.serve(lambda h: h.send_error(code))
    cursor = {"etag": '"v0"', "last_modified": None, "sha256": "0" * 64}
    before = listing(landing)

    result = fetch_publication(server.url, landing, cursor=cursor, timeout=10)

    assert text in result.reason and server.url in result.reason
    assert_skipped_untouched(result, before, landing, cursor)


def test_html_page_is_skipped(server, landing):
    page = b"<!DOCTYPE html>\n<html><head><title>Site maintenance</title></head></html>\n"
    server.serve(serve_body(page, content_type="text/html; charset=utf-8"))
    before = listing(landing)

    result = fetch_publication(server.url, landing, timeout=10)

    assert result.reason == "server sent an HTML page, not a workbook"
    assert_skipped_untouched(result, before, landing, {})


def test_html_page_with_wrong_content_type_is_skipped(server, landing):
    page = b"\n  <HTML><body>Please log in</body></HTML>"
    server.serve(serve_body(page, content_type="application/octet-stream"))
    before = listing(landing)

    result = fetch_publication(server.url, landing, timeout=10)

    assert "HTML page" in result.reason
    assert_skipped_untouched(result, before, landing, {})


def test_truncated_download_is_skipped(server, landing, workbook_bytes):
    def behaviour(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(workbook_bytes)))
        h.end_headers()
        h.wfile.write(workbook_bytes[:1000])
        h.wfile.flush()
        h.close_connection = True

    server.serve(behaviour)
    before = listing(landing)

    result = fetch_publication(server.url, landing, timeout=10)

    assert result.reason == f"truncated: got 1000 of {len(workbook_bytes)} bytes"
    assert_skipped_untouched(result, before, landing, {})


def test_timeout_is_skipped(server, landing, workbook_bytes):
    def behaviour(h: Handler) -> None:
        time.sleep(3)
        serve_body(workbook_bytes)(h)

    server.serve(behaviour)
    cursor = {"etag": None, "last_modified": None, "sha256": None}
    before = listing(landing)

    started = time.monotonic()
    result = fetch_publication(server.url, landing, cursor=cursor, timeout=0.5)

    assert time.monotonic() - started < 2.5
    assert "timed out" in result.reason and "0.5s" in result.reason
    assert_skipped_untouched(result, before, landing, cursor)


def test_garbage_body_is_skipped(server, landing):
    server.serve(
        serve_body(
            b"Service temporarily unavailable, try again later.\n", content_type="text/plain"
        )
    )
    before = listing(landing)

    result = fetch_publication(server.url, landing, timeout=10)

    assert result.reason.startswith("not an LGBF")
    assert_skipped_untouched(result, before, landing, {})


def test_other_csv_is_skipped(server, landing):
    server.serve(serve_body(b"code,council,value\nCHN1,Aberdeen City,1\n", content_type="text/csv"))
    before = listing(landing)

    result = fetch_publication(server.url, landing, timeout=10)

    assert result.reason.startswith("not an LGBF")
    assert_skipped_untouched(result, before, landing, {})


def test_zip_that_is_not_a_workbook_is_skipped(server, landing, tmp_path):
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")
    server.serve(serve_body(archive.read_bytes(), content_type="application/zip"))
    before = listing(landing)

    result = fetch_publication(server.url, landing, timeout=10)

    assert result.reason.startswith("not an LGBF")
    assert_skipped_untouched(result, before, landing, {})


def test_unreachable_server_is_skipped(landing):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the fetch: nothing listens
    before = listing(landing)

    result = fetch_publication(f"http://127.0.0.1:{port}/x.xlsx", landing, timeout=2)

    assert result.reason.startswith("cannot reach")
    assert_skipped_untouched(result, before, landing, {})


# --- file:// and bad URLs -------------------------------------------------------------------


def test_file_url_new_then_unchanged(landing, workbook_bytes):
    source = _workbook_path()
    url = source.as_uri()

    first = fetch_publication(url, landing)
    assert first.status == "new", first.reason
    assert first.sha256 == sha(workbook_bytes)
    assert first.etag is None
    assert first.last_modified and first.last_modified.endswith("GMT")
    assert NAME_PATTERN.match(first.path.name)
    assert first.path.read_bytes() == workbook_bytes
    before = listing(landing)

    second = fetch_publication(url, landing, cursor=first.cursor)
    assert second.status == "unchanged", second.reason
    assert listing(landing) == before


def test_truncated_workbook_file_is_skipped(landing, workbook_bytes, tmp_path):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(workbook_bytes[: len(workbook_bytes) // 2])
    before = listing(landing)

    result = fetch_publication(cut.as_uri(), landing)

    assert result.reason.startswith("corrupt or truncated workbook")
    assert_skipped_untouched(result, before, landing, {})


def test_missing_file_is_skipped(landing, tmp_path):
    before = listing(landing)
    result = fetch_publication((tmp_path / "nope.xlsx").as_uri(), landing)
    assert result.reason.startswith("cannot read")
    assert_skipped_untouched(result, before, landing, {})


def test_landing_dir_is_created(tmp_path, workbook_bytes):
    target = tmp_path / "a" / "b"
    result = fetch_publication(_workbook_path().as_uri(), target)
    assert result.status == "new" and result.path.parent == target


@pytest.mark.parametrize("url", ["ftp://example.org/lgbf.xlsx", "lgbf.xlsx", "s3://bucket/x"])
def test_unsupported_scheme_raises(url, tmp_path):
    with pytest.raises(ValueError):
        fetch_publication(url, tmp_path / "landing")
    assert not (tmp_path / "landing").exists()


# --- configuration --------------------------------------------------------------------------


def test_env_helpers(monkeypatch, tmp_path):
    monkeypatch.delenv("LGBF_LANDING_DIR", raising=False)
    monkeypatch.delenv("LGBF_URL", raising=False)
    repo = REPO
    assert config.lgbf_landing_dir() == repo / "raw" / "lgbf"
    assert config.lgbf_url() is None

    monkeypatch.setenv("LGBF_LANDING_DIR", str(tmp_path / "drop"))
    monkeypatch.setenv("LGBF_URL", "https://example.org/lgbf.xlsx")
    assert config.lgbf_landing_dir() == tmp_path / "drop"
    assert config.lgbf_url() == "https://example.org/lgbf.xlsx"

    monkeypatch.setenv("LGBF_URL", "")
    assert config.lgbf_url() is None
