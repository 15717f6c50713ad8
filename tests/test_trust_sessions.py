"""Sessions outlive nothing (issue #12, item 5), replayed as an attacker would: a copied session or
remember-me cookie (a shared computer, a stolen laptop, malware in the browser profile) stops
working at logout, after a password or PIN change, after an admin's or a link's reset, after
"sign out everywhere" and SIGN_IN_MAX_DAYS after the sign-in; every sign-in makes a new
remember-me cookie."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import session_tokens
from models import Guardian
from models import StaffUser
from models import db
from tests.conftest import NOW
from tests.conftest import form_post
from tests.conftest import login_staff
from tests.test_portal_pages import _reset_link

PARENT = "roditel1@sou1.demo.bg"
TEACHER = "uchitel1@sou1.demo.bg"
DIRECTOR = "direktor@sou1.demo.bg"
STAFF_PAGE = "/staff/"  # 200 signed in, a redirect to the sign-in page otherwise
PARENT_PAGE = "/account/pin"


def _copy(app: Flask, source: FlaskClient, *names: str) -> FlaskClient:
    """A second browser holding copies of ``source``'s cookies (the attacker's)."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def _signed_in(client: FlaskClient, path: str) -> bool:
    response = client.get(path)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _parent_login(client: FlaskClient, remember: bool = False, password: str = "demo1234") -> None:
    data = {"email": PARENT, "password": password}
    if remember:
        data["remember"] = "y"
    assert form_post(client, "/login", data).status_code == 302


def _staff(email: str) -> StaffUser:
    return db.session.scalars(sa.select(StaffUser).where(StaffUser.email == email)).one()


# --- a copied session cookie ----------------------------------------------------------------------
def test_copied_staff_session_cookie_dies_at_logout(demo_app: Flask) -> None:
    me = demo_app.test_client()
    assert login_staff(me, TEACHER).status_code == 302
    thief = _copy(demo_app, me, "session")
    assert _signed_in(thief, STAFF_PAGE)
    form_post(me, STAFF_PAGE, {}, post_url="/staff/logout")
    assert not _signed_in(thief, STAFF_PAGE)


def test_copied_parent_session_cookie_dies_at_logout(demo_app: Flask) -> None:
    me = demo_app.test_client()
    _parent_login(me)
    thief = _copy(demo_app, me, "session")
    assert _signed_in(thief, PARENT_PAGE)
    form_post(me, "/logout", {})
    assert not _signed_in(thief, PARENT_PAGE)


def test_copied_session_cookie_dies_when_the_owner_changes_the_password(demo_app: Flask) -> None:
    me = demo_app.test_client()
    login_staff(me, TEACHER)
    thief = _copy(demo_app, me, "session")
    new = "нова-парола-123"
    response = form_post(me, "/staff/password", {"password": new, "confirm": new})
    assert response.status_code == 302
    assert not _signed_in(thief, STAFF_PAGE)
    assert _signed_in(me, STAFF_PAGE), "the browser that changed it stays signed in"


def test_copied_session_cookie_dies_when_the_admin_resets_the_password(demo_app: Flask) -> None:
    victim = demo_app.test_client()
    login_staff(victim, TEACHER)
    thief = _copy(demo_app, victim, "session")
    admin = demo_app.test_client()
    login_staff(admin, DIRECTOR)
    teacher = _staff(TEACHER)
    response = form_post(
        admin, "/staff/admin/staff", {}, post_url=f"/staff/admin/staff/{teacher.id}/password"
    )
    assert response.status_code == 302
    assert not _signed_in(thief, STAFF_PAGE)
    assert not _signed_in(victim, STAFF_PAGE)


def test_copied_parent_cookies_die_when_a_reset_link_sets_a_new_password(
    demo_app: Flask,
) -> None:
    me = demo_app.test_client()
    _parent_login(me, remember=True)
    thief = _copy(demo_app, me, "session", "remember_token")
    assert _signed_in(thief, PARENT_PAGE)
    stranger = demo_app.test_client()  # the owner, on another computer, forgot the password
    form_post(stranger, "/password/forgot", {"email": PARENT})
    path = _reset_link(PARENT).split("localhost", 1)[1]
    new = "нова-парола-1"
    assert form_post(stranger, path, {"password": new, "confirm": new}).status_code == 302
    assert not _signed_in(thief, PARENT_PAGE)
    only_remember = _copy(demo_app, me, "remember_token")
    assert not _signed_in(only_remember, PARENT_PAGE)


def test_copied_parent_cookies_die_when_the_pin_changes(demo_app: Flask) -> None:
    me = demo_app.test_client()
    _parent_login(me, remember=True)
    thief = _copy(demo_app, me, "session", "remember_token")
    data = {"password": "demo1234", "pin": "7392", "pin2": "7392"}
    assert form_post(me, PARENT_PAGE, data).status_code == 302
    assert not _signed_in(thief, PARENT_PAGE)
    assert _signed_in(me, PARENT_PAGE)


# --- sign out everywhere --------------------------------------------------------------------------
def test_staff_sign_out_everywhere_ends_every_session(demo_app: Flask) -> None:
    laptop, phone = demo_app.test_client(), demo_app.test_client()
    login_staff(laptop, TEACHER)
    login_staff(phone, TEACHER)
    thief = _copy(demo_app, laptop, "session")
    response = form_post(phone, "/staff/password", {}, post_url="/staff/logout/everywhere")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    for client in (laptop, phone, thief):
        assert not _signed_in(client, STAFF_PAGE)
    assert login_staff(laptop, TEACHER).status_code == 302, "signing in again works"
    assert _signed_in(laptop, STAFF_PAGE)


def test_parent_sign_out_everywhere_ends_sessions_and_remember_cookies(demo_app: Flask) -> None:
    laptop, phone = demo_app.test_client(), demo_app.test_client()
    _parent_login(laptop, remember=True)
    _parent_login(phone)
    remembered = _copy(demo_app, laptop, "remember_token")
    assert _signed_in(remembered, PARENT_PAGE)
    assert form_post(phone, "/logout", {}, post_url="/logout/everywhere").status_code == 302
    fresh = _copy(demo_app, laptop, "remember_token")
    for client in (laptop, phone, remembered, fresh):
        assert not _signed_in(client, PARENT_PAGE)


def test_sign_out_everywhere_needs_the_csrf_token(demo_app: Flask) -> None:
    me = demo_app.test_client()
    login_staff(me, TEACHER)
    assert me.post("/staff/logout/everywhere").status_code == 400
    assert _signed_in(me, STAFF_PAGE)


# --- remember-me cookies --------------------------------------------------------------------------
def test_copied_remember_cookie_dies_at_logout(demo_app: Flask) -> None:
    me = demo_app.test_client()
    _parent_login(me, remember=True)
    thief = _copy(demo_app, me, "remember_token")
    assert _signed_in(thief, PARENT_PAGE), "the remember-me cookie alone signs in"
    form_post(me, "/logout", {})
    assert not _signed_in(_copy(demo_app, thief, "remember_token"), PARENT_PAGE)
    assert not _signed_in(thief, PARENT_PAGE)


def test_two_sign_ins_give_different_remember_cookies(demo_app: Flask) -> None:
    values = []
    for _ in range(2):
        client = demo_app.test_client()
        _parent_login(client, remember=True)
        cookie = client.get_cookie("remember_token")
        assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
        values.append(cookie.value)
    assert values[0] != values[1]


def test_an_expired_remember_cookie_is_refused(demo_app: Flask) -> None:
    me = demo_app.test_client()
    _parent_login(me, remember=True)
    start = dt.datetime.fromisoformat(NOW)
    demo_app.config["NOW"] = (start + dt.timedelta(days=29)).isoformat()
    assert _signed_in(_copy(demo_app, me, "remember_token"), PARENT_PAGE)
    demo_app.config["NOW"] = (start + dt.timedelta(days=31)).isoformat()
    assert not _signed_in(_copy(demo_app, me, "remember_token"), PARENT_PAGE)
    assert not _signed_in(me, PARENT_PAGE), "the session of that sign-in expired with it"


# --- the tokens themselves ------------------------------------------------------------------------
def test_a_plain_account_id_is_not_a_sign_in(demo_app: Flask) -> None:
    """Sessions of before (``"g:<id>"``) and every malformed token sign nobody in."""
    parent = db.session.scalars(sa.select(Guardian).where(Guardian.email == PARENT)).one()
    assert session_tokens.load_user(f"g:{parent.id}") is None
    token = session_tokens.issue(parent)
    assert session_tokens.load_user(token) is parent
    _kind, ident, generation, issued, nonce = token.split(":")
    for bad in (
        f"g:{ident}:{int(generation) + 1}:{issued}:{nonce}",
        f"g:{ident}:{generation}:x{issued}:{nonce}",
        f"g:{10**20}:{generation}:{issued}:{nonce}",
        f"g:{ident}:{generation}:{issued}",
        "",
    ):
        assert session_tokens.load_user(bad) is None, bad


@pytest.mark.parametrize("attribute", ["password_hash", "pin_hash"])
def test_every_credential_change_moves_the_generation(demo_app: Flask, attribute: str) -> None:
    parent = db.session.scalars(sa.select(Guardian).where(Guardian.email == PARENT)).one()
    before = parent.session_generation
    setattr(parent, attribute, getattr(parent, attribute))  # the same value: nothing ends
    assert parent.session_generation == before
    setattr(parent, attribute, "changed")
    assert parent.session_generation == before + 1


def test_a_deactivated_account_is_signed_out_at_once(demo_app: Flask) -> None:
    me = demo_app.test_client()
    login_staff(me, TEACHER)
    assert _signed_in(me, STAFF_PAGE)
    _staff(TEACHER).active = False
    db.session.commit()
    assert not _signed_in(me, STAFF_PAGE)
