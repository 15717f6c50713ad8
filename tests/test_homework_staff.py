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
        assert (
            db.session.scalar(
                sa.select(AuditLog).where(
                    AuditLog.object_type == "homework", AuditLog.object_id == hw.id
                )
            ).action
            == "create"
        )
        rows = outbox_rows("homework", hw.id)
        assert rows and all(r.event_type == NotifyEvent.HOMEWORK for r in rows)
        sid = pupils(slot.class_id)[0]
        payload = summary.get_summary(sid, hw.school_year_id)
        mine = [h for h in payload["homework"] if h["text"] == "Задачи 3 и 4 на стр. 45"]
        assert [h["due_on"] for h in mine] == [due.isoformat()]
        assert all(h["due_on"] >= TODAY.isoformat() for h in payload["homework"])


# --- the use-cases' checks -------------------------------------------------------------------------
def test_a_typed_due_date_is_checked(demo_app):
    slot = a_slot()
    me = teacher_actor(slot)
    year = db.session.get(SchoolYear, slot.school_class.school_year_id)
    for due, key in [
        (TODAY, "homework.due_not_after"),
        (TODAY - dt.timedelta(days=1), "homework.due_not_after"),
        (year.ends_on + dt.timedelta(days=1), "homework.due_after_year"),
        (dt.date(2026, 11, 28), "homework.due_day_off"),  # a Saturday without lessons
    ]:
        with pytest.raises(core.Invalid) as caught:
            homework_uc.give_homework(me, slot.id, date=TODAY, text="Упр. 1", due_on=due)
        assert caught.value.key == key and "due_on" in caught.value.errors
    holiday = NonSchoolDay(
        school_year_id=year.id,
        date_from=dt.date(2026, 11, 27),
        date_to=dt.date(2026, 11, 27),
        name="Ден на училището",
        grade_from=1,
        grade_to=12,
    )
    db.session.add(holiday)
    db.session.commit()
    with pytest.raises(core.Invalid) as caught:
        homework_uc.give_homework(me, slot.id, date=TODAY, text="Упр. 1", due_on="27.11.2026")
    assert "Ден на училището" in caught.value.message_bg
    assert (
        db.session.scalar(sa.select(sa.func.count(Homework.id)).where(Homework.text == "Упр. 1"))
        == 0
    )


def test_the_default_skips_a_holiday_on_the_next_lesson(demo_app):
    slot = a_slot()
    year = db.session.get(SchoolYear, slot.school_class.school_year_id)
    first = homework_uc.default_due(slot, TODAY)
    db.session.add(
        NonSchoolDay(
            school_year_id=year.id,
            date_from=first,
            date_to=first,
            name="Празник",
            grade_from=1,
            grade_to=12,
        )
    )
    db.session.commit()
    later = homework_uc.default_due(slot, TODAY)
    assert later is not None and later > first


def test_empty_text_a_day_without_the_lesson_and_a_non_school_day_are_refused(demo_app):
    slot = a_slot()
    me = teacher_actor(slot)
    with pytest.raises(core.Invalid) as caught:
        homework_uc.give_homework(me, slot.id, date=TODAY, text="   ")
    assert "text" in caught.value.errors
    with pytest.raises(core.Invalid) as caught:
        homework_uc.give_homework(me, slot.id, date=TODAY + dt.timedelta(days=1), text="Упр. 2")
    assert caught.value.key == "homework.slot_not_on_day"
    with pytest.raises(core.Invalid):
        homework_uc.give_homework(me, slot.id, date="25-11-2026", text="Упр. 2")


def test_locks_of_the_lesson_date(demo_app):
    slot = a_slot()
    me = teacher_actor(slot)
    year = db.session.get(SchoolYear, slot.school_class.school_year_id)
    year.month_lock_day, year.future_entry_lock = 5, True
    db.session.commit()
    september = dt.date(2026, 9, 16)  # a Wednesday, two months back: locked
    with pytest.raises(core.Locked):
        homework_uc.give_homework(me, slot.id, date=september, text="Упр. 3")
    with pytest.raises(core.Locked):
        homework_uc.give_homework(me, slot.id, date=TODAY + dt.timedelta(days=7), text="Упр. 3")
    hw = homework_uc.give_homework(me, slot.id, date=TODAY, text="Упр. 3")
    year.month_lock_day = None
    db.session.commit()
    old = homework_uc.give_homework(me, slot.id, date=september, text="Упр. 4")
    year.month_lock_day = 5
    db.session.commit()
    with pytest.raises(core.Locked):
        homework_uc.edit_homework(
            me, old.id, text="Упр. 5", due_on=None, version=old.version, reason="грешка"
        )
    with pytest.raises(core.Locked):
        homework_uc.delete_homework(me, old.id, version=old.version, reason="грешка")
    admin = core.Actor.load(
        db.session.scalar(
            sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou1.demo.bg")
        ),
        slot.school_id,
    )
    homework_uc.delete_homework(
        admin, old.id, version=old.version, reason="грешка", override_lock=True
    )
    assert db.session.get(Homework, old.id) is None and db.session.get(Homework, hw.id)


def test_only_who_may_take_the_register(demo_app):
    from gradebook import absences

    slot = a_slot()
    teachers = db.session.scalars(
        sa.select(StaffUser.id)
        .where(StaffUser.email.like("uchitel%@sou1.demo.bg"))
        .order_by(StaffUser.id)
    )
    them = next(
        actor
        for actor in (core.Actor.load(tid, slot.school_id) for tid in teachers)
        if not absences.can_take_register(actor, slot)
    )
    with pytest.raises(core.Forbidden):
        homework_uc.give_homework(them, slot.id, date=TODAY, text="Упр. 6")
    hw = homework_uc.give_homework(teacher_actor(slot), slot.id, date=TODAY, text="Упр. 6")
    with pytest.raises(core.Forbidden):
        homework_uc.edit_homework(them, hw.id, text="x", due_on=None, version=1, reason="x")
    with pytest.raises(core.Forbidden):
        homework_uc.delete_homework(them, hw.id, version=1, reason="x")
    with pytest.raises(core.NotFound):  # another school's actor: the row is missing there
        school2 = db.session.scalar(
            sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou2.demo.bg")
        )
        homework_uc.delete_homework(core.Actor.load(school2, 2), hw.id, version=1, reason="x")
    assert db.session.get(Homework, hw.id) is not None


# --- edit, delete, notices ---------------------------------------------------------------------
def test_edit_with_reason_tells_again_and_delete_withdraws(school_app):
    with school_app.app_context():
        slot = a_slot()
        me = teacher_actor(slot)
        hw = homework_uc.give_homework(me, slot.id, date=TODAY, text="Прочетете урока")
        first_due = hw.due_on
        with pytest.raises(core.Invalid):
            homework_uc.edit_homework(me, hw.id, text="x", due_on=None, version=1, reason="")
        with pytest.raises(core.Conflict):
            homework_uc.edit_homework(me, hw.id, text="x", due_on=None, version=7, reason="r")
        later = first_due + dt.timedelta(days=7)
        while homework_uc.school_day_problem(
            db.session.get(SchoolYear, hw.school_year_id), later, slot.school_class
        ):
            later += dt.timedelta(days=1)
        homework_uc.edit_homework(
            me, hw.id, text="Прочетете урока и отговорете на въпросите", due_on=later,
            version=1, reason="допълнение",
        )  # fmt: skip
        db.session.expire_all()
        hw = db.session.get(Homework, hw.id)
        assert hw.version == 2 and hw.due_on == later
        update = db.session.scalar(
            sa.select(AuditLog).where(
                AuditLog.object_type == "homework",
                AuditLog.object_id == hw.id,
                AuditLog.action == "update",
            )
        )
        assert update.reason == "допълнение" and update.before["due_on"] == first_due.isoformat()
        pending = [r for r in outbox_rows("homework", hw.id) if r.status == OutboxStatus.PENDING]
        # not sent yet: the pending notices now say the final text, once, not "corrected"
        assert pending and all(
            r.payload["text"] == "Прочетете урока и отговорете на въпросите"
            and not r.payload.get("changed")
            for r in pending
        )
        assert len(pending) == len(outbox_rows("homework", hw.id))
        sid = pupils(slot.class_id)[0]
        assert any(
            h["due_on"] == later.isoformat()
            for h in summary.get_summary(sid, hw.school_year_id)["homework"]
        )
        homework_uc.delete_homework(me, hw.id, version=2, reason="отменена")
        db.session.expire_all()
        assert db.session.get(Homework, hw.id) is None
        assert all(r.status == OutboxStatus.CANCELLED for r in outbox_rows("homework", hw.id))
        texts = [h["text"] for h in summary.get_summary(sid, hw.school_year_id)["homework"]]
        assert "Прочетете урока и отговорете на въпросите" not in texts
        assert (
            db.session.scalar(
                sa.select(AuditLog.reason).where(
                    AuditLog.object_type == "homework", AuditLog.action == "delete"
                )
            )
            == "отменена"
        )


def test_notices_follow_the_preferences(demo_app):
    slot = a_slot()
    links = list(
        db.session.scalars(
            sa.select(GuardianStudent).where(GuardianStudent.student_id.in_(pupils(slot.class_id)))
        )
    )
    assert links
    muted, sms = links[0].guardian_id, links[-1].guardian_id
    for channel in (Channel.SMS, Channel.EMAIL):
        db.session.add(
            NotificationPreference(
                guardian_id=muted, event_type=NotifyEvent.HOMEWORK, channel=channel, enabled=False
            )
        )
    guardian = links[-1].guardian
    guardian.phone, guardian.phone_verified_at = "+359888123456", dt.datetime(2026, 1, 1)
    if sms != muted:
        db.session.add(
            NotificationPreference(
                guardian_id=sms, event_type=NotifyEvent.HOMEWORK, channel=Channel.SMS, enabled=True
            )
        )
    db.session.commit()
    hw = homework_uc.give_homework(
        teacher_actor(slot), slot.id, date=TODAY, text="Задачи 3, 4 и 5 на стр. 45 от учебника"
    )
    rows = outbox_rows("homework", hw.id)
    assert not [r for r in rows if r.guardian_id == muted]
    if sms != muted:
        (text,) = [r for r in rows if r.guardian_id == sms and r.channel == Channel.SMS]
        assert "domashno po" in text.body and text.segments == 1
        assert f"za {hw.due_on.day:02d}.{hw.due_on.month:02d}" in text.body
    emails = [r for r in rows if r.channel == Channel.EMAIL]
    assert emails and all("Домашна работа" in r.subject for r in emails)


# --- the web ---------------------------------------------------------------------------------------
def test_give_on_the_lesson_page_with_csrf(demo_client):
    slot = a_slot()
    login_staff(demo_client, slot.teacher.email)
    url = f"/staff/lesson/{slot.id}?date={TODAY.isoformat()}"
    html = demo_client.get(url).get_data(as_text=True)
    due = homework_uc.default_due(slot, TODAY)
    assert "Домашна работа" in html and f'value="{due.isoformat()}"' in html
    post = f"/staff/lesson/{slot.id}/homework"
    data = {"date": TODAY.isoformat(), "text": "Стихотворението наизуст", "due_on": due.isoformat()}
    assert demo_client.post(post, data=data).status_code == 400  # no CSRF token
    response = form_post(demo_client, url, data, post_url=post)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        url.split("/staff")[1]
    )
    page = demo_client.get(url).get_data(as_text=True)
    assert "Стихотворението наизуст" in page
    hw = db.session.scalar(sa.select(Homework).where(Homework.text == "Стихотворението наизуст"))
    assert hw is not None and hw.due_on == due
    # a refused one is shown again as typed, with the message at its field
    bad = dict(data, text="Преразказ на откъса", due_on=TODAY.isoformat())
    response = form_post(demo_client, url, bad, post_url=post)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Преразказ на откъса" in body
    assert "Изберете по-късна дата." in body
    # the edit page and the deletion with a reason
    edit = f"/staff/homework/{hw.id}"
    response = form_post(
        demo_client, edit,
        {"text": "Стихотворението наизуст и рисунка", "due_on": due.isoformat(),
         "reason": "допълнение", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Homework, hw.id).text == "Стихотворението наизуст и рисунка"
    response = form_post(
        demo_client, edit, {"reason": "", "version": "2"}, post_url=f"{edit}/delete"
    )
    assert db.session.get(Homework, hw.id) is not None  # no reason: nothing deleted
    response = form_post(
        demo_client, edit, {"reason": "грешен клас", "version": "2"}, post_url=f"{edit}/delete"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Homework, hw.id) is None


def test_the_teachers_and_the_class_lists(demo_client):
    slot = a_slot()
    hw = homework_uc.give_homework(teacher_actor(slot), slot.id, date=TODAY, text="Работен лист 7")
    login_staff(demo_client, slot.teacher.email)
    mine = demo_client.get("/staff/homework").get_data(as_text=True)
    assert "Работен лист 7" in mine and slot.subject.name in mine
    demo_client.post("/staff/logout", data={"csrf_token": csrf_from(mine)})
    klass = db.session.get(SchoolClass, hw.class_id)
    login_staff(demo_client, klass.class_teacher.email)
    page = demo_client.get(f"/staff/classes/{klass.id}/homework")
    assert page.status_code == 200 and "Работен лист 7" in page.get_data(as_text=True)
    demo_client.post("/staff/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    login_staff(demo_client, "uchitel1@sou2.demo.bg")
    assert demo_client.get(f"/staff/classes/{klass.id}/homework").status_code == 404
    assert demo_client.get(f"/staff/homework/{hw.id}").status_code == 404
    assert "Работен лист 7" not in demo_client.get("/staff/homework").get_data(as_text=True)


def test_what_is_due_tomorrow_is_chosen_when_read(demo_app, monkeypatch):
    """The read model holds the class's homework from the day it was built on; a later day reads
    from the same payload (no refresh needed), and a list cut at its limit goes stale in time."""
    slot = a_slot()
    me = teacher_actor(slot)
    hw = homework_uc.give_homework(me, slot.id, date=TODAY, text="Упр. 9")
    sid = pupils(slot.class_id)[0]
    payload = summary.get_summary(sid, hw.school_year_id)
    assert payload["homework_until"] is None and summary.is_fresh(payload)
    demo_app.config["NOW"] = f"{hw.due_on.isoformat()}T09:00"  # the day it is due
    assert summary.get_summary(sid, hw.school_year_id) == payload  # still fresh, not rebuilt
    monkeypatch.setattr(summary, "COMING_HOMEWORK", 1)
    demo_app.config["NOW"] = f"{TODAY.isoformat()}T10:00"
    homework_uc.give_homework(
        me, slot.id, date=TODAY, text="Упр. 10", due_on=hw.due_on + dt.timedelta(days=7)
    )
    cut = summary.get_summary(sid, hw.school_year_id)
    assert cut["homework_until"] is not None and len(cut["homework"]) >= 1
    demo_app.config["NOW"] = f"{cut['homework_until']}T09:00"
    assert not summary.is_fresh(cut)
