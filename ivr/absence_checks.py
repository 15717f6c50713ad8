"""What the "not at school" calls ask of the class book, and what they tell the school: is a
child's absence today covered by a parent's note, is a notice's child still absent, and key 2
("I did not know"), which tells the class teacher and the duty contact at once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from config import clock
from config.settings import TZ
from gradebook import parent_notes
from ivr import escalation
from ivr.call_settings import settings_of
from models import Absence
from models import AbsenceKind
from models import AlertChannel
from models import Channel
from models import Enrollment
from models import NotifyEvent
from models import OutboundNotice
from models import SchoolClass
from models import StaffUser
from models import Student
from models import db
from notify.outbox import enqueue_direct


def covered_by_parent_note(student_id: int, school_id: int, day: dt.date) -> bool:
    """Is the child's absence today explained, so that nobody is called about it?

    Yes when every unexcused lesson of the child on ``day`` is covered by a parent's note, sent
    or confirmed (``gradebook.parent_notes.note_covers``: a note "from the 3rd lesson on" does not
    cover the 1st), or when the child has no unexcused lesson left that day because the school or
    the parent excused it (``excused_by_parent``)."""
    unexcused = list(
        db.session.scalars(
            sa.select(Absence.period).where(
                Absence.school_id == school_id,
                Absence.student_id == student_id,
                Absence.date == day,
                Absence.kind == AbsenceKind.UNEXCUSED,
                Absence.excused_by_parent.is_(False),
            )
        )
    )
    if unexcused:
        return all(parent_notes.note_covers(student_id, day, period) for period in unexcused)
    explained = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Absence)
        .where(
            Absence.school_id == school_id,
            Absence.student_id == student_id,
            Absence.date == day,
            sa.or_(Absence.kind == AbsenceKind.EXCUSED, Absence.excused_by_parent.is_(True)),
        )
    )
    return bool(explained) or parent_notes.note_covers(student_id, day, None)


def still_absent(notice: OutboundNotice) -> bool:
    """Some child of the notice still has an unexcused absence today and no parent's note."""
    for student_id in notice.student_ids or []:
        unexcused = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Absence)
            .where(
                Absence.school_id == notice.school_id,
                Absence.student_id == student_id,
                Absence.date == notice.day,
                Absence.kind == AbsenceKind.UNEXCUSED,
                Absence.excused_by_parent.is_(False),
            )
        )
        if unexcused and not covered_by_parent_note(student_id, notice.school_id, notice.day):
            return True
    return False


def _by_choice(
    choice: AlertChannel | str | None, phone: str | None, email: str | None, text: str
) -> list[tuple[Channel, str, str]]:
    """The messages to one person by the channel they chose (``escalation.alert_channels``)."""
    address = {escalation.SMS: phone, escalation.EMAIL: email}
    channels = escalation.alert_channels(str(choice or AlertChannel.BOTH), bool(phone), bool(email))
    return [(Channel(c), str(address[c]), text) for c in channels]


def tell_school(notice: OutboundNotice) -> int:
    """Key 2: the class teacher of each child and the duty contact are told at once, each by
    the channel they chose (the teacher in their profile, the duty contact by the admin: SMS,
    e-mail or both), in the caller's transaction. Returns the number of messages queued."""
    settings = settings_of(notice.school_id)
    answered = (notice.answer_at or clock.utc_naive()).replace(tzinfo=dt.UTC).astimezone(TZ)
    queued = 0
    targets: list[tuple[Channel, str, str]] = []
    for item in notice.payload.get("absent", []):
        student = db.session.get(Student, item["student_id"])
        klass = db.session.scalar(
            sa.select(SchoolClass)
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(Enrollment.student_id == item["student_id"], Enrollment.left_on.is_(None))
        )
        if student is None or klass is None:
            continue
        lessons = " и ".join(f"{p}." for p in item["periods"])
        text = (
            f"Родителят на {student.first_name} {student.last_name} ({klass.name}) не знае за "
            f"отсъствието днес ({lessons} час); отговор в {answered:%H:%M}"
        )
        teacher = (
            db.session.get(StaffUser, klass.class_teacher_id) if klass.class_teacher_id else None
        )
        if teacher is not None and teacher.active:
            targets += _by_choice(teacher.alert_channel, teacher.phone, teacher.email, text)
        targets += _by_choice(settings.duty_channel, settings.duty_phone, settings.duty_email, text)
    for channel, address, text in targets:
        row = enqueue_direct(
            channel,
            address,
            {"text": text},
            event_type=NotifyEvent.NOT_AT_SCHOOL,
            school_id=notice.school_id,
        )
        row.object_type, row.object_id = "outbound", notice.id
        queued += 1
    return queued
