"""Browser tests of the parent portal in Debian's Chromium (Playwright): sign-in, the diary, the
comparison chart and a message reply. Screenshots go to ``test-artifacts/portal/``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Message
from models import MessageThread
from models import db
from tests.conftest import chromium_page
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "portal"
ME = "roditel2@sou1.demo.bg"  # two children: the switcher shows


@pytest.fixture
def page(live_url):  # type: ignore[no-untyped-def]
    with chromium_page(390, 844) as tab:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield tab


def _sign_in(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/")
    page.get_by_role("link", name="Вход за родители").click()
    page.get_by_label("E-mail").fill(ME)
    page.get_by_label("Парола").fill("demo1234")
    page.get_by_role("button", name="Вход").click()
    page.wait_for_selector("#grades-h")


def test_sign_in_and_dashboard(page, live_url):
    page.goto(live_url + "/login")
    page.get_by_label("E-mail").fill(ME)
    page.get_by_label("Парола").fill("wrong-password")
    page.get_by_role("button", name="Вход").click()
    assert page.get_by_role("alert").inner_text().strip() == "Грешен e-mail или парола."
    page.screenshot(path=str(ARTIFACTS / "01-login-error.png"), full_page=True)
    _sign_in(page, live_url)
    for heading in ("Последни оценки", "Седмична програма", "Отсъствия", "Предстоящи"):
        assert page.get_by_role("heading", name=heading).is_visible()
    assert page.locator("th[aria-current=date]").inner_text().startswith("Сряда")
    page.screenshot(path=str(ARTIFACTS / "02-dashboard.png"), full_page=True)
    # switch to the other child with the keyboard-reachable switcher
    other = page.locator("nav.portal-children a").first
    href = other.get_attribute("href")
    assert href and int(href.rsplit("/", 1)[1]) in child_ids(ME)
    other.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    assert page.locator("nav.portal-children [aria-current=page]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "03-second-child.png"), full_page=True)


def test_comparison_chart(page, live_url, demo_app):
    """The histogram is drawn for a child in grades IV–XII (in I–III the marks are qualitative
    and are counted, not charted): the switcher picks roditel2's older child first."""
    from tests.test_portal_pages import numeric_child

    with demo_app.app_context():
        sid = numeric_child()
    _sign_in(page, live_url)
    page.goto(f"{live_url}/child/{sid}")
    page.get_by_role("link", name="Сравнение").click()
    page.wait_for_selector("svg.chart-distribution")
    chart = page.locator("svg.chart-distribution")
    assert chart.is_visible()
    assert chart.locator("rect.bar.child").count() == 1
    assert "вашето дете" in (chart.locator("text.child-label").text_content() or "")
    assert chart.get_attribute("role") == "img"
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 60
    page.screenshot(path=str(ARTIFACTS / "04-comparison.png"), full_page=True)


def test_message_reply(page, live_url, demo_app):
    sid = child_ids(ME)[0]
    me = guardian(ME)
    from portal.children import child_context
    from portal.conversations import recipients

    ctx = child_context(me.id, sid)
    staff_id = recipients(ctx)[0][0]
    thread = MessageThread(
        school_id=ctx.school.id,
        student_id=sid,
        guardian_id=me.id,
        staff_id=staff_id,
        subject="Родителска среща",
    )
    thread.messages.append(Message(from_staff=True, body="Ще дойдете ли в четвъртък?"))
    db.session.add(thread)
    db.session.commit()
    thread_id = thread.id
    _sign_in(page, live_url)
    page.goto(f"{live_url}/child/{sid}/messages")
    page.get_by_role("link", name="Родителска среща").click()
    assert page.get_by_text("Ще дойдете ли в четвъртък?").is_visible()
    page.get_by_role("textbox", name="Отговор").fill("Да, ще дойда.")
    page.get_by_role("button", name="Изпрати").click()
    page.wait_for_selector("text=Отговорът е изпратен.")
    assert page.get_by_text("Да, ще дойда.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "05-message-reply.png"), full_page=True)
    db.session.expire_all()
    bodies = [
        m.body
        for m in db.session.scalars(
            sa.select(Message).where(Message.thread_id == thread_id).order_by(Message.id)
        )
    ]
    assert bodies == ["Ще дойдете ли в четвъртък?", "Да, ще дойда."]
