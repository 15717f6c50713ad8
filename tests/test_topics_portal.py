"""The portal's diary by day: a week of the child's school days, each lesson with its subject and
topics; another family's child is 404 by every URL (SQLite demo, Wednesday 25.11.2026)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import Enrollment
from models import Lesson
from models import LessonTopic
from models import NonSchoolDay
from models import Student
from models import db
from portal import days
from tests.conftest import TODAY
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"


def test_the_week_shows_each_lesson_with_its_topics(demo_client):
    login(demo_client, ME)
    sid = child_ids(ME)[0]
    student = db.session.get(Student, sid)
    class_id = db.session.scalar(sa.select(Enrollment.class_id).where(Enrollment.student_id == sid))
    lesson = db.session.scalar(
        sa.select(Lesson)
        .join(LessonTopic, LessonTopic.lesson_id == Lesson.id)
        .where(Lesson.date == TODAY - dt.timedelta(days=1), Lesson.class_id == class_id)
        .order_by(Lesson.period)
    )
    assert lesson is not None, "the demo has topics for yesterday's lessons"
    topic = db.session.scalar(
        sa.select(LessonTopic.title).where(LessonTopic.lesson_id == lesson.id)
    )
    page = demo_client.get(f"/child/{sid}/days")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Дневник по дни" in html
    assert "Вторник, 24.11.2026" in html and "Сряда, 25.11.2026" in html and "днес" in html
    assert topic in html
    assert student.first_name in html
    # the week before, and a week named by any of its days
    before = demo_client.get(f"/child/{sid}/days?week=2026-11-18").get_data(as_text=True)
    assert "Понеделник, 16.11.2026" in before and "Петък, 20.11.2026" in before
    assert demo_client.get(f"/child/{sid}/days?week=не-е-дата").status_code == 200
    assert "Дневник по дни" in demo_client.get(f"/child/{sid}").get_data(as_text=True)


def test_a_holiday_and_future_lessons(demo_app):
    sid = child_ids(ME)[0]
    from portal.children import children

    ctx = next(c for c in children(guardian(ME).id) if c.id == sid)
    db.session.add(
        NonSchoolDay(
            school_year_id=ctx.school_year.id, date_from=TODAY, date_to=TODAY, name="Ден на изпит"
        )
    )
    db.session.commit()
    week = days.week(ctx, days.week_start(TODAY.isoformat(), TODAY), TODAY)
    wednesday = next(d for d in week["days"] if d["date"] == TODAY)
    assert wednesday["off"] == "Ден на изпит" and wednesday["lessons"] == []
    thursday = next(d for d in week["days"] if d["date"] == TODAY + dt.timedelta(days=1))
    assert thursday["lessons"] and all(
        not e["topics"] and e["lesson_id"] is None for e in thursday["lessons"]
    )
    assert [e["period"] for e in thursday["lessons"]] == sorted(
        e["period"] for e in thursday["lessons"]
    )


def test_another_childs_days_are_404(demo_client):
    login(demo_client, ME)
    mine = set(child_ids(ME))
    for school_id in (1, 2):
        stranger = db.session.scalar(
            sa.select(Student.id)
            .where(Student.school_id == school_id, Student.id.not_in(mine))
            .order_by(Student.id.desc())
        )
        assert demo_client.get(f"/child/{stranger}/days").status_code == 404
        assert demo_client.get(f"/child/{stranger}/days?week=2026-11-18").status_code == 404
    assert demo_client.get("/child/999999/days").status_code == 404


def test_the_week_shows_the_homework_given_in_each_lesson(demo_client):
    """The diary by day lists, under each lesson, the homework given in it (portal/homework.py)."""
    from models import Homework

    login(demo_client, ME)
    sid = child_ids(ME)[0]
    class_id = db.session.scalar(sa.select(Enrollment.class_id).where(Enrollment.student_id == sid))
    given = db.session.execute(
        sa.select(Homework.text, Lesson.date)
        .join(Lesson, Lesson.id == Homework.lesson_id)
        .where(Homework.class_id == class_id)
        .order_by(Lesson.date.desc())
    ).first()
    assert given is not None, "the demo gives homework in the last two weeks"
    text, day = given
    monday = day - dt.timedelta(days=day.weekday())
    html = demo_client.get(f"/child/{sid}/days?week={monday.isoformat()}").get_data(as_text=True)
    assert "Домашно" in html and text in html
