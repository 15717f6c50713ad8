"""The sender against PostgreSQL and Twilio's HTTP (mocked with `responses`, or the local fake
Twilio server for a worker process that is killed): retries, reconciliation, SKIP LOCKED."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses

from models import Channel
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import db
from notify.fake_twilio import FakeTwilio
from notify.outbox import enqueue_for_students
from notify.worker import Worker
from tests.notify_helpers import SID
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student
from tests.notify_helpers import urgent_sms_rows
from tests.notify_helpers import worker_env

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


def twilio_config(app, **extra: Any) -> None:  # type: ignore[no-untyped-def]
    settings = {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": "test-twilio-token",
        "TWILIO_SMS_FROM": "Belezhnik",
        "TWILIO_TIMEOUT": 5,
    }
    app.config.update({**settings, **extra})
    app.extensions.pop("notify_providers", None)


def make_rows(count: int) -> list[int]:
    """``count`` SMS-only parents, one urgent grade each (distinct bodies and numbers)."""
    return urgent_sms_rows(count, "+35988812", "Математика", "6")


class TwilioMock:
    """Twilio's Messages API in `responses`: a script of failures for the first POSTs, a record
    of every message Twilio created, and the list endpoint for reconciliation."""

    def __init__(self, script: list[str] | None = None) -> None:
        self.script = list(script or [])
        self.created: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.posts = 0

    def post(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        with self.lock:
            self.posts += 1
            step = self.script.pop(0) if self.script else "ok"
        if step == "500":
            return (
                500,
                {},
                json.dumps({"code": 20500, "message": "Internal Server Error", "status": 500}),
            )
        if step == "429":
            return (
                429,
                {},
                json.dumps({"code": 20429, "message": "Too Many Requests", "status": 429}),
            )
        if step == "timeout-before":  # the request never reached Twilio's database
            raise requests.exceptions.ReadTimeout("read timeout")
        message = {
            "sid": f"SM{len(self.created):032d}",
            "to": form["To"],
            "from": form.get("From"),
            "body": form["Body"],
            "status": "queued",
            "date_created": format_datetime(dt.datetime.now(dt.UTC), usegmt=True),
        }
        with self.lock:
            self.created.append(message)
        if step == "timeout-after":  # Twilio created it, the answer was lost
            raise requests.exceptions.ReadTimeout("read timeout")
        return 201, {}, json.dumps(message)

    def get(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = {k: v[0] for k, v in parse_qs(request.url.partition("?")[2]).items()}
        found = [m for m in reversed(self.created) if m["to"] == query.get("To")]
        page = {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50,
                "uri": "/x", "first_page_uri": "/x", "previous_page_uri": None}  # fmt: skip
        return 200, {}, json.dumps(page)

    def install(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=self.post)
        mock.add_callback(responses.GET, MESSAGES_URL, callback=self.get)

    def bodies(self) -> list[str]:
        return [m["body"] for m in self.created]


def drain_over_time(app, passes: int = 30) -> None:  # type: ignore[no-untyped-def]
    """Run the worker, moving the frozen clock 10 minutes on after each pass (backoff)."""
    moment = dt.datetime.fromisoformat(app.config["NOW"])
    for _ in range(passes):
        Worker(name="w").drain()
        pending = db.session.scalar(
            db.select(db.func.count(NotificationOutbox.id)).where(
                NotificationOutbox.status.in_([OutboxStatus.PENDING, OutboxStatus.UNKNOWN])
            )
        )
        if not pending:
            return
        moment += dt.timedelta(minutes=10)
        app.config["NOW"] = moment.isoformat()


def test_bursts_of_500s_and_timeouts_are_retried_and_delivered_once(pg_app) -> None:  # type: ignore[no-untyped-def]
    twilio_config(pg_app)
    ids = make_rows(8)
    twilio = TwilioMock(
        ["500", "500", "429", "timeout-before", "timeout-after", "500", "timeout-before"]
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        twilio.install(mock)
        drain_over_time(pg_app)
    rows = db.session.scalars(db.select(NotificationOutbox).order_by(NotificationOutbox.id)).all()
    assert [r.status for r in rows] == [OutboxStatus.SENT] * len(ids)
    bodies = twilio.bodies()
    assert sorted(bodies) == sorted(r.body for r in rows)  # every message exactly once
    assert len(set(bodies)) == len(bodies)
    assert {r.provider_id for r in rows} == {m["sid"] for m in twilio.created}
    assert max(r.attempts for r in rows) >= 2
    # the request that timed out after Twilio created the message was reconciled, not resent
    assert twilio.posts == len(ids) + 6


def test_twilio_client_has_an_explicit_timeout(pg_app) -> None:  # type: ignore[no-untyped-def]
    from notify.providers import providers

    twilio_config(pg_app, TWILIO_TIMEOUT=3.5)
    sms, _ = providers()
    assert sms.client.http_client.timeout == 3.5


def test_two_workers_at_once_send_nothing_twice(pg_app) -> None:  # type: ignore[no-untyped-def]
    twilio_config(pg_app)
    ids = make_rows(120)
    twilio = TwilioMock()
    start = threading.Barrier(2)
    claims: dict[str, int] = {}

    def work(name: str) -> None:
        with pg_app.app_context():
            start.wait()
            stats = Worker(name=name, batch=10).drain()
            claims[name] = stats.claimed
            db.session.remove()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        twilio.install(mock)
        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    db.session.expire_all()
    rows = db.session.scalars(db.select(NotificationOutbox)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert len(twilio.bodies()) == len(ids) == len(set(twilio.bodies()))
    assert {r.attempts for r in rows} == {1}
    assert sum(claims.values()) == len(ids)


def test_worker_killed_mid_batch_loses_nothing_and_resends_nothing(
    pg_app, pg_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    for row_id in make_rows(30):
        assert row_id
    fake = FakeTwilio().start()
    # batches of 10 sent by 4 threads: the first batch is answered; in the second, Twilio gets
    # messages 15–18 but never answers, so the 4 threads hang and rows 19–20 are never sent
    fake.hold_from = 15
    env = worker_env(
        pg_app, fake, tmp_path, EMAIL_BACKEND="console", NOTIFY_BATCH="10", NOTIFY_SEND_THREADS="4"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "notify", "worker", "--idle", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while fake.posts < 18 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        if fake.posts < 18:
            proc.kill()
            proc.wait(10)
            pytest.fail("worker never reached message 18: " + proc.stderr.read().decode()[-2000:])
        time.sleep(0.3)  # nothing more may arrive: all four threads wait for an answer
        assert fake.posts == 18
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    db.session.expire_all()
    states = Counter(r.status for r in db.session.scalars(db.select(NotificationOutbox)))
    assert states == {OutboxStatus.SENT: 10, OutboxStatus.SENDING: 10, OutboxStatus.PENDING: 10}

    fake.release.set()
    # a new worker (real clock, claims of a dead worker are stale at once in this test)
    pg_app.config.update(NOW=None, NOTIFY_STALE_SECONDS=0)
    twilio_config(pg_app, TWILIO_API_BASE=fake.base_url)
    stats = Worker(name="second").drain()
    fake.stop()
    rows = db.session.scalars(db.select(NotificationOutbox).order_by(NotificationOutbox.id)).all()
    assert [r.status for r in rows] == [OutboxStatus.SENT] * 30
    bodies = fake.bodies()
    assert sorted(bodies) == sorted(r.body for r in rows) and len(set(bodies)) == 30
    # rows 11–18 were at Twilio: found by the lookup, not sent again; 19–20 never were: sent
    assert stats.reconciled_sent == 8 and stats.reconciled_resend == 2
    by_body = {m["body"]: m["sid"] for m in fake.messages}
    assert all(r.provider_id == by_body[r.body] for r in rows)
    assert "second" not in {r.claimed_by for r in rows[:18]}
    assert {r.claimed_by for r in rows[18:]} == {"second"}
    assert all(r.channel is Channel.SMS for r in rows)


def test_digest_quiet_hours_and_threshold_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    """The same SQL on PostgreSQL: digest folding (FOR UPDATE OF … SKIP LOCKED with a subquery),
    quiet hours, the monthly threshold query."""
    pg_app.config.update(SMS_BACKEND="file", EMAIL_BACKEND="file")
    pg_app.extensions.pop("notify_providers", None)
    school = make_school()
    student = make_student(school)
    guardian = make_guardian(student, digest=True)
    db.session.commit()
    for number, value in enumerate(("6", "3.50")):
        enqueue_for_students(
            [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade",
            object_id=number, payload={"subject": "Химия", "value": value, "date": "2026-11-25"},
        )  # fmt: skip
    db.session.commit()
    pg_app.config["NOW"] = "2026-11-25T18:00:10"
    stats = Worker(name="pg").drain()
    assert stats.digests == 2 and stats.sent == 2
    digest = db.session.scalars(
        db.select(NotificationOutbox).where(
            NotificationOutbox.event_type == NotifyEvent.DIGEST,
            NotificationOutbox.channel == Channel.SMS,
        )
    ).one()
    assert "Otlichen 6" in digest.body and "Dobar 3,50" in digest.body
    assert digest.guardian_id == guardian.id
    # quiet hours on PostgreSQL too
    pg_app.config["NOW"] = "2026-11-25T22:00:00"
    guardian.digest = False
    db.session.commit()
    enqueue_for_students(
        [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade", object_id=9,
        payload={"subject": "Химия", "value": "5", "date": "2026-11-25"},
    )  # fmt: skip
    db.session.commit()
    pg_app.config["NOW"] = "2026-11-25T22:05:00"
    assert Worker(name="pg").drain().sent == 1  # the e-mail only
    pg_app.config["NOW"] = "2026-11-26T08:00:00"
    assert Worker(name="pg").drain().sent == 1  # the SMS in the morning
    # the monthly threshold, once
    from models import Absence
    from models import AbsenceKind
    from models import SchoolYear
    from notify.scheduler import threshold_checks

    year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.school_id == school.id))
    for period in range(1, 7):
        db.session.add(
            Absence(
                school_id=school.id, school_year_id=year.id, student_id=student.id,
                date=dt.date(2026, 11, 24), period=period, term=1, kind=AbsenceKind.UNEXCUSED,
            )
        )  # fmt: skip
    db.session.commit()
    assert threshold_checks(dt.date(2026, 11, 26)) == 2
    assert threshold_checks(dt.date(2026, 11, 26)) == 0
