"""Faults (issue #8): the SMS provider answering 5xx in bursts, a notification worker killed with
SIGKILL in the middle of a drain, the database vanishing under the phone line, and a grade whose
outbox row cannot be written.

Only the HTTP edge to Twilio is faked (``responses``, or the local fake Twilio server for a worker
process). The database failures are real: PostgreSQL connections of the test's own app killed with
``pg_terminate_backend`` (found by a unique ``application_name``), a TCP relay in front of
PostgreSQL switched off (the app then finds a closed port), a trigger that refuses outbox rows.
PostgreSQL tests skip, naming TEST_DATABASE_URL, when it is unset. Timings are bench/faults.py's.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
import sqlalchemy as sa
from flask import Flask

from config import clock
from gradebook import core
from gradebook import grades as grades_uc
from gradebook.demo import build_demo
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import AuditLog
from models import Curriculum
from models import Grade
from models import GuardianStudent
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import StudentSummary
from models import db
from notify.fake_twilio import FakeTwilio
from notify.outbox import enqueue_for_students
from notify.worker import Worker
from prompts.catalog import PROMPTS
from tests._helpers import Refusal
from tests._helpers import signed_post
from tests.conftest import make_app
from tests.notify_helpers import SID
from tests.notify_helpers import kill_worker_when
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student
from tests.notify_helpers import urgent_sms_rows
from tests.notify_helpers import worker_env

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
APOLOGY = PROMPTS["error"]
TODAY = dt.date(2026, 11, 25)
PIN = "2580"


# --- 1. provider 5xx bursts ----------------------------------------------------------------------
def use_twilio(app: Flask, **extra: Any) -> None:
    app.config.update(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_SMS_FROM="Belezhnik",
        TWILIO_TIMEOUT=5,
        **extra,
    )
    app.extensions.pop("notify_providers", None)


def sms_rows(count: int) -> list[NotificationOutbox]:
    """``count`` SMS-only parents with one urgent grade each (distinct numbers and bodies)."""
    ids = urgent_sms_rows(count, "+35988877", "Физика", "5")
    return list(
        db.session.scalars(
            sa.select(NotificationOutbox)
            .where(NotificationOutbox.id.in_(ids))
            .order_by(NotificationOutbox.id)
        )
    )


class TwilioEdge:
    """Twilio's Messages API at the HTTP edge (``responses``). ``outage`` set to a status makes
    every request (send and list) fail with it; ``refuse`` holds numbers Twilio rejects with
    400/21211; ``lose_answers`` drops the answer after the message was created (a read timeout)."""

    def __init__(self) -> None:
        self.outage: int | None = None
        self.outage_html = False
        self.refuse: set[str] = set()
        self.lose_answers = False
        self.created: list[dict[str, Any]] = []
        self.posts: list[tuple[str, int]] = []  # (To, HTTP status) of every send attempt
        self.lists = 0
        self.lock = threading.Lock()

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict[str, str], str]:
        if self.outage_html:
            return status, {"Content-Type": "text/html"}, "<html><h1>Bad gateway</h1></html>"
        body = {"code": code, "message": message, "more_info": "", "status": status}
        return status, {}, json.dumps(body)

    def post(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        to = form["To"]
        with self.lock:
            if self.outage:
                self.posts.append((to, self.outage))
                return self._error(self.outage, 20000 + self.outage, "Service unavailable")
            if to in self.refuse:
                self.posts.append((to, 400))
                return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
            self.posts.append((to, 201))
            message = {
                "sid": f"SM{len(self.created):032d}",
                "to": to,
                "from": form.get("From"),
                "body": form["Body"],
                "status": "queued",
                "date_created": dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }
            self.created.append(message)
        if self.lose_answers:
            raise requests.exceptions.ReadTimeout("read timeout")
        return 201, {}, json.dumps(message)

    def get(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = {k: v[0] for k, v in parse_qs(request.url.partition("?")[2]).items()}
        with self.lock:
            self.lists += 1
            if self.outage:
                return self._error(self.outage, 20000 + self.outage, "Service unavailable")
            found = [m for m in reversed(self.created) if m["to"] == query.get("To")]
        page = {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50,
                "uri": "/x", "first_page_uri": "/x", "previous_page_uri": None}  # fmt: skip
        return 200, {}, json.dumps(page)

    def sends_to(self, number: str) -> list[int]:
        return [status for to, status in self.posts if to == number]


@pytest.fixture
def edge() -> Iterator[TwilioEdge]:
    twilio = TwilioEdge()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=twilio.post)
        mock.add_callback(responses.GET, MESSAGES_URL, callback=twilio.get)
        yield twilio


def at(app: Flask, start: dt.datetime, seconds: float) -> dt.datetime:
    """Freeze the app's clock ``seconds`` after ``start`` (local time); returns the UTC moment."""
    app.config["NOW"] = (start + dt.timedelta(seconds=seconds)).isoformat()
    return clock.utc_naive()


def test_5xx_burst_is_retried_with_backoff_and_each_message_sent_once(
    any_app: Flask, edge: TwilioEdge
) -> None:
    use_twilio(any_app)
    rows = sms_rows(6)
    start = dt.datetime.fromisoformat(any_app.config["NOW"])
    worker = Worker(name="w")

    edge.outage = 503  # the burst begins
    now = at(any_app, start, 0)
    stats = worker.run_once()
    assert (stats.claimed, stats.sent, stats.retried) == (6, 0, 6)
    db.session.expire_all()
    for row in rows:
        assert row.status is OutboxStatus.PENDING and row.attempts == 1
        assert row.last_error is not None and row.last_error.startswith("Twilio 503")
        assert row.due_at == now + dt.timedelta(seconds=30)  # the first backoff
    # not hammered: passes inside the backoff send nothing at all
    for seconds in (0, 1, 29):
        at(any_app, start, seconds)
        assert worker.run_once().claimed == 0
    assert len(edge.posts) == 6

    edge.outage, edge.outage_html = 500, True  # still down, now with an HTML error page
    now = at(any_app, start, 30)
    assert worker.run_once().retried == 6
    db.session.expire_all()
    assert {r.attempts for r in rows} == {2}
    assert {r.due_at for r in rows} == {now + dt.timedelta(seconds=60)}  # doubled
    assert all(r.last_error and r.last_error.startswith("Twilio 500") for r in rows)

    edge.outage = None  # recovered
    at(any_app, start, 89)
    assert worker.run_once().claimed == 0
    at(any_app, start, 90)
    assert worker.drain().sent == 6
    db.session.expire_all()
    assert [r.status for r in rows] == [OutboxStatus.SENT] * 6
    assert {r.attempts for r in rows} == {3}  # the burst stays visible in the row
    assert all(r.last_error is None and r.provider_id for r in rows)
    bodies = [m["body"] for m in edge.created]
    assert sorted(bodies) == sorted(r.body for r in rows)  # none lost, none sent twice
    assert Counter(status for _, status in edge.posts) == {503: 6, 500: 6, 201: 6}
    assert {r.provider_id for r in rows} == {m["sid"] for m in edge.created}


def test_permanent_4xx_fails_at_once_and_is_never_retried(any_app: Flask, edge: TwilioEdge) -> None:
    use_twilio(any_app)
    rows = sms_rows(3)
    bad = rows[1].to_address
    edge.refuse.add(bad)
    start = dt.datetime.fromisoformat(any_app.config["NOW"])
    stats = Worker(name="w").drain()
    assert (stats.sent, stats.failed, stats.retried) == (2, 1, 0)
    for hours in (1, 5, 48):  # later passes (and other workers) leave it alone
        at(any_app, start, hours * 3600)
        assert Worker(name="w").drain().claimed == 0
    db.session.expire_all()
    assert rows[1].status is OutboxStatus.FAILED and rows[1].attempts == 1
    assert rows[1].last_error is not None and "21211" in rows[1].last_error
    assert edge.sends_to(bad) == [400]


def test_a_burst_that_never_ends_gives_up_after_max_attempts(
    any_app: Flask, edge: TwilioEdge
) -> None:
    use_twilio(any_app, NOTIFY_MAX_ATTEMPTS=4, NOTIFY_BACKOFF_CAP_SECONDS=90)
    (row,) = sms_rows(1)
    edge.outage = 429  # "too many requests" is transient too
    start = dt.datetime.fromisoformat(any_app.config["NOW"])
    worker = Worker(name="w")
    waits = []
    elapsed = 0.0
    for _ in range(10):
        now = at(any_app, start, elapsed)
        worker.drain()
        db.session.expire_all()
        if row.status is not OutboxStatus.PENDING:
            break
        waits.append((row.due_at - now).total_seconds())
        elapsed += waits[-1]
    assert waits == [30, 60, 90]  # 30 s × 2^(n−1), capped at NOTIFY_BACKOFF_CAP_SECONDS
    assert row.status is OutboxStatus.FAILED and row.attempts == 4
    assert row.last_error is not None and row.last_error.endswith("(after 4 attempts)")
    at(any_app, start, elapsed + 86400)
    assert worker.drain().claimed == 0
    assert edge.sends_to(row.to_address) == [429] * 4


def test_unknown_outcomes_wait_out_the_burst_and_are_found_not_resent(
    any_app: Flask, edge: TwilioEdge
) -> None:
    """Answers lost after Twilio created 30 messages, then a 503 burst on the lookup too: the rows
    stay ``unknown`` until Twilio answers again, then all 30 are found in one ``drain`` (more than
    one pass's 20 lookups) and none is sent a second time."""
    use_twilio(any_app)
    rows = sms_rows(30)
    start = dt.datetime.fromisoformat(any_app.config["NOW"])
    edge.lose_answers = True
    assert Worker(name="w").drain().unknown == 30
    edge.lose_answers = False
    edge.outage = 503
    at(any_app, start, 30)
    stats = Worker(name="w").drain()
    assert (stats.reconciled_sent, stats.reconciled_resend) == (0, 0)
    db.session.expire_all()
    assert {r.status for r in rows} == {OutboxStatus.UNKNOWN}
    edge.outage = None
    at(any_app, start, 600)
    stats = Worker(name="w").drain()
    assert stats.reconciled_sent == 30 and stats.claimed == 0
    db.session.expire_all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert len(edge.posts) == 30 == len(edge.created)
    assert {r.provider_id for r in rows} == {m["sid"] for m in edge.created}


class CountingStop(threading.Event):
    """A stop event that ends the worker's loop at its first pause, recording it."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout or 0.0)
        self.set()
        return True


def test_the_loop_pauses_when_every_send_failed(any_app: Flask, edge: TwilioEdge) -> None:
    """A backlog of 60 due rows and Twilio answering 503: the running worker offers one batch and
    pauses, instead of firing the whole backlog at the failing provider pass after pass."""
    use_twilio(any_app, NOTIFY_BATCH=10)
    sms_rows(60)
    edge.outage = 503
    stop = CountingStop()
    Worker(name="w").run(stop, idle_seconds=2.0)
    assert len(edge.posts) == 10 and stop.pauses == [2.0]
    edge.outage = None  # and a healthy provider gets batch after batch without pauses
    at(any_app, dt.datetime.fromisoformat(any_app.config["NOW"]), 3600)
    stop = CountingStop()
    Worker(name="w").run(stop, idle_seconds=2.0)
    assert Counter(status for _, status in edge.posts)[201] == 60


def test_fake_twilio_can_be_told_to_fail_from_outside() -> None:
    """The local fake (bench/faults.py's provider) answers a burst of 503s on demand."""
    fake = FakeTwilio().start()
    try:
        url = f"{fake.base_url}/2010-04-01/Accounts/{SID}/Messages.json"
        assert requests.post(fake.base_url + "/_fail?status=503", timeout=5).ok
        refused = requests.post(url, data={"To": "+359888000001", "Body": "a"}, timeout=5)
        listed = requests.get(url, params={"To": "+359888000001"}, timeout=5)
        assert refused.status_code == listed.status_code == 503
        assert refused.json()["status"] == 503 and not fake.messages and fake.failed == 2
        assert requests.post(fake.base_url + "/_fail?status=0", timeout=5).ok
        created = requests.post(url, data={"To": "+359888000001", "Body": "a"}, timeout=5)
        assert created.status_code == 201 and fake.bodies() == ["a"]
        # a sender killed halfway through writing its request: nothing is created
        host, port = fake.server.server_address[:2]
        with socket.create_connection((str(host), int(port))) as cut:
            head = f"POST {url.partition(str(port))[2]} HTTP/1.1\r\nHost: x\r\n"
            cut.sendall(f"{head}Content-Length: 60\r\n\r\nTo=%2B359888000002&Bo".encode())
        time.sleep(0.2)  # the server reads what arrived, then the end of the stream
        assert fake.bodies() == ["a"]
    finally:
        fake.stop()


# --- 2. a worker process killed with SIGKILL ---------------------------------------------------------
@pytest.mark.postgres
def test_worker_killed_mid_drain_then_a_second_worker_settles_everything(
    pg_app: Flask, tmp_path: Path
) -> None:
    school = make_school()
    for i in range(240):
        student = make_student(school, f"Ученик{i:03d}")
        make_guardian(student, phone=f"+35988866{i:04d}", email="p@example.bg" if i % 4 else None)
        db.session.flush()
        enqueue_for_students(
            [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade",
            object_id=student.id, payload={"subject": "История", "value": "4", "kind": "current",
                                           "date": "2026-11-25"}, urgent=True,
        )  # fmt: skip
    db.session.commit()
    rows = list(db.session.scalars(sa.select(NotificationOutbox)))
    sms = [r for r in rows if r.channel.value == "sms"]
    emails = [r for r in rows if r.channel.value == "email"]
    assert len(sms) == 240 and len(emails) == 180

    fake = FakeTwilio().start()
    # batches of 40 rows, 4 sending threads: the 131st SMS reaches Twilio and is never answered,
    # nor are the three sent beside it; the worker dies with a batch half sent
    fake.hold_from = 131
    env = worker_env(pg_app, fake, tmp_path, NOTIFY_BATCH="40", NOTIFY_SEND_THREADS="4")
    first_pid = kill_worker_when(env, fake.held, "SMS 131")
    at_fake_before = {m["body"]: m["sid"] for m in fake.messages}
    assert len(at_fake_before) == fake.posts == 134
    db.session.expire_all()
    states = Counter(r.status for r in rows)
    assert sum(states.values()) == 420  # nothing lost
    assert set(states) <= {OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.PENDING}
    assert states[OutboxStatus.SENDING] > 0  # the claimed batch, committed before sending
    died_with = {r.id for r in rows if r.status is OutboxStatus.SENDING}

    fake.hold_from = None
    fake.release.set()
    second = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "notify", "worker", "--once"],
        cwd=ROOT, env={**env, "NOTIFY_STALE_SECONDS": "0"}, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr[-2000:]
    fake.stop()
    db.session.expire_all()
    # every SMS sent; an e-mail the first worker died with is "unknown" (SMTP has no lookup: at
    # most once, the admin resends it by hand), every other e-mail sent
    died_emails = {r.id for r in emails if r.id in died_with}
    assert all(r.status is OutboxStatus.SENT for r in sms)
    assert {r.id for r in emails if r.status is OutboxStatus.UNKNOWN} == died_emails
    assert all(r.status is OutboxStatus.SENT for r in emails if r.id not in died_emails)
    # every SMS reached Twilio exactly once: those it had before the kill were found by the
    # lookup (their Twilio SID recorded, never claimed again), the rest sent by the second worker
    bodies = fake.bodies()
    assert len(bodies) == fake.posts == 240 and sorted(bodies) == sorted(r.body for r in sms)
    by_body = {m["body"]: m["sid"] for m in fake.messages}
    assert all(r.provider_id == by_body[r.body] for r in sms)
    first_name = f":{first_pid}:"
    for row in sms:
        if row.body in at_fake_before:
            assert first_name in (row.claimed_by or ""), row.id
            assert row.provider_id == at_fake_before[row.body]
        else:
            assert first_name not in (row.claimed_by or ""), row.id
    found = [r for r in sms if r.id in died_with and r.body in at_fake_before]
    resent = [r for r in sms if r.id in died_with and r.body not in at_fake_before]
    assert found and resent  # both kinds of "died while sending" were reconciled
    # e-mail has no lookup: one the first worker died with is never written again by the second
    files = {int(f.stem.split("-")[1]) for f in (tmp_path / "outbox").glob("email-*.json")}
    assert {r.id for r in emails} - died_emails <= files
    sent_emails = [r for r in emails if r.id not in died_emails]
    assert {r.provider_id for r in sent_emails} == {f"file-{r.id}" for r in sent_emails}
    assert all(first_name in (r.claimed_by or "") for r in emails if r.id in died_emails)


# --- 3. the database goes away under the phone line ----------------------------------------------
def kill_backends(pg_url: str, application_name: str) -> int:
    """``pg_terminate_backend`` for the connections of ``application_name`` only."""
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            return len(
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": application_name},
                ).all()
            )
    finally:
        engine.dispose()


class Relay:
    """A TCP relay on 127.0.0.1 in front of PostgreSQL. ``stop()`` cuts every connection through
    it and closes its port (the database URL then points at a closed port); ``start()`` opens the
    same port again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        with self.lock:
            links, self.links = self.links, []
        for s in links:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def upstream(pg_url: str) -> tuple[str, int]:
    """The PostgreSQL server's address, for a relay in front of it."""
    target = sa.engine.make_url(pg_url)
    return (target.host or "127.0.0.1", target.port or 5432)


def demo_behind(relay: Relay, pg_schema: str, name: str, tmp_path: Path) -> tuple[Flask, Any]:
    """Start ``relay``; return the app reaching the private schema through it (with its own
    ``application_name``) and the demo school (one class level) built there."""
    relay.start()
    url = sa.engine.make_url(pg_schema).set(host="127.0.0.1", port=relay.port)
    url = url.update_query_dict({"application_name": name})
    app = make_app(url.render_as_string(hide_password=False), tmp_path)
    with app.app_context():
        db.create_all()
        result = build_demo(seed=5, schools=1, today=TODAY, students_per_class=6, levels=(5,))
        db.session.remove()
    return app, result


@pytest.fixture
def pg_line(pg_url: str, pg_schema: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The demo school (one class level) in a private schema, and the phone line's app reaching
    PostgreSQL through a :class:`Relay` with its own ``application_name``. No app context is held
    open, so each webhook request gets its own session and connection checkout, as in production."""
    name = f"faults_{uuid.uuid4().hex[:10]}"
    relay = Relay(upstream(pg_url))
    app, result = demo_behind(relay, pg_schema, name, tmp_path)
    try:
        yield {"app": app, "name": name, "relay": relay, "phone": result.phone_parents[0]["phone"]}
    finally:
        relay.stop()
        with app.app_context():
            db.engine.dispose()


def assert_apology(turn: Any) -> None:
    assert turn.status == 200 and turn.hung_up and turn.said == [APOLOGY]


def assert_normal(turn: Any) -> None:
    assert turn.status == 200 and APOLOGY not in turn.said and turn.said


def signed_in_call(app: Flask, phone: str) -> PhoneCall:
    """A call from ``phone`` answered normally, and normally again once the PIN is typed."""
    call = PhoneCall(FlaskTransport(app), from_number=phone)
    assert_normal(call.start())
    assert_normal(call.press(PIN + "#"))
    return call


@pytest.mark.postgres
def test_killed_connections_between_steps_are_replaced_silently(
    pg_line: dict[str, Any], pg_url: str
) -> None:
    call = signed_in_call(pg_line["app"], pg_line["phone"])
    assert kill_backends(pg_url, pg_line["name"]) >= 1
    assert_normal(call.press("1"))  # pool_pre_ping finds the dead connection and reconnects
    assert kill_backends(pg_url, pg_line["name"]) >= 1
    assert_normal(call.press("2"))


@pytest.mark.postgres
def test_connection_killed_inside_a_step_apologises_then_the_line_recovers(
    pg_line: dict[str, Any], pg_url: str
) -> None:
    app = pg_line["app"]
    call = signed_in_call(app, pg_line["phone"])
    with app.app_context():
        engine = db.engine
    killed: list[int] = []

    def kill_own_backend(conn: Any, cursor: Any, *args: Any) -> None:
        if not killed:  # the first statement of the step: its backend dies under it
            killed.append(conn.connection.dbapi_connection.info.backend_pid)
            admin = sa.create_engine(pg_url)
            with admin.begin() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": killed[0]})
            admin.dispose()

    sa.event.listen(engine, "before_cursor_execute", kill_own_backend)
    try:
        assert_apology(call.press("1"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", kill_own_backend)
    assert killed
    assert_normal(signed_in_call(app, pg_line["phone"]).press("1"))


def webhook(app: Flask, path: str, params: dict[str, str]) -> tuple[int, str, str]:
    response = signed_post(app.test_client(), path, params)
    return response.status_code, response.mimetype or "", response.get_data(as_text=True)


@pytest.mark.postgres
def test_database_on_a_closed_port_every_answer_is_the_apology(pg_line: dict[str, Any]) -> None:
    app, relay = pg_line["app"], pg_line["relay"]
    call = PhoneCall(FlaskTransport(app), from_number=pg_line["phone"])
    assert_normal(call.start())  # connections in the pool
    relay.stop()  # PostgreSQL gone: the pooled connection is cut, the port is closed
    assert_apology(call.press(PIN + "#"))
    for number in (pg_line["phone"], "+359899000111"):  # known and unknown callers
        assert_apology(PhoneCall(FlaskTransport(app), from_number=number).start())
    params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+359899000112", "To": "+35924001234"}
    for path, extra in (("/ivr/voice", {}), ("/ivr/step?n=2", {"Digits": "1"})):
        status, mimetype, body = webhook(app, path, {**params, **extra})
        assert status == 200 and mimetype == "text/xml"
        root = ET.fromstring(body)
        assert root.tag == "Response" and root.find("Hangup") is not None
        assert [e.text for e in root.iter("Say")] == [APOLOGY]
    status, mimetype, body = webhook(
        app, "/ivr/status", {**params, "CallStatus": "completed", "CallDuration": "9"}
    )
    assert status == 200 and mimetype == "text/xml" and ET.fromstring(body).tag == "Response"

    relay.start()  # back: the very next call is served normally
    assert_normal(signed_in_call(app, pg_line["phone"]).press("1"))


# --- 4. a grade whose outbox row cannot be written -----------------------------------------------
REFUSE_OUTBOX = Refusal("outbox_down", "INSERT", "notification_outbox", "outbox unavailable")


def teacher_curriculum() -> Curriculum:
    """The first curriculum of the school that has a teacher."""
    curriculum = db.session.scalar(
        sa.select(Curriculum).where(Curriculum.teacher_id.is_not(None)).order_by(Curriculum.id)
    )
    assert curriculum is not None and curriculum.teacher_id is not None
    return curriculum


def pupil_with_parents(curriculum: Curriculum) -> int:
    """A pupil of the curriculum's class with a parent linked (a grade for them is told)."""
    linked = set(db.session.scalars(sa.select(GuardianStudent.student_id)))
    return next(
        e.student_id for e in core.active_enrollments(curriculum.class_id) if e.student_id in linked
    )


def counts() -> tuple[int, ...]:
    """How many grades, audit rows and outbox rows there are."""
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Grade, AuditLog, NotificationOutbox)
    )


def test_grade_is_not_saved_when_its_outbox_row_cannot_be_written(school_app: Flask) -> None:
    curriculum = teacher_curriculum()
    assert curriculum.teacher_id is not None
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    student_id = pupil_with_parents(curriculum)

    def summary() -> Any:
        return db.session.scalars(
            sa.select(StudentSummary.payload).where(StudentSummary.student_id == student_id)
        ).all()

    before, summary_before = counts(), summary()
    REFUSE_OUTBOX.switch(True)
    with pytest.raises((core.OperationError, sa.exc.SQLAlchemyError)):
        grades_uc.save_grade_column(
            actor, curriculum.id, kind="current", date=TODAY, values={student_id: "6"}
        )
    db.session.rollback()
    db.session.expire_all()
    assert counts() == before  # no grade, no audit row, no outbox row
    assert summary() == summary_before  # nor a refreshed read model

    REFUSE_OUTBOX.switch(False)
    grades_uc.save_grade_column(
        actor, curriculum.id, kind="current", date=TODAY, values={student_id: "6"}
    )
    grades, audits, outbox = counts()
    assert grades == before[0] + 1 and audits == before[1] + 1
    assert outbox > before[2]  # this pupil's parents are told: the failing insert was real
