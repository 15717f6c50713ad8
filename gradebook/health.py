"""Health notes on a pupil: only the class teacher and admins write or delete them (who may
read them is decided in the views and the portal, see docs/SECURITY.md)."""

from __future__ import annotations

import datetime as dt

from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import atomic
from gradebook.core import cancel_notices
from gradebook.core import check_fields
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import notify_pupil
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.core import student_class
from gradebook.core import student_in_school
from gradebook.core import write_for_pupil
from gradebook.messages import msg
from models import HealthNote
from models import NotifyEvent
from models import SchoolClass


def save_health_note(
    actor: Actor,
    *,
    student_id: int,
    text: str,
    date_from: str | dt.date,
    date_to: str | dt.date | None = None,
    note_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> HealthNote:
    """Class teacher or admin only. No diagnoses (the form says so)."""

    def work() -> HealthNote:
        student, klass = student_in_school(actor, student_id)
        if not actor.can_manage_class(klass.id):
            raise Forbidden(msg("health.forbidden"))
        errors: dict[str, str] = {}
        body = read_field(errors, lambda: clean_text(text, 1000))
        start = read_field(errors, lambda: parse_date(date_from, "date_from"))
        end = None
        if date_to:
            end = read_field(errors, lambda: parse_date(date_to, "date_to"))
        if start and end and end < start:
            errors["date_to"] = msg("date.end_before_start")
        check_fields(errors)
        note = write_for_pupil(
            actor,
            HealthNote,
            note_id,
            student.id,
            {"text": body, "date_from": start, "date_to": end},
            created={"author_id": actor.staff_id},
            version=version,
            reason=reason,
        )
        notify_pupil(
            actor,
            student.id,
            NotifyEvent.HEALTH,
            "health_note",
            note,
            {"student": student.first_name, "date": start.isoformat()},
        )
        commit_refreshed([(student.id, klass.school_year_id)])
        return note

    return atomic(work)


def delete_health_note(
    actor: Actor, note_id: int, *, version: int | str | None, reason: str
) -> None:
    def check(note: HealthNote) -> SchoolClass:
        klass = student_class(note.student_id)
        if klass is None or not actor.can_manage_class(klass.id):
            raise Forbidden(msg("health.forbidden"))
        return klass

    delete_with_reason(
        actor,
        HealthNote,
        note_id,
        reason=reason,
        version=version,
        check=check,
        withdraw=lambda note, klass, _why: cancel_notices(
            "health_note", note, note.student_id, klass.school_year_id
        ),
    )
