"""A child's grades as the portal shows them: each grade as the diary writes it ("5,50",
"Отличен" in grades I–III, "справя се" for СОП), the subjects of the class with the term's current
grades, the forecast, the term and annual grades, the figure per subject, общ успех, and one
subject's trend. Read only.

The reads take an optional ``session`` (default the primary's ``db.session``): the comparison
report passes the read replica's (``config/replica.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from gradebook import rules
from models import Curriculum
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import Subject
from models import db
from portal.children import ChildContext

CURRENT_KINDS = tuple(rules.CURRENT_KINDS)
FINAL_KINDS = (GradeKind.TERM.value, GradeKind.ANNUAL.value)


# --- formatting helpers ------------------------------------------------------------------------
def grade_label(value: Decimal | None, category: str, sop_mark: str | None = None) -> str:
    """How a grade is written in the diary: "5", "5,50", "Отличен" (I–III), "справя се" (СОП)."""
    if category == GradeCategory.SOP or value is None:
        return rules.sop_word(str(sop_mark)) if sop_mark else ""
    if category == GradeCategory.QUALITATIVE:
        return rules.qualitative_word(rules.whole_mark(value))
    if value == value.to_integral_value():
        return str(int(value))
    return rules.format_decimal_bg(value)


def grade_css(value: Decimal | None) -> str:
    return f"g{rules.whole_mark(value)}" if value is not None else ""


# --- the grades --------------------------------------------------------------------------------
@dataclass
class GradeRow:
    id: int
    subject_id: int
    subject: str
    term: int | None
    kind: str
    kind_label: str
    value: Decimal | None
    label: str
    css: str
    date: dt.date
    comment: str
    created_at: dt.datetime


@dataclass
class SubjectRow:
    subject_id: int
    name: str
    grades: list[GradeRow] = field(default_factory=list)
    forecast: Decimal | None = None
    forecast_text: str = ""
    term_grades: dict[int, GradeRow] = field(default_factory=dict)
    annual: GradeRow | None = None
    # the term's figure (rules.term_figure): the term grade once set, else the forecast; None in
    # grades I–III, whose marks are counted in forecast_text, never averaged
    figure: rules.Figure | None = None


def child_grades(ctx: ChildContext, session: Session | None = None) -> list[GradeRow]:
    if ctx.school_year is None:
        return []
    reader = db.session if session is None else session
    rows = reader.execute(
        sa.select(Grade, Subject.name)
        .join(Subject, Subject.id == Grade.subject_id)
        .where(
            Grade.school_id == ctx.school.id,
            Grade.student_id == ctx.id,
            Grade.school_year_id == ctx.school_year.id,
        )
        .order_by(Grade.date, Grade.id)
    ).all()
    result = []
    for g, subject in rows:
        kind = str(g.kind)
        result.append(
            GradeRow(
                id=g.id,
                subject_id=g.subject_id,
                subject=subject,
                term=g.term,
                kind=kind,
                kind_label=rules.GRADE_KINDS.get(kind, kind),
                value=g.value,
                label=grade_label(g.value, str(g.category), g.sop_mark and str(g.sop_mark)),
                css=grade_css(g.value),
                date=g.date,
                comment=g.comment,
                created_at=g.created_at,
            )
        )
    return result


def subject_rows(
    ctx: ChildContext, grades: list[GradeRow], term: int, session: Session | None = None
) -> list[SubjectRow]:
    """Per subject of the class curriculum: the term's current grades, the forecast average with
    its word, the term grades and the annual grade once set."""
    subjects: dict[int, SubjectRow] = {}
    if ctx.school_class is not None:
        for sid, name in (db.session if session is None else session).execute(
            sa.select(Subject.id, Subject.name)
            .join(Curriculum, Curriculum.subject_id == Subject.id)
            .where(
                Curriculum.class_id == ctx.school_class.id, Curriculum.school_id == ctx.school.id
            )
            .distinct()
        ):
            subjects[sid] = SubjectRow(sid, name)
    for g in grades:
        row = subjects.setdefault(g.subject_id, SubjectRow(g.subject_id, g.subject))
        if g.kind == GradeKind.TERM and g.term is not None:
            row.term_grades[g.term] = g
        elif g.kind == GradeKind.ANNUAL:
            row.annual = g
        elif g.term == term:
            row.grades.append(g)
    qualitative = ctx.school_class is not None and ctx.school_class.grade_level <= 3
    for row in subjects.values():
        values = [g.value for g in row.grades if g.value is not None]
        if qualitative:  # I–III: the marks are counted, not averaged (DOMAIN.md)
            row.forecast_text = rules.qualitative_text(rules.whole_mark(v) for v in values)
            continue
        row.forecast = rules.average(values)
        if row.forecast is not None:
            row.forecast_text = rules.grade_text(row.forecast)
        final = row.term_grades.get(term)
        row.figure = rules.term_figure(values, final.value if final else None)
    return sorted(subjects.values(), key=lambda r: r.name)


def child_figures(
    ctx: ChildContext,
    term: int | None,
    grades: list[GradeRow] | None = None,
    session: Session | None = None,
) -> dict[int, rules.Figure]:
    """The child's figure per subject for ``term`` (1 or 2: the term grade once set, else the
    forecast) or, with ``term`` None, for the school year (``rules.year_figure``: the annual grade
    once set, else the mean of the two terms' figures). Empty in grades I–III (not averaged)."""
    grades = child_grades(ctx, session) if grades is None else grades
    if term is not None:
        rows = subject_rows(ctx, grades, term, session)
        return {r.subject_id: r.figure for r in rows if r.figure}
    first = {r.subject_id: r for r in subject_rows(ctx, grades, 1, session)}
    second = {r.subject_id: r for r in subject_rows(ctx, grades, 2, session)}
    if ctx.school_class is not None and ctx.school_class.grade_level <= 3:
        return {}
    out: dict[int, rules.Figure] = {}
    for subject_id, row in first.items():
        other = second.get(subject_id)
        figure = rules.year_figure(
            [row.figure, other.figure if other else None],
            row.annual.value if row.annual else None,
        )
        if figure is not None:
            out[subject_id] = figure
    return out


def overall_average(rows: list[SubjectRow]) -> Decimal | None:
    """The child's общ успех for the term: the mean of the subjects' figures (the term grade
    where set, else the forecast; ``rules.overall_success``); None in grades I–III."""
    return rules.overall_success(r.figure for r in rows)


def subject_trend(ctx: ChildContext, subject_id: int, term: int) -> tuple[str, list[GradeRow]]:
    """The term's current grades of one subject, in date order (for the trend chart)."""
    grades = [
        g
        for g in child_grades(ctx)
        if g.subject_id == subject_id and g.term == term and g.kind in CURRENT_KINDS
    ]
    name = db.session.scalar(
        sa.select(Subject.name).where(Subject.id == subject_id, Subject.school_id == ctx.school.id)
    )
    if name is None:
        raise NotFound()
    return name, grades
