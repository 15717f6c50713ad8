"""The comparison report ("сравнителна справка"): the child beside the class and the year group.

What is compared
    For a term, each student's *figure* per subject (``rules.term_figure``) is the term grade
    (срочна) once the teacher has set it, otherwise the forecast: the mean of the term's current
    grades (two places, ROUND_HALF_UP, as the diary shows it). A student's overall figure (общ
    успех) is the mean of their subject figures (``rules.overall_success``). The class (or
    year-group) average of a subject is the mean of the figures of the students who have one. A
    grade belongs to the class of its curriculum; the year group (випуск) is every class of the
    same school year and grade level. The same figures are what the dashboard and the phone line
    (``gradebook.summary``) show.

    Grades I–III are qualitative (DOMAIN.md) and are never averaged: for them the comparison
    counts the marks of the class and the year group (how many Отличен, Много добър, …) instead.

Privacy
    Only anonymous aggregates leave this module: averages, counts, a band ("горната четвърт")
    and a histogram. Every aggregate over fewer than ``K_MIN`` (5) students is withheld.

Speed and the cache
    One aggregate SQL query (SUM and COUNT grouped by class, student and subject) computes a whole
    year group at once; the result is kept in ``GroupSummary`` (one row per class and one with
    ``class_id`` NULL for the year group, per term) as sorted lists of anonymous averages.

    Invalidation — the choice: *lazy, by a cheap fingerprint*. Each cached payload stores the
    fingerprint of the year group's grades it was computed from: ``count(id)``, ``sum(id)`` and
    ``max(updated_at)`` over the same rows (the term's current grades *and* its term grades, so
    setting, changing or removing a term grade moves it too). Any insert, delete or edit of such a grade changes
    one of the three (ids only grow; edits bump ``updated_at``), so a stale cache is never served
    even if a writer forgets to tell us, and no writer has to know about this module. The check is
    one indexed aggregate query. Writers that want the next read to skip even that comparison may
    call :func:`invalidate_for_student` inside their transaction.

Where it reads
    Every read takes an optional ``session``, the primary's ``db.session`` by default. With
    ``DATABASE_REPLICA_URL`` set, the Сравнение page passes a read-only session of the replica
    (``config/replica.py``): the fingerprint, the cached rows, a recomputation and the child's own
    grades are then all read there, from the same database. A miss is still *stored on
    the primary* (never on the replica), labelled with the fingerprint of the replica's data it
    was computed from; a reader serves a row only when its own fingerprint matches the label, so a
    row computed from lagging data is served only to readers that see the same data, and the
    stored row reaches the replica by replication for the next views.
"""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_left
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gradebook import rules
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeCategory
from models import GroupSummary
from models import SchoolClass
from models import Subject
from models import db
from models import utcnow
from portal.child_grades import child_figures

log = logging.getLogger("belezhnik.portal.stats")

K_MIN = 5
TWO = Decimal("0.01")
# Histogram bins by the words of the six-point scale (what a parent reads on the report card).
BINS: tuple[tuple[str, Decimal, Decimal], ...] = (
    ("Слаб (под 3)", Decimal("2"), Decimal("3")),
    ("Среден (3–3,49)", Decimal("3"), Decimal("3.5")),
    ("Добър (3,50–4,49)", Decimal("3.5"), Decimal("4.5")),
    ("Много добър (4,50–5,49)", Decimal("4.5"), Decimal("5.5")),
    ("Отличен (5,50–6)", Decimal("5.5"), Decimal("6.01")),
)
BANDS = (
    (Decimal("0.75"), "top", "в горната четвърт"),
    (Decimal("0.5"), "upper", "над средата"),
    (Decimal("0.25"), "lower", "под средата"),
    (Decimal("0"), "bottom", "в долната четвърт"),
)

GROUP_SOURCE = "portal"  # the GroupSummary rows this module keeps (gradebook.summary: "phone")


FIGURE_KINDS = (*rules.CURRENT_KINDS, rules.KIND_TERM)  # what a term's figures are made of
YEAR = 0  # the "term" of the whole school year: its figures are the annual grades, else forecasts


def _grade_filter(
    school_year_id: int, grade_level: int, term: int, kinds: tuple[str, ...] | None = None
) -> list[Any]:
    """The year group's grades of ``kinds`` in ``term`` (for :data:`YEAR`: in the whole year,
    the annual grades included by default)."""
    if kinds is None:
        kinds = (*FIGURE_KINDS, rules.KIND_ANNUAL) if term == YEAR else FIGURE_KINDS
    return [
        Grade.school_year_id == school_year_id,
        sa.true() if term == YEAR else Grade.term == term,
        Grade.kind.in_(kinds),
        Grade.value.is_not(None),
        Grade.category != GradeCategory.SOP,
        SchoolClass.grade_level == grade_level,
        SchoolClass.school_year_id == school_year_id,
    ]


def _from_grades(query: sa.Select[Any]) -> sa.Select[Any]:
    return (
        query.select_from(Grade)
        .join(Curriculum, Curriculum.id == Grade.curriculum_id)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
    )


def _reader(session: Session | None) -> Any:
    return db.session if session is None else session


def fingerprint(
    school_year_id: int, grade_level: int, term: int, session: Session | None = None
) -> str:
    """count, sum of ids and latest change of the year group's grades of the term."""
    reader = _reader(session)
    count, id_sum, latest = reader.execute(
        _from_grades(
            sa.select(sa.func.count(Grade.id), sa.func.sum(Grade.id), sa.func.max(Grade.updated_at))
        ).where(*_grade_filter(school_year_id, grade_level, term))
    ).one()
    if isinstance(latest, str):  # SQLite may hand back the raw text of an aggregate
        latest = dt.datetime.fromisoformat(latest)
    stamp = latest.isoformat() if latest else "-"
    return f"{count or 0}:{id_sum or 0}:{stamp}"


def _mean(total: Any, count: int) -> Decimal:
    exact = Decimal(str(total)).quantize(TWO)  # sums of two-place grades are two-place
    return (exact / count).quantize(TWO, rounding=ROUND_HALF_UP)


def compute_group(
    school_year_id: int, grade_level: int, term: int, session: Session | None = None
) -> dict[int | None, dict[str, Any]]:
    """Payloads for every class of the year group and for the year group (key ``None``).

    Per term: two queries (the current grades aggregated, the term grades); for the year
    (``term`` = :data:`YEAR`) the same for both terms and the annual grades. Per payload:
    ``subjects`` {subject id: sorted student figures} and ``overall`` (sorted overall figures), all
    as strings of two-place decimals. For grades I–III see :func:`compute_qualitative_group`."""
    if grade_level <= 3:
        return compute_qualitative_group(school_year_id, grade_level, term, session)
    reader = _reader(session)
    # student → subject → {term: [sum, count, term grade], "annual": grade}; a student may have
    # grades through more than one class (a split group): merge per student within the class and
    # within the year group.
    per_class: dict[int, dict[int, dict[int, dict[Any, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    per_cohort: dict[int, dict[int, dict[Any, Any]]] = defaultdict(dict)

    def cells(class_id: int, student_id: int, subject_id: int) -> list[dict[Any, Any]]:
        return [
            bucket.setdefault(subject_id, {})
            for bucket in (per_class[class_id][student_id], per_cohort[student_id])
        ]

    for each_term in (1, 2) if term == YEAR else (term,):
        for class_id, student_id, subject_id, total, count in reader.execute(
            _from_grades(
                sa.select(
                    Curriculum.class_id,
                    Grade.student_id,
                    Grade.subject_id,
                    sa.func.sum(Grade.value),
                    sa.func.count(Grade.id),
                )
            )
            .where(*_grade_filter(school_year_id, grade_level, each_term, rules.CURRENT_KINDS))
            .group_by(Curriculum.class_id, Grade.student_id, Grade.subject_id)
        ):
            exact = Decimal(str(total)).quantize(TWO)
            for cell in cells(class_id, student_id, subject_id):
                part = cell.setdefault(each_term, [Decimal(0), 0, None])
                part[0] += exact
                part[1] += count
        for class_id, student_id, subject_id, value in reader.execute(
            _from_grades(
                sa.select(Curriculum.class_id, Grade.student_id, Grade.subject_id, Grade.value)
            ).where(*_grade_filter(school_year_id, grade_level, each_term, (rules.KIND_TERM,)))
        ):
            for cell in cells(class_id, student_id, subject_id):
                cell.setdefault(each_term, [Decimal(0), 0, None])[2] = value
    if term == YEAR:
        for class_id, student_id, subject_id, value in reader.execute(
            _from_grades(
                sa.select(Curriculum.class_id, Grade.student_id, Grade.subject_id, Grade.value)
            ).where(*_grade_filter(school_year_id, grade_level, YEAR, (rules.KIND_ANNUAL,)))
        ):
            for cell in cells(class_id, student_id, subject_id):
                cell["annual"] = value

    def term_part(cell: dict[Any, Any], which: int) -> rules.Figure | None:
        if which not in cell:
            return None
        total, count, final = cell[which]
        return rules.term_figure([_mean(total, count)] if count else [], final)

    def payload(students: dict[int, dict[int, dict[Any, Any]]]) -> dict[str, Any]:
        subjects: dict[str, list[str]] = defaultdict(list)
        overall: list[Decimal] = []
        for by_subject in students.values():
            figures = []
            for subject_id, cell in by_subject.items():
                if term == YEAR:
                    figure = rules.year_figure(
                        [term_part(cell, 1), term_part(cell, 2)], cell.get("annual")
                    )
                else:
                    figure = term_part(cell, term)
                if figure is None:  # pragma: no cover - a cell always has a grade
                    continue
                figures.append(figure)
                subjects[str(subject_id)].append(str(figure.value))
            mean = rules.overall_success(figures)
            if mean is not None:
                overall.append(mean)
        return {
            "subjects": {k: sorted(v, key=Decimal) for k, v in subjects.items()},
            "overall": [str(v) for v in sorted(overall)],
        }

    result: dict[int | None, dict[str, Any]] = {cid: payload(s) for cid, s in per_class.items()}
    result[None] = payload(per_cohort)
    return result


def compute_qualitative_group(
    school_year_id: int, grade_level: int, term: int, session: Session | None = None
) -> dict[int | None, dict[str, Any]]:
    """Grades I–III: per class and for the year group, how many of each qualitative mark the
    term's current grades hold per subject (``marks`` {subject id: {"6": n, …}}) and how many
    pupils have marks in it (``pupils``). Nothing is averaged (DOMAIN.md); ``subjects`` and
    ``overall`` stay empty so that no average can be drawn from these payloads."""
    reader = _reader(session)
    rows = reader.execute(
        _from_grades(
            sa.select(
                Curriculum.class_id,
                Grade.student_id,
                Grade.subject_id,
                Grade.value,
                sa.func.count(Grade.id),
            )
        )
        .where(*_grade_filter(school_year_id, grade_level, term, rules.CURRENT_KINDS))
        .group_by(Curriculum.class_id, Grade.student_id, Grade.subject_id, Grade.value)
    ).all()
    marks: dict[int | None, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    pupils: dict[int | None, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for class_id, student_id, subject_id, value, count in rows:
        mark = str(rules.whole_mark(value))
        for key in (class_id, None):
            marks[key][str(subject_id)][mark] += count
            pupils[key][str(subject_id)].add(student_id)
    result: dict[int | None, dict[str, Any]] = {}
    for key in {*marks, None}:
        result[key] = {
            "subjects": {},
            "overall": [],
            "marks": {k: dict(v) for k, v in marks[key].items()},
            "pupils": {k: len(v) for k, v in pupils[key].items()},
        }
    return result


def invalidate_for_student(student_id: int, school_year_id: int) -> int:
    """Drop the cached aggregates of the student's class and year group (all terms), in the
    caller's transaction (no commit). Optional: the fingerprint check catches changes anyway."""
    levels = db.session.scalars(
        sa.select(SchoolClass.grade_level)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student_id, SchoolClass.school_year_id == school_year_id)
        .distinct()
    ).all()
    if not levels:
        return 0
    return db.session.execute(
        sa.delete(GroupSummary).where(
            GroupSummary.source == GROUP_SOURCE,
            GroupSummary.school_year_id == school_year_id,
            GroupSummary.grade_level.in_(levels),
        )
    ).rowcount


def group_payloads(
    school_id: int,
    school_year_id: int,
    grade_level: int,
    term: int,
    session: Session | None = None,
) -> dict[int | None, dict[str, Any]]:
    """The cached payloads of a year group × term, recomputed when the fingerprint moved.

    Read through ``session`` (default the primary); a recomputation is stored on the primary
    either way. From a replica, a failure to store is logged and the page is served without it
    (the cache only saves work)."""
    reader = _reader(session)
    fp = fingerprint(school_year_id, grade_level, term, session)
    cached = reader.scalars(
        sa.select(GroupSummary).where(
            GroupSummary.source == GROUP_SOURCE,
            GroupSummary.school_year_id == school_year_id,
            GroupSummary.grade_level == grade_level,
            GroupSummary.term == term,
        )
    ).all()
    found = {row.class_id: row.payload for row in cached if row.payload.get("fp") == fp}
    if None in found and len(found) == len(cached):
        return found
    computed = compute_group(school_year_id, grade_level, term, session)
    if session is None:
        _store_group(school_id, school_year_id, grade_level, term, fp, computed)
        return computed
    try:
        _store_group(school_id, school_year_id, grade_level, term, fp, computed)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning(
            "group summary %s/%s/%s read on the replica not stored on the primary: %s",
            school_year_id,
            grade_level,
            term,
            type(exc).__name__,
        )
    return computed


def _store_group(
    school_id: int,
    school_year_id: int,
    grade_level: int,
    term: int,
    fp: str,
    computed: dict[int | None, dict[str, Any]],
) -> None:
    """Replace the year group's cached rows on the primary (``db.session``) and commit."""
    now = utcnow()
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.delete(GroupSummary).where(
                    GroupSummary.source == GROUP_SOURCE,
                    GroupSummary.school_year_id == school_year_id,
                    GroupSummary.grade_level == grade_level,
                    GroupSummary.term == term,
                )
            )
            db.session.execute(
                sa.insert(GroupSummary),
                [
                    {
                        "school_id": school_id,
                        "school_year_id": school_year_id,
                        "grade_level": grade_level,
                        "class_id": class_id,
                        "term": term,
                        "source": GROUP_SOURCE,
                        "payload": {"fp": fp, **data},
                        "computed_at": now,
                    }
                    for class_id, data in computed.items()
                ],
            )
        db.session.commit()
    except IntegrityError:  # a concurrent request cached the same group first: fine
        db.session.rollback()
        log.info("group summary %s/%s/%s cached concurrently", school_year_id, grade_level, term)


# --- the report ------------------------------------------------------------------------------------
@dataclass
class Aggregate:
    """An anonymous aggregate, or ``hidden`` when fewer than K_MIN students have grades."""

    n: int
    average: Decimal | None = None
    band: str | None = None
    band_label: str | None = None
    hidden: bool = True


def _aggregate(values: list[str], child: Decimal | None) -> Aggregate:
    n = len(values)
    if n < K_MIN:
        return Aggregate(n=n)
    numbers = [Decimal(v) for v in values]
    agg = Aggregate(n=n, average=rules.average(numbers), hidden=False)
    if child is not None:
        agg.band, agg.band_label = band_of(child, numbers)
    return agg


def band_of(child: Decimal, values: list[Decimal]) -> tuple[str, str]:
    """Which quarter of the group the child's value falls in (mid-rank percentile, ties shared),
    never a rank among names."""
    ordered = sorted(values)
    below = bisect_left(ordered, child)
    equal = bisect_right(ordered, child) - below
    share = (Decimal(below) + Decimal(equal) / 2) / len(ordered)
    for bound, code, label in BANDS:
        if share >= bound:
            return code, label
    return BANDS[-1][1], BANDS[-1][2]  # pragma: no cover - share is never negative


def distribution(values: list[str], child: Decimal | None) -> dict[str, Any] | None:
    """Histogram of the group's forecasts by the words of the scale, the child's bin marked;
    ``None`` when fewer than K_MIN students have grades."""
    if len(values) < K_MIN:
        return None
    counts = [0] * len(BINS)
    for raw in values:
        value = Decimal(raw)
        for i, (_label, low, high) in enumerate(BINS):
            if low <= value < high:
                counts[i] += 1
                break
    child_bin = None
    if child is not None:
        child_bin = next((i for i, (_l, low, high) in enumerate(BINS) if low <= child < high), None)
    return {
        "bins": [(label, counts[i]) for i, (label, _low, _high) in enumerate(BINS)],
        "child_bin": child_bin,
        "n": len(values),
    }


@dataclass
class ComparisonRow:
    subject_id: int | None
    subject: str
    child: Decimal | None
    klass: Aggregate
    cohort: Aggregate
    final: bool = False  # the child's figure is the term grade the teacher set


@dataclass
class Comparison:
    term: int
    class_name: str
    grade_level: int
    rows: list[ComparisonRow] = field(default_factory=list)
    overall: ComparisonRow | None = None
    distribution: dict[str, Any] | None = None
    distribution_subject: str = "общ успех"
    class_count: int = 0
    cohort_count: int = 0
    qualitative: bool = False  # grades I–III: ``marks`` instead of averages
    marks: list[MarksRow] = field(default_factory=list)


@dataclass
class MarksRow:
    """Grades I–III: a subject's qualitative marks, counted (the class's and the year group's
    counts hidden, ``None``, when fewer than K_MIN pupils have marks)."""

    subject_id: int
    subject: str
    child: str
    klass: tuple[tuple[str, int], ...] | None
    cohort: tuple[tuple[str, int], ...] | None


def _marks(payload: dict[str, Any], subject_id: int) -> tuple[tuple[str, int], ...] | None:
    key = str(subject_id)
    if payload.get("pupils", {}).get(key, 0) < K_MIN:
        return None
    counts = payload["marks"][key]
    return tuple(
        (rules.QUALITATIVE_WORDS[m], counts[str(m)])
        for m in sorted(rules.QUALITATIVE_WORDS, reverse=True)
        if counts.get(str(m))
    )


def _qualitative_comparison(
    ctx: Any, term: int, report: Comparison, session: Session | None = None
) -> Comparison:
    """Grades I–III: the child's marks per subject beside the counts of the class and the year
    group; nothing is averaged."""
    cls = ctx.school_class
    reader = _reader(session)
    payloads = group_payloads(ctx.school.id, ctx.school_year.id, cls.grade_level, term, session)
    klass = payloads.get(cls.id, {})
    cohort = payloads.get(None, {})
    own: dict[int, list[Decimal]] = defaultdict(list)
    for subject_id, value in reader.execute(
        sa.select(Grade.subject_id, Grade.value).where(
            Grade.school_id == ctx.school.id,
            Grade.student_id == ctx.student.id,
            Grade.school_year_id == ctx.school_year.id,
            sa.true() if term == YEAR else Grade.term == term,
            Grade.kind.in_(rules.CURRENT_KINDS),
            Grade.value.is_not(None),
            Grade.category != GradeCategory.SOP,
        )
    ):
        own[subject_id].append(Decimal(rules.whole_mark(value)))
    names = dict(
        reader.execute(
            sa.select(Subject.id, Subject.name).where(Subject.school_id == ctx.school.id)
        ).all()
    )
    subject_ids = {int(k) for k in klass.get("marks", {})} | set(own)
    report.qualitative = True
    report.class_count = max(klass.get("pupils", {}).values(), default=0)
    report.cohort_count = max(cohort.get("pupils", {}).values(), default=0)
    for sid in sorted(subject_ids, key=lambda s: names.get(s, "")):
        report.marks.append(
            MarksRow(
                subject_id=sid,
                subject=names.get(sid, ""),
                child=rules.qualitative_text(own.get(sid, [])),
                klass=_marks(klass, sid),
                cohort=_marks(cohort, sid),
            )
        )
    return report


def comparison(
    ctx: Any,
    term: int,
    child_forecasts: dict[int, Decimal],
    subject_id: int | None = None,
    final_subjects: Collection[int] = (),
    session: Session | None = None,
) -> Comparison | None:
    """The report for the child (``ctx`` a portal ChildContext) for ``term`` (1, 2, or
    :data:`YEAR` for the school year, whose figures are the annual grades once set).

    ``child_forecasts`` is the child's own figure per subject (the term grade once set, else the
    forecast: ``SubjectRow.figure`` of the dashboard reads), so the child's numbers are exactly
    those shown elsewhere; ``subject_id`` picks the subject whose class distribution is drawn
    (default: the overall figures); ``final_subjects`` are those whose figure is a set term grade
    (written as a whole mark). Grades I–III get counted marks instead (``qualitative``).
    ``session``: where the aggregates are read (default the primary)."""
    if ctx.school_class is None or ctx.school_year is None:
        return None
    cls = ctx.school_class
    if cls.grade_level <= 3:
        return _qualitative_comparison(
            ctx,
            term,
            Comparison(term=term, class_name=cls.name, grade_level=cls.grade_level),
            session,
        )
    payloads = group_payloads(ctx.school.id, ctx.school_year.id, cls.grade_level, term, session)
    klass = payloads.get(cls.id, {"subjects": {}, "overall": []})
    cohort = payloads.get(None, {"subjects": {}, "overall": []})
    reader = _reader(session)
    names = dict(
        reader.execute(
            sa.select(Subject.id, Subject.name).where(Subject.school_id == ctx.school.id)
        ).all()
    )
    subject_ids = {int(k) for k in klass["subjects"]} | set(child_forecasts)
    report = Comparison(
        term=term,
        class_name=cls.name,
        grade_level=cls.grade_level,
        class_count=len(klass["overall"]),
        cohort_count=len(cohort["overall"]),
    )
    for sid in sorted(subject_ids, key=lambda s: names.get(s, "")):
        child = child_forecasts.get(sid)
        report.rows.append(
            ComparisonRow(
                subject_id=sid,
                subject=names.get(sid, ""),
                child=child,
                klass=_aggregate(klass["subjects"].get(str(sid), []), child),
                cohort=_aggregate(cohort["subjects"].get(str(sid), []), child),
                final=sid in final_subjects and child is not None,
            )
        )
    child_overall = rules.average(child_forecasts.values())
    report.overall = ComparisonRow(
        subject_id=None,
        subject="Общ успех",
        child=child_overall,
        klass=_aggregate(klass["overall"], child_overall),
        cohort=_aggregate(cohort["overall"], child_overall),
    )
    if subject_id is not None and str(subject_id) in klass["subjects"]:
        report.distribution = distribution(
            klass["subjects"][str(subject_id)], child_forecasts.get(subject_id)
        )
        report.distribution_subject = names.get(subject_id, "")
    else:
        report.distribution = distribution(klass["overall"], child_overall)
    return report


def child_comparison(
    ctx: Any, term: int, subject_id: int | None = None, session: Session | None = None
) -> Comparison | None:
    """:func:`comparison` from the child's own figures for ``term`` (1, 2 or :data:`YEAR`):
    the report of the Сравнение page, everything read through ``session`` (default the
    primary; the page passes the replica's when one is configured)."""
    figures = child_figures(ctx, None if term == YEAR else term, session=session)
    return comparison(
        ctx,
        term,
        {sid: f.value for sid, f in figures.items()},
        subject_id,
        {sid for sid, f in figures.items() if f.final},
        session,
    )
