"""The enumerations the tables store: each a ``StrEnum`` kept by value in a VARCHAR with a named
CHECK (``tables.base.enum_type``), so that a value reads the same in Python and in SQL."""

import enum


class StaffRole(enum.StrEnum):
    ADMIN = "admin"  # director, deputy, secretary: everything in the school
    TEACHER = "teacher"


class PersonalIdType(enum.StrEnum):
    EGN = "egn"
    LNCH = "lnch"
    IDN = "idn"


class GradeKind(enum.StrEnum):
    CURRENT = "current"
    CONTROL = "control"
    CLASSWORK = "classwork"
    TEST = "test"
    HOMEWORK = "homework"
    PROJECT = "project"
    ENTRY_LEVEL = "entry_level"
    EXIT_LEVEL = "exit_level"
    TERM = "term"
    ANNUAL = "annual"


class GradeCategory(enum.StrEnum):
    QUANTITATIVE = "quantitative"  # 2, 3.00–6.00 (IV–XII)
    QUALITATIVE = "qualitative"  # I–III: Незадоволителен … Отличен, stored as 2–6
    SOP = "sop"  # special educational needs: sop_mark instead of value


class SopMark(enum.StrEnum):
    DIFFICULTIES = "difficulties"  # среща затруднения
    COPES = "copes"  # справя се
    MEETS = "meets"  # постига изискванията


class AbsenceKind(enum.StrEnum):
    EXCUSED = "excused"
    UNEXCUSED = "unexcused"
    LATE = "late"


class ExcuseReason(enum.StrEnum):
    HEALTH = "health"
    FAMILY = "family"
    OTHER = "other"


class RemarkKind(enum.StrEnum):
    PRAISE = "praise"
    REMARK = "remark"


class EventKind(enum.StrEnum):
    TEST = "test"  # тест / контролна работа
    CLASSWORK = "classwork"  # класна работа
    SCHOOL_EVENT = "school_event"
    EXCURSION = "excursion"
    HOLIDAY = "holiday"
    OTHER = "other"


class CurriculumSection(enum.StrEnum):
    A = "A"  # задължителни учебни часове (раздел А)
    B = "B"  # избираеми (раздел Б)
    V = "V"  # факултативни (раздел В)


class Relation(enum.StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    GUARDIAN = "guardian"
    OTHER = "other"


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


class AlertChannel(enum.StrEnum):
    """How a staff member (or the school's duty contact) is told at once of something urgent
    (a parent pressed 2 "I did not know" in a "not at school" call)."""

    SMS = "sms"
    EMAIL = "email"
    BOTH = "both"


class NotifyEvent(enum.StrEnum):
    GRADE = "grade"
    ABSENCE = "absence"
    LATE = "late"
    REMARK = "remark"
    PRAISE = "praise"
    HEALTH = "health"
    EVENT = "event"
    MEETING = "meeting"
    MESSAGE = "message"
    THRESHOLD = "threshold"
    DIGEST = "digest"
    REMINDER = "reminder"  # parent meeting tomorrow
    ACCOUNT = "account"  # registration codes, password links: never muted
    HOMEWORK = "homework"  # homework given in a lesson
    EXAM = "exam"  # a control or class test planned (the tests schedule)
    SANCTION = "sanction"  # a sanction imposed or cancelled (ЗПУО чл. 199)
    NOT_AT_SCHOOL = "not_at_school"  # unexplained absence from the first lessons: urgent call
    BROADCAST = "broadcast"  # a school-wide message (school closed, early dismissal)
    EXCUSE = "excuse"  # a parent's note excusing an absence: confirmed or refused


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # provider outcome unknown (timeout): reconciled, never resent blindly
    DIGESTED = "digested"  # folded into a daily digest


class SignupStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
