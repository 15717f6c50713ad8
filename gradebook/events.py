"""School and class events and parent meetings: saving, changing, cancelling (with the
notice to the families that were told)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import M
from gradebook.core import add_audited
from gradebook.core import assign
from gradebook.core import atomic
from gradebook.core import check_fields
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import delete_with_reason
from gradebook.core import get_in_school
from gradebook.core import optional_text
from gradebook.core import parse_choice
from gradebook.core import parse_date
from gradebook.core import parse_time
from gradebook.core import read_field
from gradebook.core import update_audited
from gradebook.messages import msg
from models import Enrollment
from models import Event
from models import EventKind
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import ParentMeeting
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import db
from notify import outbox


def _class_student_ids(class_id: int | None, school_id: int) -> list[int]:
    query = sa.select(Enrollment.student_id).where(
        Enrollment.school_id == school_id, Enrollment.left_on.is_(None)
    )
    if class_id is not None:
        query = query.where(Enrollment.class_id == class_id)
    return list(db.session.scalars(query))


def _announce(
    actor: Actor,
    obj: Event | ParentMeeting,
    event_type: NotifyEvent,
    object_type: str,
    payload: dict[str, Any],
    *,
    edited: bool,
    year_id: int,
) -> None:
    """Tell the families of a saved event or meeting and commit with their read models: a class's
    families, or the whole school's once per parent (not once per child). An edit supersedes
    what was queued before, since it may change who is told (whole school ↔ a class)."""
    student_ids = _class_student_ids(obj.class_id, actor.school_id)
    outbox.enqueue_for_students(
        student_ids,
        event_type,
        school_id=actor.school_id,
        object_type=object_type,
        object_id=obj.id,
        per_guardian=obj.class_id is None,
        supersede=edited,
        payload=payload,
    )
    commit_refreshed((sid, year_id) for sid in student_ids)


def _check_audience(
    actor: Actor,
    class_id: int | None,
    may_write_for: Callable[[int], bool],
    class_forbidden_bg: str,
    school_forbidden_bg: str,
) -> None:
    """Who may announce to whom: for a class (of this school) whoever ``may_write_for`` it; for
    the whole school (no class) admins only."""
    if class_id:
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        if not may_write_for(klass.id):
            raise Forbidden(class_forbidden_bg)
    elif not actor.is_admin:
        raise Forbidden(school_forbidden_bg)


def _create_or_edit(
    actor: Actor,
    model: type[M],
    object_id: int | None,
    values: dict[str, Any],
    year: SchoolYear,
    check_editor: Callable[[M], None],
) -> M:
    """An event or a meeting written the same way: without ``object_id`` a new row of the
    current school year by the actor as its author; with it the row of this school, which
    ``check_editor`` lets the actor change, given ``values`` in one audited update."""
    if object_id is None:
        row = model(
            school_id=actor.school_id, school_year_id=year.id, author_id=actor.staff_id, **values
        )
        return add_audited(actor, row)
    row = get_in_school(model, object_id, actor.school_id)
    check_editor(row)
    update_audited(actor, row, lambda: assign(row, values))
    return row


def save_event(
    actor: Actor,
    *,
    kind: str,
    title: str,
    date: str | dt.date,
    class_id: int | None,
    subject_id: int | None = None,
    description: str = "",
    time: str | dt.time | None = None,
    event_id: int | None = None,
) -> Event:
    """A school event, excursion, holiday… (tests are planned in ``gradebook.exams``). Class events: a teacher of the class, its class
    teacher or an admin; school-wide events (no class): admins only."""

    def work() -> Event:
        errors: dict[str, str] = {}
        the_kind = read_field(
            errors, lambda: parse_choice(EventKind, kind, "kind", msg("common.choose_kind"))
        )
        if the_kind in (EventKind.TEST, EventKind.CLASSWORK):  # the tests schedule holds these
            errors["kind"] = msg("event.test_in_schedule")
        the_title = read_field(errors, lambda: clean_text(title, 200, "title"))
        day = read_field(errors, lambda: parse_date(date))
        at = read_field(errors, lambda: parse_time(time, "time", False))
        _check_audience(
            actor,
            class_id,
            actor.can_view_class,
            msg("event.class_forbidden"),
            msg("event.school_admin_only"),
        )
        if subject_id:
            get_in_school(Subject, subject_id, actor.school_id)
        the_description = optional_text(errors, description, 2000, "description")
        check_fields(errors)
        year = current_year(actor.school_id)
        event = _create_or_edit(
            actor,
            Event,
            event_id,
            {
                "kind": the_kind,
                "title": the_title,
                "date": day,
                "time": at,
                "class_id": class_id or None,
                "subject_id": subject_id or None,
                "description": the_description,
            },
            year,
            lambda row: _check_event_author(actor, row, msg("event.edit_forbidden")),
        )
        _announce(
            actor,
            event,
            NotifyEvent.EVENT,
            "event",
            {
                "kind": event.kind.value,
                "title": event.title,
                "date": day.isoformat(),
                "date_bg": rules.format_date_bg(day),
                "time": at.strftime("%H:%M") if at else None,
            },
            edited=event_id is not None,
            year_id=year.id,
        )
        return event

    return atomic(work)


def _check_event_author(actor: Actor, event: Event, forbidden_bg: str) -> None:
    """An event is changed by its author or an admin."""
    if not (actor.is_admin or event.author_id == actor.staff_id):
        raise Forbidden(forbidden_bg)


def _tell_cancelled(
    actor: Actor,
    student_ids: list[int],
    event_type: NotifyEvent,
    object_type: str,
    object_id: int,
    payload: dict[str, Any],
    *,
    per_guardian: bool = False,
) -> None:
    """An event or meeting is called off: pending notices are cancelled; parents who were
    already told of it (a notice went out) are told it is off (once per parent when it was
    school-wide)."""
    outbox.cancel_for_object(object_type, object_id)
    told = db.session.scalar(
        sa.select(NotificationOutbox.id).where(
            NotificationOutbox.object_type == object_type,
            NotificationOutbox.object_id == object_id,
            NotificationOutbox.status.in_(
                (
                    OutboxStatus.SENT,
                    OutboxStatus.SENDING,
                    OutboxStatus.UNKNOWN,
                    OutboxStatus.DIGESTED,
                )
            ),
        )
    )
    if told is None:
        return
    outbox.enqueue_for_students(
        student_ids,
        event_type,
        school_id=actor.school_id,
        object_type=f"{object_type}-off",
        object_id=object_id,
        payload=payload,
        per_guardian=per_guardian,
    )


def delete_event(actor: Actor, event_id: int, *, reason: str) -> None:
    """Call an event off, with a reason (audited); parents already told of it are told."""

    def check(event: Event) -> None:
        _check_event_author(actor, event, msg("event.delete_forbidden"))

    def withdraw(event: Event, _none: None, why: str) -> list[tuple[int, int]]:
        student_ids = _class_student_ids(event.class_id, actor.school_id)
        _tell_cancelled(
            actor,
            student_ids,
            NotifyEvent.EVENT,
            "event",
            event.id,
            {
                "kind": event.kind.value,
                "title": f"ОТМЕНЕНО: {event.title}",
                "date": event.date.isoformat(),
                "date_bg": rules.format_date_bg(event.date),
                "time": event.time.strftime("%H:%M") if event.time else None,
                "description": f"Причина: {why}",
            },
            per_guardian=event.class_id is None,
        )
        return [(sid, event.school_year_id) for sid in student_ids]

    delete_with_reason(actor, Event, event_id, reason=reason, check=check, withdraw=withdraw)


def save_meeting(
    actor: Actor,
    *,
    class_id: int | None,
    date: str | dt.date,
    time: str | dt.time,
    place: str = "",
    topic: str = "",
    meeting_id: int | None = None,
) -> ParentMeeting:
    """A parent meeting for a class (its class teacher or an admin) or the whole school (admin)."""

    def work() -> ParentMeeting:
        errors: dict[str, str] = {}
        _check_audience(
            actor,
            class_id,
            actor.can_manage_class,
            msg("meeting.class_teacher_only"),
            msg("meeting.school_admin_only"),
        )
        try:
            day = parse_date(date)
            if day < clock.today():
                errors["date"] = msg("date.in_past")
        except Invalid as exc:
            errors.update(exc.errors)
        at = read_field(errors, lambda: parse_time(time, "time", True))
        the_place = optional_text(errors, place, 200, "place")
        the_topic = optional_text(errors, topic, 1000, "topic")
        check_fields(errors)
        year = current_year(actor.school_id)
        meeting = _create_or_edit(
            actor,
            ParentMeeting,
            meeting_id,
            {
                "class_id": class_id or None,
                "date": day,
                "time": at,
                "place": the_place,
                "topic": the_topic,
                "reminder_sent_at": None,  # an edited meeting is reminded of again
            },
            year,
            lambda row: _check_meeting_manager(actor, row, msg("meeting.edit_forbidden")),
        )
        _announce(
            actor,
            meeting,
            NotifyEvent.MEETING,
            "meeting",
            {
                "date": day.isoformat(),
                "date_bg": rules.format_date_bg(day),
                "time": at.strftime("%H:%M") if at else "",
                "place": meeting.place,
                "topic": meeting.topic,
            },
            edited=meeting_id is not None,
            year_id=year.id,
        )
        return meeting

    return atomic(work)


def _check_meeting_manager(actor: Actor, meeting: ParentMeeting, forbidden_bg: str) -> None:
    """A class meeting is changed by an admin or the class teacher, a school meeting by admins."""
    if not (
        actor.is_admin
        or (meeting.class_id is not None and actor.can_manage_class(meeting.class_id))
    ):
        raise Forbidden(forbidden_bg)


def delete_meeting(actor: Actor, meeting_id: int, *, reason: str) -> None:
    """Call a parent meeting off, with a reason (audited); parents already told are told."""

    def check(meeting: ParentMeeting) -> None:
        _check_meeting_manager(actor, meeting, msg("meeting.delete_forbidden"))

    def withdraw(meeting: ParentMeeting, _none: None, why: str) -> list[tuple[int, int]]:
        _tell_cancelled(
            actor,
            _class_student_ids(meeting.class_id, actor.school_id),
            NotifyEvent.MEETING,
            "meeting",
            meeting.id,
            {
                "date": meeting.date.isoformat(),
                "date_bg": rules.format_date_bg(meeting.date),
                "time": meeting.time.strftime("%H:%M") if meeting.time else "",
                "place": "ОТМЕНЕНА",
                "topic": f"Срещата е отменена. Причина: {why}",
            },
            per_guardian=meeting.class_id is None,
        )
        return []

    delete_with_reason(
        actor, ParentMeeting, meeting_id, reason=reason, check=check, withdraw=withdraw
    )
