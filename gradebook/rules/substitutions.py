"""Teacher absences and substitutions (отсъствия на учители, заместване), as pure rules.

The Ministry's diary (``governmentbg/NEISPUO``, ``school-books/``: ``TeacherAbsence`` and
``TeacherAbsenceHour``) records an absence of a teacher from a first to a last date and, per lesson
of the timetable that it touches, what happens to it; its external API codes the kinds as
``TeacherAbsenceHourType``: 1 free hour (no substitute, the lesson is not held), 2 non-specialist
substitute, 3 specialist substitute, 4 external lecturer (a name, not a staff account).

An absence may start at a period of its first day and end at a period of its last day
(``from_period`` counts on the first day only, ``to_period`` on the last day only): "from the 3rd
period on Monday to Wednesday" leaves Monday's 1st and 2nd periods to the teacher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

FREE_HOUR = 1
NON_SPECIALIST = 2
SPECIALIST = 3
EXTERNAL = 4
KINDS = (FREE_HOUR, NON_SPECIALIST, SPECIALIST, EXTERNAL)
KIND_BG = {
    FREE_HOUR: "свободен час",
    NON_SPECIALIST: "заместник неспециалист",
    SPECIALIST: "заместник специалист",
    EXTERNAL: "външен лектор",
}
WITH_STAFF_SUBSTITUTE = (NON_SPECIALIST, SPECIALIST)

# why a teacher is absent (``TeacherAbsenceReason`` by value): the Ministry keeps a free text,
# ours is a short list and a comment
REASON_BG = {
    "illness": "болничен",
    "leave": "отпуск",
    "training": "квалификация",
    "business_trip": "командировка",
    "other": "друго",
}

FIRST_PERIOD = 0  # the lowest period a timetable holds (``Lesson.period`` 0..15)
LAST_PERIOD = 15


@dataclass(frozen=True)
class SlotRef:
    """A timetable slot of the absent teacher as the rule needs it: its weekday (1 = Monday),
    period, class, and the days it runs (the school year, or its term for a slot of one term)."""

    slot_id: int
    weekday: int
    period: int
    class_id: int
    runs_from: dt.date
    runs_to: dt.date


@dataclass(frozen=True)
class Touched:
    day: dt.date
    period: int
    slot_id: int


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def period_in_absence(
    day: dt.date,
    period: int,
    first: dt.date,
    last: dt.date,
    from_period: int | None = None,
    to_period: int | None = None,
) -> bool:
    """True when the lesson at ``period`` on ``day`` falls inside the absence."""
    if not first <= day <= last:
        return False
    if day == first and from_period is not None and period < from_period:
        return False
    return not (day == last and to_period is not None and period > to_period)


def touched_lessons(
    slots: Iterable[SlotRef],
    first: dt.date,
    last: dt.date,
    from_period: int | None = None,
    to_period: int | None = None,
    days_off: Mapping[int, Collection[dt.date]] | None = None,
) -> list[Touched]:
    """Every lesson of ``slots`` that the absence touches, by day and period: a day of the slot's
    weekday inside the slot's run, not a day off of the slot's class (``days_off``: class id →
    the holidays, breaks and days off of its grade), within the periods of the first and last
    day. A Saturday or Sunday is touched only by a slot on that weekday (a timetable without
    weekend slots touches none)."""
    off = days_off or {}
    out: list[Touched] = []
    slots = list(slots)
    for day in _days(first, last):
        for slot in slots:
            if slot.weekday != day.isoweekday() or not slot.runs_from <= day <= slot.runs_to:
                continue
            if day in off.get(slot.class_id, ()):
                continue
            if period_in_absence(day, slot.period, first, last, from_period, to_period):
                out.append(Touched(day, slot.period, slot.slot_id))
    out.sort(key=lambda t: (t.day, t.period, t.slot_id))
    return out


def period_range_problem(
    first: dt.date, last: dt.date, from_period: int | None, to_period: int | None
) -> str | None:
    """Why the dates and periods of an absence make no range (an English key), or None."""
    if last < first:
        return "last_before_first"
    for period in (from_period, to_period):
        if period is not None and not FIRST_PERIOD <= period <= LAST_PERIOD:
            return "period_out_of_range"
    if (
        first == last
        and from_period is not None
        and to_period is not None
        and to_period < from_period
    ):
        return "to_before_from"
    return None


def _bounds(
    first: dt.date, last: dt.date, from_period: int | None, to_period: int | None
) -> tuple[tuple[dt.date, int], tuple[dt.date, int]]:
    start = (first, FIRST_PERIOD if from_period is None else from_period)
    end = (last, LAST_PERIOD if to_period is None else to_period)
    return start, end


def absences_overlap(
    a: tuple[dt.date, dt.date, int | None, int | None],
    b: tuple[dt.date, dt.date, int | None, int | None],
) -> bool:
    """True when two absences of one teacher (first, last, from period, to period) share a
    period: absent until the 2nd period and again from the 3rd on the same day do not overlap."""
    a_start, a_end = _bounds(*a)
    b_start, b_end = _bounds(*b)
    return a_start <= b_end and b_start <= a_end


@dataclass(frozen=True)
class Busy:
    """A lesson a teacher already teaches: their own timetable or a substitution."""

    day: dt.date
    period: int
    what: str  # "5а, Математика" – for the message naming the clash
    lesson_key: tuple[int, dt.date] | None = None  # (slot id, day) of that lesson


def find_clash(
    day: dt.date, period: int, busy: Iterable[Busy], this_lesson: tuple[int, dt.date] | None = None
) -> Busy | None:
    """The lesson that makes a substitute double-booked at ``period`` on ``day``, or None (the
    lesson being assigned itself is no clash: assigning it again is an edit)."""
    for item in busy:
        if item.day == day and item.period == period and item.lesson_key != this_lesson:
            return item
    return None


def is_held(kind: int | None) -> bool:
    """Whether a lesson counts as held: a free hour is not; a substituted lesson is (by the
    substitute); a lesson without a substitution is held by its own teacher."""
    return kind != FREE_HOUR


def kind_problem(kind: int, has_substitute: bool, external_name: str) -> str | None:
    """Why the parts of an assignment do not fit its kind (an English key), or None: a free hour
    has nobody, a non-specialist or specialist is a staff member, an external lecturer a name."""
    if kind not in KINDS:
        return "unknown_kind"
    if kind == FREE_HOUR and (has_substitute or external_name):
        return "free_hour_has_nobody"
    if kind in WITH_STAFF_SUBSTITUTE and not has_substitute:
        return "substitute_required"
    if kind in WITH_STAFF_SUBSTITUTE and external_name:
        return "staff_has_no_external_name"
    if kind == EXTERNAL and (has_substitute or not external_name):
        return "external_name_required"
    return None


def lessons_bg(count: int) -> str:
    """ "1 час", "2 часа" (a count of lessons in running text)."""
    return f"{count} час" if count == 1 else f"{count} часа"


def school_days_bg(count: int) -> str:
    """ "1 учебен ден", "2 учебни дни"."""
    return f"{count} учебен ден" if count == 1 else f"{count} учебни дни"
