"""Issue 17, the tests schedule: planning контролни and класни within the law's limits (SQLite and
PostgreSQL), the staff pages with CSRF and the clash message, the portal, the calendar feed, the
phone's "coming tests", the notices, the grades that link to a test, and the isolation."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import vobject
from flask import Flask

from gradebook import core
from gradebook import events as events_uc
from gradebook import exams
from gradebook import grades
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import AuditLog
from models import Curriculum
from models import Enrollment
from models import Exam
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import NotifyEvent
from models import OutboxStatus
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import Subject
from models import TimetableSlot
from models import db
from notify import messages as notify_messages
from notify import sms
from tests._helpers import outbox_rows
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

MONDAY = dt.date(2026, 12, 7)  # a school week in the demo year, after "today" (25.11.2026)
PIN = "2580"


def _class_of_level(level: int, school_id: int = 1) -> SchoolClass:
    return db.session.scalars(
        sa.select(SchoolClass)
        .where(SchoolClass.school_id == school_id, SchoolClass.grade_level == level)
        .order_by(SchoolClass.id)
    ).first()


def _curriculum(klass: SchoolClass, subject: str) -> Curriculum:
    return db.session.scalars(
        sa.select(Curriculum)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(Curriculum.class_id == klass.id, Subject.name == subject)
    ).first()


def _days(cur: Curriculum, monday: dt.date = MONDAY) -> list[dt.date]:
    """The days of that week on which the subject is in the class's timetable."""
    weekdays = sorted(
        set(
            db.session.scalars(
                sa.select(TimetableSlot.weekday).where(
                    TimetableSlot.curriculum_id == cur.id, TimetableSlot.weekday <= 5
                )
            )
        )
    )
    return [monday + dt.timedelta(days=w - 1) for w in weekdays]


def _clear(klass: SchoolClass) -> None:
    """The demo's own schedule of the class out of the way."""
    db.session.execute(sa.update(Grade).where(Grade.exam_id.is_not(None)).values(exam_id=None))
    db.session.execute(sa.delete(Exam).where(Exam.class_id == klass.id))
    db.session.commit()


def _teacher(cur: Curriculum) -> core.Actor:
    assert cur.teacher_id is not None
    return core.Actor.load(cur.teacher_id, cur.school_id)


def _setup(level: int = 5) -> tuple[SchoolClass, Curriculum, Curriculum, core.Actor]:
    klass = _class_of_level(level)
    _clear(klass)
    math = _curriculum(klass, "Математика")
    bel = _curriculum(klass, "Български език и литература")
    return klass, math, bel, _teacher(math)


def _admin(school_id: int = 1) -> core.Actor:
    director = db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == f"direktor@sou{school_id}.demo.bg")
    )
    return core.Actor.load(director, school_id)


# --- use-cases, SQLite and PostgreSQL ---------------------------------------------------------
def test_planning_keeps_the_limits_and_names_the_clash(school_app: Flask) -> None:
    klass, math, bel, teacher = _setup()
    admin = _admin()
    day = _days(math)[0]
    exam = exams.save_exam(
        teacher, curriculum_id=math.id, kind="control", date=day, description="Дроби"
    )
    assert exam.kind.code == 1 and exam.date == day and exam.author_id == teacher.staff_id
    assert db.session.scalar(
        sa.select(AuditLog.id).where(
            AuditLog.object_type == "exam",
            AuditLog.object_id == exam.id,
            AuditLog.action == "create",
        )
    )
    # parents are told by their preference (the outbox), of kind EXAM
    rows = outbox_rows("exam", exam.id)
    assert rows and {r.event_type for r in rows} == {NotifyEvent.EXAM}
    # the same day, another subject: refused, naming the class, the day and the test
    bel_same_day = [d for d in _days(bel) if d == day]
    target = bel_same_day[0] if bel_same_day else day
    with pytest.raises(core.Invalid) as clash:
        exams.save_exam(admin, curriculum_id=(bel if bel_same_day else math).id, kind="classwork",
                        date=target)  # fmt: skip
    text = clash.value.message_bg
    assert f"Паралелката на {klass.name}" in text and day.strftime("%d.%m.%Y") in text
    assert "контролна работа по математика" in text and "най-много една" in text
    # a second test that week on another day is fine, a third is not
    others = [d for d in _days(bel) if d != day] or [d for d in _days(math) if d != day]
    second = exams.save_exam(
        admin, curriculum_id=(bel if _days(bel) != [day] else math).id, kind="control",
        date=others[0],
    )  # fmt: skip
    third_days = [d for cur in (math, bel) for d in _days(cur) if d not in (day, second.date)]
    if third_days:
        third_cur = math if third_days[0] in _days(math) else bel
        with pytest.raises(core.Invalid) as week:
            exams.save_exam(admin, curriculum_id=third_cur.id, kind="control", date=third_days[0])
        assert "най-много 2 в учебна седмица" in week.value.message_bg
    # the next week is a new week
    assert exams.save_exam(teacher, curriculum_id=math.id, kind="control",
                           date=day + dt.timedelta(days=7))  # fmt: skip


def test_the_timetable_the_calendar_and_the_month_lock(school_app: Flask) -> None:
    klass, math, _bel, teacher = _setup()
    taught = {d.isoweekday() for d in _days(math)}
    free = [MONDAY + dt.timedelta(days=i) for i in range(5) if i + 1 not in taught]
    if free:
        with pytest.raises(core.Invalid) as no_lesson:
            exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=free[0])
        assert "няма час по Математика" in no_lesson.value.message_bg
    with pytest.raises(core.Invalid) as saturday:
        exams.save_exam(
            teacher, curriculum_id=math.id, kind="control", date=MONDAY + dt.timedelta(days=5)
        )
    assert "събота" in saturday.value.message_bg
    with pytest.raises(core.Invalid) as period:
        exams.save_exam(
            teacher, curriculum_id=math.id, kind="control", date=_days(math)[0], period="14"
        )
    assert "period" in period.value.errors
    with pytest.raises(core.Invalid):
        exams.save_exam(teacher, curriculum_id=math.id, kind="test", date=_days(math)[0])
    # weeks ahead is the point (no future lock); a locked past month is refused
    year = db.session.get(SchoolYear, klass.school_year_id)
    year.month_lock_day = 5
    year.future_entry_lock = True
    db.session.commit()
    far = _days(math, MONDAY + dt.timedelta(days=63))[0]
    assert exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=far)
    october = _days(math, dt.date(2026, 10, 12))[0]
    with pytest.raises(core.Locked):
        exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=october)


def test_a_class_work_not_in_the_last_week_of_the_term(school_app: Flask) -> None:
    klass, math, _bel, teacher = _setup()
    year = db.session.get(SchoolYear, klass.school_year_id)
    last = exams._term_last_school_day(year, klass, year.term2_starts_on - dt.timedelta(days=1))
    assert last < year.term2_starts_on and last.isoweekday() <= 5
    days = _days(math, last - dt.timedelta(days=last.isoweekday() - 1))
    days = [d for d in days if d <= last]
    with pytest.raises(core.Invalid) as late:
        exams.save_exam(teacher, curriculum_id=math.id, kind="classwork", date=days[-1])
    assert "последната седмица на учебния срок" in late.value.message_bg


def test_moving_and_calling_off_with_a_reason(school_app: Flask) -> None:
    klass, math, _bel, teacher = _setup()
    first, *rest = _days(math)
    exam = exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=first)
    with pytest.raises(core.Invalid):  # a reason is required
        exams.save_exam(teacher, curriculum_id=math.id, kind=None, date=first + dt.timedelta(days=7),
                        exam_id=exam.id, version=exam.version, reason="")  # fmt: skip
    with pytest.raises(core.Invalid):  # the kind stays (as in the Ministry's diary)
        exams.save_exam(teacher, curriculum_id=math.id, kind="classwork", date=first,
                        exam_id=exam.id, version=exam.version, reason="друг вид")  # fmt: skip
    moved = exams.save_exam(teacher, curriculum_id=math.id, kind=None,
                            date=first + dt.timedelta(days=7), exam_id=exam.id,
                            version=exam.version, reason="Екскурзия")  # fmt: skip
    assert moved.date == first + dt.timedelta(days=7)
    with pytest.raises(core.Invalid):
        exams.delete_exam(teacher, exam.id, reason="", version=moved.version)
    exams.delete_exam(teacher, exam.id, reason="Болен учител", version=moved.version)
    db.session.expire_all()
    assert db.session.get(Exam, exam.id) is None
    statuses = {r.status for r in outbox_rows("exam", exam.id)}
    assert statuses == {OutboxStatus.CANCELLED}  # nothing pending is sent of a test called off
    assert not outbox_rows("exam-off", exam.id)  # nobody had been told yet
    gone = db.session.scalar(
        sa.select(AuditLog).where(AuditLog.object_type == "exam", AuditLog.action == "delete")
    )
    assert gone.reason == "Болен учител"


def test_a_grade_of_the_test_links_to_it_and_is_counted(school_app: Flask) -> None:
    klass, math, _bel, teacher = _setup()
    monday = dt.date(2026, 11, 23)  # this week: the test was written on Monday or so
    day = next(d for d in _days(math, monday) if d <= dt.date(2026, 11, 25))
    exam = exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=day)
    assert not outbox_rows("exam", exam.id)  # a past test is recorded, not announced
    pupils = list(
        db.session.scalars(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id == klass.id, Enrollment.left_on.is_(None)
            )
        )
    )[:2]
    saved = grades.save_grade_column(
        teacher, math.id, kind="control", date=day, values={p: "5" for p in pupils}
    )
    assert {g.exam_id for g in saved} == {exam.id}
    current = grades.save_grade_column(teacher, math.id, kind="current", date=day,
                                       values={pupils[0]: "4"})  # fmt: skip
    assert current[0].exam_id is None
    _klass, listed = exams.class_schedule(teacher, klass.id, monday, monday + dt.timedelta(days=6))
    assert [(e.id, e.grades) for e in listed] == [(exam.id, 2)]
    # moving the test lets its grades go; calling it off keeps them, unlinked
    exams.delete_exam(teacher, exam.id, reason="грешна дата", version=exam.version)
    db.session.expire_all()
    assert all(db.session.get(Grade, g.id).exam_id is None for g in saved)


# --- notices ------------------------------------------------------------------------------------
def test_the_sms_fits_one_segment_and_reads_well() -> None:
    payload = {
        "student": "Александра",
        "title": "класна работа по български език и литература",
        "date": "2026-12-09",
        "period": 3,
    }
    line = notify_messages.line(NotifyEvent.EXAM, payload)
    assert line == "Александра: класна работа по български език и литература на 09.12, 3. час"
    text = notify_messages.sms_text(NotifyEvent.EXAM, payload, latin=True)
    assert sms.segments(text)[1] == 1
    off = notify_messages.line(NotifyEvent.EXAM, {**payload, "cancelled": True})
    assert off.startswith("Александра: ОТМЕНЕНА класна работа")
    assert notify_messages.EVENT_LABELS_BG[NotifyEvent.EXAM] == "Контролни и класни работи"


def test_events_no_longer_hold_tests(demo_app: Flask) -> None:
    klass = _class_of_level(5)
    with pytest.raises(core.Invalid) as refused:
        events_uc.save_event(_admin(), kind="test", title="Контролна", date="2026-12-10",
                             class_id=klass.id)  # fmt: skip
    assert "графика" in refused.value.errors["kind"]


# --- the staff web ------------------------------------------------------------------------------
def test_the_staff_pages_plan_and_show_the_clash(demo_client) -> None:  # type: ignore[no-untyped-def]
    klass, math, bel, _teacher_actor = _setup()
    teacher = db.session.get(StaffUser, math.teacher_id)
    login_staff(demo_client, teacher.email)
    day = _days(math)[0]
    data = {"curriculum_id": math.id, "kind": "control", "date": day.isoformat(), "period": "",
            "description": "Дроби"}  # fmt: skip
    # without the CSRF token: refused
    assert demo_client.post("/staff/exams/new", data=data).status_code == 400
    r = form_post(demo_client, "/staff/exams/new", data)
    assert r.status_code == 302
    exam = db.session.scalars(sa.select(Exam).where(Exam.class_id == klass.id)).one()
    page = demo_client.get(f"/staff/exams?class_id={klass.id}&month=2026-12").get_data(as_text=True)
    assert "Дроби" in page and "контролна работа" in page
    # the same day again: the page says why, naming the clash, and keeps what was typed
    r = form_post(demo_client, "/staff/exams/new", {**data, "description": "Още една"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "вече има контролна или класна работа" in html and "Още една" in html
    # editing: the form, then a reason-less delete is refused, a reasoned one done
    edit = demo_client.get(f"/staff/exams/{exam.id}/edit")
    assert edit.status_code == 200
    token = csrf_from(edit.get_data(as_text=True))
    r = demo_client.post(f"/staff/exams/{exam.id}/delete",
                         data={"csrf_token": token, "reason": "", "version": exam.version})  # fmt: skip
    assert r.status_code == 302 and db.session.get(Exam, exam.id) is not None
    r = demo_client.post(f"/staff/exams/{exam.id}/delete",
                         data={"csrf_token": token, "reason": "Отменена", "version": exam.version})  # fmt: skip
    db.session.expire_all()
    assert r.status_code == 302 and db.session.get(Exam, exam.id) is None


def test_the_class_teacher_sees_the_whole_class(demo_client) -> None:  # type: ignore[no-untyped-def]
    klass, math, bel, teacher = _setup()
    exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=_days(math)[0])
    class_teacher = db.session.get(StaffUser, klass.class_teacher_id)
    login_staff(demo_client, class_teacher.email)
    page = demo_client.get(f"/staff/exams?class_id={klass.id}&month=2026-12").get_data(as_text=True)
    assert "Математика" in page


# --- isolation ----------------------------------------------------------------------------------
def test_isolation(demo_client) -> None:  # type: ignore[no-untyped-def]
    klass, math, bel, teacher = _setup()
    exam = exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=_days(math)[0])
    # a teacher of another curriculum row (who does not teach maths here) may not plan or change
    other = db.session.scalars(
        sa.select(Curriculum).where(
            Curriculum.school_id == 1,
            Curriculum.teacher_id.is_not(None),
            Curriculum.teacher_id != math.teacher_id,
        )
    ).first()
    stranger = _teacher(other)
    if math.id not in stranger.curriculum_ids:
        with pytest.raises(core.Forbidden):
            exams.save_exam(
                stranger,
                curriculum_id=math.id,
                kind="control",
                date=_days(math)[1 % len(_days(math))],
            )
        with pytest.raises(core.Forbidden):
            exams.delete_exam(stranger, exam.id, reason="x", version=exam.version)
    # another school's director: the test does not exist for them
    foreign = _admin(2)
    with pytest.raises(core.NotFound):
        exams.delete_exam(foreign, exam.id, reason="x", version=exam.version)
    with pytest.raises(core.NotFound):
        exams.save_exam(foreign, curriculum_id=math.id, kind="control", date=_days(math)[0])
    login_staff(demo_client, "direktor@sou2.demo.bg")
    assert demo_client.get(f"/staff/exams/{exam.id}/edit").status_code == 404
    assert demo_client.get(f"/staff/exams?class_id={klass.id}").status_code == 404
    # a parent of a child of another class does not see it
    outsider = db.session.scalars(
        sa.select(Guardian)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .join(Enrollment, Enrollment.student_id == GuardianStudent.student_id)
        .where(Enrollment.class_id != klass.id, GuardianStudent.school_id == 1)
    ).first()
    from portal.children import children
    from portal.events import coming

    for ctx in children(outsider.id):
        if ctx.school_class is not None and ctx.school_class.id != klass.id:
            assert not [i for i in coming(ctx, dt.date(2026, 11, 25)) if i["type"] == "exam"
                        and i["id"] == exam.id]  # fmt: skip


# --- parents: the portal, the calendar feed, the phone -----------------------------------------
def _parent_of(klass: SchoolClass) -> tuple[Guardian, int]:
    row = db.session.execute(
        sa.select(Guardian, GuardianStudent.student_id)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .join(Enrollment, Enrollment.student_id == GuardianStudent.student_id)
        .where(Enrollment.class_id == klass.id, Guardian.password_hash.is_not(None))
        .order_by(Guardian.id)
    ).first()
    return row[0], row[1]


def test_parents_see_it_in_the_portal_and_the_calendar(demo_client) -> None:  # type: ignore[no-untyped-def]
    klass, math, bel, teacher = _setup()
    day = _days(math)[0]
    exam = exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=day, period=None)
    parent, student_id = _parent_of(klass)
    r = form_post(demo_client, "/login", {"email": parent.email, "password": "demo1234"})
    assert r.status_code == 302
    page = demo_client.get(f"/child/{student_id}").get_data(as_text=True)
    assert "Контролна работа по математика" in page
    form_post(demo_client, "/calendar", {}, post_url="/calendar/regenerate")
    db.session.expire_all()
    token = db.session.get(Guardian, parent.id).ical_token
    feed = demo_client.get(f"/calendar/{token}.ics").get_data(as_text=True)
    calendar = vobject.readOne(feed)
    mine = [e for e in calendar.vevent_list if e.uid.value.startswith(f"exam-{exam.id}@")]
    assert len(mine) == 1
    assert (
        mine[0].dtstart.value == day and "Контролна работа по математика" in mine[0].summary.value
    )


def test_the_phone_reads_the_coming_tests(demo_app: Flask) -> None:
    klass, math, bel, teacher = _setup()
    exams.save_exam(teacher, curriculum_id=math.id, kind="control", date=_days(math)[0])
    parent, student_id = _parent_of(klass)
    call = PhoneCall(FlaskTransport(demo_app), from_number=parent.phone)
    call.start()
    turn = call.press(PIN + "#")
    from models import Student

    child = db.session.get(Student, student_id)
    if any(line.startswith(f"За {child.first_name} натиснете ") for line in turn.said):
        key = next(  # several children: pick this one
            line.split(" натиснете ")[1]
            for line in turn.said
            if line.startswith(f"За {child.first_name} натиснете ")
        )
        turn = call.press(str(["едно", "две", "три", "четири"].index(key.rstrip(".")) + 1))
    turn = call.press("5")
    assert any("контролна работа по математика" in line for line in turn.said), turn.said
    assert not any(ch.isdigit() for line in turn.said for ch in line)


def test_the_migration_moves_test_events_into_the_schedule(demo_app: Flask) -> None:
    """Migration 0010: an event of kind test/classwork of a class and a subject taught to it
    becomes a planned test of that curriculum row; one without a subject stays an event."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from models import Event
    from models import EventKind

    klass = _class_of_level(5)
    math = _curriculum(klass, "Математика")
    day = _days(math)[0]
    moved = Event(school_id=1, school_year_id=klass.school_year_id, class_id=klass.id,
                  subject_id=math.subject_id, kind=EventKind.CLASSWORK, title="Класна",
                  description="Дроби", date=day)  # fmt: skip
    kept = Event(school_id=1, school_year_id=klass.school_year_id, class_id=klass.id,
                 subject_id=None, kind=EventKind.TEST, title="Тест", date=day)  # fmt: skip
    db.session.add_all([moved, kept])
    db.session.commit()
    moved_id, kept_id = moved.id, kept.id
    path = Path(__file__).resolve().parent.parent / "migrations/versions/0010_tests_schedule.py"
    spec = importlib.util.spec_from_file_location("m0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            module._move_test_events()
    db.session.expire_all()
    assert db.session.get(Event, moved_id) is None and db.session.get(Event, kept_id) is not None
    exam = db.session.scalars(
        sa.select(Exam).where(Exam.class_id == klass.id, Exam.description == "Класна: Дроби")
    ).one()
    assert exam.kind.value == "classwork" and exam.curriculum_id == math.id and exam.date == day
