"""The whole Belezhnik domain as typed SQLAlchemy 2.0 models.

Conventions (read before adding a column):

* Every tenant-owned row carries ``school_id`` so that each query can be scoped to the user's
  school with one indexed condition. Use-cases always filter by it; views never query without it.
* Enumerations are Python ``StrEnum`` classes mapped by value to VARCHAR + a named CHECK
  constraint (portable between SQLite and PostgreSQL, readable in SQL).
* Timestamps are naive UTC (``utcnow()``); dates are school-local calendar dates. Convert to
  Europe/Sofia only when showing or speaking them (see ``config.settings.TZ``).
* Grades are ``Decimal`` with two places (``GradeValue``); never floats in Python code.
* Rows that teachers edit carry ``version`` for optimistic locking (``version_id_col``): the
  second of two conflicting edits raises ``StaleDataError``, which the staff web turns into a
  clear message.
* The schema is created by Alembic (``migrations/``); tests compare the migration head with these
  models, so a change here needs a migration in the same commit.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import MetaData
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import registry
from sqlalchemy.orm import relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC now: the one representation of instants stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dict[str, Any]: sa.JSON, list[Any]: sa.JSON},
    )


db = SQLAlchemy(model_class=Base)


class GradeValue(TypeDecorator[Decimal]):
    """NUMERIC(3,2) on PostgreSQL; on SQLite (which has no decimal type) the value travels as a
    float and is turned back into an exact two-place Decimal, which is lossless for 2.00–6.00."""

    impl = sa.Numeric(3, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric(3, 2, asdecimal=False))
        return dialect.type_descriptor(sa.Numeric(3, 2))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(str(value))
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


# --- reusable column types -------------------------------------------------------------------
intpk = Annotated[int, mapped_column(primary_key=True)]
created = Annotated[dt.datetime, mapped_column(default=utcnow)]
updated = Annotated[dt.datetime, mapped_column(default=utcnow, onupdate=utcnow)]
str20 = Annotated[str, mapped_column(sa.String(20))]
str100 = Annotated[str, mapped_column(sa.String(100))]
str200 = Annotated[str, mapped_column(sa.String(200))]


def school_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)


# --- enumerations ------------------------------------------------------------------------------
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


# --- tenants, calendar ---------------------------------------------------------------------------
class School(db.Model):
    __tablename__ = "school"
    id: Mapped[intpk]
    name: Mapped[str200]
    neispuo_code: Mapped[str] = mapped_column(
        sa.String(7), unique=True, comment="НЕИСПУО institution code, 7 digits"
    )
    town: Mapped[str100] = mapped_column(default="")
    address: Mapped[str200] = mapped_column(default="")
    info_phone: Mapped[str | None] = mapped_column(
        sa.String(20), comment="the information number parents call (E.164)"
    )
    email: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    absence_threshold: Mapped[Decimal] = mapped_column(
        sa.Numeric(4, 1),
        default=Decimal("5"),
        comment="weighted unexcused hours in a month above which parents are alerted (АСП)",
    )
    quiet_start: Mapped[dt.time] = mapped_column(default=dt.time(20, 0))
    quiet_end: Mapped[dt.time] = mapped_column(default=dt.time(8, 0))
    digest_time: Mapped[dt.time] = mapped_column(default=dt.time(18, 0))
    parent_excuse_days_year: Mapped[int] = mapped_column(default=15)
    parent_excuse_days_in_row: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[created]

    years: Mapped[list[SchoolYear]] = relationship(back_populates="school")

    __table_args__ = (CheckConstraint("length(neispuo_code) = 7", name="neispuo_code_len"),)


class SchoolYear(db.Model):
    """One school year of one school, with the dates of the ministerial order stored, never
    hard-coded."""

    __tablename__ = "school_year"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    name: Mapped[str] = mapped_column(sa.String(9), comment='"2025/2026"')
    starts_on: Mapped[dt.date]
    term2_starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    is_current: Mapped[bool] = mapped_column(default=True)
    month_lock_day: Mapped[int | None] = mapped_column(
        comment="entries of a past month lock after this day of the next month; NULL = never"
    )
    future_entry_lock: Mapped[bool] = mapped_column(default=True)

    school: Mapped[School] = relationship(back_populates="years")
    non_school_days: Mapped[list[NonSchoolDay]] = relationship(
        back_populates="school_year", cascade="all, delete-orphan"
    )
    class_ends: Mapped[list[ClassesEnd]] = relationship(
        back_populates="school_year", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint(
            "starts_on < term2_starts_on AND term2_starts_on < ends_on", name="dates_order"
        ),
        CheckConstraint(
            "month_lock_day IS NULL OR (month_lock_day BETWEEN 1 AND 28)", name="lock_day"
        ),
    )

    def term_of(self, day: dt.date) -> int:
        return 1 if day < self.term2_starts_on else 2

    @classmethod
    def current_for(cls, school_id: int) -> SchoolYear | None:
        """The school's current year (of those marked current, the latest to start), or None."""
        return db.session.scalar(
            sa.select(cls)
            .where(cls.school_id == school_id, cls.is_current.is_(True))
            .order_by(cls.starts_on.desc())
            .limit(1)
        )


class NonSchoolDay(db.Model):
    """Vacations, holidays and other non-school periods (inclusive range)."""

    __tablename__ = "non_school_day"
    id: Mapped[intpk]
    school_year_id: Mapped[int] = mapped_column(
        ForeignKey("school_year.id", ondelete="CASCADE"), index=True
    )
    date_from: Mapped[dt.date]
    date_to: Mapped[dt.date]
    name: Mapped[str200]
    grade_from: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    grade_to: Mapped[int] = mapped_column(sa.SmallInteger, default=12)

    school_year: Mapped[SchoolYear] = relationship(back_populates="non_school_days")
    __table_args__ = (CheckConstraint("date_from <= date_to", name="range"),)


class ClassesEnd(db.Model):
    """End of classes for a band of grade levels (e.g. XII 15.05, I–III 29.05)."""

    __tablename__ = "classes_end"
    id: Mapped[intpk]
    school_year_id: Mapped[int] = mapped_column(
        ForeignKey("school_year.id", ondelete="CASCADE"), index=True
    )
    grade_from: Mapped[int] = mapped_column(sa.SmallInteger)
    grade_to: Mapped[int] = mapped_column(sa.SmallInteger)
    ends_on: Mapped[dt.date]

    school_year: Mapped[SchoolYear] = relationship(back_populates="class_ends")


# --- people ----------------------------------------------------------------------------------------
class StaffUser(UserMixin, db.Model):
    """A person who signs in to the staff web. Operators run the platform and see no pupil data;
    everyone else acts through a StaffMembership in a school."""

    kind = "staff"

    def get_id(self) -> str:  # flask-login: one id space for staff and parents
        return f"s:{self.id}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    __tablename__ = "staff_user"
    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)
    full_name: Mapped[str200]
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    is_operator: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
    # Every sign-in token carries it (session_tokens.py); a bump ends every session.
    session_generation: Mapped[int] = mapped_column(default=0)

    memberships: Mapped[list[StaffMembership]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )


class StaffMembership(db.Model):
    __tablename__ = "staff_membership"
    id: Mapped[intpk]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    school_id: Mapped[int] = school_fk()
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole, "staff_role"))
    position: Mapped[str100] = mapped_column(default="", comment="директор, учител по …")

    staff: Mapped[StaffUser] = relationship(back_populates="memberships")
    school: Mapped[School] = relationship()
    __table_args__ = (UniqueConstraint("staff_id", "school_id", "role"),)


class StaffInvitation(db.Model):
    """A school asks an account's owner to join it (gradebook/staff_accounts.py): the membership
    exists only once the owner accepts through the e-mailed link. ``status``: pending, accepted,
    declined, revoked."""

    __tablename__ = "staff_invitation"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str200]
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole, "staff_role"))
    position: Mapped[str100] = mapped_column(default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str20] = mapped_column(default="pending")
    expires_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[created]
    decided_at: Mapped[dt.datetime | None]

    staff: Mapped[StaffUser] = relationship(foreign_keys=[staff_id])
    school: Mapped[School] = relationship()


class SchoolClass(db.Model):
    """A паралелка: one section of a grade level in one school year (e.g. "8е")."""

    __tablename__ = "school_class"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int] = mapped_column(sa.SmallInteger, comment="0 = ПГ, 1–12")
    name: Mapped[str] = mapped_column(sa.String(20))
    class_teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    shift: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    profile: Mapped[str100] = mapped_column(default="", comment="профил / специалност")

    school_year: Mapped[SchoolYear] = relationship()
    class_teacher: Mapped[StaffUser | None] = relationship()
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="school_class")

    __table_args__ = (
        UniqueConstraint("school_id", "school_year_id", "name"),
        CheckConstraint("grade_level BETWEEN 0 AND 12", name="grade_level"),
        CheckConstraint("shift IN (1, 2)", name="shift"),
        Index("ix_school_class_year_level", "school_year_id", "grade_level"),
    )


class Subject(db.Model):
    __tablename__ = "subject"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    name: Mapped[str100]
    short_name: Mapped[str] = mapped_column(sa.String(20), default="")
    spoken_name: Mapped[str | None] = mapped_column(
        sa.String(100), comment="how the phone line says it, when the written name reads badly"
    )
    __table_args__ = (UniqueConstraint("school_id", "name"),)


class Curriculum(db.Model):
    """Учебен план: one subject taught to one class by one teacher, with hours per week."""

    __tablename__ = "curriculum"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    section: Mapped[CurriculumSection] = mapped_column(
        _enum(CurriculumSection, "curriculum_section"), default=CurriculumSection.A
    )
    hours_term1: Mapped[Decimal] = mapped_column(sa.Numeric(3, 1), default=Decimal("0"))
    hours_term2: Mapped[Decimal] = mapped_column(sa.Numeric(3, 1), default=Decimal("0"))
    group_name: Mapped[str] = mapped_column(
        sa.String(40), default="", comment="split groups (e.g. languages), '' = whole class"
    )

    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        UniqueConstraint("class_id", "subject_id", "section", "group_name"),
        Index("ix_curriculum_class_subject", "class_id", "subject_id"),
    )


class Student(db.Model):
    __tablename__ = "student"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    first_name: Mapped[str100]
    middle_name: Mapped[str100] = mapped_column(default="")
    last_name: Mapped[str100]
    personal_id_type: Mapped[PersonalIdType] = mapped_column(
        _enum(PersonalIdType, "personal_id_type"), default=PersonalIdType.EGN
    )
    personal_id: Mapped[str | None] = mapped_column(
        sa.String(20), comment="ЕГН/ЛНЧ/ИДН: never spoken, sent, or shown to other parents"
    )
    birth_date: Mapped[dt.date | None]
    gender: Mapped[str | None] = mapped_column(sa.String(1))
    student_code: Mapped[str] = mapped_column(
        sa.String(12), unique=True, comment="random parent-access code with a check digit"
    )
    code_issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sop: Mapped[bool] = mapped_column(default=False, comment="special educational needs")
    created_at: Mapped[created]

    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="student", order_by="Enrollment.enrolled_on"
    )

    __table_args__ = (
        UniqueConstraint("school_id", "personal_id_type", "personal_id"),
        CheckConstraint("gender IS NULL OR gender IN ('M', 'F')", name="gender"),
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def short_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Enrollment(db.Model):
    """A student's membership of a class, with № в клас. ``left_on`` NULL = still in the class."""

    __tablename__ = "enrollment"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    class_number: Mapped[int] = mapped_column(sa.SmallInteger)
    enrolled_on: Mapped[dt.date]
    left_on: Mapped[dt.date | None]
    left_reason: Mapped[str | None] = mapped_column(sa.String(200))

    student: Mapped[Student] = relationship(back_populates="enrollments")
    school_class: Mapped[SchoolClass] = relationship(back_populates="enrollments")

    __table_args__ = (
        UniqueConstraint("class_id", "class_number"),
        Index("ix_enrollment_student", "student_id", "left_on"),
        Index("ix_enrollment_class", "class_id", "left_on"),
        CheckConstraint("class_number BETWEEN 1 AND 99", name="class_number"),
    )


class Guardian(UserMixin, db.Model):
    """A parent or guardian account. Phone in E.164; PIN hashed, for the phone line."""

    kind = "guardian"

    def get_id(self) -> str:
        return f"g:{self.id}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    __tablename__ = "guardian"
    id: Mapped[intpk]
    full_name: Mapped[str200] = mapped_column(default="")
    email: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    pin_hash: Mapped[str | None] = mapped_column(sa.String(256))
    email_verified_at: Mapped[dt.datetime | None]
    phone_verified_at: Mapped[dt.datetime | None]
    sms_latin: Mapped[bool] = mapped_column(default=True, comment="SMS transliterated (GSM-7)")
    digest: Mapped[bool] = mapped_column(default=False, comment="daily digest instead of each")
    stop_all: Mapped[bool] = mapped_column(default=False)
    ical_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created]
    last_login_at: Mapped[dt.datetime | None]
    # Every sign-in token carries it (session_tokens.py); a bump ends every session.
    session_generation: Mapped[int] = mapped_column(default=0)

    links: Mapped[list[GuardianStudent]] = relationship(
        back_populates="guardian", cascade="all, delete-orphan"
    )
    preferences: Mapped[list[NotificationPreference]] = relationship(
        back_populates="guardian", cascade="all, delete-orphan"
    )


class GuardianStudent(db.Model):
    __tablename__ = "guardian_student"
    id: Mapped[intpk]
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int] = school_fk()
    relation: Mapped[Relation] = mapped_column(_enum(Relation, "relation"), default=Relation.OTHER)
    created_at: Mapped[created]
    last_call_at: Mapped[dt.datetime | None] = mapped_column(
        comment="for the phone headline: what is new since this parent's last call"
    )

    guardian: Mapped[Guardian] = relationship(back_populates="links")
    student: Mapped[Student] = relationship()
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)


class GuardianLinkRequest(db.Model):
    """A parent–child link that waits for someone: ``kind`` "invite" (the school linked an
    existing parent who has an account or children elsewhere: the parent confirms), or
    "registration" / "add_child" (a code without a contact the school recorded: the school
    approves). Never read as a link: only :class:`GuardianStudent` rows are links."""

    __tablename__ = "guardian_link_request"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str20] = mapped_column(comment="invite, registration, add_child")
    relation: Mapped[Relation] = mapped_column(_enum(Relation, "relation"), default=Relation.OTHER)
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), comment="the staff member who invited"
    )
    token_hash: Mapped[str | None] = mapped_column(sa.String(256))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="name and contacts given")
    status: Mapped[str20] = mapped_column(
        default="pending", comment="pending, confirmed, declined, revoked, expired"
    )
    expires_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]

    student: Mapped[Student] = relationship()
    guardian: Mapped[Guardian | None] = relationship()


class NotificationPreference(db.Model):
    """An explicit choice; a missing row means the default (see notify defaults)."""

    __tablename__ = "notification_preference"
    id: Mapped[intpk]
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    event_type: Mapped[NotifyEvent] = mapped_column(_enum(NotifyEvent, "notify_event"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    enabled: Mapped[bool] = mapped_column(default=True)

    guardian: Mapped[Guardian] = relationship(back_populates="preferences")
    __table_args__ = (UniqueConstraint("guardian_id", "event_type", "channel"),)


# --- the diary -------------------------------------------------------------------------------------
class Grade(db.Model):
    __tablename__ = "grade"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subject.id", ondelete="CASCADE"), comment="copied from curriculum for lookups"
    )
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    term: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="1, 2; NULL for annual")
    kind: Mapped[GradeKind] = mapped_column(_enum(GradeKind, "grade_kind"))
    category: Mapped[GradeCategory] = mapped_column(
        _enum(GradeCategory, "grade_category"), default=GradeCategory.QUANTITATIVE
    )
    value: Mapped[Decimal | None] = mapped_column(GradeValue())
    sop_mark: Mapped[SopMark | None] = mapped_column(_enum(SopMark, "sop_mark"))
    date: Mapped[dt.date]
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(default=1)

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject] = relationship()
    curriculum: Mapped[Curriculum] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("value IS NULL OR value = 2 OR (value >= 3 AND value <= 6)", name="value"),
        CheckConstraint(
            "kind NOT IN ('term', 'annual') OR value IS NULL OR value IN (2, 3, 4, 5, 6)",
            name="final_whole",
        ),
        CheckConstraint(
            "(category = 'sop' AND sop_mark IS NOT NULL AND value IS NULL)"
            " OR (category <> 'sop' AND value IS NOT NULL AND sop_mark IS NULL)",
            name="value_or_sop",
        ),
        CheckConstraint("term IS NULL OR term IN (1, 2)", name="term"),
        CheckConstraint("(kind = 'annual') = (term IS NULL)", name="annual_no_term"),
        Index("ix_grade_student_term", "student_id", "school_year_id", "term"),
        Index("ix_grade_curriculum", "curriculum_id", "term"),
        Index("ix_grade_student_created", "student_id", "created_at"),
    )


class Absence(db.Model):
    """One absence or late for one lesson. A late counts ½ unexcused in totals."""

    __tablename__ = "absence"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    term: Mapped[int] = mapped_column(sa.SmallInteger)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    curriculum_id: Mapped[int | None] = mapped_column(
        ForeignKey("curriculum.id", ondelete="SET NULL")
    )
    kind: Mapped[AbsenceKind] = mapped_column(_enum(AbsenceKind, "absence_kind"))
    excuse_reason: Mapped[ExcuseReason | None] = mapped_column(_enum(ExcuseReason, "excuse_reason"))
    excuse_comment: Mapped[str] = mapped_column(sa.String(500), default="")
    excused_by_parent: Mapped[bool] = mapped_column(default=False)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(default=1)

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("student_id", "date", "period"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
        CheckConstraint("term IN (1, 2)", name="term"),
        CheckConstraint("kind = 'excused' OR excuse_reason IS NULL", name="reason_only_excused"),
        Index("ix_absence_student_term", "student_id", "school_year_id", "term"),
    )


class Remark(db.Model):
    __tablename__ = "remark"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RemarkKind] = mapped_column(_enum(RemarkKind, "remark_kind"))
    text: Mapped[str] = mapped_column(sa.String(1000))
    date: Mapped[dt.date]
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(default=1)

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject | None] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()
    __mapper_args__ = {"version_id_col": version}


class HealthNote(db.Model):
    """Здравен статус. Special-category data (GDPR): visible to the class teacher, the school
    admin and the student's own parents only. Never a diagnosis: only what the school needs."""

    __tablename__ = "health_note"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    date_from: Mapped[dt.date]
    date_to: Mapped[dt.date | None]
    text: Mapped[str] = mapped_column(sa.String(1000), comment="no diagnoses")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(default=1)

    student: Mapped[Student] = relationship()
    __mapper_args__ = {"version_id_col": version}


class Event(db.Model):
    """A test, class work, school event…: class-wide when class_id is set, else school-wide."""

    __tablename__ = "event"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    title: Mapped[str200]
    description: Mapped[str] = mapped_column(sa.String(2000), default="")
    date: Mapped[dt.date]
    time: Mapped[dt.time | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    updated_at: Mapped[updated]

    school_class: Mapped[SchoolClass | None] = relationship()
    subject: Mapped[Subject | None] = relationship()
    __table_args__ = (Index("ix_event_school_date", "school_id", "date"),)


class ParentMeeting(db.Model):
    __tablename__ = "parent_meeting"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("school_class.id", ondelete="CASCADE"), comment="NULL = whole school"
    )
    date: Mapped[dt.date]
    time: Mapped[dt.time]
    place: Mapped[str200] = mapped_column(default="")
    topic: Mapped[str] = mapped_column(sa.String(1000), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    reminder_sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
    updated_at: Mapped[updated]

    school_class: Mapped[SchoolClass | None] = relationship()
    __table_args__ = (Index("ix_parent_meeting_school_date", "school_id", "date"),)


# --- timetable -----------------------------------------------------------------------------------
class BellTime(db.Model):
    """Звънец: start and end of each period, per shift."""

    __tablename__ = "bell_time"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    shift: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    starts_at: Mapped[dt.time]
    ends_at: Mapped[dt.time]
    __table_args__ = (
        UniqueConstraint("school_id", "shift", "period"),
        CheckConstraint("starts_at < ends_at", name="order"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
    )


class TimetableSlot(db.Model):
    __tablename__ = "timetable_slot"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    term: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="NULL = both terms")
    weekday: Mapped[int] = mapped_column(sa.SmallInteger, comment="1 = Monday … 7 = Sunday")
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    room: Mapped[str] = mapped_column(sa.String(20), default="")
    starts_at: Mapped[dt.time | None] = mapped_column(comment="overrides the bell time")
    ends_at: Mapped[dt.time | None]

    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    curriculum: Mapped[Curriculum] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()
    __table_args__ = (
        UniqueConstraint("class_id", "term", "weekday", "period", "curriculum_id"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
        Index("ix_timetable_class_day", "class_id", "weekday"),
    )


# --- communication ---------------------------------------------------------------------------------
class MessageThread(db.Model):
    __tablename__ = "message_thread"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardian.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str200]
    created_at: Mapped[created]
    updated_at: Mapped[updated]

    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.created_at", cascade="all, delete-orphan"
    )
    student: Mapped[Student] = relationship()
    guardian: Mapped[Guardian] = relationship()
    staff: Mapped[StaffUser] = relationship()


class Message(db.Model):
    __tablename__ = "message"
    id: Mapped[intpk]
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_thread.id", ondelete="CASCADE"), index=True
    )
    from_staff: Mapped[bool] = mapped_column(comment="True: teacher → parent")
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[created]
    read_at: Mapped[dt.datetime | None]

    thread: Mapped[MessageThread] = relationship(back_populates="messages")


class SeenItem(db.Model):
    """Read receipt: a parent saw a grade or remark (shown to staff)."""

    __tablename__ = "seen_item"
    id: Mapped[intpk]
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    object_type: Mapped[str20]
    object_id: Mapped[int]
    seen_at: Mapped[created]
    __table_args__ = (
        UniqueConstraint("guardian_id", "object_type", "object_id"),
        Index("ix_seen_item_object", "object_type", "object_id"),
    )


class NotificationOutbox(db.Model):
    """Transactional outbox: one row per recipient × channel × event, written in the same
    transaction as the change it tells of, and drained by notification workers."""

    __tablename__ = "notification_outbox"
    id: Mapped[intpk]
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), index=True
    )
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    event_type: Mapped[NotifyEvent] = mapped_column(_enum(NotifyEvent, "notify_event"))
    object_type: Mapped[str | None] = mapped_column(sa.String(20))
    object_id: Mapped[int | None]
    coalesce_key: Mapped[str | None] = mapped_column(
        sa.String(120), comment="pending rows with the same key merge into one message"
    )
    to_address: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    segments: Mapped[int | None] = mapped_column(sa.SmallInteger)
    urgent: Mapped[bool] = mapped_column(default=False, comment="may bypass quiet hours")
    status: Mapped[OutboxStatus] = mapped_column(
        _enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    provider_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(sa.String(20))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
    updated_at: Mapped[updated]

    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_coalesce", "coalesce_key", "status"),
    )


# --- phone line, security, audit ---------------------------------------------------------------
class CallSession(db.Model):
    """State of one phone call, keyed by Twilio's CallSid (not cookies: they are not signed)."""

    __tablename__ = "call_session"
    id: Mapped[intpk]
    call_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), index=True
    )
    from_number: Mapped[str] = mapped_column(sa.String(32), default="")
    to_number: Mapped[str] = mapped_column(sa.String(32), default="")
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(40), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    failures: Mapped[int] = mapped_column(default=0)
    menus: Mapped[list[Any]] = mapped_column(default=list, comment="menu digits visited, in order")
    step: Mapped[int] = mapped_column(default=0)
    last_request_key: Mapped[str | None] = mapped_column(
        sa.String(64), comment="hash of the last step's request: a retry gets the same answer"
    )
    last_response: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="in-progress")
    started_at: Mapped[created]
    updated_at: Mapped[updated]
    ended_at: Mapped[dt.datetime | None]
    duration_s: Mapped[int | None]


class AttemptCounter(db.Model):
    """Attempts at guessing a secret, counted atomically (``throttle``): one row per scope
    (e.g. 'ivr_number', 'ivr_child', 'staff_login', 'parent_login', 'register'), key (the number,
    child, e-mail or address) and fixed window; ``window_start`` 2000-01-01 marks a count with no
    window (the phone PIN's failures in a row for one child)."""

    __tablename__ = "attempt_counter"
    scope: Mapped[str20] = mapped_column(primary_key=True)
    key: Mapped[str200] = mapped_column(primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)


class VerificationCode(db.Model):
    """Codes sent by SMS and links by e-mail while a parent registers or confirms a contact."""

    __tablename__ = "verification_code"
    id: Mapped[intpk]
    purpose: Mapped[str20]
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    target: Mapped[str200]
    code_hash: Mapped[str] = mapped_column(sa.String(256))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
    __table_args__ = (Index("ix_verification_target", "target", "purpose"),)


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[intpk]
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    actor_type: Mapped[str] = mapped_column(sa.String(10), comment="staff, guardian, system")
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(20), comment="create, update, delete, override…")
    object_type: Mapped[str20]
    object_id: Mapped[int | None]
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[created]
    __table_args__ = (
        Index("ix_audit_object", "object_type", "object_id"),
        Index("ix_audit_school_created", "school_id", "created_at"),
    )


class SignupRequest(db.Model):
    """A school asking to join, reviewed by an operator."""

    __tablename__ = "signup_request"
    id: Mapped[intpk]
    school_name: Mapped[str200]
    neispuo_code: Mapped[str] = mapped_column(sa.String(7))
    town: Mapped[str100]
    director_name: Mapped[str200]
    email: Mapped[str200]
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    note: Mapped[str] = mapped_column(sa.String(2000), default="")
    status: Mapped[SignupStatus] = mapped_column(
        _enum(SignupStatus, "signup_status"), default=SignupStatus.PENDING
    )
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]


# --- read models: what the phone and the portal read, prepared when the data changes -----------
class StudentSummary(db.Model):
    """Per student and school year: everything the phone line reads (averages, latest grades,
    absence totals…) as JSON, rebuilt in the transaction that changes the data, so that an IVR
    step is one indexed read."""

    __tablename__ = "student_summary"
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), primary_key=True
    )
    school_year_id: Mapped[int] = mapped_column(
        ForeignKey("school_year.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = school_fk()
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GroupSummary(db.Model):
    """Anonymous aggregates for a class (class_id set) or a year group (class_id NULL) per term,
    kept apart per reader (``source``): the phone line's class averages for menu 7 and the portal's
    comparison (averages per subject, bands, the distribution). Both are caches, rebuilt on demand."""

    __tablename__ = "group_summary"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int] = mapped_column(sa.SmallInteger)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    term: Mapped[int] = mapped_column(sa.SmallInteger)
    source: Mapped[str] = mapped_column(
        sa.String(10),
        default="portal",
        comment="who keeps the row: 'phone' (gradebook.summary, menu 7) or 'portal' (portal.stats)",
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint("source", "school_year_id", "grade_level", "class_id", "term"),
        CheckConstraint("source IN ('phone', 'portal')", name="source"),
    )
