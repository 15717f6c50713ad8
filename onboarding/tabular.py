"""Reading a school list file into rows: pure, no database.

* CSV: UTF-8 (with or without BOM) or Windows-1251, detected; ``;``, ``,`` or tab delimiters,
  sniffed from the header line.
* XLSX: openpyxl with ``data_only=False``, so that a formula cell is seen and refused (its cached
  value may be stale or missing; the list must hold values).
* Headers are matched to a spec of :class:`Column` by a normalised form (case, spaces and dash
  kinds do not matter) and known aliases.

Problems are collected as :class:`RowError` (row as the spreadsheet numbers it, column header,
Bulgarian message); a file that cannot be read at all raises :class:`ImportFileError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from onboarding.file_error import ImportFileError

if TYPE_CHECKING:
    from onboarding.limits import Limits

MAX_ROWS = 20000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    doc: str = ""
    example: str = ""


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    column: str
    message: str

    def text(self) -> str:
        where = f"ред {self.row}" if self.row else "файл"
        return (
            f"{where}, колона „{self.column}“: {self.message}"
            if self.column
            else (f"{where}: {self.message}")
        )


@dataclass
class Table:
    """Rows of a file keyed by column key; ``row`` numbers as in the spreadsheet (header = 1)."""

    rows: list[tuple[int, dict[str, str]]]
    headers: dict[str, str]  # key → header as written in the file
    encoding: str = ""
    delimiter: str = ""
    cell_errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)


def table_to_json(table: Table) -> dict[str, object]:
    return {
        "rows": [[number, values] for number, values in table.rows],
        "headers": table.headers,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "cell_errors": [[e.row, e.column, e.message] for e in table.cell_errors],
        "ignored_headers": table.ignored_headers,
    }


def table_from_json(value: dict[str, Any]) -> Table:
    return Table(
        rows=[(int(number), dict(values)) for number, values in value["rows"]],
        headers=dict(value["headers"]),
        encoding=str(value["encoding"]),
        delimiter=str(value["delimiter"]),
        cell_errors=[RowError(int(r), str(c), str(m)) for r, c, m in value["cell_errors"]],
        ignored_headers=list(value["ignored_headers"]),
    )


_DASHES = re.compile(r"[\u2010-\u2015\u2212_]")
_SPACES = re.compile(r"\s+")


def normalize_header(text: str) -> str:
    value = _DASHES.sub("-", str(text)).casefold().replace("ё", "е")
    value = _SPACES.sub(" ", value).strip()
    value = re.sub(r"\s*([-/])\s*", r"\1", value)
    return value.replace("e-mail", "email").replace("имейл", "email").replace("е-mail", "email")


# --- decoding ----------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding found: UTF-8 with BOM, UTF-8, or Windows-1251."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise _bad_encoding() from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4000]:
        raise ImportFileError(
            "UTF-16 or binary file",
            "Файлът е в UTF-16 или не е текстов. Запишете го като CSV в UTF-8 или Windows-1251.",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "windows-1251"
    except UnicodeDecodeError:
        raise _bad_encoding() from None


def _bad_encoding() -> ImportFileError:
    return ImportFileError(
        "undecodable file",
        "Кодирането на файла не е разпознато. Запишете го като CSV в UTF-8 или Windows-1251.",
    )


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of ``;`` tab ``,`` in the header line (outside quotes); ``;`` if none."""
    counts = {";": 0, "\t": 0, ",": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


# --- reading -------------------------------------------------------------------------------------
def read_table(
    filename: str, data: bytes, columns: Sequence[Column], limits: Limits | None = None
) -> Table:
    """Read a CSV or XLSX file (by extension, else by content) against a column spec, within
    ``limits`` (:mod:`onboarding.limits`; checked while streaming, before anything is kept)."""
    from onboarding import limits as bounds

    limits = limits or bounds.DEFAULT
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        grid, cell_errors = _xlsx_grid(data, limits)
        encoding, delimiter = "xlsx", ""
    elif name.endswith(".xls"):
        raise ImportFileError(
            "old xls", "Старият формат .xls не се поддържа: запишете файла като .xlsx или CSV."
        )
    else:
        bounds.check_csv_bytes(data, limits)
        text, encoding = decode(data)
        first_line = text.split("\n", 1)[0]
        delimiter = sniff_delimiter(first_line)
        try:  # newline="": the reader itself ends rows at \r, \n or \r\n (a lone \r is no error)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            grid = list(bounds.check_csv(reader, limits))
        except csv.Error:  # e.g. a field over the reader's size limit: not a table
            raise ImportFileError(
                "unreadable csv", "Файлът не може да се прочете като таблица CSV."
            ) from None
        cell_errors = []
    return _map_columns(grid, columns, cell_errors, encoding, delimiter)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "да" if value else "не"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_grid(data: bytes, limits: Limits) -> tuple[list[tuple[int, list[str]]], list[RowError]]:
    from openpyxl import load_workbook

    from onboarding.limits import check_xlsx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            extent = check_xlsx(archive, limits)
        workbook = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except ImportFileError:  # over a limit (a ValueError too): its own message
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise ImportFileError(
            f"bad xlsx: {exc}", "Файлът не е валиден XLSX (Excel) файл."
        ) from None
    if not extent.rows:
        workbook.close()
        return [], []
    try:
        sheet = workbook.worksheets[0]
        grid: list[tuple[int, list[str]]] = []
        formulas: list[tuple[int, int, str]] = []
        rows = sheet.iter_rows(min_row=1, max_row=extent.rows, max_col=max(extent.columns, 1))
        for number, cells in enumerate(rows, 1):
            row: list[str] = []
            for index, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=") and len(value) > 1
                ):
                    formulas.append((number, index, str(value)))
                    row.append("")
                else:
                    row.append(_cell_text(value))
            grid.append((number, row))
            if number > MAX_ROWS + 1:
                raise ImportFileError("too many rows", f"Файлът има над {MAX_ROWS} реда.")
    finally:
        workbook.close()
    header = grid[0][1] if grid else []
    errors = [
        RowError(
            number,
            header[index] if index < len(header) else f"колона {index + 1}",
            f"клетката съдържа формула ({formula[:40]}); въведете стойността, не формула",
        )
        for number, index, formula in formulas
    ]
    return grid, errors


def _map_columns(
    grid: list[tuple[int, list[str]]],
    columns: Sequence[Column],
    cell_errors: list[RowError],
    encoding: str,
    delimiter: str,
) -> Table:
    # skip leading empty lines
    while grid and not any(c.strip() for c in grid[0][1]):
        grid = grid[1:]
    if not grid:
        raise ImportFileError("empty file", "Файлът е празен.")
    header_row_number, header = grid[0]
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, column.key, *column.aliases):
            lookup[normalize_header(name)] = column
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    duplicate: list[str] = []
    for index, raw in enumerate(header):
        raw = raw.strip().lstrip("\ufeff")
        if not raw:
            continue
        column = lookup.get(normalize_header(raw))
        if column is None:
            ignored.append(raw)
        elif column.key in positions:
            duplicate.append(raw)
        else:
            positions[column.key] = index
            headers[column.key] = raw
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        hint = (
            " Проверете кодирането (UTF-8 или Windows-1251) и разделителя."
            if encoding not in ("xlsx", "") and not positions
            else ""
        )
        raise ImportFileError(
            f"missing columns: {missing}",
            "Липсват задължителни колони: " + ", ".join(f"„{m}“" for m in missing) + "." + hint,
        )
    if duplicate:
        raise ImportFileError(
            f"duplicate columns: {duplicate}",
            "Колоните се повтарят: " + ", ".join(f"„{d}“" for d in duplicate) + ".",
        )
    rows: list[tuple[int, dict[str, str]]] = []
    formula_rows = {e.row for e in cell_errors}
    for number, cells in grid[1:]:
        if not any(c.strip() for c in cells) and number not in formula_rows:
            continue
        values = {
            key: (cells[index].strip() if index < len(cells) else "")
            for key, index in positions.items()
        }
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise ImportFileError("too many rows", f"Файлът има над {MAX_ROWS} реда.")
    del header_row_number
    return Table(
        rows=rows,
        headers=headers,
        encoding=encoding,
        delimiter=delimiter,
        cell_errors=cell_errors,
        ignored_headers=ignored,
    )


# --- value parsers (each returns a value or raises ValueError with a Bulgarian message) ----------
def parse_date(text: str) -> dt.date:
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text.strip().rstrip("г. ").strip())
    if not match:
        raise ValueError("датата трябва да е във вид дд.мм.гггг (напр. 05.03.2012)")
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError("няма такава дата") from None


def parse_int(text: str, low: int, high: int, what: str = "числото") -> int:
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
    if not (value.isascii() and value.isdigit()):  # not "²"
        raise ValueError(f"{what} трябва да е цяло число от {low} до {high}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{what} трябва да е от {low} до {high}")
    return number


_YES = {"да", "д", "1", "yes", "y", "true", "x", "х"}
_NO = {"не", "н", "0", "no", "n", "false", ""}


def parse_bool(text: str) -> bool:
    value = text.strip().casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError("очаква се „да“ или „не“")


_ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
    "x": 10, "xi": 11, "xii": 12,
}  # fmt: skip
_LATIN_TO_CYRILLIC = str.maketrans("aeopcxkmtbhy", "аеорсхкмтвну")


def parse_grade_level(text: str) -> int:
    value = text.strip().casefold().replace(" клас", "").replace(".", "").strip()
    if value in ("пг", "pg", "0"):
        return 0
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    latin = value.replace("і", "i").replace("х", "x").replace("у", "v")
    if latin in _ROMAN:
        return _ROMAN[latin]
    raise ValueError("класът (випуск) трябва да е от 1 до 12 (или I–XII, ПГ)")


def normalize_class_name(text: str) -> str:
    """ "8 Е", "8е", "8e" (Latin e) → "8е": the key classes are matched by."""
    value = _SPACES.sub("", str(text)).casefold()
    return value.translate(_LATIN_TO_CYRILLIC)


def class_grade_level(name: str) -> int | None:
    """The grade level a class name starts with ("10а" → 10, "ПГ-а" → 0), else None."""
    value = normalize_class_name(name)
    match = re.match(r"(\d{1,2})", value)
    if match and 1 <= int(match.group(1)) <= 12:
        return int(match.group(1))
    if value.startswith("пг"):
        return 0
    return None
