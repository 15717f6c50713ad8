"""Issue #12 item 7: a hanging database never hangs a caller.

Replayed on PostgreSQL for real (skipped without TEST_DATABASE_URL), never touching the shared
server: (a) another connection holds a lock on every table (the server is alive: lock_timeout /
statement_timeout answer), (b) the server is *frozen* — a TCP relay in front of it that keeps the
connections open but stops passing bytes, as a SIGSTOPped postmaster or a frozen VM does (the
kernel still acknowledges, so neither the server's time-outs nor TCP's fire). Either way the phone
step answers the Bulgarian apology TwiML within 5 s and the staff and portal pages a 503 page
saying "Опитайте отново". Before config/database.py the frozen case got no answer at all.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from config import database
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff
from tests.test_faults import APOLOGY
from tests.test_faults import PIN
from tests.test_faults import Relay
from tests.test_faults import assert_apology
from tests.test_faults import assert_normal
from tests.test_faults import demo_behind
from tests.test_faults import signed_in_call
from tests.test_faults import upstream
from tests.test_faults import webhook

BOUND = 5.0  # seconds: the phone line answers before Twilio's 15 s, with room to spare


class FreezingRelay(Relay):
    """:class:`tests.test_faults.Relay` that can also *freeze*: every connection stays open, new
    ones are accepted, and no byte passes in either direction until ``thaw()``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(upstream)
        self.flowing = threading.Event()
        self.flowing.set()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:  # type: ignore[override]
        Relay._pump(_Gated(source, self.flowing), sink)  # type: ignore[arg-type]


class _Gated:
    """A socket whose reads wait while the relay is frozen (the bytes in flight wait too)."""

    def __init__(self, sock: socket.socket, flowing: threading.Event) -> None:
        self.sock, self.flowing = sock, flowing

    def recv(self, size: int) -> bytes:
        self.flowing.wait()
        data = self.sock.recv(size)
        self.flowing.wait()
        return data

    def shutdown(self, how: int) -> None:
        self.sock.shutdown(how)


@pytest.fixture
def frozen_line(pg_url: str, pg_schema: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The demo school in a private schema; the app reaches PostgreSQL through a FreezingRelay.
    No app context is held open: each request checks out its own connection, as in production."""
    relay = FreezingRelay(upstream(pg_url))
    app, result = demo_behind(relay, pg_schema, f"limits_{uuid.uuid4().hex[:10]}", tmp_path)
    admin = next(email for role, email, _ in result.logins if "direktor" in email)
    parent = next(email for role, email, _ in result.logins if role == "родител")
    try:
        yield {
            "app": app,
            "relay": relay,
            "phone": result.phone_parents[0]["phone"],
            "admin": admin,
            "parent": parent,
            "schema_url": pg_schema,
        }
    finally:
        relay.thaw()
        relay.stop()
        with app.app_context():
            db.engine.dispose()


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.monotonic()
    value = fn(*args)
    return value, time.monotonic() - start


def assert_apology_twiml(status: int, mimetype: str, body: str) -> None:
    assert status == 200 and mimetype == "text/xml"
    root = ET.fromstring(body)
    assert root.tag == "Response" and root.find("Hangup") is not None
    assert [e.text for e in root.iter("Say")] == [APOLOGY]


def assert_try_again_page(response: Any) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, html[:300])
    assert 'lang="bg"' in html and "Опитайте отново" in html


def portal_login(app: Flask, email: str) -> Any:
    client = app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={"email": email, "password": "demo1234", "csrf_token": csrf_from(page.text)},
    )
    home = client.get("/")  # the diary of the first child
    assert home.status_code == 302 and "/child/" in home.headers["Location"]
    assert client.get(home.headers["Location"]).status_code == 200
    client.child_page = home.headers["Location"]
    return client


def staff_login(app: Flask, email: str) -> Any:
    client = app.test_client()
    login_staff(client, email)
    assert client.get("/staff/").status_code == 200
    return client


@pytest.mark.postgres
def test_frozen_database_phone_step_answers_the_apology_within_5_s(
    frozen_line: dict[str, Any],
) -> None:
    app, relay = frozen_line["app"], frozen_line["relay"]
    call = PhoneCall(FlaskTransport(app), from_number=frozen_line["phone"])
    assert_normal(call.start())  # a pooled connection now exists: it freezes under the next step
    relay.freeze()
    turn, seconds = timed(call.press, PIN + "#")
    assert_apology(turn)
    assert seconds < BOUND, seconds
    params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+359899000113", "To": "+35924001234"}
    for path, extra in (("/ivr/voice", {}), ("/ivr/step?n=2", {"Digits": "1"})):
        answer, seconds = timed(webhook, app, path, {**params, **extra})
        assert_apology_twiml(*answer)  # no pooled connection left: the connect is bounded too
        assert seconds < BOUND, (path, seconds)

    relay.thaw()  # the server is back: the very next call is served normally
    signed_in_call(app, frozen_line["phone"])


@pytest.mark.postgres
def test_frozen_database_staff_and_portal_pages_are_a_503_try_again_page_within_5_s(
    frozen_line: dict[str, Any],
) -> None:
    app, relay = frozen_line["app"], frozen_line["relay"]
    staff = staff_login(app, frozen_line["admin"])
    parent = portal_login(app, frozen_line["parent"])
    relay.freeze()
    for client, path in (
        (staff, "/staff/"),
        (parent, parent.child_page),
        (staff, "/staff/admin/staff"),
    ):
        response, seconds = timed(client.get, path)
        assert_try_again_page(response)
        assert seconds < BOUND, (path, seconds)
    relay.thaw()
    assert staff.get("/staff/").status_code == 200
    assert parent.get(parent.child_page).status_code == 200


@pytest.mark.postgres
def test_tables_locked_by_another_transaction_phone_and_pages_answer_within_5_s(
    frozen_line: dict[str, Any],
) -> None:
    app = frozen_line["app"]
    staff = staff_login(app, frozen_line["admin"])
    parent = portal_login(app, frozen_line["parent"])
    call = PhoneCall(FlaskTransport(app), from_number=frozen_line["phone"])
    assert_normal(call.start())
    holder = sa.create_engine(frozen_line["schema_url"])
    conn = holder.connect()
    try:
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        conn.execute(sa.text(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE"))
        turn, seconds = timed(call.press, PIN + "#")
        assert_apology(turn)
        assert seconds < BOUND, seconds
        for client, path in ((staff, "/staff/"), (parent, parent.child_page)):
            response, seconds = timed(client.get, path)
            assert_try_again_page(response)
            assert seconds < BOUND, (path, seconds)
    finally:
        conn.rollback()
        conn.close()
        holder.dispose()
    assert staff.get("/staff/").status_code == 200


def test_server_options_join_the_urls_own_options() -> None:
    """The time-outs go into libpq ``options`` beside the URL's own (the tests' search_path)."""
    cfg = {"DB_STATEMENT_TIMEOUT_MS": 4000, "DB_LOCK_TIMEOUT_MS": 3000}
    joined = database._server_options(cfg, "-csearch_path=t_1")
    assert joined.startswith("-csearch_path=t_1 ")
    assert "-c statement_timeout=4000" in joined and "-c lock_timeout=3000" in joined


def test_long_jobs_lift_the_statement_timeout(app: Flask) -> None:
    app.config["DB_JOB_STATEMENT_TIMEOUT_MS"] = 0
    database.long_jobs(app)
    assert app.config["DB_STATEMENT_TIMEOUT_MS"] == 0
    assert database.time_left() is None
