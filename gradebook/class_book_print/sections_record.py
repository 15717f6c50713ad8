"""The pupils' record: current grades per subject and term, the remarks and praises, the term
and annual grades, individual work, sanctions, support (restricted data: the book holds them as
the Ministry's printed book does, and only those who may see support download it) and the class
book's notes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from gradebook import rules
from gradebook.class_book_print import layout
from gradebook.class_book_print.context import Book
from gradebook.class_book_print.context import day
from gradebook.class_book_print.layout import BookPdf
from gradebook.class_book_print.texts import headings
from gradebook.class_book_print.texts import text
from models import ClassNote
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import IndividualWork
from models import Remark
from models import RemarkKind
from models import Sanction
from models import SupportMeasure
from models import db

_FINAL = (GradeKind.TERM, GradeKind.ANNUAL)


def grade_label(grade: Grade) -> str:
    """A grade as the book writes it: a word for I–III, the СОП mark, else the number."""
    if grade.category == GradeCategory.SOP and grade.sop_mark is not None:
        return rules.sop_word(grade.sop_mark.value)
    value = grade.value if grade.value is not None else Decimal(0)
    if grade.category == GradeCategory.QUALITATIVE:
        return rules.qualitative_word(int(value))
    if value == value.to_integral_value():
        return str(int(value))
    return rules.format_decimal_bg(value, 2)


def _subject_title(row: object) -> str:
    name = row.subject.name  # type: ignore[attr-defined]
    group = row.group_name  # type: ignore[attr-defined]
    return f"{name} ({group})" if group else name


def _current(pdf: BookPdf, book: Book, term: int) -> None:
    marks: dict[tuple[int, int], list[str]] = defaultdict(list)
    term_grade: dict[tuple[int, int], str] = {}
    for grade in book.grades:
        if grade.term != term:
            continue
        key = (grade.curriculum_id, grade.student_id)
        if grade.kind == GradeKind.TERM:
            term_grade[key] = grade_label(grade)
        elif grade.kind not in _FINAL:
            marks[key].append(f"{grade_label(grade)} ({grade.date:%d.%m})")
    columns = headings("col.no", "col.pupil", "col.current", "col.term_grade")
    for curriculum in book.curricula:
        layout.subheading(pdf, _subject_title(curriculum))
        rows = [
            [
                str(pupil.number),
                pupil.name,
                ", ".join(marks.get((curriculum.id, pupil.student.id), ())),
                term_grade.get((curriculum.id, pupil.student.id), ""),
            ]
            for pupil in book.pupils
        ]
        layout.table(pdf, columns, rows, (5, 36, 70, 12), size=7)


def term1(pdf: BookPdf, book: Book) -> None:
    _current(pdf, book, 1)


def term2(pdf: BookPdf, book: Book) -> None:
    _current(pdf, book, 2)


def final(pdf: BookPdf, book: Book) -> None:
    found: dict[tuple[int, int, int | None], str] = {}
    for grade in book.grades:
        if grade.kind in _FINAL:
            found[(grade.curriculum_id, grade.student_id, grade.term)] = grade_label(grade)
    columns = headings("col.no", "col.pupil", "col.term1", "col.term2", "col.annual")
    for curriculum in book.curricula:
        layout.subheading(pdf, _subject_title(curriculum))
        rows = [
            [str(pupil.number), pupil.name]
            + [found.get((curriculum.id, pupil.student.id, term), "") for term in (1, 2, None)]
            for pupil in book.pupils
        ]
        layout.table(pdf, columns, rows, (5, 45, 16, 16, 16), size=7)


def _of_class(model: type, book: Book) -> list:  # type: ignore[type-arg]
    return list(
        db.session.scalars(
            sa.select(model)
            .where(model.class_id == book.klass.id, model.school_year_id == book.year.id)  # type: ignore[attr-defined]
            .order_by(model.id)  # type: ignore[attr-defined]
        )
    )


def remarks(pdf: BookPdf, book: Book) -> None:
    ids = [pupil.student.id for pupil in book.pupils]
    found = (
        db.session.scalars(
            sa.select(Remark)
            .where(Remark.school_year_id == book.year.id, Remark.student_id.in_(ids))
            .options(selectinload(Remark.subject))
            .order_by(Remark.date, Remark.id)
        ).all()
        if ids
        else []
    )
    kinds = {RemarkKind.PRAISE: text("value.praise"), RemarkKind.REMARK: text("value.remark")}
    rows = [
        [
            day(row.date),
            book.pupil_label(row.student_id),
            kinds[row.kind],
            row.subject.name if row.subject else "",
            row.text,
            book.staff(row.teacher_id),
        ]
        for row in found
    ]
    columns = headings(
        "col.date", "col.pupil", "col.kind", "col.subject", "col.text", "col.teacher"
    )
    layout.table(pdf, columns, rows, (13, 28, 12, 18, 50, 22), size=7)


def individual_work(pdf: BookPdf, book: Book) -> None:
    rows = [
        [day(row.date), book.pupil_label(row.student_id), row.activity, book.staff(row.teacher_id)]
        for row in sorted(_of_class(IndividualWork, book), key=lambda row: (row.date, row.id))
    ]
    columns = headings("col.date", "col.pupil", "col.activity", "col.teacher")
    layout.table(pdf, columns, rows, (13, 30, 60, 24), size=7)


def sanctions(pdf: BookPdf, book: Book) -> None:
    rows = []
    for row in sorted(_of_class(Sanction, book), key=lambda row: (row.order_date, row.id)):
        cancelled = ""
        if row.cancel_order_date is not None:
            cancelled = text(
                "value.cancel",
                number=row.cancel_order_number,
                date=day(row.cancel_order_date),
                reason=row.cancel_reason,
            )
        period = day(row.start_date) + (f" – {day(row.end_date)}" if row.end_date else "")
        rows.append(
            [
                book.pupil_label(row.student_id),
                f"{rules.SANCTION_KINDS.get(row.kind, '')} ({rules.SANCTION_LAW.get(row.kind, '')})",
                text("value.order", number=row.order_number, date=day(row.order_date)),
                period,
                row.description,
                cancelled,
            ]
        )
    columns = headings(
        "col.pupil", "col.kind", "col.order", "col.period_dates", "col.description", "col.cancelled"
    )
    layout.table(pdf, columns, rows, (26, 30, 20, 20, 34, 26), size=7)


def support(pdf: BookPdf, book: Book) -> None:
    rows = []
    for row in sorted(_of_class(SupportMeasure, book), key=lambda row: (row.start_date, row.id)):
        difficulties = "; ".join(
            rules.SUPPORT_DIFFICULTIES.get(int(code), "") for code in row.difficulties or ()
        )
        activities = "; ".join(
            " ".join(
                part
                for part in (
                    rules.SUPPORT_ACTIVITIES.get(activity.activity_type, ""),
                    day(activity.date),
                    activity.target,
                    activity.result,
                )
                if part
            )
            for activity in row.activities
        )
        rows.append(
            [
                book.pupil_label(row.student_id),
                text("value.additional") if row.additional else text("value.general"),
                f"{day(row.start_date)} – {day(row.end_date)}",
                difficulties,
                ", ".join(member.full_name for member in row.team),
                " ".join(part for part in (row.description, row.expected_result) if part),
                activities,
            ]
        )
    columns = headings(
        "col.pupil",
        "col.kind",
        "col.period_dates",
        "col.difficulties",
        "col.team",
        "col.description",
        "col.activities",
    )
    layout.table(pdf, columns, rows, (22, 14, 18, 24, 22, 30, 30), size=6.5)


def notes(pdf: BookPdf, book: Book) -> None:
    rows = [
        [
            day(row.date),
            book.pupil_label(row.student_id) if row.student_id else text("value.whole_class"),
            row.text,
            book.staff(row.author_id),
        ]
        for row in sorted(_of_class(ClassNote, book), key=lambda row: (row.date, row.id))
    ]
    columns = headings("col.date", "col.pupil", "col.text", "col.teacher")
    layout.table(pdf, columns, rows, (13, 28, 70, 22), size=7)
