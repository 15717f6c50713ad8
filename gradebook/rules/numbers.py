"""Numbers as the rules read them: :func:`to_decimal` (a decimal comma is accepted; ``bool``, NaN
and infinities are not) and half-up rounding to a number of places.

Grades and averages are :class:`decimal.Decimal`, rounded with ``ROUND_HALF_UP``; never ``float``
and never the built-in ``round()`` (which rounds half to even: ``round(4.5) == 4``).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Final
from typing import TypeAlias

from gradebook.rules.errors import RuleError

_CENT: Final = Decimal("0.01")
_ONE: Final = Decimal(1)

NumberLike: TypeAlias = Decimal | int | str | float
"""What the grade functions accept; everything is converted with :func:`to_decimal`."""

# Plain decimal notation only: no exponents, underscores, non-ASCII digits, NaN or infinity.
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def to_decimal(value: NumberLike) -> Decimal:
    """Convert a grade-like value to a finite :class:`Decimal`, or raise :class:`RuleError`.

    Accepts ``Decimal``, ``int``, ``str`` (surrounding spaces ignored; a Bulgarian decimal comma
    "5,25" is accepted) and ``float`` (through ``str()``, so ``5.25`` becomes ``Decimal("5.25")``,
    not its binary expansion).  ``bool``, NaN and infinities are rejected.
    """
    if isinstance(value, bool):
        raise RuleError(f"not a number: {value!r}", "Стойността не е число.", "number.invalid")
    result: Decimal
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not _PLAIN_NUMBER.fullmatch(text):
            raise RuleError(f"not a number: {value!r}", "Стойността не е число.", "number.invalid")
        result = Decimal(text)
    else:
        raise RuleError(
            f"not a number: {value!r} ({type(value).__name__})",
            "Стойността не е число.",
            "number.invalid",
        )
    if not result.is_finite():
        raise RuleError(
            f"not a finite number: {value!r}", "Стойността не е число.", "number.invalid"
        )
    return result


def _quantize(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
