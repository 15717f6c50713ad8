"""The school's day at a glance, for the director's start page: what happened today and what
waits for the school (reads only).

* today's lessons by the timetable, and today's absences and lates (pupils and lessons);
* notices the school's parents did not get (failed, or an outcome unknown);
* parents' requests that wait for the school (registrations, a child added without a recorded
  contact);
* calls to the information line today;
* held lessons of the year without a topic (:func:`gradebook.topics.missing_topics`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from config import clock
from gradebook import topics
from models import Absence
from models import AbsenceKind
from models import CallSession
from models import GuardianLinkRequest
from models import NotificationOutbox
from models import OutboxStatus
from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db


@dataclass(frozen=True)
class SchoolDay:
    lessons: int
    absent_pupils: int
    absences: dict[AbsenceKind, int]
    undelivered: int
    waiting_requests: int
    calls: int
    lessons_without_topic: int = 0


def school_day(school_id: int, year: SchoolYear, today: dt.date) -> SchoolDay:
    term = year.term_of(today)
    lessons = db.session.scalar(
        sa.select(sa.func.count(TimetableSlot.id))
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(
            TimetableSlot.school_id == school_id,
            SchoolClass.school_year_id == year.id,
            TimetableSlot.weekday == today.isoweekday(),
            sa.or_(TimetableSlot.term.is_(None), TimetableSlot.term == term),
        )
    )
    today_absences = sa.and_(Absence.school_id == school_id, Absence.date == today)
    by_kind = dict(
        db.session.execute(  # type: ignore[arg-type]
            sa.select(Absence.kind, sa.func.count(Absence.id))
            .where(today_absences)
            .group_by(Absence.kind)
        ).all()
    )
    pupils = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Absence.student_id))).where(today_absences)
    )
    undelivered = db.session.scalar(
        sa.select(sa.func.count(NotificationOutbox.id)).where(
            NotificationOutbox.school_id == school_id,
            NotificationOutbox.status.in_((OutboxStatus.FAILED, OutboxStatus.UNKNOWN)),
        )
    )
    waiting = db.session.scalar(
        sa.select(sa.func.count(GuardianLinkRequest.id)).where(
            GuardianLinkRequest.school_id == school_id,
            GuardianLinkRequest.status == "pending",
            GuardianLinkRequest.kind.in_(("registration", "add_child")),
        )
    )
    start = clock.utc_naive(dt.datetime.combine(today, dt.time(0, 0), tzinfo=clock.now().tzinfo))
    calls = db.session.scalar(
        sa.select(sa.func.count(CallSession.id)).where(
            CallSession.school_id == school_id, CallSession.started_at >= start
        )
    )
    return SchoolDay(
        lessons=lessons or 0,
        absent_pupils=pupils or 0,
        absences={kind: int(by_kind.get(kind, 0)) for kind in AbsenceKind},
        undelivered=undelivered or 0,
        waiting_requests=waiting or 0,
        calls=calls or 0,
        lessons_without_topic=len(
            topics.missing_topics(school_id, today, clock.now().time().replace(tzinfo=None))
        ),
    )
