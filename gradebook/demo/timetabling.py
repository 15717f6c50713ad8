"""The demo's weekly timetable for one shift: every class has a compact day (periods 1..n, no
free period before a lesson) and no teacher is in two classes at once.

The week's periods are taken in the order "1st period of every weekday, then the 2nd, …", and a
class with H lessons a week is at school in the first H of them: so each day it has periods 1..n
with n the same on every day or one more on the first days. At each period, the classes at school
then need one lesson each from distinct teachers: a bipartite matching (classes to teachers),
found by augmenting paths. Teachers whose remaining lessons only just fit in the periods left
to their classes must teach now, so the matching serves them first and reroutes other classes
around them; a dead end (which the loads the demo hires for make rare) starts again from another
order. Standard library only."""

from __future__ import annotations

import random
from collections.abc import Hashable
from collections.abc import Sequence

Lesson = tuple[Hashable, Hashable, Hashable]  # (class, teacher, what: e.g. a curriculum id)

WEEKDAYS = 5
PERIODS = 7
ATTEMPTS = 200


class NoTimetable(Exception):
    """The lessons do not fit the week (a class or a teacher with too many of them)."""


def week_order() -> list[tuple[int, int]]:
    """(weekday, period) in the order classes fill them: period 1 of Monday–Friday, then 2, …"""
    return [(day, period) for period in range(1, PERIODS + 1) for day in range(1, WEEKDAYS + 1)]


def timetable(
    lessons: Sequence[Lesson], rng: random.Random
) -> dict[Hashable, list[tuple[int, int, Hashable]]]:
    """Per class, its lessons as (weekday, period, what): compact days, no teacher twice in a
    period. Raises :class:`NoTimetable` when no order found one."""
    per_class: dict[Hashable, int] = {}
    for cls, _teacher, _what in lessons:
        per_class[cls] = per_class.get(cls, 0) + 1
    if any(n > WEEKDAYS * PERIODS for n in per_class.values()):
        raise NoTimetable("a class has more lessons than the week has periods")
    for _ in range(ATTEMPTS):
        found = _attempt(list(lessons), per_class, rng)
        if found is not None:
            return found
    raise NoTimetable(f"no timetable in {ATTEMPTS} attempts")


def _attempt(
    lessons: list[Lesson], per_class: dict[Hashable, int], rng: random.Random
) -> dict[Hashable, list[tuple[int, int, Hashable]]] | None:
    rng.shuffle(lessons)
    # left[class][teacher] = the lessons (their "what") still to place
    left: dict[Hashable, dict[Hashable, list[Hashable]]] = {c: {} for c in per_class}
    teacher_left: dict[Hashable, int] = {}
    for cls, teacher, what in lessons:
        left[cls].setdefault(teacher, []).append(what)
        teacher_left[teacher] = teacher_left.get(teacher, 0) + 1
    today: dict[tuple[Hashable, Hashable, int], int] = {}  # (class, teacher, day) → lessons
    out: dict[Hashable, list[tuple[int, int, Hashable]]] = {c: [] for c in per_class}
    order = week_order()
    for index, (day, period) in enumerate(order):
        active = [c for c, n in per_class.items() if n > index]
        if not active:
            break
        # how many periods from now on each teacher's classes are still at school
        reach: dict[Hashable, int] = {}
        for cls in active:
            for teacher in left[cls]:
                reach[teacher] = max(reach.get(teacher, 0), per_class[cls] - index)
        if any(teacher_left[t] > r for t, r in reach.items()):
            return None
        # the teachers with the least room to spare (periods left minus lessons left) first
        keys = {t: (r - teacher_left[t], -teacher_left[t], rng.random()) for t, r in reach.items()}
        match = _match(active, left, sorted(reach, key=keys.__getitem__), today, day)
        if match is None:
            return None
        for cls, teacher in match.items():
            what = left[cls][teacher].pop()
            if not left[cls][teacher]:
                del left[cls][teacher]
            teacher_left[teacher] -= 1
            today[(cls, teacher, day)] = today.get((cls, teacher, day), 0) + 1
            out[cls].append((day, period, what))
    return out


def _match(
    active: list[Hashable],
    left: dict[Hashable, dict[Hashable, list[Hashable]]],
    teachers: list[Hashable],
    today: dict[tuple[Hashable, Hashable, int], int],
    day: int,
) -> dict[Hashable, Hashable] | None:
    """Each active class one teacher, no teacher twice; or None.

    Teachers are matched in ``teachers``' order, each by an augmenting path that keeps everyone
    matched before (the greedy of a transversal matroid: as many of the first teachers as can
    be), then every class still without one. A matching that covers every class exists only if
    every maximum matching does, so nothing is lost by serving the teachers first."""
    classes_of: dict[Hashable, list[Hashable]] = {t: [] for t in teachers}
    for cls in active:
        for teacher in left[cls]:
            classes_of[teacher].append(cls)
    for teacher, classes in classes_of.items():  # a second lesson with a class on a day last
        classes.sort(key=lambda c, t=teacher: today.get((c, t, day), 0))  # type: ignore[misc]
    of_class: dict[Hashable, Hashable] = {}
    of_teacher: dict[Hashable, Hashable] = {}

    def from_teacher(teacher: Hashable, seen: set[Hashable]) -> bool:
        for cls in classes_of[teacher]:
            if cls in seen:
                continue
            seen.add(cls)
            holder = of_class.get(cls)
            if holder is None or from_teacher(holder, seen):
                of_class[cls] = teacher
                of_teacher[teacher] = cls
                return True
        return False

    def from_class(cls: Hashable, seen: set[Hashable]) -> bool:
        for teacher in sorted(left[cls], key=lambda t: today.get((cls, t, day), 0)):
            if teacher in seen:
                continue
            seen.add(teacher)
            holder = of_teacher.get(teacher)
            if holder is None or from_class(holder, seen):
                of_class[cls] = teacher
                of_teacher[teacher] = cls
                return True
        return False

    for teacher in teachers:
        if len(of_class) == len(active):  # no class left to reach: no path can grow
            break
        from_teacher(teacher, set())
    for cls in active:
        if cls not in of_class and not from_class(cls, set()):
            return None
    return of_class
