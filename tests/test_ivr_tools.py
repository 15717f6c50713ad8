"""Trying the line without Twilio (simulator page and API, terminal) and the call log."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask

from models import AuditLog
from models import CallSession
from models import Guardian
from models import db
from tests.conftest import form_post
from tests.conftest import launch_chromium
from tests.conftest import login_staff


@pytest.fixture
def staff_client(demo_app: Flask):  # type: ignore[no-untyped-def]
    """A signed-in teacher: the simulator is for staff only (it can claim any caller ID)."""
    demo_app.config["IVR_SIMULATOR"] = True
    client = demo_app.test_client()
    login_staff(client, "uchitel1@sou1.demo.bg")
    return client


def demo_parent() -> tuple[str, str]:
    guardian = db.session.scalars(
        sa.select(Guardian).where(Guardian.email == "roditel1@sou1.demo.bg")
    ).one()
    return guardian.phone or "", guardian.links[0].student.first_name


def api(client, body: dict) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/ivr/simulator/api", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_simulator_page_has_a_keypad(staff_client) -> None:  # type: ignore[no-untyped-def]
    demo_client = staff_client
    page = demo_client.get("/ivr/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-key="#"' in html and 'data-key="*"' in html
    assert "/ivr/static/simulator.js" in html
    script = demo_client.get("/ivr/static/simulator.js")
    assert script.status_code == 200
    script.close()


def test_simulator_api_drives_a_signed_call(staff_client) -> None:  # type: ignore[no-untyped-def]
    demo_client = staff_client
    number, child = demo_parent()
    result = api(demo_client, {"op": "start", "from": number})
    assert result["said"] == ["Бележник, здравейте.", "Въведете ПИН кода и диез."]  # no name
    assert result["gather"]["action"].startswith("/ivr/step?n=")
    result = api(demo_client, {"op": "press", "digits": "2580#", "state": result["state"]})
    assert result["said"][0].startswith(f"{child}: този срок – ")  # grade III: marks counted
    result = api(demo_client, {"op": "silence", "state": result["state"]})
    assert result["said"][0] == "Не чух избор."
    result = api(demo_client, {"op": "hangup", "state": result["state"]})
    assert result["hung_up"]
    session = db.session.scalars(sa.select(CallSession)).one()
    assert session.call_sid.startswith("SIM") and session.status == "completed"


def test_simulator_refuses_actions_outside_the_line(staff_client) -> None:  # type: ignore[no-untyped-def]
    demo_client = staff_client
    state = {
        "call_sid": "SIM1",
        "from_number": "+359888",
        "gather": {"action": "http://evil.example/x", "num_digits": 1},
    }
    response = demo_client.post(
        "/ivr/simulator/api",
        data=json.dumps({"op": "press", "digits": "1", "state": state}),
        content_type="application/json",
    )
    assert response.status_code == 400


def test_simulator_is_off_in_production(demo_app: Flask, staff_client) -> None:  # type: ignore[no-untyped-def]
    demo_app.config["IVR_SIMULATOR"] = False
    assert staff_client.get("/ivr/simulator").status_code == 404
    demo_app.config["IVR_SIMULATOR"] = True
    assert staff_client.get("/ivr/simulator").status_code == 200


def test_terminal_call(demo_app: Flask) -> None:
    number, child = demo_parent()
    result = demo_app.test_cli_runner().invoke(
        args=["ivr", "call", "--from", number], input="2580#\n3\n\nq\n"
    )
    assert result.exit_code == 0, result.output
    assert f"☎  {child}: този срок – " in result.output  # named only after the PIN
    assert "☎  Оценки този срок:" in result.output  # menu 3 of a grade-III pupil
    assert "☎  Не чух избор." in result.output
    assert "затворихте" in result.output


def test_call_log_for_the_school_admin_only(demo_app: Flask) -> None:
    number, child = demo_parent()
    runner = demo_app.test_cli_runner()
    runner.invoke(args=["ivr", "call", "--from", number], input="2580#\n1\n2\nq\n")
    db.session.add(
        AuditLog(
            school_id=1,
            actor_type="system",
            action="ivr_lockout",
            object_type="call_session",
            reason="Заключване на телефонната линия: номер +359888000777",
        )
    )
    db.session.commit()
    # each visitor in a fresh app context: access.py caches answers in flask.g, which the
    # fixture's long-lived app context would otherwise share between requests
    with demo_app.app_context():
        client = demo_app.test_client()
        assert client.get("/ivr/calls").status_code in (302, 303)  # sign in first
    with demo_app.app_context():
        form_post(
            client, "/staff/login", {"email": "uchitel1@sou1.demo.bg", "password": "demo1234"}
        )
    with demo_app.app_context():
        assert client.get("/ivr/calls").status_code == 403
    client = demo_app.test_client()
    with demo_app.app_context():
        form_post(
            client, "/staff/login", {"email": "direktor@sou1.demo.bg", "password": "demo1234"}
        )
    with demo_app.app_context():
        page = client.get("/ivr/calls")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert number in html and child in html
    assert "последни оценки" in html and "отсъствия" in html
    assert "Отличен" not in html and "Много добър" not in html  # no grades in the log
    assert "+359888000777" in html  # the school sees its lockouts
    other = demo_app.test_client()
    with demo_app.app_context():
        form_post(other, "/staff/login", {"email": "direktor@sou2.demo.bg", "password": "demo1234"})
    with demo_app.app_context():
        html = other.get("/ivr/calls").get_data(as_text=True)
    assert number not in html and "+359888000777" not in html


@pytest.mark.browser
def test_simulator_in_a_browser(demo_app: Flask, live_url: str) -> None:
    number, child = demo_parent()
    demo_app.config["IVR_SIMULATOR"] = True
    with launch_chromium() as browser:
        page = browser.new_page()
        page.goto(f"{live_url}/ivr/simulator")  # to the staff sign-in first
        page.fill("input[name=email]", "uchitel1@sou1.demo.bg")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_selector("#sim-from")
        page.fill("#sim-from", number)
        page.click("#sim-call")
        page.wait_for_selector("#sim-log li:has-text('Въведете ПИН кода')")
        for key in "2580#":
            page.click(f".ivr-key[data-key='{key}']")
        page.wait_for_selector(f"#sim-log li:has-text('{child}: този срок')")
        page.click(".ivr-key[data-key='6']")
        page.wait_for_selector("#sim-log li:has-text('Утре')")
