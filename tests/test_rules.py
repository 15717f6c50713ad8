"""Table-driven tests for gradebook.rules (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

import pickle
import random
from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest

from gradebook import rules
from gradebook.rules import ABSENCE_KINDS
from gradebook.rules import CURRENT_KINDS
from gradebook.rules import EXCUSE_REASONS
from gradebook.rules import GRADE_KINDS
from gradebook.rules import MONTHS_BG
from gradebook.rules import SOP_MARKS
from gradebook.rules import WEEKDAYS_BG
from gradebook.rules import AbsenceTotals
from gradebook.rules import RuleError
from gradebook.rules import absence_totals
from gradebook.rules import average
from gradebook.rules import check_current_grade
from gradebook.rules import check_final_grade
from gradebook.rules import check_grade
from gradebook.rules import egn_info
from gradebook.rules import entry_locked
from gradebook.rules import exceeds_monthly_threshold
from gradebook.rules import forecast_whole
from gradebook.rules import format_date_bg
from gradebook.rules import format_datetime_bg
from gradebook.rules import format_decimal_bg
from gradebook.rules import grade_text
from gradebook.rules import grade_word
from gradebook.rules import is_valid_egn
from gradebook.rules import is_valid_lnch
from gradebook.rules import is_valid_student_code
from gradebook.rules import min_grades_per_term
from gradebook.rules import missing_grades_warning
from gradebook.rules import month_year_bg
from gradebook.rules import new_student_code
from gradebook.rules import normalize_student_code
from gradebook.rules import official_average
from gradebook.rules import parent_excused_days_ok
from gradebook.rules import parent_excused_days_problem
from gradebook.rules import parse_current_grade
from gradebook.rules import qualitative_word
from gradebook.rules import sop_word
from gradebook.rules import term_forecast
from gradebook.rules import validate_personal_id
from gradebook.rules import weighted_unexcused
from gradebook.rules import whole_mark

D = Decimal


# ---------------------------------------------------------------------------------------------
# Helpers computed from the published algorithms (independent of the module's code)
# ---------------------------------------------------------------------------------------------


def make_egn(born: date, serial: int, male: bool) -> str:
    """Build a valid ЕГН: YYMMDD + 3-digit serial (parity = sex) + check digit."""
    month = born.month + {18: 20, 19: 0, 20: 40}[born.year // 100]
    serial = serial - serial % 2 + (0 if male else 1)
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial:03d}"
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6)
    check = sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + str(0 if check == 10 else check)


def make_lnch(body: str) -> str:
    weights = (21, 19, 17, 13, 11, 9, 7, 3, 1)
    return body + str(sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 10)


def wrong_check_digit(number: str) -> str:
    """The same number with its last (check) digit changed."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


# ---------------------------------------------------------------------------------------------
# RuleError
# ---------------------------------------------------------------------------------------------


def test_rule_error_is_value_error_with_bulgarian_message() -> None:
    with pytest.raises(ValueError) as info:
        check_current_grade(D("2.50"))
    error = info.value
    assert isinstance(error, RuleError)
    assert str(error).isascii()
    assert "Текущата оценка" in error.message_bg
    assert error.code == "grade.range"


def test_rule_error_pickles() -> None:
    error = RuleError("bad", "лошо", "x.y")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.message_bg, copy.code) == ("bad", "лошо", "x.y")


# ---------------------------------------------------------------------------------------------
# Grade words
# ---------------------------------------------------------------------------------------------

WORD_CASES = [
    ("2.00", "Слаб", 2),
    ("2.99", "Слаб", 2),
    ("3.00", "Среден", 3),
    ("3.49", "Среден", 3),
    ("3.50", "Добър", 4),
    ("4.49", "Добър", 4),
    ("4.50", "Много добър", 5),
    ("5.49", "Много добър", 5),
    ("5.50", "Отличен", 6),
    ("6.00", "Отличен", 6),
    ("3.495", "Добър", 4),  # shown as 3,50, so the word must agree
    ("5.494", "Много добър", 5),
]


@pytest.mark.parametrize(
    ("value", "word", "mark"),
    WORD_CASES,
    ids=[f"{v} is {w}" for v, w, _ in WORD_CASES],
)
def test_grade_word_boundaries(value: str, word: str, mark: int) -> None:
    assert grade_word(D(value)) == (word, mark)
    assert whole_mark(D(value)) == mark


@pytest.mark.parametrize(
    "value",
    [D("1.99"), D("6.01"), D("0"), D("NaN"), D("Infinity"), "abc"],
    ids=["1.99 below scale", "6.01 above scale", "zero", "NaN", "infinity", "not a number"],
)
def test_grade_word_rejects_values_off_the_scale(value: Decimal | str) -> None:
    with pytest.raises(RuleError):
        grade_word(value)


# ---------------------------------------------------------------------------------------------
# Averages
# ---------------------------------------------------------------------------------------------

AVERAGE_CASES = [
    (["5", "5", "6", "6", "6", "6", "6", "5"], "5.63"),  # 5.625: half-up, banker's gives 5.62
    (["4", "4.25"], "4.13"),  # 4.125 → 4.13, banker's gives 4.12
    (["4.12", "4.13"], "4.13"),  # 4.125 again
    (["2.675"], "2.68"),  # float round(2.675, 2) == 2.67
    (["6", "5", "5"], "5.33"),
    (["5", "6"], "5.50"),
    (["3", "3", "4"], "3.33"),
    (["2", "3"], "2.50"),
    (["6"], "6.00"),
    (["3.335", "3.335"], "3.34"),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    AVERAGE_CASES,
    ids=[f"mean of {','.join(v)} is {e}" for v, e in AVERAGE_CASES],
)
def test_average_half_up(values: list[str], expected: str) -> None:
    result = average(D(v) for v in values)
    assert result == D(expected)
    assert str(result) == expected  # exactly two places


def test_average_empty_is_none() -> None:
    assert average([]) is None
    assert term_forecast([]) is None
    assert forecast_whole([]) is None
    assert official_average([]) is None


def test_average_never_uses_float_rounding() -> None:
    assert round(4.125, 2) == 4.12  # what we must not do
    assert round(4.5) == 4
    assert average([D("4.125")]) == D("4.13")
    assert whole_mark(D("4.5")) == 5


def test_average_accepts_ints_and_strings() -> None:
    assert average([5, "6", D("5.5")]) == D("5.50")


OFFICIAL_CASES = [
    (["2.99", "3.50", "4.49", "6"], "4.00"),  # → 2, 4, 4, 6
    (["2.50"], "2.00"),  # below 3 is 2, not rounded up to 3
    (["4.50", "5.50"], "5.50"),  # → 5, 6
    (["3.49", "3.49", "5.51"], "4.00"),  # → 3, 3, 6
    (["3.49", "4.49", "5.49"], "4.00"),  # → 3, 4, 5; the plain mean is 4.49
    (["5", "5", "6"], "5.33"),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    OFFICIAL_CASES,
    ids=[f"official mean of {','.join(v)} is {e}" for v, e in OFFICIAL_CASES],
)
def test_official_average_rounds_each_grade_first(values: list[str], expected: str) -> None:
    assert official_average(D(v) for v in values) == D(expected)


def test_official_average_differs_from_plain_average() -> None:
    values = [D("4.50"), D("4.50")]
    assert average(values) == D("4.50")
    assert official_average(values) == D("5.00")


# ---------------------------------------------------------------------------------------------
# Current grades
# ---------------------------------------------------------------------------------------------

VALID_CURRENT = [
    (D("2"), "2.00"),
    (D("2.00"), "2.00"),
    (D("3.00"), "3.00"),
    (D("3.01"), "3.01"),
    (D("4.5"), "4.50"),
    (D("5.99"), "5.99"),
    (D("6.00"), "6.00"),
    (D("3.330"), "3.33"),
    (2, "2.00"),
    (6, "6.00"),
    ("5.25", "5.25"),
    ("5,25", "5.25"),
    (" 4 ", "4.00"),
]


@pytest.mark.parametrize(
    ("value", "normalized"),
    VALID_CURRENT,
    ids=[f"{v!r} is valid" for v, _ in VALID_CURRENT],
)
def test_valid_current_grades(value: Decimal | int | str, normalized: str) -> None:
    check_current_grade(value)
    assert str(parse_current_grade(value)) == normalized


INVALID_CURRENT = [
    (D("2.50"), "2.50 between 2 and 3"),
    (D("2.01"), "2.01 between 2 and 3"),
    (D("2.99"), "2.99 between 2 and 3"),
    (D("6.01"), "6.01 above 6"),
    (D("7"), "7 above 6"),
    (D("3.333"), "3.333 three places"),
    (D("5.555"), "5.555 three places"),
    (D("1"), "1 below 2"),
    (1, "int 1"),
    (D("0"), "zero"),
    (D("-3"), "negative"),
    (D("NaN"), "NaN"),
    (D("sNaN"), "signalling NaN"),
    (D("Infinity"), "infinity"),
    (D("-Infinity"), "minus infinity"),
    ("", "empty string"),
    ("пет", "word"),
    ("5e0", "exponent"),
    ("5_0", "underscore"),
    (True, "bool"),
    (None, "None"),
]


@pytest.mark.parametrize(
    "value",
    [v for v, _ in INVALID_CURRENT],
    ids=[i for _, i in INVALID_CURRENT],
)
def test_invalid_current_grades(value: object) -> None:
    with pytest.raises(ValueError):
        check_current_grade(value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Term and annual grades, grade levels, kinds
# ---------------------------------------------------------------------------------------------

FINAL_OK = [
    (6, 4, "term", "6 term in IV"),
    (D("2"), 12, "term", "2 term in XII"),
    ("5", 8, "annual", "5 annual in VIII"),
    (D("4.00"), 2, "annual", "4.00 annual in II"),
    (3, 3, "annual", "3 annual in III"),
]


@pytest.mark.parametrize(
    ("value", "level", "kind"),
    [c[:3] for c in FINAL_OK],
    ids=[c[3] for c in FINAL_OK],
)
def test_valid_final_grades(value: Decimal | int | str, level: int, kind: str) -> None:
    check_final_grade(value, level, kind)
    check_grade(value, level, kind)


FINAL_BAD = [
    (D("5.5"), 8, "term", "5.5 not whole"),
    (D("5.50"), 8, "annual", "5.50 not whole"),
    (1, 8, "term", "1 below 2"),
    (7, 8, "term", "7 above 6"),
    (5, 1, "term", "no term grade in I"),
    (5, 3, "term", "no term grade in III"),
    (5, 1, "annual", "no annual grade in I"),
    (5, 0, "annual", "no grades in ПГ"),
    (5, 13, "annual", "no grade XIII"),
    (5, 8, "current", "current is not a final kind"),
]


@pytest.mark.parametrize(
    ("value", "level", "kind"),
    [c[:3] for c in FINAL_BAD],
    ids=[c[3] for c in FINAL_BAD],
)
def test_invalid_final_grades(value: Decimal | int, level: int, kind: str) -> None:
    with pytest.raises(RuleError):
        check_final_grade(value, level, kind)


def test_final_grade_default_kind_is_term() -> None:
    check_final_grade(5, 5)
    with pytest.raises(RuleError):
        check_final_grade(5, 2)


CHECK_GRADE_CASES = [
    (D("5.25"), 5, "test", True, "decimal current grade in V"),
    (D("5.25"), 2, "current", False, "decimal current grade in II is not qualitative"),
    (5, 2, "current", True, "whole current grade in II"),
    (5, 0, "current", False, "no grades in ПГ"),
    (5, 8, "quiz", False, "unknown kind"),
]


@pytest.mark.parametrize(
    ("value", "level", "kind", "ok"),
    [c[:4] for c in CHECK_GRADE_CASES],
    ids=[c[4] for c in CHECK_GRADE_CASES],
)
def test_check_grade_by_level(value: Decimal | int, level: int, kind: str, ok: bool) -> None:
    if ok:
        check_grade(value, level, kind)
    else:
        with pytest.raises(RuleError):
            check_grade(value, level, kind)


def test_grade_kinds() -> None:
    assert CURRENT_KINDS == (
        "current",
        "control",
        "classwork",
        "test",
        "homework",
        "project",
        "entry_level",
        "exit_level",
    )
    assert set(GRADE_KINDS) == set(CURRENT_KINDS) | {"term", "annual"}
    assert GRADE_KINDS["classwork"] == "класна"
    assert GRADE_KINDS["homework"] == "домашна работа"
    assert GRADE_KINDS["term"] == "срочна"
    assert GRADE_KINDS["annual"] == "годишна"


QUALITATIVE = [
    (2, "Незадоволителен"),
    (3, "Среден"),
    (4, "Добър"),
    (5, "Много добър"),
    (6, "Отличен"),
]


@pytest.mark.parametrize(("mark", "word"), QUALITATIVE, ids=[f"{m} is {w}" for m, w in QUALITATIVE])
def test_qualitative_word(mark: int, word: str) -> None:
    assert qualitative_word(mark) == word


@pytest.mark.parametrize("mark", [1, 7, D("4.5")], ids=["1", "7", "4.5"])
def test_qualitative_word_rejects(mark: int) -> None:
    with pytest.raises(RuleError):
        qualitative_word(mark)


def test_sop_marks() -> None:
    assert SOP_MARKS == {
        "difficulties": "среща затруднения",
        "copes": "справя се",
        "meets": "постига изискванията",
    }
    assert sop_word(rules.SOP_COPES) == "справя се"
    with pytest.raises(RuleError):
        sop_word("excellent")


# ---------------------------------------------------------------------------------------------
# Forecasts and minimum grades
# ---------------------------------------------------------------------------------------------

FORECAST = [
    (["4", "5"], "4.50", 5, "4.50 suggests 5 (banker's gives 4)"),
    (["4", "4.25"], "4.13", 4, "4.125 shows 4.13, suggests 4"),
    (["2", "3.50", "3.20"], "2.90", 2, "2.90 suggests 2"),
    (["3.49"], "3.49", 3, "3.49 suggests 3"),
    (["5.50"], "5.50", 6, "5.50 suggests 6"),
]


@pytest.mark.parametrize(
    ("values", "forecast", "whole"),
    [c[:3] for c in FORECAST],
    ids=[c[3] for c in FORECAST],
)
def test_term_forecast(values: list[str], forecast: str, whole: int) -> None:
    assert term_forecast(D(v) for v in values) == D(forecast)
    assert forecast_whole(D(v) for v in values) == whole


def test_term_forecast_rejects_invalid_current_grades() -> None:
    with pytest.raises(RuleError):
        term_forecast([D("5"), D("2.50")])


MIN_GRADES = [
    ("0.5", 2),
    ("1", 2),
    ("2", 2),
    ("2.5", 3),
    ("3", 3),
    ("3.5", 3),
    ("4", 4),
    ("5", 4),
    ("2.25", 3),
    ("3.75", 3),
]


@pytest.mark.parametrize(
    ("hours", "minimum"),
    MIN_GRADES,
    ids=[f"{h} h/week needs {m}" for h, m in MIN_GRADES],
)
def test_min_grades_per_term(hours: str, minimum: int) -> None:
    assert min_grades_per_term(D(hours)) == minimum


@pytest.mark.parametrize("hours", [D("0"), D("-1")], ids=["0 h", "negative h"])
def test_min_grades_rejects_non_positive_hours(hours: Decimal) -> None:
    with pytest.raises(RuleError):
        min_grades_per_term(hours)


MISSING = [
    (0, "2", 2, "none of 2"),
    (1, "2", 1, "1 of 2"),
    (2, "2", 0, "2 of 2"),
    (5, "2", 0, "more than enough"),
    (2, "2.5", 1, "2 of 3"),
    (3, "4", 1, "3 of 4"),
]


@pytest.mark.parametrize(
    ("count", "hours", "missing"),
    [c[:3] for c in MISSING],
    ids=[c[3] for c in MISSING],
)
def test_missing_grades_warning(count: int, hours: str, missing: int) -> None:
    assert missing_grades_warning(count, D(hours)) == missing


# ---------------------------------------------------------------------------------------------
# Absences
# ---------------------------------------------------------------------------------------------

WEIGHTED = [
    (3, 3, "4.5"),
    (0, 0, "0.0"),
    (5, 0, "5.0"),
    (4, 2, "5.0"),
    (0, 1, "0.5"),
    (0, 11, "5.5"),
]


@pytest.mark.parametrize(
    ("unexcused", "lates", "weighted"),
    WEIGHTED,
    ids=[f"{u} unexcused + {late} lates = {w}" for u, late, w in WEIGHTED],
)
def test_weighted_unexcused(unexcused: int, lates: int, weighted: str) -> None:
    assert weighted_unexcused(unexcused, lates) == D(weighted)


@pytest.mark.parametrize(
    ("unexcused", "lates"), [(-1, 0), (0, -1)], ids=["-1 unexcused", "-1 late"]
)
def test_weighted_unexcused_rejects_negative(unexcused: int, lates: int) -> None:
    with pytest.raises(RuleError):
        weighted_unexcused(unexcused, lates)


THRESHOLD = [
    (5, 0, False, "exactly 5 is not exceeded"),
    (4, 2, False, "4 + 2 lates = 5 is not exceeded"),
    (5, 1, True, "5.5 exceeds"),
    (6, 0, True, "6 exceeds"),
    (0, 11, True, "11 lates = 5.5 exceeds"),
    (0, 10, False, "10 lates = 5 is not exceeded"),
]


@pytest.mark.parametrize(
    ("unexcused", "lates", "exceeded"),
    [c[:3] for c in THRESHOLD],
    ids=[c[3] for c in THRESHOLD],
)
def test_monthly_threshold(unexcused: int, lates: int, exceeded: bool) -> None:
    assert exceeds_monthly_threshold(unexcused, lates) is exceeded


def test_monthly_threshold_is_configurable() -> None:
    assert exceeds_monthly_threshold(3, 0, threshold=D(2)) is True
    assert exceeds_monthly_threshold(3, 0, threshold=D(3)) is False


def test_absence_totals() -> None:
    kinds = ["excused", "late", "unexcused", "late", "unexcused", "unexcused", "late", "excused"]
    assert absence_totals(kinds) == AbsenceTotals(
        excused=2, unexcused=3, lates=3, weighted=D("4.5")
    )
    assert absence_totals([]) == AbsenceTotals(0, 0, 0, D("0"))
    with pytest.raises(RuleError):
        absence_totals(["excused", "sick"])


def test_absence_labels() -> None:
    assert ABSENCE_KINDS == {
        "excused": "уважително",
        "unexcused": "неуважително",
        "late": "закъснение",
    }
    assert EXCUSE_REASONS == {"health": "здравословни", "family": "семейни", "other": "други"}


# Week of 2026-01-05 (Mon) … 2026-01-09 (Fri), then Mon 12 … Fri 16.
MON, TUE, WED, THU, FRI = (date(2026, 1, d) for d in range(5, 10))
NEXT_MON, NEXT_TUE = date(2026, 1, 12), date(2026, 1, 13)
SAT = date(2026, 1, 10)

PARENT_DAYS = [
    (0, [MON, TUE, WED, THU, FRI], None, "5 in a row is allowed"),
    (0, [TUE, WED, THU, FRI, NEXT_MON], None, "Tue-Mon over a weekend is 5"),
    (0, [MON, TUE, WED, THU, FRI, NEXT_MON], "in_row", "Fri + Mon make 6 in a row"),
    (0, [MON, TUE, WED, THU, NEXT_MON, NEXT_TUE], None, "a gap on Friday breaks the run"),
    (10, [MON, TUE, WED, THU, FRI], None, "10 used + 5 = 15 is allowed"),
    (11, [MON, TUE, WED, THU, FRI], "year_limit", "11 used + 5 = 16 is too many"),
    (15, [MON], "year_limit", "16th day"),
    (0, [SAT], "not_school_day", "Saturday is not a school day"),
    (0, [MON, MON], None, "duplicates count once"),
    (0, [], None, "nothing new"),
]


@pytest.mark.parametrize(
    ("used", "days", "problem"),
    [c[:3] for c in PARENT_DAYS],
    ids=[c[3] for c in PARENT_DAYS],
)
def test_parent_excused_days(used: int, days: list[date], problem: str | None) -> None:
    assert parent_excused_days_problem(used, days) == problem
    assert parent_excused_days_ok(used, days) is (problem is None)


def test_parent_excused_days_join_existing_runs() -> None:
    existing = [MON, TUE, WED]
    assert parent_excused_days_problem(3, [THU, FRI], existing_days=existing) is None
    assert parent_excused_days_problem(3, [THU, FRI, NEXT_MON], existing_days=existing) == "in_row"
    # A holiday on Friday joins Thursday and Monday but is not itself counted.
    assert (
        parent_excused_days_problem(
            3, [THU, NEXT_MON, NEXT_TUE], existing_days=existing, non_school_days={FRI}
        )
        == "in_row"
    )
    assert parent_excused_days_ok(0, [MON, TUE, WED], max_in_row=2) is False
    assert parent_excused_days_ok(0, [MON, TUE, WED], max_year=2) is False


# ---------------------------------------------------------------------------------------------
# Entry locks
# ---------------------------------------------------------------------------------------------

LOCKS = [
    # (entry, today, lock day, future lock, expected, id)
    (
        date(2026, 10, 31),
        date(2026, 11, 5),
        5,
        False,
        None,
        "October on 5 Nov (lock day 5) is open",
    ),
    (date(2026, 10, 1), date(2026, 11, 5), 5, False, None, "1 October on 5 Nov is open"),
    (date(2026, 10, 31), date(2026, 11, 6), 5, False, "month", "October on 6 Nov is locked"),
    (date(2026, 11, 1), date(2026, 11, 30), 5, False, None, "this month is always open"),
    (date(2026, 9, 30), date(2026, 11, 1), 5, False, "month", "two months back is locked"),
    (date(2026, 9, 30), date(2026, 11, 1), 31, False, "month", "two months back, lock day 31"),
    (date(2025, 12, 31), date(2026, 1, 5), 5, False, None, "December on 5 January is open"),
    (date(2025, 12, 31), date(2026, 1, 6), 5, False, "month", "December on 6 January is locked"),
    (date(2025, 11, 30), date(2026, 1, 1), 5, False, "month", "November on 1 January is locked"),
    (date(2026, 10, 31), date(2026, 11, 1), 1, False, None, "lock day 1: open on the 1st"),
    (date(2026, 10, 31), date(2026, 11, 2), 1, False, "month", "lock day 1: locked on the 2nd"),
    (date(2020, 1, 1), date(2026, 11, 6), None, False, None, "no month lock"),
    (date(2026, 11, 6), date(2026, 11, 5), 5, True, "future", "tomorrow with future lock"),
    (date(2026, 11, 5), date(2026, 11, 5), 5, True, None, "today with future lock"),
    (date(2026, 11, 6), date(2026, 11, 5), 5, False, None, "tomorrow without future lock"),
    (date(2027, 1, 1), date(2026, 11, 5), None, True, "future", "next year with future lock"),
]


@pytest.mark.parametrize(
    ("entry", "today", "lock_day", "future_lock", "expected"),
    [c[:5] for c in LOCKS],
    ids=[c[5] for c in LOCKS],
)
def test_entry_locked(
    entry: date, today: date, lock_day: int | None, future_lock: bool, expected: str | None
) -> None:
    assert entry_locked(entry, today, lock_day, future_lock) == expected


def test_entry_locked_accepts_datetimes_and_checks_lock_day() -> None:
    assert entry_locked(date(2026, 11, 5), datetime(2026, 11, 5, 23, 59), 5, True) is None
    with pytest.raises(RuleError):
        entry_locked(date(2026, 11, 5), date(2026, 11, 5), 0, False)
    with pytest.raises(RuleError):
        entry_locked(date(2026, 11, 5), date(2026, 11, 5), 32, False)


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------

DECIMALS = [
    (D("5.25"), 2, "5,25"),
    (D("5.5"), 2, "5,50"),
    (D("4.125"), 2, "4,13"),
    (D("6"), 2, "6,00"),
    (D("4.5"), 0, "5"),
    (D("1E+1"), 2, "10,00"),
    (D("0.1"), 1, "0,1"),
]


@pytest.mark.parametrize(
    ("value", "places", "text"),
    DECIMALS,
    ids=[f"{v} with {p} places is {t}" for v, p, t in DECIMALS],
)
def test_format_decimal_bg(value: Decimal, places: int, text: str) -> None:
    assert format_decimal_bg(value, places) == text


def test_format_date_bg() -> None:
    assert format_date_bg(date(2026, 11, 5)) == "05.11.2026"
    assert format_date_bg(datetime(2026, 1, 2, 12, 0)) == "02.01.2026"


def test_format_datetime_bg() -> None:
    assert format_datetime_bg(datetime(2026, 11, 5, 8, 7)) == "05.11.2026 08:07"


def test_month_year_bg() -> None:
    assert month_year_bg(2026, 11) == "ноември 2026"
    assert month_year_bg(2027, 1) == "януари 2027"
    assert len(MONTHS_BG) == 12 and MONTHS_BG[-1] == "декември"
    assert WEEKDAYS_BG[date(2026, 11, 25).isoweekday() - 1] == "сряда"
    for bad in (0, 13):
        with pytest.raises(IndexError):
            month_year_bg(2026, bad)


GRADE_TEXTS = [
    (D("5.25"), 2, "Много добър 5,25"),
    (D("3.5"), 2, "Добър 3,50"),
    (D("2"), 2, "Слаб 2,00"),
    (D("6"), 0, "Отличен 6"),
    (D("5.495"), 2, "Отличен 5,50"),
]


@pytest.mark.parametrize(
    ("value", "places", "text"),
    GRADE_TEXTS,
    ids=[t for _, _, t in GRADE_TEXTS],
)
def test_grade_text(value: Decimal, places: int, text: str) -> None:
    assert grade_text(value, places) == text


# ---------------------------------------------------------------------------------------------
# ЕГН, ЛНЧ, ИДН
# ---------------------------------------------------------------------------------------------

EGN_VALID = [
    (make_egn(date(2005, 3, 14), 124, male=True), date(2005, 3, 14), "M", "2000s male"),
    (make_egn(date(2012, 12, 31), 77, male=False), date(2012, 12, 31), "F", "2000s female"),
    (make_egn(date(1899, 12, 31), 500, male=False), date(1899, 12, 31), "F", "1800s female"),
    (make_egn(date(1800, 1, 1), 2, male=True), date(1800, 1, 1), "M", "1800s male"),
    (make_egn(date(1985, 7, 9), 330, male=True), date(1985, 7, 9), "M", "1900s male"),
    (make_egn(date(2000, 2, 29), 3, male=False), date(2000, 2, 29), "F", "29 Feb 2000 female"),
    ("7523169263", date(1875, 3, 16), "M", "published sample 7523169263"),
]


@pytest.mark.parametrize(
    ("egn", "born", "sex"),
    [c[:3] for c in EGN_VALID],
    ids=[c[3] for c in EGN_VALID],
)
def test_egn_valid(egn: str, born: date, sex: str) -> None:
    assert egn_info(egn) == (born, sex)
    assert is_valid_egn(egn)
    validate_personal_id("egn", egn)


def test_egn_check_digit_ten_becomes_zero() -> None:
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6)
    for serial in range(1000):
        body = f"050314{serial:03d}"
        if sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11 == 10:
            break
    else:  # pragma: no cover - the search always succeeds
        pytest.fail("no serial with remainder 10")
    assert egn_info(body + "0")[0] == date(1905, 3, 14)
    assert not is_valid_egn(body + "1")


GOOD_EGN = make_egn(date(2005, 3, 14), 124, male=True)
EGN_INVALID = [
    (wrong_check_digit(GOOD_EGN), "bad checksum"),
    (wrong_check_digit("7523169263"), "bad checksum on the sample"),
    ("0542310005", "31 Feb 2005"),  # check digit irrelevant: the date fails first
    ("9902290000", "29 Feb 1999"),
    ("0513140000", "month 13"),
    ("0500140000", "month 0"),
    ("0533140000", "month 33"),
    ("0553140000", "month 53"),
    ("0543000000", "day 0"),
    (GOOD_EGN[:9], "9 digits"),
    (GOOD_EGN + "0", "11 digits"),
    ("", "empty"),
    (GOOD_EGN[:5] + "x" + GOOD_EGN[6:], "a letter"),
    (" " + GOOD_EGN[1:], "a space"),
    (GOOD_EGN + "\n", "trailing newline"),
    ("٠٥٤٣١٤١٢٤" + GOOD_EGN[9], "Arabic-Indic digits"),
]


@pytest.mark.parametrize("egn", [e for e, _ in EGN_INVALID], ids=[i for _, i in EGN_INVALID])
def test_egn_invalid(egn: str) -> None:
    with pytest.raises(RuleError) as info:
        egn_info(egn)
    assert info.value.message_bg == "Невалидно ЕГН."
    assert not is_valid_egn(egn)


def test_egn_31_feb_is_invalid_even_with_right_check_digit() -> None:
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6)
    body = "054231124"
    egn = body + str(sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11 % 10)
    assert not is_valid_egn(egn)


LNCH = [
    (make_lnch("100000000"), True, "computed valid"),
    (make_lnch("123456789"), True, "computed valid 2"),
    (wrong_check_digit(make_lnch("100104567")), False, "wrong check digit"),
    ("100104567", False, "9 digits"),
    ("10010456750", False, "11 digits"),
    ("100104567a", False, "a letter"),
]


@pytest.mark.parametrize(("value", "valid"), [c[:2] for c in LNCH], ids=[c[2] for c in LNCH])
def test_lnch(value: str, valid: bool) -> None:
    assert is_valid_lnch(value) is valid
    if valid:
        validate_personal_id("lnch", value)
    else:
        with pytest.raises(RuleError) as info:
            validate_personal_id("lnch", value)
        assert info.value.message_bg == "Невалиден ЛНЧ."


IDN = [
    ("A", True, "one letter"),
    ("AB1234567", True, "passport number"),
    ("Х123456", True, "Cyrillic letter"),
    ("1" * 20, True, "20 characters"),
    ("1" * 21, False, "21 characters"),
    ("", False, "empty"),
    ("AB 123", False, "space"),
    ("AB-123", False, "dash"),
]


@pytest.mark.parametrize(("value", "valid"), [c[:2] for c in IDN], ids=[c[2] for c in IDN])
def test_idn(value: str, valid: bool) -> None:
    if valid:
        validate_personal_id("idn", value)
    else:
        with pytest.raises(RuleError) as info:
            validate_personal_id("idn", value)
        assert "ИДН" in info.value.message_bg


def test_validate_personal_id_unknown_kind() -> None:
    with pytest.raises(RuleError):
        validate_personal_id("passport", "AB123")


# ---------------------------------------------------------------------------------------------
# Student code
# ---------------------------------------------------------------------------------------------


def _random_codes(count: int) -> list[str]:
    rng = random.Random(20260105)
    return [new_student_code(rng) for _ in range(count)]


def test_new_student_code_shape() -> None:
    for code in _random_codes(500) + [new_student_code() for _ in range(200)]:
        assert len(code) == 10
        assert code.isascii() and code.isdigit()
        assert code[0] != "0"
        assert is_valid_student_code(code)


def test_new_student_code_is_random() -> None:
    codes = {new_student_code() for _ in range(200)}
    assert len(codes) == 200
    first_digits = {code[0] for code in codes}
    assert len(first_digits) > 5


def test_new_student_code_is_reproducible_with_rng() -> None:
    assert _random_codes(3) == _random_codes(3)


def test_every_single_digit_typo_is_caught() -> None:
    for code in _random_codes(300):
        for position in range(10):
            for digit in "0123456789":
                if digit == code[position]:
                    continue
                typo = code[:position] + digit + code[position + 1 :]
                assert not is_valid_student_code(typo), (code, typo)


def test_every_adjacent_swap_is_caught() -> None:
    for code in _random_codes(2000):
        for position in range(9):
            a, b = code[position], code[position + 1]
            if a == b:
                continue
            swapped = code[:position] + b + a + code[position + 2 :]
            assert not is_valid_student_code(swapped), (code, swapped)


def test_verhoeff_known_vector() -> None:
    # Classic example: 236 → check digit 3.
    assert rules.verhoeff_check_digit("236") == "3"
    assert rules.verhoeff_is_valid("2363")
    assert not rules.verhoeff_is_valid("2364")


GOOD_CODE = _random_codes(1)[0]
STUDENT_CODE_BAD = [
    (GOOD_CODE[:9], "9 digits"),
    (GOOD_CODE + "0", "11 digits"),
    (GOOD_CODE[:3] + " " + GOOD_CODE[3:], "with a space"),
    (GOOD_CODE[:3] + "-" + GOOD_CODE[3:], "with a dash"),
    (GOOD_CODE + "#", "with #"),
    ("", "empty"),
    ("abcdefghij", "letters"),
    ("0" * 10, "all zeros (leading zero)"),
]


@pytest.mark.parametrize(
    "code", [c for c, _ in STUDENT_CODE_BAD], ids=[i for _, i in STUDENT_CODE_BAD]
)
def test_is_valid_student_code_accepts_only_exact_digits(code: str) -> None:
    assert not is_valid_student_code(code)


def test_leading_zero_with_valid_check_digit_is_rejected() -> None:
    body = "012345678"
    code = body + rules.verhoeff_check_digit(body)
    assert rules.verhoeff_is_valid(code)
    assert not is_valid_student_code(code)


NORMALIZE = [
    ("123 456 7890", "1234567890", "spaces"),
    ("123-456-7890", "1234567890", "dashes"),
    ("1234567890#", "1234567890", "trailing #"),
    (" 123 – 456 7890# ", "1234567890", "en dash, outer spaces and #"),
    ("1234567890", "1234567890", "already clean"),
    ("12345#67890", "12345#67890", "inner # stays (then fails validation)"),
]


@pytest.mark.parametrize(
    ("raw", "clean"), [c[:2] for c in NORMALIZE], ids=[c[2] for c in NORMALIZE]
)
def test_normalize_student_code(raw: str, clean: str) -> None:
    assert normalize_student_code(raw) == clean


def test_normalized_typed_code_validates() -> None:
    typed = f"{GOOD_CODE[:3]} {GOOD_CODE[3:6]}-{GOOD_CODE[6:]}#"
    assert is_valid_student_code(normalize_student_code(typed))


# --- the figure of a subject: the set term/annual grade, else the forecast ---------------------------

TERM_FIGURES = [
    (["6", "6", "6"], "5", "5.00", True, "Много добър 5", "set term grade wins over 6,00"),
    (["6", "6", "6"], None, "6.00", False, "Отличен 6,00", "no term grade: the forecast"),
    (["5", "6"], None, "5.50", False, "Отличен 5,50", "forecast 5.50 is Отличен"),
    (["5", "5.98"], None, "5.49", False, "Много добър 5,49", "forecast 5.49 stays Много добър"),
    (["3", "4"], None, "3.50", False, "Добър 3,50", "forecast 3.50 is Добър"),
    (["3", "3.98"], None, "3.49", False, "Среден 3,49", "forecast 3.49 stays Среден"),
    (["4", "4.25"], None, "4.13", False, "Добър 4,13", "4.125 rounds half up"),
    ([], "6", "6.00", True, "Отличен 6", "term grade without current grades"),
    (["2", "2"], "3", "3.00", True, "Среден 3", "a raised term grade"),
    (["6"], "2", "2.00", True, "Слаб 2", "term grade 2"),
    (["5.5"], "5.00", "5.00", True, "Много добър 5", "term grade stored as 5.00"),
]


@pytest.mark.parametrize(
    ("currents", "term_grade", "value", "final", "text"),
    [c[:5] for c in TERM_FIGURES],
    ids=[c[5] for c in TERM_FIGURES],
)
def test_term_figure(
    currents: list[str], term_grade: str | None, value: str, final: bool, text: str
) -> None:
    figure = rules.term_figure(
        [D(v) for v in currents], None if term_grade is None else D(term_grade)
    )
    assert figure is not None
    assert (figure.value, figure.final, figure.text) == (D(value), final, text)


def test_term_figure_without_anything_is_none() -> None:
    assert rules.term_figure([]) is None
    assert rules.term_figure([], None) is None


@pytest.mark.parametrize("bad", ["5.5", "1", "7", "4.01"])
def test_term_figure_refuses_a_term_grade_that_is_not_whole(bad: str) -> None:
    with pytest.raises(RuleError):
        rules.term_figure([D(5)], D(bad))


Fig = rules.Figure

YEAR_FIGURES = [
    ([Fig(D("5.00"), True), Fig(D("6.00"), True)], "4", "4.00", True, "annual grade wins"),
    ([Fig(D("5.00"), True), Fig(D("6.00"), True)], None, "5.50", False, "mean of term grades"),
    ([Fig(D("5.00"), True), Fig(D("5.99"), False)], None, "5.50", False, "5.495 rounds half up"),
    ([Fig(D("4.49"), False), None], None, "4.49", False, "one term only"),
    ([None, None], "6", "6.00", True, "annual grade without term figures"),
]


@pytest.mark.parametrize(
    ("terms", "annual", "value", "final"),
    [c[:4] for c in YEAR_FIGURES],
    ids=[c[4] for c in YEAR_FIGURES],
)
def test_year_figure(
    terms: list[rules.Figure | None], annual: str | None, value: str, final: bool
) -> None:
    figure = rules.year_figure(terms, None if annual is None else D(annual))
    assert figure is not None
    assert (figure.value, figure.final) == (D(value), final)


def test_year_figure_without_anything_is_none() -> None:
    assert rules.year_figure([None, None]) is None


OVERALL = [
    ([Fig(D("5.00"), True), Fig(D("6.00"), False)], "5.50", "set grade and forecast count alike"),
    ([Fig(D("5.00"), True), None, Fig(D("4.00"), True)], "4.50", "subjects without figure skipped"),
    ([D("5.25"), D("4.50"), D("6.00")], "5.25", "plain decimals"),
    (
        [Fig(D("4.00"), True), Fig(D("4.00"), True), Fig(D("5.00"), True), Fig(D("4.50"), False)],
        "4.38",
        "4.375 half up",
    ),
]


@pytest.mark.parametrize(
    ("figures", "expected"), [c[:2] for c in OVERALL], ids=[c[2] for c in OVERALL]
)
def test_overall_success(figures: list[rules.Figure | Decimal | None], expected: str) -> None:
    assert rules.overall_success(figures) == D(expected)


def test_overall_success_without_figures_is_none() -> None:
    assert rules.overall_success([None]) is None


QUALITATIVE = [
    (
        ["6", "6", "5"],
        (("Отличен", 2), ("Много добър", 1)),
        "Отличен (2), Много добър (1)",
        "best first",
    ),
    (
        ["2", "4", "3"],
        (("Добър", 1), ("Среден", 1), ("Незадоволителен", 1)),
        "Добър (1), Среден (1), Незадоволителен (1)",
        "2 is Незадоволителен",
    ),
    (["5.00"], (("Много добър", 1),), "Много добър (1)", "stored as 5.00"),
    ([], (), "", "none"),
]


@pytest.mark.parametrize(
    ("values", "counts", "text"), [c[:3] for c in QUALITATIVE], ids=[c[3] for c in QUALITATIVE]
)
def test_qualitative_marks_are_counted_not_averaged(
    values: list[str], counts: tuple[tuple[str, int], ...], text: str
) -> None:
    assert rules.qualitative_counts(D(v) for v in values) == counts
    assert rules.qualitative_text(D(v) for v in values) == text


@pytest.mark.parametrize("bad", ["5.5", "1", "3.25"])
def test_qualitative_marks_must_be_whole(bad: str) -> None:
    with pytest.raises(RuleError):
        rules.qualitative_counts([D(bad)])
