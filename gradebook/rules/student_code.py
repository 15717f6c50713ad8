"""The student's parent-access code (ИД код на ученика): 9 random digits and a Verhoeff check
digit, never derived from the ЕГН; and the cleaning of a typed code.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

import random
import re
import secrets
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.personal_ids import _TEN_DIGITS

STUDENT_CODE_LENGTH: Final = 10

# Verhoeff's tables (J. Verhoeff, "Error Detecting Decimal Codes", 1969): the dihedral group D5
# multiplication table, the position permutation, and the inverse.  The scheme detects every
# single-digit substitution and every transposition of adjacent digits.  Both tables are built
# from their definitions rather than typed out: in D5, 0-4 are the rotations and 5-9 the
# reflections; the permutation for position k is the base permutation applied k times.


def _d5_product(i: int, j: int) -> int:
    if i < 5:
        return (i + j) % 5 + (5 if j >= 5 else 0)
    return (i - j) % 5 + (0 if j >= 5 else 5)


def _powers(base: tuple[int, ...], count: int) -> tuple[tuple[int, ...], ...]:
    rows = [tuple(range(10))]
    while len(rows) < count:
        rows.append(tuple(base[n] for n in rows[-1]))
    return tuple(rows)


_VERHOEFF_D: Final[tuple[tuple[int, ...], ...]] = tuple(
    tuple(_d5_product(i, j) for j in range(10)) for i in range(10)
)
_VERHOEFF_P: Final[tuple[tuple[int, ...], ...]] = _powers((1, 5, 7, 6, 2, 8, 3, 0, 9, 4), 8)
_VERHOEFF_INV: Final[tuple[int, ...]] = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)
_DASHES: Final = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def _verhoeff_state(digits: str, offset: int) -> int:
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[(i + offset) % 8][int(char)]]
    return check


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to a string of ASCII digits."""
    if not digits.isascii() or not digits.isdigit():
        raise RuleError(f"not digits: {digits!r}", "Очакват се само цифри.", "code.digits")
    return str(_VERHOEFF_INV[_verhoeff_state(digits, 1)])


def verhoeff_is_valid(digits: str) -> bool:
    """True if a digit string (ending in its check digit) passes the Verhoeff check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return _verhoeff_state(digits, 0) == 0


def new_student_code(rng: random.Random | None = None) -> str:
    """A new 10-digit student code: 9 random digits + a Verhoeff check digit.

    The code is a random secret, never derived from the ЕГН (DOMAIN.md); the check digit catches
    every single mistyped digit and every swap of two neighbouring digits before any lookup.
    The first digit is never 0, so the code survives spreadsheets.  Uses :mod:`secrets` unless
    a seeded ``rng`` is given (for tests).
    """

    def below(n: int) -> int:
        return secrets.randbelow(n) if rng is None else rng.randrange(n)

    body = str(below(9) + 1) + "".join(str(below(10)) for _ in range(STUDENT_CODE_LENGTH - 2))
    return body + verhoeff_check_digit(body)


def is_valid_student_code(code: str) -> bool:
    """True only for exactly 10 ASCII digits, not starting with 0, with a valid check digit.

    No cleaning is done here; use :func:`normalize_student_code` on typed input first.
    """
    return (
        isinstance(code, str)
        and len(code) == STUDENT_CODE_LENGTH
        and _TEN_DIGITS.fullmatch(code) is not None
        and code[0] != "0"
        and verhoeff_is_valid(code)
    )


def normalize_student_code(raw: str) -> str:
    """Clean a typed code: drop spaces and dashes anywhere, and one trailing ``#``.

    ``"123 456-7890#"`` → ``"1234567890"``.  The result still needs
    :func:`is_valid_student_code`.
    """
    cleaned = _DASHES.sub("", raw)
    return cleaned[:-1] if cleaned.endswith("#") else cleaned
