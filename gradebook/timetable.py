"""The school's time: the timetable slots, the bell times per shift, the non-school days
(holidays) and the year's settings (entry locks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import add_committed
from gradebook.core import admin_delete
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import get_in_school
from gradebook.core import int_in
from gradebook.core import parse_date
from gradebook.core import parse_time
from gradebook.core import read_field
from gradebook.core import require_admin
from gradebook.core import snapshot
from gradebook.messages import msg
from models import BellTime
from models import Curriculum
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db


def non_school_day(year: SchoolYear, day: dt.date, grade_level: int) -> NonSchoolDay | None:
    return db.session.scalar(
        sa.select(NonSchoolDay).where(
            NonSchoolDay.school_year_id == year.id,
            NonSchoolDay.date_from <= day,
            NonSchoolDay.date_to >= day,
            NonSchoolDay.grade_from <= grade_level,
            NonSchoolDay.grade_to >= grade_level,
        )
    )


def school_day_problem(year: SchoolYear, day: dt.date, klass: SchoolClass) -> Invalid | None:
    """Why ``day`` holds no lessons of ``klass``, or None: a non-school day of the year (holiday,
    break, a day off for some grades), or a Saturday or Sunday on which the class has no lesson
    in the timetable. The one calendar rule of every entry dated to a lesson day (a grade, the
    lesson register)."""
    holiday = non_school_day(year, day, klass.grade_level)
    if holiday is not None:
        return Invalid(
            msg("absence.non_school_day", date=rules.format_date_bg(day), name=holiday.name),
            {"date": msg("absence.non_school_day_field")},
        )
    if day.isoweekday() >= 6 and not db.session.scalar(
        sa.select(TimetableSlot.id)
        .where(TimetableSlot.class_id == klass.id, TimetableSlot.weekday == day.isoweekday())
        .limit(1)
    ):
        return Invalid(
            msg(
                "calendar.day_off",
                date=rules.format_date_bg(day),
                weekday=rules.WEEKDAYS_BG[day.isoweekday() - 1],
            ),
            {"date": msg("calendar.day_off_field")},
        )
    return None


def save_year_settings(
    actor: Actor,
    *,
    month_lock_day: str | int | None,
    future_entry_lock: bool,
    starts_on: dt.date | str | None = None,
    term2_starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None,
) -> SchoolYear:
    """Lock settings and (optionally) the dates of the year from the ministerial order."""

    def work() -> SchoolYear:
        require_admin(actor)
        year = current_year(actor.school_id)
        dates = {}
        for key, raw in (
            ("starts_on", starts_on),
            ("term2_starts_on", term2_starts_on),
            ("ends_on", ends_on),
        ):
            dates[key] = parse_date(raw, key) if raw else getattr(year, key)
        if not dates["starts_on"] < dates["term2_starts_on"] < dates["ends_on"]:
            raise Invalid(
                msg("year.dates_order"),
                {"term2_starts_on": msg("year.term2_start")},
            )
        day: int | None = None
        if month_lock_day not in (None, ""):
            try:
                day = int(month_lock_day)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                day = -1
            if not 1 <= day <= 28:
                raise Invalid(msg("year.invalid_day"), {"month_lock_day": msg("year.day_range")})
        before = snapshot(year)
        year.month_lock_day, year.future_entry_lock = day, future_entry_lock
        for key, value in dates.items():
            setattr(year, key, value)
        db.session.flush()
        audit(actor, "update", year, before=before, after=snapshot(year))
        commit_refreshed()
        return year

    return atomic(work)


def add_timetable_slot(
    actor: Actor,
    *,
    class_id: int,
    curriculum_id: int,
    weekday: Any,
    period: Any,
    term: Any = None,
    room: str = "",
) -> TimetableSlot:
    """One lesson of the weekly timetable; a class has one lesson per day and period (per term),
    a teacher cannot teach two classes at once."""

    def work() -> TimetableSlot:
        require_admin(actor)
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        curriculum = get_in_school(Curriculum, curriculum_id, actor.school_id)
        if curriculum.class_id != klass.id:
            raise Invalid(msg("timetable.not_in_curriculum"), {"curriculum_id": "—"})
        errors: dict[str, str] = {}
        day = read_field(errors, lambda: int_in(weekday, 1, 7, "weekday", msg("common.choose_day")))
        number = read_field(
            errors, lambda: int_in(period, 0, 15, "period", msg("timetable.period_range"))
        )
        the_term = None if term in (None, "", "0", 0) else term
        if the_term is not None:
            the_term = read_field(
                errors, lambda: int_in(the_term, 1, 2, "term", msg("timetable.term_range"))
            )
        check_fields(errors)
        same_time = sa.and_(
            TimetableSlot.weekday == day,
            TimetableSlot.period == number,
            sa.or_(
                TimetableSlot.term.is_(None),
                sa.true() if the_term is None else TimetableSlot.term == the_term,
            ),
        )
        clash = db.session.scalar(
            sa.select(TimetableSlot.id).where(TimetableSlot.class_id == klass.id, same_time)
        )
        if clash and not curriculum.group_name:
            raise Invalid(msg("timetable.class_busy"), {"period": msg("timetable.class_busy")})
        if curriculum.teacher_id:
            busy = db.session.scalar(
                sa.select(TimetableSlot.id)
                .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
                .where(
                    TimetableSlot.teacher_id == curriculum.teacher_id,
                    TimetableSlot.school_id == actor.school_id,
                    SchoolClass.shift == klass.shift,
                    same_time,
                )
            )
            if busy:
                raise Invalid(
                    msg("timetable.teacher_busy"), {"period": msg("timetable.teacher_busy")}
                )
        slot = TimetableSlot(
            school_id=actor.school_id,
            class_id=klass.id,
            term=the_term,
            weekday=day,
            period=number,
            curriculum_id=curriculum.id,
            subject_id=curriculum.subject_id,
            teacher_id=curriculum.teacher_id,
            room=(room or "").strip()[:20],
        )
        return add_committed(actor, slot)

    return atomic(work)


def delete_timetable_slot(actor: Actor, slot_id: int) -> int:
    """Remove a lesson from the timetable (admin); returns its class."""
    return admin_delete(actor, TimetableSlot, slot_id, lambda slot: slot.class_id)


def save_bell_time(actor: Actor, *, shift: Any, period: Any, starts_at: Any, ends_at: Any) -> None:
    def work() -> None:
        require_admin(actor)
        the_shift = int_in(shift, 1, 2, "shift", msg("class.shift_range"))
        number = int_in(period, 0, 15, "period", msg("timetable.period_range"))
        start = parse_time(starts_at, "starts_at", True)
        end = parse_time(ends_at, "ends_at", True)
        assert start is not None and end is not None
        if start >= end:
            raise Invalid(msg("bell.end_before_start"), {"ends_at": msg("bell.end_before_start")})
        bell = db.session.scalar(
            sa.select(BellTime).where(
                BellTime.school_id == actor.school_id,
                BellTime.shift == the_shift,
                BellTime.period == number,
            )
        )
        before = snapshot(bell) if bell else None
        if bell is None:
            bell = BellTime(school_id=actor.school_id, shift=the_shift, period=number)
            db.session.add(bell)
        bell.starts_at, bell.ends_at = start, end
        db.session.flush()
        audit(actor, "update" if before else "create", bell, before=before, after=snapshot(bell))
        commit_refreshed()

    atomic(work)


def add_non_school_day(
    actor: Actor,
    *,
    date_from: Any,
    date_to: Any,
    name: str,
    grade_from: Any = 0,
    grade_to: Any = 12,
) -> NonSchoolDay:
    def work() -> NonSchoolDay:
        require_admin(actor)
        year = current_year(actor.school_id)
        errors: dict[str, str] = {}
        start = read_field(errors, lambda: parse_date(date_from, "date_from"))
        end = read_field(errors, lambda: parse_date(date_to or date_from, "date_to"))
        if start and end and end < start:
            errors["date_to"] = msg("date.end_before_start")
        if start and not year.starts_on <= start <= year.ends_on:
            errors["date_from"] = msg("date.outside_year")
        the_name = (name or "").strip()
        if not the_name:
            errors["name"] = msg("non_school_day.name_required")
        try:
            low = int_in(grade_from, 0, 12, "grade_from", msg("non_school_day.grade_range"))
            high = int_in(grade_to, 0, 12, "grade_to", msg("non_school_day.grade_range"))
            if low > high:
                errors["grade_to"] = msg("non_school_day.grade_order")
        except Invalid as exc:
            errors.update(exc.errors)
        check_fields(errors)
        day = NonSchoolDay(
            school_year_id=year.id,
            date_from=start,
            date_to=end,
            name=the_name[:200],
            grade_from=low,
            grade_to=high,
        )
        return add_committed(actor, day)

    return atomic(work)


def delete_non_school_day(actor: Actor, day_id: int) -> None:
    def work() -> None:
        require_admin(actor)
        day = db.session.get(NonSchoolDay, day_id)
        if day is None or day.school_year.school_id != actor.school_id:
            raise NotFound(msg("common.not_found"))
        audit(actor, "delete", day, before=snapshot(day), after=None)
        db.session.delete(day)
        commit_refreshed()

    atomic(work)
