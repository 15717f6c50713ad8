"""Lesson topics and topic plans: the lesson page saving register and topics in one press, the
next planned topic, editing and removing topics, the locks and the school-day rule, the plan pages,
the director's list of held lessons without a topic, the reports, and attacks with another
school's or another teacher's ids (SQLite demo, Wednesday 25.11.2026 10:00; the use-cases also on
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gradebook import core
from gradebook import topics
from gradebook.lessons import find_lesson
from models import Absence
from models import AuditLog
from models import Curriculum
from models import Lesson
from models import LessonTopic
from models import NonSchoolDay
from models import PlanTopic
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import TimetableSlot
from models import db
from tests.conftest import TODAY
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

NOW = dt.time(10, 0)


def later_slot(school_id: int = 1, weekday: int = 3) -> TimetableSlot:
    """A lesson of today (Wednesday) that has not been held yet at 10:00 (period 5 or later)."""
    return db.session.scalar(
        sa.select(TimetableSlot)
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.shift == 1,
            TimetableSlot.weekday == weekday,
            TimetableSlot.period >= 5,
            TimetableSlot.term.is_(None) | (TimetableSlot.term == 1),
            TimetableSlot.teacher_id.is_not(None),
        )
        .order_by(TimetableSlot.id)
    )


def plan_ids(curriculum_id: int) -> list[int]:
    return [
        p.id
        for p in topics.plan_of(db.session.get(Curriculum, curriculum_id).school_id, curriculum_id)
    ]


def topic_rows(slot: TimetableSlot, day: dt.date = TODAY) -> list[tuple[str, int | None]]:
    return [(t.title, t.plan_topic_id) for t in topics.lesson_topics(find_lesson(slot, day))]


def audits(action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.object_type == "lesson_topic", AuditLog.action == action
        )
    )


def lesson_url(slot: TimetableSlot, day: dt.date = TODAY) -> str:
    return f"/staff/lesson/{slot.id}?date={day.isoformat()}"


def post_lesson(client, slot, data, day: dt.date = TODAY):
    return form_post(
        client, lesson_url(slot, day), {"date": day.isoformat(), "topics_form": "1", **data}
    )


# --- the lesson page -----------------------------------------------------------------------------
def test_the_lesson_page_offers_the_next_planned_topic(demo_client):
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    upcoming = topics.next_planned(1, slot.curriculum_id)
    assert upcoming is not None
    # the demo took the plan in order: the next topic is the first not used in that row's lessons
    used = topics.used_plan_topics(1, slot.curriculum_id)
    assert upcoming.id not in used
    assert all(
        p.id in used for p in topics.plan_of(1, slot.curriculum_id) if p.number < upcoming.number
    )
    html = demo_client.get(lesson_url(slot)).get_data(as_text=True)
    assert "Тема на урока" in html
    assert re.search(rf'<option value="{upcoming.id}" selected>', html)
    assert 'name="topic_title0"' in html and 'name="absent' in html


def test_one_save_writes_register_and_topics_then_edits_and_removes(demo_client):
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    upcoming = topics.next_planned(1, slot.curriculum_id)
    sid = core.active_enrollments(slot.class_id)[0].student_id
    created = audits("create")
    r = post_lesson(
        demo_client,
        slot,
        {
            f"absent{sid}": "1",
            "topic_plan0": str(upcoming.id),
            "topic_title0": "",
            "topic_title1": "  Работа с   учебника ",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-800:]
    assert topic_rows(slot) == [(upcoming.title, upcoming.id), ("Работа с учебника", None)]
    assert db.session.scalar(
        sa.select(Absence.id).where(
            Absence.student_id == sid, Absence.date == TODAY, Absence.period == slot.period
        )
    )
    assert audits("create") == created + 2
    page = demo_client.get(lesson_url(slot)).get_data(as_text=True)
    assert "Работа с учебника" in page and "Теми: нови 2" in page
    # now the plan offers the topic after it
    assert topics.next_planned(1, slot.curriculum_id).number > upcoming.number
    # later: the first topic rewritten as free text, the second taken back
    r = post_lesson(demo_client, slot, {f"absent{sid}": "1", "topic_title0": "Дроби — преговор"})
    assert r.status_code == 302
    assert topic_rows(slot) == [("Дроби — преговор", None)]
    assert audits("update") >= 1 and audits("delete") >= 1
    # every topic removed: the lesson has none
    r = post_lesson(demo_client, slot, {f"absent{sid}": "1"})
    assert r.status_code == 302 and topic_rows(slot) == []


def test_a_bad_topic_saves_nothing_not_even_the_register(demo_client):
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    sid = core.active_enrollments(slot.class_id)[0].student_id
    before = topic_rows(slot)
    r = post_lesson(demo_client, slot, {f"absent{sid}": "1", "topic_title0": "а" * 1001})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Най-много 1000 знака (сега 1001)" in html
    assert 'aria-invalid="true"' in html
    assert not db.session.scalar(
        sa.select(Absence.id).where(
            Absence.student_id == sid, Absence.date == TODAY, Absence.period == slot.period
        )
    )
    assert topic_rows(slot) == before  # (the demo may hold a lesson row of its own already)


def test_a_plan_topic_of_another_subject_or_school_is_refused(demo_client):
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    other_row = db.session.scalar(
        sa.select(Curriculum.id).where(
            Curriculum.class_id == slot.class_id, Curriculum.id != slot.curriculum_id
        )
    )
    other_school = db.session.scalar(sa.select(PlanTopic.id).where(PlanTopic.school_id == 2))
    for foreign in (plan_ids(other_row)[0], other_school, 10**25):
        r = post_lesson(demo_client, slot, {"topic_plan0": str(foreign)})
        assert r.status_code == 422, foreign
        assert "Изберете тема от разпределението на този предмет и клас." in r.get_data(
            as_text=True
        )
    assert topic_rows(slot) == []


def test_the_register_without_the_topics_part_keeps_the_topics(demo_client):
    """An older form (or a client) that posts only the register does not touch the topics."""
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    assert post_lesson(demo_client, slot, {"topic_title0": "Собствена тема"}).status_code == 302
    r = form_post(demo_client, lesson_url(slot), {"date": TODAY.isoformat()})
    assert r.status_code == 302 and topic_rows(slot) == [("Собствена тема", None)]


def test_topics_respect_the_locks_and_the_school_day(demo_client):
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    future = TODAY + dt.timedelta(days=7)
    r = post_lesson(demo_client, slot, {"topic_title0": "Тема"}, future)
    assert r.status_code == 409 and "бъдеща дата" in r.get_data(as_text=True)
    year = db.session.get(SchoolYear, db.session.get(SchoolClass, slot.class_id).school_year_id)
    year.month_lock_day = 5
    db.session.commit()
    october = TODAY - dt.timedelta(days=42)  # Wednesday 14.10.2026
    r = post_lesson(demo_client, slot, {"topic_title0": "Тема"}, october)
    assert r.status_code == 409
    # a holiday on a Wednesday of the class
    holiday = TODAY - dt.timedelta(days=14)
    db.session.add(
        NonSchoolDay(
            school_year_id=year.id, date_from=holiday, date_to=holiday, name="Ден на будителите"
        )
    )
    db.session.commit()
    r = post_lesson(demo_client, slot, {"topic_title0": "Тема"}, holiday)
    assert r.status_code == 422 and "Ден на будителите" in r.get_data(as_text=True)
    assert topic_rows(slot, future) == [] and topic_rows(slot, october)[:1] != [("Тема", None)]


def test_a_teacher_of_another_class_and_another_school_cannot_write_topics(demo_app, demo_client):
    slot = later_slot()
    involved = set(
        db.session.scalars(
            sa.select(Curriculum.teacher_id).where(Curriculum.class_id == slot.class_id)
        )
    )
    involved |= {db.session.get(SchoolClass, slot.class_id).class_teacher_id}
    stranger = db.session.scalar(
        sa.select(StaffUser)
        .where(StaffUser.email.like("uchitel%@sou1.demo.bg"), StaffUser.id.not_in(involved))
        .order_by(StaffUser.id)
    )
    actor = core.Actor.load(stranger.id, 1)
    with pytest.raises(core.Forbidden):
        topics.save_lesson_topics(actor, slot.id, date=TODAY, topics=[("Тема", None)])
    other_school = core.Actor.load(
        db.session.scalar(
            sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou2.demo.bg")
        ),
        2,
    )
    with pytest.raises(core.NotFound):
        topics.save_lesson_topics(other_school, slot.id, date=TODAY, topics=[("Тема", None)])
    login_staff(demo_client, stranger.email)
    token = csrf_from(demo_client.get("/staff/password").get_data(as_text=True))
    r = demo_client.post(
        lesson_url(slot),
        data={
            "csrf_token": token,
            "date": TODAY.isoformat(),
            "topics_form": "1",
            "topic_title0": "x",
        },
    )
    assert r.status_code == 403
    assert topic_rows(slot) == []


def test_the_form_without_csrf_is_refused(demo_client):
    slot = later_slot()
    login_staff(demo_client, slot.teacher.email)
    r = demo_client.post(
        lesson_url(slot), data={"date": TODAY.isoformat(), "topics_form": "1", "topic_title0": "x"}
    )
    assert r.status_code == 400 and topic_rows(slot) == []


# --- plans ---------------------------------------------------------------------------------------
def test_the_teacher_keeps_the_plan_by_hand(demo_client):
    slot = later_slot()
    curriculum = db.session.get(Curriculum, slot.curriculum_id)
    login_staff(demo_client, curriculum.teacher.email)
    url = f"/staff/curricula/{curriculum.id}/plan"
    page = demo_client.get(url).get_data(as_text=True)
    assert "Тематично разпределение" in page and "Входно ниво" in page
    last = topics.plan_of(1, curriculum.id)[-1].number
    r = form_post(
        demo_client, url, {"number": str(last + 1), "title": "Извънпланов урок", "note": ""}
    )
    assert r.status_code == 302
    row = db.session.scalar(
        sa.select(PlanTopic).where(
            PlanTopic.curriculum_id == curriculum.id, PlanTopic.number == last + 1
        )
    )
    assert row.title == "Извънпланов урок"
    r = form_post(demo_client, url, {"number": str(last + 1), "title": "Пак", "note": ""})
    assert r.status_code == 422 and f"вече има тема № {last + 1}" in r.get_data(as_text=True)
    r = form_post(demo_client, url, {"number": "0", "title": "", "note": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "от 1 до 1000" in html and "Въведете заглавие" in html
    edit = f"/staff/plan-topics/{row.id}"
    assert (
        form_post(
            demo_client,
            edit,
            {"number": str(last + 2), "title": "Урок навън", "note": "при хубаво време"},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (row.number, row.title, row.note) == (last + 2, "Урок навън", "при хубаво време")
    r = form_post(demo_client, edit, {}, post_url=f"{edit}/delete")
    assert r.status_code == 302 and db.session.get(PlanTopic, row.id) is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(AuditLog.object_type == "plan_topic")
        )
        == 3
    )


def test_a_lesson_keeps_its_topic_when_the_plan_row_goes(school_app):
    """On SQLite and PostgreSQL: a topic taken from the plan, the plan row deleted by an admin."""
    with school_app.app_context():
        slot = later_slot(
            school_id=db.session.scalar(sa.select(SchoolClass.school_id).order_by(SchoolClass.id))
        )
        school_id = slot.school_id
        teacher = core.Actor.load(slot.teacher_id, school_id)
        upcoming = topics.next_planned(school_id, slot.curriculum_id)
        counts = topics.save_lesson_topics(teacher, slot.id, date=TODAY, topics=[("", upcoming.id)])
        assert counts == {"created": 1, "updated": 0, "deleted": 0}
        assert topics.next_planned(school_id, slot.curriculum_id).id != upcoming.id
        admin_id = db.session.scalar(
            sa.select(StaffUser.id).where(StaffUser.email.like("direktor@%")).order_by(StaffUser.id)
        )
        topics.delete_plan_topic(core.Actor.load(admin_id, school_id), upcoming.id)
        assert topic_rows(slot) == [(upcoming.title, None)]
        again = topics.save_lesson_topics(
            teacher, slot.id, date=TODAY, topics=[(upcoming.title, None)]
        )
        assert again == {"created": 0, "updated": 0, "deleted": 0}


def test_only_the_subjects_teacher_and_admins_edit_a_plan(demo_client):
    slot = later_slot()
    curriculum = db.session.get(Curriculum, slot.curriculum_id)
    other = db.session.scalar(
        sa.select(StaffUser)
        .join(Curriculum, Curriculum.teacher_id == StaffUser.id)
        .where(Curriculum.class_id == curriculum.class_id, StaffUser.id != curriculum.teacher_id)
    )
    actor = core.Actor.load(other.id, 1)
    with pytest.raises(core.Forbidden):
        topics.add_plan_topic(actor, curriculum.id, number=900, title="Чужда")
    with pytest.raises(core.Forbidden):
        topics.edit_plan_topic(actor, plan_ids(curriculum.id)[0], number=1, title="Чужда")
    login_staff(demo_client, other.email)
    # a teacher of the class may read the plan, not change it
    page = demo_client.get(f"/staff/curricula/{curriculum.id}/plan").get_data(as_text=True)
    assert "Нова тема" not in page
    assert demo_client.get(f"/staff/plan-topics/{plan_ids(curriculum.id)[0]}").status_code == 403
    token = (
        csrf_from(page)
        if "csrf_token" in page
        else csrf_from(demo_client.get("/staff/password").get_data(as_text=True))
    )
    r = demo_client.post(
        f"/staff/curricula/{curriculum.id}/plan",
        data={"csrf_token": token, "number": "900", "title": "x"},
    )
    assert r.status_code == 403
    other_school_curriculum = db.session.scalar(
        sa.select(Curriculum.id).where(Curriculum.school_id == 2)
    )
    assert demo_client.get(f"/staff/curricula/{other_school_curriculum}/plan").status_code == 404
    assert not db.session.scalar(sa.select(PlanTopic.id).where(PlanTopic.number == 900))


# --- held lessons without a topic ----------------------------------------------------------------
def test_the_director_sees_the_held_lessons_without_a_topic(demo_client):
    assert topics.missing_topics(1, TODAY, NOW) == []  # the demo wrote a topic for every one
    held = db.session.scalar(
        sa.select(Lesson)
        .where(Lesson.school_id == 1, Lesson.date == TODAY - dt.timedelta(days=1))
        .order_by(Lesson.id)
    )
    db.session.execute(sa.delete(LessonTopic).where(LessonTopic.lesson_id == held.id))
    db.session.commit()
    missing = topics.missing_topics(1, TODAY, NOW)
    assert [(m.slot_id, m.date) for m in missing] == [(held.slot_id, held.date)]
    # a lesson later today is not held yet at 10:00, and held at 23:00
    slot = later_slot()
    assert (slot.id, TODAY) not in {(m.slot_id, m.date) for m in missing}
    assert (slot.id, TODAY) in {
        (m.slot_id, m.date) for m in topics.missing_topics(1, TODAY, dt.time(23, 0))
    }
    login_staff(demo_client, "direktor@sou1.demo.bg")
    home = demo_client.get("/staff/").get_data(as_text=True)
    assert "Проведени часове без тема: 1" in home
    page = demo_client.get("/staff/topics/missing").get_data(as_text=True)
    assert f"/staff/lesson/{held.slot_id}?date={held.date.isoformat()}" in page
    assert "Общо: 1" in page
    login_staff(demo_client, later_slot().teacher.email)
    assert demo_client.get("/staff/topics/missing").status_code == 403


def test_the_reports_of_topics(demo_client):
    login_staff(demo_client, "direktor@sou1.demo.bg")
    slot = later_slot()
    page = demo_client.get(f"/onboarding/reports/topics?class_id={slot.class_id}").get_data(
        as_text=True
    )
    assert "Теми на уроците по предмети" in page and "Входно ниво" in page
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        r = demo_client.get(f"/onboarding/reports/topics?class_id={slot.class_id}&format={fmt}")
        assert r.status_code == 200 and kind in r.content_type
    r = demo_client.get("/onboarding/reports/missing-topics?format=csv")
    assert r.status_code == 200
    other = db.session.scalar(sa.select(SchoolClass.id).where(SchoolClass.school_id == 2))
    assert demo_client.get(f"/onboarding/reports/topics?class_id={other}").status_code == 404
    # a class teacher: the topics of their own class, not the school's list without topics
    klass = db.session.get(SchoolClass, slot.class_id)
    login_staff(demo_client, klass.class_teacher.email)
    assert demo_client.get(f"/onboarding/reports/topics?class_id={klass.id}").status_code == 200
    assert (
        demo_client.get(f"/onboarding/reports/missing-topics?class_id={klass.id}").status_code
        == 403
    )
