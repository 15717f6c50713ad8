"""Table-driven tests for gradebook.rules.qualitative: grades I–III as words (counted, never averaged), СОП marks (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gradebook import rules
from gradebook.rules import SOP_MARKS
from gradebook.rules import RuleError
from gradebook.rules import qualitative_word
from gradebook.rules import sop_word

D = Decimal


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
