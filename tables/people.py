"""People: staff accounts, their memberships of schools and invitations; students and their
enrollments in classes; guardians (parent accounts), their links to children and the links that
wait for someone's confirmation."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tables.base import created
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk
from tables.base import str20
from tables.base import str100
from tables.base import str200
from tables.base import utcnow
from tables.enums import AlertChannel
from tables.enums import PersonalIdType
from tables.enums import Relation
from tables.enums import StaffRole

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.notify import NotificationPreference
    from tables.school import School
    from tables.school import SchoolClass


# --- accounts ------------------------------------------------------------------------------------
class SignInAccount(UserMixin):
    """What the two kinds of account that sign in (staff and parents) share for flask-login: one
    id space (``get_id`` is ``s:<id>`` or ``g:<id>``), the ``active`` flag as ``is_active``, and
    ``session_generation``, which every sign-in token carries (session_tokens.py): a bump ends
    every session. Its column comes after the table's own: last, where it always stood."""

    id_prefix: ClassVar[str]

    session_generation: Mapped[int] = mapped_column(default=0)

    def get_id(self) -> str:  # flask-login: one id space for staff and parents
        return f"{self.id_prefix}:{self.id}"  # type: ignore[attr-defined]

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active  # type: ignore[attr-defined]


# --- staff ---------------------------------------------------------------------------------------
class StaffUser(SignInAccount, db.Model):
    """A person who signs in to the staff web. Operators run the platform and see no pupil data;
    everyone else acts through a StaffMembership in a school."""

    kind = "staff"
    id_prefix = "s"

    __tablename__ = "staff_user"
    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)
    full_name: Mapped[str200]
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    is_operator: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    alert_channel: Mapped[AlertChannel] = mapped_column(
        enum_type(AlertChannel, "alert_channel"),
        default=AlertChannel.BOTH,
        comment="urgent news at once: sms, email or both (their own profile)",
    )
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]

    memberships: Mapped[list[StaffMembership]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )


class StaffMembership(db.Model):
    __tablename__ = "staff_membership"
    id: Mapped[intpk]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    school_id: Mapped[int] = school_fk()
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "staff_role"))
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
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "staff_role"))
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


# --- students ------------------------------------------------------------------------------------
class Student(db.Model):
    __tablename__ = "student"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    first_name: Mapped[str100]
    middle_name: Mapped[str100] = mapped_column(default="")
    last_name: Mapped[str100]
    personal_id_type: Mapped[PersonalIdType] = mapped_column(
        enum_type(PersonalIdType, "personal_id_type"), default=PersonalIdType.EGN
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


# --- guardians -----------------------------------------------------------------------------------
class Guardian(SignInAccount, db.Model):
    """A parent or guardian account. Phone in E.164; PIN hashed, for the phone line."""

    kind = "guardian"
    id_prefix = "g"

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
    relation: Mapped[Relation] = mapped_column(
        enum_type(Relation, "relation"), default=Relation.OTHER
    )
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
    relation: Mapped[Relation] = mapped_column(
        enum_type(Relation, "relation"), default=Relation.OTHER
    )
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
