"""The lesson row of a slot on a date: found, made once, kept when the timetable row goes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gradebook.lessons import find_lesson
from gradebook.lessons import lesson_for
from gradebook.lessons import slot_runs_on
from models import Lesson
from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db


def _slot_and_year() -> tuple[TimetableSlot, SchoolYear]:
    slot = db.session.scalars(sa.select(TimetableSlot).order_by(TimetableSlot.id)).first()
    assert slot is not None
    klass = db.session.get(SchoolClass, slot.class_id)
    assert klass is not None
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return slot, year


def _first_day(slot: TimetableSlot, year: SchoolYear) -> dt.date:
    day = year.starts_on
    while not slot_runs_on(slot, year, day):
        day += dt.timedelta(days=1)
    return day


def test_lesson_is_made_once_and_found_again(school_app) -> None:
    slot, year = _slot_and_year()
    day = _first_day(slot, year)
    assert find_lesson(slot, day) is None
    made = lesson_for(slot, day)
    db.session.commit()
    assert lesson_for(slot, day).id == made.id
    assert (made.class_id, made.curriculum_id, made.period) == (
        slot.class_id,
        slot.curriculum_id,
        slot.period,
    )
    assert made.school_year_id == year.id


def test_a_second_insert_of_the_same_lesson_takes_the_first_row(school_app) -> None:
    slot, year = _slot_and_year()
    day = _first_day(slot, year)
    first = lesson_for(slot, day)
    db.session.commit()
    # another request made it between this one's lookup and its insert
    db.session.add(
        Lesson(
            school_id=slot.school_id,
            school_year_id=year.id,
            slot_id=slot.id,
            date=day + dt.timedelta(days=7),
            period=slot.period,
            class_id=slot.class_id,
            curriculum_id=slot.curriculum_id,
            subject_id=slot.subject_id,
        )
    )
    db.session.commit()
    assert lesson_for(slot, day + dt.timedelta(days=7)).id != first.id
    # (the demo's substitutions have lessons of their own)
    made = sa.and_(Lesson.slot_id == slot.id, Lesson.date.in_((day, day + dt.timedelta(days=7))))
    assert db.session.scalar(sa.select(sa.func.count()).where(made)) == 2


def test_the_lesson_outlives_its_timetable_row(school_app) -> None:
    slot, year = _slot_and_year()
    made = lesson_for(slot, _first_day(slot, year))
    db.session.commit()
    db.session.delete(slot)
    db.session.commit()
    kept = db.session.get(Lesson, made.id)
    assert kept is not None and kept.slot_id is None and kept.curriculum_id


def test_a_slot_runs_on_its_weekday_inside_its_year_and_term(school_app) -> None:
    slot, year = _slot_and_year()
    day = _first_day(slot, year)
    assert slot_runs_on(slot, year, day)
    assert not slot_runs_on(slot, year, day + dt.timedelta(days=1))  # another weekday
    assert not slot_runs_on(slot, year, year.starts_on - dt.timedelta(days=7))  # before the year
    slot.term = 2
    assert not slot_runs_on(slot, year, day) or day >= year.term2_starts_on
