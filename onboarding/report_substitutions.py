"""Reports of teacher absences and substitutions for a month (the admin's):

* ``substitutions``: every lesson of an absent teacher in the month — the day, the period, the
  class and subject, who was absent, what happened (the Ministry's code and its words) and who
  taught it; the notes sum it up per absent teacher (absent school days, lessons by kind) and per
  substitute (lessons taught);
* ``lessons-held``: per teacher, the month's lessons by the timetable (school days only) and how
  many were held: by the teacher, by a substitute, not held (free hours), still waiting for a
  decision; and the lessons the teacher taught as a substitute. A free hour is not held; a
  substituted lesson is held, by the substitute (``rules.substitutions.is_held``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from gradebook.rules import substitutions as sub_rules
from models import Curriculum
from models import Lesson
from models import NonSchoolDay
from models import SchoolClass
from models import StaffUser
from models import Substitution
from models import TeacherAbsence
from models import TimetableSlot
from models import db
from onboarding.report_base import Report
from onboarding.report_base import ReportError
from onboarding.report_base import scope_of

WAITING_BG = "чака решение"


def _month(year: int | None, month: int | None) -> tuple[dt.date, dt.date]:
    today = clock.today()
    year, month = year or today.year, month or today.month
    if not 1 <= month <= 12:
        raise ReportError("bad month", "Невалиден месец.")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _names(school_id: int) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(StaffUser.id, StaffUser.full_name).where(
                StaffUser.id.in_(
                    sa.select(TimetableSlot.teacher_id).where(TimetableSlot.school_id == school_id)
                )
                | StaffUser.id.in_(
                    sa.select(Curriculum.teacher_id).where(Curriculum.school_id == school_id)
                )
                | StaffUser.id.in_(
                    sa.select(Substitution.substitute_id).where(Substitution.school_id == school_id)
                )
                | StaffUser.id.in_(
                    sa.select(TeacherAbsence.teacher_id).where(
                        TeacherAbsence.school_id == school_id
                    )
                )
            )
        ).all()
    )


def _absences(school_id: int, first: dt.date, last: dt.date) -> dict[int, list[TeacherAbsence]]:
    out: dict[int, list[TeacherAbsence]] = defaultdict(list)
    for absence in db.session.scalars(
        sa.select(TeacherAbsence).where(
            TeacherAbsence.school_id == school_id,
            TeacherAbsence.first_day <= last,
            TeacherAbsence.last_day >= first,
        )
    ):
        out[absence.teacher_id].append(absence)
    return out


def _covering(absences: list[TeacherAbsence], day: dt.date, period: int) -> TeacherAbsence | None:
    for a in absences:
        if sub_rules.period_in_absence(
            day, period, a.first_day, a.last_day, a.from_period, a.to_period
        ):
            return a
    return None


def _planned(school_id: int, first: dt.date, last: dt.date) -> dict[int, list[Any]]:
    """Teacher id → the timetable's lessons of the month on school days: (day, period, slot)."""
    scope = scope_of(school_id)
    year = scope.year
    classes = {c.id: c for c in scope.classes}
    off: dict[int, set[dt.date]] = defaultdict(set)
    for holiday in db.session.scalars(
        sa.select(NonSchoolDay).where(
            NonSchoolDay.school_year_id == year.id,
            NonSchoolDay.date_from <= last,
            NonSchoolDay.date_to >= first,
        )
    ):
        for klass in classes.values():
            if holiday.grade_from <= klass.grade_level <= holiday.grade_to:
                day = max(first, holiday.date_from)
                while day <= min(last, holiday.date_to):
                    off[klass.id].add(day)
                    day += dt.timedelta(days=1)
    by_teacher: dict[int, list[sub_rules.SlotRef]] = defaultdict(list)
    slots: dict[int, TimetableSlot] = {}
    for slot, owner in db.session.execute(
        sa.select(TimetableSlot, sa.func.coalesce(TimetableSlot.teacher_id, Curriculum.teacher_id))
        .join(Curriculum, Curriculum.id == TimetableSlot.curriculum_id)
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(TimetableSlot.school_id == school_id, SchoolClass.school_year_id == year.id)
    ):
        if owner is None:
            continue
        runs_from, runs_to = year.starts_on, year.ends_on
        if slot.term == 1:
            runs_to = year.term2_starts_on - dt.timedelta(days=1)
        elif slot.term == 2:
            runs_from = year.term2_starts_on
        slots[slot.id] = slot
        by_teacher[owner].append(
            sub_rules.SlotRef(slot.id, slot.weekday, slot.period, slot.class_id, runs_from, runs_to)
        )
    return {
        teacher: [
            (t.day, t.period, slots[t.slot_id])
            for t in sub_rules.touched_lessons(refs, first, last, days_off=off)
        ]
        for teacher, refs in by_teacher.items()
    }


def _month_substitutions(
    school_id: int, first: dt.date, last: dt.date
) -> list[tuple[Substitution, Lesson, int]]:
    return [
        (sub, lesson, teacher)
        for sub, lesson, teacher in db.session.execute(
            sa.select(Substitution, Lesson, TeacherAbsence.teacher_id)
            .join(Lesson, Lesson.id == Substitution.lesson_id)
            .join(TeacherAbsence, TeacherAbsence.id == Substitution.absence_id)
            .where(Substitution.school_id == school_id, Lesson.date >= first, Lesson.date <= last)
            .order_by(Lesson.date, Lesson.period, Lesson.class_id)
        )
    ]


def substitutions(
    school_id: int, year: int | None = None, month: int | None = None, **_: Any
) -> Report:
    first, last = _month(year, month)
    scope = scope_of(school_id)
    names = _names(school_id)
    planned = _planned(school_id, first, last)
    absences = _absences(school_id, first, last)
    assigned = {
        (lesson.slot_id, lesson.date): (sub, lesson)
        for sub, lesson, _t in _month_substitutions(school_id, first, last)
    }
    class_names = {c.id: c.name for c in scope.classes}
    rows: list[list[Any]] = []
    kinds_of: dict[int, Counter[str]] = defaultdict(Counter)
    days_of: dict[int, set[dt.date]] = defaultdict(set)
    taught: Counter[str] = Counter()
    for teacher, own in sorted(absences.items(), key=lambda item: names.get(item[0], "")):
        for day, period, slot in planned.get(teacher, []):
            if _covering(own, day, period) is None:
                continue
            days_of[teacher].add(day)
            found = assigned.get((slot.id, day))
            sub = found[0] if found else None
            kind_bg = sub_rules.KIND_BG[sub.kind] if sub else WAITING_BG
            who = ""
            if sub is not None:
                who = names.get(sub.substitute_id or 0, "") or (sub.external_name or "")
                if sub.kind != sub_rules.FREE_HOUR and who:
                    taught[who] += 1
            kinds_of[teacher][kind_bg] += 1
            rows.append(
                [
                    day,
                    period,
                    class_names.get(slot.class_id, ""),
                    slot.subject.name,
                    names.get(teacher, ""),
                    sub.kind if sub else None,
                    kind_bg,
                    who or "—",
                ]
            )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    notes = []
    for teacher in sorted(days_of, key=lambda t: names.get(t, "")):
        parts = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds_of[teacher].items()))
        notes.append(
            f"{names.get(teacher, '')}: отсъства {sub_rules.school_days_bg(len(days_of[teacher]))}, "
            f"{sub_rules.lessons_bg(sum(kinds_of[teacher].values()))} ({parts})."
        )
    for who, count in sorted(taught.items()):
        notes.append(f"Замества: {who} — {sub_rules.lessons_bg(count)}.")
    if not rows:
        notes.append("През месеца няма часове на отсъстващи учители.")
    notes.append(
        "Кодове на МОН за часовете при отсъствие на учител: 1 свободен час (не се провежда), "
        "2 заместник неспециалист, 3 заместник специалист, 4 външен лектор."
    )
    return Report(
        "substitutions",
        "Заместване за месец",
        scope.school.name,
        rules.month_year_bg(first.year, first.month),
        ["Дата", "Час", "Клас", "Предмет", "Отсъстващ учител", "Код", "Вид", "Преподавал"],
        rows,
        notes=notes,
    )


def lessons_held(
    school_id: int, year: int | None = None, month: int | None = None, **_: Any
) -> Report:
    first, last = _month(year, month)
    scope = scope_of(school_id)
    names = _names(school_id)
    planned = _planned(school_id, first, last)
    absences = _absences(school_id, first, last)
    month_subs = _month_substitutions(school_id, first, last)
    assigned = {(lesson.slot_id, lesson.date): sub for sub, lesson, _t in month_subs}
    as_substitute: Counter[int] = Counter(
        sub.substitute_id
        for sub, _lesson, _t in month_subs
        if sub.substitute_id is not None and sub_rules.is_held(sub.kind)
    )
    rows: list[list[Any]] = []
    teachers = set(planned) | set(as_substitute)
    for teacher in sorted(teachers, key=lambda t: names.get(t, "")):
        own = planned.get(teacher, [])
        by_self = by_other = free = waiting = 0
        for day, period, slot in own:
            if _covering(absences.get(teacher, []), day, period) is None:
                by_self += 1
                continue
            sub = assigned.get((slot.id, day))
            if sub is None:
                waiting += 1
            elif sub_rules.is_held(sub.kind):
                by_other += 1
            else:
                free += 1
        extra = as_substitute.get(teacher, 0)
        rows.append(
            [
                names.get(teacher, ""),
                len(own),
                by_self,
                by_other,
                free,
                waiting,
                extra,
                by_self + extra,
            ]
        )
    return Report(
        "lessons-held",
        "Проведени часове за месец",
        scope.school.name,
        rules.month_year_bg(first.year, first.month),
        [
            "Учител",
            "По програма",
            "Проведени от учителя",
            "Проведени от заместник",
            "Непроведени (свободен час)",
            "Чакат решение",
            "Като заместник",
            "Преподавал общо",
        ],
        rows,
        notes=[
            "По програма: часовете от седмичното разписание в учебните дни на месеца. Свободен "
            "час не е проведен; заместен час е проведен от заместника."
        ],
    )
