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
from models import ClassesEnd
from models import Curriculum
from models import Enrollment
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import TimetableSlot


@dataclass
class Staff:
    """A school's teachers and subjects: primary teachers, specialists, and per subject its id
    and the two specialists who teach it."""

    primary: list[int]
    specialists: list[int]
    subject_ids: dict[str, int] = field(default_factory=dict)
    specialist_of: dict[str, list[int]] = field(default_factory=dict)


def add_subject(
    add: Callable[..., dict[str, Any]], ids: Ids, school_id: int, staff: Staff, name: str
) -> int:
    """The subject's id, created on first use with two specialists to teach it."""
    if name in staff.subject_ids:
        return staff.subject_ids[name]
    k = len(staff.subject_ids)
    sid = ids.take("subject")
    staff.subject_ids[name] = sid
    short = "".join(w[0] for w in name.split() if w[0].isupper() or len(w) > 3)[:6].upper()
    add(Subject, id=sid, school_id=school_id, name=name, short_name=short)
    pool = staff.specialists
    staff.specialist_of[name] = [pool[(k * 2) % len(pool)], pool[(k * 2 + 1) % len(pool)]]
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
    """Classes (grade level, section number), each with a curriculum for its grade band and a
    weekly timetable that never puts a teacher in two rooms at once."""
    letters = "абвг"
    teacher_busy: set[tuple[int, int, int, int]] = set()  # (teacher, shift, weekday, period)
    year = YearClasses()
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
        lessons: list[tuple[dict[str, Any], int]] = []
        year.curricula[cid] = []
        for raw_name, hours in curriculum_for(level):
            name = raw_name.rstrip("*")
            subject_id = add_subject(add, ids, school_id, staff, name)
            if raw_name.endswith("*") and homeroom is not None:
                teacher = homeroom
            else:
                pool = staff.specialist_of[name]
                teacher = pool[(cid + s) % len(pool)]
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
            lessons += [(cur, teacher)] * int(round(hours + 0.01))
        rng.shuffle(lessons)
        year.slots[cid] = []
        used: set[tuple[int, int]] = set()
        day_count = {d: 0 for d in range(1, 6)}
        for cur, teacher in lessons:
            placed = False
            for period in range(1, 8):
                for weekday in sorted(range(1, 6), key=lambda d: day_count[d]):
                    if (weekday, period) in used or (
                        teacher,
                        shift,
                        weekday,
                        period,
                    ) in teacher_busy:
                        continue
                    used.add((weekday, period))
                    day_count[weekday] += 1
                    teacher_busy.add((teacher, shift, weekday, period))
                    slot = add(
                        TimetableSlot,
                        school_id=school_id,
                        class_id=cid,
                        term=None,
                        weekday=weekday,
                        period=period,
                        curriculum_id=cur["id"],
                        subject_id=cur["subject_id"],
                        teacher_id=teacher,
                        room=str(100 + cid % 40),
                    )
                    year.slots[cid].append(slot)
                    placed = True
                    break
                if placed:
                    break
    return year
