"""The page layout of the printed class book: A4, the Cyrillic TTF the reports use
(``onboarding.report_render.font_path``), a footer on every page with the school, the class, the
year, the document id and "Страница N от M", and the few building blocks every section uses — a
heading, a line of text, a key/value list and a table with repeated headings."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

from gradebook.class_book_print.texts import text
from onboarding.report_render import font_path

FONT = "Body"


class BookPdf(FPDF):
    """An A4 document with the book's footer; ``footer_line`` is set before the first page."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_line = ""
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(12, 12, 12)
        path = font_path()
        self.add_font(FONT, "", path)
        bold = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
        self.add_font(FONT, "B", bold if bold != path and _exists(bold) else path)
        self.set_font(FONT, size=9)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.cell(0, 4, self.footer_line, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, text("book.page", page=self.page_no()), align="R")


def _exists(path: str) -> bool:
    return Path(path).exists()


def heading(pdf: BookPdf, title: str, *, new_page: bool = True) -> None:
    """A section's title, on a new page (the legal book starts every section on its own)."""
    if new_page:
        pdf.add_page()
    pdf.set_font(FONT, "B", size=13)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, size=9)


def subheading(pdf: BookPdf, title: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", size=10)
    pdf.multi_cell(0, 5.5, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def line(pdf: BookPdf, words: str, size: float = 9) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, size * 0.55, words, new_x="LMARGIN", new_y="NEXT")


def empty(pdf: BookPdf) -> None:
    line(pdf, text("book.empty"))


def pairs(pdf: BookPdf, rows: Sequence[tuple[str, str]]) -> None:
    """A list of "label: value" lines (the cover)."""
    for label, value in rows:
        pdf.set_font(FONT, "B", size=10)
        pdf.cell(72, 6.5, label)
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 6.5, value or text("cover.none"), new_x="LMARGIN", new_y="NEXT")


def _wrap(words: str, room: float, width: Callable[[str], float]) -> list[str]:
    """The lines of ``words`` in ``room`` mm, broken at spaces (a word too long at its letters)."""
    lines: list[str] = []
    for paragraph in words.splitlines() or [""]:
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if width(candidate) <= room:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for char in word:
                if current and width(current + char) > room:
                    lines.append(current)
                    current = ""
                current += char
        lines.append(current)
    return lines


def table(
    pdf: BookPdf,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    size: float = 7.5,
) -> None:
    """A table whose heading row repeats on every page; ``widths`` are relative.

    Drawn line by line with the font's own glyph widths: fpdf2's ``table()`` measures every
    cell with its full text shaping, twenty times slower for a year's lessons (docs/PERFORMANCE.md).
    """
    if not rows:
        empty(pdf)
        return
    scale = pdf.epw / sum(widths)
    sizes = [width * scale for width in widths]
    pad = 0.8
    leading = size * 0.42

    def measure(style: str) -> Callable[[str], float]:
        pdf.set_font(FONT, style, size=size)
        glyphs = pdf.current_font.cw
        factor = size * 0.001 / pdf.k
        return lambda words: sum(glyphs[ord(char)] for char in words) * factor

    def draw(values: Sequence[str], style: str) -> None:
        width = measure(style)
        wrapped = [
            _wrap(str(value), room - 2 * pad, width)
            for value, room in zip(values, sizes, strict=True)
        ]
        height = max(len(lines) for lines in wrapped) * leading + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if style == "":
                draw(columns, "B")
                pdf.set_font(FONT, style, size=size)
        top = pdf.get_y()
        left = pdf.l_margin
        for lines, room in zip(wrapped, sizes, strict=True):
            pdf.rect(left, top, room, height, style="DF" if style else "D")
            for number, words in enumerate(lines):
                if words:
                    pdf.text(left + pad, top + pad + (number + 0.78) * leading, words)
            left += room
        pdf.set_y(top + height)

    pdf.set_draw_color(140, 140, 140)
    pdf.set_fill_color(230, 234, 240)
    pdf.set_line_width(0.15)
    draw(columns, "B")
    for values in rows:
        draw(values, "")
    pdf.ln(2)
    pdf.set_font(FONT, size=9)
