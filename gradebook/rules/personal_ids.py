"""Personal ids: ЕГН (with its birth date and sex), ЛНЧ and ИДН, their check digits, and the
codes АСП files use for each kind.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.labels import code_labels

PERSONAL_ID_KINDS: Final[Mapping[str, str]] = code_labels(egn="ЕГН", lnch="ЛНЧ", idn="ИДН")
"""Personal id kind code → Bulgarian label."""

ASP_ID_TYPE_CODES: Final[Mapping[str, str]] = code_labels(egn="", lnch="1", idn="2")
"""Id type field of the monthly НЕИСПУО/АСП absences file: empty for ЕГН, 1 ЛНЧ, 2 ИДН
(NEISPUO ``AbsenceImportModel``)."""

_TEN_DIGITS: Final = re.compile(r"[0-9]{10}")
_EGN_WEIGHTS: Final = (2, 4, 8, 5, 10, 9, 7, 3, 6)
_LNCH_WEIGHTS: Final = (21, 19, 17, 13, 11, 9, 7, 3, 1)
_IDN: Final = re.compile(r"[0-9A-Za-z\u0400-\u04FF]{1,20}")


def _egn_error(message: str) -> RuleError:
    return RuleError(f"invalid EGN: {message}", "Невалидно ЕГН.", "egn.invalid")


def egn_info(egn: str) -> tuple[date, str]:
    """Birth date and sex (``"M"``/``"F"``) from a valid ЕГН; :class:`RuleError` otherwise.

    Rule (ЕСГРАОН; DOMAIN.md): 10 digits ``YYMMDDRRRC``; month + 20 → born in the 1800s,
    month + 40 → 2000s; 9th digit even = male, odd = female; check digit
    ``Σ(dᵢ·wᵢ) mod 11`` with w = 2,4,8,5,10,9,7,3,6, where a remainder of 10 gives 0.
    """
    if not isinstance(egn, str) or not _TEN_DIGITS.fullmatch(egn):
        raise _egn_error("must be exactly 10 digits")
    digits = [int(c) for c in egn]
    year = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    day = digits[4] * 10 + digits[5]
    if 1 <= month <= 12:
        year += 1900
    elif 21 <= month <= 32:
        year += 1800
        month -= 20
    elif 41 <= month <= 52:
        year += 2000
        month -= 40
    else:
        raise _egn_error("bad month")
    try:
        born = date(year, month, day)
    except ValueError:
        raise _egn_error("no such date") from None
    check = sum(d * w for d, w in zip(digits, _EGN_WEIGHTS, strict=False)) % 11 % 10
    if check != digits[9]:
        raise _egn_error("bad check digit")
    return born, ("M" if digits[8] % 2 == 0 else "F")


def is_valid_egn(egn: str) -> bool:
    """True if :func:`egn_info` accepts ``egn``."""
    try:
        egn_info(egn)
    except RuleError:
        return False
    return True


def is_valid_lnch(s: str) -> bool:
    """True for a valid ЛНЧ (личен номер на чужденец).

    Rule: 10 digits; ``Σ(dᵢ·wᵢ) mod 10`` with w = 21,19,17,13,11,9,7,3,1 equals the 10th digit.
    """
    if not isinstance(s, str) or not _TEN_DIGITS.fullmatch(s):
        return False
    digits = [int(c) for c in s]
    return sum(d * w for d, w in zip(digits, _LNCH_WEIGHTS, strict=False)) % 10 == digits[9]


def is_valid_idn(s: str) -> bool:
    """True for an ИДН (other identifier): 1–20 letters (Latin or Cyrillic) or digits."""
    return isinstance(s, str) and _IDN.fullmatch(s) is not None


def validate_personal_id(kind: str, value: str) -> None:
    """Raise :class:`RuleError` (with a Bulgarian message) unless ``value`` is a valid id.

    ``kind`` is ``"egn"`` (:func:`egn_info`), ``"lnch"`` (:func:`is_valid_lnch`) or ``"idn"``
    (:func:`is_valid_idn`).  The value is checked as given; strip it first if needed.
    """
    if kind == "egn":
        egn_info(value)
    elif kind == "lnch":
        if not is_valid_lnch(value):
            raise RuleError("invalid LNCh", "Невалиден ЛНЧ.", "lnch.invalid")
    elif kind == "idn":
        if not is_valid_idn(value):
            raise RuleError(
                "invalid IDN: 1-20 letters or digits expected",
                "Невалиден ИДН: очакват се от 1 до 20 букви или цифри.",
                "idn.invalid",
            )
    else:
        raise RuleError(
            f"unknown personal id kind {kind!r}",
            "Непознат вид идентификатор (ЕГН, ЛНЧ или ИДН).",
            "personal_id.kind",
        )
