"""Demo data of teacher absences and substitutions: in each demo school one teacher is absent on
today's and the next school day (when both are in the school year), and each of their lessons
gets one of the Ministry's kinds in turn — a specialist (a teacher of the same subject when one is
free), a non-specialist, one free hour, an external lecturer — with substitutes who are free at
that period. Today's pupil absences of those lessons are the substitute's (a free hour has none).
So ``make run`` shows it on the substitute's, the absent teacher's and the director's "Днес"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from gradebook.rules import substitutions as sub_rules
from models import Absence
from models import Curriculum
from models import Lesson
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import Substitution
from models import TeacherAbsence
from models import TeacherAbsenceReason
from models import TimetableSlot
from models import db

# the first four lessons: one of each kind; the rest alternate specialist / non-specialist
KIND_ORDER = (
    sub_rules.SPECIALIST,
    sub_rules.NON_SPECIALIST,
    sub_rules.FREE_HOUR,
    sub_rules.EXTERNAL,
)
LATER_KINDS = (sub_rules.SPECIALIST, sub_rules.NON_SPECIALIST)
EXTERNAL_NAME = "Мария Петрова (външен лектор)"


def _school_days(year: SchoolYear, today: dt.date, holidays: set[dt.date]) -> list[dt.date]:
    days: list[dt.date] = []
    day = max(today, year.starts_on)
    while len(days) < 2 and day <= year.ends_on and day <= today + dt.timedelta(days=10):
        if day.isoweekday() <= 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def add_substitutions(school_id: int, today: dt.date, bulk: bool = False) -> None:
    """One teacher's two-day absence with its lessons assigned (see the module's docstring);
    in ``bulk`` mode (no indexes on the absences yet) the pupils' absences stay as they are."""
    db.session.flush()
    year = db.session.scalar(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)
        )
    )
    if year is None:
        return
    holidays: set[dt.date] = set()
    for a, b in db.session.execute(
        sa.select(NonSchoolDay.date_from, NonSchoolDay.date_to).where(
            NonSchoolDay.school_year_id == year.id
        )
    ):
        while a <= b:
            holidays.add(a)
            a += dt.timedelta(days=1)
    days = _school_days(year, today, holidays)
    if len(days) < 2:
        return
    slots = [
        (slot, teacher)
        for slot, teacher in db.session.execute(
            sa.select(TimetableSlot, Curriculum.teacher_id)
            .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
            .join(Curriculum, Curriculum.id == TimetableSlot.curriculum_id)
            .where(TimetableSlot.school_id == school_id, SchoolClass.school_year_id == year.id)
            .order_by(TimetableSlot.id)
        )
        if (slot.teacher_id or teacher) is not None
    ]
    by_teacher: dict[int, list[TimetableSlot]] = defaultdict(list)
    subject_teachers: dict[int, set[int]] = defaultdict(set)
    for slot, teacher in slots:
        owner = slot.teacher_id or teacher
        by_teacher[owner].append(slot)
        subject_teachers[slot.subject_id].add(owner)

    def runs(slot: TimetableSlot, day: dt.date) -> bool:
        return slot.weekday == day.isoweekday() and (slot.term in (None, year.term_of(day)))

    def lessons_of(teacher: int) -> list[tuple[dt.date, TimetableSlot]]:
        return sorted(
            ((d, s) for s in by_teacher[teacher] for d in days if runs(s, d)),
            key=lambda item: (item[0], item[1].period),
        )

    candidates = [t for t in sorted(by_teacher) if len(lessons_of(t)) >= 4]
    if not candidates:
        return
    absent = max(candidates, key=lambda t: (sum(1 for d, _s in lessons_of(t) if d == days[0]), -t))
    busy: set[tuple[int, dt.date, int]] = {
        (teacher, day, slot.period)
        for teacher, own in by_teacher.items()
        for slot in own
        for day in days
        if runs(slot, day)
    }
    absence = TeacherAbsence(
        school_id=school_id,
        school_year_id=year.id,
        teacher_id=absent,
        first_day=days[0],
        last_day=days[1],
        reason=TeacherAbsenceReason.ILLNESS,
        comment="болничен лист",
    )
    db.session.add(absence)
    db.session.flush()
    others = [t for t in sorted(by_teacher) if t != absent]
    for number, (day, slot) in enumerate(lessons_of(absent)):
        kind = KIND_ORDER[number] if number < len(KIND_ORDER) else LATER_KINDS[number % 2]
        substitute = None
        if kind in sub_rules.WITH_STAFF_SUBSTITUTE:
            pool = others
            if kind == sub_rules.SPECIALIST:
                pool = [t for t in others if t in subject_teachers[slot.subject_id]] + others
            substitute = next((t for t in pool if (t, day, slot.period) not in busy), None)
            if substitute is None:
                kind = sub_rules.FREE_HOUR
            else:
                busy.add((substitute, day, slot.period))
        lesson = db.session.scalar(
            sa.select(Lesson).where(Lesson.slot_id == slot.id, Lesson.date == day)
        )
        if lesson is None:
            lesson = Lesson(
                school_id=school_id,
                school_year_id=year.id,
                slot_id=slot.id,
                date=day,
                period=slot.period,
                class_id=slot.class_id,
                curriculum_id=slot.curriculum_id,
                subject_id=slot.subject_id,
                teacher_id=absent,
            )
            db.session.add(lesson)
            db.session.flush()
        db.session.add(
            Substitution(
                school_id=school_id,
                absence_id=absence.id,
                lesson_id=lesson.id,
                kind=kind,
                substitute_id=substitute,
                external_name=EXTERNAL_NAME if kind == sub_rules.EXTERNAL else None,
            )
        )
        if bulk:
            continue
        pupils = sa.select(Absence.id).where(
            Absence.school_id == school_id,
            Absence.date == day,
            Absence.period == slot.period,
            Absence.curriculum_id == slot.curriculum_id,
        )
        if kind == sub_rules.FREE_HOUR:
            db.session.execute(sa.delete(Absence).where(Absence.id.in_(pupils)))
        elif substitute is not None:
            db.session.execute(
                sa.update(Absence).where(Absence.id.in_(pupils)).values(teacher_id=substitute)
            )
    db.session.flush()
