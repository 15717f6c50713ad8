"""What is coming for a child: the tests, events and parent meetings of the child's class and of the
whole school, for the child's page and the calendar feed (``portal.ical``). Read only.

The tests are the class's planned контролни and класни (the tests schedule, ``models.Exam``), one
item each (``type`` "exam"); events written before the schedule existed may still have the kinds
test and classwork and are shown as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import Event
from models import Exam
from models import ParentMeeting
from models import Subject
from models import db
from portal.children import ChildContext
from portal.messages import msg

EVENT_KIND_BG = {
    "test": msg("label.event_test"),
    "classwork": msg("label.event_classwork"),
    "school_event": msg("label.event"),
    "excursion": msg("label.event_excursion"),
    "holiday": msg("label.event_holiday"),
    "other": msg("label.event"),
}


def coming(
    ctx: ChildContext, today: dt.date, days: int = 60, since: dt.date | None = None
) -> list[dict[str, Any]]:
    """Coming tests, events and parent meetings of the child's class and of the whole school."""
    if ctx.school_year is None:
        return []
    start = since or today
    until = today + dt.timedelta(days=days)
    class_id = ctx.school_class.id if ctx.school_class else -1
    year_id = ctx.school_year.id

    def in_window(model: type[Event] | type[ParentMeeting]) -> tuple[Any, ...]:
        """The child's school and year, its class or the whole school, from start to until."""
        return (
            model.school_id == ctx.school.id,
            model.school_year_id == year_id,
            sa.or_(model.class_id.is_(None), model.class_id == class_id),
            model.date >= start,
            model.date <= until,
        )

    items: list[dict[str, Any]] = []
    for e, subject in db.session.execute(
        sa.select(Event, Subject.name)
        .outerjoin(Subject, Subject.id == Event.subject_id)
        .where(*in_window(Event))
    ):
        items.append(
            {
                "type": "event",
                "id": e.id,
                "kind": str(e.kind),
                "kind_label": EVENT_KIND_BG.get(str(e.kind), msg("label.event")),
                "title": e.title,
                "description": e.description,
                "subject": subject or "",
                "date": e.date,
                "time": e.time,
                "place": "",
                "updated_at": e.updated_at,
            }
        )
    for x, subject in db.session.execute(
        sa.select(Exam, Subject.name)
        .join(Subject, Subject.id == Exam.subject_id)
        .where(
            Exam.school_id == ctx.school.id,
            Exam.school_year_id == year_id,
            Exam.class_id == class_id,
            Exam.date >= start,
            Exam.date <= until,
        )
    ):
        kind = x.kind.value
        title = rules.exam_title(kind, subject)
        period = msg("label.exam_period", period=x.period) if x.period is not None else ""
        items.append(
            {
                "type": "exam",
                "id": x.id,
                "kind": kind,
                "kind_label": rules.EXAM_KIND_BG[kind].capitalize(),
                "title": title[0].upper() + title[1:] + period,
                "description": x.description,
                "subject": subject,
                "date": x.date,
                "time": None,
                "place": "",
                "updated_at": x.updated_at,
            }
        )
    for m in db.session.scalars(sa.select(ParentMeeting).where(*in_window(ParentMeeting))):
        items.append(
            {
                "type": "meeting",
                "id": m.id,
                "kind": "meeting",
                "kind_label": msg("label.meeting"),
                "title": msg("label.meeting") + (f": {m.topic}" if m.topic else ""),
                "description": m.topic,
                "subject": "",
                "date": m.date,
                "time": m.time,
                "place": m.place,
                "updated_at": m.updated_at,
            }
        )
    items.sort(key=lambda i: (i["date"], i["time"] or dt.time(0, 0)))
    return items
