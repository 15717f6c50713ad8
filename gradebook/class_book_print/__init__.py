"""The class book of one class for one school year, printed to one PDF in the legal order of
its sections (the Ministry's printed book, ``school-books/backend/SB.Domain/HtmlTemplates/
Templates/ClassBookPrint/Book_*.cshtml``; docs/CLASS_BOOK.md "Closing the year").

:data:`SECTIONS` is the ordered registry: one :class:`Section` per line, each with its heading
(a key of :mod:`.texts`), the function that draws it and the grade levels whose book has it. A new
section is one line here, at its place in the order, and one function (docs/CLASS_BOOK.md).
:func:`render` draws the cover (with the school's details and the table of contents) and then
every section that the class's book has, each from a new page, with page numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from config import clock
from gradebook import rules
from gradebook.class_book_print import sections_class as klass
from gradebook.class_book_print import sections_lessons as lessons
from gradebook.class_book_print import sections_record as record
from gradebook.class_book_print import sections_year as year
from gradebook.class_book_print.context import Book
from gradebook.class_book_print.context import load
from gradebook.class_book_print.layout import BookPdf
from gradebook.class_book_print.layout import heading
from gradebook.class_book_print.texts import text
from models import SchoolClass


def _all(level: int) -> bool:
    return True


def _with_grades(level: int) -> bool:
    return level >= 1  # ПГ keeps attendance and its own results, not grades


@dataclass(frozen=True)
class Section:
    key: str  # the heading's key in .texts ("section.<key>")
    draw: Callable[[BookPdf, Book], None]
    applies: Callable[[int], bool] = _all  # by the class's grade level (0 = ПГ)

    @property
    def title(self) -> str:
        return text(f"section.{self.key}")


# The legal order (Book_V_XII / Book_IV / Book_I_III; ПГ's book is Book_PG), then what Belezhnik
# keeps beyond the Ministry's book (homework, substitutions, events).
SECTIONS: tuple[Section, ...] = (
    Section("teachers", klass.teachers),
    Section("timetable", klass.timetable),
    Section("parent_meetings", klass.parent_meetings),
    Section("classwork", klass.classwork, _with_grades),
    Section("control", klass.control, _with_grades),
    Section("pupils", klass.pupils),
    Section("lessons", lessons.lessons),
    Section("pg_attendance", year.attendance, year.pg_level),
    Section("pg_results", year.pg_results, year.pg_results_level),
    Section("term1", record.term1, _with_grades),
    Section("term2", record.term2, _with_grades),
    Section("remarks", record.remarks, _with_grades),
    Section("final", record.final, _with_grades),
    Section("first_grade_result", year.first_grade_result, year.first_grade_level),
    Section("grade_results", year.grade_results, year.grade_results_level),
    Section("absences", lessons.absence_totals, _with_grades),
    Section("individual_work", record.individual_work, _with_grades),
    Section("sanctions", record.sanctions, rules.has_sanctions),
    Section("support", record.support, rules.has_support),
    Section("notes", record.notes, rules.has_notes),
    Section("homework", lessons.homework, _with_grades),
    Section("substitutions", lessons.substitutions),
    Section("events", klass.events),
)


def sections_for(level: int) -> list[Section]:
    return [section for section in SECTIONS if section.applies(level)]


@dataclass(frozen=True)
class Printed:
    data: bytes
    pages: int


def render(school_class: SchoolClass, document_id: str, moment: dt.datetime) -> Printed:
    """The PDF of the class's book for its school year as of now; ``document_id`` goes into its
    metadata (keywords) and its footer, so that a signed copy can be traced to this print, and
    ``moment`` (UTC, naive) is its creation date: the same book, id and moment give the same
    bytes, which is how an upload learns whether the book changed since it was printed."""
    book = load(school_class, document_id, clock.local(moment).date())
    chosen = sections_for(school_class.grade_level)
    pdf = BookPdf()
    pdf.set_title(text("book.title", name=school_class.name))
    pdf.set_subject(text("book.subject", year=book.year.name, school=book.school.name))
    pdf.set_keywords(text("book.keywords", document_id=document_id))
    pdf.set_creator("Belezhnik")
    pdf.set_creation_date(moment.replace(tzinfo=dt.UTC))
    pdf.set_author(book.school.name)
    pdf.footer_line = text(
        "book.footer",
        school=book.school.name,
        name=school_class.name,
        year=book.year.name,
        document_id=document_id,
    )
    klass.cover(pdf, book, [section.title for section in chosen])
    for section in chosen:
        heading(pdf, section.title)
        section.draw(pdf, book)
    return Printed(bytes(pdf.output()), pdf.pages_count)
