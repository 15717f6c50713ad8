"""Issue 14: the demo timetable had a class with free periods and then a 7th period, and
specialists booked in two classes at once. Every class has a compact day in each term (periods
1..n, no lesson after a free one) and no teacher or room is in two places at once; the
timetabling itself is checked on its own too."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections import defaultdict

import pytest
import sqlalchemy as sa

from gradebook.demo import build_demo
from gradebook.demo.classes import TEACHING_LOAD
from gradebook.demo.classes import lessons_a_week
from gradebook.demo.timetabling import NoTimetable
from gradebook.demo.timetabling import timetable
from models import BellTime
from models import Curriculum
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import TimetableSlot
from models import db


def _problems() -> list[str]:
    """Gaps, double-booked teachers and rooms, lessons that differ from the curriculum hours;
    per school year and term, over every class in the database."""
    bells = {
        (b.school_id, b.shift, b.period): (b.starts_at, b.ends_at)
        for b in db.session.scalars(sa.select(BellTime))
    }
    classes = {c.id: c for c in db.session.scalars(sa.select(SchoolClass))}
    slots = db.session.scalars(sa.select(TimetableSlot)).all()
    out: list[str] = []
    for term in (1, 2):
        days: dict[tuple[int, int], list[int]] = defaultdict(list)
        teacher_at: Counter[tuple[int, int, int, dt.time]] = Counter()
        room_at: Counter[tuple[int, int, str, int, dt.time]] = Counter()
        for slot in slots:
            if slot.term not in (None, term):
                continue
            cls = classes[slot.class_id]
            start = slot.starts_at or bells[(cls.school_id, cls.shift, slot.period)][0]
            days[(cls.id, slot.weekday)].append(slot.period)
            if slot.teacher_id is not None:
                teacher_at[(cls.school_year_id, slot.teacher_id, slot.weekday, start)] += 1
            if slot.room:
                room_at[(cls.school_year_id, cls.school_id, slot.room, slot.weekday, start)] += 1
        for (class_id, weekday), periods in days.items():
            if sorted(periods) != list(range(1, len(periods) + 1)):
                out.append(f"term {term}: class {class_id} day {weekday}: {sorted(periods)}")
        out += [f"term {term}: teacher twice {k}" for k, n in teacher_at.items() if n > 1]
        out += [f"term {term}: room twice {k}" for k, n in room_at.items() if n > 1]
    weekly = Counter(s.curriculum_id for s in slots)
    for cur in db.session.scalars(sa.select(Curriculum)):
        if weekly[cur.id] != lessons_a_week(float(cur.hours_term1)):
            out.append(f"curriculum {cur.id}: {weekly[cur.id]} lessons, {cur.hours_term1} hours")
    return out


def test_demo_school_has_compact_days_and_no_double_booking(demo_app):
    assert db.session.scalar(sa.select(sa.func.count(TimetableSlot.id)))
    assert _problems() == []


def test_full_schools_with_a_past_year_have_compact_days_and_no_double_booking(app):
    """A sample of the scale set: whole schools (every grade, three sections in V–X) and a past
    year, where specialists carry the most lessons."""
    build_demo(
        seed=11, schools=2, today=dt.date(2026, 11, 25), students_per_class=1, history_years=1
    )
    assert db.session.scalar(sa.select(sa.func.count(SchoolYear.id))) == 4
    assert _problems() == []
    # the load the demo hires for, and the README's teachers: uchitel1 a class teacher,
    # uchitel13 a subject teacher of no class
    by_year = Counter(
        db.session.execute(
            sa.select(TimetableSlot.teacher_id, SchoolClass.school_year_id).join(
                SchoolClass, SchoolClass.id == TimetableSlot.class_id
            )
        ).all()
    )
    # a teacher's lessons a week: about the norm, at most one class's hours above it
    assert max(by_year.values()) <= TEACHING_LOAD + 5, by_year.most_common(3)
    load = Counter(teacher for teacher, _year in by_year.elements())
    assert load
    emails = dict(db.session.execute(sa.select(StaffUser.email, StaffUser.id)).all())
    homerooms = set(db.session.scalars(sa.select(SchoolClass.class_teacher_id)))
    assert emails["uchitel1@sou1.demo.bg"] in homerooms
    assert emails["uchitel13@sou1.demo.bg"] not in homerooms
    assert load[emails["uchitel13@sou1.demo.bg"]] > 0


# (name, per class its lessons by teacher): the boundary cases of the timetabling
CASES = [
    ("one class, one teacher", {"a": {"t": 5}}),
    ("full week of one class", {"a": {"t1": 20, "t2": 15}}),
    ("a teacher in every period of the shortest class", {"a": {"x": 23}, "b": {"x": 6, "y": 23}}),
    ("uneven days: 28 lessons", {"a": {"t1": 14, "t2": 14}, "b": {"t1": 14, "t3": 14}}),
    (
        "three classes sharing two busy teachers",
        {
            "a": {"p": 10, "q": 10, "r": 9},
            "b": {"p": 10, "q": 10, "s": 9},
            "c": {"p": 9, "q": 9, "u": 11},
        },
    ),
]


@pytest.mark.parametrize("name,plan", CASES, ids=[c[0] for c in CASES])
def test_timetabling_cases(name, plan):
    lessons = [
        (c, t, f"{c}-{t}") for c, by in plan.items() for t, n in by.items() for _ in range(n)
    ]
    placed = timetable(lessons, random.Random(1))
    at: Counter[tuple[object, int, int]] = Counter()
    for cls, by in plan.items():
        got = placed[cls]
        assert Counter(w for _, _, w in got) == Counter({f"{cls}-{t}": n for t, n in by.items()})
        per_day: dict[int, list[int]] = defaultdict(list)
        for day, period, what in got:
            per_day[day].append(period)
            at[(what.split("-")[1], day, period)] += 1
        for periods in per_day.values():
            assert sorted(periods) == list(range(1, len(periods) + 1)), (name, per_day)
        lengths = [len(p) for p in per_day.values()]
        assert max(lengths) - min(lengths) <= 1
    assert max(at.values()) == 1


def test_timetabling_refuses_what_cannot_fit():
    with pytest.raises(NoTimetable):  # 36 lessons: the week has 35 periods
        timetable([("a", "t", 1)] * 36, random.Random(1))
    with pytest.raises(NoTimetable):  # one teacher, two classes, 20 lessons each: 40 > 35
        timetable([("a", "t", 1)] * 20 + [("b", "t", 2)] * 20, random.Random(1))
