"""Staff web, the gaps closed: edit and delete classes, subjects and curriculum rows (refused
while data depends on them); a new school year; a teacher starts a conversation with a parent and
an admin reads (never writes in) the school's conversations; events and meetings called off with
a reason, parents already told are told of it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gradebook import conversations
from gradebook import core
from gradebook import events
from gradebook import school
from models import AuditLog
from models import Curriculum
from models import Enrollment
from models import Event
from models import EventKind
from models import Grade
from models import GuardianStudent
from models import MessageThread
from models import NotificationOutbox
from models import OutboxStatus
from models import ParentMeeting
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Subject
from models import TimetableSlot
from models import db
from tests._helpers import outbox_rows
from tests._helpers import parent_thread
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

CLASS_ID = 6


def admin(client):
    assert login_staff(client, "direktor@sou1.demo.bg").status_code == 302
    return client


def admin_actor() -> core.Actor:
    staff_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 1, StaffMembership.role == StaffRole.ADMIN
        )
    )
    return core.Actor.load(staff_id, 1)


def audit_of(object_type: str, object_id: int, action: str) -> AuditLog | None:
    return db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.object_type == object_type,
            AuditLog.object_id == object_id,
            AuditLog.action == action,
        )
    )


def call_off(client, path: str, reason: str) -> None:
    """Call off the event or meeting at ``path`` (``/staff/events/7``) from its edit page."""
    r = form_post(client, f"{path}/edit", {"reason": reason}, post_url=f"{path}/delete")
    assert r.status_code == 302


def post_button(client, page_url: str, url: str, data: dict | None = None):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


# --- classes ---------------------------------------------------------------------------------------
def test_edit_a_class(demo_client):
    admin(demo_client)
    klass = db.session.get(SchoolClass, CLASS_ID)
    page = demo_client.get(f"/staff/admin/classes/{CLASS_ID}/edit")
    assert page.status_code == 200 and f'value="{klass.name}"' in page.get_data(as_text=True)
    other = db.session.scalar(
        sa.select(SchoolClass).where(
            SchoolClass.school_id == 1,
            SchoolClass.school_year_id == klass.school_year_id,
            SchoolClass.id != CLASS_ID,
        )
    )
    url = f"/staff/admin/classes/{CLASS_ID}/edit"
    r = form_post(
        demo_client,
        url,
        {"name": other.name, "grade_level": "5", "shift": "1", "class_teacher_id": "0"},
    )
    assert r.status_code == 422 and "Вече има паралелка с това име." in r.get_data(as_text=True)
    r = form_post(
        demo_client, url, {"name": "9ж", "grade_level": "13", "shift": "1", "class_teacher_id": "0"}
    )
    assert r.status_code == 422 and "Класът е от 0 (ПГ) до 12." in r.get_data(as_text=True)
    teacher_id = klass.class_teacher_id
    r = form_post(
        demo_client,
        url,
        {"name": "9ж", "grade_level": "9", "shift": "2", "class_teacher_id": str(teacher_id)},
    )
    assert r.status_code == 302
    db.session.expire_all()
    klass = db.session.get(SchoolClass, CLASS_ID)
    assert (klass.name, klass.grade_level, klass.shift) == ("9ж", 9, 2)
    assert audit_of("school_class", CLASS_ID, "update").after["name"] == "9ж"


def test_a_class_with_pupils_is_not_deleted_an_empty_one_is(demo_client):
    admin(demo_client)
    r = post_button(
        demo_client,
        f"/staff/admin/classes/{CLASS_ID}/edit",
        f"/staff/admin/classes/{CLASS_ID}/delete",
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/classes/{CLASS_ID}/edit")
    page = demo_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "не може да бъде изтрит" in page and "ученици (" in page
    assert db.session.get(SchoolClass, CLASS_ID) is not None
    actor = admin_actor()
    klass = school.create_class(actor, name="12я", grade_level=12, class_teacher_id=None)
    subject = school.create_subject(actor, name="Астрономия")
    school.add_curriculum(
        actor,
        class_id=klass.id,
        subject_id=subject.id,
        teacher_id=None,
        hours_term1="1",
        hours_term2="1",
    )
    r = post_button(
        demo_client,
        f"/staff/admin/classes/{klass.id}/edit",
        f"/staff/admin/classes/{klass.id}/delete",
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/admin/")
    db.session.expire_all()
    assert db.session.get(SchoolClass, klass.id) is None
    assert not db.session.scalars(
        sa.select(Curriculum).where(Curriculum.class_id == klass.id)
    ).all()
    assert audit_of("school_class", klass.id, "delete").before["name"] == "12я"


# --- subjects --------------------------------------------------------------------------------------
def test_edit_and_delete_a_subject(demo_client):
    admin(demo_client)
    used = db.session.get(Subject, db.session.scalar(sa.select(Grade.subject_id).limit(1)))
    assert f"/staff/admin/subjects/{used.id}" in demo_client.get("/staff/admin/").get_data(
        as_text=True
    )
    url = f"/staff/admin/subjects/{used.id}"
    other = db.session.scalar(
        sa.select(Subject.name).where(Subject.school_id == 1, Subject.id != used.id)
    )
    r = form_post(demo_client, url, {"name": other, "short_name": ""})
    assert r.status_code == 422 and "Предметът вече съществува." in r.get_data(as_text=True)
    r = form_post(
        demo_client, url, {"name": "Математика (нов план)", "short_name": "МАТ", "spoken_name": ""}
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Subject, used.id).name == "Математика (нов план)"
    r = post_button(demo_client, url, f"{url}/delete")
    page = demo_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "не може да бъде изтрит" in page and "оценки (" in page
    assert db.session.get(Subject, used.id) is not None
    spare = school.create_subject(admin_actor(), name="Астрономия")
    r = post_button(
        demo_client, f"/staff/admin/subjects/{spare.id}", f"/staff/admin/subjects/{spare.id}/delete"
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Subject, spare.id) is None


# --- curriculum ------------------------------------------------------------------------------------
def test_edit_and_delete_a_curriculum_row(demo_client):
    admin(demo_client)
    row = db.session.scalar(
        sa.select(Curriculum)
        .join(TimetableSlot, TimetableSlot.curriculum_id == Curriculum.id)
        .where(Curriculum.class_id == CLASS_ID, Curriculum.teacher_id.is_not(None))
    )
    old_teacher = row.teacher_id
    new_teacher = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 1, StaffMembership.staff_id != old_teacher
        )
    )
    url = f"/staff/admin/curriculum/{row.id}"
    assert f"/staff/admin/curriculum/{row.id}" in demo_client.get(
        f"/staff/admin/classes/{CLASS_ID}"
    ).get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {
            "teacher_id": str(new_teacher),
            "hours_term1": "50",
            "hours_term2": "3",
            "section": "A",
            "group_name": "",
        },  # fmt: skip
    )
    assert r.status_code == 422 and "Часове седмично: от 0 до 40." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {
            "teacher_id": str(new_teacher),
            "hours_term1": "2,5",
            "hours_term2": "3",
            "section": "B",
            "group_name": "1 група",
        },  # fmt: skip
    )
    assert r.status_code == 302
    db.session.expire_all()
    row = db.session.get(Curriculum, row.id)
    assert (row.teacher_id, str(row.hours_term1), row.section.value, row.group_name) == (
        new_teacher,
        "2.5",
        "B",
        "1 група",
    )
    # the lessons the old teacher held pass to the new one
    slots = db.session.scalars(
        sa.select(TimetableSlot).where(TimetableSlot.curriculum_id == row.id)
    )
    assert {s.teacher_id for s in slots} == {new_teacher}
    r = post_button(demo_client, url, f"{url}/delete")
    page = demo_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "не може да бъде изтрит" in page and "часове в програмата (" in page
    assert db.session.get(Curriculum, row.id) is not None
    spare = school.add_curriculum(
        admin_actor(),
        class_id=CLASS_ID,
        subject_id=school.create_subject(admin_actor(), name="Астрономия").id,
        teacher_id=None,
        hours_term1="1",
        hours_term2="1",
    )
    r = post_button(
        demo_client,
        f"/staff/admin/curriculum/{spare.id}",
        f"/staff/admin/curriculum/{spare.id}/delete",
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/classes/{CLASS_ID}")
    db.session.expire_all()
    assert db.session.get(Curriculum, spare.id) is None


def test_teacher_cannot_edit_structure(demo_client):
    login_staff(demo_client, "uchitel1@sou1.demo.bg")
    subject_id = db.session.scalar(sa.select(Subject.id).where(Subject.school_id == 1))
    curriculum_id = db.session.scalar(
        sa.select(Curriculum.id).where(Curriculum.class_id == CLASS_ID)
    )
    for url in (
        f"/staff/admin/classes/{CLASS_ID}/edit",
        f"/staff/admin/subjects/{subject_id}",
        f"/staff/admin/curriculum/{curriculum_id}",
    ):
        assert demo_client.get(url).status_code == 403
    try:
        school.delete_subject(core.Actor(staff_id=1, school_id=1), subject_id)
    except core.Forbidden:
        pass
    else:
        raise AssertionError("a non-admin deleted a subject")


# --- a new school year -----------------------------------------------------------------------------
def test_create_a_new_school_year_with_classes_and_make_it_current(demo_client):
    admin(demo_client)
    current = core.current_year(1)
    old_classes = db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_year_id == current.id)
    ).all()
    data = {
        "new-name": "2027/2028",
        "new-starts_on": "2027-09-15",
        "new-term2_starts_on": "2027-09-01",
        "new-ends_on": "2028-06-30",
        "new-month_lock_day": "5",
        "new-future_entry_lock": "y",
        "new-copy_classes": "y",
    }
    r = form_post(demo_client, "/staff/admin/year", data, post_url="/staff/admin/years")
    assert r.status_code == 422
    assert "Началото на II срок трябва да е между" in r.get_data(as_text=True)
    data["new-term2_starts_on"] = "2028-02-03"
    r = form_post(demo_client, "/staff/admin/year", data, post_url="/staff/admin/years")
    assert r.status_code == 302
    year = db.session.scalar(sa.select(SchoolYear).where(SchoolYear.name == "2027/2028"))
    assert year.school_id == 1 and not year.is_current and year.month_lock_day == 5
    assert core.current_year(1).id == current.id  # not switched unless asked
    new_classes = db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_year_id == year.id)
    ).all()
    assert len(new_classes) == len([k for k in old_classes if k.grade_level < 12])
    by_name = {k.name: k for k in new_classes}
    for klass in old_classes:
        if klass.grade_level < 12 and klass.name[0].isdigit():
            copy = by_name[str(klass.grade_level + 1) + klass.name.lstrip("0123456789")]
            assert copy.grade_level == klass.grade_level + 1
            assert copy.class_teacher_id == klass.class_teacher_id
    # the same name twice is refused
    r = form_post(demo_client, "/staff/admin/year", data, post_url="/staff/admin/years")
    assert r.status_code == 422 and "Тази учебна година вече съществува." in r.get_data(
        as_text=True
    )
    r = post_button(demo_client, "/staff/admin/year", f"/staff/admin/years/{year.id}/current")
    assert r.status_code == 302
    db.session.expire_all()
    assert core.current_year(1).id == year.id
    assert db.session.get(SchoolYear, current.id).is_current is False
    assert "2027/2028" in demo_client.get("/staff/admin/year").get_data(as_text=True)
    # another school's admin cannot switch school 1's year
    other = demo_client.application.test_client()
    login_staff(other, "direktor@sou2.demo.bg")
    r = post_button(other, "/staff/admin/year", f"/staff/admin/years/{current.id}/current")
    assert r.status_code == 404


# --- messages --------------------------------------------------------------------------------------
def _teacher_and_parent():
    klass = db.session.get(SchoolClass, CLASS_ID)
    link = db.session.scalar(
        sa.select(GuardianStudent)
        .join(Enrollment, Enrollment.student_id == GuardianStudent.student_id)
        .where(Enrollment.class_id == CLASS_ID, Enrollment.left_on.is_(None))
    )
    return klass.class_teacher, link


def test_teacher_starts_a_conversation_with_a_parent(demo_app, demo_client):
    teacher, link = _teacher_and_parent()
    login_staff(demo_client, teacher.email)
    page = demo_client.get(f"/staff/students/{link.student_id}").get_data(as_text=True)
    url = f"/staff/students/{link.student_id}/messages/new"
    assert url in page
    r = form_post(demo_client, url, {"guardian_id": "0", "subject": "", "body": ""})
    assert r.status_code == 422 and "Задължително поле." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {"guardian_id": str(link.guardian_id), "subject": "Домашна работа", "body": "Здравейте!"},
    )
    assert r.status_code == 302
    thread = db.session.scalar(
        sa.select(MessageThread).where(MessageThread.subject == "Домашна работа")
    )
    assert (thread.staff_id, thread.guardian_id, thread.student_id) == (
        teacher.id,
        link.guardian_id,
        link.student_id,
    )
    assert [m.body for m in thread.messages] == ["Здравейте!"]
    rows = db.session.scalars(
        sa.select(NotificationOutbox).where(NotificationOutbox.object_type == "message")
    ).all()
    assert rows and {row.guardian_id for row in rows} == {link.guardian_id}
    assert audit_of("message_thread", thread.id, "create").student_id == link.student_id
    assert r.headers["Location"].endswith(f"/staff/messages/{thread.id}")

    # a teacher who neither teaches the pupil nor is the class teacher may not write
    outsider = db.session.scalar(
        sa.select(StaffUser)
        .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
        .where(
            StaffMembership.school_id == 1,
            StaffMembership.role == StaffRole.TEACHER,
            StaffUser.id != teacher.id,
            StaffUser.id.not_in(
                sa.select(Curriculum.teacher_id).where(
                    Curriculum.class_id == CLASS_ID, Curriculum.teacher_id.is_not(None)
                )
            ),
        )
    )
    other = demo_app.test_client()
    login_staff(other, outsider.email)
    assert other.get(url).status_code == 403
    token = csrf_from(other.get("/staff/password").get_data(as_text=True))
    r = other.post(
        url,
        data={"csrf_token": token, "guardian_id": link.guardian_id, "subject": "x", "body": "x"},
    )
    assert r.status_code == 403
    with demo_app.test_request_context():
        try:
            conversations.start_thread(
                core.Actor.load(outsider.id, 1),
                link.student_id,
                guardian_id=link.guardian_id,
                subject="x",
                body="x",
            )
        except core.Forbidden:
            pass
        else:
            raise AssertionError("an outsider started a conversation")
    # a parent of another pupil cannot be chosen
    stranger = db.session.scalar(
        sa.select(GuardianStudent.guardian_id).where(
            GuardianStudent.school_id == 1, GuardianStudent.student_id != link.student_id
        )
    )
    r = form_post(demo_client, url, {"guardian_id": str(stranger), "subject": "x", "body": "x"})
    assert r.status_code == 422


def test_admin_reads_but_does_not_write_in_a_teachers_conversation(demo_app, demo_client):
    teacher, link = _teacher_and_parent()
    thread = parent_thread(link, teacher.id, "Оценка по история", "Защо 3?")
    admin(demo_client)
    listing = demo_client.get("/staff/messages").get_data(as_text=True)
    assert "Всички разговори в училището" in listing and "Оценка по история" in listing
    page = demo_client.get(f"/staff/messages/{thread.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Защо 3?" in html and 'name="body"' not in html
    token = csrf_from(demo_client.get("/staff/password").get_data(as_text=True))
    r = demo_client.post(f"/staff/messages/{thread.id}", data={"csrf_token": token, "body": "x"})
    assert r.status_code == 403
    db.session.expire_all()
    assert len(db.session.get(MessageThread, thread.id).messages) == 1
    # reading it does not mark the parent's message read for the teacher
    assert db.session.get(MessageThread, thread.id).messages[0].read_at is None
    # a teacher still sees only their own
    other = demo_app.test_client()
    login_staff(other, "uchitel20@sou1.demo.bg")
    assert other.get(f"/staff/messages/{thread.id}").status_code == 404
    assert "Оценка по история" not in other.get("/staff/messages").get_data(as_text=True)
    # another school's admin sees nothing of it
    far = demo_app.test_client()
    login_staff(far, "direktor@sou2.demo.bg")
    assert far.get(f"/staff/messages/{thread.id}").status_code == 404
    assert "Оценка по история" not in far.get("/staff/messages").get_data(as_text=True)


# --- events and meetings called off -----------------------------------------------------------------
def test_calling_off_tells_the_parents_who_were_told(demo_client):
    klass = db.session.get(SchoolClass, CLASS_ID)
    login_staff(demo_client, klass.class_teacher.email)
    actor = core.Actor.load(klass.class_teacher_id, 1)
    event = events.save_event(
        actor, kind=EventKind.OTHER.value, title="Контролна", date="2026-12-10", class_id=CLASS_ID
    )
    told = events.save_event(
        actor, kind=EventKind.OTHER.value, title="Класна", date="2026-12-11", class_id=CLASS_ID
    )
    # the notices of the second went out already; those of the first are still pending
    db.session.execute(
        sa.update(NotificationOutbox)
        .where(NotificationOutbox.object_type == "event", NotificationOutbox.object_id == told.id)
        .values(status=OutboxStatus.SENT)
    )
    db.session.commit()
    r = form_post(
        demo_client, "/staff/events", {"reason": ""}, post_url=f"/staff/events/{event.id}/delete"
    )
    assert r.status_code == 302 and db.session.get(Event, event.id) is not None
    assert "Посочете причина за отмяната." in demo_client.get("/staff/events").get_data(
        as_text=True
    )
    for target in (event, told):
        call_off(demo_client, f"/staff/events/{target.id}", "Учителят е в командировка")
    db.session.expire_all()
    assert db.session.get(Event, event.id) is None and db.session.get(Event, told.id) is None
    assert audit_of("event", told.id, "delete").reason == "Учителят е в командировка"
    pending = db.session.scalars(
        sa.select(NotificationOutbox.status).where(
            NotificationOutbox.object_type == "event", NotificationOutbox.object_id == event.id
        )
    ).all()
    assert pending and set(pending) == {OutboxStatus.CANCELLED}
    # nobody heard of the first: nothing more; the parents told of the second hear it is off
    assert not outbox_rows("event-off", event.id)
    off = outbox_rows("event-off", told.id)
    assert off and off[0].payload["title"] == "ОТМЕНЕНО: Класна"

    meeting = events.save_meeting(
        actor, class_id=CLASS_ID, date="2026-12-12", time="18:00", topic="Успех"
    )
    db.session.execute(
        sa.update(NotificationOutbox)
        .where(
            NotificationOutbox.object_type == "meeting",
            NotificationOutbox.object_id == meeting.id,
        )
        .values(status=OutboxStatus.SENT)
    )
    db.session.commit()
    page = demo_client.get(f"/staff/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert "Отмени срещата" in page
    call_off(demo_client, f"/staff/meetings/{meeting.id}", "Болест")
    db.session.expire_all()
    assert db.session.get(ParentMeeting, meeting.id) is None
    assert audit_of("parent_meeting", meeting.id, "delete").reason == "Болест"
    off = outbox_rows("meeting-off", meeting.id)
    assert off and "отменена" in off[0].payload["topic"]


def test_editing_an_event_tells_the_parents_again(demo_client):
    klass = db.session.get(SchoolClass, CLASS_ID)
    actor = core.Actor.load(klass.class_teacher_id, 1)
    event = events.save_event(
        actor, kind=EventKind.OTHER.value, title="Контролна", date="2026-12-10", class_id=CLASS_ID
    )
    before = db.session.scalar(
        sa.select(sa.func.count()).where(
            NotificationOutbox.object_type == "event", NotificationOutbox.object_id == event.id
        )
    )
    events.save_event(
        actor,
        kind=EventKind.OTHER.value,
        title="Контролна",
        date="2026-12-14",
        class_id=CLASS_ID,
        event_id=event.id,
    )
    rows = db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.object_type == "event", NotificationOutbox.object_id == event.id
        )
    ).all()
    assert before and len(rows) == before  # pending notices updated, not doubled
    assert {r.payload["date"] for r in rows} == {dt.date(2026, 12, 14).isoformat()}
