"""A small, fast, read-only .xlsx reader for return workbooks.

openpyxl builds a full object model for every workbook, which makes reading thousands of
small returns slow (about 10 ms each here). A return only needs, per cell, its value (the
cached value for formulas) and its number format (to tell 98% from 0.98), so this module
reads the sheet XML itself: a scanner of regular expressions for the sheets spreadsheet
programs write (:meth:`Workbook.scan`), the C element tree for anything else. It offers the
small part of openpyxl's read-only interface the return reader uses (``sheetnames``,
``wb[name]``, ``iter_rows``, ``cell.value``, ``cell.number_format``), with the same results:
shared and inline strings, booleans, errors as their text (``#N/A``), numbers, and
date-formatted numbers as ``datetime``.

A workbook is built from the package's parts, already read out of the zip (and size-checked)
by the return reader while it inspects the package, so no part is decompressed twice.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from functools import lru_cache
from xml.etree.ElementTree import fromstring
from xml.parsers.expat import ExpatError, ParserCreate

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Tag names built once: they are compared for every cell.
T_F, T_V, T_IS, T_T, T_SHEETDATA = f"{NS}f", f"{NS}v", f"{NS}is", f"{NS}t", f"{NS}sheetData"


# Excel's built-in number formats, its two calendars and the reading of a date cell, as
# openpyxl has them (openpyxl.styles.numbers, openpyxl.utils.datetime 3.1): importing openpyxl
# pulls in numpy, 0.17 s of each reader process's 0.27 s start-up (python -X importtime),
# which a pool of reader processes pays once per process.
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
CALENDAR_WINDOWS_1900 = datetime(1899, 12, 30)
CALENDAR_MAC_1904 = datetime(1904, 1, 1)
# quoted text, and anything in square brackets but elapsed hours, minutes or seconds
_NOT_DATE_PARTS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")


def is_date_format(fmt: str | None) -> bool:
    """A number format that shows a date or time (its first section has d, m, y, h or s)."""
    if fmt is None:
        return False
    return _DATE_PART.search(_NOT_DATE_PARTS.sub("", fmt.split(";")[0])) is not None


def from_excel(value: float, epoch: datetime = CALENDAR_WINDOWS_1900):
    """An Excel serial date as a datetime (a time of day below 1), to the millisecond."""
    day, fraction = divmod(value, 1)
    diff = timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == CALENDAR_WINDOWS_1900:
        day += 1  # Excel's 29 February 1900
    return epoch + timedelta(days=day) + diff


class Cell:
    __slots__ = ("value", "number_format", "is_formula")

    def __init__(self, value=None, number_format="General", is_formula=False):
        self.value = value
        self.number_format = number_format
        self.is_formula = is_formula


EMPTY = Cell()

# The sheet scanner (Workbook.scan). A prefix (x:c) is allowed wherever ElementTree would
# see the same element. One token per match: a row's start (groups 1-2), a row's end, a cell
# (3-8) or any other tag (9), which sends the sheet to the element tree.
_P = rb"(?:\w+:)?"
# {p}: the sheet's own prefix (its sheetData's), so that no tag pays for trying one.
# Possessive runs (*+): a failed match does not retry shorter attribute lists or values.
_SHEET_TOKENS = (
    rb"<{p}(row)\b([^>]*+)>"
    rb"|</{p}row>"
    rb'|<{p}(c)(?=[\s/>])(?:\s+r="([A-Z]++)\d++")?([^>/]*+)(?:/>|>(?:'
    rb"<{p}v>([^<]*+)</{p}v>"  # a value, the commonest content
    rb'|<{p}is>(<{p}t(?:\s+xml:space="preserve")?>)([^<]*+)</{p}t></{p}is>'  # one run of text
    rb"|(.*?))</{p}c>)"  # anything else: read by _CELL_CHILDREN
    rb"|(<)"
)


@lru_cache(maxsize=8)
def _sheet_tokens(prefix: bytes) -> re.Pattern:
    return re.compile(_SHEET_TOKENS.replace(b"{p}", re.escape(prefix)), re.S)


_PREFIX = re.compile(rb"(?:\w+:)?")
_COLUMNS: dict[bytes, int] = {}  # column letters -> 0-based index
_CELL_CHILDREN = re.compile(
    rb"<" + _P + rb"(v|f|is)\b[^>]*?(?:/>|>(.*?)</" + _P + rb"\1>)|(<)", re.S
)
_RUN_TEXT = re.compile(rb"<" + _P + rb"t\b[^>]*?(?:/>|>([^<]*)</" + _P + rb"t>)")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ATTRIBUTES = re.compile(rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*""")
_ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)""")
_REFERENCE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(match) -> str:
    name = match.group(1)
    if name[:2] == "#x":
        return chr(int(name[2:], 16))
    if name[:1] == "#":
        return chr(int(name[1:]))
    return _NAMED[name]


def _xml_text(raw: bytes) -> str:
    """Character data as the XML parser gives it: line ends as \\n, references resolved."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    text = raw.decode()
    return _REFERENCE.sub(_entity, text) if "&" in text else text


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
        data = self._book.part(self._member)
        rows = self._book.scan(data)
        if rows is None:  # an unusual but well-formed sheet: the element tree reads anything
            rows = self.tree_rows(data)
        yield from rows

    def tree_rows(self, data: bytes):
        book = self._book
        root = fromstring(data)
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
        self._attributes: dict[bytes, tuple[str | None, str, str, bool]] = {}

    def part(self, name: str) -> bytes:
        return self._parts[name]

    def __getitem__(self, name: str) -> Worksheet:
        if self._sheets.get(name) is None:
            raise KeyError(name)
        return Worksheet(self, self._sheets[name])

    def scan(self, data: bytes) -> list[tuple[int, list[Cell]]] | None:
        """A sheet's rows, read by a regular-expression scanner over its bytes, or None for a
        sheet the scanner does not know to the last tag (any element but row, c, f, v and is;
        comments, CDATA, an encoding other than UTF-8 or a part that is not well-formed),
        which the element tree then reads.

        Why: the element tree and a Cell made from each element cost 2.5 ms a return, the
        scanner 1.8 (200 synthetic returns of 576 cells, both read in one process in turn,
        best of 8, on a loaded machine): the C scanner finds each cell's style, type and
        value in one match. The expat pass without handlers (0.2 ms) keeps refusing what is
        not XML, as the element tree does."""
        head = _ENCODING.match(data)
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (
            head is not None and head.group(1).lower() not in (b"utf-8", b"utf8")
        ):
            return None
        try:
            ParserCreate().Parse(data, True)
        except ExpatError:
            return None  # the element tree raises its ParseError, as for any sheet
        opened = data.find(b"sheetData")
        closed = data.rfind(b"sheetData")
        start = data.find(b">", opened) + 1
        if opened < 0 or b"<!" in data:
            return None
        prefix = data[data.rfind(b"<", 0, opened) + 1 : opened]
        if not _PREFIX.fullmatch(prefix):
            return None
        if closed == opened:  # <sheetData/>: no rows
            return [] if data[start - 2 : start] == b"/>" else None
        end = data.rfind(b"<", start, closed)
        if b"<?" in data[start:end]:
            return None
        rows: list[tuple[int, list[Cell]]] = []
        cells: list[Cell] | None = None
        attributes = self._attributes
        columns = _COLUMNS
        value = self.value
        number = 0
        for (
            row,
            row_attrs,
            c,
            letters,
            rest,
            v,
            run,
            run_text,
            inner,
            other,
        ) in _sheet_tokens(prefix).findall(data, start, end):
            if c:
                if cells is None:
                    return None  # a cell outside any row
                found = attributes.get(rest)
                if found is None:
                    found = self._cell_attributes(rest)
                    if found is None:
                        return None
                    attributes[rest] = found
                ref, kind, fmt, is_date = found
                if letters:
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = _letters_index(letters.decode())
                else:
                    index = -1 if ref is None else _letters_index(ref)
                if index > len(cells):
                    cells.extend([EMPTY] * (index - len(cells)))
                if inner:
                    children = self._children(inner)
                    if children is None:
                        return None
                    raw, text, is_formula = children
                else:
                    raw = text = None
                    if v:
                        raw = v.decode()
                        if "&" in raw or "\r" in raw:
                            raw = _xml_text(v)
                    if run:
                        text = run_text.decode()
                        if "&" in text or "\r" in text:
                            text = _xml_text(run_text)
                    is_formula = False
                cells.append(Cell(value(kind, raw, text, is_date), fmt, is_formula))
            elif row:
                if b"&" in row_attrs or not _ATTRIBUTES.fullmatch(row_attrs.removesuffix(b"/")):
                    return None
                found = _ROW_NUMBER.search(row_attrs)
                given = found and (found.group(1) or found.group(2) or b"").decode()
                number = int(given or number + 1)
                cells = []
                rows.append((number, cells))
            elif other:
                return None
        return rows

    def _cell_attributes(self, rest: bytes) -> tuple[str | None, str, str, bool] | None:
        """(column letters from an r not written first, type, number format, is a date);
        None for attributes the scanner leaves to the element tree (a > or a reference in
        a value)."""
        if b"&" in rest or not _ATTRIBUTES.fullmatch(rest):
            return None
        found = {
            name.decode(): (double if double or not single else single).decode()
            for name, double, single in _ATTRIBUTE.findall(rest)
        }
        ref = found.get("r")
        fmt, is_date = self._styles.get(found.get("s"), ("General", False))
        return (ref.rstrip(_DIGITS) if ref else None), found.get("t", "n"), fmt, is_date

    @staticmethod
    def _children(inner: bytes) -> tuple[str | None, str | None, bool] | None:
        """(``<v>`` text, inline string text, has a formula) of a cell's content; None when
        it holds another element."""
        raw, text, is_formula = None, None, False
        for tag, content, other in _CELL_CHILDREN.findall(inner):
            if other:
                return None
            if tag == b"v":
                raw = _xml_text(content) if content else None
            elif tag == b"f":
                is_formula = True
            else:
                text = "".join(_xml_text(t) for t in _RUN_TEXT.findall(content))
        return raw, text, is_formula

    def cell(self, elem) -> Cell:
        get = elem.get
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
        text = _text(inline) if inline is not None else None
        return Cell(self.value(get("t", "n"), raw, text, is_date), fmt, is_formula)

    def value(self, kind: str, raw: str | None, inline: str | None, is_date: bool):
        """A cell's value from its type (``t``), the text of its ``<v>`` and of its inline
        string (``<is>``, None without one): the one typing rule of both sheet parsers."""
        if kind == "n":
            if raw is None or raw == "":
                return None
            number = float(raw)
            if is_date:
                return from_excel(number, self.epoch)
            if number.is_integer() and "." not in raw and "E" not in raw.upper():
                return int(number)
            return number
        if kind == "s":
            return self.strings[int(raw)] if raw is not None else None
        if kind == "inlineStr":
            return inline
        if kind == "b":
            return None if raw is None else raw == "1"
        if kind == "d":
            return datetime.fromisoformat(raw) if raw else None
        return raw  # str (a formula's text), e (an error such as #N/A), or unknown
