"""The pupil's record in the legal class book: sanctions, support, who has which section.

* Sanctions (санкции), ЗПУО чл. 199 ал. 1 т. 1–5, with the Ministry's codes
  (``governmentbg/NEISPUO`` ``school-books/db/Insert/student/SanctionType.sql``); the Ministry's
  list has only these five — the measures of чл. 199 ал. 2 (отстраняване от час) and чл. 200
  are not in it, so they are not sanctions here either.
* Support (обща и допълнителна подкрепа): the difficulties 1–6 and the activities 1–22 of
  ``school-books/db/Insert/school_books/SupportDifficultyType.sql`` and ``SupportActivityType.sql``.
* Which class books have sanctions: IV and V–XII (``SB.ExtApi`` business processes, DOMAIN.md);
  support, individual work and notes are in every book from I to XII, notes also in ПГ.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

SANCTION_KINDS: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "Забележка",
        2: "Преместване в друга паралелка в същото училище",
        3: "Предупреждение за преместване в друго училище",
        4: "Преместване в друго училище",
        5: "Преместване от дневна в самостоятелна форма на обучение",
    }
)
"""Sanction code (NEISPUO ``student.SanctionType``) → Bulgarian name (ЗПУО чл. 199 ал. 1)."""

SANCTION_SHORT: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "забележка",
        2: "преместване в друга паралелка",
        3: "предупреждение за преместване в друго училище",
        4: "преместване в друго училище",
        5: "преместване в самостоятелна форма на обучение",
    }
)
"""The same, short and in lower case, for an SMS and the phone line ("наложена е санкция …")."""

SANCTION_LAW: Final[Mapping[int, str]] = MappingProxyType(
    {code: f"чл. 199, ал. 1, т. {code} ЗПУО" for code in SANCTION_KINDS}
)

SUPPORT_DIFFICULTIES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "Затруднения в обучението",
        2: "Рискови фактори в средата",
        3: "Проблемно поведение",
        4: "Хронично заболяване",
        5: "Напредва по-бързо от останалите ученици",
        6: "Друго",
    }
)

SUPPORT_ACTIVITIES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "Допълнително обучение по учебен предмет",
        2: "Допълнително обучение по БЕЛ",
        3: "Консултации",
        4: "Екипна работа между учители",
        5: "Кариерно ориентиране",
        6: "Занимания по интереси",
        7: "Библиотечно-информационно обслужване",
        8: "Грижа за здравето",
        9: "Осигуряване на общежитие",
        10: "Поощряване с морални и материални награди",
        11: "Превенция на проблемно поведение",
        12: "Превенция на обучителни затруднения",
        13: "Логопедична работа",
        14: "Работа по конкретен случай",
        15: "Психо-социална рехабилитация",
        16: "Осигуряване на достъпна среда",
        17: "Обучение за ученици със сензорни увреждания",
        18: "Ресурсно подпомагане (по предмет)",
        19: "Работа с документация",
        20: "Работа с институции",
        21: "Организационна дейност",
        22: "Друга",
    }
)

SANCTIONS_FROM_GRADE: Final = 4
"""The class-book types IV and V–XII have the sanctions section; ПГ and I–III do not."""


def has_sanctions(grade_level: int) -> bool:
    """True when a class of ``grade_level`` (0 = ПГ, 1–12) keeps sanctions in its class book."""
    return SANCTIONS_FROM_GRADE <= grade_level <= 12


def has_support(grade_level: int) -> bool:
    """Support and individual work: the books of I–III, IV and V–XII (not ПГ)."""
    return 1 <= grade_level <= 12


def has_notes(grade_level: int) -> bool:
    """Notes (бележки): every class book, ПГ included."""
    return 0 <= grade_level <= 12


def sanction_dates_problem(
    order_date: dt.date,
    start: dt.date,
    end: dt.date | None,
    cancel_date: dt.date | None = None,
) -> tuple[str, str] | None:
    """(field, Bulgarian message) of the first wrong date of a sanction, or None.

    The Ministry's validator (``CreateSanctionCommandValidator``): the start is not before the
    order's date, the end (if any) not before the start. A cancelling order is not older than
    the order it cancels."""
    if start < order_date:
        return "start_date", "Началната дата не може да е преди датата на заповедта."
    if end is not None and end < start:
        return "end_date", "Крайната дата не може да е преди началната."
    if cancel_date is not None and cancel_date < order_date:
        return "cancel_order_date", "Заповедта за отмяна не може да е преди заповедта за санкцията."
    return None


def sanction_in_force(
    today: dt.date, start: dt.date, end: dt.date | None, cancel_date: dt.date | None
) -> bool:
    """A sanction holds from its start to its end (inclusive) unless cancelled on or before
    ``today`` (ЗПУО чл. 203 ал. 2: the sanction is cancelled by the one who imposed it)."""
    if cancel_date is not None and cancel_date <= today:
        return False
    return start <= today and (end is None or today <= end)
