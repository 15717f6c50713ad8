"""Use-cases of the parent portal: every read is scoped to the signed-in guardian's own children.

The one entry to a child is :func:`child_context` (``guardian_id``, ``student_id``): it returns the
child only when a ``GuardianStudent`` link exists, otherwise it raises ``NotFound`` (404, never
403, so that ids of other families' children cannot even be probed). Everything below takes the
resulting :class:`ChildContext`, and each query filters by the child's ``school_id`` and id.

Write use-cases (sign-in, messages, read receipts, the calendar token, password reset) commit
their own transaction; reads never commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.exceptions import NotFound
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from config import clock
from gradebook import rules
from models import Absence
from models import BellTime
from models import Channel
from models import Curriculum
from models import Enrollment
from models import Event
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import Guardian
from models import GuardianStudent
from models import HealthNote
from models import Message
from models import MessageThread
from models import NotificationOutbox
from models import NotificationPreference
from models import NotifyEvent
from models import ParentMeeting
from models import Remark
from models import RemarkKind
from models import School
from models import SchoolClass
from models import SchoolYear
from models import SeenItem
from models import StaffUser
from models import Student
from models import Subject
from models import TimetableSlot
from models import db
from models import utcnow
from portal.messages import Text
from portal.messages import msg
from throttle import Limit
from throttle import clear
from throttle import give_back
from throttle import reserve

log = logging.getLogger("belezhnik.portal")

LOGIN_SCOPE = "parent_login"
RESET_SCOPE = "password_reset"
RESET_SALT = "portal-password-reset"
RESET_MAX_AGE = 3600  # seconds a password link stays valid
RESET_REQUESTS_PER_HOUR = 5
MIN_PASSWORD_LENGTH = 8
MESSAGE_MAX = 4000

WEEKDAYS_BG = ("", *(day.capitalize() for day in rules.WEEKDAYS_BG))  # [isoweekday]: "Понеделник"
CURRENT_KINDS = tuple(rules.CURRENT_KINDS)
FINAL_KINDS = (GradeKind.TERM.value, GradeKind.ANNUAL.value)

# A dummy hash checked when the e-mail is unknown, so that both answers take the same time.
_DUMMY_HASH = generate_password_hash("belezhnik-no-such-user")


class PortalError(ValueError):
    """A refusal with a Bulgarian message for the parent; ``key`` is its key in the catalogue
    :mod:`portal.messages` (for logs and tests)."""

    def __init__(self, message_bg: str) -> None:
        super().__init__(message_bg)
        self.message_bg = message_bg
        self.key: str | None = message_bg.key if isinstance(message_bg, Text) else None


# --- the child -------------------------------------------------------------------------------------
@dataclass
class ChildContext:
    student: Student
    school: School
    relation: str
    school_class: SchoolClass | None = None
    school_year: SchoolYear | None = None

    @property
    def id(self) -> int:
        return self.student.id

    @property
    def class_name(self) -> str:
        return self.school_class.name if self.school_class else ""

    @property
    def label(self) -> str:
        cls = msg("label.child_class", name=self.class_name) if self.school_class else ""
        return f"{self.student.first_name} {self.student.last_name}{cls}"


def _current_enrollments(student_ids: list[int]) -> dict[int, tuple[SchoolClass, SchoolYear]]:
    """The class (and its school year) each student is in now: the current year, not left."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrollment.student_id, SchoolClass, SchoolYear)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(
            Enrollment.student_id.in_(student_ids),
            Enrollment.left_on.is_(None),
            SchoolYear.is_current.is_(True),
        )
        .order_by(Enrollment.enrolled_on)
    ).all()
    return {sid: (cls, year) for sid, cls, year in rows}  # the latest enrolment wins


def children(guardian_id: int) -> list[ChildContext]:
    """The guardian's linked children (in any school), in a stable order."""
    rows = db.session.execute(
        sa.select(Student, School, GuardianStudent.relation)
        .join(GuardianStudent, GuardianStudent.student_id == Student.id)
        .join(School, School.id == Student.school_id)
        .where(GuardianStudent.guardian_id == guardian_id)
        .order_by(Student.first_name, Student.id)
    ).all()
    current = _current_enrollments([s.id for s, _, _ in rows])
    result = []
    for student, school, relation in rows:
        cls, year = current.get(student.id, (None, None))
        result.append(ChildContext(student, school, str(relation), cls, year))
    return result


def child_context(guardian_id: int, student_id: int) -> ChildContext:
    """The guardian's child ``student_id``; ``NotFound`` unless the two are linked."""
    row = db.session.execute(
        sa.select(Student, School, GuardianStudent.relation)
        .join(GuardianStudent, GuardianStudent.student_id == Student.id)
        .join(School, School.id == Student.school_id)
        .where(GuardianStudent.guardian_id == guardian_id, Student.id == student_id)
    ).first()
    if row is None:
        raise NotFound()
    student, school, relation = row
    cls, year = _current_enrollments([student.id]).get(student.id, (None, None))
    return ChildContext(student, school, str(relation), cls, year)


def current_term(ctx: ChildContext, today: dt.date | None = None) -> int:
    if ctx.school_year is None:
        return 1
    return ctx.school_year.term_of(today or clock.today())


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


def month_label(year: int, month: int) -> str:
    return rules.month_year_bg(year, month)


# --- the dashboard -----------------------------------------------------------------------------
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


def child_grades(ctx: ChildContext) -> list[GradeRow]:
    if ctx.school_year is None:
        return []
    rows = db.session.execute(
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


def subject_rows(ctx: ChildContext, grades: list[GradeRow], term: int) -> list[SubjectRow]:
    """Per subject of the class curriculum: the term's current grades, the forecast average with
    its word, the term grades and the annual grade once set."""
    subjects: dict[int, SubjectRow] = {}
    if ctx.school_class is not None:
        for sid, name in db.session.execute(
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
    ctx: ChildContext, term: int | None, grades: list[GradeRow] | None = None
) -> dict[int, rules.Figure]:
    """The child's figure per subject for ``term`` (1 or 2: the term grade once set, else the
    forecast) or, with ``term`` None, for the school year (``rules.year_figure``: the annual grade
    once set, else the mean of the two terms' figures). Empty in grades I–III (not averaged)."""
    grades = child_grades(ctx) if grades is None else grades
    if term is not None:
        return {r.subject_id: r.figure for r in subject_rows(ctx, grades, term) if r.figure}
    first = {r.subject_id: r for r in subject_rows(ctx, grades, 1)}
    second = {r.subject_id: r for r in subject_rows(ctx, grades, 2)}
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


@dataclass
class MonthAbsences:
    label: str
    excused: int
    unexcused: int
    lates: int
    weighted: Decimal
    over_threshold: bool
    is_current: bool


def absences(ctx: ChildContext, today: dt.date) -> dict[str, Any]:
    """Absences of the school year: totals by kind per term and for the year, and per month with
    the weighted unexcused total and whether it crosses the school's monthly threshold."""
    if ctx.school_year is None:
        return {"months": [], "terms": {}, "year": rules.absence_totals([]), "recent": []}
    rows = db.session.execute(
        sa.select(Absence.date, Absence.period, Absence.kind, Absence.term, Subject.name)
        .outerjoin(Subject, Subject.id == Absence.subject_id)
        .where(
            Absence.school_id == ctx.school.id,
            Absence.student_id == ctx.id,
            Absence.school_year_id == ctx.school_year.id,
        )
        .order_by(Absence.date.desc(), Absence.period)
    ).all()
    by_month: dict[tuple[int, int], list[str]] = defaultdict(list)
    by_term: dict[int, list[str]] = defaultdict(list)
    for day, _period, kind, term, _subject in rows:
        by_month[(day.year, day.month)].append(str(kind))
        by_term[term].append(str(kind))
    threshold = ctx.school.absence_threshold
    months = []
    for (year, month), kinds in sorted(by_month.items()):
        totals = rules.absence_totals(kinds)
        months.append(
            MonthAbsences(
                label=month_label(year, month),
                excused=totals.excused,
                unexcused=totals.unexcused,
                lates=totals.lates,
                weighted=totals.weighted,
                over_threshold=rules.exceeds_monthly_threshold(
                    totals.unexcused, totals.lates, threshold
                ),
                is_current=(year, month) == (today.year, today.month),
            )
        )
    recent = [
        {
            "date": day,
            "period": period,
            "kind": str(kind),
            "kind_label": rules.ABSENCE_KINDS.get(str(kind), str(kind)),
            "subject": subject or "",
        }
        for day, period, kind, _term, subject in rows[:10]
    ]
    this_month = by_month.get((today.year, today.month), [])
    month_totals = rules.absence_totals(this_month)
    return {
        "months": months,
        "terms": {t: rules.absence_totals(k) for t, k in sorted(by_term.items())},
        "year": rules.absence_totals([str(r[2]) for r in rows]),
        "recent": recent,
        "threshold": threshold,
        "this_month": month_totals,
        "this_month_over": rules.exceeds_monthly_threshold(
            month_totals.unexcused, month_totals.lates, threshold
        ),
    }


def timetable(ctx: ChildContext, today: dt.date) -> dict[str, Any]:
    """The weekly timetable of the child's class for the current term, with bell times."""
    if ctx.school_class is None:
        return {"days": [], "periods": [], "cells": {}, "bells": {}, "today": 0}
    term = current_term(ctx, today)
    slots = db.session.execute(
        sa.select(TimetableSlot, Subject.name, StaffUser.full_name)
        .join(Subject, Subject.id == TimetableSlot.subject_id)
        .outerjoin(StaffUser, StaffUser.id == TimetableSlot.teacher_id)
        .where(
            TimetableSlot.school_id == ctx.school.id,
            TimetableSlot.class_id == ctx.school_class.id,
            sa.or_(TimetableSlot.term.is_(None), TimetableSlot.term == term),
        )
        .order_by(TimetableSlot.weekday, TimetableSlot.period)
    ).all()
    bells = {
        b.period: (b.starts_at, b.ends_at)
        for b in db.session.scalars(
            sa.select(BellTime).where(
                BellTime.school_id == ctx.school.id, BellTime.shift == ctx.school_class.shift
            )
        )
    }
    cells: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for slot, subject, teacher in slots:
        start, end = (
            (slot.starts_at, slot.ends_at)
            if slot.starts_at
            else bells.get(slot.period, (None, None))
        )
        cells[(slot.weekday, slot.period)].append(
            {
                "subject": subject,
                "teacher": teacher or "",
                "room": slot.room,
                "start": start,
                "end": end,
            }
        )
    weekdays = sorted({d for d, _ in cells} | {1, 2, 3, 4, 5})
    periods = sorted({p for _, p in cells})
    return {
        "days": [(d, WEEKDAYS_BG[d]) for d in weekdays],
        "periods": periods,
        "cells": dict(cells),
        "bells": bells,
        "today": today.isoweekday(),
        "shift": ctx.school_class.shift,
    }


def remarks(ctx: ChildContext) -> list[dict[str, Any]]:
    if ctx.school_year is None:
        return []
    rows = db.session.execute(
        sa.select(Remark, Subject.name, StaffUser.full_name)
        .outerjoin(Subject, Subject.id == Remark.subject_id)
        .outerjoin(StaffUser, StaffUser.id == Remark.teacher_id)
        .where(
            Remark.school_id == ctx.school.id,
            Remark.student_id == ctx.id,
            Remark.school_year_id == ctx.school_year.id,
        )
        .order_by(Remark.date.desc(), Remark.id.desc())
    ).all()
    return [
        {
            "id": r.id,
            "kind": str(r.kind),
            "kind_label": msg("label.praise")
            if r.kind == RemarkKind.PRAISE
            else msg("label.remark"),
            "text": r.text,
            "date": r.date,
            "subject": subject or "",
            "teacher": teacher or "",
        }
        for r, subject, teacher in rows
    ]


def health_notes(ctx: ChildContext, today: dt.date) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(HealthNote)
        .where(
            HealthNote.school_id == ctx.school.id,
            HealthNote.student_id == ctx.id,
            sa.or_(HealthNote.date_to.is_(None), HealthNote.date_to >= today),
        )
        .order_by(HealthNote.date_from.desc())
    ).all()
    return [{"text": h.text, "date_from": h.date_from, "date_to": h.date_to} for h in rows]


EVENT_KIND_BG = {
    "test": msg("label.event_test"),
    "classwork": msg("label.event_classwork"),
    "school_event": msg("label.event"),
    "excursion": msg("label.event_excursion"),
    "holiday": msg("label.event_holiday"),
    "other": msg("label.event"),
}


def coming(
    ctx: ChildContext, today: dt.date, days: int = 60, since: dt.date | None = None
) -> list[dict[str, Any]]:
    """Coming tests, events and parent meetings of the child's class and of the whole school."""
    if ctx.school_year is None:
        return []
    start = since or today
    until = today + dt.timedelta(days=days)
    class_id = ctx.school_class.id if ctx.school_class else -1
    items: list[dict[str, Any]] = []
    for e, subject in db.session.execute(
        sa.select(Event, Subject.name)
        .outerjoin(Subject, Subject.id == Event.subject_id)
        .where(
            Event.school_id == ctx.school.id,
            Event.school_year_id == ctx.school_year.id,
            sa.or_(Event.class_id.is_(None), Event.class_id == class_id),
            Event.date >= start,
            Event.date <= until,
        )
    ):
        items.append(
            {
                "type": "event",
                "id": e.id,
                "kind": str(e.kind),
                "kind_label": EVENT_KIND_BG.get(str(e.kind), msg("label.event")),
                "title": e.title,
                "description": e.description,
                "subject": subject or "",
                "date": e.date,
                "time": e.time,
                "place": "",
                "updated_at": e.updated_at,
            }
        )
    for m in db.session.scalars(
        sa.select(ParentMeeting).where(
            ParentMeeting.school_id == ctx.school.id,
            ParentMeeting.school_year_id == ctx.school_year.id,
            sa.or_(ParentMeeting.class_id.is_(None), ParentMeeting.class_id == class_id),
            ParentMeeting.date >= start,
            ParentMeeting.date <= until,
        )
    ):
        items.append(
            {
                "type": "meeting",
                "id": m.id,
                "kind": "meeting",
                "kind_label": msg("label.meeting"),
                "title": msg("label.meeting") + (f": {m.topic}" if m.topic else ""),
                "description": m.topic,
                "subject": "",
                "date": m.date,
                "time": m.time,
                "place": m.place,
                "updated_at": m.updated_at,
            }
        )
    items.sort(key=lambda i: (i["date"], i["time"] or dt.time(0, 0)))
    return items


def unread_count(guardian_id: int, student_id: int | None = None) -> int:
    query = (
        sa.select(sa.func.count(Message.id))
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.guardian_id == guardian_id,
            Message.from_staff.is_(True),
            Message.read_at.is_(None),
        )
    )
    if student_id is not None:
        query = query.where(MessageThread.student_id == student_id)
    return db.session.scalar(query) or 0


def dashboard(guardian_id: int, ctx: ChildContext, term: int | None = None) -> dict[str, Any]:
    """Everything the child's page shows (read only; read receipts are written separately)."""
    today = clock.today()
    term = term if term in (1, 2) else current_term(ctx, today)
    grades = child_grades(ctx)
    subjects = subject_rows(ctx, grades, term)
    latest = sorted(grades, key=lambda g: (g.created_at, g.id), reverse=True)[:8]
    overall = overall_average(subjects)
    return {
        "today": today,
        "term": term,
        "current_term": current_term(ctx, today),
        "latest": latest,
        "subjects": subjects,
        "overall": overall,
        "overall_text": rules.grade_text(overall) if overall is not None else "",
        # "(прогноза)" beside общ успех while some subject has no term grade yet
        "overall_forecast": any(r.figure is not None and not r.figure.final for r in subjects),
        "overall_css": grade_css(overall),
        "absences": absences(ctx, today),
        "timetable": timetable(ctx, today),
        "remarks": remarks(ctx),
        "health": health_notes(ctx, today),
        "coming": coming(ctx, today),
        "unread": unread_count(guardian_id, ctx.id),
    }


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


# --- read receipts -------------------------------------------------------------------------------
def mark_seen(guardian_id: int, object_type: str, object_ids: list[int]) -> int:
    """Record that the guardian has seen these objects (bulk, idempotent; commits).

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique (guardian, type, id): a second view writes
    nothing and two concurrent views cannot fail each other. Returns the number of ids offered.
    """
    ids = sorted(set(object_ids))
    if not ids:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = clock.utc_naive()
    for i in range(0, len(ids), 500):
        rows = [
            {
                "guardian_id": guardian_id,
                "object_type": object_type,
                "object_id": oid,
                "seen_at": now,
            }
            for oid in ids[i : i + 500]
        ]
        db.session.execute(insert(SeenItem).values(rows).on_conflict_do_nothing())
    db.session.commit()
    return len(ids)


def seen_by(object_type: str, object_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Read receipts for the staff web: for each object id, who of its guardians saw it and when
    (Sofia time), oldest first. ``object_type`` is "grade" or "remark". The caller passes only
    ids it may show (it has already scoped them to its school)."""
    ids = sorted(set(object_ids))
    result: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return result
    for object_id, name, email, seen_at in db.session.execute(
        sa.select(SeenItem.object_id, Guardian.full_name, Guardian.email, SeenItem.seen_at)
        .join(Guardian, Guardian.id == SeenItem.guardian_id)
        .where(SeenItem.object_type == object_type, SeenItem.object_id.in_(ids))
        .order_by(SeenItem.seen_at)
    ):
        result[object_id].append({"guardian": name or email or "", "seen_at": clock.local(seen_at)})
    return result


# --- sign-in ---------------------------------------------------------------------------------------
def _normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str, address: str) -> Guardian:
    """The guardian for this e-mail and password, or ``PortalError``.

    Throttled per e-mail and per address (scope ``parent_login``): after LOGIN_FAILS_PER_HOUR
    failures within an hour further attempts are refused without checking the password. Wrong
    e-mail and wrong password give the same answer. Commits the failure count or the sign-in.
    """
    email = _normalize_email(email)
    limit = int(current_app.config.get("LOGIN_FAILS_PER_HOUR", 10))
    limits = [Limit(LOGIN_SCOPE, key, limit) for key in (email, f"ip:{address or '?'}")]
    if not reserve(*limits):  # counted (and committed) before the password check
        log.warning("parent login throttled for %s from %s", email, address)
        raise PortalError(msg("login.throttled"))
    guardian = db.session.scalar(sa.select(Guardian).where(sa.func.lower(Guardian.email) == email))
    hashed = guardian.password_hash if guardian and guardian.password_hash else _DUMMY_HASH
    ok = check_password_hash(hashed, password or "")
    if not (ok and guardian is not None and guardian.password_hash and guardian.active):
        raise PortalError(msg("login.wrong"))
    give_back(*limits)  # a sign-in that worked is not a guess
    guardian.last_login_at = clock.utc_naive()
    db.session.commit()
    return guardian


# --- password reset ----------------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(guardian: Guardian) -> str:
    # A piece of the current hash: once the password changes, older links stop working.
    return (guardian.password_hash or "none")[-16:]


def make_reset_token(guardian: Guardian) -> str:
    return _serializer().dumps({"g": guardian.id, "p": _password_fingerprint(guardian)})


def request_password_reset(email: str, address: str, link_for: Any) -> None:
    """Write the password e-mail to the outbox (ACCOUNT, EMAIL) when the e-mail is a known active
    guardian; answer the same either way. ``link_for(token)`` builds the absolute link.
    Throttled per e-mail and address (5 an hour). Commits."""
    email = _normalize_email(email)
    keys = (email, f"ip:{address or '?'}")
    # every request counts (never given back): the e-mail must not become a spam cannon
    if not reserve(*(Limit(RESET_SCOPE, key, RESET_REQUESTS_PER_HOUR) for key in keys)):
        log.warning("password reset throttled for %s from %s", email, address)
        raise PortalError(msg("reset.throttled"))
    guardian = db.session.scalar(sa.select(Guardian).where(sa.func.lower(Guardian.email) == email))
    if guardian is not None and guardian.active and guardian.email:
        link = link_for(make_reset_token(guardian))
        subject = "нова парола"
        body = (
            f"Здравейте, {guardian.full_name or 'родител'}!\n\n"
            "Получихме заявка за нова парола за профила Ви в Бележник. "
            "Ако сте Вие, отворете връзката в рамките на един час:\n\n"
            f"{link}\n\n"
            "Ако не сте поискали нова парола, не правете нищо: старата остава в сила.\n"
        )
        _enqueue_account_email(guardian, subject, body, {"kind": "password_reset", "url": link})
    db.session.commit()


def _enqueue_account_email(
    guardian: Guardian, subject: str, body: str, payload: dict[str, Any]
) -> None:
    """An ACCOUNT e-mail (never muted, due at once) through the notifications outbox, in this
    transaction: ``notify.outbox.enqueue_direct`` renders it (payload ``text`` and ``subject``);
    without that helper the row is written directly."""
    try:
        from notify.outbox import enqueue_direct
    except ImportError:  # pragma: no cover - the notifications part provides it
        enqueue_direct = None
    if enqueue_direct is not None:
        enqueue_direct(
            Channel.EMAIL,
            guardian.email or "",
            {**payload, "text": body, "subject": subject},
            event_type=NotifyEvent.ACCOUNT,
            guardian_id=guardian.id,
        )
        return
    db.session.add(  # pragma: no cover - fallback
        NotificationOutbox(
            guardian_id=guardian.id,
            channel=Channel.EMAIL,
            event_type=NotifyEvent.ACCOUNT,
            object_type="guardian",
            object_id=guardian.id,
            to_address=guardian.email or "",
            subject=f"Бележник: {subject}",
            body=body,
            payload=payload,
            urgent=True,
            due_at=utcnow(),
        )
    )


def guardian_for_reset_token(token: str) -> Guardian:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise PortalError(msg("reset.link_expired")) from None
    except BadSignature:
        raise PortalError(msg("reset.link_invalid")) from None
    guardian = db.session.get(Guardian, int(data.get("g", 0))) if isinstance(data, dict) else None
    if guardian is None or not guardian.active or data.get("p") != _password_fingerprint(guardian):
        raise PortalError(msg("reset.link_used"))
    return guardian


def reset_password(token: str, password: str) -> Guardian:
    guardian = guardian_for_reset_token(token)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PortalError(msg("password.too_short", length=MIN_PASSWORD_LENGTH))
    guardian.password_hash = generate_password_hash(password)
    # the owner of the e-mail chose a new password: the sign-in count of the e-mail starts again
    clear(LOGIN_SCOPE, [_normalize_email(guardian.email or "")])
    db.session.commit()
    return guardian


# --- messages --------------------------------------------------------------------------------------
def recipients(ctx: ChildContext) -> list[tuple[int, str]]:
    """Whom the parent may write to about this child: the class teacher and the teachers of the
    class's subjects (staff id, "Name (role)")."""
    if ctx.school_class is None:
        return []
    people: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    if ctx.school_class.class_teacher_id:
        teacher = db.session.get(StaffUser, ctx.school_class.class_teacher_id)
        if teacher is not None and teacher.active:
            names[teacher.id] = teacher.full_name
            people.setdefault(teacher.id, []).append(msg("label.class_teacher"))
    for staff_id, full_name, subject in db.session.execute(
        sa.select(StaffUser.id, StaffUser.full_name, Subject.name)
        .join(Curriculum, Curriculum.teacher_id == StaffUser.id)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(
            Curriculum.class_id == ctx.school_class.id,
            Curriculum.school_id == ctx.school.id,
            StaffUser.active.is_(True),
        )
        .order_by(Subject.name)
    ):
        names[staff_id] = full_name
        if subject not in people.setdefault(staff_id, []):
            people[staff_id].append(subject)
    return [(sid, f"{names[sid]} ({', '.join(roles)})") for sid, roles in people.items()]


def threads(guardian_id: int, ctx: ChildContext) -> list[dict[str, Any]]:
    unread = sa.func.sum(
        sa.case((sa.and_(Message.from_staff.is_(True), Message.read_at.is_(None)), 1), else_=0)
    )
    rows = db.session.execute(
        sa.select(
            MessageThread,
            StaffUser.full_name,
            sa.func.count(Message.id),
            unread,
            sa.func.max(Message.created_at),
        )
        .join(StaffUser, StaffUser.id == MessageThread.staff_id)
        .outerjoin(Message, Message.thread_id == MessageThread.id)
        .where(
            MessageThread.guardian_id == guardian_id,
            MessageThread.student_id == ctx.id,
            MessageThread.school_id == ctx.school.id,
        )
        .group_by(MessageThread.id, StaffUser.full_name)
        .order_by(sa.func.max(Message.created_at).desc())
    ).all()
    return [
        {
            "id": t.id,
            "subject": t.subject,
            "staff": staff,
            "count": count,
            "unread": int(unread_n or 0),
            "last_at": clock.local(last) if last else None,
        }
        for t, staff, count, unread_n, last in rows
    ]


def _thread(guardian_id: int, ctx: ChildContext, thread_id: int) -> MessageThread:
    thread = db.session.scalar(
        sa.select(MessageThread).where(
            MessageThread.id == thread_id,
            MessageThread.guardian_id == guardian_id,
            MessageThread.student_id == ctx.id,
            MessageThread.school_id == ctx.school.id,
        )
    )
    if thread is None:
        raise NotFound()
    return thread


def read_thread(guardian_id: int, ctx: ChildContext, thread_id: int) -> dict[str, Any]:
    """One thread with its messages; marks the teacher's messages read (commits)."""
    thread = _thread(guardian_id, ctx, thread_id)
    now = clock.utc_naive()
    changed = db.session.execute(
        sa.update(Message)
        .where(
            Message.thread_id == thread.id,
            Message.from_staff.is_(True),
            Message.read_at.is_(None),
        )
        .values(read_at=now)
    ).rowcount
    if changed:
        db.session.commit()
    return {
        "id": thread.id,
        "subject": thread.subject,
        "staff": thread.staff.full_name,
        "messages": [
            {
                "from_staff": m.from_staff,
                "author": thread.staff.full_name if m.from_staff else msg("label.you"),
                "body": m.body,
                "at": clock.local(m.created_at),
            }
            for m in db.session.scalars(
                sa.select(Message)
                .where(Message.thread_id == thread.id)
                .order_by(Message.created_at, Message.id)
            )
        ],
    }


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise PortalError(msg("message.body_required"))
    if len(body) > MESSAGE_MAX:
        raise PortalError(msg("message.body_too_long", limit=MESSAGE_MAX))
    return body


def reply(guardian_id: int, ctx: ChildContext, thread_id: int, body: str) -> Message:
    thread = _thread(guardian_id, ctx, thread_id)
    message = Message(
        thread_id=thread.id, from_staff=False, body=_clean_body(body), created_at=clock.utc_naive()
    )
    db.session.add(message)
    thread.updated_at = clock.utc_naive()
    db.session.commit()
    return message


def start_thread(
    guardian_id: int, ctx: ChildContext, staff_id: int, subject: str, body: str
) -> MessageThread:
    allowed = dict(recipients(ctx))
    if staff_id not in allowed:
        raise PortalError(msg("message.choose_teacher"))
    subject = (subject or "").strip()
    if not subject:
        raise PortalError(msg("message.subject_required"))
    now = clock.utc_naive()  # the one clock (frozen in tests and demos)
    thread = MessageThread(
        school_id=ctx.school.id,
        student_id=ctx.id,
        guardian_id=guardian_id,
        staff_id=staff_id,
        subject=subject[:200],
        created_at=now,
        updated_at=now,
    )
    thread.messages.append(Message(from_staff=False, body=_clean_body(body), created_at=now))
    db.session.add(thread)
    db.session.commit()
    return thread


# --- the calendar token ------------------------------------------------------------------------
def regenerate_ical_token(guardian: Guardian) -> str:
    """A new private feed token; the old link stops working at once (regenerate = revoke)."""
    guardian.ical_token = secrets.token_urlsafe(32)
    db.session.commit()
    return guardian.ical_token


def revoke_ical_token(guardian: Guardian) -> None:
    guardian.ical_token = None
    db.session.commit()


def guardian_for_ical_token(token: str) -> Guardian:
    if not token or len(token) > 64:
        raise NotFound()
    guardian = db.session.scalar(sa.select(Guardian).where(Guardian.ical_token == token))
    if guardian is None or not guardian.active or guardian.ical_token != token:
        raise NotFound()
    return guardian


# --- my data (GDPR) ------------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def export_data(guardian: Guardian) -> dict[str, Any]:
    """Everything held on the guardian and their children (GDPR art. 15), as plain JSON types.

    Secrets (password and PIN hashes, the calendar token) are named but not exported."""
    g = guardian
    data: dict[str, Any] = {
        "generated_at": _iso(clock.now().replace(microsecond=0)),
        "guardian": {
            "id": g.id,
            "full_name": g.full_name,
            "email": g.email,
            "phone": g.phone,
            "email_verified_at": _iso(g.email_verified_at),
            "phone_verified_at": _iso(g.phone_verified_at),
            "sms_latin": g.sms_latin,
            "digest": g.digest,
            "stop_all": g.stop_all,
            "has_password": bool(g.password_hash),
            "has_pin": bool(g.pin_hash),
            "calendar_feed_enabled": bool(g.ical_token),
            "created_at": _iso(g.created_at),
            "last_login_at": _iso(g.last_login_at),
        },
        "notification_preferences": [
            {"event": str(p.event_type), "channel": str(p.channel), "enabled": p.enabled}
            for p in db.session.scalars(
                sa.select(NotificationPreference).where(NotificationPreference.guardian_id == g.id)
            )
        ],
        "notifications": [
            {
                "created_at": _iso(n.created_at),
                "channel": str(n.channel),
                "event": str(n.event_type),
                "to": n.to_address,
                "subject": n.subject,
                "body": n.body,
                "status": str(n.status),
                "sent_at": _iso(n.sent_at),
            }
            for n in db.session.scalars(
                sa.select(NotificationOutbox)
                .where(NotificationOutbox.guardian_id == g.id)
                .order_by(NotificationOutbox.created_at)
            )
        ],
        "seen_items": [
            {"object_type": s.object_type, "object_id": s.object_id, "seen_at": _iso(s.seen_at)}
            for s in db.session.scalars(
                sa.select(SeenItem).where(SeenItem.guardian_id == g.id).order_by(SeenItem.seen_at)
            )
        ],
        "children": [],
    }
    for ctx in children(g.id):
        s = ctx.student
        sid, school_id = s.id, ctx.school.id

        def rows(model: Any, *order: Any, _sid: int = sid, _school: int = school_id) -> list[Any]:
            return list(
                db.session.scalars(
                    sa.select(model)
                    .where(model.student_id == _sid, model.school_id == _school)
                    .order_by(*order)
                )
            )

        subject_names = dict(
            db.session.execute(
                sa.select(Subject.id, Subject.name).where(Subject.school_id == school_id)
            ).all()
        )
        child: dict[str, Any] = {
            "id": sid,
            "first_name": s.first_name,
            "middle_name": s.middle_name,
            "last_name": s.last_name,
            "birth_date": _iso(s.birth_date),
            "gender": s.gender,
            "personal_id_type": str(s.personal_id_type),
            "personal_id": s.personal_id,
            "student_code": s.student_code,
            "special_needs": s.sop,
            "relation": ctx.relation,
            "school": {"id": ctx.school.id, "name": ctx.school.name, "town": ctx.school.town},
            "class": ctx.class_name,
            "enrollments": [
                {
                    "class_id": e.class_id,
                    "class_number": e.class_number,
                    "enrolled_on": _iso(e.enrolled_on),
                    "left_on": _iso(e.left_on),
                }
                for e in rows(Enrollment, Enrollment.enrolled_on)
            ],
            "grades": [
                {
                    "date": _iso(x.date),
                    "subject": subject_names.get(x.subject_id, ""),
                    "term": x.term,
                    "kind": str(x.kind),
                    "category": str(x.category),
                    "value": _iso(x.value),
                    "sop_mark": x.sop_mark and str(x.sop_mark),
                    "comment": x.comment,
                }
                for x in rows(Grade, Grade.date, Grade.id)
            ],
            "absences": [
                {
                    "date": _iso(x.date),
                    "period": x.period,
                    "subject": subject_names.get(x.subject_id or 0, ""),
                    "kind": str(x.kind),
                    "excuse_reason": x.excuse_reason and str(x.excuse_reason),
                    "excuse_comment": x.excuse_comment,
                    "excused_by_parent": x.excused_by_parent,
                }
                for x in rows(Absence, Absence.date, Absence.period)
            ],
            "remarks": [
                {"date": _iso(x.date), "kind": str(x.kind), "text": x.text}
                for x in rows(Remark, Remark.date, Remark.id)
            ],
            "health_notes": [
                {"from": _iso(x.date_from), "to": _iso(x.date_to), "text": x.text}
                for x in rows(HealthNote, HealthNote.date_from)
            ],
            "messages": [],
        }
        for thread in db.session.scalars(
            sa.select(MessageThread)
            .where(MessageThread.guardian_id == g.id, MessageThread.student_id == sid)
            .order_by(MessageThread.created_at)
        ):
            child["messages"].append(
                {
                    "subject": thread.subject,
                    "teacher": thread.staff.full_name,
                    "messages": [
                        {
                            "from": "teacher" if m.from_staff else "parent",
                            "at": _iso(m.created_at),
                            "read_at": _iso(m.read_at),
                            "body": m.body,
                        }
                        for m in thread.messages
                    ],
                }
            )
        data["children"].append(child)
    return data
