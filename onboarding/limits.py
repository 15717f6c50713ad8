"""Limits on an uploaded list, checked while streaming, before the file is parsed for real.

A small upload can unpack into a huge one: a 300 KB XLSX holding one 300 MB shared string, or
5.7 million empty cells. So, before openpyxl reads anything:

* the zip's members' declared uncompressed sizes (``zipfile.infolist``) are summed and compared
  with ``max_bytes`` (zipfile itself never reads a member past its declared size);
* the shared strings and the first sheet are scanned with a streaming XML parser (elements
  cleared as they end): each string's length, the number of cell elements, the columns and rows
  that hold a value. A run of ``empty_run`` empty rows after the data ends the scan (Excel's
  styled blank rows), and openpyxl then reads only up to the last row and column with a value.

CSV gets the same limits on bytes, rows, columns, cells and field length. Pure: no Flask, no
database. A refused file raises :class:`~onboarding.tabular.ImportFileError` naming the limit.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from typing import Any
from xml.etree.ElementTree import XMLPullParser

from onboarding.file_error import ImportFileError


@dataclass(frozen=True)
class Limits:
    max_rows: int = 20000
    max_columns: int = 60
    max_cell_chars: int = 2000
    max_bytes: int = 20 * 1024 * 1024  # uncompressed
    max_cells: int = 500_000  # cell elements seen, empty ones included
    empty_run: int = 200  # empty rows after the data that end it

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        return cls(
            max_rows=int(config.get("IMPORT_MAX_ROWS", cls.max_rows)),
            max_columns=int(config.get("IMPORT_MAX_COLUMNS", cls.max_columns)),
            max_cell_chars=int(config.get("IMPORT_MAX_CELL_CHARS", cls.max_cell_chars)),
            max_bytes=int(config.get("IMPORT_MAX_UNCOMPRESSED_MB", 20)) * 1024 * 1024,
            max_cells=int(config.get("IMPORT_MAX_CELLS", cls.max_cells)),
        )


DEFAULT = Limits()


@dataclass(frozen=True)
class Extent:
    """Where the data of a sheet ends: the last row and column that hold a value."""

    rows: int
    columns: int


def refuse(what: str, message_bg: str) -> ImportFileError:
    return ImportFileError(f"over the limit: {what}", message_bg)


def _too_long(limits: Limits) -> ImportFileError:
    return refuse(
        "cell length",
        f"Клетка в файла съдържа над {limits.max_cell_chars} знака: файлът не прилича на списък.",
    )


def _too_many_columns(limits: Limits) -> ImportFileError:
    return refuse("columns", f"Файлът има стойности в над {limits.max_columns} колони.")


def _too_many_rows(limits: Limits) -> ImportFileError:
    return refuse("rows", f"Файлът има над {limits.max_rows} реда.")


def _too_many_cells(limits: Limits) -> ImportFileError:
    return refuse(
        "cells",
        f"Файлът има над {limits.max_cells} клетки (включително празни): изтрийте празните "
        "редове и колони след данните или запишете го като CSV.",
    )


def _too_big(limits: Limits) -> ImportFileError:
    return refuse(
        "uncompressed size",
        f"Разархивиран, файлът е над {limits.max_bytes // (1024 * 1024)} MB: "
        "списък на училище е много по-малък.",
    )


# --- CSV -------------------------------------------------------------------------------------------
def check_csv(grid: Iterable[list[str]], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV reader, numbered, refused at the first limit passed."""
    cells = 0
    for number, row in enumerate(grid, 1):
        if number > limits.max_rows + 1:
            raise _too_many_rows(limits)
        cells += len(row)
        if cells > limits.max_cells:
            raise _too_many_cells(limits)
        for index, value in enumerate(row):
            if len(value) > limits.max_cell_chars:
                raise _too_long(limits)
            if index >= limits.max_columns and value.strip():
                raise _too_many_columns(limits)
        yield number, row[: limits.max_columns]


def check_csv_bytes(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise _too_big(limits)


# --- XLSX ------------------------------------------------------------------------------------------
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (ord(char) - 64)
    return number


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _stream(source: IO[bytes]) -> Iterator[Any]:
    """(event, element) of an XML stream, 64 KB at a time."""
    parser = XMLPullParser(events=("end",))
    while chunk := source.read(65536):
        parser.feed(chunk)
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    names = sorted(
        (n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[-1]) or 0),
    )
    return names[0] if names else None


def check_xlsx(archive: zipfile.ZipFile, limits: Limits) -> Extent:
    """Refuse an XLSX over a limit; return the extent of its first sheet's data."""
    if sum(info.file_size for info in archive.infolist()) > limits.max_bytes:
        raise _too_big(limits)
    if "xl/sharedStrings.xml" in archive.namelist():
        with archive.open("xl/sharedStrings.xml") as source:
            for _, element in _stream(source):
                if _local(element.tag) == "si":
                    if sum(len(t) for t in element.itertext()) > limits.max_cell_chars:
                        raise _too_long(limits)
                    element.clear()
    sheet = _first_sheet(archive)
    if sheet is None:
        return Extent(0, 0)
    return _scan_sheet(archive, sheet, limits)


def _scan_sheet(archive: zipfile.ZipFile, sheet: str, limits: Limits) -> Extent:
    cells = 0
    last_row = last_column = 0
    row_number = 0
    row_has_value = False
    column = 0
    with archive.open(sheet) as source:
        for _, element in _stream(source):
            tag = _local(element.tag)
            if tag in ("v", "t"):
                if element.text and len(element.text) > limits.max_cell_chars:
                    raise _too_long(limits)
            elif tag == "c":
                cells += 1
                if cells > limits.max_cells:
                    raise _too_many_cells(limits)
                match = _CELL_REF.match(element.get("r", ""))
                column = _column_number(match.group(1)) if match else column + 1
                if len(element) and any((e.text or "").strip() for e in element.iter()):
                    row_has_value = True
                    if column > limits.max_columns:
                        raise _too_many_columns(limits)
                    last_column = max(last_column, column)
                element.clear()
            elif tag == "row":
                cells += 1  # an empty <row/> costs too
                if cells > limits.max_cells:
                    raise _too_many_cells(limits)
                number = element.get("r", "")
                row_number = int(number) if number.isdigit() else row_number + 1
                column = 0
                if row_has_value:
                    if row_number > limits.max_rows + 1:
                        raise _too_many_rows(limits)
                    last_row = row_number
                elif last_row and row_number - last_row > limits.empty_run:
                    break  # the data ended long ago: the rest is empty or styled rows
                row_has_value = False
                element.clear()
            elif tag == "sheetData":
                break
    return Extent(last_row, last_column)
