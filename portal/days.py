"""The child's diary by day: for one week, each school day of the class with its lessons in
order (period, bell times, subject) and what the teachers wrote about each lesson (its topics).

The lessons of a day are the class's timetable slots that run that day
(:func:`gradebook.lessons.slot_runs_on`) outside the non-school days of the child's grade, plus the
lessons recorded for a slot that is gone since; a lesson's topics come from
:mod:`gradebook.topics`. Every query is scoped to the child's school and class; reads only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from gradebook.lessons import slot_runs_on
from models import BellTime
from models import Lesson
from models import LessonTopic
from models import NonSchoolDay
from models import Subject
from models import TimetableSlot
from models import db
from portal.children import ChildContext


def week_start(raw: str | None, today: dt.date) -> dt.date:
    """The Monday of the week a ``week`` argument names (any day of it, yyyy-mm-dd), else of
    today's week."""
    try:
        day = dt.date.fromisoformat((raw or "").strip()) if raw else today
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.isoweekday() - 1)


def week(ctx: ChildContext, monday: dt.date, today: dt.date) -> dict[str, Any]:
    """The days of the week starting ``monday``: each {date, name, today, off (the name of a
    non-school day or ""), lessons: [{lesson_id, period, start, end, subject, topics}]}."""
    days: list[dict[str, Any]] = []
    out = {
        "monday": monday,
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "days": days,
    }
    klass, year = ctx.school_class, ctx.school_year
    if klass is None or year is None:
        return out
    sunday = monday + dt.timedelta(days=6)
    slots = db.session.execute(
        sa.select(TimetableSlot, Subject.name)
        .join(Subject, Subject.id == TimetableSlot.subject_id)
        .where(TimetableSlot.school_id == ctx.school.id, TimetableSlot.class_id == klass.id)
        .order_by(TimetableSlot.period)
    ).all()
    lessons = {
        (lesson.slot_id, lesson.date): lesson
        for lesson in db.session.scalars(
            sa.select(Lesson).where(
                Lesson.school_id == ctx.school.id,
                Lesson.class_id == klass.id,
                Lesson.date >= monday,
                Lesson.date <= sunday,
            )
        )
    }
    topics: dict[int, list[str]] = {}
    for topic in db.session.scalars(
        sa.select(LessonTopic)
        .where(
            LessonTopic.school_id == ctx.school.id,
            LessonTopic.lesson_id.in_([lesson.id for lesson in lessons.values()] or [0]),
        )
        .order_by(LessonTopic.lesson_id, LessonTopic.position)
    ):
        topics.setdefault(topic.lesson_id, []).append(topic.title)
    off = db.session.execute(
        sa.select(NonSchoolDay.date_from, NonSchoolDay.date_to, NonSchoolDay.name).where(
            NonSchoolDay.school_year_id == year.id,
            NonSchoolDay.date_from <= sunday,
            NonSchoolDay.date_to >= monday,
            NonSchoolDay.grade_from <= klass.grade_level,
            NonSchoolDay.grade_to >= klass.grade_level,
        )
    ).all()
    bells = {
        b.period: (b.starts_at, b.ends_at)
        for b in db.session.scalars(
            sa.select(BellTime).where(
                BellTime.school_id == ctx.school.id, BellTime.shift == klass.shift
            )
        )
    }
    subjects = {
        s.id: s.name
        for s in db.session.scalars(sa.select(Subject).where(Subject.school_id == ctx.school.id))
    }
    weekdays = {1, 2, 3, 4, 5} | {s.weekday for s, _n in slots}
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        if day.isoweekday() not in weekdays:
            continue
        holiday = next((name for a, b, name in off if a <= day <= b), "")
        entries: list[dict[str, Any]] = []
        if not holiday and year.starts_on <= day <= year.ends_on:
            for slot, subject in slots:
                if not slot_runs_on(slot, year, day):
                    continue
                lesson = lessons.get((slot.id, day))
                start, end = (
                    (slot.starts_at, slot.ends_at)
                    if slot.starts_at
                    else bells.get(slot.period, (None, None))
                )
                entries.append(
                    {
                        "lesson_id": lesson.id if lesson else None,
                        "period": slot.period,
                        "start": start,
                        "end": end,
                        "subject": subject,
                        "topics": topics.get(lesson.id, []) if lesson else [],
                    }
                )
        for (slot_id, date), lesson in lessons.items():
            if slot_id is None and date == day:  # its timetable row is gone: the record stays
                entries.append(
                    {
                        "lesson_id": lesson.id,
                        "period": lesson.period,
                        "start": None,
                        "end": None,
                        "subject": subjects.get(lesson.subject_id, ""),
                        "topics": topics.get(lesson.id, []),
                    }
                )
        entries.sort(key=lambda e: e["period"])
        days.append(
            {
                "date": day,
                "name": rules.WEEKDAYS_BG[day.isoweekday() - 1],
                "today": day == today,
                "off": holiday,
                "lessons": entries,
            }
        )
    return out
