"""A ПГ child's daily attendance and the family: a parent's note excuses the group's days, the
parents are told of an absent day once (by preference), the monthly АСП alert counts the
unexcused days (more than the school's ``pg_absence_threshold_days``, 3 by default)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gradebook import parent_notes
from gradebook import pg_attendance
from gradebook.pg_attendance import Mark
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import OutboxStatus
from models import PgAttendance
from models import SchoolClass
from models import db
from notify import messages
from notify import scheduler
from tests.conftest import form_post
from tests.conftest import login_staff
from tests.test_pupil_record import TODAY
from tests.test_pupil_record import a_class
from tests.test_pupil_record import teacher_of
from tests.test_trust_families import parent_login

DAY = dt.date(2026, 11, 25)  # TODAY, a Wednesday


def the_child() -> tuple[SchoolClass, int, int]:
    """The demo's ПГ group, the child of the demo parent ``roditel.pg@…`` and that parent, with
    no daily attendance in November yet and nothing in the outbox."""
    klass = a_class(0)
    guardian_id, child = db.session.execute(
        sa.select(Guardian.id, GuardianStudent.student_id)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .where(Guardian.email == "roditel.pg@sou1.demo.bg")
    ).one()
    db.session.execute(
        sa.delete(PgAttendance).where(
            PgAttendance.student_id == child, PgAttendance.date >= dt.date(2026, 11, 1)
        )
    )
    db.session.execute(sa.delete(NotificationOutbox).where(NotificationOutbox.student_id == child))
    db.session.commit()
    return klass, child, guardian_id


def notices(child: int, object_type: str) -> list[NotificationOutbox]:
    return list(
        db.session.scalars(
            sa.select(NotificationOutbox)
            .where(
                NotificationOutbox.student_id == child,
                NotificationOutbox.object_type == object_type,
            )
            .order_by(NotificationOutbox.id)
        )
    )


def mark_of(child: int, day: dt.date) -> PgAttendance | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(PgAttendance).where(PgAttendance.student_id == child, PgAttendance.date == day)
    )


def test_a_confirmed_note_excuses_the_group_s_days(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    klass, child, guardian_id = the_child()
    me = teacher_of(klass)
    monday, tuesday = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
    pg_attendance.save_day(me, klass.id, monday, {child: Mark("unexcused")})
    pg_attendance.save_day(me, klass.id, tuesday, {})  # present
    allowance = parent_notes.days_left(child)
    note, _left = parent_notes.submit_note(
        guardian_id, child, starts_on=monday, ends_on=DAY, from_period=None, reason="family"
    )
    # the day screen shows the note still to be confirmed
    login_staff(demo_client, klass.class_teacher.email)
    page = demo_client.get(f"/staff/classes/{klass.id}/attendance?date={DAY}").get_data(True)
    assert "Бележки от родители за този ден" in page and "очаква потвърждение" in page
    assert parent_notes.confirm_note(me, note.id) == 1  # Monday
    monday_mark = mark_of(child, monday)
    assert monday_mark is not None and pg_attendance.kind_of(monday_mark) == "excused"
    assert monday_mark.excuse_reason is not None and monday_mark.excuse_reason.value == "family"
    assert monday_mark.excuse_comment == "по уважителни причини, с бележка от родител"
    tuesday_mark = mark_of(child, tuesday)
    assert tuesday_mark is not None and pg_attendance.kind_of(tuesday_mark) == "present"
    # Wednesday not yet marked: offered as excused on the note; an unexcused mark is written
    # excused; the parent is not told of a day the note covers
    page = demo_client.get(f"/staff/classes/{klass.id}/attendance?date={DAY}").get_data(True)
    assert "потвърдена: отсъствието е по уважителни причини" in page
    shown = pg_attendance.shown_marks({}, [child], DAY)
    assert shown[child] == Mark("excused", "family", "по уважителни причини, с бележка от родител")
    before = len(notices(child, "pg_attendance"))
    pg_attendance.save_day(me, klass.id, DAY, {child: Mark("unexcused")})
    wednesday = mark_of(child, DAY)
    assert wednesday is not None and pg_attendance.kind_of(wednesday) == "excused"
    assert len(notices(child, "pg_attendance")) == before
    # the days used count against the parent's allowance of the year
    assert parent_notes.days_left(child) == allowance - 3


def test_the_parents_are_told_of_an_absent_day_once(demo_app: Flask) -> None:
    klass, child, _guardian = the_child()
    me = teacher_of(klass)
    pg_attendance.save_day(me, klass.id, DAY, {child: Mark("unexcused")})
    told = notices(child, "pg_attendance")
    assert told and all(n.event_type.value == "absence" for n in told)
    assert told[0].payload["whole_day"] is True and told[0].payload["kind"] == "unexcused"
    text = messages.sms_text("absence", told[0].payload)
    assert "otsastvie ot podgotvitelnata grupa, 25.11" in text
    assert len(text) <= 160
    pg_attendance.save_day(me, klass.id, DAY, {child: Mark("unexcused")})  # saved again
    pg_attendance.save_day(me, klass.id, DAY, {child: Mark("excused", "health")})
    assert len(notices(child, "pg_attendance")) == len(told)
    pg_attendance.save_day(me, klass.id, DAY, {})  # corrected to present
    db.session.expire_all()
    assert all(n.status == OutboxStatus.CANCELLED for n in notices(child, "pg_attendance"))
    # nobody is told of a present day
    db.session.execute(sa.delete(NotificationOutbox).where(NotificationOutbox.student_id == child))
    db.session.commit()
    pg_attendance.save_day(me, klass.id, dt.date(2026, 11, 24), {})
    assert notices(child, "pg_attendance") == []


def test_the_monthly_alert_counts_unexcused_days(demo_app: Flask) -> None:
    klass, child, _guardian = the_child()
    me = teacher_of(klass)
    days = [dt.date(2026, 11, d) for d in (18, 19, 20, 23)]
    for day in days[:3]:
        pg_attendance.save_day(me, klass.id, day, {child: Mark("unexcused")})
    assert notices(child, "threshold") == []  # exactly 3 days: not more than the threshold
    pg_attendance.save_day(me, klass.id, days[3], {child: Mark("unexcused")})
    alerts = notices(child, "threshold")
    assert alerts and alerts[0].payload["days"] == 4 and alerts[0].payload["limit"] == 3
    line = messages.line("threshold", alerts[0].payload)
    assert line.endswith(": 4 дни неуважителни отсъствия за ноември 2026 (над 3)")
    # one alert per child per month: the hourly check (which finds the demo's other children
    # over the threshold too) and another day add none for this child
    scheduler.threshold_checks(TODAY)
    assert len(notices(child, "threshold")) == len(alerts)
    pg_attendance.save_day(me, klass.id, DAY, {child: Mark("unexcused")})
    assert len(notices(child, "threshold")) == len(alerts)


def test_the_demo_parent_s_note_excused_two_days(demo_app: Flask) -> None:
    _klass, child, _guardian = a_class(0), *the_child()[1:]
    notes = parent_notes.notes_of_child(child, 1)
    assert [n.status.value for n in notes] == ["confirmed"] and notes[0].days_counted == 2
    assert parent_notes.days_left(child) == 15 - 2


def test_an_excused_day_corrected_to_unexcused_counts_too(demo_app: Flask) -> None:
    klass, child, _guardian = the_child()
    me = teacher_of(klass)
    days = [dt.date(2026, 11, d) for d in (18, 19, 20, 23)]
    for day in days:
        pg_attendance.save_day(me, klass.id, day, {child: Mark("excused", "health")})
    assert notices(child, "threshold") == []
    for day in days:  # the hourly check finds the month over the threshold at the latest
        pg_attendance.save_day(me, klass.id, day, {child: Mark("unexcused")})
    assert len(notices(child, "threshold")) >= 1
    assert mark_of(child, TODAY) is None


def test_the_portal_s_note_for_a_pg_child_is_for_whole_days(demo_client: FlaskClient) -> None:
    _klass, child, _guardian = the_child()
    parent_login(demo_client, "roditel.pg@sou1.demo.bg")
    page = demo_client.get(f"/child/{child}/notes").get_data(as_text=True)
    assert "Бележка за отсъствие" in page and "Първия ден" not in page
    sent = form_post(
        demo_client,
        f"/child/{child}/notes",
        {"starts_on": DAY.isoformat(), "ends_on": "", "from_period": "3", "reason": "health"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    mine = [n for n in parent_notes.notes_of_child(child, 1) if n.starts_on == DAY]
    assert len(mine) == 1 and mine[0].from_period is None  # a lesson typed in is ignored
