"""Isolation: every staff route, walked as a user of another school and as a teacher without
the assignment, answers 403/404 and leaks nothing; anonymous visitors are sent to sign in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gradebook import note_documents
from gradebook import rules
from gradebook import staff_accounts
from gradebook.lessons import lesson_for
from models import Absence
from models import AbsenceKind
from models import Curriculum
from models import Enrollment
from models import Event
from models import EventKind
from models import Exam
from models import ExamKind
from models import ExcuseReason
from models import Grade
from models import GuardianLinkRequest
from models import GuardianStudent
from models import HealthNote
from models import Homework
from models import Message
from models import MessageThread
from models import NonSchoolDay
from models import NoteChannel
from models import ParentMeeting
from models import ParentNote
from models import PlanTopic
from models import Remark
from models import RemarkKind
from models import SchoolClass
from models import StaffInvitation
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Student
from models import TeacherAbsence
from models import TimetableSlot
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff

MARKER = "Зарколинa Тайнова"
SECRET_TEXT = "ТАЙНА-БЕЛЕЖКА-42"
CLASS_ID = 1  # 3а of school 1 in the demo


@pytest.fixture
def world(demo_app):
    """Objects of school 1, class 1, each carrying a marker that must never leak."""
    klass = db.session.get(SchoolClass, CLASS_ID)
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(Enrollment.class_id == klass.id).order_by(Enrollment.id)
    )
    student = enrollment.student
    student.first_name, student.last_name = MARKER.split()
    curriculum = db.session.scalar(sa.select(Curriculum).where(Curriculum.class_id == klass.id))
    grade = db.session.scalar(sa.select(Grade).where(Grade.student_id == student.id))
    slot = db.session.scalar(sa.select(TimetableSlot).where(TimetableSlot.class_id == klass.id))
    link = db.session.scalar(
        sa.select(GuardianStudent).where(GuardianStudent.student_id == student.id)
    )
    author = klass.class_teacher_id
    absence = Absence(
        school_id=1,
        school_year_id=klass.school_year_id,
        student_id=student.id,
        date=dt.date(2026, 11, 23),
        period=7,
        term=1,
        kind=AbsenceKind.UNEXCUSED,
        teacher_id=author,
    )
    remark = Remark(
        school_id=1,
        school_year_id=klass.school_year_id,
        student_id=student.id,
        kind=RemarkKind.REMARK,
        text=SECRET_TEXT,
        date=dt.date(2026, 11, 24),
        teacher_id=author,
    )
    note = HealthNote(
        school_id=1,
        student_id=student.id,
        date_from=dt.date(2026, 11, 1),
        text=SECRET_TEXT,
        author_id=author,
    )
    event = Event(
        school_id=1,
        school_year_id=klass.school_year_id,
        class_id=klass.id,
        kind=EventKind.TEST,
        title=SECRET_TEXT,
        date=dt.date(2026, 11, 30),
        author_id=author,
    )
    meeting = ParentMeeting(
        school_id=1,
        school_year_id=klass.school_year_id,
        class_id=klass.id,
        date=dt.date(2026, 12, 2),
        time=dt.time(18, 0),
        topic=SECRET_TEXT,
        author_id=author,
    )
    thread = MessageThread(
        school_id=1,
        student_id=student.id,
        guardian_id=link.guardian_id,
        staff_id=author,
        subject=SECRET_TEXT,
    )
    request = GuardianLinkRequest(
        school_id=1,
        student_id=student.id,
        kind="registration",
        data={"full_name": MARKER, "email": "marker@example.org"},
        expires_at=dt.datetime(2099, 1, 1),
    )
    exam = Exam(
        school_id=1,
        school_year_id=klass.school_year_id,
        class_id=klass.id,
        curriculum_id=curriculum.id,
        subject_id=curriculum.subject_id,
        kind=ExamKind.CONTROL,
        date=dt.date(2026, 12, 1),
        description=SECRET_TEXT,
        author_id=curriculum.teacher_id,
    )
    db.session.add_all([absence, remark, note, event, meeting, thread, request, exam])
    db.session.flush()
    db.session.add(Message(thread_id=thread.id, from_staff=False, body=SECRET_TEXT))
    lesson = lesson_for(slot, dt.date(2026, 11, 22) + dt.timedelta(days=slot.weekday))
    homework = Homework(school_id=1, school_year_id=klass.school_year_id, lesson_id=lesson.id,
                        class_id=klass.id, curriculum_id=lesson.curriculum_id,
                        subject_id=lesson.subject_id, date=lesson.date,
                        due_on=lesson.date + dt.timedelta(days=7), text=SECRET_TEXT,
                        teacher_id=lesson.teacher_id)  # fmt: skip
    db.session.add(homework)
    # a pending invitation of school 1 to an account that has signed in before (only its owner,
    # signed in, may open it; gradebook/staff_accounts.py)
    invited = StaffUser(email="invited@example.bg", full_name="Поканена", password_hash="x",
                        last_login_at=dt.datetime(2026, 11, 1))  # fmt: skip
    db.session.add(invited)
    db.session.flush()
    token = "isolation-walk-token"
    invitation = StaffInvitation(school_id=1, staff_id=invited.id, email=invited.email,
                                 role=StaffRole.TEACHER, token_hash=staff_accounts.token_hash(token),
                                 expires_at=dt.datetime(2099, 1, 1))  # fmt: skip
    db.session.add(invitation)
    plan_topic = PlanTopic(school_id=1, curriculum_id=curriculum.id, number=999, title=SECRET_TEXT)
    db.session.add(plan_topic)
    from models import VoiceBroadcast  # issue 15: a school-wide voice message of school 1

    broadcast = VoiceBroadcast(school_id=1, text=SECRET_TEXT, families=1)
    db.session.add(broadcast)
    # a parent's note with the scan of a medical note (only the class teacher and admins see it)
    parent_note = ParentNote(school_id=1, school_year_id=klass.school_year_id,
                             student_id=student.id, guardian_id=link.guardian_id,
                             starts_on=dt.date(2026, 11, 23), ends_on=dt.date(2026, 11, 23),
                             reason=ExcuseReason.HEALTH, comment=SECRET_TEXT,
                             channel=NoteChannel.PORTAL, document_type="application/pdf",
                             document_file=note_documents.save(1, "pdf", b"%PDF-1.4 marker"))  # fmt: skip
    db.session.add(parent_note)
    record = pupil_record_world(klass, student.id, author)
    db.session.commit()
    teacher = db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == "uchitel20@sou1.demo.bg")
    )
    return {
        "class_id": klass.id,
        "curriculum_id": curriculum.id,
        "grade_id": grade.id,
        "slot_id": slot.id,
        "student_id": student.id,
        "absence_id": absence.id,
        "remark_id": remark.id,
        "note_id": note.id,
        "event_id": event.id,
        "exam_id": exam.id,
        "meeting_id": meeting.id,
        "thread_id": thread.id,
        "homework_id": homework.id,
        "guardian_id": link.guardian_id,
        "staff_id": teacher.id,
        "object_type": "grade",
        "object_id": grade.id,
        "day_id": db.session.scalar(
            sa.select(NonSchoolDay.id).where(NonSchoolDay.school_year_id == klass.school_year_id)
        ),
        "link_id": link.id,
        "request_id": request.id,
        "school_id": 1,
        "subject_id": curriculum.subject_id,
        "year_id": klass.school_year_id,
        "token": token,
        "invitation_id": invitation.id,
        "plan_topic_id": plan_topic.id,
        "teacher_absence_id": db.session.scalar(
            sa.select(TeacherAbsence.id).where(TeacherAbsence.school_id == 1)
        ),
        "broadcast_id": broadcast.id,
        "parent_note_id": parent_note.id,
        **record,
    }


def pupil_record_world(klass, student_id, author):
    """A sanction, a support measure with an activity, individual work and a class note of the
    pupil, each with the secret text."""
    from models import ClassNote
    from models import IndividualWork
    from models import Sanction
    from models import SupportActivity
    from models import SupportMeasure

    common = {"school_id": 1, "school_year_id": klass.school_year_id, "class_id": klass.id}
    sanction = Sanction(**common, student_id=student_id, kind=1, order_number="1",
                        order_date=dt.date(2026, 11, 20), start_date=dt.date(2026, 11, 20),
                        description=SECRET_TEXT)  # fmt: skip
    support = SupportMeasure(**common, student_id=student_id, difficulties=[1],
                             start_date=dt.date(2026, 11, 1), end_date=dt.date(2027, 6, 30),
                             description=SECRET_TEXT)  # fmt: skip
    support.activities = [SupportActivity(school_id=1, activity_type=1, target=SECRET_TEXT)]
    work = IndividualWork(**common, student_id=student_id, date=dt.date(2026, 11, 24),
                          activity=SECRET_TEXT, teacher_id=author)  # fmt: skip
    class_note = ClassNote(**common, date=dt.date(2026, 11, 24), text=SECRET_TEXT, author_id=author)
    db.session.add_all([sanction, support, work, class_note])
    db.session.flush()
    return {
        "sanction_id": sanction.id,
        "support_id": support.id,
        "activity_id": support.activities[0].id,
        "work_id": work.id,
        "class_note_id": class_note.id,
    }


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")]


def build(rule, ids):
    values = {arg: ids[arg] for arg in rule.arguments}
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def assert_no_leak(response):
    body = response.get_data(as_text=True)
    assert MARKER.split()[0] not in body
    assert SECRET_TEXT not in body


def walk(client, app, ids, allowed=(403, 404), only_with_args=True, skip=()):
    token = csrf_from(client.get("/staff/password").get_data(as_text=True))
    checked = 0
    for rule in staff_rules(app):
        if only_with_args and not rule.arguments:
            continue
        if rule.endpoint in ("staff.login", "staff.logout", "staff.password", "static", *skip):
            continue
        url = build(rule, ids)
        if "GET" in rule.methods:
            r = client.get(url)
            assert r.status_code in allowed, ("GET", url, r.status_code)
            assert_no_leak(r)
        if "POST" in rule.methods:
            r = client.post(
                url,
                data={
                    "csrf_token": token,
                    "reason": "x",
                    "body": "x",
                    "teacher_id": "0",
                    "kind": "current",
                    "date": "2026-11-25",
                    "g" + str(ids["student_id"]): "5",
                },
            )
            assert r.status_code in allowed, (
                "POST",
                url,
                r.status_code,
                r.get_data(as_text=True)[-600:],
            )
            assert_no_leak(r)
        checked += 1
    return checked


def test_every_staff_route_is_covered(demo_app, world):
    """The walk needs an id for every URL parameter a staff route has (new routes too)."""
    for rule in staff_rules(demo_app):
        for arg in rule.arguments:
            assert arg in world, f"isolation walk has no value for <{arg}> of {rule.rule}"


def test_other_school_admin_gets_403_or_404_everywhere(demo_app, demo_client, world):
    assert login_staff(demo_client, "direktor@sou2.demo.bg").status_code == 302
    assert walk(demo_client, demo_app, world) >= 30
    # and pages without ids show nothing of school 1
    for rule in staff_rules(demo_app):
        if not rule.arguments and "GET" in rule.methods and rule.endpoint != "staff.login":
            r = demo_client.get(rule.rule)
            assert r.status_code in (200, 403), (rule.rule, r.status_code)
            assert_no_leak(r)


def test_other_school_teacher_gets_403_or_404_everywhere(demo_app, demo_client, world):
    assert login_staff(demo_client, "uchitel5@sou2.demo.bg").status_code == 302
    walk(demo_client, demo_app, world)


def test_teacher_without_assignment_gets_403_or_404(demo_app, demo_client, world):
    teacher = db.session.get(StaffUser, world["staff_id"])
    taught = db.session.scalars(
        sa.select(Curriculum.class_id).where(Curriculum.teacher_id == teacher.id)
    ).all()
    assert CLASS_ID not in taught
    assert db.session.get(SchoolClass, CLASS_ID).class_teacher_id != teacher.id
    assert login_staff(demo_client, "uchitel20@sou1.demo.bg").status_code == 302
    walk(demo_client, demo_app, world)


def test_operator_sees_no_pupil_data(demo_app, demo_client, world):
    assert login_staff(demo_client, "operator@belezhnik.local").status_code == 302
    r = demo_client.get("/staff/operator")
    assert r.status_code == 200 and "Училища" in r.get_data(as_text=True)
    assert_no_leak(r)
    walk(demo_client, demo_app, world, skip=("staff.operator_school_active",))
    for rule in staff_rules(demo_app):
        if (
            not rule.arguments
            and "GET" in rule.methods
            and rule.endpoint
            not in (
                "staff.login",
                "staff.operator",
                "staff.password",
            )
        ):
            assert demo_client.get(rule.rule).status_code == 403, rule.rule


def test_anonymous_is_sent_to_sign_in(demo_app, demo_client, world):
    for rule in staff_rules(demo_app):
        if rule.endpoint in ("staff.login", "staff.logout", "staff.password"):
            continue
        if "GET" in rule.methods:
            r = demo_client.get(build(rule, world))
            assert r.status_code == 302, rule.rule
            assert "/staff/login" in r.headers["Location"]


def test_teacher_of_school_1_cannot_use_school_2_session_value(demo_app, demo_client, world):
    """A forged acting-school value in the session grants nothing."""
    assert login_staff(demo_client, "direktor@sou2.demo.bg").status_code == 302
    with demo_client.session_transaction() as session:
        session["staff_school_id"] = 1
    r = demo_client.get(f"/staff/students/{world['student_id']}")
    assert r.status_code == 404
    assert (
        db.session.scalar(
            sa.select(StaffMembership.school_id).where(
                StaffMembership.staff_id
                == db.session.scalar(
                    sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou2.demo.bg")
                )
            )
        )
        == 2
    )
    assert db.session.get(Student, world["student_id"]).school_id == 1


# the pages of one section of the class book (rules.class_book_sections): ПГ, I, V–XII
SECTION_PAGES = {
    "staff.pg_attendance": "attendance",
    "staff.pg_attendance_month": "attendance",
    "staff.pg_results": "pg_results",
    "staff.first_grade_results": "first_grade_result",
    "staff.annual_results": "grade_results",
    "staff.annual_result": "grade_results",
}


def _world_of_section(world, section):
    """``world`` with a class of school 1 whose book has ``section`` and one of its pupils."""
    for klass in db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1).order_by(SchoolClass.id)
    ):
        if klass.school_year_id != world["year_id"] or not rules.has_section(
            klass.grade_level, section
        ):
            continue
        pupil = db.session.scalar(
            sa.select(Enrollment.student_id).where(Enrollment.class_id == klass.id)
        )
        if pupil is not None:
            return {**world, "class_id": klass.id, "student_id": pupil}
    return None


def test_own_admin_opens_every_page(demo_app, demo_client, world):
    """The same walk as the school's own admin: every page renders (no 403/404/500)."""
    assert login_staff(demo_client, "direktor@sou1.demo.bg").status_code == 302
    for rule in staff_rules(demo_app):
        # the admin reads a teacher's conversation with a parent (read-only), but starts one
        # only with the parents of pupils they teach (tested in test_staff_messages.py)
        if "GET" not in rule.methods or rule.endpoint in (
            "staff.login",
            "staff.operator_school_active",
            "staff.operator",
            "staff.thread_new",
            "staff.invitation",  # the invited owner's page, not the admin's (403 for others)
            "staff.note_document",  # a download (the scan of a medical note), not a page
            "staff.class_book_pdf",  # downloads: the class book's PDF and its signed copy
            "staff.class_book_signed",
        ):
            continue
        ids = world
        if rule.endpoint in SECTION_PAGES:  # a page of one class-book type: a class of that type
            ids = _world_of_section(world, SECTION_PAGES[rule.endpoint])
            if ids is None:
                continue  # the small demo has no such class (tested in test_year_results.py)
        url = build(rule, ids)
        r = demo_client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        html = r.get_data(as_text=True)
        assert re.search(r"<title>[^<]+ · Бележник</title>", html), url  # a clean page title
        assert html.count("<h1") == 1, url


def test_operator_switches_a_school_off_and_on(demo_app, demo_client):
    from models import AuditLog
    from models import School

    assert login_staff(demo_client, "operator@belezhnik.local").status_code == 302
    page = demo_client.get("/staff/operator").get_data(as_text=True)
    token = csrf_from(page)
    assert (
        demo_client.post("/staff/operator/schools/2/active", data={"csrf_token": token}).status_code
        == 302
    )
    assert db.session.get(School, 2).active is False
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.object_type == "school")).after == {
        "active": False
    }
    # the staff of a school switched off can no longer work in it
    director = demo_app.test_client()
    assert login_staff(director, "direktor@sou2.demo.bg").status_code == 302
    assert director.get("/staff/").status_code == 403
    demo_client.post("/staff/operator/schools/2/active", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(School, 2).active is True
    assert director.get("/staff/").status_code == 200
