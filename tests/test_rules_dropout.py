"""The Ministry's dropout risk (StudentsAtRiskOfDroppingOut): more than 3 unexcused days or more
than 5 unexcused hours, a late ½ — a table of boundary cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gradebook import rules

U, L, E = "unexcused", "late", "excused"

CASES = [
    # (lesson absences, daily attendance, hours, days, at risk, name)
    ([], [], Decimal(0), 0, False, "nothing"),
    ([U] * 5, [], Decimal(5), 0, False, "exactly 5 hours is not yet at risk"),
    ([U] * 5 + [L], [], Decimal("5.5"), 0, True, "5½ hours is at risk"),
    ([U] * 6, [], Decimal(6), 0, True, "6 hours (a whole day missed)"),
    ([L] * 10, [], Decimal(5), 0, False, "10 lates are 5 hours: not at risk"),
    ([L] * 11, [], Decimal("5.5"), 0, True, "11 lates are 5½ hours"),
    ([U] * 4 + [L] * 2, [], Decimal(5), 0, False, "4 hours and 2 lates are exactly 5"),
    ([E] * 40, [], Decimal(0), 0, False, "excused hours never count"),
    ([], ["unexcused"] * 3, Decimal(0), 3, False, "exactly 3 days is not yet at risk"),
    ([], ["unexcused"] * 4, Decimal(0), 4, True, "4 days is at risk"),
    ([], ["present"] * 30 + ["excused"] * 9, Decimal(0), 0, False, "present and excused days"),
    ([U] * 2, ["unexcused"] * 2, Decimal(2), 2, False, "hours and days are not added"),
]


@pytest.mark.parametrize(
    ("absences", "attendance", "hours", "days", "at_risk"),
    [c[:5] for c in CASES],
    ids=[c[5] for c in CASES],
)
def test_dropout_risk(absences, attendance, hours, days, at_risk) -> None:
    risk = rules.dropout_risk(absences, attendance)
    assert (risk.hours, risk.days, risk.at_risk) == (hours, days, at_risk)
    assert risk.by_hours == (hours > 5) and risk.by_days == (days > 3)


def test_from_counts_is_the_same_rule() -> None:
    assert rules.risk_from_counts(5, 1).at_risk and not rules.risk_from_counts(5, 0).at_risk
    assert rules.risk_from_counts(0, 0, days=4).by_days


@pytest.mark.parametrize("kind", ["absent", "", "LATE"])
def test_unknown_kinds_are_refused(kind: str) -> None:
    with pytest.raises(rules.RuleError):
        rules.dropout_risk([kind])
    with pytest.raises(rules.RuleError):
        rules.dropout_risk([], [kind])
