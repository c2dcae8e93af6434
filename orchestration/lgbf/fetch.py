"""Poll the Improvement Service's LGBF publication URL and land new publications atomically.

The LGBF is published once a year at a URL (the master ``.xlsx`` workbook or the open-data
CSV). A Dagster sensor and the command line both call :func:`fetch_publication` with the
cursor they stored after the previous poll:

* ``http``/``https``: ``If-None-Match`` / ``If-Modified-Since`` are sent from the cursor;
  a ``304`` is ``"unchanged"``. ``file:///abs/path`` is read directly (for tests, mirrors
  and manual drops); its mtime stands in for ``Last-Modified``.
* The body is streamed into a hidden temporary file *inside* the landing folder
  (``.lgbf-download-XXXX.part``), then checked: HTTP 200, complete (``Content-Length``),
  not an HTML page, and either an xlsx workbook that passes ``testzip()`` or a CSV in the
  LGBF open-data layout. Content whose sha256 equals the cursor's is ``"unchanged"``.
* A good file is moved into place with ``os.replace`` as
  ``lgbf__<published YYYY-MM-DD>__<sha256[:12]>.<xlsx|csv>``, its sidecar
  ``<name>.meta.json`` (source, dates, etag, sha256, bytes) having been put in place first.

Anything wrong (timeout, HTTP error, HTML error page, truncated or corrupt download, not an
LGBF file) returns ``status="skipped"`` with a readable ``reason`` and the input cursor,
and leaves the landing folder exactly as it was, so the caller can simply retry later.
Standard library only, so the sensor can poll without extra dependencies.
"""

from __future__ import annotations

import contextlib
import csv
import email.utils
import hashlib
import http.client
import io
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from orchestration.lgbf.layout import OPEN_DATA_MARKERS, OPEN_DATA_NAMES, open_data_columns

__all__ = [
    "FetchResult",
    "fetch_publication",
]

SUPPORTED_SCHEMES = ("http", "https", "file")
TEMP_PREFIX = ".lgbf-download-"
TEMP_SUFFIX = ".part"
USER_AGENT = "council-performance-lgbf-fetch/0.1 (Python urllib)"
_CHUNK = 1 << 16
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class FetchResult:
    status: str  # "new" | "unchanged" | "skipped"
    reason: str
    path: Path | None = None  # the landed file (status "new" only)
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None  # Last-Modified as sent; for file:// the mtime, RFC 2822
    cursor: dict = field(default_factory=dict)  # store this for the next poll


class _Skip(Exception):
    """A reason to skip this poll; carries whatever headers were seen for the result."""

    def __init__(self, reason: str, etag: str | None = None, last_modified: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.etag = etag
        self.last_modified = last_modified


@dataclass
class _Download:
    tmp: Path
    sha256: str
    size: int
    etag: str | None
    last_modified: str | None
    content_type: str | None
    expected_size: int | None


def fetch_publication(
    url: str,
    landing_dir: Path,
    cursor: dict | None = None,
    timeout: float = 30.0,
) -> FetchResult:
    """Fetch ``url`` into ``landing_dir`` if it holds a new, valid LGBF publication.

    Raises ValueError only for a URL this function can never fetch (unsupported scheme);
    every transient or content problem is a ``"skipped"`` result instead, so a sensor
    never crashes on a bad poll.
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SUPPORTED_SCHEMES:
        raise ValueError(
            f"unsupported URL scheme {parts.scheme!r} in {url!r}: use http, https or file"
        )
    if scheme == "file" and parts.netloc not in ("", "localhost"):
        raise ValueError(f"file URLs must be local (file:///abs/path), got {url!r}")

    cursor = dict(cursor or {})
    landing_dir = Path(landing_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)

    download: _Download | None = None
    try:
        try:
            if scheme == "file":
                download = _download_file(parts, landing_dir)
            else:
                download = _download_http(url, landing_dir, cursor, timeout)
        except _Skip as skip:
            return FetchResult(
                "skipped", skip.reason, None, None, skip.etag, skip.last_modified, cursor
            )
        if download is None:  # 304 Not Modified
            return FetchResult(
                "unchanged",
                "not modified (ETag)" if cursor.get("etag") else "not modified (Last-Modified)",
                None,
                cursor.get("sha256"),
                cursor.get("etag"),
                cursor.get("last_modified"),
                cursor,
            )
        return _validate_and_land(url, landing_dir, cursor, download)
    finally:
        # On success the temp file has been renamed away; on any failure it must not linger.
        if download is not None:
            with contextlib.suppress(FileNotFoundError):
                download.tmp.unlink()


# --- download -------------------------------------------------------------------------------


def _download_http(url: str, landing_dir: Path, cursor: dict, timeout: float) -> _Download | None:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if cursor.get("etag"):
        headers["If-None-Match"] = cursor["etag"]
    if cursor.get("last_modified"):
        headers["If-Modified-Since"] = cursor["last_modified"]
    request = urllib.request.Request(url, headers=headers)
    timed_out = f"timed out after {timeout:g}s"

    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 304:
            return None
        raise _Skip(f"HTTP {err.code} {err.reason} from {url}") from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise _Skip(timed_out) from None
        raise _Skip(f"cannot reach {url}: {err.reason}") from None
    except TimeoutError:
        # A timeout while waiting for the status line is raised unwrapped by urlopen.
        raise _Skip(timed_out) from None
    except (http.client.HTTPException, OSError) as err:
        raise _Skip(f"cannot reach {url}: {err!r}") from None

    with response:
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if response.status != 200:
            raise _Skip(
                f"HTTP {response.status} {response.reason} from {url} (expected 200)",
                etag,
                last_modified,
            )
        expected = _content_length(response.headers.get("Content-Length"))
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=landing_dir)
        tmp = Path(tmp_name)
        download = _Download(
            tmp, "", 0, etag, last_modified, response.headers.get("Content-Type"), expected
        )
        try:
            with os.fdopen(fd, "wb") as out:
                download.sha256, download.size = _copy(response, out)
        except http.client.IncompleteRead as err:
            tmp.unlink(missing_ok=True)
            got = len(err.partial)
            raise _Skip(
                f"truncated: got {got} of {expected if expected is not None else '?'} bytes",
                etag,
                last_modified,
            ) from None
        except TimeoutError:
            tmp.unlink(missing_ok=True)
            raise _Skip(f"{timed_out} while downloading", etag, last_modified) from None
        except (http.client.HTTPException, OSError) as err:
            tmp.unlink(missing_ok=True)
            raise _Skip(f"download from {url} failed: {err!r}", etag, last_modified) from None
        return download


def _download_file(parts: urllib.parse.SplitResult, landing_dir: Path) -> _Download:
    source = Path(urllib.request.url2pathname(parts.path))
    try:
        stat = source.stat()
        src = source.open("rb")
    except OSError as err:
        raise _Skip(f"cannot read {source}: {err.strerror or err}") from None
    last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=landing_dir)
    download = _Download(Path(tmp_name), "", 0, None, last_modified, None, None)
    try:
        with src, os.fdopen(fd, "wb") as out:
            download.sha256, download.size = _copy(src, out)
    except OSError as err:
        download.tmp.unlink(missing_ok=True)
        raise _Skip(f"cannot read {source}: {err.strerror or err}", None, last_modified) from None
    return download


def _copy(src: BinaryIO, out: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := src.read(_CHUNK):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    out.flush()
    # The file is about to be renamed into place: its bytes must be on disk first.
    os.fsync(out.fileno())
    return digest.hexdigest(), size


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# --- validation and landing -----------------------------------------------------------------


def _validate_and_land(url: str, landing_dir: Path, cursor: dict, dl: _Download) -> FetchResult:
    def skipped(reason: str) -> FetchResult:
        return FetchResult("skipped", reason, None, dl.sha256, dl.etag, dl.last_modified, cursor)

    # http.client returns short reads silently when the server closes early; only the
    # byte count against Content-Length reveals it.
    if dl.expected_size is not None and dl.size != dl.expected_size:
        return skipped(f"truncated: got {dl.size} of {dl.expected_size} bytes")

    with dl.tmp.open("rb") as fh:
        head = fh.read(512)
    if "html" in (dl.content_type or "").lower() or _looks_like_html(head):
        return skipped("server sent an HTML page, not a workbook")

    kind, problem = _detect_kind(dl.tmp, head)
    if kind is None:
        return skipped(problem)

    if cursor.get("sha256") == dl.sha256:
        # Same bytes under new headers: keep the fresh ETag/Last-Modified so the next poll
        # can be answered with a cheap 304.
        return FetchResult(
            "unchanged",
            "content unchanged (sha256)",
            None,
            dl.sha256,
            dl.etag,
            dl.last_modified,
            {**cursor, "etag": dl.etag, "last_modified": dl.last_modified},
        )

    published_on = _published_on(dl.last_modified)
    final = landing_dir / f"lgbf__{published_on.isoformat()}__{dl.sha256[:12]}.{kind}"
    sidecar = final.with_name(final.name + ".meta.json")
    new_cursor = {
        "etag": dl.etag,
        "last_modified": dl.last_modified,
        "sha256": dl.sha256,
        "file": final.name,
    }

    if final.exists() and sidecar.exists() and _sidecar_sha(sidecar) == dl.sha256:
        # Already landed (e.g. the caller's cursor was reset): rewriting it would only make
        # the same publication look new again downstream.
        return FetchResult(
            "unchanged",
            f"already landed as {final.name}",
            None,
            dl.sha256,
            dl.etag,
            dl.last_modified,
            new_cursor,
        )

    meta = {
        "source": url,
        "kind": "official",
        "published_on": published_on.isoformat(),
        "published_on_basis": "Last-Modified" if dl.last_modified else "download date",
        "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "etag": dl.etag,
        "last_modified": dl.last_modified,
        "sha256": dl.sha256,
        "bytes": dl.size,
    }
    # Sidecar first: a data file must never be visible without its metadata. A sidecar
    # without data is harmless (readers look for data files) and is cleaned up below.
    try:
        _write_json_atomically(sidecar, meta)
    except OSError as err:
        return skipped(f"could not write {sidecar.name}: {err}")
    try:
        # mkstemp creates 0600; the landed file should be readable like any other input.
        os.chmod(dl.tmp, 0o644)
        os.replace(dl.tmp, final)
    except OSError as err:
        with contextlib.suppress(OSError):
            sidecar.unlink()
        return skipped(f"could not move the download into place: {err}")
    _fsync_dir(landing_dir)

    return FetchResult(
        "new",
        f"landed {final.name} ({dl.size} bytes)",
        final,
        dl.sha256,
        dl.etag,
        dl.last_modified,
        new_cursor,
    )


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").strip().lower()
    return text.startswith((b"<!doctype html", b"<html"))


def _detect_kind(path: Path, head: bytes) -> tuple[str | None, str]:
    """("xlsx" | "csv", "") for a usable publication, else (None, reason)."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                if "xl/workbook.xml" not in zf.namelist():
                    return None, (
                        "not an LGBF workbook or open-data CSV "
                        "(a zip archive without xl/workbook.xml)"
                    )
                bad = zf.testzip()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
            return None, f"corrupt or truncated workbook ({err})"
        if bad is not None:
            return None, f"corrupt or truncated workbook (bad member {bad})"
        return "xlsx", ""
    if head.startswith(_ZIP_MAGIC):
        # Starts like a zip but has no readable central directory: the tail is missing.
        return None, "corrupt or truncated workbook (no zip central directory)"

    header = _first_line(path)
    if header is not None and open_data_columns(header.split(","), OPEN_DATA_MARKERS):
        return "csv", ""
    shown = (header or "").strip()
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return None, (
        "not an LGBF workbook or open-data CSV "
        f"(not an xlsx, and the first line {shown!r} lacks "
        f"{' and '.join(OPEN_DATA_NAMES[f][0] for f in OPEN_DATA_MARKERS)})"
    )


def _first_line(path: Path) -> str | None:
    with path.open("rb") as fh:
        raw = fh.readline(1 << 16)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Parse as CSV so quoted headers ("Indicators_Information_Code",...) still match.
        try:
            row = next(csv.reader(io.StringIO(text)), [])
        except csv.Error:
            return text
        return ",".join(cell.strip() for cell in row)
    return None


def _published_on(last_modified: str | None) -> date:
    if last_modified:
        try:
            when = email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is not None:
                when = when.astimezone(UTC)
            return when.date()
    return datetime.now(UTC).date()


def _sidecar_sha(sidecar: Path) -> str | None:
    try:
        return json.loads(sidecar.read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None


def _write_json_atomically(path: Path, payload: dict) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".lgbf-meta-", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _fsync_dir(directory: Path) -> None:
    # Makes the renames durable across a crash; not possible on every platform/filesystem.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
