"""What happens in a demo school year: one class's current grades, absences and lates (and, for a
finished year, term and annual grades), and the finished past years of the same pupils."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from gradebook import rules
from gradebook.demo.classes import Staff
from gradebook.demo.classes import YearClasses
from gradebook.demo.classes import add_year
from gradebook.demo.classes import build_classes
from gradebook.demo.classes import enrol
from gradebook.demo.data import classes_end
from gradebook.demo.data import school_days_between
from gradebook.demo.data import school_year_bounds
from gradebook.demo.loader import Ids
from gradebook.demo.loader import Rows
from models import Absence

_KINDS = ["current"] * 6 + ["homework", "test", "control", "classwork", "project"]
_WRITTEN = frozenset({"test", "control", "classwork"})
_TWO = Decimal(2)
_WHOLE = {mark: Decimal(mark) for mark in range(2, 7)}
_CENT = Decimal("0.01")
_ONE = Decimal("1")
_NOON = dt.time(12, 0)


def grades_and_absences(
    rng: random.Random,
    rows: Rows,
    school_id: int,
    year_id: int,
    cls: dict[str, Any],
    year: YearClasses,
    students: list[tuple[int, float]],
    school_days: list[dt.date],
    term2: dt.date,
    finals: bool,
) -> None:
    """One class's current grades over ``school_days`` and its absences and lates; with
    ``finals``, also each pupil's term grades and annual grade per subject (a finished year)."""
    level = cls["grade_level"]
    category = "qualitative" if level <= 3 else "quantitative"
    quantitative = category == "quantitative"
    days_by_weekday: dict[int, list[dt.date]] = {}
    for day in school_days:
        days_by_weekday.setdefault(day.isoweekday(), []).append(day)
    term1_last = max((d for d in school_days if d < term2), default=None)
    term2_last = school_days[-1] if school_days else None
    gauss, choice, randrange, sample = rng.gauss, rng.choice, rng.randrange, rng.sample
    # entered at noon UTC (14:00 or 15:00 in Sofia) of the day of the grade
    entered = {day: (dt.datetime.combine(day, _NOON),) * 2 for day in school_days}
    append = rows.grades.append
    slots = year.slots[cls["id"]]
    for cur in year.curricula[cls["id"]]:
        cur_days = sorted(
            {
                d
                for s in slots
                if s["curriculum_id"] == cur["id"]
                for d in days_by_weekday.get(s["weekday"], [])
            }
        )
        if not cur_days:
            continue
        hours = float(cur["hours_term1"])
        wanted = rules.min_grades_per_term(Decimal(str(hours))) + 1
        share = len(cur_days) / max(1, len(school_days))
        base = round(wanted * min(1.0, share * 1.2 + 0.3))
        if finals:  # over a whole term teachers give more than the minimum
            base = max(base, wanted) + 1
        terms = [d for d in cur_days if d < term2], [d for d in cur_days if d >= term2]
        key = (school_id, year_id)
        cur_key = (cur["id"], cur["subject_id"], cur["teacher_id"])
        for sid, ability in students:
            marks: list[list[float]] = [[], []]
            # a finished year has a full set of grades in each term; the current one, so far
            for term_days in terms if finals else (cur_days,):
                if not term_days:
                    continue
                count = max(0, base + randrange(-1, 2))
                for day in sorted(sample(term_days, min(count, len(term_days)))):
                    raw = gauss(ability, 0.7)
                    kind = choice(_KINDS)
                    if raw < 2.6:
                        value = _TWO
                    elif kind in _WRITTEN and quantitative:
                        value = Decimal(str(min(6.0, max(3.0, raw)))).quantize(_CENT)
                        value = ((value * 2).quantize(_ONE) / 2).quantize(_CENT)
                    else:
                        value = _WHOLE[min(6, max(3, int(raw + 0.5)))]
                    term = 1 if day < term2 else 2
                    if finals:
                        marks[term - 1].append(float(value))
                    append(
                        key
                        + (sid,)
                        + cur_key
                        + (term, kind, category, value, day, "")
                        + entered[day]
                    )
            if finals:
                set_grades = []
                for term, values, last in ((1, marks[0], term1_last), (2, marks[1], term2_last)):
                    if values and last is not None:
                        mark = rules.whole_mark(sum(values) / len(values))
                        set_grades.append(mark)
                        append(
                            key
                            + (sid,)
                            + cur_key
                            + (term, "term", category, _WHOLE[mark], last, "")
                            + entered[last]
                        )
                if set_grades and term2_last is not None:
                    annual = rules.whole_mark(sum(set_grades) / len(set_grades))
                    append(
                        key
                        + (sid,)
                        + cur_key
                        + (None, "annual", category, _WHOLE[annual], term2_last, "")
                        + entered[term2_last]
                    )

    # absences: a few sick days (excused, whole days) and scattered unexcused and lates
    slots_on: dict[int, list[dict[str, Any]]] = {}
    for s in slots:
        slots_on.setdefault(s["weekday"], []).append(s)
    taken: set[tuple[int, dt.date, int]] = set()
    for sid, ability in students:
        if not school_days:
            break
        events: list[tuple[dt.date, dict[str, Any], str]] = []
        if rng.random() < 0.45:
            sick_start = rng.randrange(len(school_days))
            for day in school_days[sick_start : sick_start + rng.randrange(1, 4)]:
                events += [(day, s, "excused") for s in slots_on.get(day.isoweekday(), [])]
        for _ in range(max(0, int(rng.expovariate(1 / (1.5 if ability > 4 else 4))))):
            day = rng.choice(school_days)
            lessons = slots_on.get(day.isoweekday(), [])
            if lessons:
                events.append((day, rng.choice(lessons), "unexcused"))
        for _ in range(rng.randrange(0, 3)):
            day = rng.choice(school_days)
            lessons = slots_on.get(day.isoweekday(), [])
            if lessons:
                events.append((day, min(lessons, key=lambda s: s["period"]), "late"))
        for day, slot, kind in events:
            absence_key = (sid, day, slot["period"])
            if absence_key in taken:
                continue
            taken.add(absence_key)
            rows.add(
                Absence,
                school_id=school_id,
                school_year_id=year_id,
                student_id=sid,
                date=day,
                period=slot["period"],
                term=1 if day < term2 else 2,
                subject_id=slot["subject_id"],
                curriculum_id=slot["curriculum_id"],
                kind=kind,
                excuse_reason=rng.choice(["health", "health", "family"])
                if kind == "excused"
                else None,
                excused_by_parent=kind == "excused" and rng.random() < 0.3,
                teacher_id=slot["teacher_id"],
            )


def build_past_year(
    rng: random.Random,
    rows: Rows,
    ids: Ids,
    school_id: int,
    staff: Staff,
    today: dt.date,
    back: int,
    current: YearClasses,
    students_by_class: dict[int, list[tuple[int, float]]],
) -> None:
    """The school year ``back`` years before the current one, finished: each current class a
    grade lower with the same pupils (first graders were not at school yet), its curriculum and
    timetable, a whole year of current grades, term and annual grades, and absences. The pupils'
    enrolments in it ended with the year."""
    day = dt.date(today.year - back, today.month, min(today.day, 28))
    first, start, term2, end = school_year_bounds(day)
    year_id, holidays = add_year(rows.add, ids, school_id, day, current=False)
    sections = [(level - back, s) for (level, s) in current.by_section if level - back >= 1]
    past = build_classes(rng, rows.add, ids, school_id, year_id, sections, staff)
    for (level, s), cls in past.by_section.items():
        pupils = students_by_class[current.by_section[(level + back, s)]["id"]]
        last_day = classes_end(first, level)
        for number, (sid, _ability) in enumerate(pupils, start=1):
            enrol(
                rows.add,
                school_id,
                sid,
                cls,
                number,
                start,
                left_on=last_day,
                left_reason=PAST_YEAR_LEFT_REASON,
            )
        # pupils were a little weaker or stronger a year ago
        then = [(sid, min(6.0, max(2.6, ability + rng.gauss(0, 0.2)))) for sid, ability in pupils]
        days = school_days_between(start, last_day, holidays)
        grades_and_absences(
            rng, rows, school_id, year_id, cls, past, then, days, term2, finals=True
        )


# Why a past year's enrolment ended, as the school-year change writes it.
PAST_YEAR_LEFT_REASON = "Завършена учебна година"
