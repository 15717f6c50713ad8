"""A status callback lost while the database refuses writes (Twilio never retries it) is recovered
by ``ivr.reconcile.reconcile_calls`` from Twilio's REST API (faked at the HTTP edge with
``responses``), or the call is marked "unknown end" instead of staying "in-progress" for ever.
The failing database is real: a trigger refuses updates of ``call_session``. SQLite and
PostgreSQL; the call log page on the demo school."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import responses
import sqlalchemy as sa
from flask import Flask

from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from ivr.reconcile import reconcile_calls
from models import CallSession
from models import Guardian
from models import db
from models import utcnow
from tests._helpers import Refusal
from tests._helpers import signed_post
from tests.conftest import login_staff

ACCOUNT = "AC" + "1" * 32
CALLS_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Calls"
REFUSE_CALL_UPDATES = Refusal("calls_down", "UPDATE", "call_session", "database unavailable")


@pytest.fixture
def twilio(any_app: Flask) -> Iterator[responses.RequestsMock]:
    any_app.config["TWILIO_ACCOUNT_SID"] = ACCOUNT
    with responses.RequestsMock(assert_all_requests_are_fired=False) as edge:
        yield edge


def webhook(app: Flask, path: str, params: dict[str, str]) -> tuple[int, str]:
    response = signed_post(app.test_client(), path, params)
    return response.status_code, response.get_data(as_text=True)


def new_call(app: Flask, minutes_ago: float = 20) -> str:
    """A call that came in (the real voice webhook) and has been quiet for ``minutes_ago``."""
    sid = "CA" + f"{len(calls()) + 1:032x}"
    status, _ = webhook(app, "/ivr/voice", {"CallSid": sid, "From": "+359899000111"})
    assert status == 200
    back = utcnow() - dt.timedelta(minutes=minutes_ago)
    db.session.execute(
        sa.update(CallSession)
        .where(CallSession.call_sid == sid)
        .values(started_at=back - dt.timedelta(minutes=1), updated_at=back)
    )
    db.session.commit()
    return sid


def calls() -> list[CallSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CallSession).order_by(CallSession.id)))


def row(sid: str) -> CallSession:
    db.session.expire_all()
    found = db.session.scalar(sa.select(CallSession).where(CallSession.call_sid == sid))
    assert found is not None
    return found


def twilio_call(sid: str, status: str, duration: str | None = None, end: str | None = None) -> str:
    return json.dumps(
        {
            "sid": sid,
            "account_sid": ACCOUNT,
            "status": status,
            "duration": duration,
            "start_time": "Wed, 25 Nov 2026 08:00:00 +0000",
            "end_time": end,
        }
    )


def new_call_twilio_refuses(
    app: Flask, twilio: responses.RequestsMock, status: int, message: str
) -> str:
    """A quiet call (``new_call``) that Twilio's REST API answers with an error about."""
    sid = new_call(app)
    body = {"code": 20000 + status, "message": message, "status": status}
    twilio.get(f"{CALLS_URL}/{sid}.json", status=status, json=body)
    return sid


def test_a_callback_lost_while_the_database_refused_it_is_recovered_from_twilio(
    any_app: Flask, twilio: responses.RequestsMock
) -> None:
    sid = new_call(any_app)
    REFUSE_CALL_UPDATES.switch(True)
    status, body = webhook(
        any_app, "/ivr/status", {"CallSid": sid, "CallStatus": "completed", "CallDuration": "42"}
    )
    assert status == 200 and ET.fromstring(body).tag == "Response"  # Twilio will not retry
    REFUSE_CALL_UPDATES.switch(False)
    assert row(sid).status == "in-progress" and row(sid).duration_s is None  # lost

    twilio.get(
        f"{CALLS_URL}/{sid}.json",
        body=twilio_call(sid, "completed", "42", "Wed, 25 Nov 2026 08:00:42 +0000"),
    )
    stats = reconcile_calls()
    assert (stats.checked, stats.finished, stats.unknown, stats.waiting) == (1, 1, 0, 0)
    call = row(sid)
    assert call.status == "completed" and call.duration_s == 42
    assert call.ended_at == dt.datetime(2026, 11, 25, 8, 0, 42)  # Twilio's end, naive UTC
    assert reconcile_calls().checked == 0  # settled: never asked again


def test_recent_calls_are_left_alone_and_live_ones_wait(
    any_app: Flask, twilio: responses.RequestsMock
) -> None:
    recent = new_call(any_app, minutes_ago=2)  # may still be speaking: not even looked at
    live = new_call(any_app, minutes_ago=20)
    twilio.get(f"{CALLS_URL}/{live}.json", body=twilio_call(live, "in-progress"))
    stats = reconcile_calls()
    assert (stats.checked, stats.finished, stats.unknown, stats.waiting) == (1, 0, 0, 1)
    assert row(recent).status == "in-progress" and row(live).status == "in-progress"
    assert [c.request.url for c in twilio.calls] == [f"{CALLS_URL}/{live}.json"]


def test_twilio_unreachable_waits_then_gives_up_as_unknown(
    any_app: Flask, twilio: responses.RequestsMock
) -> None:
    sid = new_call_twilio_refuses(any_app, twilio, 503, "Service unavailable")
    assert reconcile_calls().waiting == 1
    assert row(sid).status == "in-progress"  # asked again next run
    stats = reconcile_calls(now=utcnow() + dt.timedelta(hours=25))
    assert stats.unknown == 1
    assert row(sid).status == "unknown" and row(sid).ended_at is None


def test_a_callsid_twilio_does_not_know_is_unknown(
    any_app: Flask, twilio: responses.RequestsMock
) -> None:
    sid = new_call_twilio_refuses(any_app, twilio, 404, "The requested resource was not found")
    assert reconcile_calls().unknown == 1
    assert row(sid).status == "unknown"


def test_without_a_twilio_account_open_calls_become_unknown_and_a_late_callback_wins(
    any_app: Flask,
) -> None:
    any_app.config["TWILIO_ACCOUNT_SID"] = ""  # the simulator: nobody to ask
    sid = new_call(any_app)
    with responses.RequestsMock() as edge:  # and no request leaves
        assert reconcile_calls().unknown == 1
        assert not edge.calls
    assert row(sid).status == "unknown"
    status, _ = webhook(
        any_app, "/ivr/status", {"CallSid": sid, "CallStatus": "completed", "CallDuration": "75"}
    )
    assert status == 200
    assert row(sid).status == "completed" and row(sid).duration_s == 75


def test_the_call_log_says_end_unknown(demo_app: Flask) -> None:
    guardian = db.session.scalars(
        sa.select(Guardian).where(Guardian.email == "roditel1@sou1.demo.bg")
    ).one()
    call = PhoneCall(FlaskTransport(demo_app), from_number=guardian.phone or "")
    call.start()
    call.press("2580#")
    db.session.execute(
        sa.update(CallSession)
        .where(CallSession.call_sid == call.call_sid)
        .values(updated_at=utcnow() - dt.timedelta(hours=1))
    )
    db.session.commit()
    demo_app.config["TWILIO_ACCOUNT_SID"] = ""
    assert reconcile_calls().unknown == 1
    client = demo_app.test_client()
    assert login_staff(client, "direktor@sou1.demo.bg").status_code == 302
    page = client.get("/ivr/calls")
    assert page.status_code == 200
    assert "край неизвестен" in page.get_data(as_text=True)
