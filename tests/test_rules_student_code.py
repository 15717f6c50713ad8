"""Table-driven tests for gradebook.rules.student_code: the student's parent-access code (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from gradebook import rules
from gradebook.rules import is_valid_student_code
from gradebook.rules import new_student_code
from gradebook.rules import normalize_student_code

D = Decimal


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
