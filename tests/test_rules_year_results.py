"""Class-book types and sections, ПГ daily marks, first grade's overall result and the annual
results (the Ministry's codes and entity rules) — tables naming the boundary cases."""

from __future__ import annotations

import pytest

from gradebook import rules
from gradebook.rules import Session

BOOKS = [
    # (grade level, book type, name)
    (0, rules.class_book_type(0), "ПГ"),
    (1, 2, "I is I–III"),
    (3, 2, "III is I–III"),
    (4, 3, "IV alone"),
    (5, 4, "V opens V–XII"),
    (12, 4, "XII"),
]


@pytest.mark.parametrize(("level", "book"), [b[:2] for b in BOOKS], ids=[b[2] for b in BOOKS])
def test_class_book_type(level: int, book: int) -> None:
    assert rules.class_book_type(level) == book
    assert rules.class_book_type(0) == 1


@pytest.mark.parametrize("level", [-1, 13])
def test_no_book_outside_the_levels(level: int) -> None:
    with pytest.raises(ValueError):
        rules.class_book_type(level)


SECTIONS = [
    # (level, has, has not, name)
    (0, {"attendance", "pg_results", "parent_meetings", "notes"},
     {"absences", "topics", "qualitative_grades", "support", "sanctions"}, "ПГ: days, not lessons"),
    (1, {"absences", "qualitative_grades", "first_grade_result", "support", "notes"},
     {"annual_grades", "term_grades", "sanctions", "attendance", "grade_results"},
     "I: the overall result instead of annual grades"),
    (2, {"qualitative_grades", "annual_grades"}, {"first_grade_result", "term_grades"},
     "II: annual grades, no term grades"),
    (3, {"annual_grades"}, {"decimal_grades", "sanctions"}, "III"),
    (4, {"decimal_grades", "term_grades", "annual_grades", "sanctions"},
     {"grade_results", "qualitative_grades"}, "IV: sanctions, no annual results"),
    (5, {"grade_results", "sanctions", "exams"}, {"attendance", "first_grade_result"},
     "V: annual results"),
    (12, {"grade_results"}, {"pg_results"}, "XII"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("level", "has", "lacks"), [s[:3] for s in SECTIONS], ids=[s[3] for s in SECTIONS]
)
def test_class_book_sections(level: int, has: set[str], lacks: set[str]) -> None:
    sections = rules.class_book_sections(level)
    assert has <= sections
    assert not (lacks & sections)
    # the earlier rules of the pupil's record agree
    assert ("sanctions" in sections) == rules.has_sanctions(level)
    assert ("support" in sections) == rules.has_support(level)
    assert ("notes" in sections) == rules.has_notes(level)


MARKS = [
    # (kind, reason, comment, problem field or None, name)
    ("present", None, "", None, "present"),
    ("unexcused", None, "", None, "unexcused"),
    ("excused", "health", "бележка", None, "excused with a reason"),
    ("excused", None, "", "reason", "excused needs its reason"),
    ("present", "health", "", "reason", "a reason only when excused"),
    ("unexcused", None, "каза майката", "reason", "a comment only when excused"),
    ("excused", "family", "x" * 1000, None, "a comment of 1000"),
    ("excused", "family", "x" * 1001, "comment", "a comment of 1001"),
    ("late", None, "", "kind", "no lates in a group"),
]


@pytest.mark.parametrize(
    ("kind", "reason", "comment", "field"), [m[:4] for m in MARKS], ids=[m[4] for m in MARKS]
)
def test_attendance_problem(kind, reason, comment, field) -> None:
    problem = rules.attendance_problem(kind, reason, comment)
    assert (problem[0] if problem else None) == field


def test_attendance_codes_and_counts() -> None:
    assert dict(rules.ATTENDANCE_CODES) == {"present": 1, "unexcused": 2, "excused": 3}
    counts = rules.attendance_counts(["present"] * 3 + ["excused", "unexcused", "unexcused"])
    assert (counts.present, counts.excused, counts.unexcused, counts.marked) == (3, 1, 2, 6)
    with pytest.raises(ValueError):
        rules.attendance_counts(["late"])


FIRST = [
    # (qualitative, special, had special, ok, name)
    (6, None, None, True, "Отличен"),
    (2, None, None, True, "Незадоволителен is the lowest"),
    (1, None, None, False, "below Незадоволителен"),
    (7, None, None, False, "above Отличен"),
    (None, 3, None, True, "постига изискванията"),
    (None, 4, None, False, "no fourth СОП mark"),
    (None, None, None, False, "neither"),
    (5, 2, None, False, "both"),
    (5, None, True, False, "a СОП result cannot become qualitative"),
    (None, 1, False, False, "a qualitative result cannot become СОП"),
    (4, None, False, True, "a qualitative result corrected"),
]


@pytest.mark.parametrize(("q", "s", "had", "ok"), [f[:4] for f in FIRST], ids=[f[4] for f in FIRST])
def test_first_grade_problem(q, s, had, ok) -> None:
    assert (rules.first_grade_problem(q, s, had_special=had) is None) == ok


SUGGEST = [
    # (annual grades by subject, result, retake, missing, name)
    ({1: 6, 2: 5, 3: 3}, 1, (), (), "no Слаб 2: completes"),
    ({1: 3, 2: 3}, 1, (), (), "Среден 3 everywhere still completes"),
    ({1: 2, 2: 5}, 2, (1,), (), "one Слаб 2: a retake in it"),
    ({1: 2, 2: 2, 3: 4}, 2, (1, 2), (), "two Слаб 2: two retakes"),
    ({1: 5, 2: None}, None, (), (2,), "an annual grade missing: no suggestion yet"),
    ({1: 2, 2: None}, 2, (1,), (2,), "a Слаб 2 is known before the rest"),
    ({}, 1, (), (), "no graded subject"),
]


@pytest.mark.parametrize(
    ("annual", "result", "retake", "missing"),
    [s[:4] for s in SUGGEST],
    ids=[s[4] for s in SUGGEST],
)
def test_suggest_result(annual, result, retake, missing) -> None:
    suggestion = rules.suggest_result(annual)
    assert (suggestion.result, suggestion.retake, suggestion.missing) == (result, retake, missing)


S = Session
SESSIONS = [
    # (sessions, ok, name)
    ([], True, "nothing yet"),
    ([S(3)], True, "passed in the first"),
    ([S(2), S(4)], True, "failed, then passed"),
    ([S(None, True), S(2), S(3)], True, "no show, failed, passed"),
    ([S(), S(4)], False, "the second before the first"),
    ([S(4), S(5)], False, "nothing after a passed session"),
    ([S(4, True)], False, "a grade and no show"),
    ([S(7)], False, "no grade 7"),
    ([S(2), S(2), S(2), S(2)], False, "no fourth session"),
]


@pytest.mark.parametrize(
    ("sessions", "ok"), [s[:2] for s in SESSIONS], ids=[s[2] for s in SESSIONS]
)
def test_sessions_problem(sessions, ok) -> None:
    assert (rules.sessions_problem(sessions) is None) == ok


FINAL = [
    ({}, None, "no retake"),
    ({1: [S(3)]}, 1, "passed: completes"),
    ({1: [S(3)], 2: [S(2)]}, None, "one still to pass"),
    ({1: [S(2), S(2), S(2)]}, 3, "failed all three: repeats"),
    ({1: [S(None, True), S(None, True), S(None, True)]}, 3, "missed all three: repeats"),
    ({1: [S(2), S(2)]}, None, "two failed, a third to come"),
]


@pytest.mark.parametrize(("subjects", "final"), [f[:2] for f in FINAL], ids=[f[2] for f in FINAL])
def test_suggest_final(subjects, final) -> None:
    assert rules.suggest_final(subjects) == final


RESULTS = [
    # (initial, retake, final, ok, name) — the Ministry's GradeResult rules
    (1, [], None, True, "completes"),
    (1, [7], None, False, "completes has no subjects"),
    (2, [], None, False, "retake needs a subject"),
    (2, [7, 8], None, True, "retake in two"),
    (2, [7, 7], None, False, "a subject twice"),
    (2, [7], 1, True, "final completes"),
    (2, [7], 3, True, "final repeats"),
    (2, [7], 2, False, "the final is never 'retake'"),
    (1, [], 1, False, "no final without a retake"),
    (3, [], None, True, "repeats"),
    (4, [], None, False, "unknown code"),
]


@pytest.mark.parametrize(
    ("initial", "retake", "final", "ok"), [r[:4] for r in RESULTS], ids=[r[4] for r in RESULTS]
)
def test_grade_result_problem(initial, retake, final, ok) -> None:
    assert (rules.grade_result_problem(initial, retake, final) is None) == ok
    assert dict(rules.GRADE_RESULTS) == {1: "Завършва", 2: "Полага изпити", 3: "Повтаря"}


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("ПГ", "1а"),  # no letter: the first class of the usual naming
        ("ПГ б", "1б"),
        ("ПГ-Б", "1б"),
        ("пгв", "1в"),
        ("  ПГ „г“ ", "1г"),
        ("Подготвителна група Д", "1д"),
        ("ПГ бв", "1а"),  # two letters are not one class's letter
        ("Пчелички", "1а"),  # a group's own name
        ("", "1а"),
    ],
)
def test_first_grade_class_name(group: str, expected: str) -> None:
    assert rules.first_grade_class_name(group) == expected
