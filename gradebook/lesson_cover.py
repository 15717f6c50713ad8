"""Who covers a lesson of an absent teacher (reads only): the one place the register, the grades,
"Днес" and the reports ask it, so that every part agrees.

A lesson is *covered* when an absence of its timetable teacher touches it (``TeacherAbsence``,
the periods of its first and last day counted); it is then either assigned (a ``Substitution``:
free hour, non-specialist, specialist, external lecturer) or still waiting for the admin. The
rules are :mod:`gradebook.rules.substitutions`; the writes are :mod:`gradebook.substitutions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gradebook.lessons import find_lesson
from gradebook.rules import substitutions as sub_rules
from models import Curriculum
from models import Lesson
from models import Substitution
from models import TeacherAbsence
from models import TimetableSlot
from models import db


@dataclass(frozen=True)
class Cover:
    """What happens to one lesson of an absent teacher."""

    absence_id: int
    absent_teacher_id: int
    kind: int | None  # the Ministry's code; None = touched by the absence, not assigned yet
    substitute_id: int | None
    external_name: str | None

    @property
    def held(self) -> bool:
        return sub_rules.is_held(self.kind)


def slot_teacher_id(slot: TimetableSlot) -> int | None:
    """The timetable's teacher of a slot (the slot's own, else its curriculum row's)."""
    if slot.teacher_id is not None:
        return slot.teacher_id
    return db.session.scalar(
        sa.select(Curriculum.teacher_id).where(Curriculum.id == slot.curriculum_id)
    )


def absence_touching(
    school_id: int, teacher_id: int, day: dt.date, period: int
) -> TeacherAbsence | None:
    """The absence of ``teacher_id`` that holds ``period`` on ``day``, if any."""
    for absence in db.session.scalars(
        sa.select(TeacherAbsence).where(
            TeacherAbsence.school_id == school_id,
            TeacherAbsence.teacher_id == teacher_id,
            TeacherAbsence.first_day <= day,
            TeacherAbsence.last_day >= day,
        )
    ):
        if sub_rules.period_in_absence(
            day, period, absence.first_day, absence.last_day, absence.from_period, absence.to_period
        ):
            return absence
    return None


def _of_substitution(sub: Substitution, absent_teacher_id: int) -> Cover:
    return Cover(sub.absence_id, absent_teacher_id, sub.kind, sub.substitute_id, sub.external_name)


def cover_of(slot: TimetableSlot, day: dt.date) -> Cover | None:
    """What happens to ``slot`` on ``day`` when its teacher is absent, else None."""
    lesson = find_lesson(slot, day)
    if lesson is not None:
        row = db.session.execute(
            sa.select(Substitution, TeacherAbsence.teacher_id)
            .join(TeacherAbsence, TeacherAbsence.id == Substitution.absence_id)
            .where(Substitution.lesson_id == lesson.id, Substitution.school_id == slot.school_id)
        ).first()
        if row is not None:
            return _of_substitution(row[0], row[1])
    teacher_id = slot_teacher_id(slot)
    if teacher_id is None:
        return None
    absence = absence_touching(slot.school_id, teacher_id, day, slot.period)
    if absence is None:
        return None
    return Cover(absence.id, teacher_id, None, None, None)


def substitutes_curriculum(school_id: int, staff_id: int, curriculum_id: int, day: dt.date) -> bool:
    """True when ``staff_id`` substitutes (non-specialist or specialist) a lesson of this
    curriculum row on ``day``: they may enter its grades dated that day."""
    return (
        db.session.scalar(
            sa.select(Substitution.id)
            .join(Lesson, Lesson.id == Substitution.lesson_id)
            .where(
                Substitution.school_id == school_id,
                Substitution.substitute_id == staff_id,
                Substitution.kind.in_(sub_rules.WITH_STAFF_SUBSTITUTE),
                Lesson.curriculum_id == curriculum_id,
                Lesson.date == day,
            )
            .limit(1)
        )
        is not None
    )


def covered_on(school_id: int, day: dt.date) -> list[tuple[Substitution, Lesson, int]]:
    """Every assigned substitution of the school on ``day``: (substitution, lesson, absent
    teacher id), by period."""
    return [
        (sub, lesson, teacher_id)
        for sub, lesson, teacher_id in db.session.execute(
            sa.select(Substitution, Lesson, TeacherAbsence.teacher_id)
            .join(Lesson, Lesson.id == Substitution.lesson_id)
            .join(TeacherAbsence, TeacherAbsence.id == Substitution.absence_id)
            .where(Substitution.school_id == school_id, Lesson.date == day)
            .order_by(Lesson.period, Lesson.class_id)
        )
    ]


def free_hours_by_class(
    school_id: int, class_ids: list[int], since: dt.date
) -> dict[int, dict[str, list[int]]]:
    """Class id → {ISO date: periods} of the free hours (lessons not held) from ``since`` on: what
    the phone line says of tomorrow's timetable (kept in the read model)."""
    out: dict[int, dict[str, list[int]]] = {}
    if not class_ids:
        return out
    for class_id, day, period in db.session.execute(
        sa.select(Lesson.class_id, Lesson.date, Lesson.period)
        .join(Substitution, Substitution.lesson_id == Lesson.id)
        .where(
            Substitution.school_id == school_id,
            Substitution.kind == sub_rules.FREE_HOUR,
            Lesson.class_id.in_(class_ids),
            Lesson.date >= since,
        )
        .order_by(Lesson.date, Lesson.period)
    ):
        out.setdefault(class_id, {}).setdefault(day.isoformat(), []).append(period)
    return out
