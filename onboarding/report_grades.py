"""Grade reports: the class sheet (students × subjects: mean of current grades and the term
grade), the averages per class and subject, the success analysis per class (Отличен … Слаб), and
the teachers' entry completeness against the minimum current grades per term.

Averages use the rules (``gradebook.rules.average`` for a student's mean, ``official_average``
for class and school averages: each grade first turned into a whole mark). Grades I–III are
qualitative (DOMAIN.md): their marks are never averaged into a number; every report shows them
counted ("Отличен (12), Много добър (3)", ``rules.qualitative_text``) instead, and leaves them out
of the numeric school totals. A student's общ успех is the mean of the subjects' figures
(``rules.term_figure``: the term grade where set, else the forecast).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from models import Curriculum
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import StaffUser
from models import Subject
from models import db
from onboarding.report_base import Report
from onboarding.report_base import ReportError
from onboarding.report_base import Scope
from onboarding.report_base import cell_text
from onboarding.report_base import scope_of

CURRENT_KINDS = [k for k in GradeKind if k not in (GradeKind.TERM, GradeKind.ANNUAL)]


def _term_scope(school_id: int, class_id: int | None, term: int | None) -> tuple[Scope, int]:
    """The scope of a report and its term (the current one unless asked). A preparatory group
    has no grades (its book keeps daily attendance and results): the grade reports leave it out."""
    scope = scope_of(school_id, class_id)
    graded = [k for k in scope.classes if k.grade_level >= 1]
    if class_id is not None and not graded:
        raise ReportError(
            "a preparatory group has no grades",
            "Подготвителната група няма оценки: вижте отчета „Присъствие в ПГ за месец“.",
        )
    if len(graded) != len(scope.classes):
        kept = {k.id for k in graded}
        scope = Scope(scope.school, scope.year, graded, [r for r in scope.roster if r[0] in kept])
    return scope, term or scope.year.term_of(clock.today())


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
    scope, term = _term_scope(school_id, class_id, term)
    school, year, (klass,), roster = scope.school, scope.year, scope.classes, scope.roster
    curricula = _curricula(school_id, [klass.id])
    grades = _grades(school_id, year.id, scope.student_ids, term)
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
            # one figure is a number (a spreadsheet sorts and sums it); both together are text
            cell: Any = mean
            if final is not None:
                cell = f"{cell_text(mean)} / {int(final)}" if mean is not None else int(final)
            row.append(cell)
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
    scope, term = _term_scope(school_id, class_id, term)
    school, year, classes = scope.school, scope.year, scope.classes
    grades = _grades(school_id, year.id, scope.student_ids, term)
    by_curriculum: dict[int, dict[str, list[Decimal]]] = defaultdict(
        lambda: {"current": [], "term": []}
    )
    for (_student, curriculum_id), bucket in grades.items():
        by_curriculum[curriculum_id]["current"] += bucket["current"]
        by_curriculum[curriculum_id]["term"] += bucket["term"]
    names = scope.names
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
    scope, term = _term_scope(school_id, class_id, term)
    school, year, classes, roster = scope.school, scope.year, scope.classes, scope.roster
    grades = _grades(school_id, year.id, scope.student_ids, term)
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
    scope, term = _term_scope(school_id, class_id, term)
    school, year, names, roster = scope.school, scope.year, scope.names, scope.roster
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
