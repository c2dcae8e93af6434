"""Committee papers: published workbooks converted to PDF with LibreOffice headless.

One ``soffice`` invocation converts every workbook of a call: LibreOffice takes 1-2 s to
start and then well under a second per report, so one process per file would cost most of a
seed run's PDF time in start-ups. Each call has its own LibreOffice profile (a temporary
folder): a second LibreOffice on the machine (the print-quality tests, a user's office) would
otherwise hold the profile's lock and the conversion would silently do nothing. The export
filter writes each sheet as a PDF bookmark (``ExportBookmarks``), so a reader jumps to a
section. PDFs are written in a temporary folder and renamed into ``out_dir``: a reader never
opens half a file.

Without LibreOffice (no ``soffice`` on PATH, ``deploy/install_libreoffice.sh``, or
``SOFFICE=none``: ``orchestration/config.py``) nothing is converted and :func:`convert` says so
in the warning it returns; the Excel outputs stand.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

EXPORT = 'pdf:calc_pdf_Export:{"ExportBookmarks":{"type":"boolean","value":"true"}}'
MISSING = (
    "No LibreOffice (no soffice on PATH, or SOFFICE=none): no PDF papers written, the Excel "
    "outputs are published (install it with deploy/install_libreoffice.sh)"
)
# Seconds a conversion may take per workbook (a report takes under one; the LGBF pack about
# five), beyond a minute's allowance for LibreOffice's start.
SECONDS_PER_BOOK = 30


def convert(books: list[Path], out_dir: Path, soffice: str | None) -> tuple[list[Path], str | None]:
    """Convert ``books`` into ``out_dir/<name>.pdf`` in one run of ``soffice`` (its path, or
    None: no LibreOffice); returns the PDFs written and a warning (None when every book
    converted)."""
    if not books:
        return [], None
    if soffice is None:
        return [], MISSING
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=out_dir) as tmp:
        work = Path(tmp)
        result = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
             "--norestore", "--convert-to", EXPORT, "--outdir", str(work), *map(str, books)],
            capture_output=True, text=True, timeout=60 + SECONDS_PER_BOOK * len(books),
        )  # fmt: skip
        written = []
        for book in books:
            pdf = work / f"{book.stem}.pdf"
            if pdf.exists():
                os.chmod(pdf, 0o644)
                os.replace(pdf, out_dir / pdf.name)
                written.append(out_dir / pdf.name)
    failed = len(books) - len(written)
    if failed:
        said = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no message"]
        return written, f"LibreOffice converted {len(written)} of {len(books)}: {said[0]}"
    return written, None
