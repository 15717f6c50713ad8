"""Bulgarian wording for the phone line: numbers, dates, times, grades and counts as words.

Nothing reaches text-to-speech as digits: every number the caller hears is spelled out here,
with the grammar a Bulgarian listener expects.

Rules this module follows (ICU's ``bg`` spell-out and the official grammar are the reference):

* Gender matters for 1 and 2 only: един/една/едно, два/две/две. Thousands are feminine
  ("две хиляди", "двадесет и една хиляди"); 1000 is just "хиляда".
* The conjunction "и" goes before the last spoken part: "двадесет и пет", "сто и пет",
  "сто и двадесет" but "сто двадесет и пет". Between the thousands and the rest it appears only
  when the rest is a single word: "хиляда и сто", "две хиляди двадесет и пет".
* Long forms throughout: "единадесет", "двадесет", "тридесет", "четиридесет".
* Ordinals put only the last part in ordinal form: "двадесет и първи", "сто и първи",
  "две хиляди двадесет и пета"; round hundreds and thousands are one word: "стотен",
  "двестотен", "хиляден", "двехиляден".
* Counted nouns: 1 takes the singular ("една оценка", "един час"); every other number, including
  0 and compounds ending in one, takes the plural, which for masculine things is the counted
  form ("два часа", "двадесет и един часа", like "двадесет и един лева"; "нула оценки").
* A number named on its own (a grade, a digit of a code) uses the neuter: "едно", "две".
* Counted qualitative marks (grades I–III) count "оценка", which is feminine and is left unsaid:
  "четири Отличен и една Много добър", "две Отличен" (never an average of them).

Everything is pure: only the standard library and the pure ``gradebook.rules`` (grade words,
month and day names), no clock (``today`` is a parameter).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import time
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from typing import NamedTuple

# pure too: the NEISPUO thresholds, the I–III words and the month and day names live only there
from gradebook.rules import MONTHS_BG
from gradebook.rules import QUALITATIVE_WORDS
from gradebook.rules import WEEKDAYS_BG
from gradebook.rules import grade_word

__all__ = [
    "NOUNS",
    "Noun",
    "count_phrase",
    "date_words",
    "decimal_words",
    "ensure_no_digits",
    "grade_phrase",
    "halves_phrase",
    "hours_phrase",
    "join_list",
    "marks_phrase",
    "number_words",
    "on_weekday",
    "ordinal_words",
    "relative_day",
    "spell_digits",
    "time_words",
    "weekday_name",
    "with_preposition",
]

GENDERS = ("m", "f", "n")
MAX_NUMBER = 999_999

_UNITS: dict[str, tuple[str, ...]] = {
    "m": ("", "един", "два", "три", "четири", "пет", "шест", "седем", "осем", "девет"),
    "f": ("", "една", "две", "три", "четири", "пет", "шест", "седем", "осем", "девет"),
    "n": ("", "едно", "две", "три", "четири", "пет", "шест", "седем", "осем", "девет"),
}
_TEENS = (
    "десет",
    "единадесет",
    "дванадесет",
    "тринадесет",
    "четиринадесет",
    "петнадесет",
    "шестнадесет",
    "седемнадесет",
    "осемнадесет",
    "деветнадесет",
)
_TENS = (
    "",
    "",
    "двадесет",
    "тридесет",
    "четиридесет",
    "петдесет",
    "шестдесет",
    "седемдесет",
    "осемдесет",
    "деветдесет",
)
_HUNDREDS = (
    "",
    "сто",
    "двеста",
    "триста",
    "четиристотин",
    "петстотин",
    "шестстотин",
    "седемстотин",
    "осемстотин",
    "деветстотин",
)

# Ordinal stems; the ending (-и/-а/-о, or -ен/-на/-но) is added by gender.
_UNIT_ORDINAL_STEMS = ("", "първ", "втор", "трет", "четвърт", "пет", "шест", "седм", "осм", "девет")
_HUNDRED_ORDINAL_STEMS = (
    "",
    "стот",
    "двестот",
    "тристот",
    "четиристот",
    "петстот",
    "шестстот",
    "седемстот",
    "осемстот",
    "деветстот",
)
_ADJ_ENDINGS = {"m": "и", "f": "а", "n": "о"}  # първи / първа / първо
_EN_ENDINGS = {"m": "ен", "f": "на", "n": "но"}  # стотен / стотна / стотно

_DIGIT_WORDS = ("нула", "едно", "две", "три", "четири", "пет", "шест", "седем", "осем", "девет")
_ASCII_DIGITS = frozenset("0123456789")

# the names as written are the names as spoken: one tuple each, in the rules
MONTHS = MONTHS_BG
WEEKDAYS = WEEKDAYS_BG

_HUNDREDTH = Decimal("0.01")
_HALF = Decimal("0.5")


# --- cardinal numbers -------------------------------------------------------------------------


def _check_int(n: int, low: int, high: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if not low <= n <= high:
        raise ValueError(f"{n} is outside {low}..{high}")


def _check_gender(gender: str) -> None:
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}, got {gender!r}")


def _parts_below_thousand(n: int) -> list[tuple[str, int]]:
    """Split 1..999 into its spoken parts: ("h", 1-9), ("teen", 10-19), ("t", 2-9), ("u", 1-9)."""
    hundreds, rest = divmod(n, 100)
    parts: list[tuple[str, int]] = []
    if hundreds:
        parts.append(("h", hundreds))
    if 10 <= rest <= 19:
        parts.append(("teen", rest))
    else:
        tens, units = divmod(rest, 10)
        if tens:
            parts.append(("t", tens))
        if units:
            parts.append(("u", units))
    return parts


def _cardinal_part(kind: str, value: int, gender: str) -> str:
    if kind == "h":
        return _HUNDREDS[value]
    if kind == "teen":
        return _TEENS[value - 10]
    if kind == "t":
        return _TENS[value]
    return _UNITS[gender][value]


def _ordinal_part(kind: str, value: int, gender: str) -> str:
    if kind == "h":
        return _HUNDRED_ORDINAL_STEMS[value] + _EN_ENDINGS[gender]
    if kind == "teen":
        return _TEENS[value - 10] + _ADJ_ENDINGS[gender]
    if kind == "t":
        return _TENS[value] + _ADJ_ENDINGS[gender]
    return _UNIT_ORDINAL_STEMS[value] + _ADJ_ENDINGS[gender]


def _join_with_and(words: Sequence[str]) -> str:
    """'и' goes before the last part only: [сто, двадесет, пет] -> 'сто двадесет и пет'."""
    if len(words) <= 1:
        return "".join(words)
    return " ".join(words[:-1]) + " и " + words[-1]


def _below_thousand(n: int, gender: str, *, ordinal: bool = False) -> list[str]:
    """Words for 1..999; the last one in ordinal form when asked."""
    parts = _parts_below_thousand(n)
    words = [_cardinal_part(kind, value, gender) for kind, value in parts]
    if ordinal:
        kind, value = parts[-1]
        words[-1] = _ordinal_part(kind, value, gender)
    return words


def _thousands_words(thousands: int) -> str:
    if thousands == 1:
        return "хиляда"
    return _join_with_and(_below_thousand(thousands, "f")) + " хиляди"


def _with_thousands(head: str, rest_words: list[str]) -> str:
    """Join the thousands to the rest: 'хиляда и сто', but 'хиляда сто двадесет и пет'."""
    if len(rest_words) == 1:
        return f"{head} и {rest_words[0]}"
    return f"{head} {_join_with_and(rest_words)}"


def number_words(n: int, gender: str = "m") -> str:
    """Spell 0..999,999 as Bulgarian words in the given gender ("m", "f" or "n").

    >>> number_words(21, "f")
    'двадесет и една'
    >>> number_words(1125)
    'хиляда сто двадесет и пет'
    """
    _check_gender(gender)
    _check_int(n, 0, MAX_NUMBER)
    if n == 0:
        return "нула"
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _join_with_and(_below_thousand(rest, gender))
    head = _thousands_words(thousands)
    if not rest:
        return head
    return _with_thousands(head, _below_thousand(rest, gender))


def ordinal_words(n: int, gender: str = "m") -> str:
    """Spell 1..999,999 as a Bulgarian ordinal (singular) in the given gender.

    >>> ordinal_words(25)
    'двадесет и пети'
    >>> ordinal_words(2025, "f")
    'две хиляди двадесет и пета'
    """
    _check_gender(gender)
    _check_int(n, 1, MAX_NUMBER)
    thousands, rest = divmod(n, 1000)
    if rest and not thousands:
        return _join_with_and(_below_thousand(rest, gender, ordinal=True))
    if rest:
        return _with_thousands(
            _thousands_words(thousands), _below_thousand(rest, gender, ordinal=True)
        )
    # A round thousand is one compound adjective: хиляден, двехиляден, стохиляден.
    ending = "хиляд" + _EN_ENDINGS[gender]
    if thousands == 1:
        return ending
    words = _below_thousand(thousands, "n")
    words[-1] += ending
    return _join_with_and(words)


# --- decimals and grades ----------------------------------------------------------------------


def _to_decimal(value: Decimal | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if result < 0:
        raise ValueError(f"{value} is negative")
    return result


def decimal_words(value: Decimal | int) -> str:
    """Read a non-negative value rounded half-up to hundredths, as averages are spoken.

    5.25 -> "пет цяло и двадесет и пет стотни", 3.01 -> "три цяло и една стотна",
    5.00 -> "пет". The whole part is neuter, as a number named on its own ("две цяло").
    """
    amount = _to_decimal(value)
    try:
        amount = amount.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # too large for the context precision
        raise ValueError(f"{value} is too large") from exc
    whole = int(amount)
    hundredths = int((amount - whole) * 100)
    whole_words = number_words(whole, "n")
    if not hundredths:
        return whole_words
    noun = "стотна" if hundredths == 1 else "стотни"
    return f"{whole_words} цяло и {number_words(hundredths, 'f')} {noun}"


def grade_phrase(value: Decimal | int) -> str:
    """Grade word and value: "Много добър, пет цяло и двадесет и пет стотни", "Отличен шест".

    The value is rounded half-up to hundredths first; whole values are read without a pause.
    """
    amount = _to_decimal(value).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    if not Decimal(2) <= amount <= Decimal(6):
        raise ValueError(f"grade {value} is outside 2..6")
    word, _ = grade_word(amount)
    word = word[:1].upper() + word[1:]
    separator = " " if amount == amount.to_integral_value() else ", "
    return f"{word}{separator}{decimal_words(amount)}"


# --- counted nouns ----------------------------------------------------------------------------


class Noun(NamedTuple):
    """A noun the phone line counts: its gender, singular and form after a number."""

    gender: str
    singular: str
    counted: str


NOUNS: dict[str, Noun] = {
    noun.singular: noun
    for noun in (
        Noun("f", "оценка", "оценки"),
        Noun("m", "час", "часа"),
        Noun("n", "отсъствие", "отсъствия"),
        Noun("n", "неуважително отсъствие", "неуважителни отсъствия"),
        Noun("n", "уважително отсъствие", "уважителни отсъствия"),
        Noun("n", "закъснение", "закъснения"),
        Noun("f", "забележка", "забележки"),
        Noun("f", "похвала", "похвали"),
        Noun("n", "събитие", "събития"),
        Noun("n", "съобщение", "съобщения"),
        Noun("m", "ден", "дни"),
        Noun("f", "седмица", "седмици"),
        Noun("m", "месец", "месеца"),
        Noun("f", "година", "години"),
        Noun("f", "минута", "минути"),
        Noun("f", "секунда", "секунди"),
        Noun("m", "опит", "опита"),
        Noun("f", "цифра", "цифри"),
        Noun("m", "предмет", "предмета"),
        Noun("m", "урок", "урока"),
        Noun("n", "дете", "деца"),
        Noun("f", "домашна работа", "домашни работи"),
        Noun("f", "контролна работа", "контролни работи"),
        Noun("f", "класна работа", "класни работи"),
    )
}


def _noun(noun: str) -> Noun:
    try:
        return NOUNS[noun]
    except KeyError:
        raise ValueError(f"unknown noun {noun!r}; add it to NOUNS") from None


def count_phrase(n: int, noun: str) -> str:
    """Number and noun in agreement: "една оценка", "два часа", "нула оценки".

    ``noun`` is the singular as listed in ``NOUNS``.
    """
    entry = _noun(noun)
    form = entry.singular if n == 1 else entry.counted
    return f"{number_words(n, entry.gender)} {form}"


def marks_phrase(counts: Mapping[int, int]) -> str:
    """Qualitative marks of grades I–III counted, best first, each count with its noun (a bare
    "една Незадоволителен" does not agree): ``{6: 4, 5: 1}`` → "четири оценки Отличен и една
    оценка Много добър"; ``{6: 2}`` → "две оценки Отличен".

    Marks counted zero times are left out; ``""`` when nothing is left. Keys are whole marks
    2–6 (ValueError otherwise), counts non-negative ints.
    """
    parts = []
    for mark in sorted(counts, reverse=True):
        if mark not in QUALITATIVE_WORDS:
            raise ValueError(f"{mark!r} is not a qualitative mark 2..6")
        n = counts[mark]
        _check_int(n, 0, MAX_NUMBER)
        if n:
            parts.append(f"{count_phrase(n, 'оценка')} {QUALITATIVE_WORDS[mark]}")
    return join_list(parts)


def hours_phrase(value: Decimal | int) -> str:
    """Weighted hours in halves: "половин час", "един час и половина", "три часа"."""
    amount = _to_decimal(value)
    if amount % _HALF:
        raise ValueError(f"{value} is not a whole number of half hours")
    whole = int(amount)
    has_half = amount != whole
    if whole == 0 and has_half:
        return "половин час"
    phrase = count_phrase(whole, "час")
    return f"{phrase} и половина" if has_half else phrase


def halves_phrase(value: Decimal | int, noun: str) -> str:
    """A count in halves with its noun, for weighted totals (a late counts ½): "половин
    неуважително отсъствие", "едно неуважително отсъствие", "три и половина неуважителни
    отсъствия"; never "час", which a listener hears as sixty minutes."""
    amount = _to_decimal(value)
    if amount % _HALF:
        raise ValueError(f"{value} is not a whole number of halves")
    entry = _noun(noun)
    whole = int(amount)
    if amount == whole:
        return count_phrase(whole, noun)
    if whole == 0:
        return f"половин {entry.singular}"
    return f"{number_words(whole, entry.gender)} и половина {entry.counted}"


# --- dates and times --------------------------------------------------------------------------


def weekday_name(iso_weekday: int) -> str:
    """1 "понеделник" … 7 "неделя"."""
    _check_int(iso_weekday, 1, 7)
    return WEEKDAYS[iso_weekday - 1]


def on_weekday(iso_weekday: int) -> str:
    """The weekday after "в"/"във": "в понеделник", "във вторник", … "в неделя"."""
    return with_preposition("в", weekday_name(iso_weekday))


def with_preposition(preposition: str, phrase: str) -> str:
    """ "в" and "с" before a phrase, in their full forms where Bulgarian wants them: "във" before
    в/ф ("във втори час", "във вторник"), "със" before с/з ("със Симеон"); others unchanged."""
    full = {"в": ("във", "вф"), "с": ("със", "сз")}
    first = phrase[:1].casefold()
    if preposition in full and first and first in full[preposition][1]:
        return f"{full[preposition][0]} {phrase}"
    return f"{preposition} {phrase}"


def date_words(d: date, with_weekday: bool = False, *, with_year: bool = False) -> str:
    """The day as an ordinal and the month: "двадесет и пети ноември".

    With the weekday: "сряда, двадесет и пети ноември"; with the year:
    "двадесет и пети ноември две хиляди двадесет и пета година".
    """
    text = f"{ordinal_words(d.day)} {MONTHS[d.month - 1]}"
    if with_year:
        text += f" {ordinal_words(d.year, 'f')} година"
    if with_weekday:
        text = f"{weekday_name(d.isoweekday())}, {text}"
    return text


def time_words(t: time) -> str:
    """Clock time: "осем часа и двадесет минути", "осем часа", "един час и една минута"."""
    hours = count_phrase(t.hour, "час")
    if not t.minute:
        return hours
    return f"{hours} и {count_phrase(t.minute, 'минута')}"


def relative_day(d: date, today: date) -> str:
    """Say "днес", "вчера" or "утре" relative to ``today``, otherwise the date in words."""
    offset = (d - today).days
    if offset == 0:
        return "днес"
    if offset == -1:
        return "вчера"
    if offset == 1:
        return "утре"
    return date_words(d)


# --- guards and helpers -----------------------------------------------------------------------


def spell_digits(s: str) -> str:
    """Read the ASCII digits of ``s`` one by one ("едно две три"); everything else is skipped."""
    return " ".join(_DIGIT_WORDS[int(ch)] for ch in s if ch in _ASCII_DIGITS)


def ensure_no_digits(text: str) -> str:
    """Return ``text`` unchanged, or raise ValueError if an ASCII digit would reach TTS."""
    found = sorted({ch for ch in text if ch in _ASCII_DIGITS})
    if found:
        raise ValueError(f"digits {''.join(found)!r} would reach text-to-speech: {text!r}")
    return text


def join_list(items: Sequence[str]) -> str:
    """Join with commas and a final "и": "а", "а и б", "а, б и в"; empty gives "".

    When an item holds "и" itself ("География и икономика"), every item is parted by a comma
    and no "и" is added, so that each "и" heard belongs to a name:
    "Английски език, География и икономика"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if any(" и " in f" {item} " for item in items):
        return ", ".join(items)
    return ", ".join(items[:-1]) + " и " + items[-1]
