"""A report as a file: CSV (UTF-8 with BOM and ``;``, what Bulgarian Excel opens), XLSX, PDF,
or plain text for the CLI. Every cell a person typed goes through ``export_cells`` first, so that
no spreadsheet runs it as a formula.

PDF uses fpdf2 with a Unicode TTF font that has Cyrillic (DejaVu Sans, Debian package
``fonts-dejavu-core``; other candidates in ``FONT_CANDIDATES``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from config import clock
from gradebook import rules
from onboarding.export_cells import safe_cell
from onboarding.export_cells import safe_row
from onboarding.report_base import Report
from onboarding.report_base import ReportError
from onboarding.report_base import cell_text

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


def render_text(report: Report) -> str:
    lines = [report.school, report.title, report.subtitle, " | ".join(report.columns)]
    lines += [" | ".join(cell_text(v) for v in row) for row in report.rows]
    return "\n".join(lines)


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row([report.title, report.subtitle]))
    writer.writerow(safe_row(report.columns))
    for row in report.rows:
        writer.writerow([cell_text(v) for v in safe_row(row)])  # numbers stay numbers
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = report.key[:31]
    sheet.append(safe_row([f"{report.school} — {report.title}"]))
    sheet.append(safe_row([report.subtitle]))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(safe_row(report.columns))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for index, row in enumerate(report.rows):
        values: list[Any] = []
        for value in row:
            if isinstance(value, Decimal):
                values.append(float(value))
            elif isinstance(value, dt.date):
                values.append(value)
            else:
                values.append(safe_cell(value))
        sheet.append(values)
        for col, value in enumerate(row, 1):
            cell = sheet.cell(row=sheet.max_row, column=col)
            if isinstance(value, Decimal):
                cell.number_format = "0.00" if value.as_tuple().exponent == -2 else "0.0"
            elif isinstance(value, dt.date):
                cell.number_format = "DD.MM.YYYY"
            if index in report.highlight:
                cell.font = Font(bold=True)
    for col, header in enumerate(report.columns, 1):
        letter = sheet.cell(row=3, column=col).column_letter
        sheet.column_dimensions[letter].width = min(40, max(8, len(header) + 2))
    for note in report.notes:
        sheet.append([])
        sheet.append(safe_row([note]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise ReportError(
        "no Unicode TTF font with Cyrillic found (install fonts-dejavu-core)",
        "PDF не може да се създаде: липсва шрифт с кирилица на сървъра.",
    )


def render_pdf(report: Report) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    wide = len(report.columns) > 7
    pdf = FPDF(orientation="L" if wide else "P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(10, 10, 10)
    pdf.add_font("Body", "", font_path())
    pdf.set_title(report.title)
    pdf.set_creator("Бележник")
    pdf.add_page()
    pdf.set_font("Body", size=13)
    pdf.multi_cell(0, 7, report.school, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Body", size=9)
    pdf.multi_cell(0, 5, report.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    columns = len(report.columns)
    size = 8 if columns <= 9 else 6 if columns <= 16 else 5
    pdf.set_font("Body", size=size)
    # relative widths from the longest header word and the longest cell of each column
    widths = []
    for index, header in enumerate(report.columns):
        longest = max((len(w) for w in header.split()), default=1)
        for row in report.rows[:200]:
            if index < len(row):
                text = cell_text(row[index])
                # long phrases (the counted marks of I–III) wrap: no wider than 24 or a word
                word = max((len(w) for w in text.split()), default=0)
                longest = max(longest, min(len(text), max(24, word)))
        widths.append(float(min(45, max(4, longest))))
    # widths are relative: keep the narrowest column wide enough for a character at any total
    floor = sum(widths) / 45
    widths = [max(w, floor) for w in widths]
    headings = FontFace(fill_color=(230, 234, 240))
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=headings,
        line_height=size * 0.55,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as table:
        header = table.row()
        for text in report.columns:
            header.cell(text)
        for row in report.rows:
            line = table.row()
            for value in row:
                line.cell(cell_text(value))
    pdf.ln(3)
    pdf.set_font("Body", size=7)
    for note in report.notes:
        pdf.multi_cell(0, 4, note, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 4, f"Изготвено: {rules.format_date_bg(clock.today())}, Бележник",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """(content, filename, mimetype) for ``csv``, ``xlsx`` or ``pdf``."""
    renderer = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}.get(fmt)
    if renderer is None:
        raise ReportError(f"unknown format {fmt}", "Непознат формат.")
    stamp = clock.today().strftime("%Y%m%d")
    return renderer(report), f"{report.key}-{stamp}.{fmt}", MIMETYPES[fmt]
