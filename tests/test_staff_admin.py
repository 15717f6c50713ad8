"""Staff web, school admin: students (add, edit, move, leave, new code), labels, PIN reset,
class teacher and curriculum assignments, year lock settings; the operator CLI."""

from __future__ import annotations

import datetime as dt
import random
import re

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from gradebook import absences
from gradebook import core
from gradebook import rules
from gradebook import school
from gradebook import timetable
from gradebook.demo import make_egn
from models import AuditLog
from models import BellTime
from models import Curriculum
from models import Enrollment
from models import Guardian
from models import GuardianLinkRequest
from models import GuardianStudent
from models import NonSchoolDay
from models import NotificationOutbox
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import Student
from models import TimetableSlot
from models import db
from security import check_pin
from tests.conftest import form_post
from tests.conftest import login_staff


def admin(client):
    assert login_staff(client, "direktor@sou1.demo.bg").status_code == 302
    return client


def test_admin_pages_render(demo_client):
    admin(demo_client)
    for url in (
        "/staff/admin/",
        "/staff/admin/year",
        "/staff/admin/classes/6",
        "/staff/admin/staff",
        "/staff/admin/students/new",
        "/staff/admin/classes/6/labels",
    ):
        assert demo_client.get(url).status_code == 200, url


def test_teacher_cannot_open_admin_pages(demo_client):
    login_staff(demo_client, "uchitel1@sou1.demo.bg")
    for url in ("/staff/admin/", "/staff/admin/year", "/staff/admin/students/new"):
        assert demo_client.get(url).status_code == 403


def test_add_a_student_with_clear_messages(demo_client):
    admin(demo_client)
    top = db.session.scalar(
        sa.select(sa.func.max(Enrollment.class_number)).where(Enrollment.class_id == 6)
    )
    data = {
        "first_name": "Ерменгарда",
        "middle_name": "Петрова",
        "last_name": "Стоянова",
        "personal_id_type": "egn",
        "personal_id": "1234567890",
        "class_id": "6",
        "class_number": "",
    }
    r = form_post(demo_client, "/staff/admin/students/new", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'value="Ерменгарда"' in html and "ЕГН" in html
    assert db.session.scalar(sa.select(Student).where(Student.first_name == "Ерменгарда")) is None
    data["personal_id"] = make_egn(random.Random(1), dt.date(2012, 3, 4), True)
    r = form_post(demo_client, "/staff/admin/students/new", data)
    assert r.status_code == 302
    student = db.session.scalar(sa.select(Student).where(Student.first_name == "Ерменгарда"))
    assert rules.is_valid_student_code(student.student_code)
    enrollment = db.session.scalar(sa.select(Enrollment).where(Enrollment.student_id == student.id))
    assert enrollment.class_id == 6 and enrollment.class_number == top + 1
    entry = db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.object_type == "student", AuditLog.object_id == student.id
        )
    )
    assert "student_code" not in entry.after and entry.after["personal_id"].startswith("***")
    # the same ЕГН twice is refused
    r = form_post(demo_client, "/staff/admin/students/new", data)
    assert r.status_code == 422 and "Вече има ученик с този идентификатор." in r.get_data(
        as_text=True
    )


def test_move_and_leave(demo_client):
    admin(demo_client)
    sid = core.active_enrollments(6)[0].student_id
    r = form_post(
        demo_client,
        f"/staff/admin/students/{sid}",
        {"class_id": "7", "date": "2026-11-25", "reason": "по желание"},
        post_url=f"/staff/admin/students/{sid}/move",
    )
    assert r.status_code == 302
    assert core.student_class(sid).id == 7
    old = db.session.scalar(
        sa.select(Enrollment).where(Enrollment.student_id == sid, Enrollment.class_id == 6)
    )
    assert old.left_on == dt.date(2026, 11, 25)
    r = form_post(
        demo_client,
        f"/staff/admin/students/{sid}",
        {"date": "2026-11-25", "reason": ""},
        post_url=f"/staff/admin/students/{sid}/leave",
    )
    assert core.student_class(sid) is not None  # no reason, nothing done
    r = form_post(
        demo_client,
        f"/staff/admin/students/{sid}",
        {"date": "2026-11-25", "reason": "заминава в чужбина"},
        post_url=f"/staff/admin/students/{sid}/leave",
    )
    assert r.status_code == 302 and core.student_class(sid) is None
    assert {
        a.action for a in db.session.scalars(sa.select(AuditLog).where(AuditLog.student_id == sid))
    } >= {"move", "leave"}


def test_new_code_replaces_the_old_one(demo_client):
    admin(demo_client)
    sid = core.active_enrollments(6)[0].student_id
    old = db.session.get(Student, sid).student_code
    r = form_post(
        demo_client,
        f"/staff/admin/students/{sid}",
        {},
        post_url=f"/staff/admin/students/{sid}/code",
    )
    assert r.status_code == 302
    db.session.expire_all()
    new = db.session.get(Student, sid).student_code
    assert new != old and rules.is_valid_student_code(new)
    assert new in demo_client.get(f"/staff/admin/students/{sid}").get_data(
        as_text=True
    )  # flashed once
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "code"))
    assert entry.student_id == sid and new not in str(entry.after) and old not in str(entry.before)


def test_printable_labels(demo_client):
    admin(demo_client)
    html = demo_client.get("/staff/admin/classes/6/labels").get_data(as_text=True)
    first = core.active_enrollments(6)[0].student
    code = first.student_code
    assert first.full_name in html
    assert f"{code[:3]} {code[3:6]} {code[6:]}" in html
    assert "Информационен телефон" in html and "02 400 1234" in html
    assert "Портал:" in html and "Регистрация:" in html
    assert html.count('class="label"') == len(core.active_enrollments(6))


def test_pin_reset(demo_client):
    """The school's "new PIN" shows no PIN: a one-time set-PIN link goes by SMS to the parent's
    verified phone; the old PIN works until the parent sets a new one (issue #12, item 2)."""
    admin(demo_client)
    sid = core.active_enrollments(6)[0].student_id
    link = db.session.scalar(sa.select(GuardianStudent).where(GuardianStudent.student_id == sid))
    r = form_post(
        demo_client,
        f"/staff/admin/students/{sid}",
        {"student_id": sid},
        post_url=f"/staff/admin/guardians/{link.guardian_id}/pin",
    )
    assert r.status_code == 302
    html = demo_client.get(f"/staff/admin/students/{sid}").get_data(as_text=True)
    assert "Нов ПИН за телефонната линия:" not in html and "връзка за нов ПИН" in html
    guardian = db.session.get(Guardian, link.guardian_id)
    sms = db.session.scalars(
        sa.select(NotificationOutbox).order_by(NotificationOutbox.id.desc())
    ).first()
    assert sms.to_address == guardian.phone and sms.school_id is None  # not in the school's list
    db.session.expire_all()
    assert check_pin(db.session.get(Guardian, link.guardian_id).pin_hash, "2580")
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "pin_reset"))
    path = sms.payload["text"].split("localhost", 1)[1]
    other = demo_client.application.test_client()
    page = other.get(path)
    assert page.status_code == 200
    done = form_post(other, path, {"pin": "7392", "pin2": "7392"})
    assert done.status_code == 200 and "ПИН кодът е сменен" in done.get_data(as_text=True)
    db.session.expire_all()
    assert check_pin(db.session.get(Guardian, link.guardian_id).pin_hash, "7392")
    assert other.get(path).status_code == 404  # one time only


def test_assign_class_teacher_and_curriculum_teacher(demo_client):
    admin(demo_client)
    teacher = db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == "uchitel30@sou1.demo.bg")
    )
    r = form_post(
        demo_client,
        "/staff/admin/classes/6",
        {"teacher_id": teacher.id},
        post_url="/staff/admin/classes/6/teacher",
    )
    assert r.status_code == 302
    assert db.session.get(SchoolClass, 6).class_teacher_id == teacher.id
    curriculum = db.session.scalar(sa.select(Curriculum).where(Curriculum.class_id == 6))
    r = form_post(
        demo_client,
        "/staff/admin/classes/6",
        {"teacher_id": teacher.id},
        post_url=f"/staff/admin/curriculum/{curriculum.id}/teacher",
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Curriculum, curriculum.id).teacher_id == teacher.id
    # a teacher of another school cannot be assigned
    foreign = db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == "uchitel1@sou2.demo.bg")
    )
    form_post(
        demo_client,
        "/staff/admin/classes/6",
        {"teacher_id": foreign.id},
        post_url="/staff/admin/classes/6/teacher",
    )
    db.session.expire_all()
    assert db.session.get(SchoolClass, 6).class_teacher_id == teacher.id


def test_year_lock_settings(demo_client):
    admin(demo_client)
    r = form_post(
        demo_client, "/staff/admin/year", {"month_lock_day": "31", "future_entry_lock": "y"}
    )
    assert r.status_code == 422 and "Денят трябва да е от 1 до 28." in r.get_data(as_text=True)
    r = form_post(
        demo_client, "/staff/admin/year", {"month_lock_day": "10", "term2_starts_on": "2027-08-01"}
    )
    assert r.status_code == 422 and "Началото на II срок" in r.get_data(as_text=True)
    r = form_post(
        demo_client, "/staff/admin/year", {"month_lock_day": "10", "term2_starts_on": "2027-02-08"}
    )
    assert r.status_code == 302
    year = db.session.scalar(sa.select(SchoolYear).where(SchoolYear.school_id == 1))
    db.session.refresh(year)
    assert year.month_lock_day == 10 and year.future_entry_lock is False
    assert year.term2_starts_on == dt.date(2027, 2, 8)
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.object_type == "school_year"))


def test_create_operator_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "staff",
            "create-operator",
            "--email",
            "Op@Example.bg",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "op@example.bg"))
    assert user.is_operator and check_password_hash(user.password_hash, "a-long-password")


# --- structure of the school ------------------------------------------------------------------------
def test_create_class_and_subject(demo_client):
    admin(demo_client)
    r = form_post(
        demo_client,
        "/staff/admin/",
        {"name": "", "grade_level": "13", "shift": "1", "class_teacher_id": "0"},
        post_url="/staff/admin/classes",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Задължително поле." in html
    r = form_post(
        demo_client,
        "/staff/admin/",
        {"name": "5а", "grade_level": "5", "shift": "1", "class_teacher_id": "0"},
        post_url="/staff/admin/classes",
    )
    assert r.status_code == 422 and "Вече има паралелка с това име." in r.get_data(as_text=True)
    assert 'value="5а"' in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        "/staff/admin/",
        {"name": "5г", "grade_level": "5", "shift": "2", "class_teacher_id": "0"},
        post_url="/staff/admin/classes",
    )
    assert r.status_code == 302
    klass = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.name == "5г", SchoolClass.school_id == 1)
    )
    assert klass.grade_level == 5 and klass.shift == 2
    r = form_post(
        demo_client, "/staff/admin/", {"name": "Астрономия"}, post_url="/staff/admin/subjects"
    )
    assert r.status_code == 302
    r = form_post(
        demo_client, "/staff/admin/", {"name": "Астрономия"}, post_url="/staff/admin/subjects"
    )
    assert r.status_code == 422 and "Предметът вече съществува." in r.get_data(as_text=True)


def test_curriculum_and_timetable(demo_client):
    admin(demo_client)
    subject = school.create_subject(core.Actor.load(_admin_id(), 1), name="Астрономия")
    teacher = db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == "uchitel30@sou1.demo.bg")
    )
    url = "/staff/admin/classes/6"
    r = form_post(
        demo_client,
        url,
        {
            "subject_id": subject.id,
            "teacher_id": teacher.id,
            "hours_term1": "x",
            "hours_term2": "1",
            "section": "B",
        },
        post_url="/staff/admin/classes/6/curriculum",
    )
    assert r.status_code == 422 and "Часове седмично" in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {
            "subject_id": subject.id,
            "teacher_id": teacher.id,
            "hours_term1": "1",
            "hours_term2": "1,5",
            "section": "B",
        },
        post_url="/staff/admin/classes/6/curriculum",
    )
    assert r.status_code == 302
    row = db.session.scalar(sa.select(Curriculum).where(Curriculum.subject_id == subject.id))
    assert row.class_id == 6 and row.teacher_id == teacher.id and str(row.hours_term2) == "1.5"
    # a lesson: Friday, 8th period
    r = form_post(
        demo_client,
        url,
        {"curriculum_id": row.id, "weekday": "5", "period": "8", "term": "0", "room": "31"},
        post_url="/staff/admin/classes/6/timetable",
    )
    assert r.status_code == 302
    slot = db.session.scalar(sa.select(TimetableSlot).where(TimetableSlot.curriculum_id == row.id))
    assert (slot.weekday, slot.period, slot.teacher_id, slot.term) == (5, 8, teacher.id, None)
    # the class already has a lesson then
    busy = db.session.scalar(
        sa.select(TimetableSlot).where(TimetableSlot.class_id == 6).order_by(TimetableSlot.id)
    )
    r = form_post(
        demo_client,
        url,
        {"curriculum_id": row.id, "weekday": busy.weekday, "period": busy.period, "term": "0"},
        post_url="/staff/admin/classes/6/timetable",
    )
    assert r.status_code == 422 and "вече има час тогава" in r.get_data(as_text=True)
    r = form_post(demo_client, url, {}, post_url=f"/staff/admin/timetable/{slot.id}/delete")
    assert r.status_code == 302 and db.session.get(TimetableSlot, slot.id) is None


def _admin_id() -> int:
    return db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou1.demo.bg")
    )


def test_holidays_and_bells(demo_client):
    admin(demo_client)
    url = "/staff/admin/year"
    r = form_post(
        demo_client,
        url,
        {"name": "Ден на народните будители", "date_from": "2026-11-02", "date_to": "2026-11-01"},
        post_url="/staff/admin/holidays",
    )
    assert r.status_code == 422 and "Крайната дата е преди началната." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {
            "name": "Патронен празник",
            "date_from": "2026-12-08",
            "date_to": "",
            "grade_from": "0",
            "grade_to": "12",
        },
        post_url="/staff/admin/holidays",
    )
    assert r.status_code == 302
    day = db.session.scalar(sa.select(NonSchoolDay).where(NonSchoolDay.name == "Патронен празник"))
    assert day.date_from == day.date_to == dt.date(2026, 12, 8)
    r = form_post(demo_client, url, {}, post_url=f"/staff/admin/holidays/{day.id}/delete")
    assert r.status_code == 302 and db.session.get(NonSchoolDay, day.id) is None
    r = form_post(
        demo_client,
        url,
        {"shift": "1", "period": "1", "starts_at": "08:40", "ends_at": "08:00"},
        post_url="/staff/admin/bells",
    )
    assert r.status_code == 422 and "Краят е преди началото." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        url,
        {"shift": "1", "period": "1", "starts_at": "07:45", "ends_at": "08:25"},
        post_url="/staff/admin/bells",
    )
    assert r.status_code == 302
    bell = db.session.scalar(
        sa.select(BellTime).where(
            BellTime.school_id == 1, BellTime.shift == 1, BellTime.period == 1
        )
    )
    db.session.refresh(bell)
    assert bell.starts_at == dt.time(7, 45) and bell.ends_at == dt.time(8, 25)


def test_holiday_blocks_the_register(demo_client):
    actor = core.Actor.load(_admin_id(), 1)
    timetable.add_non_school_day(
        actor, date_from="2026-11-25", date_to="2026-11-25", name="Грипна ваканция"
    )
    slot = db.session.scalar(
        sa.select(TimetableSlot).where(TimetableSlot.class_id == 6, TimetableSlot.weekday == 3)
    )
    sid = core.active_enrollments(6)[0].student_id
    try:
        absences.save_lesson_absences(actor, slot.id, date="2026-11-25", marks={sid: "absent"})
    except core.Invalid as exc:
        assert "неучебен ден (Грипна ваканция)" in exc.message_bg
    else:
        raise AssertionError("a lesson on a non-school day was registered")


def test_create_teacher_account(demo_app, demo_client):
    admin(demo_client)
    r = form_post(
        demo_client,
        "/staff/admin/staff",
        {"full_name": "Нова Учителка", "email": "bad", "role": "teacher"},
    )
    assert r.status_code == 422 and "Въведете валиден имейл." in r.get_data(as_text=True)
    r = form_post(
        demo_client,
        "/staff/admin/staff",
        {
            "full_name": "Нова Учителка",
            "email": "Nova@sou1.demo.bg",
            "role": "teacher",
            "position": "учител по физика",
        },
    )
    assert r.status_code == 302
    html = demo_client.get("/staff/admin/staff").get_data(as_text=True)
    assert "Поканата е изпратена на nova@sou1.demo.bg" in html  # no password on screen
    assert "Временна парола" not in html
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "nova@sou1.demo.bg"))
    assert user.must_change_password and not user.memberships  # a member once she accepts
    mail = db.session.scalar(
        sa.select(NotificationOutbox).where(NotificationOutbox.to_address == user.email)
    )
    path = re.search(r"/staff/invitations/\S+", mail.body).group(0)
    other = demo_app.test_client()
    assert other.get(path).status_code == 200
    r = form_post(other, path, {"password": "нова-парола-1", "confirm": "нова-парола-1"})
    assert r.status_code == 302
    assert login_staff(other, "nova@sou1.demo.bg", "нова-парола-1").status_code == 302
    db.session.expire_all()
    assert [(m.school_id, m.position) for m in user.memberships] == [(1, "учител по физика")]


def test_link_and_unlink_a_parent(demo_client):
    """A new contact becomes the school's record at once; a parent with an account is invited
    and linked only when they confirm (issue #12, item 2)."""
    admin(demo_client)
    sid = core.active_enrollments(6)[0].student_id
    stranger = db.session.scalar(
        sa.select(Guardian)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .where(GuardianStudent.school_id == 1, GuardianStudent.student_id != sid)
        .order_by(Guardian.id.desc())
    )
    url = f"/staff/admin/students/{sid}"
    r = form_post(
        demo_client,
        url,
        {"contact": "nobody@example.bg", "relation": "mother"},
        post_url=f"{url}/guardians",
    )
    assert r.status_code == 302
    assert "Родителят е свързан с ученика." in demo_client.get(url).get_data(as_text=True)
    record = db.session.scalar(sa.select(Guardian).where(Guardian.email == "nobody@example.bg"))
    assert record.password_hash is None and record.email_verified_at is not None
    r = form_post(
        demo_client,
        url,
        {"contact": stranger.phone.replace("+359", "0"), "relation": "father"},
        post_url=f"{url}/guardians",
    )
    assert r.status_code == 302
    assert "Изпратена е покана до родителя." in demo_client.get(url).get_data(as_text=True)
    assert not db.session.scalar(
        sa.select(GuardianStudent).where(
            GuardianStudent.student_id == sid, GuardianStudent.guardian_id == stranger.id
        )
    )
    invite = db.session.scalar(
        sa.select(GuardianLinkRequest).where(GuardianLinkRequest.guardian_id == stranger.id)
    )
    assert invite.status == "pending" and invite.relation.value == "father"
    link = db.session.scalar(
        sa.select(GuardianStudent).where(
            GuardianStudent.student_id == sid, GuardianStudent.guardian_id == record.id
        )
    )
    assert link is not None and link.relation.value == "mother"
    r = form_post(demo_client, url, {}, post_url=f"/staff/admin/guardian-links/{link.id}/delete")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(GuardianStudent, link.id) is None


def test_remove_a_teacher_from_the_school(demo_app, demo_client):
    admin(demo_client)
    klass = db.session.get(SchoolClass, 6)
    teacher = klass.class_teacher
    r = form_post(
        demo_client, "/staff/admin/staff", {}, post_url=f"/staff/admin/staff/{teacher.id}/remove"
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(SchoolClass, 6).class_teacher_id is None
    assert not db.session.scalars(
        sa.select(Curriculum).where(Curriculum.teacher_id == teacher.id)
    ).all()
    other = demo_app.test_client()
    assert login_staff(other, teacher.email).status_code == 302
    assert other.get("/staff/").status_code == 403  # no school any more
    # the admin cannot remove themselves
    form_post(
        demo_client, "/staff/admin/staff", {}, post_url=f"/staff/admin/staff/{_admin_id()}/remove"
    )
    assert "Не можете да премахнете себе си." in demo_client.get("/staff/admin/staff").get_data(
        as_text=True
    )
