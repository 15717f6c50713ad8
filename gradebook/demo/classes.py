"""A demo school's structure for one school year: its staff and subjects, the year with its
vacations and ends of classes, the classes with their curricula and a clash-free timetable."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from gradebook.demo.data import CLASSES_END
from gradebook.demo.data import curriculum_for
from gradebook.demo.data import school_year_bounds
from gradebook.demo.data import vacations
from gradebook.demo.loader import Ids
from gradebook.demo.timetabling import timetable
from models import ClassesEnd
from models import Curriculum
from models import Enrollment
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import TimetableSlot

# A specialist's weekly lessons the demo hires for (the norm is 18–22 teaching hours a week)
TEACHING_LOAD = 22


@dataclass
class Staff:
    """A school's teachers and subjects: primary teachers, specialists, per subject its id and
    the specialists who teach it, and how many each subject needs (:func:`specialists_needed`)."""

    primary: list[int]
    specialists: list[int]
    subject_ids: dict[str, int] = field(default_factory=dict)
    specialist_of: dict[str, list[int]] = field(default_factory=dict)
    needed: dict[str, int] = field(default_factory=dict)


def lessons_a_week(hours: float) -> int:
    """A curriculum's weekly hours as timetable lessons (1,5 hours: two lessons)."""
    return int(round(hours + 0.01))


def specialists_needed(years: list[list[tuple[int, int]]]) -> dict[str, int]:
    """Per subject, the specialists its lessons need in the busiest of the years' sections
    (grade level, section) at :data:`TEACHING_LOAD` lessons a week each."""
    out: dict[str, int] = {}
    for sections in years:
        load: dict[str, int] = {}
        for level, _s in sections:
            for raw_name, hours in curriculum_for(level):
                if not raw_name.endswith("*"):
                    load[raw_name] = load.get(raw_name, 0) + lessons_a_week(hours)
        for name, lessons in load.items():
            out[name] = max(out.get(name, 1), -(-lessons // TEACHING_LOAD))
    return out


def add_subject(
    add: Callable[..., dict[str, Any]], ids: Ids, school_id: int, staff: Staff, name: str
) -> int:
    """The subject's id, created on first use with the specialists it needs (the next ones in
    the list: each teaches one subject while there are enough of them)."""
    if name in staff.subject_ids:
        return staff.subject_ids[name]
    sid = ids.take("subject")
    staff.subject_ids[name] = sid
    short = "".join(w[0] for w in name.split() if w[0].isupper() or len(w) > 3)[:6].upper()
    add(Subject, id=sid, school_id=school_id, name=name, short_name=short)
    pool = staff.specialists
    taken = sum(len(v) for v in staff.specialist_of.values())
    count = staff.needed.get(name, 1)
    staff.specialist_of[name] = [pool[(taken + i) % len(pool)] for i in range(count)]
    return sid


def enrol(
    add: Callable[..., dict[str, Any]],
    school_id: int,
    student_id: int,
    cls: dict[str, Any],
    number: int,
    start: dt.date,
    **left: Any,
) -> None:
    """A pupil's place (№ ``number``) in a class from ``start``; a past year's place passes
    ``left_on`` and ``left_reason`` too."""
    add(
        Enrollment,
        school_id=school_id,
        student_id=student_id,
        class_id=cls["id"],
        class_number=number,
        enrolled_on=start,
        **left,
    )


def add_year(
    add: Callable[..., dict[str, Any]], ids: Ids, school_id: int, day: dt.date, current: bool
) -> tuple[int, set[dt.date]]:
    """The school year ``day`` falls in, with its vacations and ends of classes; returns its id
    and the set of days off."""
    first, start, term2, end = school_year_bounds(day)
    year_id = ids.take("school_year")
    add(
        SchoolYear,
        id=year_id,
        school_id=school_id,
        name=f"{first}/{first + 1}",
        starts_on=start,
        term2_starts_on=term2,
        ends_on=end,
        is_current=current,
        month_lock_day=5,
        future_entry_lock=True,
    )
    holidays: set[dt.date] = set()
    for a, b, name in vacations(first):
        add(NonSchoolDay, school_year_id=year_id, date_from=a, date_to=b, name=name)
        one = a
        while one <= b:
            holidays.add(one)
            one += dt.timedelta(days=1)
    for lo, hi, month, day_of_month in CLASSES_END:
        add(
            ClassesEnd,
            school_year_id=year_id,
            grade_from=lo,
            grade_to=hi,
            ends_on=dt.date(first + 1, month, day_of_month),
        )
    return year_id, holidays


@dataclass
class YearClasses:
    """The classes of one school year with their curricula and timetable slots."""

    classes: list[dict[str, Any]] = field(default_factory=list)
    by_section: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    curricula: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    slots: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def build_classes(
    rng: random.Random,
    add: Callable[..., dict[str, Any]],
    ids: Ids,
    school_id: int,
    year_id: int,
    sections: list[tuple[int, int]],
    staff: Staff,
) -> YearClasses:
    """Classes (grade level, section number), each with a curriculum for its grade band (each
    subject's lessons to its least busy specialist) and a weekly timetable with compact days
    that never puts a teacher in two rooms at once (:mod:`.timetabling`)."""
    letters = "абвг"
    year = YearClasses()
    load: dict[int, int] = {}  # lessons a week per teacher in this year
    lessons: dict[int, list[tuple[int, int, int]]] = {1: [], 2: []}  # per shift
    curricula: dict[int, dict[str, Any]] = {}
    # one class a class teacher: primary teachers take I–IV, the others V–XII from the last
    # (uchitel13, the first of them, stays a subject teacher only, as the README shows him)
    primary_pool = iter(staff.primary)
    homeroom_pool = iter(staff.specialists[::-1])
    for level, s in sections:
        cid = ids.take("school_class")
        shift = 2 if level <= 4 else 1
        homeroom = next(primary_pool if level <= 4 else homeroom_pool, None)
        cls = add(
            SchoolClass,
            id=cid,
            school_id=school_id,
            school_year_id=year_id,
            grade_level=level,
            name=f"{level}{letters[s]}",
            class_teacher_id=homeroom,
            shift=shift,
        )
        year.classes.append(cls)
        year.by_section[(level, s)] = cls
        year.curricula[cid] = []
        for raw_name, hours in curriculum_for(level):
            name = raw_name.rstrip("*")
            subject_id = add_subject(add, ids, school_id, staff, name)
            weekly = lessons_a_week(hours)
            if raw_name.endswith("*") and homeroom is not None:
                teacher = homeroom
            else:  # the subject's least busy specialist
                teacher = min(staff.specialist_of[name], key=lambda t: load.get(t, 0))
            load[teacher] = load.get(teacher, 0) + weekly
            cur = add(
                Curriculum,
                id=ids.take("curriculum"),
                school_id=school_id,
                class_id=cid,
                subject_id=subject_id,
                teacher_id=teacher,
                section="A",
                hours_term1=Decimal(str(hours)),
                hours_term2=Decimal(str(hours)),
                group_name="",
            )
            year.curricula[cid].append(cur)
            curricula[cur["id"]] = cur
            lessons[shift] += [(cid, teacher, cur["id"])] * weekly
    for shift_lessons in lessons.values():
        for cid, placed in timetable(shift_lessons, rng).items():
            year.slots[cid] = []
            for weekday, period, curriculum_id in sorted(placed):
                cur = curricula[curriculum_id]
                slot = add(
                    TimetableSlot,
                    school_id=school_id,
                    class_id=cid,
                    term=None,
                    weekday=weekday,
                    period=period,
                    curriculum_id=curriculum_id,
                    subject_id=cur["subject_id"],
                    teacher_id=cur["teacher_id"],
                    room=str(100 + cid % 40),
                )
                year.slots[cid].append(slot)
    for cls in year.classes:
        year.slots.setdefault(cls["id"], [])
    return year
