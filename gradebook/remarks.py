"""Remarks and praises written by a teacher about a pupil, and their deletion with a reason."""

from __future__ import annotations

import datetime as dt

from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import NotFound
from gradebook.core import atomic
from gradebook.core import cancel_notices
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import check_manager_or_author
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import get_in_school
from gradebook.core import notify_pupil
from gradebook.core import parse_choice
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.core import student_in_school
from gradebook.core import write_for_pupil
from gradebook.messages import msg
from models import NotifyEvent
from models import Remark
from models import RemarkKind
from models import SchoolYear
from models import Subject
from models import db


def can_write_remark(actor: Actor, class_id: int) -> bool:
    return actor.can_view_class(class_id)


def save_remark(
    actor: Actor,
    *,
    student_id: int,
    kind: str,
    text: str,
    date: str | dt.date,
    subject_id: int | None = None,
    remark_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> Remark:
    """Create (``remark_id`` None) or edit a remark/praise. Any teacher of the class, its class
    teacher or an admin may write one; only the author, the class teacher or an admin edit it."""

    def work() -> Remark:
        student, klass = student_in_school(actor, student_id)
        if not can_write_remark(actor, klass.id):
            raise Forbidden(msg("remark.forbidden"))
        errors: dict[str, str] = {}
        the_kind = read_field(
            errors, lambda: parse_choice(RemarkKind, kind, "kind", msg("remark.choose_kind"))
        )
        body = read_field(errors, lambda: clean_text(text, 1000))
        day = read_field(errors, lambda: parse_date(date))
        if subject_id:
            try:
                get_in_school(Subject, subject_id, actor.school_id)
            except NotFound:
                errors["subject_id"] = msg("remark.unknown_subject")
        check_fields(errors)
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, what="remark")

        def check_editor(remark: Remark) -> None:
            if not (actor.can_manage_class(klass.id) or remark.teacher_id == actor.staff_id):
                raise Forbidden(msg("remark.edit_forbidden"))

        remark = write_for_pupil(
            actor,
            Remark,
            remark_id,
            student.id,
            {"kind": the_kind, "text": body, "date": day, "subject_id": subject_id or None},
            created={"school_year_id": year.id, "teacher_id": actor.staff_id},
            version=version,
            reason=reason,
            check_editor=check_editor,
        )
        event = NotifyEvent.PRAISE if remark.kind == RemarkKind.PRAISE else NotifyEvent.REMARK
        notify_pupil(
            actor,
            student.id,
            event,
            "remark",
            remark,
            {
                "student": student.first_name,
                "kind": remark.kind.value,
                "text": remark.text,
                "date": day.isoformat(),
                "date_bg": rules.format_date_bg(day),
            },
        )
        commit_refreshed([(student.id, year.id)])
        return remark

    return atomic(work)


def delete_remark(actor: Actor, remark_id: int, *, version: int | str | None, reason: str) -> None:
    delete_with_reason(
        actor,
        Remark,
        remark_id,
        reason=reason,
        version=version,
        check=lambda remark: check_manager_or_author(actor, remark, msg("remark.delete_forbidden")),
        withdraw=lambda remark, _none, _why: cancel_notices(
            "remark", remark, remark.student_id, remark.school_year_id
        ),
    )
