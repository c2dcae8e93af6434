"""The sheet scanner of the return reader reads every sheet as the element tree does.

``Workbook.scan`` reads a worksheet's cells with regular expressions (the element tree cost
half of a return's reading); a sheet it does not know to the last tag goes to the element
tree. Each case here is read both ways and must give the same rows, values, number formats
and formula flags: the synthetic returns and the bad-returns corpus are compared the same way
while the scanner is changed (see the docstring of ``Workbook.scan``).
"""

from __future__ import annotations

import pytest

from orchestration.workbook import xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="0.00%"/>'
    '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs>'
    "</styleSheet>"
).encode()
SHARED = (
    f'<sst xmlns="{MAIN}"><si><t>plain</t></si><si><r><t>rich </t></r><r><rPr><b/></rPr>'
    '<t>text</t></r></si><si><t xml:space="preserve"> a &amp; b </t></si></sst>'
).encode()
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'
)

CELLS = [
    '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>',
    '<c r="A1"><v>1</v></c><c r="B1"><v>1.0</v></c><c r="C1"><v>2E3</v></c><c r="D1"/>',
    '<c r="A1" s="1"><v>0.98</v></c><c r="B1" s="2"><v>43555</v></c><c r="C1" s="2"><v>0.5</v></c>',
    '<c r="C1" t="inlineStr"><is><t>gap before</t></is></c><c r="E1"><v>5</v></c>',
    '<c r="A1" t="inlineStr"><is><t xml:space="preserve">  spaced </t></is></c>',
    '<c r="A1" t="inlineStr"><is><r><t>two </t></r><r><t>runs</t></r></is></c>',
    '<c r="A1" t="inlineStr"><is><t>&lt;&#65;&#x42;&quot;&apos;&gt;</t></is></c>',
    '<c r="A1" t="inlineStr"><is><t>line\r\nend\rhere&#13;</t></is></c>',
    '<c r="A1" t="inlineStr"><is/></c><c r="B1" t="inlineStr"><is><t/></is></c><c r="C1" t="inlineStr"/>',
    '<c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>1/0</f></c><c r="C1" t="str"><f>"a"</f><v>a</v></c>',
    '<c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1" t="b"><v>1</v></c><c r="C1" t="b"><v>0</v></c>',
    '<c r="A1" t="d"><v>2020-03-31T00:00:00</v></c><c r="B1"><v></v></c><c r="C1"><v/></c>',
    '<c s="1" r="B1"><v>0.5</v></c><c t="inlineStr" r="D1"><is><t>r last</t></is></c>',
    "<c r='A1' s='1'><v>0.25</v></c>",
    '<c><v>1</v></c><c><v>2</v></c><c r="D1"><v>4</v></c>',
    '<c r="A1" s="9"><v>3</v></c><c r="B1" s="1" t="n"><v>0.1</v></c>',
    '<c r="A1"><extLst><ext uri="x"/></extLst><v>1</v></c>',
]
ROWS = [
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="3" spans="1:2"><c r="B3"><v>2</v></c></row>',
    '<row><c r="A1"><v>1</v></c></row><row><c r="A2"><v>2</v></c></row>',
    '<row r="1"/><row r="2" customHeight="1"></row><row r="4"><c r="A4"><v>4</v></c></row>',
    '<row r="1">\n  <c r="A1">\n    <v>1</v>\n  </c>\n</row>\n',
    '<row r="1"><!-- a comment --><c r="A1"><v>1</v></c></row>',
    '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<cdata>]]></t></is></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c><extLst/></row>',
]


def _sheet(data: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}"'
    if prefix:
        data = data.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}").replace(f"<{p}!", "<!")
    return f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns}><{p}sheetData>{data}</{p}sheetData><{p}pageMargins left="0.7"/></{p}worksheet>'.encode()


def _both(sheet: bytes):
    book = xlsx.Workbook(
        {
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": RELS,
            "xl/styles.xml": STYLES,
            "xl/sharedStrings.xml": SHARED,
            "xl/worksheets/sheet1.xml": sheet,
        }
    )
    ws = book["S"]

    def plain(rows):
        return [(n, [(c.value, c.number_format, c.is_formula) for c in cells]) for n, cells in rows]

    scanned = book.scan(sheet)
    return (None if scanned is None else plain(scanned)), plain(ws.tree_rows(sheet))


ODD = [
    '<row r="1"><c r="A1" x="a>b" s="1"><v>1</v></c></row>',
    '<row r="1"><c r="A1" s="&#49;"><v>1</v></c></row>',
    '<row r="1" x="a>b"><c r="A1"><v>1</v></c></row>',
]


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("content", [f'<row r="1">{c}</row>' for c in CELLS] + ROWS + ODD)
def test_the_scanner_reads_as_the_element_tree(content, prefix):
    scanned, tree = _both(_sheet(content, prefix))
    assert scanned is None or scanned == tree


def test_the_scanner_reads_the_usual_sheets_itself():
    for content in [f'<row r="1">{c}</row>' for c in CELLS[:-1]] + ROWS[:4]:
        scanned, tree = _both(_sheet(content))
        assert scanned == tree, content


@pytest.mark.parametrize(
    "sheet",
    [
        _sheet(ROWS[4]),  # a comment
        _sheet(ROWS[5]),  # CDATA
        _sheet(ROWS[6]),  # an element the scanner does not know
        _sheet(f'<row r="1">{CELLS[-1]}</row>'),  # in a cell
        _sheet('<row r="1"><c r="A1"><v>1</v></c>'),  # not well-formed
        *[_sheet(odd) for odd in ODD],  # a > or a reference in an attribute's value
        '<?xml version="1.0" encoding="UTF-16"?><worksheet/>'.encode("utf-16"),
    ],
)
def test_what_the_scanner_does_not_know_goes_to_the_element_tree(sheet):
    book = xlsx.Workbook({"xl/workbook.xml": WORKBOOK, "xl/styles.xml": STYLES})
    assert book.scan(sheet) is None


def test_an_empty_sheet_has_no_rows():
    empty = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()
    assert _both(empty) == ([], [])
