"""What the child's page shows (:func:`dashboard`): the grades (``portal.child_grades``), the
absences with the monthly threshold, the weekly timetable, remarks and praises, health notes, what
is coming (``portal.events``) and the unread messages. Read only; read receipts are written
separately (``portal.receipts``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from models import Absence
from models import BellTime
from models import HealthNote
from models import Remark
from models import RemarkKind
from models import StaffUser
from models import Subject
from models import TimetableSlot
from models import db
from portal.child_grades import child_grades
from portal.child_grades import grade_css
from portal.child_grades import overall_average
from portal.child_grades import subject_rows
from portal.children import ChildContext
from portal.children import current_term
from portal.conversations import unread_count
from portal.events import coming
from portal.messages import msg
from portal.substitutions import timetable_changes

WEEKDAYS_BG = ("", *(day.capitalize() for day in rules.WEEKDAYS_BG))  # [isoweekday]: "Понеделник"


def month_label(year: int, month: int) -> str:
    return rules.month_year_bg(year, month)


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
        "timetable_changes": timetable_changes(ctx, today),
        "remarks": remarks(ctx),
        "health": health_notes(ctx, today),
        "coming": coming(ctx, today),
        "unread": unread_count(guardian_id, ctx.id),
    }
