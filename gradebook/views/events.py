"""Events and parent meetings on the staff web: the list (``/staff/events``), the new-or-edit
forms (``/events/new``, ``/meetings/new``, ``…/edit``) and cancelling one with a reason (the
parents already told hear of it). The rules are in :mod:`gradebook.events`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import access
from gradebook import core
from gradebook import events as events_uc
from gradebook.forms import EVENT_KIND_LABELS
from gradebook.forms import CsrfForm
from gradebook.forms import EventForm
from gradebook.forms import MeetingForm
from gradebook.forms import ReasonForm
from gradebook.forms import opts
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_page
from gradebook.staff_base import reason_delete_routes
from gradebook.staff_base import rows
from models import Event
from models import ParentMeeting
from models import SchoolClass
from models import Subject
from models import db

CANCEL_REASON_BG = "Посочете причина за отмяната."


def _visible_classes(me: core.Actor, manage_only: bool = False) -> list[SchoolClass]:
    year = core.current_year(me.school_id)
    query = sa.select(SchoolClass).where(
        SchoolClass.school_id == me.school_id, SchoolClass.school_year_id == year.id
    )
    if not me.is_admin:
        ids = me.class_teacher_of if manage_only else (me.class_teacher_of | me.teaches_classes)
        query = query.where(SchoolClass.id.in_(ids or {0}))
    return rows(query.order_by(SchoolClass.grade_level, SchoolClass.name))


def _to_events(_row: Any) -> str:
    return url_for("staff.events")


def _class_choices(me: core.Actor, classes: list[SchoolClass]) -> list[Any]:
    """Whom an event or a meeting is for: one of these classes, or (an admin) the whole school."""
    return opts(
        ([(0, "Цялото училище")] if me.is_admin else []) + [(c.id, c.name) for c in classes]
    )


def _listed(
    model: type[Event] | type[ParentMeeting], me: core.Actor, classes: list[int], since: dt.date
) -> Any:
    """The school's events (or meetings) from ``since`` on, for the whole school or one of
    ``classes``, by date and time."""
    return rows(
        sa.select(model)
        .where(
            model.school_id == me.school_id,
            model.date >= since,
            sa.or_(model.class_id.is_(None), model.class_id.in_(classes or [0])),
        )
        .order_by(model.date, model.time)
    )


@bp.get("/events")
@access.staff_required
def events() -> Any:
    me = actor()
    class_ids = [c.id for c in _visible_classes(me)]
    since = clock.today() - dt.timedelta(days=30)
    event_rows = _listed(Event, me, class_ids, since)
    meetings = _listed(ParentMeeting, me, class_ids, since)
    return render_template(
        "gradebook/events.html",
        events=event_rows,
        meetings=meetings,
        me=me,
        form=CsrfForm(),
        kinds=dict(EVENT_KIND_LABELS),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@access.staff_required
def event_new(event_id: int | None = None) -> Any:
    me = actor()
    event = None
    if event_id is not None:
        event = core.get_in_school(Event, event_id, me.school_id)
        if not (me.is_admin or event.author_id == me.staff_id):
            abort(403)
    if event is not None and request.method == "GET":
        form = EventForm(
            data={
                "kind": event.kind.value,
                "title": event.title,
                "class_id": event.class_id or 0,
                "subject_id": event.subject_id or 0,
                "date": event.date,
                "time": event.time,
                "description": event.description,
            }
        )
    else:
        form = EventForm(
            data={"date": clock.today(), "class_id": request.args.get("class_id", 0, int)}
        )
    classes = _visible_classes(me)
    form.class_id.choices = _class_choices(me, classes)
    form.subject_id.choices = opts(
        [(0, "—")]
        + [
            (s.id, s.name)
            for s in db.session.scalars(
                sa.select(Subject).where(Subject.school_id == me.school_id).order_by(Subject.name)
            )
        ]
    )
    return form_page(
        form,
        lambda: events_uc.save_event(
            me,
            kind=form.kind.data or "",
            title=form.title.data or "",
            date=form.date.data,
            time=form.time.data,
            class_id=form.class_id.data or None,
            subject_id=form.subject_id.data or None,
            description=form.description.data or "",
            event_id=event.id if event else None,
        ),
        "Събитието е записано." + (" Родителите ще бъдат уведомени за промяната." if event else ""),
        url_for("staff.events"),
        "gradebook/event_form.html",
        event=event,
        delete_form=ReasonForm(formdata=None),
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@access.staff_required
def meeting_new(meeting_id: int | None = None) -> Any:
    me = actor()
    classes = _visible_classes(me, manage_only=True)
    if not classes and not me.is_admin:
        abort(403)
    meeting = None
    if meeting_id is not None:
        meeting = core.get_in_school(ParentMeeting, meeting_id, me.school_id)
        if not (
            me.is_admin or (meeting.class_id is not None and me.can_manage_class(meeting.class_id))
        ):
            abort(403)
    if meeting is not None and request.method == "GET":
        form = MeetingForm(
            data={
                "class_id": meeting.class_id or 0,
                "date": meeting.date,
                "time": meeting.time,
                "place": meeting.place,
                "topic": meeting.topic,
            }
        )
    else:
        form = MeetingForm(
            data={
                "date": clock.today() + dt.timedelta(days=7),
                "class_id": classes[0].id if classes else 0,
            }
        )
    form.class_id.choices = _class_choices(me, classes)
    return form_page(
        form,
        lambda: events_uc.save_meeting(
            me,
            class_id=form.class_id.data or None,
            date=form.date.data,
            time=form.time.data,
            place=form.place.data or "",
            topic=form.topic.data or "",
            meeting_id=meeting.id if meeting else None,
        ),
        "Родителската среща е записана."
        + (" Родителите ще бъдат уведомени за промяната." if meeting else ""),
        url_for("staff.events"),
        "gradebook/meeting_form.html",
        meeting=meeting,
        delete_form=ReasonForm(formdata=None),
    )


# cancelling: the parents already told of it hear of the cancellation
_CANCEL = {"versioned": False, "invalid": CANCEL_REASON_BG}
reason_delete_routes(
    ReasonDelete(
        "event_delete",
        "/events/<int:event_id>/delete",
        Event,
        events_uc.delete_event,
        "Събитието е изтрито. Родителите, които вече са уведомени за него, ще научат за отмяната.",
        _to_events,
        _CANCEL,
    ),
    ReasonDelete(
        "meeting_delete",
        "/meetings/<int:meeting_id>/delete",
        ParentMeeting,
        events_uc.delete_meeting,
        "Срещата е отменена. Родителите, които вече са уведомени за нея, ще научат за отмяната.",
        _to_events,
        _CANCEL,
    ),
)
