"""Lesson topics and yearly topic plans (годишно тематично разпределение): a plan row's checks,
the next planned topic, and which lessons count as held and lack a topic.

The Ministry's diary (NEISPUO ``school-books``) keeps a plan per curriculum row as numbered items
(``ClassBookTopicPlanItem``: number up to 1000, title up to 1000 characters, a note up to 1000)
and a lesson's topic as one or more titles (``TopicTitle``), each optionally linked to a plan
item. Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Final

from gradebook.rules.errors import RuleError

PLAN_NUMBER_MAX: Final = 1000
TOPIC_TITLE_MAX: Final = 1000
PLAN_NOTE_MAX: Final = 1000
TOPICS_PER_LESSON_MAX: Final = 5


def plan_number(raw: object) -> int:
    """A plan row's number as typed ("7", " 7 ", 7): a whole number 1…1000, else :class:`RuleError`."""
    text = str(raw if raw is not None else "").strip()
    if text.endswith(".") and text[:-1].isdigit():
        text = text[:-1]  # "7." as publishers number their rows
    if not (text.isascii() and text.isdigit()):
        raise RuleError(
            f"plan number {raw!r} is not a whole number",
            f"Номерът на темата трябва да е цяло число от 1 до {PLAN_NUMBER_MAX}.",
        )
    number = int(text)
    if not 1 <= number <= PLAN_NUMBER_MAX:
        raise RuleError(
            f"plan number {number} outside 1..{PLAN_NUMBER_MAX}",
            f"Номерът на темата трябва да е цяло число от 1 до {PLAN_NUMBER_MAX}.",
        )
    return number


def topic_title(raw: object, limit: int = TOPIC_TITLE_MAX) -> str:
    """A topic's title: spaces folded, not empty, at most ``limit`` characters."""
    title = " ".join(str(raw if raw is not None else "").split())
    if not title:
        raise RuleError("empty topic title", "Въведете заглавие на темата.")
    if len(title) > limit:
        raise RuleError(
            f"topic title of {len(title)} characters over {limit}",
            f"Заглавието на темата е {len(title)} знака; най-много {limit}.",
        )
    return title


def plan_note(raw: object) -> str:
    """A plan row's note (optional): spaces folded, at most 1000 characters."""
    note = " ".join(str(raw if raw is not None else "").split())
    if len(note) > PLAN_NOTE_MAX:
        raise RuleError(
            f"plan note of {len(note)} characters over {PLAN_NOTE_MAX}",
            f"Бележката е {len(note)} знака; най-много {PLAN_NOTE_MAX}.",
        )
    return note


def check_plan_row(number: object, title: object, note: object = "") -> tuple[int, str, str]:
    """One row of a topic plan as (number, title, note), or :class:`RuleError` naming the fault."""
    return plan_number(number), topic_title(title), plan_note(note)


def next_plan_topic(plan: Sequence[tuple[int, int]], used: Iterable[int]) -> int | None:
    """The id of the next planned topic: the plan row with the lowest number whose id is not in
    ``used`` (the plan topics already linked to a lesson of that curriculum row), or None when
    the plan is empty or every row has been taken. ``plan`` holds (id, number) pairs in any order;
    a row skipped earlier (taught out of order) is offered again before the later ones."""
    taken = set(used)
    for plan_id, _number in sorted(plan, key=lambda row: (row[1], row[0])):
        if plan_id not in taken:
            return plan_id
    return None


def lesson_has_ended(day: dt.date, ends_at: dt.time | None, today: dt.date, now: dt.time) -> bool:
    """Whether the lesson on ``day`` ending at ``ends_at`` is over at ``now`` on ``today``: a past
    day always, today once its end time has come (a lesson without an end time: at the end of
    the day), a future day never."""
    if day < today:
        return True
    if day > today:
        return False
    return ends_at is not None and ends_at <= now


def held_days(
    weekday: int,
    first: dt.date,
    last: dt.date,
    days_off: Iterable[tuple[dt.date, dt.date]],
) -> list[dt.date]:
    """The dates from ``first`` to ``last`` (inclusive) that fall on ``weekday`` (1 = Monday)
    outside every (from, to) range of ``days_off`` (holidays, vacations, after the end of classes):
    the days on which a weekly lesson is held."""
    ranges = list(days_off)
    out: list[dt.date] = []
    if last < first:
        return out
    day = first + dt.timedelta(days=(weekday - first.isoweekday()) % 7)
    while day <= last:
        if not any(a <= day <= b for a, b in ranges):
            out.append(day)
        day += dt.timedelta(days=7)
    return out


def lessons_without_topic(
    held: Iterable[tuple[int, dt.date]], with_topic: Iterable[tuple[int, dt.date]]
) -> list[tuple[int, dt.date]]:
    """The held lessons, as (slot id, date), that have no topic, newest first (then by slot)."""
    done = set(with_topic)
    return sorted((h for h in set(held) if h not in done), key=lambda h: (-h[1].toordinal(), h[0]))
