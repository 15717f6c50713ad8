"""E-mail through a real SMTP server (aiosmtpd in the test): text + HTML with a Bulgarian subject,
and an SMTP server that is down is retried later."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import re
import socket
from collections.abc import Iterator
from email import policy
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from models import Channel
from models import NotifyEvent
from models import OutboxStatus
from models import db
from notify import email_headers
from notify.outbox import enqueue_for_students
from notify.worker import Stats
from notify.worker import Worker
from tests.notify_helpers import grade_payload
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student
from tests.notify_helpers import rows


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    """A real SMTP server on ``port`` for the ``with`` block; its inbox is yielded."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_app(app):  # type: ignore[no-untyped-def]
    port = free_port()
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    app.extensions.pop("notify_providers", None)
    return app, port


def enqueue_grade() -> None:
    school = make_school()
    student = make_student(school)
    make_guardian(student, phone=None, email="tati@example.bg")
    db.session.commit()
    enqueue_for_students(
        [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade", object_id=1,
        payload=grade_payload("5.25", "Български език и литература"),
    )  # fmt: skip
    db.session.commit()


def deliver_grade(app: Any, port: int) -> tuple[Stats, Any]:
    """One grade notice sent by the worker through a real SMTP server: the worker's figures and
    the one message the server received."""
    with smtp_server(port) as inbox:
        enqueue_grade()
        app.config["NOW"] = "2026-11-25T10:03:00"
        stats = Worker().drain()
    [message] = inbox.messages
    return stats, message


def test_email_reaches_a_real_smtp_server(smtp_app) -> None:  # type: ignore[no-untyped-def]
    stats, message = deliver_grade(*smtp_app)
    assert stats.sent == 1
    assert message["Subject"] == "Бележник: Нова оценка — Иван"
    assert message["To"].startswith("tati")
    row = rows(channel=Channel.EMAIL)[0]
    assert message["Message-ID"] == email_headers.message_id(
        row.id, row.created_at, "belezhnik.local"
    )
    assert re.fullmatch(
        rf"<outbox-{row.id}\.[0-9a-f]{{16}}@belezhnik\.local>", message["Message-ID"]
    )
    assert row.provider_id == message["Message-ID"].strip("<>")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Иван: Много добър 5,25 по Български език и литература, 25.11" in text
    assert "<h1" in html and "Много добър 5,25" in html


def test_email_carries_the_headers_mail_servers_and_clients_check(smtp_app) -> None:  # type: ignore[no-untyped-def]
    """Issue 14, RFC 5322 (Date), RFC 3834 (Auto-Submitted), RFC 8058 (one-click unsubscribe):
    read back from a real SMTP server with Python's mail parser."""
    app, port = smtp_app
    app.config["PORTAL_BASE_URL"] = "https://portal.example.bg"
    stats, message = deliver_grade(app, port)
    assert stats.sent == 1
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Auto-Submitted"] == "auto-generated"
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(r"<https://portal\.example\.bg/account/unsubscribe/[\w.-]+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "https://portal.example.bg/account/preferences" in part
        assert "https://portal.example.bg/" in part
        assert "Профил → Известия" not in part  # no such menu item


def test_message_ids_differ_between_deployments_for_the_same_row(app) -> None:  # type: ignore[no-untyped-def]
    created = dt.datetime(2026, 11, 25, 8, 0)
    with app.app_context():
        first = email_headers.message_id(7, created, "belezhnik.bg")
        assert first == email_headers.message_id(7, created, "belezhnik.bg")  # a resend: same id
        app.config["SECRET_KEY"] = "another-deployment"
        assert email_headers.message_id(7, created, "belezhnik.bg") != first


def test_smtp_down_is_retried_later(smtp_app) -> None:  # type: ignore[no-untyped-def]
    app, port = smtp_app
    enqueue_grade()
    app.config["NOW"] = "2026-11-25T10:03:00"
    stats = Worker().drain()
    row = rows()[0]
    assert stats.retried == 1 and row.status is OutboxStatus.PENDING
    assert row.last_error.startswith("SMTP unavailable") and row.attempts == 1
    with smtp_server(port) as inbox:
        app.config["NOW"] = "2026-11-25T10:03:20"  # before the backoff: not yet
        assert Worker().drain().sent == 0
        app.config["NOW"] = "2026-11-25T10:03:31"
        assert Worker().drain().sent == 1
    db.session.expire_all()
    assert rows()[0].status is OutboxStatus.SENT and rows()[0].attempts == 2
    assert len(inbox.messages) == 1
