"""Helpers shared by test modules of several topics (not a test module): a webhook request signed
as Twilio signs it, the SQL statements a block sends, a trigger that makes the database refuse
writes to a table, a grade row built for a pupil in a curriculum, a parent's message thread to
a teacher, a subject teacher of a class, and the outbox rows about one object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from models import Curriculum
from models import Grade
from models import GuardianStudent
from models import Message
from models import MessageThread
from models import NotificationOutbox
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import db
from security import sign

TWILIO_TOKEN = "test-twilio-token"  # TWILIO_AUTH_TOKEN of tests/conftest.py's make_app


def signed_post(
    client: FlaskClient, path: str, params: dict[str, str], token: str = TWILIO_TOKEN, **kwargs: Any
) -> Any:
    """POST ``params`` to ``path`` with the X-Twilio-Signature Twilio would send for them."""
    return client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": sign("http://localhost" + path, params, token)},
        **kwargs,
    )


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block (an executemany counts once)."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


@dataclass(frozen=True)
class Refusal:
    """A trigger ``name`` that makes the database (SQLite or PostgreSQL) refuse every
    ``operation`` ("INSERT", "UPDATE") on ``table`` with ``message``: a real failing database
    for one table, the rest working."""

    name: str
    operation: str
    table: str
    message: str

    def statements(self, dialect: str) -> list[str]:
        if dialect == "sqlite":
            return [
                f"CREATE TRIGGER {self.name} BEFORE {self.operation} ON {self.table} "
                f"BEGIN SELECT RAISE(ABORT, '{self.message}'); END"
            ]
        return [
            f"CREATE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{self.message}'; END $$",
            f"CREATE TRIGGER {self.name} BEFORE {self.operation} ON {self.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {self.name}()",
        ]

    def switch(self, on: bool) -> None:
        """Create (``on``) or drop the trigger, and commit."""
        dialect = db.engine.dialect.name
        if on:
            for statement in self.statements(dialect):
                db.session.execute(sa.text(statement))
        else:
            on_table = f" ON {self.table}" if dialect == "postgresql" else ""
            db.session.execute(sa.text(f"DROP TRIGGER {self.name}{on_table}"))
        db.session.commit()


def new_grade(
    year: SchoolYear,
    student_id: int,
    curriculum: Curriculum,
    value: Decimal | int | str,
    *,
    date: dt.date,
    kind: str = "current",
    term: int | None = 1,
    **extra: Any,
) -> Grade:
    """A grade of the pupil in the curriculum's subject in ``year`` (not yet in the session)."""
    pupil = {"school_id": year.school_id, "school_year_id": year.id, "student_id": student_id}
    subject = {"curriculum_id": curriculum.id, "subject_id": curriculum.subject_id}
    return Grade(**pupil, **subject, term=term, kind=kind, value=value, date=date, **extra)


def parent_thread(link: GuardianStudent, staff_id: int, subject: str, body: str) -> MessageThread:
    """A conversation (school 1) the parent of ``link`` began with ``body`` to a staff member
    about the child; committed."""
    people = {"student_id": link.student_id, "guardian_id": link.guardian_id, "staff_id": staff_id}
    thread = MessageThread(school_id=1, subject=subject, **people)
    db.session.add(thread)
    db.session.flush()
    db.session.add(Message(thread_id=thread.id, from_staff=False, body=body))
    db.session.commit()
    return thread


def subject_teacher_of(class_id: int) -> StaffUser:
    """A teacher of one of the class's subjects who is not its class teacher."""
    teacher = db.session.scalar(
        sa.select(StaffUser)
        .join(Curriculum, Curriculum.teacher_id == StaffUser.id)
        .where(
            Curriculum.class_id == class_id,
            StaffUser.id != db.session.get(SchoolClass, class_id).class_teacher_id,
        )
    )
    assert teacher is not None
    return teacher


def outbox_rows(object_type: str, object_id: int) -> list[NotificationOutbox]:
    """The notices queued about one object (``"event"``, 7)."""
    return list(
        db.session.scalars(
            sa.select(NotificationOutbox).where(
                NotificationOutbox.object_type == object_type,
                NotificationOutbox.object_id == object_id,
            )
        )
    )
