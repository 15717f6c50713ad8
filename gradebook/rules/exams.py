"""The tests schedule (график на контролните и класните работи): the legal limits.

Наредба № 11 от 01.09.2016 г. за оценяване на резултатите от обучението на учениците: the
контролни и класни работи are held by a schedule that keeps to three requirements, for one and
the same class (паралелка):

1. at most one класна **or** one контролна работа on one school day (the two kinds counted
   together: a класна and a контролна on the same day is a clash);
2. at most two класни and/or контролни работи in one school week (counted together);
3. no класна работа in the last week of a term (a контролна is allowed).

The school week is the calendar week, Monday to Sunday (a Saturday lesson counts in the week
that began on the Monday before). The limits are the law's and not a school setting. The
Ministry's own diary (``SB.Domain/Exams``) stores an exam with its ``BookExamType`` (1
контролна, 2 класна), curriculum, date and description and checks none of these limits, so
Belezhnik checks them as the teacher plans.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.labels import code_labels
from gradebook.rules.wording import WEEKDAYS_BG
from gradebook.rules.wording import after_preposition
from gradebook.rules.wording import format_date_bg

EXAM_CONTROL: Final = "control"
EXAM_CLASSWORK: Final = "classwork"
EXAM_KINDS: Final[tuple[str, ...]] = (EXAM_CONTROL, EXAM_CLASSWORK)
#: The Ministry's ``BookExamType`` codes.
EXAM_CODES: Final[dict[str, int]] = {EXAM_CONTROL: 1, EXAM_CLASSWORK: 2}
EXAM_KIND_BG: Final[Mapping[str, str]] = code_labels(
    control="контролна работа", classwork="класна работа"
)
#: Which grade kind (``GradeKind``) a grade of such a test has.
GRADE_KIND_OF_EXAM: Final[dict[str, str]] = {EXAM_CONTROL: "control", EXAM_CLASSWORK: "classwork"}

MAX_EXAMS_PER_DAY: Final = 1
MAX_EXAMS_PER_WEEK: Final = 2
LAW_BG: Final = "Наредба № 11/2016 за оценяване"


def exam_title(kind: str, subject: str) -> str:
    """ "контролна работа по математика", "класна работа по български език и литература": the
    subject's name as it stands in running text (lower case unless it is an abbreviation such
    as "ИТ", its article shortened after the preposition)."""
    name = subject.strip()
    if len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    return f"{EXAM_KIND_BG.get(kind, kind)} по {after_preposition(name)}"


@dataclass(frozen=True)
class PlannedExam:
    """One test of the schedule as the limits see it: ``label`` names it in an error
    ("класна работа по математика")."""

    exam_id: int | None
    class_id: int
    day: dt.date
    kind: str
    label: str = ""
    cancelled: bool = False


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s school week (Monday to Sunday)."""
    return day - dt.timedelta(days=day.isoweekday() - 1)


def last_week_of_term(last_school_day: dt.date) -> tuple[dt.date, dt.date]:
    """The last week of a term: Monday to Sunday of the week of its last school day."""
    monday = week_start(last_school_day)
    return monday, monday + dt.timedelta(days=6)


def _named(exam: PlannedExam) -> str:
    when = f"{WEEKDAYS_BG[exam.day.isoweekday() - 1]}, {format_date_bg(exam.day)}"
    what = exam.label or EXAM_KIND_BG.get(exam.kind, exam.kind)
    return f"{what} ({when})"


def exam_problem(
    new: PlannedExam,
    existing: Iterable[PlannedExam],
    *,
    class_name: str = "",
    term_last_school_day: dt.date | None = None,
) -> RuleError | None:
    """Why ``new`` cannot be planned beside ``existing``, or None.

    ``existing`` may hold tests of any class: only those of ``new``'s class count, cancelled
    ones never, and the test being edited (the same ``exam_id``) is left out. The Bulgarian
    message names the class, the day or week and the tests already planned there.
    """
    if new.kind not in EXAM_KINDS:
        return RuleError(
            f"unknown exam kind {new.kind!r}", "Изберете вид: контролна или класна работа.", "kind"
        )
    klass = f" на {class_name}" if class_name else ""
    if new.kind == EXAM_CLASSWORK and term_last_school_day is not None:
        first, last = last_week_of_term(term_last_school_day)
        if first <= new.day <= last:
            return RuleError(
                f"classwork in the last week of the term ({first}..{last})",
                "Класна работа не се провежда в последната седмица на учебния срок "
                f"({format_date_bg(first)} – {format_date_bg(last)}; {LAW_BG}). "
                "Изберете по-ранна дата или контролна работа.",
                "exam.last_week",
            )
    same_class = [
        e
        for e in existing
        if e.class_id == new.class_id
        and not e.cancelled
        and (new.exam_id is None or e.exam_id != new.exam_id)
    ]
    same_day = sorted((e for e in same_class if e.day == new.day), key=lambda e: e.label)
    if len(same_day) >= MAX_EXAMS_PER_DAY:
        listed = "; ".join(_named(e) for e in same_day)
        return RuleError(
            f"class {new.class_id} already has {len(same_day)} test(s) on {new.day}",
            f"Паралелката{klass} вече има контролна или класна работа на "
            f"{format_date_bg(new.day)}: {listed}. Разрешена е най-много една в учебен ден "
            f"({LAW_BG}).",
            "exam.day_limit",
        )
    monday = week_start(new.day)
    sunday = monday + dt.timedelta(days=6)
    same_week = sorted(
        (e for e in same_class if monday <= e.day <= sunday), key=lambda e: (e.day, e.label)
    )
    if len(same_week) >= MAX_EXAMS_PER_WEEK:
        listed = "; ".join(_named(e) for e in same_week)
        return RuleError(
            f"class {new.class_id} already has {len(same_week)} tests in the week of {monday}",
            f"Паралелката{klass} вече има {len(same_week)} контролни и класни работи в седмицата "
            f"{format_date_bg(monday)} – {format_date_bg(sunday)}: {listed}. Разрешени са "
            f"най-много {MAX_EXAMS_PER_WEEK} в учебна седмица ({LAW_BG}).",
            "exam.week_limit",
        )
    return None


def plan_fits(new: PlannedExam, existing: Iterable[PlannedExam]) -> bool:
    """True when ``new`` keeps the day and week limits beside ``existing`` (the demo's test)."""
    return exam_problem(new, existing) is None
