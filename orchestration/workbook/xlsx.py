"""A small, fast, read-only .xlsx reader for return workbooks.

openpyxl builds a full object model for every workbook, which makes reading thousands of
small returns slow (about 10 ms each here). A return only needs, per cell, its value (the
cached value for formulas) and its number format (to tell 98% from 0.98), so this module
parses the sheet XML with the C XML parser. It offers the small part of openpyxl's read-only
interface the return reader uses (``sheetnames``, ``wb[name]``, ``iter_rows``,
``cell.value``, ``cell.number_format``), with the same results: shared and inline strings,
booleans, errors as their text (``#N/A``), numbers, and date-formatted numbers as
``datetime``.

A workbook is built from the package's parts, already read out of the zip (and size-checked)
by the return reader while it inspects the package, so no part is decompressed twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from xml.etree.ElementTree import fromstring

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Tag names built once: they are compared for every cell.
T_F, T_V, T_IS, T_T, T_SHEETDATA = f"{NS}f", f"{NS}v", f"{NS}is", f"{NS}t", f"{NS}sheetData"


class Cell:
    __slots__ = ("value", "number_format", "is_formula")

    def __init__(self, value=None, number_format="General", is_formula=False):
        self.value = value
        self.number_format = number_format
        self.is_formula = is_formula


EMPTY = Cell()


_DIGITS = "0123456789"


@lru_cache(maxsize=1024)
def _letters_index(letters: str) -> int:
    """0-based column index of column letters: A -> 0, AB -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letter(number: int) -> str:
    """1-based column number -> letters: 1 -> A, 28 -> AB (openpyxl's get_column_letter;
    importing openpyxl.utils pulls in numpy, 0.2 s of each reader process's start-up)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def range_start(ref: str) -> tuple[int, int]:
    """A range's first cell as 1-based (column, row): ``C3:C4`` -> (3, 3)."""
    first = ref.split(":")[0].replace("$", "")
    letters = first.rstrip(_DIGITS)
    return _letters_index(letters) + 1, int(first[len(letters) :] or 1)


def _column_index(ref: str) -> int:
    """0-based column index of a cell reference: B7 -> 1."""
    return _letters_index(ref.rstrip(_DIGITS))


def _text(si) -> str:
    """Concatenate the <t> runs of a shared or inline string (rich text has several)."""
    if len(si) == 1 and si[0].tag == T_T:  # plain text: one run
        return si[0].text or ""
    return "".join(t.text or "" for t in si.iter(T_T))


class Worksheet:
    def __init__(self, book: Workbook, member: str):
        self._book = book
        self._member = member

    def iter_rows(self, min_row: int = 1, max_col: int | None = None, values_only: bool = False):
        """Rows in order from ``min_row``, gaps filled with empty rows, as openpyxl does."""
        expected = min_row
        for number, cells in self._rows():
            if number < min_row:
                continue
            while expected < number:
                yield () if not values_only else ()
                expected += 1
            if max_col is not None:
                cells = cells[:max_col]
            yield tuple(c.value for c in cells) if values_only else tuple(cells)
            expected = number + 1

    def _rows(self):
        # One C-level parse of the whole sheet is much faster than streaming events in
        # Python; the zip's uncompressed size is checked before a workbook is opened.
        book = self._book
        root = fromstring(book.part(self._member))
        data = root.find(T_SHEETDATA)
        if data is None:
            return
        row_number = 0
        for row in data:
            row_number = int(row.get("r") or row_number + 1)
            cells: list[Cell] = []
            cell = book.cell
            for c in row:
                ref = c.get("r")
                if ref:
                    index = _column_index(ref)
                    if index > len(cells):
                        cells.extend([EMPTY] * (index - len(cells)))
                cells.append(cell(c))
            yield row_number, cells


class Workbook:
    def __init__(self, parts: dict[str, bytes]):
        """``parts``: part name -> bytes, as read from the package (``xl/workbook.xml``, ...)."""
        self._parts = parts
        names = set(parts)
        wb = fromstring(self.part("xl/workbook.xml"))
        pr = wb.find(f"{NS}workbookPr")
        self.epoch = (
            CALENDAR_MAC_1904
            if pr is not None and pr.get("date1904") in ("1", "true")
            else CALENDAR_WINDOWS_1900
        )
        rels = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in fromstring(self.part("xl/_rels/workbook.xml.rels")).iter(
                f"{PKG_REL_NS}Relationship"
            ):
                target = rel.get("Target").lstrip("/")
                rels[rel.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
        self._sheets = {}
        for sheet in wb.iter(f"{NS}sheet"):
            self._sheets[sheet.get("name")] = rels.get(sheet.get(f"{REL_NS}id"))
        self.sheetnames = list(self._sheets)
        self.strings = []
        if "xl/sharedStrings.xml" in names:
            self.strings = [
                _text(si) for si in fromstring(self.part("xl/sharedStrings.xml")).iter(f"{NS}si")
            ]
        self.formats = ["General"]
        if "xl/styles.xml" in names:
            styles = fromstring(self.part("xl/styles.xml"))
            custom = {
                int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{NS}numFmt")
            }
            xfs = styles.find(f"{NS}cellXfs")
            if xfs is not None:
                self.formats = []
                for xf in xfs.iter(f"{NS}xf"):
                    fid = int(xf.get("numFmtId", 0))
                    self.formats.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
        # a cell's s attribute (its style index, as text) -> (number format, is a date)
        self._styles = {str(i): (f, is_date_format(f)) for i, f in enumerate(self.formats)}
        self._styles[None] = self._styles.get("0", ("General", False))

    def part(self, name: str) -> bytes:
        return self._parts[name]

    def __getitem__(self, name: str) -> Worksheet:
        if self._sheets.get(name) is None:
            raise KeyError(name)
        return Worksheet(self, self._sheets[name])

    def cell(self, elem) -> Cell:
        get = elem.get
        kind = get("t", "n")
        fmt, is_date = self._styles.get(get("s"), ("General", False))
        # One pass over the cell's children (<f>, <v>, <is>) rather than a find() for each.
        is_formula, raw, inline = False, None, None
        for child in elem:
            tag = child.tag
            if tag == T_V:
                raw = child.text
            elif tag == T_F:
                is_formula = True
            elif tag == T_IS:
                inline = child
        if kind == "n":
            if raw is None or raw == "":
                value = None
            else:
                number = float(raw)
                if is_date:
                    value = from_excel(number, self.epoch)
                elif number.is_integer() and "." not in raw and "E" not in raw.upper():
                    value = int(number)
                else:
                    value = number
        elif kind == "s":
            value = self.strings[int(raw)] if raw is not None else None
        elif kind == "inlineStr":
            value = _text(inline) if inline is not None else None
        elif kind in ("str", "e"):
            value = raw
        elif kind == "b":
            value = None if raw is None else raw == "1"
        elif kind == "d":
            value = datetime.fromisoformat(raw) if raw else None
        else:
            value = raw
        return Cell(value, fmt, is_formula)
