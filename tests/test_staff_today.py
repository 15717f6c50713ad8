"""Issue 14: a teacher's "Днес" lists this school year's lessons only (with a past year kept, it
listed 14 lessons, two a period, half of them opening last year's empty registers)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db
from tests.conftest import login_staff


def test_today_lists_this_years_lessons_only(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["demo", "--students-per-class", "2", "--today", "25.11.2026", "--history-years", "1"]
    )
    assert result.exit_code == 0, result.output
    app.config["NOW"] = "2026-11-25T09:00"  # a Wednesday
    current = SchoolYear.current_for(1).id
    assert db.session.scalar(sa.select(sa.func.count(SchoolYear.id))) == 2  # one past year kept
    client = app.test_client()
    login_staff(client, "uchitel13@sou1.demo.bg")
    html = client.get("/staff/").get_data(as_text=True)
    slot_ids = {int(i) for i in re.findall(r"/staff/lesson/(\d+)", html)}
    assert slot_ids, "the teacher has lessons on Wednesdays"
    years = set(
        db.session.scalars(
            sa.select(SchoolClass.school_year_id)
            .join(TimetableSlot, TimetableSlot.class_id == SchoolClass.id)
            .where(TimetableSlot.id.in_(slot_ids))
        )
    )
    assert years == {current}
    periods = db.session.scalars(
        sa.select(TimetableSlot.period).where(TimetableSlot.id.in_(slot_ids))
    ).all()
    assert len(periods) == len(set(periods))  # one lesson a period


def test_the_directors_start_page_shows_the_schools_day(demo_app: Flask) -> None:
    """Issue 14: the director's home page was nearly empty."""
    from models import Channel
    from models import NotificationOutbox
    from models import NotifyEvent
    from models import OutboxStatus

    db.session.add(
        NotificationOutbox(
            school_id=1, channel=Channel.SMS, event_type=NotifyEvent.GRADE, to_address="+359888",
            body="x", status=OutboxStatus.FAILED,
        )
    )  # fmt: skip
    db.session.commit()
    client = demo_app.test_client()
    login_staff(client, "direktor@sou1.demo.bg")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Денят на училището" in html and "Часове по програма днес:" in html
    assert re.search(r"Неполучени известия: [1-9]", html)
    teacher = demo_app.test_client()
    login_staff(teacher, "uchitel13@sou1.demo.bg")
    assert "Денят на училището" not in teacher.get("/staff/").get_data(as_text=True)


def test_every_link_of_the_staff_menu_opens_for_its_role(demo_app: Flask) -> None:
    """Issue 14 (found by the standards crawl): a subject teacher's menu offered "Справки",
    which answered 403."""
    from models import SchoolClass
    from models import StaffUser
    from tests.test_staff_diary import class_teacher_email

    subject_teacher = db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == "uchitel13@sou1.demo.bg")
    )
    assert not db.session.scalar(  # the README's subject teacher is no class teacher
        sa.select(SchoolClass.id).where(SchoolClass.class_teacher_id == subject_teacher)
    )
    for email in ("uchitel13@sou1.demo.bg", class_teacher_email(6), "direktor@sou1.demo.bg"):
        with demo_app.app_context():
            client = demo_app.test_client()
            login_staff(client, email)
            html = client.get("/staff/").get_data(as_text=True)
            nav = html[html.index('<nav aria-label="Основно меню">') :].split("</nav>", 1)[0]
            links = re.findall(r'<a href="(/[^"]*)"', nav)
            assert links, email
            for link in links:
                assert client.get(link).status_code == 200, (email, link)


def test_a_class_page_links_only_the_registers_the_teacher_may_take(demo_app: Flask) -> None:
    """Issue 14 (found by the standards crawl): /staff/classes/N linked every lesson of the
    class, and most answered 403 for a subject teacher."""
    from models import Curriculum
    from models import StaffUser

    teacher = db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == "uchitel13@sou1.demo.bg")
    )
    class_id = db.session.scalar(
        sa.select(Curriculum.class_id).where(Curriculum.teacher_id == teacher.id)
    )
    with demo_app.app_context():
        client = demo_app.test_client()
        login_staff(client, teacher.email)
        html = client.get(f"/staff/classes/{class_id}").get_data(as_text=True)
        lessons = re.findall(r'href="(/staff/lesson/\d+)"', html)
        assert lessons
        for link in lessons:
            assert client.get(link).status_code == 200, link
