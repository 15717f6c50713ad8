"""Справки: first as data (:class:`Report`), then rendered as HTML (template), CSV, XLSX or PDF.

Every builder takes the ``school_id`` and reads only that school's rows. Averages use the rules
(``gradebook.rules.average`` for a student's mean, ``official_average`` for class and school
averages: each grade first turned into a whole mark).

Reports (``REPORTS``):

* ``class-sheet``: students × subjects of one class: mean of current grades and the term grade.
* ``school-averages``: per class and subject: number of grades, mean, official average of marks.

Grades I–III are qualitative (DOMAIN.md): their marks are never averaged into a number; every
report shows them counted ("Отличен (12), Много добър (3)", ``rules.qualitative_text``) instead,
and leaves them out of the numeric school totals. A student's общ успех is the mean of the
subjects' figures (``rules.term_figure``: the term grade where set, else the forecast).
* ``absences``: per student for a month: excused, unexcused, lates, weighted unexcused.
* ``absences-months``: per student and month of the school year: weighted unexcused per month
  and the year's totals.
* ``at-risk``: students above the school's monthly threshold (default 5 weighted unexcused hours).
* ``success``: success analysis per class: Отличен … Слаб counts and the class average.
* ``completeness``: teachers' entry completeness against the minimum current grades per term.

PDF uses fpdf2 with a Unicode TTF font that has Cyrillic (DejaVu Sans, Debian package
``fonts-dejavu-core``; other candidates in ``FONT_CANDIDATES``).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from models import Absence
from models import AbsenceKind
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import Student
from models import Subject
from models import db
from onboarding.export_cells import safe_cell
from onboarding.export_cells import safe_row

CURRENT_KINDS = [k for k in GradeKind if k not in (GradeKind.TERM, GradeKind.ANNUAL)]
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


class ReportError(ValueError):
    def __init__(self, message: str, message_bg: str) -> None:
        super().__init__(message)
        self.message_bg = message_bg


@dataclass
class Report:
    key: str
    title: str
    school: str
    subtitle: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    highlight: set[int] = field(default_factory=set)  # row indexes to emphasise

    def cell_text(self, value: Any) -> str:
        return cell_text(value)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return rules.format_decimal_bg(value, 2 if value.as_tuple().exponent == -2 else 1)
    if isinstance(value, dt.date):
        return rules.format_date_bg(value)
    return str(value)


# --- shared reads -------------------------------------------------------------------------------------
def _school(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None:
        raise ReportError(f"no school {school_id}", "Няма такова училище.")
    return school


def _year(school_id: int) -> SchoolYear:
    year = SchoolYear.current_for(school_id)
    if year is None:
        raise ReportError("no current year", "Училището няма текуща учебна година.")
    return year


def _classes(school_id: int, year_id: int, class_id: int | None) -> list[SchoolClass]:
    query = sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year_id
    )
    if class_id is not None:
        query = query.where(SchoolClass.id == class_id)
    classes = list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))
    if class_id is not None and not classes:
        raise ReportError(f"class {class_id} not in school {school_id}", "Няма такава паралелка.")
    return classes


def _roster(school_id: int, class_ids: Sequence[int]) -> list[tuple[int, int, int, str]]:
    """(class_id, № в клас, student_id, full name) of the active enrollments."""
    if not class_ids:
        return []
    rows = db.session.execute(
        sa.select(
            Enrollment.class_id,
            Enrollment.class_number,
            Student.id,
            Student.first_name,
            Student.middle_name,
            Student.last_name,
        )
        .join(Student, Student.id == Enrollment.student_id)
        .where(
            Enrollment.school_id == school_id,
            Enrollment.class_id.in_(class_ids),
            Enrollment.left_on.is_(None),
        )
        .order_by(Enrollment.class_id, Enrollment.class_number)
    )
    return [
        (
            r.class_id,
            r.class_number,
            r.id,
            " ".join(p for p in (r.first_name, r.middle_name, r.last_name) if p),
        )
        for r in rows
    ]


def _term(year: SchoolYear, term: int | None) -> int:
    return term or year.term_of(clock.today())


def _grades(
    school_id: int, year_id: int, student_ids: Sequence[int], term: int
) -> dict[tuple[int, int], dict[str, list[Decimal]]]:
    """(student, curriculum) → {"current": [...], "term": [...]} of numeric grades."""
    out: dict[tuple[int, int], dict[str, list[Decimal]]] = defaultdict(
        lambda: {"current": [], "term": []}
    )
    if not student_ids:
        return out
    ids = list(student_ids)
    for start in range(0, len(ids), 500):
        for g in db.session.execute(
            sa.select(Grade.student_id, Grade.curriculum_id, Grade.kind, Grade.value).where(
                Grade.school_id == school_id,
                Grade.school_year_id == year_id,
                Grade.term == term,
                Grade.student_id.in_(ids[start : start + 500]),
                Grade.category != GradeCategory.SOP,
                Grade.value.is_not(None),
            )
        ):
            bucket = "term" if g.kind == GradeKind.TERM else "current"
            out[(g.student_id, g.curriculum_id)][bucket].append(g.value)
    return out


def _curricula(school_id: int, class_ids: Sequence[int]) -> list[tuple[Curriculum, str, str]]:
    if not class_ids:
        return []
    rows = db.session.execute(
        sa.select(Curriculum, Subject.name, StaffUser.full_name)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .outerjoin(StaffUser, StaffUser.id == Curriculum.teacher_id)
        .where(Curriculum.school_id == school_id, Curriculum.class_id.in_(class_ids))
        .order_by(Curriculum.class_id, Curriculum.section, Subject.name, Curriculum.group_name)
    )
    return [
        (c, name + (f" ({c.group_name})" if c.group_name else ""), teacher or "")
        for c, name, teacher in rows
    ]


def _marks_text(values: Sequence[Decimal]) -> str | None:
    """Grades I–III: the qualitative marks counted ("Отличен (3), Много добър (1)"), or None."""
    return rules.qualitative_text(rules.whole_mark(v) for v in values) or None


def _term_label(term: int) -> str:
    return "I срок" if term == 1 else "II срок"


# --- builders ---------------------------------------------------------------------------------------
def class_sheet(
    school_id: int, class_id: int | None = None, term: int | None = None, **_: Any
) -> Report:
    if class_id is None:
        raise ReportError("class required", "Изберете паралелка.")
    school, year = _school(school_id), _year(school_id)
    term = _term(year, term)
    (klass,) = _classes(school_id, year.id, class_id)
    roster = _roster(school_id, [klass.id])
    curricula = _curricula(school_id, [klass.id])
    grades = _grades(school_id, year.id, [r[2] for r in roster], term)
    shorts = dict(
        db.session.execute(
            sa.select(Subject.id, Subject.short_name).where(Subject.school_id == school_id)
        ).all()
    )
    short = [shorts.get(c.subject_id) or "" for c, _, _ in curricula]
    labels = [
        s if s and short.count(s) == 1 and not c.group_name else label
        for s, (c, label, _) in zip(short, curricula, strict=True)
    ]
    qualitative = klass.grade_level <= 3  # I–III: marks counted, no average, no общ успех
    columns = ["№", "Ученик", *labels, *([] if qualitative else ["Общ успех"])]
    rows = []
    for _, number, student_id, name in roster:
        row: list[Any] = [number, name]
        figures: list[rules.Figure | None] = []
        for curriculum, _, _ in curricula:
            bucket = grades.get((student_id, curriculum.id), {"current": [], "term": []})
            if qualitative:
                row.append(_marks_text(bucket["current"]))
                continue
            mean = rules.average(bucket["current"])
            final = bucket["term"][-1] if bucket["term"] else None
            figures.append(rules.term_figure(bucket["current"], final))
            if final is not None:
                text = f"{cell_text(mean)} / {int(final)}" if mean is not None else str(int(final))
            else:
                text = cell_text(mean)
            row.append(text)
        if not qualitative:
            overall = rules.overall_success(figures)
            row.append(rules.grade_text(overall) if overall is not None else None)
        rows.append(row)
    notes = (
        ["В I–III клас оценките са качествени: във всяка клетка е броят на всяка оценка, "
         "без средно и без общ успех."]
        if qualitative
        else ["Във всяка клетка: средното на текущите оценки / поставената срочна оценка.",
              "Общ успех: средно от срочните оценки (където няма — от средните на текущите)."]
    )  # fmt: skip
    return Report(
        "class-sheet",
        f"Сводна ведомост на {klass.name} клас",
        school.name,
        f"{year.name}, {_term_label(term)}",
        columns,
        rows,
        notes=notes,
    )


def school_averages(
    school_id: int, term: int | None = None, class_id: int | None = None, **_: Any
) -> Report:
    school, year = _school(school_id), _year(school_id)
    term = _term(year, term)
    classes = _classes(school_id, year.id, class_id)
    roster = _roster(school_id, [c.id for c in classes])
    grades = _grades(school_id, year.id, [r[2] for r in roster], term)
    by_curriculum: dict[int, dict[str, list[Decimal]]] = defaultdict(
        lambda: {"current": [], "term": []}
    )
    for (_student, curriculum_id), bucket in grades.items():
        by_curriculum[curriculum_id]["current"] += bucket["current"]
        by_curriculum[curriculum_id]["term"] += bucket["term"]
    names = {c.id: c.name for c in classes}
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for klass in classes:
        all_current: list[Decimal] = []
        qualitative = klass.grade_level <= 3  # I–III: the marks counted, never averaged
        for curriculum, subject, teacher in _curricula(school_id, [klass.id]):
            bucket = by_curriculum.get(curriculum.id, {"current": [], "term": []})
            all_current += bucket["current"]
            if qualitative:
                rows.append([names[klass.id], subject, teacher, len(bucket["current"]),
                             None, None, None, _marks_text(bucket["current"])])  # fmt: skip
                continue
            rows.append([names[klass.id], subject, teacher, len(bucket["current"]),
                         rules.average(bucket["current"]), rules.official_average(bucket["current"]),
                         rules.official_average(bucket["term"]), None])  # fmt: skip
        highlight.add(len(rows))
        if qualitative:
            rows.append([names[klass.id], "Общо за класа", "", len(all_current),
                         None, None, None, _marks_text(all_current)])  # fmt: skip
            continue
        rows.append([names[klass.id], "Общо за класа", "", len(all_current),
                     rules.average(all_current), rules.official_average(all_current), None, None])  # fmt: skip
    return Report(
        "school-averages",
        "Среден успех по паралелки и предмети",
        school.name,
        f"{year.name}, {_term_label(term)}",
        [
            "Клас",
            "Предмет",
            "Учител",
            "Брой оценки",
            "Средно (текущи)",
            "Среден успех",
            "Срочни",
            "Качествени оценки (I–III)",
        ],
        rows,
        notes=[
            "„Среден успех“: всяка оценка първо се закръгля до цяла (под 3 → 2), после се осреднява.",
            "I–III клас: оценките са качествени и не се осредняват — показан е броят на всяка оценка.",
        ],  # fmt: skip
        highlight=highlight,
    )


def _month_bounds(year: int | None, month: int | None) -> tuple[dt.date, dt.date, int, int]:
    today = clock.today()
    year, month = year or today.year, month or today.month
    if not 1 <= month <= 12:
        raise ReportError("bad month", "Невалиден месец.")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last), year, month


def absence_counts(
    school_id: int, student_ids: Sequence[int], first: dt.date, last: dt.date
) -> dict[int, rules.AbsenceTotals]:
    kinds: dict[int, list[str]] = defaultdict(list)
    ids = list(student_ids)
    for start in range(0, len(ids), 500):
        for student_id, kind, count in db.session.execute(
            sa.select(Absence.student_id, Absence.kind, sa.func.count())
            .where(
                Absence.school_id == school_id,
                Absence.student_id.in_(ids[start : start + 500]),
                Absence.date >= first,
                Absence.date <= last,
            )
            .group_by(Absence.student_id, Absence.kind)
        ):
            kinds[student_id] += [str(AbsenceKind(kind))] * count
    return {sid: rules.absence_totals(kinds.get(sid, [])) for sid in ids}


def absences(
    school_id: int,
    class_id: int | None = None,
    year: int | None = None,
    month: int | None = None,
    only_at_risk: bool = False,
    threshold: Decimal | None = None,
    **_: Any,
) -> Report:
    school, school_year = _school(school_id), _year(school_id)
    first, last, year, month = _month_bounds(year, month)
    classes = _classes(school_id, school_year.id, class_id)
    names = {c.id: c.name for c in classes}
    roster = _roster(school_id, list(names))
    totals = absence_counts(school_id, [r[2] for r in roster], first, last)
    limit = Decimal(str(threshold if threshold is not None else school.absence_threshold))
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for class_id_, number, student_id, name in roster:
        t = totals[student_id]
        if only_at_risk and not t.weighted > limit:
            continue
        if t.weighted > limit:
            highlight.add(len(rows))
        rows.append([names[class_id_], number, name, t.excused, t.unexcused, t.lates, t.weighted])
    period = rules.month_year_bg(year, month)
    if only_at_risk:
        return Report(
            "at-risk",
            "Ученици в риск (неуважителни отсъствия)",
            school.name,
            f"{period}: над {rules.format_decimal_bg(limit, 1)} неуважителни часа (закъснение = ½)",
            ["Клас", "№", "Ученик", "Уважителни", "Неуважителни", "Закъснения", "Претеглени неуважителни"],
            rows,
            notes=["Над 5 неуважителни часа за месец спират детските помощи (АСП) за година; "
                   "прагът се настройва за училището."],
            highlight=set(range(len(rows))),
        )  # fmt: skip
    return Report(
        "absences",
        "Отсъствия по ученици за месеца",
        school.name,
        period + (f", {names[class_id]} клас" if class_id else ""),
        [
            "Клас",
            "№",
            "Ученик",
            "Уважителни",
            "Неуважителни",
            "Закъснения",
            "Претеглени неуважителни",
        ],
        rows,
        notes=["Претеглени = неуважителни + ½ × закъснения; в удебелено — над прага на училището."],
        highlight=highlight,
    )


ROMAN_MONTHS = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def absences_by_month(school_id: int, class_id: int | None = None, **_: Any) -> Report:
    """Per student and month of the school year so far: weighted unexcused hours per month,
    and the year's excused, unexcused, lates and weighted totals."""
    school, school_year = _school(school_id), _year(school_id)
    end = min(clock.today(), school_year.ends_on)
    months: list[tuple[int, int]] = []
    cursor = dt.date(school_year.starts_on.year, school_year.starts_on.month, 1)
    while cursor <= end:
        months.append((cursor.year, cursor.month))
        cursor = dt.date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    classes = _classes(school_id, school_year.id, class_id)
    names = {c.id: c.name for c in classes}
    roster = _roster(school_id, list(names))
    ids = [r[2] for r in roster]
    counts: dict[tuple[int, int, int, str], int] = defaultdict(int)
    year_part, month_part = sa.extract("year", Absence.date), sa.extract("month", Absence.date)
    for start in range(0, len(ids), 500):
        for student_id, year, month, kind, count in db.session.execute(
            sa.select(Absence.student_id, year_part, month_part, Absence.kind, sa.func.count())
            .where(
                Absence.school_id == school_id,
                Absence.school_year_id == school_year.id,
                Absence.student_id.in_(ids[start : start + 500]),
            )
            .group_by(Absence.student_id, year_part, month_part, Absence.kind)
        ):
            counts[(student_id, int(year), int(month), str(AbsenceKind(kind)))] += count
    limit = Decimal(str(school.absence_threshold))
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for class_id_, number, student_id, name in roster:
        row: list[Any] = [names[class_id_], number, name]
        totals = {"excused": 0, "unexcused": 0, "late": 0}
        flagged = False
        for year, month in months:
            u, late = (
                counts[(student_id, year, month, "unexcused")],
                counts[(student_id, year, month, "late")],
            )
            totals["excused"] += counts[(student_id, year, month, "excused")]
            totals["unexcused"] += u
            totals["late"] += late
            weighted = rules.weighted_unexcused(u, late)
            flagged = flagged or weighted > limit
            row.append(weighted)
        row += [totals["excused"], totals["unexcused"], totals["late"],
                rules.weighted_unexcused(totals["unexcused"], totals["late"])]  # fmt: skip
        if flagged:
            highlight.add(len(rows))
        rows.append(row)
    return Report(
        "absences-months",
        "Отсъствия по ученици и месеци",
        school.name,
        f"{school_year.name}, до {rules.format_date_bg(end)}"
        + (f", {names[class_id]} клас" if class_id else ""),
        ["Клас", "№", "Ученик", *(ROMAN_MONTHS[m] for _, m in months),
         "Уважителни", "Неуважителни", "Закъснения", "Претеглени неуважителни"],
        rows,
        notes=["По месеци: претеглени неуважителни часове (закъснение = ½); в удебелено — "
               "ученици с месец над прага на училището."],
        highlight=highlight,
    )  # fmt: skip


def at_risk(school_id: int, **kwargs: Any) -> Report:
    return absences(school_id, only_at_risk=True, **kwargs)


def _subject_marks(
    grades: dict[tuple[int, int], dict[str, list[Decimal]]],
    student_id: int,
    curricula: Sequence[int],
) -> list[Decimal]:
    marks = []
    for curriculum_id in curricula:
        bucket = grades.get((student_id, curriculum_id))
        if not bucket:
            continue
        if bucket["term"]:
            marks.append(bucket["term"][-1])
        elif bucket["current"]:
            marks.append(Decimal(rules.whole_mark(rules.average(bucket["current"]) or 2)))
    return marks


def success(
    school_id: int, class_id: int | None = None, term: int | None = None, **_: Any
) -> Report:
    school, year = _school(school_id), _year(school_id)
    term = _term(year, term)
    classes = _classes(school_id, year.id, class_id)
    roster = _roster(school_id, [c.id for c in classes])
    grades = _grades(school_id, year.id, [r[2] for r in roster], term)
    curricula: dict[int, list[int]] = defaultdict(list)
    for c, _, _ in _curricula(school_id, [k.id for k in classes]):
        curricula[c.class_id].append(c.id)
    by_class: dict[int, list[int]] = defaultdict(list)
    for class_id_, _, student_id, _ in roster:
        by_class[class_id_].append(student_id)
    rows: list[list[Any]] = []
    totals = [0] * 6
    school_marks: list[Decimal] = []
    for klass in classes:
        if klass.grade_level <= 3:  # qualitative: no student mean, the marks counted instead
            pupils = by_class.get(klass.id, [])
            marks = [v for sid in pupils for cid in curricula[klass.id]
                     for v in grades.get((sid, cid), {"current": []})["current"]]  # fmt: skip
            rows.append([klass.name, len(pupils), None, None, None, None, None, None,
                         _marks_text(marks)])  # fmt: skip
            continue
        counts = {6: 0, 5: 0, 4: 0, 3: 0, 2: 0, 0: 0}
        class_marks: list[Decimal] = []
        for student_id in by_class.get(klass.id, []):
            marks = _subject_marks(grades, student_id, curricula[klass.id])
            class_marks += marks
            mean = rules.average(marks)
            counts[rules.whole_mark(mean) if mean is not None else 0] += 1
        school_marks += class_marks
        mean = rules.official_average(class_marks)
        row = [klass.name, len(by_class.get(klass.id, [])), counts[6], counts[5], counts[4],
               counts[3], counts[2], counts[0], rules.grade_text(mean) if mean else None]  # fmt: skip
        for i in range(6):
            totals[i] += row[2 + i]
        rows.append(row)
    numeric = sum(r[1] for r in rows if r[2] is not None)
    mean = rules.official_average(school_marks)
    rows.append(["Общо", numeric, *totals, rules.grade_text(mean) if mean else None])
    return Report(
        "success",
        "Анализ на успеха по паралелки",
        school.name,
        f"{year.name}, {_term_label(term)}",
        ["Клас", "Ученици", "Отличен", "Много добър", "Добър", "Среден", "Слаб", "Без оценки", "Среден успех (I–III: оценки)"],
        rows,
        notes=["Успехът на ученика е средното от оценките му по предмети (срочна, а където няма — "
               "закръгленото средно на текущите); средният успех на класа — от всички тези оценки.",
               "I–III клас: оценките са качествени и не се осредняват — в последната колона е броят "
               "на всяка оценка; тези класове не влизат в реда „Общо“."],
        highlight={len(rows) - 1},
    )  # fmt: skip


def completeness(
    school_id: int, class_id: int | None = None, term: int | None = None, **_: Any
) -> Report:
    school, year = _school(school_id), _year(school_id)
    term = _term(year, term)
    classes = _classes(school_id, year.id, class_id)
    names = {c.id: c.name for c in classes}
    roster = _roster(school_id, list(names))
    students: dict[int, list[int]] = defaultdict(list)
    for class_id_, _, student_id, _ in roster:
        students[class_id_].append(student_id)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for student_id, curriculum_id, count in db.session.execute(
        sa.select(Grade.student_id, Grade.curriculum_id, sa.func.count())
        .where(
            Grade.school_id == school_id,
            Grade.school_year_id == year.id,
            Grade.term == term,
            Grade.kind.in_(CURRENT_KINDS),
        )
        .group_by(Grade.student_id, Grade.curriculum_id)
    ):
        counts[(student_id, curriculum_id)] = count
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for curriculum, subject, teacher in _curricula(school_id, list(names)):
        hours = curriculum.hours_term1 if term == 1 else curriculum.hours_term2
        if not hours or hours <= 0:
            continue
        minimum = rules.min_grades_per_term(hours)
        pupils = students.get(curriculum.class_id, [])
        short = sum(1 for s in pupils if counts[(s, curriculum.id)] < minimum)
        done = len(pupils) - short
        percent = (Decimal(done * 100) / len(pupils)).quantize(Decimal("0.1")) if pupils else None
        if short:
            highlight.add(len(rows))
        rows.append([teacher or "—", names[curriculum.class_id], subject, Decimal(hours).quantize(Decimal("0.1")),
                     minimum, len(pupils), short, percent])  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    highlight = {i for i, r in enumerate(rows) if r[6]}
    return Report(
        "completeness",
        "Попълване на оценките от учителите",
        school.name,
        f"{year.name}, {_term_label(term)}",
        ["Учител", "Клас", "Предмет", "Часове седмично", "Минимум оценки", "Ученици",
         "Ученици с недостиг", "Попълнено %"],
        rows,
        notes=["Минимум текущи оценки за срок: 2 (до 2 ч. седмично), 3 (2,5–3,5 ч.), 4 (4 и повече ч.)."],
        highlight=highlight,
    )  # fmt: skip


REPORTS: dict[str, tuple[str, Any, bool]] = {
    # key: (title, builder, class-level: a class teacher may see it for their class)
    "class-sheet": ("Сводна ведомост на клас", class_sheet, True),
    "absences": ("Отсъствия за месец", absences, True),
    "absences-months": ("Отсъствия по ученици и месеци", absences_by_month, True),
    "at-risk": ("Ученици в риск (АСП)", at_risk, True),
    "success": ("Анализ на успеха", success, True),
    "school-averages": ("Среден успех по класове и предмети", school_averages, False),
    "completeness": ("Попълване на оценките", completeness, False),
}


def build(name: str, school_id: int, **params: Any) -> Report:
    if name not in REPORTS:
        raise ReportError(f"unknown report {name}", "Няма такава справка.")
    return REPORTS[name][1](school_id, **params)


# --- renderers ------------------------------------------------------------------------------------
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
