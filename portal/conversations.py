"""Messages between a parent and the child's teachers: whom the parent may write to, the threads,
reading one (marks the teacher's messages read), replying, starting a thread, the unread count.
The writes commit their own transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from config import clock
from models import Curriculum
from models import Message
from models import MessageThread
from models import StaffUser
from models import Subject
from models import db
from portal.children import ChildContext
from portal.messages import PortalError
from portal.messages import msg

MESSAGE_MAX = 4000


def unread_count(guardian_id: int, student_id: int | None = None) -> int:
    query = (
        sa.select(sa.func.count(Message.id))
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.guardian_id == guardian_id,
            Message.from_staff.is_(True),
            Message.read_at.is_(None),
        )
    )
    if student_id is not None:
        query = query.where(MessageThread.student_id == student_id)
    return db.session.scalar(query) or 0


# --- messages --------------------------------------------------------------------------------------
def recipients(ctx: ChildContext) -> list[tuple[int, str]]:
    """Whom the parent may write to about this child: the class teacher and the teachers of the
    class's subjects (staff id, "Name (role)")."""
    if ctx.school_class is None:
        return []
    people: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    if ctx.school_class.class_teacher_id:
        teacher = db.session.get(StaffUser, ctx.school_class.class_teacher_id)
        if teacher is not None and teacher.active:
            names[teacher.id] = teacher.full_name
            people.setdefault(teacher.id, []).append(msg("label.class_teacher"))
    for staff_id, full_name, subject in db.session.execute(
        sa.select(StaffUser.id, StaffUser.full_name, Subject.name)
        .join(Curriculum, Curriculum.teacher_id == StaffUser.id)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(
            Curriculum.class_id == ctx.school_class.id,
            Curriculum.school_id == ctx.school.id,
            StaffUser.active.is_(True),
        )
        .order_by(Subject.name)
    ):
        names[staff_id] = full_name
        if subject not in people.setdefault(staff_id, []):
            people[staff_id].append(subject)
    return [(sid, f"{names[sid]} ({', '.join(roles)})") for sid, roles in people.items()]


def threads(guardian_id: int, ctx: ChildContext) -> list[dict[str, Any]]:
    unread = sa.func.sum(
        sa.case((sa.and_(Message.from_staff.is_(True), Message.read_at.is_(None)), 1), else_=0)
    )
    rows = db.session.execute(
        sa.select(
            MessageThread,
            StaffUser.full_name,
            sa.func.count(Message.id),
            unread,
            sa.func.max(Message.created_at),
        )
        .join(StaffUser, StaffUser.id == MessageThread.staff_id)
        .outerjoin(Message, Message.thread_id == MessageThread.id)
        .where(
            MessageThread.guardian_id == guardian_id,
            MessageThread.student_id == ctx.id,
            MessageThread.school_id == ctx.school.id,
        )
        .group_by(MessageThread.id, StaffUser.full_name)
        .order_by(sa.func.max(Message.created_at).desc())
    ).all()
    return [
        {
            "id": t.id,
            "subject": t.subject,
            "staff": staff,
            "count": count,
            "unread": int(unread_n or 0),
            "last_at": clock.local(last) if last else None,
        }
        for t, staff, count, unread_n, last in rows
    ]


def _thread(guardian_id: int, ctx: ChildContext, thread_id: int) -> MessageThread:
    thread = db.session.scalar(
        sa.select(MessageThread).where(
            MessageThread.id == thread_id,
            MessageThread.guardian_id == guardian_id,
            MessageThread.student_id == ctx.id,
            MessageThread.school_id == ctx.school.id,
        )
    )
    if thread is None:
        raise NotFound()
    return thread


def read_thread(guardian_id: int, ctx: ChildContext, thread_id: int) -> dict[str, Any]:
    """One thread with its messages; marks the teacher's messages read (commits)."""
    thread = _thread(guardian_id, ctx, thread_id)
    now = clock.utc_naive()
    changed = db.session.execute(
        sa.update(Message)
        .where(
            Message.thread_id == thread.id,
            Message.from_staff.is_(True),
            Message.read_at.is_(None),
        )
        .values(read_at=now)
    ).rowcount
    if changed:
        db.session.commit()
    return {
        "id": thread.id,
        "subject": thread.subject,
        "staff": thread.staff.full_name,
        "messages": [
            {
                "from_staff": m.from_staff,
                "author": thread.staff.full_name if m.from_staff else msg("label.you"),
                "body": m.body,
                "at": clock.local(m.created_at),
            }
            for m in db.session.scalars(
                sa.select(Message)
                .where(Message.thread_id == thread.id)
                .order_by(Message.created_at, Message.id)
            )
        ],
    }


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise PortalError(msg("message.body_required"))
    if len(body) > MESSAGE_MAX:
        raise PortalError(msg("message.body_too_long", limit=MESSAGE_MAX))
    return body


def reply(guardian_id: int, ctx: ChildContext, thread_id: int, body: str) -> Message:
    thread = _thread(guardian_id, ctx, thread_id)
    message = Message(
        thread_id=thread.id, from_staff=False, body=_clean_body(body), created_at=clock.utc_naive()
    )
    db.session.add(message)
    thread.updated_at = clock.utc_naive()
    db.session.commit()
    return message


def start_thread(
    guardian_id: int, ctx: ChildContext, staff_id: int, subject: str, body: str
) -> MessageThread:
    allowed = dict(recipients(ctx))
    if staff_id not in allowed:
        raise PortalError(msg("message.choose_teacher"))
    subject = (subject or "").strip()
    if not subject:
        raise PortalError(msg("message.subject_required"))
    now = clock.utc_naive()  # the one clock (frozen in tests and demos)
    thread = MessageThread(
        school_id=ctx.school.id,
        student_id=ctx.id,
        guardian_id=guardian_id,
        staff_id=staff_id,
        subject=subject[:200],
        created_at=now,
        updated_at=now,
    )
    thread.messages.append(Message(from_staff=False, body=_clean_body(body), created_at=now))
    db.session.add(thread)
    db.session.commit()
    return thread
