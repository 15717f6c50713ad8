"""Bulgarian words for the phone line: tables of boundary cases, one id per case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import time
from decimal import Decimal
from typing import Any

import pytest

from ivr.speech import NOUNS
from ivr.speech import count_phrase
from ivr.speech import date_words
from ivr.speech import decimal_words
from ivr.speech import ensure_no_digits
from ivr.speech import grade_phrase
from ivr.speech import halves_phrase
from ivr.speech import hours_phrase
from ivr.speech import join_list
from ivr.speech import marks_phrase
from ivr.speech import number_words
from ivr.speech import on_weekday
from ivr.speech import ordinal_words
from ivr.speech import relative_day
from ivr.speech import spell_digits
from ivr.speech import time_words
from ivr.speech import weekday_name
from ivr.speech import with_preposition

D = Decimal
case = pytest.param

# --- number_words -----------------------------------------------------------------------------

NUMBER_CASES = [
    case(0, "m", "нула", id="0-m"),
    case(0, "f", "нула", id="0-f"),
    case(0, "n", "нула", id="0-n"),
    case(1, "m", "един", id="1-m"),
    case(1, "f", "една", id="1-f"),
    case(1, "n", "едно", id="1-n"),
    case(2, "m", "два", id="2-m"),
    case(2, "f", "две", id="2-f"),
    case(2, "n", "две", id="2-n"),
    case(3, "f", "три", id="3-f"),
    case(9, "m", "девет", id="9"),
    case(10, "m", "десет", id="10"),
    case(11, "m", "единадесет", id="11-m"),
    case(11, "f", "единадесет", id="11-f-no-gender"),
    case(12, "m", "дванадесет", id="12-m"),
    case(12, "f", "дванадесет", id="12-f-no-gender"),
    case(13, "m", "тринадесет", id="13"),
    case(14, "m", "четиринадесет", id="14"),
    case(15, "m", "петнадесет", id="15"),
    case(16, "m", "шестнадесет", id="16"),
    case(17, "m", "седемнадесет", id="17"),
    case(18, "m", "осемнадесет", id="18"),
    case(19, "m", "деветнадесет", id="19"),
    case(20, "m", "двадесет", id="20"),
    case(21, "m", "двадесет и един", id="21-m"),
    case(21, "f", "двадесет и една", id="21-f"),
    case(21, "n", "двадесет и едно", id="21-n"),
    case(22, "m", "двадесет и два", id="22-m"),
    case(22, "f", "двадесет и две", id="22-f"),
    case(30, "m", "тридесет", id="30"),
    case(40, "m", "четиридесет", id="40"),
    case(50, "m", "петдесет", id="50"),
    case(60, "m", "шестдесет", id="60"),
    case(70, "m", "седемдесет", id="70"),
    case(80, "m", "осемдесет", id="80"),
    case(99, "m", "деветдесет и девет", id="99"),
    case(100, "m", "сто", id="100"),
    case(101, "m", "сто и един", id="101-m"),
    case(101, "f", "сто и една", id="101-f"),
    case(102, "n", "сто и две", id="102-n"),
    case(110, "m", "сто и десет", id="110"),
    case(111, "m", "сто и единадесет", id="111"),
    case(120, "m", "сто и двадесет", id="120"),
    case(125, "m", "сто двадесет и пет", id="125"),
    case(200, "m", "двеста", id="200"),
    case(300, "m", "триста", id="300"),
    case(400, "m", "четиристотин", id="400"),
    case(500, "m", "петстотин", id="500"),
    case(600, "m", "шестстотин", id="600"),
    case(700, "m", "седемстотин", id="700"),
    case(800, "m", "осемстотин", id="800"),
    case(900, "m", "деветстотин", id="900"),
    case(999, "m", "деветстотин деветдесет и девет", id="999"),
    case(1000, "m", "хиляда", id="1000"),
    case(1001, "m", "хиляда и един", id="1001-m"),
    case(1001, "f", "хиляда и една", id="1001-f"),
    case(1002, "n", "хиляда и две", id="1002-n"),
    case(1020, "m", "хиляда и двадесет", id="1020"),
    case(1100, "m", "хиляда и сто", id="1100"),
    case(1120, "m", "хиляда сто и двадесет", id="1120"),
    case(1125, "m", "хиляда сто двадесет и пет", id="1125"),
    case(1200, "m", "хиляда и двеста", id="1200"),
    case(1234, "m", "хиляда двеста тридесет и четири", id="1234"),
    case(2000, "m", "две хиляди", id="2000-thousands-feminine"),
    case(2001, "m", "две хиляди и един", id="2001"),
    case(2025, "m", "две хиляди двадесет и пет", id="2025"),
    case(10000, "m", "десет хиляди", id="10000"),
    case(11000, "m", "единадесет хиляди", id="11000"),
    case(21000, "m", "двадесет и една хиляди", id="21000"),
    case(22000, "m", "двадесет и две хиляди", id="22000"),
    case(100000, "m", "сто хиляди", id="100000"),
    case(101000, "m", "сто и една хиляди", id="101000"),
    case(121001, "f", "сто двадесет и една хиляди и една", id="121001-f"),
    case(
        999999,
        "m",
        "деветстотин деветдесет и девет хиляди деветстотин деветдесет и девет",
        id="999999",
    ),
]


def test_number_words_default_gender_is_masculine() -> None:
    assert number_words(1) == "един"


NUMBER_REJECTS = [
    case((-1, "m"), ValueError, id="negative"),
    case((1_000_000, "m"), ValueError, id="million"),
    case((5, "x"), ValueError, id="bad-gender"),
    case((1.0, "m"), TypeError, id="float"),
    case((True, "m"), TypeError, id="bool"),
]


# --- ordinal_words ----------------------------------------------------------------------------

ORDINAL_CASES = [
    case(1, "m", "първи", id="1-m"),
    case(1, "f", "първа", id="1-f"),
    case(1, "n", "първо", id="1-n"),
    case(2, "m", "втори", id="2-m"),
    case(2, "f", "втора", id="2-f"),
    case(2, "n", "второ", id="2-n"),
    case(3, "m", "трети", id="3"),
    case(4, "m", "четвърти", id="4"),
    case(5, "m", "пети", id="5"),
    case(6, "m", "шести", id="6"),
    case(7, "m", "седми", id="7"),
    case(8, "m", "осми", id="8"),
    case(9, "m", "девети", id="9"),
    case(10, "m", "десети", id="10"),
    case(11, "m", "единадесети", id="11"),
    case(12, "f", "дванадесета", id="12-f"),
    case(19, "m", "деветнадесети", id="19"),
    case(20, "m", "двадесети", id="20"),
    case(21, "m", "двадесет и първи", id="21-m"),
    case(21, "f", "двадесет и първа", id="21-f"),
    case(22, "m", "двадесет и втори", id="22"),
    case(25, "m", "двадесет и пети", id="25"),
    case(30, "m", "тридесети", id="30"),
    case(31, "m", "тридесет и първи", id="31"),
    case(99, "m", "деветдесет и девети", id="99"),
    case(100, "m", "стотен", id="100-m"),
    case(100, "f", "стотна", id="100-f"),
    case(100, "n", "стотно", id="100-n"),
    case(101, "m", "сто и първи", id="101"),
    case(110, "m", "сто и десети", id="110"),
    case(120, "m", "сто и двадесети", id="120"),
    case(125, "m", "сто двадесет и пети", id="125"),
    case(200, "m", "двестотен", id="200"),
    case(300, "f", "тристотна", id="300-f"),
    case(400, "m", "четиристотен", id="400"),
    case(999, "m", "деветстотин деветдесет и девети", id="999"),
    case(1000, "m", "хиляден", id="1000"),
    case(1001, "m", "хиляда и първи", id="1001"),
    case(2000, "f", "двехилядна", id="2000-f"),
    case(2010, "f", "две хиляди и десета", id="2010-f"),
    case(2025, "f", "две хиляди двадесет и пета", id="2025-f"),
]

ORDINAL_REJECTS = [
    case((0, "m"), ValueError, id="zero"),
    case((1_000_000, "m"), ValueError, id="million"),
    case((1, "x"), ValueError, id="bad-gender"),
]


# --- decimals and grades ----------------------------------------------------------------------

DECIMAL_CASES = [
    case(D("5.25"), "пет цяло и двадесет и пет стотни", id="5.25"),
    case(D("5.20"), "пет цяло и двадесет стотни", id="5.20"),
    case(D("5.05"), "пет цяло и пет стотни", id="5.05"),
    case(D("5.00"), "пет", id="5.00-whole"),
    case(D("2.00"), "две", id="2.00-neuter"),
    case(D("6.00"), "шест", id="6.00"),
    case(D("3.01"), "три цяло и една стотна", id="3.01-one-hundredth"),
    case(D("3.02"), "три цяло и две стотни", id="3.02"),
    case(D("4.21"), "четири цяло и двадесет и една стотни", id="4.21"),
    case(D("4.5"), "четири цяло и петдесет стотни", id="4.5-read-as-hundredths"),
    case(D("1.10"), "едно цяло и десет стотни", id="1.10-neuter-whole"),
    case(D("0.01"), "нула цяло и една стотна", id="0.01"),
    case(D("4.555"), "четири цяло и петдесет и шест стотни", id="4.555-half-up"),
    case(D("4.545"), "четири цяло и петдесет и пет стотни", id="4.545-half-up-not-bankers"),
    case(D("5.999"), "шест", id="5.999-rounds-to-whole"),
    case(5, "пет", id="int"),
]


DECIMAL_REJECTS = [
    case((D("-0.01"),), ValueError, id="negative"),
    case((D("NaN"),), ValueError, id="nan"),
    case((D("Infinity"),), ValueError, id="infinity"),
    case((5.25,), TypeError, id="float"),
]


GRADE_CASES = [
    case(D("2.00"), "Слаб две", id="2.00"),
    case(D("2.99"), "Слаб, две цяло и деветдесет и девет стотни", id="2.99"),
    case(D("3.00"), "Среден три", id="3.00"),
    case(D("3.49"), "Среден, три цяло и четиридесет и девет стотни", id="3.49"),
    case(D("3.50"), "Добър, три цяло и петдесет стотни", id="3.50"),
    case(D("4.49"), "Добър, четири цяло и четиридесет и девет стотни", id="4.49"),
    case(D("4.50"), "Много добър, четири цяло и петдесет стотни", id="4.50"),
    case(D("5.25"), "Много добър, пет цяло и двадесет и пет стотни", id="5.25"),
    case(D("5.49"), "Много добър, пет цяло и четиридесет и девет стотни", id="5.49"),
    case(D("5.50"), "Отличен, пет цяло и петдесет стотни", id="5.50"),
    case(D("6.00"), "Отличен шест", id="6.00"),
    case(D("5.495"), "Отличен, пет цяло и петдесет стотни", id="5.495-rounds-up"),
]

GRADE_REJECTS = [
    case((D("1.99"),), ValueError, id="below-2"),
    case((D("6.01"),), ValueError, id="above-6"),
]


# --- counted nouns ----------------------------------------------------------------------------

COUNT_CASES = [
    # оценка, feminine
    case(0, "оценка", "нула оценки", id="оценка-0"),
    case(1, "оценка", "една оценка", id="оценка-1"),
    case(2, "оценка", "две оценки", id="оценка-2"),
    case(5, "оценка", "пет оценки", id="оценка-5"),
    case(11, "оценка", "единадесет оценки", id="оценка-11"),
    case(21, "оценка", "двадесет и една оценки", id="оценка-21"),
    # час, masculine: counted form after every number but one
    case(0, "час", "нула часа", id="час-0"),
    case(1, "час", "един час", id="час-1"),
    case(2, "час", "два часа", id="час-2"),
    case(5, "час", "пет часа", id="час-5"),
    case(11, "час", "единадесет часа", id="час-11"),
    case(21, "час", "двадесет и един часа", id="час-21"),
    case(22, "час", "двадесет и два часа", id="час-22"),
    # отсъствие, neuter
    case(0, "отсъствие", "нула отсъствия", id="отсъствие-0"),
    case(1, "отсъствие", "едно отсъствие", id="отсъствие-1"),
    case(2, "отсъствие", "две отсъствия", id="отсъствие-2"),
    case(5, "отсъствие", "пет отсъствия", id="отсъствие-5"),
    case(11, "отсъствие", "единадесет отсъствия", id="отсъствие-11"),
    case(21, "отсъствие", "двадесет и едно отсъствия", id="отсъствие-21"),
    # неуважително отсъствие, neuter, adjective agrees
    case(0, "неуважително отсъствие", "нула неуважителни отсъствия", id="неуважително-0"),
    case(1, "неуважително отсъствие", "едно неуважително отсъствие", id="неуважително-1"),
    case(2, "неуважително отсъствие", "две неуважителни отсъствия", id="неуважително-2"),
    case(3, "неуважително отсъствие", "три неуважителни отсъствия", id="неуважително-3"),
    case(11, "неуважително отсъствие", "единадесет неуважителни отсъствия", id="неуважително-11"),
    case(
        21,
        "неуважително отсъствие",
        "двадесет и едно неуважителни отсъствия",
        id="неуважително-21",
    ),
    case(1, "уважително отсъствие", "едно уважително отсъствие", id="уважително-1"),
    case(2, "уважително отсъствие", "две уважителни отсъствия", id="уважително-2"),
    # закъснение, neuter
    case(0, "закъснение", "нула закъснения", id="закъснение-0"),
    case(1, "закъснение", "едно закъснение", id="закъснение-1"),
    case(2, "закъснение", "две закъснения", id="закъснение-2"),
    case(5, "закъснение", "пет закъснения", id="закъснение-5"),
    case(11, "закъснение", "единадесет закъснения", id="закъснение-11"),
    case(21, "закъснение", "двадесет и едно закъснения", id="закъснение-21"),
    # забележка, feminine
    case(0, "забележка", "нула забележки", id="забележка-0"),
    case(1, "забележка", "една забележка", id="забележка-1"),
    case(2, "забележка", "две забележки", id="забележка-2"),
    case(5, "забележка", "пет забележки", id="забележка-5"),
    case(11, "забележка", "единадесет забележки", id="забележка-11"),
    case(21, "забележка", "двадесет и една забележки", id="забележка-21"),
    # похвала, feminine
    case(0, "похвала", "нула похвали", id="похвала-0"),
    case(1, "похвала", "една похвала", id="похвала-1"),
    case(2, "похвала", "две похвали", id="похвала-2"),
    case(5, "похвала", "пет похвали", id="похвала-5"),
    case(11, "похвала", "единадесет похвали", id="похвала-11"),
    case(21, "похвала", "двадесет и една похвали", id="похвала-21"),
    # събитие, neuter
    case(0, "събитие", "нула събития", id="събитие-0"),
    case(1, "събитие", "едно събитие", id="събитие-1"),
    case(2, "събитие", "две събития", id="събитие-2"),
    case(5, "събитие", "пет събития", id="събитие-5"),
    case(11, "събитие", "единадесет събития", id="събитие-11"),
    case(21, "събитие", "двадесет и едно събития", id="събитие-21"),
    # ден, masculine with the counted form "дни"
    case(0, "ден", "нула дни", id="ден-0"),
    case(1, "ден", "един ден", id="ден-1"),
    case(2, "ден", "два дни", id="ден-2"),
    case(5, "ден", "пет дни", id="ден-5"),
    case(11, "ден", "единадесет дни", id="ден-11"),
    case(21, "ден", "двадесет и един дни", id="ден-21"),
    # минута, feminine
    case(0, "минута", "нула минути", id="минута-0"),
    case(1, "минута", "една минута", id="минута-1"),
    case(2, "минута", "две минути", id="минута-2"),
    case(5, "минута", "пет минути", id="минута-5"),
    case(11, "минута", "единадесет минути", id="минута-11"),
    case(21, "минута", "двадесет и една минути", id="минута-21"),
    # a few more from the table
    case(2, "опит", "два опита", id="опит-2"),
    case(1, "опит", "един опит", id="опит-1"),
    case(4, "цифра", "четири цифри", id="цифра-4"),
    case(2, "дете", "две деца", id="дете-2"),
    case(1, "домашна работа", "една домашна работа", id="домашна-работа-1"),
    case(2, "контролна работа", "две контролни работи", id="контролна-работа-2"),
    case(101, "оценка", "сто и една оценки", id="оценка-101"),
]


@pytest.mark.parametrize(("noun", "entry"), [case(k, v, id=k) for k, v in NOUNS.items()])
def test_noun_table_is_consistent(noun: str, entry: object) -> None:
    assert count_phrase(1, noun).endswith(" " + noun)
    assert entry.gender in ("m", "f", "n")  # type: ignore[attr-defined]


COUNT_REJECTS = [
    case((1, "котка"), ValueError, id="unknown-noun"),
    case((-1, "оценка"), ValueError, id="negative"),
]


HOURS_CASES = [
    case(D("0"), "нула часа", id="0"),
    case(D("0.5"), "половин час", id="0.5"),
    case(D("1"), "един час", id="1"),
    case(D("1.0"), "един час", id="1.0"),
    case(D("1.5"), "един час и половина", id="1.5"),
    case(D("2"), "два часа", id="2"),
    case(D("2.5"), "два часа и половина", id="2.5"),
    case(D("3"), "три часа", id="3"),
    case(D("4.5"), "четири часа и половина", id="4.5"),
    case(D("21"), "двадесет и един часа", id="21"),
    case(D("21.50"), "двадесет и един часа и половина", id="21.50"),
    case(7, "седем часа", id="int"),
]

HOURS_REJECTS = [
    case((D("1.25"),), ValueError, id="quarter"),
    case((D("-0.5"),), ValueError, id="negative"),
]


# --- dates and times --------------------------------------------------------------------------

DATE_CASES = [
    case(date(2025, 11, 25), False, "двадесет и пети ноември", id="25-nov"),
    case(date(2025, 11, 25), True, "вторник, двадесет и пети ноември", id="25-nov-weekday"),
    case(date(2025, 11, 26), True, "сряда, двадесет и шести ноември", id="26-nov-weekday"),
    case(date(2026, 1, 1), False, "първи януари", id="1-jan"),
    case(date(2026, 1, 1), True, "четвъртък, първи януари", id="1-jan-weekday"),
    case(date(2025, 12, 31), False, "тридесет и първи декември", id="31-dec"),
    case(date(2026, 2, 2), False, "втори февруари", id="2-feb"),
    case(date(2026, 3, 3), False, "трети март", id="3-mar"),
    case(date(2026, 4, 11), False, "единадесети април", id="11-apr"),
    case(date(2026, 5, 24), False, "двадесет и четвърти май", id="24-may"),
    case(date(2026, 6, 7), False, "седми юни", id="7-jun"),
    case(date(2026, 7, 8), False, "осми юли", id="8-jul"),
    case(date(2026, 8, 20), False, "двадесети август", id="20-aug"),
    case(date(2025, 9, 15), False, "петнадесети септември", id="15-sep"),
    case(date(2025, 10, 30), False, "тридесети октомври", id="30-oct"),
]


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        case(
            date(2025, 11, 25),
            "двадесет и пети ноември две хиляди двадесет и пета година",
            id="2025",
        ),
        case(date(2000, 1, 1), "първи януари двехилядна година", id="2000"),
        case(date(2010, 9, 15), "петнадесети септември две хиляди и десета година", id="2010"),
    ],
)
def test_date_words_with_year(d: date, expected: str) -> None:
    assert date_words(d, with_year=True) == expected


WEEKDAY_CASES = [
    case(1, "понеделник", "в понеделник", id="1-mon"),
    case(2, "вторник", "във вторник", id="2-tue"),
    case(3, "сряда", "в сряда", id="3-wed"),
    case(4, "четвъртък", "в четвъртък", id="4-thu"),
    case(5, "петък", "в петък", id="5-fri"),
    case(6, "събота", "в събота", id="6-sat"),
    case(7, "неделя", "в неделя", id="7-sun"),
]


@pytest.mark.parametrize(("iso", "name", "on"), WEEKDAY_CASES)
def test_weekdays(iso: int, name: str, on: str) -> None:
    assert weekday_name(iso) == name
    assert on_weekday(iso) == on


WEEKDAY_REJECTS = [case((0,), ValueError, id="0"), case((8,), ValueError, id="8")]


TIME_CASES = [
    case(time(8, 20), "осем часа и двадесет минути", id="08:20"),
    case(time(8, 0), "осем часа", id="08:00"),
    case(time(13, 5), "тринадесет часа и пет минути", id="13:05"),
    case(time(1, 1), "един час и една минута", id="01:01"),
    case(time(2, 2), "два часа и две минути", id="02:02"),
    case(time(0, 0), "нула часа", id="00:00"),
    case(time(0, 30), "нула часа и тридесет минути", id="00:30"),
    case(time(21, 21), "двадесет и един часа и двадесет и една минути", id="21:21"),
    case(time(23, 59), "двадесет и три часа и петдесет и девет минути", id="23:59"),
    case(time(12, 45, 30), "дванадесет часа и четиридесет и пет минути", id="seconds-ignored"),
]


TODAY = date(2025, 11, 25)

RELATIVE_CASES = [
    case(date(2025, 11, 25), "днес", id="today"),
    case(date(2025, 11, 24), "вчера", id="yesterday"),
    case(date(2025, 11, 26), "утре", id="tomorrow"),
    case(date(2025, 11, 23), "двадесет и трети ноември", id="two-days-ago"),
    case(date(2025, 11, 27), "двадесет и седми ноември", id="in-two-days"),
    case(date(2024, 11, 25), "двадесет и пети ноември", id="same-day-last-year"),
]


@pytest.mark.parametrize(("d", "expected"), RELATIVE_CASES)
def test_relative_day(d: date, expected: str) -> None:
    assert relative_day(d, TODAY) == expected


def test_relative_day_across_month_end() -> None:
    assert relative_day(date(2025, 12, 1), date(2025, 11, 30)) == "утре"
    assert relative_day(date(2025, 12, 31), date(2026, 1, 1)) == "вчера"


# --- guards and helpers -----------------------------------------------------------------------

SPELL_CASES = [
    case("123", "едно две три", id="123"),
    case("0000", "нула нула нула нула", id="zeros"),
    case("4567890", "четири пет шест седем осем девет нула", id="all-digits"),
    case("12-34 5", "едно две три четири пет", id="separators-ignored"),
    case("+359 88", "три пет девет осем осем", id="phone-prefix"),
    case("", "", id="empty"),
    case("абв", "", id="no-digits"),
    case("١٢", "", id="non-ascii-digits-ignored"),
]


@pytest.mark.parametrize(
    "text",
    [
        case("Много добър, пет цяло и двадесет и пет стотни", id="words"),
        case("", id="empty"),
        case("Въведете кода, последван от диез.", id="punctuation"),
    ],
)
def test_ensure_no_digits_passes_text_through(text: str) -> None:
    assert ensure_no_digits(text) is text


DIGITS_REJECTS = [
    case(("Много добър 5,25",), ValueError, id="grade-digits"),
    case(("0",), ValueError, id="single-zero"),
    case(("стая 12",), ValueError, id="trailing-number"),
]


@pytest.mark.parametrize(
    "text",
    [
        case(number_words(999_999), id="number_words"),
        case(decimal_words(D("5.25")), id="decimal_words"),
        case(grade_phrase(D("4.50")), id="grade_phrase"),
        case(hours_phrase(D("4.5")), id="hours_phrase"),
        case(date_words(date(2025, 11, 25), True, with_year=True), id="date_words"),
        case(time_words(time(8, 20)), id="time_words"),
        case(spell_digits("2025"), id="spell_digits"),
    ],
)
def test_spoken_output_has_no_digits(text: str) -> None:
    assert ensure_no_digits(text) == text


JOIN_CASES = [
    case([], "", id="empty"),
    case(["математика"], "математика", id="one"),
    case(["математика", "физика"], "математика и физика", id="two"),
    case(["а", "б", "в"], "а, б и в", id="three"),
    case(["а", "б", "в", "г"], "а, б, в и г", id="four"),
    case(["Английски език", "География и икономика"], "Английски език, География и икономика",
         id="a-name-with-и-no-and-added"),
    case(["Човекът и природата", "Музика", "Математика"],
         "Човекът и природата, Музика, Математика", id="first-name-with-и-commas-only"),
    case(["Физика и астрономия"], "Физика и астрономия", id="one-name-with-и"),
    case(["Информатика", "История"], "Информатика и История", id="и-inside-a-word-is-not-и"),
]  # fmt: skip


PREPOSITION_CASES = [
    case("в", "втори", "във втори", id="в-before-в"),
    case("в", "Враца", "във Враца", id="в-before-capital-В"),
    case("в", "февруари", "във февруари", id="в-before-ф"),
    case("в", "трети", "в трети", id="в-plain"),
    case("с", "Симеон", "със Симеон", id="с-before-с"),
    case("с", "златен медал", "със златен медал", id="с-before-з"),
    case("с", "Иван", "с Иван", id="с-plain"),
    case("по", "физика", "по физика", id="other-prepositions-unchanged"),
    case("в", "", "в ", id="empty-phrase"),
]


HALVES_CASES = [  # a weighted total: a late counts half an absence, never "half an hour"
    case(D("0.5"), "неуважително отсъствие", "половин неуважително отсъствие", id="half-alone"),
    case(D("1"), "неуважително отсъствие", "едно неуважително отсъствие", id="one"),
    case(D("1.5"), "неуважително отсъствие", "едно и половина неуважителни отсъствия",
         id="one-and-a-half"),
    case(D("2"), "неуважително отсъствие", "две неуважителни отсъствия", id="two-neuter"),
    case(D("21.5"), "неуважително отсъствие",
         "двадесет и едно и половина неуважителни отсъствия", id="21.5"),
    case(0, "неуважително отсъствие", "нула неуважителни отсъствия", id="zero"),
]  # fmt: skip
HALVES_REJECTS = [
    case((D("0.25"), "неуважително отсъствие"), ValueError, id="quarter"),
    case((D("-1"), "неуважително отсъствие"), ValueError, id="negative"),
    case((D("1"), "котка"), ValueError, id="unknown-noun"),
]


# --- marks_phrase: grades I–III counted, each count with "оценка" (feminine) ------------------

MARKS_CASES = [
    case({6: 4, 5: 1}, "четири оценки Отличен и една оценка Много добър", id="four-and-one"),
    case({6: 2}, "две оценки Отличен", id="two-feminine"),
    case({5: 1}, "една оценка Много добър", id="one-feminine"),
    case({6: 21}, "двадесет и една оценки Отличен", id="21-feminine"),
    case({6: 12}, "дванадесет оценки Отличен", id="12"),
    case({4: 101}, "сто и една оценки Добър", id="101-feminine"),
    case(
        {2: 1, 6: 3, 4: 2},
        "три оценки Отличен, две оценки Добър и една оценка Незадоволителен",
        id="best-first",
    ),
    case({3: 2}, "две оценки Среден", id="среден"),
    case({6: 0, 5: 2}, "две оценки Много добър", id="zero-left-out"),
    case({}, "", id="empty"),
    case({6: 0}, "", id="only-zero"),
]


@pytest.mark.parametrize(("counts", "expected"), MARKS_CASES)
def test_marks_phrase(counts: dict[int, int], expected: str) -> None:
    assert marks_phrase(counts) == expected
    ensure_no_digits(expected)


MARKS_REJECTS = [
    case(({7: 1},), ValueError, id="mark-7"),
    case(({1: 1},), ValueError, id="mark-1"),
    case(({6: -1},), ValueError, id="negative-count"),
]


# --- every function × its table ------------------------------------------------------------------


def cases_of(words: Callable[..., Any], cases: list[Any]) -> list[Any]:
    """The ``(arguments…, expected)`` cases of ``words`` as ``(words, arguments, expected)``,
    their ids prefixed with its name."""
    return [case(words, c.values[:-1], c.values[-1], id=f"{words.__name__}-{c.id}") for c in cases]


def rejects_of(words: Callable[..., Any], cases: list[Any]) -> list[Any]:
    """The ``(arguments, error)`` cases of ``words`` as ``(words, arguments, error)``."""
    return [case(words, *c.values, id=f"{words.__name__}-{c.id}") for c in cases]


@pytest.mark.parametrize(
    ("words", "args", "expected"),
    cases_of(number_words, NUMBER_CASES)
    + cases_of(ordinal_words, ORDINAL_CASES)
    + cases_of(decimal_words, DECIMAL_CASES)
    + cases_of(grade_phrase, GRADE_CASES)
    + cases_of(count_phrase, COUNT_CASES)
    + cases_of(hours_phrase, HOURS_CASES)
    + cases_of(date_words, DATE_CASES)
    + cases_of(time_words, TIME_CASES)
    + cases_of(spell_digits, SPELL_CASES)
    + cases_of(join_list, JOIN_CASES)
    + cases_of(with_preposition, PREPOSITION_CASES)
    + cases_of(halves_phrase, HALVES_CASES),
)
def test_words(words: Callable[..., str], args: tuple[Any, ...], expected: str) -> None:
    assert words(*args) == expected


@pytest.mark.parametrize(
    ("words", "args", "error"),
    rejects_of(number_words, NUMBER_REJECTS)
    + rejects_of(ordinal_words, ORDINAL_REJECTS)
    + rejects_of(decimal_words, DECIMAL_REJECTS)
    + rejects_of(grade_phrase, GRADE_REJECTS)
    + rejects_of(count_phrase, COUNT_REJECTS)
    + rejects_of(hours_phrase, HOURS_REJECTS)
    + rejects_of(weekday_name, WEEKDAY_REJECTS)
    + rejects_of(ensure_no_digits, DIGITS_REJECTS)
    + rejects_of(marks_phrase, MARKS_REJECTS)
    + rejects_of(halves_phrase, HALVES_REJECTS),
)
def test_rejects(words: Callable[..., Any], args: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        words(*args)
