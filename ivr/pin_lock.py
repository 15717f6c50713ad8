"""The phone PIN's hard stop: after IVR_PIN_LOCK_AFTER (10) wrong PINs in a row for one child,
no PIN is accepted for that child from any number until a guardian changes the PIN in the portal
or the school unlocks it on the student's page (audited). The guardians get one SMS per lock.

The count is a :class:`throttle.Limit` with no window (scope ``ivr_pin_row``, key the student
id): the phone line's PIN step reads it in the same statement that reserves the hourly attempt
(``ivr.service.DbServices.attempt``), adds each failure with :func:`throttle.failed` (the one
failure that reaches the limit sends the SMS: exactly once, whatever runs in parallel) and a
right PIN starts it again at 0 (:func:`throttle.give_back`). Parallel guesses are bounded by the
hourly per-child limit, which is reserved atomically before any PIN is checked.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

import throttle
from models import AuditLog
from models import Channel
from models import Guardian
from models import GuardianStudent
from models import Student
from models import db
from notify.account_messages import msg
from notify.outbox import enqueue_direct

SCOPE = "ivr_pin_row"


def limit(student_id: int) -> throttle.Limit:
    return throttle.Limit(
        SCOPE, str(student_id), int(current_app.config.get("IVR_PIN_LOCK_AFTER", 10)), None
    )


def is_locked(student_id: int) -> bool:
    return throttle.reached(limit(student_id))


def locked_now(counts: dict[str, int], school_id: int | None) -> None:
    """After :func:`throttle.failed` on the children's counts: for each child whose count has
    just reached the limit, tell its guardians by SMS (outbox, one segment, Latin) and log it
    for the school. In the caller's transaction."""
    for key, value in counts.items():
        student_id = int(key)
        if value != limit(student_id).limit:
            continue
        student = db.session.get(Student, student_id)
        if student is None:
            continue
        phones = db.session.execute(
            sa.select(Guardian.id, Guardian.phone)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .where(
                GuardianStudent.student_id == student_id,
                Guardian.active.is_(True),
                Guardian.phone.is_not(None),
            )
        ).all()
        text = str(msg("ivr.pin_locked_sms", name=student.first_name, count=value))
        for guardian_id, phone in phones:
            enqueue_direct(
                Channel.SMS,
                phone,
                {"text": text},
                school_id=student.school_id,
                guardian_id=guardian_id,
            )
        _audit(student, "ivr_pin_locked", "system", None)


def unlock(student: Student, actor_type: str, actor_id: int | None) -> bool:
    """Reopen the child's phone access (the school's button). True when it was locked.
    In the caller's transaction; audited."""
    if not is_locked(student.id):
        return False
    throttle.clear(SCOPE, [str(student.id)])
    _audit(student, "ivr_pin_unlocked", actor_type, actor_id)
    return True


def unlock_for_guardian(guardian: Guardian, *, reason: str = "pin_changed") -> list[int]:
    """A guardian proved the password and set a PIN: reopen each of their children (audited for
    the locked ones; the counts of the others start again too). Returns the unlocked ids."""
    students = list(
        db.session.scalars(
            sa.select(Student)
            .join(GuardianStudent, GuardianStudent.student_id == Student.id)
            .where(GuardianStudent.guardian_id == guardian.id)
        )
    )
    unlocked = [s for s in students if is_locked(s.id)]
    throttle.clear(SCOPE, [str(s.id) for s in students])
    for student in unlocked:
        _audit(student, "ivr_pin_unlocked", "guardian", guardian.id, reason)
    return [s.id for s in unlocked]


def _audit(
    student: Student, action: str, actor_type: str, actor_id: int | None, reason: str = ""
) -> None:
    db.session.add(
        AuditLog(
            school_id=student.school_id,
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            object_type="student",
            object_id=student.id,
            student_id=student.id,
            reason=reason,
        )
    )
