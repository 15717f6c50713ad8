"""E-mail is sent at most once, even when a worker is killed (issue #12: 33 of 150 e-mails arrived
twice after a ``kill -9``). A real SMTP server (aiosmtpd) counts what it receives, by Message-ID;
a worker subprocess is killed with SIGKILL while the server holds its answers; a second worker
never sends a row the first one died with (it is "unknown — may not have been sent"), and the
school admin resends those by hand from /notify/admin."""

from __future__ import annotations

import asyncio
import email
import os
import threading
from collections import Counter
from email import policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from models import Channel
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import db
from notify import email_headers
from notify.providers import OutMessage
from notify.providers import SmtpEmail
from notify.providers import UnknownOutcome
from notify.worker import Worker
from notify.worker import resend
from tests.conftest import form_post
from tests.conftest import login_staff
from tests.notify_helpers import kill_worker_when
from tests.notify_helpers import urgent_sms_rows
from tests.test_notify_smtp import free_port

ROOT = Path(__file__).resolve().parent.parent


class HoldingInbox:
    """An SMTP server's handler that records every message it receives (by Message-ID) and,
    from message ``hold_from`` on, does not answer until ``release`` is set."""

    def __init__(self, hold_from: int | None = None) -> None:
        self.ids: list[str] = []
        self.hold_from = hold_from
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.ids.append(str(message["Message-ID"]))
            number = len(self.ids)
        if self.hold_from is not None and number >= self.hold_from:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(self.ids)


def email_rows(count: int) -> list[NotificationOutbox]:
    """``count`` e-mail-only parents in a new school, one urgent grade each, committed."""
    urgent_sms_rows(count, "", "Химия", "5", email_only=True)
    return all_rows()


def all_rows() -> list[NotificationOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(NotificationOutbox).order_by(NotificationOutbox.id)))


def message_id(row: NotificationOutbox) -> str:
    return email_headers.message_id(row.id, row.created_at, "belezhnik.local")


def test_worker_killed_while_sending_emails_never_sends_one_twice(
    any_app: Flask, tmp_path: Path
) -> None:
    assert {r.channel for r in email_rows(30)} == {Channel.EMAIL}
    port = free_port()
    # batches of 10, 4 sending threads: the server answers 14 messages, then receives 4 more and
    # holds their answers, so the worker dies with 4 messages at the server and 2 not yet sent
    inbox = HoldingInbox(hold_from=15)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "DATABASE_URL": any_app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": any_app.config["SECRET_KEY"],  # one deployment: one key (Message-IDs)
        "TWILIO_AUTH_TOKEN": "test-twilio-token",
        "SMS_BACKEND": "console",
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_TIMEOUT": "60",
        "NOTIFY_BATCH": "10",
        "NOTIFY_SEND_THREADS": "4",
        "INSTANCE_PATH": str(tmp_path),
    }
    db.session.remove()  # nothing of ours holds the database while the worker runs
    try:
        kill_worker_when(env, inbox.held, "e-mail 15")
        before = inbox.counts()
        assert sum(before.values()) == 18 and max(before.values()) == 1
        rows = all_rows()
        states = Counter(r.status for r in rows)
        assert sum(states.values()) == 30
        assert set(states) == {OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.PENDING}
        # each e-mail's outcome is committed as soon as it is known: only those in flight remain
        assert states[OutboxStatus.SENDING] <= 6 + 4
        died_with = {r.id for r in rows if r.status is OutboxStatus.SENDING}

        inbox.hold_from = None
        inbox.release.set()
        # a second worker, at once (claims of a dead worker are stale at once in this test)
        any_app.config.update(
            NOW=None, NOTIFY_STALE_SECONDS=0, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
            SMTP_PORT=port, SMTP_TIMEOUT=10,
        )  # fmt: skip
        any_app.extensions.pop("notify_providers", None)
        Worker(name="second").drain()
        rows = all_rows()
        after = inbox.counts()
        assert max(after.values()) == 1  # never two for one row
        for row in rows:
            if row.id in died_with:  # never sent again by a worker: "may not have been sent"
                assert row.status is OutboxStatus.UNKNOWN, row.id
                assert "may not have been sent" in (row.last_error or "")
                assert row.claimed_by != "second"
            else:
                assert row.status is OutboxStatus.SENT and after[message_id(row)] == 1, row.id
        # the admin resends the unknown ones the parents did not get (here: those the server
        # never saw); each then arrives exactly once, with its own Message-ID
        missing = [r.id for r in rows if after[message_id(r)] == 0]
        assert missing and set(missing) <= died_with
        assert resend(missing, rows[0].school_id) == len(missing)
        Worker(name="second").drain()
        final = inbox.counts()
        assert sorted(final) == sorted(message_id(r) for r in rows)
        assert set(final.values()) == {1}
    finally:
        inbox.release.set()
        controller.stop()


def test_smtp_connection_lost_after_data_is_unknown_not_retried(app: Flask) -> None:
    """A connection lost once the message data went out may have delivered it: unknown (never
    retried by the worker), not transient (retried, and so possibly sent twice)."""

    port = free_port()

    class DropAfterData:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            DropAfterData.received += 1
            server.transport.close()  # the message is here; the answer never leaves
            return "250 OK"

    controller = Controller(DropAfterData(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        provider = SmtpEmail("127.0.0.1", port, timeout=5)
        with pytest.raises(UnknownOutcome):
            provider.send(OutMessage(row_id=7, to="p@example.bg", body="x", subject="s"))
    finally:
        controller.stop()
    assert DropAfterData.received == 1


def test_admin_sees_and_resends_an_email_that_may_not_have_been_sent(demo_app: Flask) -> None:
    email_row = NotificationOutbox(
        school_id=1, channel=Channel.EMAIL, event_type=NotifyEvent.GRADE, to_address="a@b.bg",
        subject="Бележник: тест", body="x", status=OutboxStatus.UNKNOWN,
        last_error="worker w stopped while sending: may not have been sent",
    )  # fmt: skip
    sms_row = NotificationOutbox(
        school_id=1, channel=Channel.SMS, event_type=NotifyEvent.GRADE, to_address="+359888000333",
        body="y", status=OutboxStatus.UNKNOWN,
    )  # fmt: skip
    other_school = NotificationOutbox(
        school_id=2, channel=Channel.EMAIL, event_type=NotifyEvent.GRADE, to_address="c@d.bg",
        body="z", status=OutboxStatus.UNKNOWN,
    )  # fmt: skip
    db.session.add_all([email_row, sms_row, other_school])
    db.session.commit()
    client = demo_app.test_client()
    login_staff(client, "direktor@sou1.demo.bg")
    page = client.get("/notify/admin?status=unknown")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "може да не е изпратено" in html
    assert f'value="{email_row.id}"' in html and f'value="{sms_row.id}"' not in html
    ids = [str(email_row.id), str(sms_row.id), str(other_school.id)]
    response = form_post(client, "/notify/admin", {"ids": ids}, post_url="/notify/admin/resend")
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(NotificationOutbox, email_row.id).status is OutboxStatus.PENDING
    assert db.session.get(NotificationOutbox, sms_row.id).status is OutboxStatus.UNKNOWN
    assert db.session.get(NotificationOutbox, other_school.id).status is OutboxStatus.UNKNOWN
