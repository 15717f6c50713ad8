"""The tests schedule's limits (Наредба № 11/2016): one test a day, two a week per class, no
класна in the last week of a term; table tests that name their boundary cases."""

from __future__ import annotations

import datetime as dt

import pytest

from gradebook import rules
from gradebook.rules import PlannedExam

D = dt.date
# the week of Monday 07.12.2026 to Sunday 13.12.2026
MON, TUE, WED, THU, FRI, SAT, SUN = (D(2026, 12, 7) + dt.timedelta(days=i) for i in range(7))
NEXT_MON = D(2026, 12, 14)
PREV_SUN = D(2026, 12, 6)


def ex(day: dt.date, kind: str = "control", cls: int = 1, eid: int | None = None, **kw):  # type: ignore[no-untyped-def]
    return PlannedExam(exam_id=eid, class_id=cls, day=day, kind=kind, label=f"{kind} {day}", **kw)


CASES = [
    # (name, new, existing, expected code or None)
    ("the first test of a week", ex(MON), [], None),
    ("the 2nd test of a week, another day", ex(WED), [ex(MON, eid=1)], None),
    ("the 3rd test of a week", ex(FRI), [ex(MON, eid=1), ex(WED, eid=2)], "exam.week_limit"),
    (
        "the 3rd test, on a Saturday of that week",
        ex(SAT),
        [ex(MON, eid=1), ex(WED, eid=2)],
        "exam.week_limit",
    ),
    ("the 3rd test, on its Sunday", ex(SUN), [ex(MON, eid=1), ex(TUE, eid=2)], "exam.week_limit"),
    (
        "two in the week before: the next Monday is a new week",
        ex(NEXT_MON),
        [ex(THU, eid=1), ex(FRI, eid=2)],
        None,
    ),
    (
        "two in this week: the Sunday before is the week before",
        ex(PREV_SUN),
        [ex(MON, eid=1), ex(TUE, eid=2)],
        None,
    ),
    ("a second test the same day", ex(TUE), [ex(TUE, eid=1)], "exam.day_limit"),
    (
        "a класна and a контролна the same day are counted together",
        ex(TUE, "classwork"),
        [ex(TUE, "control", eid=1)],
        "exam.day_limit",
    ),
    (
        "kinds counted together in the week",
        ex(THU, "control"),
        [ex(MON, "classwork", eid=1), ex(TUE, "control", eid=2)],
        "exam.week_limit",
    ),
    ("a different class the same day", ex(TUE, cls=1), [ex(TUE, cls=2, eid=1)], None),
    (
        "a different class with two that week",
        ex(TUE, cls=1),
        [ex(MON, cls=2, eid=1), ex(WED, cls=2, eid=2)],
        None,
    ),
    ("a cancelled test does not count (day)", ex(TUE), [ex(TUE, eid=1, cancelled=True)], None),
    (
        "a cancelled test does not count (week)",
        ex(FRI),
        [ex(MON, eid=1), ex(WED, eid=2, cancelled=True)],
        None,
    ),
    (
        "moving a test within its own day: itself not counted",
        ex(TUE, eid=1),
        [ex(TUE, eid=1)],
        None,
    ),
    (
        "moving the 2nd test of the week within the week",
        ex(THU, eid=2),
        [ex(MON, eid=1), ex(WED, eid=2)],
        None,
    ),
]


@pytest.mark.parametrize(
    ("new", "existing", "expected"),
    [pytest.param(n, e, x, id=name) for name, n, e, x in CASES],
)
def test_limits(new: PlannedExam, existing: list[PlannedExam], expected: str | None) -> None:
    problem = rules.exam_problem(new, existing, class_name="7 А")
    assert (problem.code if problem else None) == expected
    assert rules.plan_fits(new, existing) is (expected is None)


# term 1 ends on Friday 29.01.2027: its last week is 25.01–31.01
TERM_END = D(2027, 1, 29)
LAST_WEEK_CASES = [
    ("класна on the Monday of the last week", D(2027, 1, 25), "classwork", "exam.last_week"),
    ("класна on the last school day", TERM_END, "classwork", "exam.last_week"),
    ("класна on the Sunday before the last week", D(2027, 1, 24), "classwork", None),
    ("класна on the Friday before the last week", D(2027, 1, 22), "classwork", None),
    ("контролна in the last week is allowed", D(2027, 1, 27), "control", None),
]


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [pytest.param(d, k, x, id=name) for name, d, k, x in LAST_WEEK_CASES],
)
def test_last_week_of_term(day: dt.date, kind: str, expected: str | None) -> None:
    problem = rules.exam_problem(ex(day, kind), [], term_last_school_day=TERM_END)
    assert (problem.code if problem else None) == expected


def test_the_message_names_the_class_day_and_tests() -> None:
    problem = rules.exam_problem(
        ex(TUE, "classwork"),
        [PlannedExam(1, 1, TUE, "control", "контролна работа по математика")],
        class_name="7 А",
    )
    assert problem is not None
    assert problem.message_bg == (
        "Паралелката на 7 А вече има контролна или класна работа на 08.12.2026: "
        "контролна работа по математика (вторник, 08.12.2026). Разрешена е най-много една в "
        "учебен ден (Наредба № 11/2016 за оценяване)."
    )
    week = rules.exam_problem(
        ex(FRI),
        [
            PlannedExam(2, 1, WED, "classwork", "класна работа по БЕЛ"),
            PlannedExam(1, 1, MON, "control", "контролна работа по физика"),
        ],
        class_name="7 А",
    )
    assert week is not None
    assert "седмицата 07.12.2026 – 13.12.2026" in week.message_bg
    # listed in date order
    assert week.message_bg.index("физика (понеделник") < week.message_bg.index("БЕЛ (сряда")
    assert "най-много 2 в учебна седмица" in week.message_bg


def test_unknown_kind_and_codes() -> None:
    problem = rules.exam_problem(ex(MON, "test"), [])
    assert problem is not None and problem.code == "kind"
    assert rules.EXAM_CODES == {"control": 1, "classwork": 2}  # the Ministry's BookExamType


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        pytest.param(MON, MON, id="Monday is its own week's start"),
        pytest.param(SUN, MON, id="Sunday belongs to the week before it"),
        pytest.param(NEXT_MON, NEXT_MON, id="the next Monday starts a new week"),
    ],
)
def test_week_start(day: dt.date, monday: dt.date) -> None:
    assert rules.week_start(day) == monday


@pytest.mark.parametrize(
    ("kind", "subject", "title"),
    [
        pytest.param("control", "Математика", "контролна работа по математика", id="lower case"),
        pytest.param(
            "classwork",
            "Български език и литература",
            "класна работа по български език и литература",
            id="a long name",
        ),
        pytest.param(
            "control",
            "Човекът и природата",
            "контролна работа по човека и природата",
            id="the short article after по",
        ),
        pytest.param("control", "ИТ", "контролна работа по ИТ", id="an abbreviation stays"),
    ],
)
def test_exam_title(kind: str, subject: str, title: str) -> None:
    assert rules.exam_title(kind, subject) == title
