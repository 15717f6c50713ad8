"""The sections kept lesson by lesson: the topics of every lesson with the pupils absent or late
in it (the Ministry's "ScheduleAndAbsences"), the homework given, the substituted lessons, and the
totals of absences and lates per pupil and term."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from gradebook.class_book_print import layout
from gradebook.class_book_print.context import Book
from gradebook.class_book_print.context import day
from gradebook.class_book_print.layout import BookPdf
from gradebook.class_book_print.texts import headings
from gradebook.class_book_print.texts import text
from gradebook.rules.substitutions import KIND_BG
from models import Absence
from models import AbsenceKind
from models import Homework
from models import Lesson
from models import LessonTopic
from models import Substitution
from models import TeacherAbsence
from models import db

_KIND_MARK = {
    AbsenceKind.EXCUSED: "value.excused",
    AbsenceKind.UNEXCUSED: "value.unexcused",
    AbsenceKind.LATE: "value.late",
}


def _absences(book: Book) -> list[Absence]:
    ids = [pupil.student.id for pupil in book.pupils]
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Absence)
            .where(Absence.school_year_id == book.year.id, Absence.student_id.in_(ids))
            .order_by(Absence.date, Absence.period)
        )
    )


def lessons(pdf: BookPdf, book: Book) -> None:
    topics: dict[int, list[str]] = defaultdict(list)
    for lesson_id, title in db.session.execute(
        sa.select(LessonTopic.lesson_id, LessonTopic.title)
        .join(Lesson, Lesson.id == LessonTopic.lesson_id)
        .where(Lesson.class_id == book.klass.id, Lesson.school_year_id == book.year.id)
        .order_by(LessonTopic.lesson_id, LessonTopic.position)
    ):
        topics[lesson_id].append(title)
    absent: dict[tuple[object, int], list[str]] = defaultdict(list)
    for row in _absences(book):
        number = book.number_of.get(row.student_id)
        absent[(row.date, row.period)].append(f"{number}{text(_KIND_MARK[row.kind])}")
    rows = [
        [
            day(lesson.date),
            str(lesson.period),
            lesson.subject.name,
            lesson.teacher.full_name if lesson.teacher else "",
            "; ".join(topics.get(lesson.id, ())),
            ", ".join(absent.get((lesson.date, lesson.period), ())),
        ]
        for lesson in book.lessons
    ]
    columns = headings(
        "col.date", "col.period", "col.subject", "col.teacher", "col.topic", "col.absent"
    )
    layout.table(pdf, columns, rows, (13, 5, 22, 22, 50, 24), size=6.5)


def homework(pdf: BookPdf, book: Book) -> None:
    found = db.session.scalars(
        sa.select(Homework)
        .where(Homework.class_id == book.klass.id, Homework.school_year_id == book.year.id)
        .order_by(Homework.date, Homework.id)
    ).all()
    subjects = {row.id: row.subject.name for row in book.curricula}
    rows = [
        [day(row.date), subjects.get(row.curriculum_id, ""), row.text, day(row.due_on)]
        for row in found
    ]
    columns = headings("col.date", "col.subject", "col.homework", "col.due")
    layout.table(pdf, columns, rows, (14, 26, 70, 14), size=7)


def substitutions(pdf: BookPdf, book: Book) -> None:
    lesson_of = {lesson.id: lesson for lesson in book.lessons}
    if not lesson_of:
        layout.empty(pdf)
        return
    found = db.session.execute(
        sa.select(Substitution, TeacherAbsence.teacher_id)
        .join(TeacherAbsence, TeacherAbsence.id == Substitution.absence_id)
        .where(Substitution.school_id == book.school.id, Substitution.lesson_id.in_(lesson_of))
    )
    rows = []
    for sub, absent_teacher in sorted(found, key=lambda pair: _when(lesson_of[pair[0].lesson_id])):
        lesson = lesson_of[sub.lesson_id]
        who = book.staff(sub.substitute_id) or (sub.external_name or "")
        rows.append(
            [
                day(lesson.date),
                str(lesson.period),
                lesson.subject.name,
                book.staff(absent_teacher),
                KIND_BG.get(sub.kind, ""),
                who,
            ]
        )
    columns = headings(
        "col.date", "col.period", "col.subject", "col.absent_teacher", "col.kind", "col.substitute"
    )
    layout.table(pdf, columns, rows, (13, 5, 24, 28, 22, 28))


def _when(lesson: Lesson) -> tuple[dt.date, int]:
    return lesson.date, lesson.period


def absence_totals(pdf: BookPdf, book: Book) -> None:
    counts: dict[tuple[int, int], dict[AbsenceKind, int]] = defaultdict(
        lambda: dict.fromkeys(AbsenceKind, 0)
    )
    for row in _absences(book):
        counts[(row.student_id, row.term)][row.kind] += 1
    rows = []
    for pupil in book.pupils:
        cells = [str(pupil.number), pupil.name]
        for term in (1, 2):
            got = counts.get((pupil.student.id, term), dict.fromkeys(AbsenceKind, 0))
            cells += [str(got[kind]) for kind in AbsenceKind]
        rows.append(cells)
    names = [text("col.excused"), text("col.unexcused"), text("col.lates")]
    columns = headings("col.no", "col.pupil")
    columns += [f"{text('col.term1')}: {name}" for name in names]
    columns += [f"{text('col.term2')}: {name}" for name in names]
    layout.table(pdf, columns, rows, (5, 40, 11, 11, 11, 11, 11, 11), size=7)
