"""The diary by day on a 390 px phone (Debian's Chromium, Playwright): no sideways scrolling, the
days as headings, the topics of the lessons readable; and the lesson page's topics in a real
browser (the next planned topic chosen by default, one press saves register and topics)."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook import topics
from gradebook.lessons import find_lesson
from models import LessonTopic
from models import db
from tests.conftest import TODAY
from tests.conftest import chromium_page
from tests.test_browser_phone import ARTIFACTS
from tests.test_browser_phone import ME  # the parent the phone fixture signs in
from tests.test_browser_phone import _fits
from tests.test_browser_phone import phone  # noqa: F401  (the fixture)
from tests.test_browser_staff import sign_in
from tests.test_portal_web import child_ids
from tests.test_topics import later_slot


def test_the_diary_by_day_fits_a_phone(phone, live_url):  # noqa: F811
    sid = child_ids(ME)[0]
    long_topic = (
        "Обобщение: " + "много дълга тема без интервали" * 3 + "Свръхдългодуманеразделимо" * 4
    )
    lesson_topic = db.session.scalar(sa.select(LessonTopic).order_by(LessonTopic.id.desc()))
    lesson_topic.title = long_topic  # a long title wraps, it does not widen the page
    db.session.commit()
    for week in ("", "?week=2026-11-18"):
        phone.goto(f"{live_url}/child/{sid}/days{week}")
        _fits(phone)
        assert phone.locator("h2", has_text="Понеделник").first.is_visible()
    phone.goto(f"{live_url}/child/{sid}/days")
    assert phone.locator("[aria-current=date]").inner_text().startswith("Сряда")
    assert phone.locator(".portal-lesson-topics").count() > 0
    phone.screenshot(path=str(ARTIFACTS / "20-phone-days.png"), full_page=True)


def test_the_lesson_page_saves_the_planned_topic_in_a_browser(live_url):
    slot = later_slot()
    upcoming = topics.next_planned(1, slot.curriculum_id)
    email = slot.teacher.email
    with chromium_page(1280, 900) as tab:
        sign_in(tab, live_url, email)
        tab.goto(f"{live_url}/staff/lesson/{slot.id}?date={TODAY.isoformat()}")
        assert tab.locator("#topic_plan0").input_value() == str(upcoming.id)
        tab.locator("#topic_title1").fill("Работа по групи")
        tab.locator("#save-register").click()
        tab.wait_for_selector(".flash-success")
    db.session.expire_all()
    saved = topics.lesson_topics(find_lesson(slot, TODAY))
    assert [(t.title, t.plan_topic_id) for t in saved] == [
        (upcoming.title, upcoming.id),
        ("Работа по групи", None),
    ]
