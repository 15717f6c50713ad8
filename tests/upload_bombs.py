"""Hostile XLSX files, written cheaply: the XML goes into the zip as a stream of repeated chunks,
so a file that unpacks to hundreds of MB is built in about a second and never held in memory.
Used by tests/test_trust_upload_limits.py and bench/upload_limits.py."""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
_SST_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
    'uniqueCount="2"><si><t>Предмет</t></si><si><t>'
)
_SST_TAIL = "</t></si></sst>"


def _xlsx(sheet_chunks: list[tuple[str, int]], sst_chunks: list[tuple[str, int]]) -> bytes:
    """A workbook whose sheet and shared strings are the given (chunk, times) pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            archive.writestr(name, text)
        for name, pieces in (("xl/worksheets/sheet1.xml", sheet_chunks),
                             ("xl/sharedStrings.xml", sst_chunks)):  # fmt: skip
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk, times in pieces:
                    data = chunk.encode()
                    for _ in range(times):
                        member.write(data)
    return buffer.getvalue()


def huge_shared_string(megabytes: int = 300) -> bytes:
    """The header "Предмет" and one subject whose name is a ``megabytes`` MB shared string."""
    sheet = (
        _SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>' + _SHEET_TAIL
    )
    block = "А" * (1024 * 512)  # 1 MB of UTF-8 (2 bytes a letter)
    return _xlsx([(sheet, 1)], [(_SST_HEAD, 1), (block, megabytes), (_SST_TAIL, 1)])


def empty_cells(rows: int = 5700, per_row: int = 1000) -> bytes:
    """The header "Предмет", one subject, then ``rows`` × ``per_row`` explicit empty cells."""
    head = (
        _SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Математика</t></is></c></row>'
    )
    row = "<row>" + '<c s="0"/>' * per_row + "</row>"
    sst = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Предмет</t></si></sst>'
    return _xlsx([(head, 1), (row, rows), (_SHEET_TAIL, 1)], [(sst, 1)])
