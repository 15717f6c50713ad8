"""Messages between staff and parents: a teacher starts a conversation about a pupil,
reads and answers a thread; the parent is told by their chosen channel."""

from __future__ import annotations

import sqlalchemy as sa

from config import clock
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import NotFound
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import check_fields
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import notify_pupil
from gradebook.core import read_field
from gradebook.core import student_class
from gradebook.messages import msg
from models import GuardianStudent
from models import Message
from models import MessageThread
from models import NotificationOutbox
from models import NotifyEvent
from models import StaffUser
from models import Student
from models import db


def thread_for_staff(actor: Actor, thread_id: int) -> MessageThread:
    thread = get_in_school(MessageThread, thread_id, actor.school_id)
    if thread.staff_id != actor.staff_id:
        raise NotFound(msg("common.not_found"))
    return thread


def mark_thread_read(actor: Actor, thread: MessageThread) -> None:
    now = clock.utc_naive()
    changed = False
    for message in thread.messages:
        if not message.from_staff and message.read_at is None:
            message.read_at = now
            changed = True
    if changed:
        db.session.commit()


def thread_for_reading(actor: Actor, thread_id: int) -> MessageThread:
    """A thread the actor may read: their own, or (an admin) any thread of the school."""
    thread = get_in_school(MessageThread, thread_id, actor.school_id)
    if thread.staff_id != actor.staff_id and not actor.is_admin:
        raise NotFound(msg("common.not_found"))
    return thread


def _add_staff_message(actor: Actor, thread: MessageThread, body: str) -> Message:
    """The teacher's message in their thread, and the notice to that one parent (no commit)."""
    text = clean_text(body, 4000, "body")
    message = Message(thread_id=thread.id, from_staff=True, body=text, created_at=clock.utc_naive())
    db.session.add(message)
    thread.updated_at = clock.utc_naive()
    db.session.flush()
    staff = db.session.get(StaffUser, actor.staff_id)
    notify_pupil(
        actor,
        thread.student_id,
        NotifyEvent.MESSAGE,
        "message",
        message,
        {
            "thread_id": thread.id,
            "guardian_id": thread.guardian_id,
            "sender": staff.full_name if staff else "",
            "subject": thread.subject,
            "student": thread.student.first_name,
        },
    )
    # a conversation is with one parent: the student's other parents are not told of it
    db.session.execute(
        sa.delete(NotificationOutbox).where(
            NotificationOutbox.object_type == "message",
            NotificationOutbox.object_id == message.id,
            NotificationOutbox.guardian_id != thread.guardian_id,
        )
    )
    return message


def reply(actor: Actor, thread_id: int, body: str) -> Message:
    def work() -> Message:
        thread = thread_for_staff(actor, thread_id)
        message = _add_staff_message(actor, thread, body)
        commit_refreshed()
        return message

    return atomic(work)


def can_message_student(actor: Actor, student_id: int) -> bool:
    """Staff write to the parents of a pupil they teach or are the class teacher of."""
    klass = student_class(student_id)
    return klass is not None and (
        klass.id in actor.class_teacher_of or klass.id in actor.teaches_classes
    )


def start_thread(
    actor: Actor, student_id: int, *, guardian_id: int, subject: str, body: str
) -> MessageThread:
    """A new conversation of this teacher with one parent of the pupil; the parent is told."""

    def work() -> MessageThread:
        student = get_in_school(Student, student_id, actor.school_id)
        if not can_message_student(actor, student.id):
            raise Forbidden(msg("message.own_students_only"))
        link = db.session.scalar(
            sa.select(GuardianStudent).where(
                GuardianStudent.student_id == student.id,
                GuardianStudent.guardian_id == guardian_id,
                GuardianStudent.school_id == actor.school_id,
            )
        )
        errors: dict[str, str] = {}
        if link is None:
            errors["guardian_id"] = msg("message.choose_guardian")
        the_subject = (subject or "").strip()
        if not the_subject or len(the_subject) > 200:
            errors["subject"] = msg("message.subject_format")
        read_field(errors, lambda: clean_text(body, 4000, "body"))
        check_fields(errors)
        now = clock.utc_naive()
        thread = MessageThread(
            school_id=actor.school_id,
            student_id=student.id,
            guardian_id=guardian_id,
            staff_id=actor.staff_id,
            subject=the_subject,
            created_at=now,
            updated_at=now,
        )
        add_audited(actor, thread, after={"guardian_id": guardian_id, "subject": the_subject})
        _add_staff_message(actor, thread, body)
        commit_refreshed()
        return thread

    return atomic(work)
