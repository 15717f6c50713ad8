"""The request deadline (queue_deadline.py): a request the proxy stamped (``X-Request-Start``)
longer ago than ``REQUEST_QUEUE_DEADLINE_MS`` is answered at once, without the app and without
the database: the "try again" page (503) for people, the line's apology TwiML for the spoken
phone steps, an empty TwiML 503 for the other webhooks. Without the stamp nothing changes."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from models import db
from prompts.catalog import PROMPTS
from queue_deadline import queued_seconds
from tests.conftest import make_app

NOW = 1_733_281_200.0  # 04.12.2024 03:00 UTC


@pytest.mark.parametrize(
    ("value", "waited"),
    [
        (None, None),  # no proxy: no deadline
        ("", None),
        ("t=abc", None),  # not a number
        ("t=inf", None),
        ("t=-5", None),
        ("t=0", None),
        (f"t={NOW - 2.5}", 2.5),  # nginx: seconds with milliseconds
        (f"{NOW - 2.5}", 2.5),  # without "t="
        (f"t={int((NOW - 7) * 1e6)}", 7.0),  # Apache %t: microseconds
        (f"{int((NOW - 0.25) * 1e3)}", 0.25),  # Heroku: milliseconds
        (f"t={NOW + 30}", 0.0),  # a proxy clock ahead of ours: no wait
        (f" t={NOW} ", 0.0),
    ],
)
def test_queued_seconds_reads_the_stamp_in_any_unit(
    value: str | None, waited: float | None
) -> None:
    result = queued_seconds(value, NOW)
    if waited is None:
        assert result is None
    else:
        assert result == pytest.approx(waited, abs=1e-3)


def stamp(seconds_ago: float) -> dict[str, str]:
    return {"X-Request-Start": f"t={time.time() - seconds_ago:.3f}"}


@pytest.fixture
def statements(app: Flask) -> list[str]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def test_without_a_stamp_or_within_the_deadline_the_request_is_served(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/login", headers=stamp(1)).status_code == 200  # deadline 5 s by default
    assert client.get("/healthz", headers=stamp(4)).status_code == 200


def test_a_page_that_waited_too_long_is_the_try_again_page_without_the_database(
    app: Flask, statements: list[str]
) -> None:
    client = app.test_client()
    for path in ("/login", "/staff/", "/child/1", "/no-such-page"):
        response = client.get(path, headers=stamp(6))
        html = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert "Системата е претоварена" in html and "Опитайте отново" in html
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "set-cookie" not in {k.lower() for k in response.headers.keys()}
    response = client.post("/login", data={"email": "x@y.bg", "password": "p"}, headers=stamp(60))
    assert response.status_code == 503
    assert statements == []  # neither the session's user nor anything else was looked up


def test_a_phone_step_that_waited_too_long_hears_the_apology_and_the_rest_get_empty_twiml(
    app: Flask, statements: list[str]
) -> None:
    client = app.test_client()
    for path in ("/ivr/voice", "/ivr/step?n=2", "/ivr/out/answer?oc=1", "/ivr/out/step?oc=1&n=2"):
        response = client.post(path, data={"CallSid": "CA1"}, headers=stamp(9))
        assert response.status_code == 200, path  # any other status: Twilio speaks English
        assert response.mimetype == "text/xml"
        root = ET.fromstring(response.get_data(as_text=True))
        assert root.tag == "Response"
        assert root.find("Say").text == PROMPTS["error"]
        assert root.find("Hangup") is not None
    for path in ("/ivr/status", "/notify/sms-status", "/ivr/out/status?oc=1"):
        response = client.post(path, data={"CallSid": "CA1"}, headers=stamp(9))
        assert response.status_code == 503, path
        assert ET.fromstring(response.get_data(as_text=True)).tag == "Response"
    assert statements == []
    # within the deadline the webhook runs as ever: unsigned, so refused (403)
    assert client.post("/ivr/voice", data={"CallSid": "CA1"}, headers=stamp(1)).status_code == 403


def test_the_setting_moves_the_deadline_and_zero_switches_it_off(
    empty_template: Path, tmp_path: Path
) -> None:
    import shutil

    path = tmp_path / "t.sqlite3"
    shutil.copy(empty_template, path)
    strict = make_app(f"sqlite:///{path}", tmp_path, REQUEST_QUEUE_DEADLINE_MS=500)
    assert strict.test_client().get("/login", headers=stamp(1)).status_code == 503
    off = make_app(f"sqlite:///{path}", tmp_path, REQUEST_QUEUE_DEADLINE_MS=0)
    with off.app_context():
        assert off.test_client().get("/login", headers=stamp(3600)).status_code == 200
        db.session.remove()
        db.engine.dispose()
