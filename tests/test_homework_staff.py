"""Homework on the staff web and its use-cases: giving it on the lesson page (the due date offered
by default, CSRF), correcting and deleting it with a reason, audit, locks, the families' notices
(by preference; withdrawn on delete), the read model, the lists; SQLite demo (Wednesday
25.11.2026) and PostgreSQL (``school_app``)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gradebook import core
from gradebook import homework as homework_uc
from gradebook import summary
from models import AuditLog
from models import Channel
from models import GuardianStudent
from models import Homework
from models import NonSchoolDay
from models import NotificationOutbox
from models import NotificationPreference
from models import NotifyEvent
from models import OutboxStatus
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import TimetableSlot
from models import db
from tests._helpers import outbox_rows
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def a_slot(weekday: int = 3, level: int | None = None) -> TimetableSlot:
    query = (
        sa.select(TimetableSlot)
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(
            TimetableSlot.weekday == weekday,
            TimetableSlot.term.is_(None) | (TimetableSlot.term == 1),
            TimetableSlot.teacher_id.is_not(None),
        )
        .order_by(SchoolClass.school_id, TimetableSlot.id)
    )
    if level is not None:
        query = query.where(SchoolClass.grade_level == level)
    slot = db.session.scalar(query)
    assert slot is not None
    return slot


def teacher_actor(slot: TimetableSlot) -> core.Actor:
    return core.Actor.load(slot.teacher_id, slot.school_id)


def pupils(class_id: int) -> list[int]:
    return [e.student_id for e in core.active_enrollments(class_id)]


def test_give_with_the_default_due_date_audit_notices_and_summary(school_app):
    with school_app.app_context():
        slot = a_slot()
        me = teacher_actor(slot)
        due = homework_uc.default_due(slot, TODAY)
        assert due is not None and due > TODAY
        assert due.isoweekday() in {w for w, _t in homework_uc.lesson_days(slot.curriculum_id)}
        hw = homework_uc.give_homework(me, slot.id, date=TODAY, text="Задачи 3 и 4 на стр. 45")
        assert hw.due_on == due and hw.teacher_id == me.staff_id
        assert hw.lesson.slot_id == slot.id and hw.lesson.date == TODAY
        assert db.session.scalar(
            sa.select(AuditLog).where(AuditLog.object_type == "homework", AuditLog.object_id == hw.id)
        ).action == "create"
        rows = outbox_rows("homework", hw.id)
        assert rows and all(r.event_type == NotifyEvent.HOMEWORK for r in rows)
        sid = pupils(slot.class_id)[0]
        payload = summary.get_summary(sid, hw.school_year_id)
        mine = [h for h in payload["homework"] if h["text"] == "Задачи 3 и 4 на стр. 45"]
        assert [h["due_on"] for h in mine] == [due.isoformat()]
        assert all(h["due_on"] >= TODAY.isoformat() for h in payload["homework"])
