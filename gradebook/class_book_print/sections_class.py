"""The sections about the class as a whole: the cover, the teachers and subjects, the weekly
timetable, the parent meetings, the tests schedule (класни, then контролни), the pupils list and
the class's events."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook import rules
from gradebook.class_book_print import layout
from gradebook.class_book_print.context import Book
from gradebook.class_book_print.context import day
from gradebook.class_book_print.layout import BookPdf
from gradebook.class_book_print.texts import headings
from gradebook.class_book_print.texts import text
from models import Event
from models import Exam
from models import ExamKind
from models import ParentMeeting
from models import TimetableSlot
from models import db


def cover(pdf: BookPdf, book: Book, titles: list[str]) -> None:
    pdf.add_page()
    pdf.set_font(layout.FONT, "B", size=18)
    pdf.ln(20)
    pdf.multi_cell(0, 10, book.school.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 10, text("book.title", name=book.klass.name), align="C",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font(layout.FONT, size=12)
    pdf.multi_cell(0, 8, book.year.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    address = ", ".join(part for part in (book.school.town, book.school.address) if part)
    teacher = book.klass.class_teacher.full_name if book.klass.class_teacher else ""
    present = [pupil for pupil in book.pupils if pupil.left_on is None]
    layout.pairs(
        pdf,
        [
            (text("cover.school"), book.school.name),
            (text("cover.code"), book.school.neispuo_code),
            (text("cover.address"), address),
            (text("cover.director"), book.director),
            (text("cover.year"), book.year.name),
            (text("cover.class"), book.klass.name),
            (text("cover.profile"), book.klass.profile),
            (text("cover.class_teacher"), teacher),
            (text("cover.pupils"), str(len(present))),
            (text("cover.generated"), day(book.generated_on)),
            (text("cover.document"), book.document_id),
        ],
    )
    layout.subheading(pdf, text("cover.sections"))
    for number, title in enumerate(titles, 1):
        layout.line(pdf, f"{number}. {title}")
    pdf.ln(4)
    layout.line(pdf, text("cover.signature"), size=8)


def teachers(pdf: BookPdf, book: Book) -> None:
    rows = [
        [
            f"{row.subject.name} ({row.group_name})" if row.group_name else row.subject.name,
            text(f"value.section_{row.section.value}"),
            row.teacher.full_name if row.teacher else "",
            rules.format_decimal_bg(row.hours_term1, 1),
            rules.format_decimal_bg(row.hours_term2, 1),
        ]
        for row in book.curricula
    ]
    columns = headings(
        "col.subject", "col.section", "col.teacher", "col.hours_term1", "col.hours_term2"
    )
    layout.table(pdf, columns, rows, (40, 10, 40, 14, 14))


def timetable(pdf: BookPdf, book: Book) -> None:
    slots = db.session.scalars(
        sa.select(TimetableSlot)
        .where(TimetableSlot.class_id == book.klass.id)
        .order_by(TimetableSlot.weekday, TimetableSlot.period, TimetableSlot.term)
    ).all()
    subjects = {row.id: row.subject.name for row in book.curricula}
    rows = [
        [
            rules.WEEKDAYS_BG[slot.weekday - 1],
            str(slot.period),
            subjects.get(slot.curriculum_id, ""),
            book.staff(slot.teacher_id),
            str(slot.term) if slot.term else text("value.both_terms"),
        ]
        for slot in slots
    ]
    columns = headings("col.weekday", "col.period", "col.subject", "col.teacher", "col.term")
    layout.table(pdf, columns, rows, (14, 6, 36, 34, 12))


def parent_meetings(pdf: BookPdf, book: Book) -> None:
    meetings = db.session.scalars(
        sa.select(ParentMeeting)
        .where(
            ParentMeeting.school_year_id == book.year.id,
            sa.or_(ParentMeeting.class_id == book.klass.id, ParentMeeting.class_id.is_(None)),
        )
        .order_by(ParentMeeting.date, ParentMeeting.time)
    ).all()
    rows = [[day(row.date), row.time.strftime("%H:%M"), row.place, row.topic] for row in meetings]
    columns = headings("col.date", "col.time", "col.place", "col.topic")
    layout.table(pdf, columns, rows, (14, 10, 24, 60))


def _exams(pdf: BookPdf, book: Book, kind: ExamKind) -> None:
    exams = db.session.scalars(
        sa.select(Exam)
        .where(
            Exam.class_id == book.klass.id,
            Exam.school_year_id == book.year.id,
            Exam.kind == kind,
        )
        .order_by(Exam.date, Exam.period)
    ).all()
    subjects = {row.id: row.subject.name for row in book.curricula}
    rows = [
        [
            day(row.date),
            str(row.period or ""),
            subjects.get(row.curriculum_id, ""),
            row.description,
        ]
        for row in exams
    ]
    columns = headings("col.date", "col.period", "col.subject", "col.description")
    layout.table(pdf, columns, rows, (14, 6, 30, 60))


def classwork(pdf: BookPdf, book: Book) -> None:
    _exams(pdf, book, ExamKind.CLASSWORK)


def control(pdf: BookPdf, book: Book) -> None:
    _exams(pdf, book, ExamKind.CONTROL)


def pupils(pdf: BookPdf, book: Book) -> None:
    rows = [
        [
            str(pupil.number),
            pupil.name,
            day(pupil.student.birth_date),
            day(pupil.enrolled_on),
            day(pupil.left_on),
        ]
        for pupil in book.pupils
    ]
    columns = headings("col.no", "col.pupil", "col.birth", "col.enrolled", "col.left")
    layout.table(pdf, columns, rows, (6, 50, 16, 16, 16))


def events(pdf: BookPdf, book: Book) -> None:
    found = db.session.scalars(
        sa.select(Event)
        .where(Event.class_id == book.klass.id, Event.school_year_id == book.year.id)
        .order_by(Event.date, Event.time)
    ).all()
    rows = [[day(row.date), row.title, row.description] for row in found]
    layout.table(pdf, headings("col.date", "col.title", "col.description"), rows,
                 (14, 36, 60))  # fmt: skip
