"""A child's homework for the parent: what is due soon, then what was due lately (the homework
page), what is due on the next school day (the child's page, "За утре"), and the homework of given
lessons (``portal/_lesson_homework.html``, for a by-day view of the diary). Read only; every query
is scoped to the child's school, school year and class (``portal.children.child_context``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import Homework
from models import Subject
from models import db
from portal.children import ChildContext

RECENT_DAYS = 30
RECENT_LIMIT = 60
COMING_LIMIT = 60


@dataclass(frozen=True)
class HomeworkItem:
    id: int
    lesson_id: int
    subject: str
    text: str
    given_on: dt.date
    due_on: dt.date


def _query(ctx: ChildContext) -> sa.Select[tuple[Homework, str]] | None:
    if ctx.school_class is None or ctx.school_year is None:
        return None
    return (
        sa.select(Homework, Subject.name)
        .join(Subject, Subject.id == Homework.subject_id)
        .where(
            Homework.school_id == ctx.school.id,
            Homework.school_year_id == ctx.school_year.id,
            Homework.class_id == ctx.school_class.id,
        )
    )


def _items(rows: Iterable[Any]) -> list[HomeworkItem]:
    return [HomeworkItem(h.id, h.lesson_id, name, h.text, h.date, h.due_on) for h, name in rows]


def child_homework(
    ctx: ChildContext, today: dt.date
) -> tuple[list[HomeworkItem], list[HomeworkItem]]:
    """(due from today on, soonest first; due in the last ``RECENT_DAYS`` days, latest first)."""
    query = _query(ctx)
    if query is None:
        return [], []
    coming = db.session.execute(
        query.where(Homework.due_on >= today)
        .order_by(Homework.due_on, Subject.name, Homework.id)
        .limit(COMING_LIMIT)
    ).all()
    recent = db.session.execute(
        query.where(
            Homework.due_on < today,
            Homework.due_on >= today - dt.timedelta(days=RECENT_DAYS),
        )
        .order_by(Homework.due_on.desc(), Subject.name, Homework.id.desc())
        .limit(RECENT_LIMIT)
    ).all()
    return _items(coming), _items(recent)


def due_next(ctx: ChildContext, today: dt.date) -> tuple[dt.date, list[HomeworkItem]]:
    """The next school day (tomorrow; Monday from Friday on) and the homework due on it."""
    day = rules.next_school_day(today)
    query = _query(ctx)
    if query is None:
        return day, []
    rows = db.session.execute(
        query.where(Homework.due_on == day).order_by(Subject.name, Homework.id)
    ).all()
    return day, _items(rows)


def of_lessons(ctx: ChildContext, lesson_ids: Iterable[int]) -> dict[int, list[HomeworkItem]]:
    """The homework given in each of these lessons of the child's class, by lesson id."""
    ids = sorted(set(lesson_ids))
    query = _query(ctx)
    out: dict[int, list[HomeworkItem]] = {}
    if query is None or not ids:
        return out
    rows = db.session.execute(query.where(Homework.lesson_id.in_(ids)).order_by(Homework.id)).all()
    for item in _items(rows):
        out.setdefault(item.lesson_id, []).append(item)
    return out
