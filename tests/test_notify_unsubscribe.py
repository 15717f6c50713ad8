"""Issue 14, RFC 8058: one-click unsubscribe from a notification e-mail, tried as a mail client
and as an attacker would."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from models import Channel
from models import Guardian
from models import NotificationPreference
from models import NotifyEvent
from models import db
from notify import email_headers
from notify.outbox import PREFERENCE_EVENTS
from tests.notify_helpers import family


def email_choices(guardian_id: int) -> dict[NotifyEvent, bool]:
    return {
        p.event_type: p.enabled
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.guardian_id == guardian_id,
                NotificationPreference.channel == Channel.EMAIL,
            )
        )
    }


def test_one_click_post_stops_the_parents_emails_and_nothing_else(client: FlaskClient) -> None:
    _school, _student, guardian = family()
    guardian.digest = True
    db.session.add(
        NotificationPreference(
            guardian_id=guardian.id, event_type=NotifyEvent.GRADE, channel=Channel.SMS
        )
    )
    db.session.commit()
    url = f"/account/unsubscribe/{email_headers.unsubscribe_token(guardian.id)}"
    # what a mail client sends: no cookie, no CSRF token, the RFC 8058 body
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Известията по имейл са спрени" in response.get_data(as_text=True)
    db.session.expire_all()
    assert email_choices(guardian.id) == {event: False for event in PREFERENCE_EVENTS}
    assert db.session.get(Guardian, guardian.id).digest is False
    sms = db.session.scalar(
        sa.select(NotificationPreference.enabled).where(
            NotificationPreference.guardian_id == guardian.id,
            NotificationPreference.channel == Channel.SMS,
        )
    )
    assert sms is True  # SMS as it was
    assert client.post(url).status_code == 200  # again: idempotent


def test_following_the_link_changes_nothing(client: FlaskClient) -> None:
    """A link scanner (or a prefetching mail client) GETs every link: only a POST unsubscribes."""
    _school, _student, guardian = family()
    token = email_headers.unsubscribe_token(guardian.id)
    page = client.get(f"/account/unsubscribe/{token}")
    assert page.status_code == 200
    assert "Спри известията по имейл" in page.get_data(as_text=True)
    assert email_choices(guardian.id) == {}


def test_a_forged_or_altered_token_is_a_404(client: FlaskClient) -> None:
    _school, _student, guardian = family()
    other = email_headers.unsubscribe_token(guardian.id + 1)  # someone else's id, validly signed
    forged = email_headers.unsubscribe_token(guardian.id)[:-2] + "xx"
    for token in (forged, "1", "", "eyJ0ZXN0IjoxfQ"):
        assert client.post(f"/account/unsubscribe/{token}x").status_code == 404
    assert client.post(f"/account/unsubscribe/{other}").status_code == 404  # no such guardian
    assert email_choices(guardian.id) == {}


def test_a_token_of_another_deployment_does_not_work_here(app: Flask) -> None:
    with app.app_context():
        token = email_headers.unsubscribe_token(5)
        assert email_headers.guardian_id_of(token) == 5
        app.config["SECRET_KEY"] = "another-deployment"
        assert email_headers.guardian_id_of(token) is None


def test_account_mails_carry_no_unsubscribe(app: Flask) -> None:
    with app.app_context():
        assert "List-Unsubscribe" not in email_headers.list_headers(3, NotifyEvent.ACCOUNT)
        assert "List-Unsubscribe" not in email_headers.list_headers(None, NotifyEvent.GRADE)
        headers = email_headers.list_headers(3, NotifyEvent.GRADE)
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers["Auto-Submitted"] == "auto-generated"
