"""Table-driven tests for gradebook.rules.personal_ids: ЕГН, ЛНЧ, ИДН (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gradebook.rules import RuleError
from gradebook.rules import egn_info
from gradebook.rules import is_valid_egn
from gradebook.rules import is_valid_lnch
from gradebook.rules import validate_personal_id

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
