"""A staff member's own profile (``/staff/profile``): the mobile number and how urgent news
reaches them at once (SMS, e-mail or both), checked, saved, audited; linked from every staff
page's header; only one's own."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from models import AlertChannel
from models import AuditLog
from models import StaffUser
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff

PAGE = "/staff/profile"
TEACHER = "uchitel1@sou1.demo.bg"


def _post(client: FlaskClient, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={"csrf_token": token, **data})


def _me() -> StaffUser:
    db.session.expire_all()
    staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == TEACHER))
    assert staff is not None
    return staff


def test_the_profile_is_linked_and_shows_the_choice(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    login_staff(demo_client, TEACHER)
    home = demo_client.get("/staff/").get_data(as_text=True)
    assert f'href="{PAGE}"' in home
    page = demo_client.get(PAGE).get_data(as_text=True)
    assert "Моят профил" in page and "Само SMS" in page and "SMS и имейл" in page


def test_the_choice_and_the_phone_are_checked_saved_and_audited(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    login_staff(demo_client, TEACHER)
    bad = _post(demo_client, {"phone": "12", "alert_channel": "sms"})
    assert bad.status_code == 200 and "не е валиден" in bad.get_data(as_text=True)
    no_phone = _post(demo_client, {"phone": "", "alert_channel": "sms"})
    assert "въведете мобилен телефон" in no_phone.get_data(as_text=True)
    unknown = _post(demo_client, {"phone": "", "alert_channel": "fax"})
    assert unknown.status_code == 200 and _me().alert_channel is AlertChannel.BOTH
    saved = _post(demo_client, {"phone": "0888 765 432", "alert_channel": "sms"})
    assert saved.status_code == 302
    me = _me()
    assert me.phone == "+359888765432" and me.alert_channel is AlertChannel.SMS
    entry = db.session.scalar(
        sa.select(AuditLog)
        .where(AuditLog.object_type == "staff_user", AuditLog.object_id == me.id)
        .order_by(AuditLog.id.desc())
    )
    assert entry is not None and entry.actor_id == me.id
    assert entry.after == {"phone": "+359888765432", "alert_channel": "sms"}
    email_only = _post(demo_client, {"phone": "", "alert_channel": "email"})
    assert email_only.status_code == 302
    assert _me().phone is None and _me().alert_channel is AlertChannel.EMAIL


def test_no_csrf_changes_nothing_and_signed_out_gets_the_login(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    assert demo_client.get(PAGE).status_code == 302
    login_staff(demo_client, TEACHER)
    forged = demo_client.post(PAGE, data={"phone": "0888765432", "alert_channel": "sms"})
    assert forged.status_code in (200, 400)
    assert _me().alert_channel is AlertChannel.BOTH and _me().phone != "+359888765432"
