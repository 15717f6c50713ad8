"""Staff web: lesson absences and excuses, remarks, health notes, events, parent meetings,
messages with parents and the history views (SQLite demo, Wednesday 25.11.2026)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gradebook import absences
from gradebook import core
from models import Absence
from models import AbsenceKind
from models import AuditLog
from models import Curriculum
from models import Event
from models import GuardianStudent
from models import HealthNote
from models import Message
from models import ParentMeeting
from models import Remark
from models import SchoolClass
from models import StaffUser
from models import TimetableSlot
from models import db
from tests._helpers import outbox_rows
from tests._helpers import parent_thread
from tests._helpers import subject_teacher_of
from tests.conftest import form_post
from tests.conftest import login_staff

TODAY = dt.date(2026, 11, 25)


def wednesday_slot(level: int = 9) -> TimetableSlot:
    return db.session.scalar(
        sa.select(TimetableSlot)
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(
            SchoolClass.school_id == 1,
            SchoolClass.grade_level == level,
            TimetableSlot.weekday == 3,
            TimetableSlot.term.is_(None) | (TimetableSlot.term == 1),
            TimetableSlot.teacher_id.is_not(None),
        )
        .order_by(TimetableSlot.id)
    )


def pupils(class_id: int) -> list[int]:
    return [e.student_id for e in core.active_enrollments(class_id)]


def lesson_absences(slot: TimetableSlot, day: dt.date = TODAY) -> dict[int, AbsenceKind]:
    return {
        a.student_id: a.kind
        for a in db.session.scalars(
            sa.select(Absence).where(
                Absence.date == day,
                Absence.period == slot.period,
                Absence.student_id.in_(pupils(slot.class_id)),
            )
        )
    }


def class_teacher_email(class_id: int) -> str:
    return db.session.get(SchoolClass, class_id).class_teacher.email


# --- absences for a lesson -------------------------------------------------------------------------
def test_register_a_lesson_in_one_screen(demo_client):
    slot = wednesday_slot()
    login_staff(demo_client, slot.teacher.email)
    url = f"/staff/lesson/{slot.id}?date={TODAY.isoformat()}"
    page = demo_client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Отсъствия:" in html
    sids = pupils(slot.class_id)
    assert all(f'name="absent{s}"' in html and f'name="late{s}"' in html for s in sids)
    before = lesson_absences(slot)
    r = form_post(
        demo_client,
        url,
        {"date": TODAY.isoformat(), f"absent{sids[0]}": "1", f"late{sids[1]}": "1"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    now = lesson_absences(slot)
    assert now[sids[0]] in (AbsenceKind.UNEXCUSED, AbsenceKind.EXCUSED)
    assert now[sids[1]] == AbsenceKind.LATE
    assert set(now) == {sids[0], sids[1]}
    created = db.session.scalars(
        sa.select(Absence).where(
            Absence.date == TODAY, Absence.period == slot.period, Absence.student_id.in_(sids[:2])
        )
    ).all()
    assert all(a.subject_id == slot.subject_id and a.term == 1 for a in created)
    assert db.session.scalar(
        sa.select(sa.func.count(AuditLog.id)).where(AuditLog.object_type == "absence")
    ) >= 2 - len(before)
    late = next(a for a in created if a.kind == AbsenceKind.LATE)
    assert {r.event_type.value for r in outbox_rows("absence", late.id)} <= {"late"}
    # the same screen again, now nobody ticked: both marks are taken back (and audited)
    r = form_post(demo_client, url, {"date": TODAY.isoformat()})
    assert r.status_code == 302
    assert lesson_absences(slot) == {}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(
                AuditLog.object_type == "absence", AuditLog.action == "delete"
            )
        )
        >= 2
    )


def test_register_checks_the_day(demo_client):
    slot = wednesday_slot()
    login_staff(demo_client, slot.teacher.email)
    sid = pupils(slot.class_id)[0]
    for day, message in (
        ("2026-11-24", "Този час не е в програмата за избрания ден."),
        ("2026-12-02", "Не може да се въвеждат данни за бъдеща дата."),
    ):
        r = form_post(
            demo_client, f"/staff/lesson/{slot.id}?date={day}", {"date": day, f"absent{sid}": "1"}
        )
        assert r.status_code in (409, 422) and message in r.get_data(as_text=True)
    assert sid not in lesson_absences(slot, dt.date(2026, 12, 2))


def test_register_refuses_a_teacher_of_another_class(demo_client):
    slot = wednesday_slot()
    involved = set(
        db.session.scalars(
            sa.select(Curriculum.teacher_id).where(Curriculum.class_id == slot.class_id)
        )
    ) | {db.session.get(SchoolClass, slot.class_id).class_teacher_id, slot.teacher_id}
    stranger = db.session.scalar(
        sa.select(StaffUser)
        .where(StaffUser.email.like("uchitel%@sou1.demo.bg"), StaffUser.id.not_in(involved))
        .order_by(StaffUser.id)
    )
    login_staff(demo_client, stranger.email)
    assert demo_client.get(f"/staff/lesson/{slot.id}").status_code == 403


def make_absences(student_id: int, days: list[dt.date], kind=AbsenceKind.UNEXCUSED) -> list[int]:
    klass = core.student_class(student_id)
    ids = []
    for day in days:
        a = Absence(
            school_id=1,
            school_year_id=klass.school_year_id,
            student_id=student_id,
            date=day,
            period=9,
            term=1,
            kind=kind,
        )
        db.session.add(a)
        db.session.flush()
        ids.append(a.id)
    db.session.commit()
    return ids


def test_class_teacher_excuses_a_sick_week_at_once(demo_client):
    class_id = 6
    sid = pupils(class_id)[0]
    week = [dt.date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
    ids = make_absences(sid, week)
    login_staff(demo_client, class_teacher_email(class_id))
    url = f"/staff/classes/{class_id}/absences"
    page = demo_client.get(url).get_data(as_text=True)
    assert all(f'value="{i}"' in page for i in ids)
    # no reason: nothing changes, the ticks stay
    data = {"absence": [str(i) for i in ids], "reason": "", "comment": "бележка от личен лекар"}
    r = form_post(demo_client, url, data)
    assert r.status_code == 422 and "Изберете причина" in r.get_data(as_text=True)
    assert 'value="бележка от личен лекар"' in r.get_data(as_text=True)
    assert {db.session.get(Absence, i).kind for i in ids} == {AbsenceKind.UNEXCUSED}
    r = form_post(demo_client, url, {**data, "reason": "health"})
    assert r.status_code == 302
    db.session.expire_all()
    rows = [db.session.get(Absence, i) for i in ids]
    assert {a.kind for a in rows} == {AbsenceKind.EXCUSED}
    assert {a.excuse_reason.value for a in rows} == {"health"}
    assert rows[0].excuse_comment == "бележка от личен лекар"
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(
                AuditLog.object_id.in_(ids),
                AuditLog.object_type == "absence",
                AuditLog.action == "update",
            )
        )
        == 5
    )


def test_only_the_class_teacher_or_admin_excuses(demo_client):
    class_id = 6
    sid = pupils(class_id)[0]
    ids = make_absences(sid, [dt.date(2026, 11, 23)])
    other = db.session.get(SchoolClass, 7).class_teacher.email
    login_staff(demo_client, other)
    assert demo_client.get(f"/staff/classes/{class_id}/absences").status_code == 403
    actor = core.Actor.load(
        db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == other)), 1
    )
    with pytest.raises(core.Forbidden):
        absences.excuse_absences(actor, ids, reason="health")
    assert db.session.get(Absence, ids[0]).kind == AbsenceKind.UNEXCUSED


def test_excusing_an_absence_of_a_locked_month_needs_the_admin(demo_client):
    class_id = 6
    sid = pupils(class_id)[0]
    ids = make_absences(sid, [dt.date(2026, 10, 20)])
    teacher = db.session.get(SchoolClass, class_id).class_teacher_id
    with pytest.raises(core.Locked):
        absences.excuse_absences(core.Actor.load(teacher, 1), ids, reason="family")
    admin_id = db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou1.demo.bg")
    )
    assert (
        absences.excuse_absences(
            core.Actor.load(admin_id, 1), ids, reason="family", override_lock=True
        )
        == 1
    )
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "override"))


# --- remarks, health notes ---------------------------------------------------------------------------
def test_remark_create_edit_history(demo_client):
    class_id = 6
    sid = pupils(class_id)[0]
    login_staff(demo_client, class_teacher_email(class_id))
    url = f"/staff/students/{sid}/remarks/new"
    day = {"date": "2026-11-25", "subject_id": "0"}
    r = form_post(demo_client, url, {"kind": "remark", **day, "text": ""})
    assert r.status_code == 422 and "Въведете текст." in r.get_data(as_text=True)
    praise = {"kind": "praise", **day}
    r = form_post(demo_client, url, {**praise, "text": "Отлично представяне на олимпиадата"})
    assert r.status_code == 302
    remark = db.session.scalar(
        sa.select(Remark).where(Remark.student_id == sid).order_by(Remark.id.desc())
    )
    assert remark.kind.value == "praise"
    rows = outbox_rows("remark", remark.id)
    assert {r.event_type.value for r in rows} <= {"praise"}
    edit = f"/staff/students/{sid}/remarks/{remark.id}"
    changed = {**praise, "text": "Първо място на олимпиадата", "version": remark.version}
    r = form_post(demo_client, edit, {**changed, "reason": ""})
    assert r.status_code == 422 and "Посочете причина" in r.get_data(as_text=True)
    r = form_post(demo_client, edit, {**changed, "reason": "уточнение"})
    assert r.status_code == 302
    history = demo_client.get(f"/staff/history/remark/{remark.id}").get_data(as_text=True)
    assert "Отлично представяне" in history and "Първо място" in history and "уточнение" in history
    student_history = demo_client.get(f"/staff/students/{sid}/history").get_data(as_text=True)
    assert "Първо място" in student_history


def test_health_notes_only_for_class_teacher_and_admin(demo_client, demo_app):
    class_id = 6
    sid = pupils(class_id)[0]
    login_staff(demo_client, class_teacher_email(class_id))
    url = f"/staff/students/{sid}/health/new"
    r = form_post(
        demo_client,
        url,
        {"date_from": "2026-11-20", "date_to": "2026-11-10", "text": "Освободен от физическо"},
    )
    assert r.status_code == 422 and "Крайната дата е преди началната." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {"date_from": "2026-11-20", "date_to": "2026-12-20", "text": "Освободен от физическо"},
    )
    assert r.status_code == 302
    note = db.session.scalar(
        sa.select(HealthNote).where(HealthNote.student_id == sid).order_by(HealthNote.id.desc())
    )
    assert db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.object_type == "health_note", AuditLog.object_id == note.id
        )
    )
    assert "Освободен от физическо" in demo_client.get(f"/staff/students/{sid}").get_data(
        as_text=True
    )
    # a subject teacher of the class sees the student but not the health notes
    other = demo_app.test_client()
    login_staff(other, subject_teacher_of(class_id).email)
    page = other.get(f"/staff/students/{sid}")
    assert page.status_code == 200 and "Освободен от физическо" not in page.get_data(as_text=True)
    assert other.get(url).status_code == 403
    assert other.get(f"/staff/history/health_note/{note.id}").status_code == 403


# --- events and meetings ---------------------------------------------------------------------------
def test_events_and_meetings(demo_client):
    class_id = 6
    login_staff(demo_client, class_teacher_email(class_id))
    r = form_post(
        demo_client,
        f"/staff/events/new?class_id={class_id}",
        {
            "kind": "school_event",
            "title": "Контролна по математика",
            "class_id": class_id,
            "subject_id": "0",
            "date": "2026-12-03",
            "time": "",
            "description": "",
        },
    )
    assert r.status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.title == "Контролна по математика"))
    assert event.class_id == class_id and outbox_rows("event", event.id)
    # a teacher may not add a whole-school event
    r = form_post(
        demo_client,
        "/staff/events/new",
        {
            "kind": "school_event",
            "title": "Патронен празник",
            "class_id": "0",
            "subject_id": "0",
            "date": "2026-12-03",
        },
    )
    assert r.status_code in (403, 422)
    assert db.session.scalar(sa.select(Event).where(Event.title == "Патронен празник")) is None
    r = form_post(
        demo_client,
        "/staff/meetings/new",
        {"class_id": class_id, "date": "2026-11-20", "time": "18:00"},
    )
    assert r.status_code == 422 and "Датата е в миналото." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        "/staff/meetings/new",
        {
            "class_id": class_id,
            "date": "2026-12-02",
            "time": "18:00",
            "place": "стая 21",
            "topic": "Успех за първия срок",
        },
    )
    assert r.status_code == 302
    meeting = db.session.scalar(
        sa.select(ParentMeeting).where(ParentMeeting.topic == "Успех за първия срок")
    )
    r = form_post(
        demo_client,
        f"/staff/meetings/{meeting.id}/edit",
        {
            "class_id": class_id,
            "date": "2026-12-03",
            "time": "17:30",
            "place": "стая 21",
            "topic": "Успех за първия срок",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(ParentMeeting, meeting.id)
    assert meeting.date == dt.date(2026, 12, 3) and meeting.time == dt.time(17, 30)
    assert meeting is not None and outbox_rows("meeting", meeting.id)
    page = demo_client.get("/staff/events").get_data(as_text=True)
    assert "Контролна по математика" in page and "стая 21" in page
    r = form_post(
        demo_client,
        f"/staff/events/{event.id}/edit",
        {
            "kind": "excursion",
            "title": "Класна работа по математика",
            "class_id": class_id,
            "subject_id": "0",
            "date": "2026-12-04",
            "time": "",
            "description": "",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Класна работа по математика" and event.date == dt.date(2026, 12, 4)
    # deleting needs a reason, which the audit trail keeps
    event_id = event.id
    r = form_post(demo_client, "/staff/events", {}, post_url=f"/staff/events/{event.id}/delete")
    assert r.status_code == 302 and db.session.get(Event, event.id) is not None
    r = form_post(
        demo_client,
        f"/staff/events/{event.id}/edit",
        {"reason": "Учителят е болен"},
        post_url=f"/staff/events/{event.id}/delete",
    )
    assert r.status_code == 302 and db.session.get(Event, event.id) is None
    entry = db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.object_type == "event",
            AuditLog.object_id == event_id,
            AuditLog.action == "delete",
        )
    )
    assert entry.reason == "Учителят е болен"


# --- messages --------------------------------------------------------------------------------------
def test_teacher_reads_and_answers_a_parent(demo_client):
    class_id = 6
    sid = pupils(class_id)[0]
    link = db.session.scalar(sa.select(GuardianStudent).where(GuardianStudent.student_id == sid))
    teacher = db.session.get(SchoolClass, class_id).class_teacher
    second = db.session.scalar(
        sa.select(GuardianStudent)
        .where(GuardianStudent.school_id == 1, GuardianStudent.guardian_id != link.guardian_id)
        .order_by(GuardianStudent.id.desc())
    )
    db.session.add(GuardianStudent(guardian_id=second.guardian_id, student_id=sid, school_id=1))
    db.session.commit()
    thread = parent_thread(link, teacher.id, "Въпрос за домашното", "Какво е за утре?")
    login_staff(demo_client, teacher.email)
    assert "Непрочетени съобщения: 1" in demo_client.get("/staff/").get_data(as_text=True)
    inbox = demo_client.get("/staff/messages").get_data(as_text=True)
    assert "Въпрос за домашното" in inbox and "нови: 1" in inbox
    r = form_post(demo_client, f"/staff/messages/{thread.id}", {"body": ""})
    assert r.status_code == 422
    r = form_post(demo_client, f"/staff/messages/{thread.id}", {"body": "Упражнение 5 на стр. 40."})
    assert r.status_code == 302
    db.session.expire_all()
    messages = db.session.scalars(
        sa.select(Message).where(Message.thread_id == thread.id).order_by(Message.id)
    ).all()
    assert messages[0].read_at is not None
    assert messages[1].from_staff and messages[1].body == "Упражнение 5 на стр. 40."
    rows = outbox_rows("message", messages[1].id)
    assert rows and {r.event_type.value for r in rows} == {"message"}
    assert {r.guardian_id for r in rows} == {link.guardian_id}  # only the parent who wrote


def test_class_overview_for_the_class_teacher(demo_client, demo_app):
    class_id = 6
    login_staff(demo_client, class_teacher_email(class_id))
    page = demo_client.get(f"/staff/classes/{class_id}/overview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Успех и отсъствия" in html
    first = core.active_enrollments(class_id)[0].student
    assert first.short_name in html and "," in html  # averages with a decimal comma
    other = demo_app.test_client()
    login_staff(other, subject_teacher_of(class_id).email)
    assert other.get(f"/staff/classes/{class_id}/overview").status_code == 403


def test_excuse_a_date_range_at_once(demo_client):
    class_id = 6
    sid = pupils(class_id)[1]
    week = [dt.date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
    ids = make_absences(sid, week)
    outside = make_absences(sid, [dt.date(2026, 11, 23)])
    login_staff(demo_client, class_teacher_email(class_id))
    url = f"/staff/classes/{class_id}/absences"
    data = {
        "mode": "range",
        "student_id": sid,
        "date_from": "2026-11-20",
        "date_to": "2026-11-16",
        "reason": "health",
    }
    r = form_post(demo_client, url, data)
    assert r.status_code == 422 and "Крайната дата е преди началната." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {**data, "date_from": "2026-11-16", "date_to": "2026-11-20", "comment": "болничен лист"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Absence, i).kind for i in ids} == {AbsenceKind.EXCUSED}
    assert db.session.get(Absence, outside[0]).kind == AbsenceKind.UNEXCUSED
    r = form_post(demo_client, url, {**data, "date_from": "2026-11-16", "date_to": "2026-11-20"})
    assert r.status_code == 422 and "Няма неизвинени отсъствия в този период." in r.get_data(
        as_text=True
    )
    # a pupil of another class cannot be reached through this class
    stranger = pupils(7)[0]
    r = form_post(
        demo_client,
        url,
        {**data, "student_id": stranger, "date_from": "2026-11-16", "date_to": "2026-11-20"},
    )
    assert r.status_code == 422
