"""Lessons as they happen: the ``Lesson`` row of one timetable slot on one date.

The topics, homework and substitutions of the class book hang on a ``Lesson``; this module is the
one place that finds or makes that row, so that every topic module agrees on what "the lesson of
slot 12 on 03.12.2026" is. A slot runs on a date when the date is a day of its weekday inside the
class's school year and, for a slot of one term, inside that term; whether the day is a school day
(holidays, the end of classes) is ``gradebook.timetable.school_day_problem``'s question."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import Lesson
from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db


def slot_runs_on(slot: TimetableSlot, year: SchoolYear, day: dt.date) -> bool:
    """True when ``slot`` is in the timetable on ``day`` (weekday, school year, term)."""
    if day.isoweekday() != slot.weekday or not year.starts_on <= day <= year.ends_on:
        return False
    return slot.term is None or slot.term == year.term_of(day)


def find_lesson(slot: TimetableSlot, day: dt.date) -> Lesson | None:
    """The lesson row of ``slot`` on ``day`` if anything has been written about it."""
    return db.session.scalar(
        sa.select(Lesson).where(
            Lesson.school_id == slot.school_id, Lesson.slot_id == slot.id, Lesson.date == day
        )
    )


def lesson_for(slot: TimetableSlot, day: dt.date) -> Lesson:
    """The lesson row of ``slot`` on ``day``, made (flushed, not committed) when missing.

    Two requests that make the same lesson at once meet the unique (slot, date) constraint: the
    second one's insert is rolled back to a savepoint and it takes the first one's row."""
    found = find_lesson(slot, day)
    if found is not None:
        return found
    klass = db.session.get(SchoolClass, slot.class_id)
    assert klass is not None
    row = Lesson(
        school_id=slot.school_id,
        school_year_id=klass.school_year_id,
        slot_id=slot.id,
        date=day,
        period=slot.period,
        class_id=slot.class_id,
        curriculum_id=slot.curriculum_id,
        subject_id=slot.subject_id,
        teacher_id=slot.teacher_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = find_lesson(slot, day)
        if found is None:
            raise
        return found
    return row
