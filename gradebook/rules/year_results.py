"""The class-book types and their sections, the daily attendance of a preparatory group (ПГ),
first grade's overall annual result and the annual result of a pupil (completes the grade, must
sit retake exams, repeats), with the Ministry's codes.

Sources (``governmentbg/NEISPUO``, ``school-books/backend``):

* ``SB.Domain/ClassBook/Entities/ClassBookType.cs`` and ``ClassBook.GetClassBookType``: basic
  class ПГ (below 1) → ``Book_PG`` 1, I–III → ``Book_I_III`` 2, IV → ``Book_IV`` 3, V–XII →
  ``Book_V_XII`` 4. The sections of each type: ``SB.ExtApi/Documentation/BusinessProcesses/
  BUSINESS_PROCESSES_EN.md`` and ``ClassBook.CheckBookTypeAllows*`` (attendance only in ПГ,
  lesson absences in every other book).
* ``SB.Domain/Attendances/Entities/AttendanceType.cs``: 1 присъствие, 2 отсъствие по
  неуважителни причини, 3 отсъствие по уважителни причини; a reason only when excused
  (``Attendance.cs``); one mark per child and day (``UK_Attendance_ClassBookId_PersonId_Date``).
* ``SB.Domain/PgResults/Entities/PgResult.cs``: per child and subject (area) a free-text result
  "в началото на учебната година" and one "в края на учебната година".
* ``SB.Domain/FirstGradeResults/Entities/FirstGradeResult.cs``: exactly one of a qualitative
  grade (``QualitativeGrade`` 2 Незадоволителен … 6 Отличен) or a special-needs mark
  (``SpecialNeedsGrade`` 1 среща затруднения, 2 справя се, 3 постига изискванията).
* ``SB.Domain/GradeResults/Entities/GradeResult.cs``, ``GradeResultSubject.cs``,
  ``GradeResultType.cs``: the initial result 1 завършва, 2 полага изпити (at least one subject),
  3 повтаря; "завършва" has no subjects and no final result; the final result is never 2; a
  subject's sessions 1–3 are filled in order, each a grade 2–6 or "не се явил".

Pure: only the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

# --- class-book types and sections ------------------------------------------------------------
BOOK_PG: Final = 1
BOOK_I_III: Final = 2
BOOK_IV: Final = 3
BOOK_V_XII: Final = 4

BOOK_TYPE_NAMES: Final[Mapping[int, str]] = MappingProxyType(
    {
        BOOK_PG: "3-5 Дневник на група/подготвителна група",
        BOOK_I_III: "3-14 Дневник I - III клас",
        BOOK_IV: "3-16 Дневник IV клас",
        BOOK_V_XII: "3-87 Дневник V - XII клас",
    }
)
"""The Ministry's ``ClassBookType`` descriptions (Наредба № 8, Приложение № 2)."""

SECTION_ATTENDANCE: Final = "attendance"  # daily: present / excused / unexcused (ПГ)
SECTION_PG_RESULTS: Final = "pg_results"
SECTION_ABSENCES: Final = "absences"  # per lesson, with lates
SECTION_QUALITATIVE: Final = "qualitative_grades"
SECTION_DECIMAL: Final = "decimal_grades"
SECTION_TERM_GRADES: Final = "term_grades"
SECTION_ANNUAL_GRADES: Final = "annual_grades"
SECTION_FIRST_GRADE_RESULT: Final = "first_grade_result"
SECTION_GRADE_RESULTS: Final = "grade_results"
SECTION_TOPICS: Final = "topics"
SECTION_REMARKS: Final = "remarks"
SECTION_PARENT_MEETINGS: Final = "parent_meetings"
SECTION_INDIVIDUAL_WORK: Final = "individual_work"
SECTION_EXAMS: Final = "exams"
SECTION_SANCTIONS: Final = "sanctions"
SECTION_SUPPORT: Final = "support"
SECTION_NOTES: Final = "notes"

_PG: Final = frozenset({SECTION_ATTENDANCE, SECTION_PARENT_MEETINGS, SECTION_PG_RESULTS})
_SCHOOL: Final = frozenset(
    {
        SECTION_ABSENCES,
        SECTION_TOPICS,
        SECTION_REMARKS,
        SECTION_PARENT_MEETINGS,
        SECTION_INDIVIDUAL_WORK,
        SECTION_EXAMS,
        SECTION_SUPPORT,
    }
)


def class_book_type(grade_level: int) -> int:
    """The Ministry's ``ClassBookType`` of a class of ``grade_level`` (0 = ПГ, 1–12)."""
    if grade_level == 0:
        return BOOK_PG
    if 1 <= grade_level <= 3:
        return BOOK_I_III
    if grade_level == 4:
        return BOOK_IV
    if 5 <= grade_level <= 12:
        return BOOK_V_XII
    raise ValueError(f"no class book for grade level {grade_level}")


def class_book_sections(grade_level: int) -> frozenset[str]:
    """The sections of the class book of a class of ``grade_level``, as the Ministry's business
    processes list them per book type: ПГ — attendance, parent meetings, ПГ results, notes;
    I — qualitative grades without term or annual grades, the overall annual result; II–III —
    qualitative grades with annual grades; IV — decimal grades with term and annual grades,
    sanctions; V–XII — the same and the annual results. Every book has notes."""
    book = class_book_type(grade_level)
    if book == BOOK_PG:
        return _PG | {SECTION_NOTES}
    sections = set(_SCHOOL) | {SECTION_NOTES}
    if book == BOOK_I_III:
        sections.add(SECTION_QUALITATIVE)
        sections.add(SECTION_FIRST_GRADE_RESULT if grade_level == 1 else SECTION_ANNUAL_GRADES)
    else:
        sections |= {SECTION_DECIMAL, SECTION_TERM_GRADES, SECTION_ANNUAL_GRADES}
        sections.add(SECTION_SANCTIONS)
        if book == BOOK_V_XII:
            sections.add(SECTION_GRADE_RESULTS)
    return frozenset(sections)


def has_section(grade_level: int, section: str) -> bool:
    return section in class_book_sections(grade_level)


# --- ПГ daily attendance ------------------------------------------------------------------------
ATTENDANCE_CODES: Final[Mapping[str, int]] = MappingProxyType(
    {"present": 1, "unexcused": 2, "excused": 3}
)
"""Our kind → the Ministry's ``AttendanceType`` code."""

ATTENDANCE_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "present": "присъства",
        "excused": "отсъства по уважителни причини",
        "unexcused": "отсъства по неуважителни причини",
    }
)
ATTENDANCE_SHORT: Final[Mapping[str, str]] = MappingProxyType(
    {"present": "присъства", "excused": "уважително", "unexcused": "неуважително"}
)
ATTENDANCE_COMMENT_MAX: Final = 1000


def attendance_problem(kind: str, reason: str | None, comment: str) -> tuple[str, str] | None:
    """(field, Bulgarian message) of a wrong daily mark, or None: a known kind; a reason and a
    comment only for an excused day (the Ministry's CHECK), an excused day needs its reason;
    the comment at most 1000 characters."""
    if kind not in ATTENDANCE_CODES:
        return "kind", "Изберете присъствие или вид отсъствие."
    if kind != "excused" and (reason or comment):
        return "reason", "Причина се посочва само за отсъствие по уважителни причини."
    if kind == "excused" and not reason:
        return "reason", "Посочете причината за уважителното отсъствие."
    if len(comment) > ATTENDANCE_COMMENT_MAX:
        return "comment", "Коментарът е до 1000 знака."
    return None


@dataclass(frozen=True, slots=True)
class AttendanceCounts:
    present: int = 0
    excused: int = 0
    unexcused: int = 0

    @property
    def marked(self) -> int:
        return self.present + self.excused + self.unexcused


def attendance_counts(kinds: Iterable[str]) -> AttendanceCounts:
    """Days by kind (a kind outside the three is refused)."""
    counts = {"present": 0, "excused": 0, "unexcused": 0}
    for kind in kinds:
        if kind not in counts:
            raise ValueError(f"unknown attendance kind {kind!r}")
        counts[kind] += 1
    return AttendanceCounts(**counts)


# --- ПГ results -----------------------------------------------------------------------------------
PG_RESULT_MAX: Final = 2000
"""Our limit of one ПГ result's text (the Ministry's column is NVARCHAR(MAX))."""


# --- first grade ------------------------------------------------------------------------------
QUALITATIVE_GRADES: Final[Mapping[int, str]] = MappingProxyType(
    {2: "Незадоволителен", 3: "Среден", 4: "Добър", 5: "Много добър", 6: "Отличен"}
)
SPECIAL_NEEDS_MARKS: Final[Mapping[int, str]] = MappingProxyType(
    {1: "среща затруднения", 2: "справя се", 3: "постига изискванията"}
)


def first_grade_problem(
    qualitative: int | None, special: int | None, *, had_special: bool | None = None
) -> str | None:
    """Exactly one of a qualitative grade (2–6) and a special-needs mark (1–3); a result once
    entered keeps its kind (``had_special``: the stored one's kind, None for a new one)."""
    if (qualitative is None) == (special is None):
        return "Изберете или качествена оценка, или оценка за ученик със СОП."
    if qualitative is not None and qualitative not in QUALITATIVE_GRADES:
        return "Качествената оценка е от Незадоволителен до Отличен."
    if special is not None and special not in SPECIAL_NEEDS_MARKS:
        return "Непозната оценка за ученик със СОП."
    if had_special is not None and had_special != (special is not None):
        return "Видът на резултата не може да се смени: изтрийте го и го въведете отново."
    return None


# --- annual results (V–XII) --------------------------------------------------------------------
RESULT_COMPLETES: Final = 1
RESULT_RETAKE: Final = 2
RESULT_REPEATS: Final = 3
GRADE_RESULTS: Final[Mapping[int, str]] = MappingProxyType(
    {RESULT_COMPLETES: "Завършва", RESULT_RETAKE: "Полага изпити", RESULT_REPEATS: "Повтаря"}
)
"""The Ministry's ``GradeResultType``."""
GRADE_RESULTS_LONG: Final[Mapping[int, str]] = MappingProxyType(
    {
        RESULT_COMPLETES: "завършва класа",
        RESULT_RETAKE: "полага поправителни изпити",
        RESULT_REPEATS: "повтаря класа",
    }
)
SESSIONS: Final = 3
FAILING: Final = 2


@dataclass(frozen=True, slots=True)
class ResultSuggestion:
    """What the annual grades suggest: ``result`` (None while an annual grade is missing), the
    subjects (ids) of the retake exams, and those still without an annual grade."""

    result: int | None
    retake: tuple[int, ...]
    missing: tuple[int, ...]


def suggest_result(annual: Mapping[int, int | None]) -> ResultSuggestion:
    """Subject id → the whole annual grade 2–6 (None: not set; a СОП mark is passed as None and
    excluded by the caller). An annual Слаб 2 in a subject → retake exams in it; no 2 and every
    subject graded → completes; a missing grade → no suggestion yet. Repeating is never
    suggested from annual grades: it follows the retake sessions (:func:`suggest_final`) or the
    class teacher's decision."""
    retake = tuple(sorted(sid for sid, g in annual.items() if g == FAILING))
    missing = tuple(sorted(sid for sid, g in annual.items() if g is None))
    if retake:
        return ResultSuggestion(RESULT_RETAKE, retake, missing)
    if missing:
        return ResultSuggestion(None, (), missing)
    return ResultSuggestion(RESULT_COMPLETES, (), ())


@dataclass(frozen=True, slots=True)
class Session:
    grade: int | None = None
    no_show: bool = False

    @property
    def filled(self) -> bool:
        return self.grade is not None or self.no_show

    @property
    def passed(self) -> bool:
        return self.grade is not None and self.grade > FAILING


def sessions_problem(sessions: Sequence[Session]) -> str | None:
    """A subject's retake sessions (1–3): each a whole grade 2–6 or "не се явил", not both; a
    later session only after the earlier one is filled (the Ministry's rule); nothing after a
    passed session."""
    if len(sessions) > SESSIONS:
        return "Най-много три сесии."
    for i, s in enumerate(sessions):
        if s.grade is not None and s.no_show:
            return f"Сесия {i + 1}: или оценка, или „не се явил“."
        if s.grade is not None and s.grade not in (2, 3, 4, 5, 6):
            return f"Сесия {i + 1}: оценката е цяло число от 2 до 6."
        if s.filled and i > 0 and not sessions[i - 1].filled:
            return f"Сесия {i + 1} се попълва след сесия {i}."
        if s.filled and any(p.passed for p in sessions[:i]):
            return f"Изпитът е положен преди сесия {i + 1}."
    return None


def suggest_final(subjects: Mapping[int, Sequence[Session]]) -> int | None:
    """After the retake sessions: every subject passed → completes; a subject whose filled
    sessions are all failed or missed and whose last session (the third) is filled → repeats;
    otherwise None (sessions still to come). The class teacher confirms."""
    if not subjects:
        return None
    if all(any(s.passed for s in sess) for sess in subjects.values()):
        return RESULT_COMPLETES
    for sess in subjects.values():
        if len(sess) >= SESSIONS and sess[SESSIONS - 1].filled and not any(s.passed for s in sess):
            return RESULT_REPEATS
    return None


def grade_result_problem(initial: int, retake: Sequence[int], final: int | None) -> str | None:
    """The Ministry's entity rules of an annual result."""
    if initial not in GRADE_RESULTS:
        return "Изберете резултат."
    if len(set(retake)) != len(retake):
        return "Всеки предмет се посочва веднъж."
    if initial == RESULT_RETAKE and not retake:
        return "Посочете предметите на поправителните изпити."
    if initial != RESULT_RETAKE and retake:
        return "Предмети за поправителни изпити се посочват само при „полага изпити“."
    if final is not None and initial != RESULT_RETAKE:
        return "Окончателен резултат има само след поправителни изпити."
    if final is not None and final not in (RESULT_COMPLETES, RESULT_REPEATS):
        return "Окончателният резултат е „завършва“ или „повтаря“."
    return None


# --- the school-year transition: a preparatory group's first-grade class -------------------------
FIRST_GRADE_DEFAULT_LETTER: Final = "а"
_GROUP_PREFIXES: Final = ("подготвителна група", "пг")


def first_grade_class_name(group_name: str) -> str:
    """The first-grade class a preparatory group goes into: "1" and the group's letter ("ПГ б",
    "ПГ-Б", "ПГб", "Подготвителна група Б" → "1б"); a group without one letter ("ПГ", a group's
    own name such as "Пчелички") → "1а", the first class of the usual naming."""
    rest = group_name.strip()
    for prefix in _GROUP_PREFIXES:
        if rest.lower().startswith(prefix):
            rest = rest[len(prefix) :]
            break
    rest = rest.strip(' -–_."„“')
    letter = rest.lower() if len(rest) == 1 and rest.isalpha() else FIRST_GRADE_DEFAULT_LETTER
    return f"1{letter}"
