"""The child's homework on a 390 px phone (Debian's Chromium, Playwright): the homework page and
the "for tomorrow" card of the child's page fit the screen without sideways scrolling, also with
a long text and a long web address. Screenshots go to ``test-artifacts/portal/``."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_browser_phone import ARTIFACTS
from tests.test_browser_phone import _fits
from tests.test_browser_phone import _older_child
from tests.test_browser_phone import phone  # noqa: F401  (the fixture: signed in, 390 × 844)
from tests.test_homework_portal import _class_of
from tests.test_homework_portal import _give

pytestmark = pytest.mark.browser


def test_homework_fits_a_phone(phone, live_url, demo_app):  # type: ignore[no-untyped-def]  # noqa: F811
    sid = _older_child()
    with demo_app.app_context():
        _give(
            _class_of(sid),
            "Прочетете урока и решете задачите от работния лист на "
            "https://example.org/uchebni-materiali/matematika/pети-клас/работен-лист-седми.pdf",
        )
        _give(_class_of(sid), "Упр. 4", due=dt.date(2026, 12, 2))
    phone.goto(f"{live_url}/child/{sid}/homework")
    assert phone.get_by_role("heading", name="Предстоящи").is_visible()
    assert phone.get_by_text("Упр. 4").is_visible()
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "20-phone-homework.png"), full_page=True)
    phone.goto(f"{live_url}/child/{sid}")
    card = phone.locator("#homework-next")
    assert card.get_by_role("heading", name="Домашни за утре").is_visible()
    _fits(phone)
    card.screenshot(path=str(ARTIFACTS / "20-phone-homework-tomorrow.png"))
