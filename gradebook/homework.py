"""Homework (домашна работа) given in a lesson: giving it on the lesson page, correcting it and
deleting it with a reason, the due date offered by default, and the lists of the teacher who gave
it and of a class.

Who may: whoever may take that lesson's register (``absences.can_take_register``: the teacher of
the curriculum row or of the slot, the class teacher, an admin); a homework whose timetable slot
is gone is changed by the row's teacher, the class teacher or an admin. Every write is audited,
respects the month and future locks of the lesson's date, needs a school day for the lesson and
for the due date, tells the families by their preferences (``NotifyEvent.HOMEWORK``) and refreshes
the read model of the class's pupils (the phone reads "за утре" from it). The due-date rules are
pure, in :mod:`gradebook.rules.homework`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gradebook import rules
from gradebook.absences import can_take_register
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import active_enrollments
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import delete_with_reason
from gradebook.core import edit_with_reason
from gradebook.core import get_in_school
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.lessons import find_lesson
from gradebook.lessons import lesson_for
from gradebook.lessons import slot_runs_on
from gradebook.messages import msg
from gradebook.timetable import school_day_problem
from models import Homework
from models import Lesson
from models import NonSchoolDay
from models import NotifyEvent
from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db
from notify import outbox

TEXT_LIMIT = 1000
OBJECT_TYPE = "homework"


# --- reads -----------------------------------------------------------------------------------
def lesson_days(curriculum_id: int) -> list[tuple[int, int | None]]:
    """The weekly slots of a curriculum row as (weekday, term)."""
    return [
        (weekday, term)
        for weekday, term in db.session.execute(
            sa.select(TimetableSlot.weekday, TimetableSlot.term).where(
                TimetableSlot.curriculum_id == curriculum_id
            )
        )
    ]


def days_off(year: SchoolYear, klass: SchoolClass) -> list[tuple[dt.date, dt.date]]:
    """The year's non-school days of the class's grade as (from, to) ranges."""
    return [
        (start, end)
        for start, end in db.session.execute(
            sa.select(NonSchoolDay.date_from, NonSchoolDay.date_to).where(
                NonSchoolDay.school_year_id == year.id,
                NonSchoolDay.grade_from <= klass.grade_level,
                NonSchoolDay.grade_to >= klass.grade_level,
            )
        )
    ]


def default_due(slot: TimetableSlot, day: dt.date) -> dt.date | None:
    """The next lesson of the slot's curriculum row on a school day after ``day``."""
    klass = slot.school_class
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return rules.default_due_date(
        day,
        lesson_days(slot.curriculum_id),
        term2_starts_on=year.term2_starts_on,
        ends_on=year.ends_on,
        days_off=days_off(year, klass),
    )


def for_lesson(slot: TimetableSlot, day: dt.date) -> list[Homework]:
    """The homework given in the lesson of ``slot`` on ``day`` (none when nothing was written)."""
    lesson = find_lesson(slot, day)
    if lesson is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Homework)
            .where(Homework.school_id == slot.school_id, Homework.lesson_id == lesson.id)
            .order_by(Homework.id)
        )
    )


def given_by(actor: Actor) -> list[Homework]:
    """The homework the actor gave this school year, newest first (the teacher's list)."""
    year = current_year(actor.school_id)
    return list(
        db.session.scalars(
            sa.select(Homework)
            .where(
                Homework.school_id == actor.school_id,
                Homework.school_year_id == year.id,
                Homework.teacher_id == actor.staff_id,
            )
            .order_by(Homework.date.desc(), Homework.id.desc())
            .options(sa.orm.joinedload(Homework.school_class), sa.orm.joinedload(Homework.subject))
        )
    )


def of_class(actor: Actor, class_id: int) -> tuple[SchoolClass, list[Homework]]:
    """A class's homework, newest first: for its class teacher, its teachers and admins."""
    klass = get_in_school(SchoolClass, class_id, actor.school_id)
    if not actor.can_view_class(klass.id):
        raise Forbidden(msg("homework.class_forbidden"))
    items = list(
        db.session.scalars(
            sa.select(Homework)
            .where(Homework.school_id == actor.school_id, Homework.class_id == klass.id)
            .order_by(Homework.due_on.desc(), Homework.id.desc())
            .options(sa.orm.joinedload(Homework.subject), sa.orm.joinedload(Homework.teacher))
        )
    )
    return klass, items


# --- rights and checks ------------------------------------------------------------------------
def can_change(actor: Actor, homework: Homework) -> bool:
    """The lesson's register-takers change its homework; without a slot, the row's teacher, the
    class teacher or an admin."""
    lesson = db.session.get(Lesson, homework.lesson_id)
    slot = lesson.slot if lesson is not None else None
    if slot is not None and lesson is not None:
        return can_take_register(actor, slot, lesson.date)
    return actor.can_manage_class(homework.class_id) or (
        homework.curriculum_id in actor.curriculum_ids
    )


def _check_change(actor: Actor, homework: Homework) -> None:
    if not can_change(actor, homework):
        raise Forbidden(msg("homework.edit_forbidden"))


def _due(
    errors: dict[str, str],
    raw: str | dt.date | None,
    given_on: dt.date,
    year: SchoolYear,
    klass: SchoolClass,
    default: dt.date | None,
) -> dt.date | None:
    """The due date typed (or ``default`` when left empty), checked: after the day it is given,
    within the year, on a school day of the class."""
    if raw in (None, ""):
        if default is None:
            errors["due_on"] = msg("homework.no_lesson_due")
            return None
        return default
    due = read_field(errors, lambda: parse_date(raw, "due_on"))
    if due is None:
        return None
    problem = rules.due_date_problem(given_on, due, year.ends_on)
    if problem == rules.DUE_NOT_AFTER:
        errors["due_on"] = msg("homework.due_not_after_field")
        raise Invalid(msg("homework.due_not_after", date=rules.format_date_bg(given_on)), errors)
    if problem == rules.DUE_AFTER_YEAR:
        errors["due_on"] = msg("homework.due_after_year_field")
        raise Invalid(
            msg("homework.due_after_year", date=rules.format_date_bg(year.ends_on)), errors
        )
    off = school_day_problem(year, due, klass)
    if off is not None:
        errors["due_on"] = msg("homework.due_day_off_field")
        raise Invalid(msg("homework.due_day_off", why=off.message_bg), errors)
    return due


def _pupils(class_id: int) -> list[int]:
    return [e.student_id for e in active_enrollments(class_id)]


def _notify(actor: Actor, homework: Homework, pupils: list[int], *, changed: bool) -> None:
    outbox.enqueue_many(
        [
            outbox.Notice(
                object_type=OBJECT_TYPE,
                object_id=homework.id,
                student_ids=tuple(pupils),
                event=NotifyEvent.HOMEWORK,
                payload={
                    "subject": homework.subject.name,
                    "text": homework.text,
                    "date": homework.date.isoformat(),
                    "due_on": homework.due_on.isoformat(),
                    "due_bg": rules.format_date_bg(homework.due_on),
                    "changed": changed,
                },
            )
        ],
        school_id=actor.school_id,
    )


# --- writes ----------------------------------------------------------------------------------
def give_homework(
    actor: Actor,
    slot_id: int,
    *,
    date: str | dt.date,
    text: str,
    due_on: str | dt.date | None = None,
    override_lock: bool = False,
) -> Homework:
    """Give homework in the lesson of ``slot_id`` on ``date``, due on ``due_on`` (empty: the row's
    next lesson on a school day). The lesson row is made when missing (``lesson_for``)."""

    def work() -> Homework:
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        if not can_take_register(actor, slot):  # the day's substitute is asked again below
            try:
                substitute = can_take_register(actor, slot, parse_date(date))
            except Invalid:
                substitute = False
            if not substitute:
                raise Forbidden(msg("homework.forbidden"))
        klass = slot.school_class
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        errors: dict[str, str] = {}
        day = read_field(errors, lambda: parse_date(date))
        body = read_field(errors, lambda: clean_text(text, TEXT_LIMIT))
        check_fields(errors)
        assert day is not None and body is not None
        if not can_take_register(actor, slot, day):  # a free hour, or the absent teacher
            raise Forbidden(msg("homework.forbidden"))
        if not slot_runs_on(slot, year, day):
            raise Invalid(
                msg("homework.slot_not_on_day"), {"date": msg("homework.slot_not_on_day_field")}
            )
        check_lock(actor, year, day, override=override_lock, what="homework")
        problem = school_day_problem(year, day, klass)
        if problem is not None:
            raise problem
        default = default_due(slot, day) if due_on in (None, "") else None
        due = _due(errors, due_on, day, year, klass, default)
        check_fields(errors)
        assert due is not None
        lesson = lesson_for(slot, day)
        homework = add_audited(
            actor,
            Homework(
                school_id=actor.school_id,
                school_year_id=year.id,
                lesson_id=lesson.id,
                class_id=lesson.class_id,
                curriculum_id=lesson.curriculum_id,
                subject_id=lesson.subject_id,
                date=day,
                due_on=due,
                text=body,
                teacher_id=actor.staff_id,
            ),
        )
        pupils = _pupils(klass.id)
        _notify(actor, homework, pupils, changed=False)
        commit_refreshed((sid, year.id) for sid in pupils)
        return homework

    return atomic(work)


def edit_homework(
    actor: Actor,
    homework_id: int,
    *,
    text: str,
    due_on: str | dt.date | None,
    version: int | str | None,
    reason: str,
    override_lock: bool = False,
) -> Homework:
    """Correct the text or the due date of homework, with the edited version and a reason; the
    families are told again when either changed."""

    def work() -> Homework:
        homework = get_in_school(Homework, homework_id, actor.school_id)
        _check_change(actor, homework)
        klass = get_in_school(SchoolClass, homework.class_id, actor.school_id)
        year = db.session.get(SchoolYear, homework.school_year_id)
        assert year is not None
        check_lock(actor, year, homework.date, override=override_lock, what="homework edit")
        errors: dict[str, str] = {}
        body = read_field(errors, lambda: clean_text(text, TEXT_LIMIT))
        due = _due(errors, due_on, homework.date, year, klass, homework.due_on)
        check_fields(errors)
        before = (homework.text, homework.due_on)

        def change() -> None:
            homework.text = body or homework.text
            homework.due_on = due or homework.due_on

        edit_with_reason(actor, homework, version=version, reason=reason, change=change)
        pupils = _pupils(klass.id)
        if (homework.text, homework.due_on) != before:
            _notify(actor, homework, pupils, changed=True)
        commit_refreshed((sid, year.id) for sid in pupils)
        return homework

    return atomic(work)


def delete_homework(
    actor: Actor,
    homework_id: int,
    *,
    version: int | str | None,
    reason: str,
    override_lock: bool = False,
) -> None:
    """Delete homework with a reason: its pending notices are cancelled and the class's read
    model refreshed."""

    def withdraw(homework: Homework, _none: None, _why: str) -> list[tuple[int, int]]:
        outbox.cancel_for_object(OBJECT_TYPE, homework.id)
        return [(sid, homework.school_year_id) for sid in _pupils(homework.class_id)]

    delete_with_reason(
        actor,
        Homework,
        homework_id,
        reason=reason,
        version=version,
        check=lambda homework: _check_change(actor, homework),
        withdraw=withdraw,
        lock_what="homework delete",
        override_lock=override_lock,
    )
