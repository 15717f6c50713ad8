"""The year's sections of the printed book: a ПГ group's daily attendance (month by month) and
its results at the start and the end of the year, first grade's overall annual result, and the
annual results of V–XII with their retake exams. The data come from the use-cases that keep them
(:mod:`gradebook.pg_attendance`, :mod:`gradebook.year_results`)."""

from __future__ import annotations

import datetime as dt

from gradebook import pg_attendance
from gradebook import rules
from gradebook import year_results
from gradebook.class_book_print import layout
from gradebook.class_book_print.context import Book
from gradebook.class_book_print.layout import BookPdf
from gradebook.class_book_print.texts import headings
from gradebook.class_book_print.texts import text
from gradebook.rules import year_results as year_rules


def pg_level(level: int) -> bool:
    return rules.has_section(level, year_rules.SECTION_ATTENDANCE)


def pg_results_level(level: int) -> bool:
    return rules.has_section(level, year_rules.SECTION_PG_RESULTS)


def first_grade_level(level: int) -> bool:
    return rules.has_section(level, year_rules.SECTION_FIRST_GRADE_RESULT)


def grade_results_level(level: int) -> bool:
    return rules.has_section(level, year_rules.SECTION_GRADE_RESULTS)


def _months(book: Book) -> list[tuple[int, int]]:
    """The months of the year up to the day the book is printed."""
    last = min(book.year.ends_on, book.generated_on)
    months: list[tuple[int, int]] = []
    month = dt.date(book.year.starts_on.year, book.year.starts_on.month, 1)
    while month <= last:
        months.append((month.year, month.month))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _absent_days(days: dict[dt.date, str]) -> str:
    marks = {"excused": text("value.excused"), "unexcused": text("value.unexcused")}
    return ", ".join(
        f"{day:%d} {marks[kind]}" for day, kind in sorted(days.items()) if kind in marks
    )


def attendance(pdf: BookPdf, book: Book) -> None:
    columns = headings("col.no", "col.pupil", "col.present", "col.excused", "col.unexcused")
    columns.append(text("col.absent_days"))
    drawn = False
    for year, month in _months(book):
        grid = pg_attendance.month_grid(book.school.id, book.klass.id, year, month)
        if not any(grid.marks.values()):
            continue
        drawn = True
        layout.subheading(pdf, rules.month_year_bg(year, month))
        rows = []
        for enrollment in grid.pupils:
            sid = enrollment.student_id
            counts = grid.counts.get(sid) or rules.AttendanceCounts()
            rows.append(
                [
                    str(enrollment.class_number or ""),
                    enrollment.student.full_name,
                    str(counts.present),
                    str(counts.excused),
                    str(counts.unexcused),
                    _absent_days(grid.marks.get(sid, {})),
                ]
            )
        layout.table(pdf, columns, rows, (6, 42, 14, 14, 14, 40), size=7)
    if not drawn:
        layout.empty(pdf)


def pg_results(pdf: BookPdf, book: Book) -> None:
    found = year_results.pg_results_of(book.school.id, book.klass.id)
    columns = headings("col.no", "col.pupil", "col.start_result", "col.end_result")
    subjects = year_results.class_subjects(book.klass.id)
    if not subjects:
        layout.empty(pdf)
    for curriculum in subjects:
        layout.subheading(pdf, curriculum.subject.name)
        rows = []
        for pupil in book.pupils:
            row = found.get((pupil.student.id, curriculum.subject_id))
            rows.append(
                [
                    str(pupil.number),
                    pupil.name,
                    row.start_result if row else "",
                    row.end_result if row else "",
                ]
            )
        layout.table(pdf, columns, rows, (6, 40, 42, 42), size=7)


def first_grade_result(pdf: BookPdf, book: Book) -> None:
    found = year_results.first_grade_results_of(book.school.id, book.klass.id)
    rows = []
    for pupil in book.pupils:
        row = found.get(pupil.student.id)
        value = ""
        if row is not None and row.qualitative is not None:
            value = rules.QUALITATIVE_GRADES.get(row.qualitative, "")
        elif row is not None and row.special is not None:
            value = text("value.sop", mark=rules.SPECIAL_NEEDS_MARKS.get(row.special, ""))
        rows.append([str(pupil.number), pupil.name, value])
    layout.table(pdf, headings("col.no", "col.pupil", "col.result"), rows, (6, 60, 64), size=8)


def _sessions(row: object) -> str:
    parts = []
    for session in year_results.sessions_of(row):  # type: ignore[arg-type]
        if session.no_show:
            parts.append(text("value.no_show"))
        elif session.grade is not None:
            parts.append(str(session.grade))
    return ", ".join(parts)


def grade_results(pdf: BookPdf, book: Book) -> None:
    found = year_results.grade_results_of(book.school.id, book.klass.id)
    names = {row.id: row.subject.name for row in book.curricula}
    rows = []
    for pupil in book.pupils:
        result = found.get(pupil.student.id)
        if result is None:
            rows.append([str(pupil.number), pupil.name, "", "", ""])
            continue
        retakes = "; ".join(
            f"{names.get(subject.curriculum_id, '')}: {_sessions(subject)}".rstrip(": ")
            for subject in result.subjects
        )
        rows.append(
            [
                str(pupil.number),
                pupil.name,
                rules.GRADE_RESULTS.get(result.initial, ""),
                retakes,
                rules.GRADE_RESULTS.get(result.final, "") if result.final else "",
            ]
        )
    columns = headings("col.no", "col.pupil", "col.result", "col.retakes", "col.final_result")
    layout.table(pdf, columns, rows, (6, 38, 22, 46, 22), size=7)
