"""The Content-Security-Policy (web_headers.py) in Debian's Chromium: the portal, the staff web,
the phone simulator, the call and notification logs and onboarding load and work without a single
reported violation (a ``securitypolicyviolation`` event or a CSP console error), and their scripts
really run under it (the grid moves by keyboard, the simulator's keypad answers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import chromium_page
from tests.test_portal_web import child_ids
from tests.test_staff_web import curriculum_at
from tests.test_staff_web import students_of

pytestmark = pytest.mark.browser

PARENT = "roditel2@sou1.demo.bg"
TEACHER = "uchitel13@sou1.demo.bg"
ADMIN = "direktor@sou1.demo.bg"
CALLER = "+359890010001"  # the demo parent known on the phone line (README)

# Registered before any page script: every violation the page reports reaches the test.
LISTEN = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspReport(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                     + " at " + e.documentURI + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(live_url: str) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium tab and the list of CSP violations it reported (events and console errors)."""
    with chromium_page(1100, 900) as tab:
        reports: list[str] = []

        def report(text: str) -> None:
            reports.append(text)

        tab.context.expose_function("__cspReport", report)
        tab.context.add_init_script(LISTEN)

        def console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                reports.append(f"console: {message.text}")

        tab.on("console", console)
        yield tab, reports


def _visit(tab: Any, url: str, *, signed_in: bool = False) -> None:
    response = tab.goto(url)
    if signed_in:
        assert "/login" not in tab.url, f"{url}: sent to the sign-in page"
    assert response is not None and response.status < 400, (url, response and response.status)
    assert "frame-ancestors 'none'" in (response.headers.get("content-security-policy") or "")
    tab.wait_for_load_state("load")


def _staff_sign_in(tab: Any, live_url: str, email: str) -> None:
    tab.goto(live_url + "/staff/login")
    tab.get_by_label("Имейл").fill(email)
    tab.get_by_label("Парола").fill("demo1234")
    tab.keyboard.press("Enter")
    tab.wait_for_url(lambda url: "/staff/" in url and "/login" not in url)  # signed in


def test_portal_pages_keep_to_the_policy(watched, live_url) -> None:  # type: ignore[no-untyped-def]
    tab, reports = watched
    for path in ("/", "/login", "/register", "/password/forgot", "/onboarding/signup"):
        _visit(tab, live_url + path)
    tab.goto(live_url + "/login")
    tab.get_by_label("E-mail").fill(PARENT)
    tab.get_by_label("Парола").fill("demo1234")
    tab.get_by_role("button", name="Вход").click()
    tab.wait_for_selector("#grades-h")
    sid = child_ids(PARENT)[0]
    for path in (
        f"/child/{sid}",
        f"/child/{sid}/compare",
        f"/child/{sid}/messages",
        "/calendar",
        "/account/preferences",
        "/account/pin",
        "/logout",
    ):
        _visit(tab, live_url + path, signed_in=True)
    if tab.locator("#feed-url").count():  # the calendar address selects itself (static/page.js)
        _visit(tab, live_url + "/calendar")
        tab.locator("#feed-url").focus()
    assert reports == []


def test_staff_pages_and_scripts_keep_to_the_policy(watched, live_url) -> None:  # type: ignore[no-untyped-def]
    tab, reports = watched
    curriculum = curriculum_at(9)
    sids = students_of(curriculum)
    _staff_sign_in(tab, live_url, curriculum.teacher.email)
    _visit(tab, f"{live_url}/staff/grid/{curriculum.id}", signed_in=True)
    tab.locator(f"#g{sids[0]}").focus()
    tab.keyboard.type("6")  # grid.js runs under the policy: a digit moves to the next pupil
    assert tab.evaluate("document.activeElement.id") == f"g{sids[1]}"
    _visit(tab, live_url + "/staff/password", signed_in=True)
    assert reports == []


def test_admin_pages_keep_to_the_policy(watched, live_url) -> None:  # type: ignore[no-untyped-def]
    tab, reports = watched
    _staff_sign_in(tab, live_url, ADMIN)
    for path in (
        "/staff/",
        "/staff/admin/staff",
        "/staff/admin/classes/6/labels",
        "/ivr/calls",
        "/notify/admin",
        "/onboarding/import",
        "/onboarding/reports",
    ):
        _visit(tab, live_url + path, signed_in=True)
    assert reports == []


def test_phone_simulator_keeps_to_the_policy(watched, live_url, demo_app) -> None:  # type: ignore[no-untyped-def]
    demo_app.config["IVR_SIMULATOR"] = True
    tab, reports = watched
    _staff_sign_in(tab, live_url, ADMIN)  # the simulator is for signed-in staff
    _visit(tab, live_url + "/ivr/simulator", signed_in=True)
    tab.uncheck("#sim-speak")
    tab.fill("#sim-from", CALLER)
    tab.click("#sim-call")
    tab.wait_for_selector("#sim-log li")  # simulator.js fetched the signed call (connect-src)
    assert reports == []
