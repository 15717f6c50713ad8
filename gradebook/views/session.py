"""Signing in and out of the staff web (``/staff/login``, throttled per e-mail and per
address; ``/logout``, ``/logout/everywhere``), changing one's own password (``/password``), one's
own profile (``/profile``: the mobile number and how urgent news reaches them: SMS, e-mail or
both) and switching the current school (``/school``)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

import session_tokens
import throttle
from config import clock
from gradebook import access
from gradebook import core
from gradebook import people
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.forms import LoginForm
from gradebook.forms import PasswordForm
from gradebook.forms import ProfileForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.views.common import log
from models import StaffUser
from models import db

LOGIN_LIMIT_PER_EMAIL = 5
LOGIN_LIMIT_PER_ADDRESS = 30
LOGIN_WINDOW = dt.timedelta(minutes=15)
THROTTLED_BG = "Твърде много неуспешни опити за вход. Опитайте отново след 15 минути."
BAD_LOGIN_BG = "Грешен имейл или парола."


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    staff_page = parts.path.startswith("/staff") or parts.path in ("/ivr/calls", "/ivr/simulator")
    if parts.scheme or parts.netloc or not staff_page or "//" in target:
        return None
    return target


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(generate_password_hash(secrets.token_hex(16)))
    return _DUMMY[0]


# --- sign-in -----------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = f"ip:{request.remote_addr or '?'}"
        limits = (
            throttle.Limit("staff_login", email, LOGIN_LIMIT_PER_EMAIL, LOGIN_WINDOW),
            throttle.Limit("staff_login", address, LOGIN_LIMIT_PER_ADDRESS, LOGIN_WINDOW),
        )
        if not throttle.reserve(*limits):  # counted (and committed) before the password check
            log.warning("staff sign-in throttled for %s", email)
            form.password.errors = [THROTTLED_BG]
            return render_template("gradebook/login.html", form=form), 429
        user = db.session.scalar(
            sa.select(StaffUser).where(sa.func.lower(StaffUser.email) == email)
        )
        # the same work for an unknown e-mail, so that timing does not tell which accounts exist
        password_ok = check_password_hash(
            user.password_hash if user is not None else _dummy_hash(), form.password.data or ""
        )
        if user is None or not user.active or not password_ok:
            log.info("failed staff sign-in for %s", email)
            form.password.errors = [BAD_LOGIN_BG]
            status = 401
        else:
            throttle.give_back(*limits)  # a sign-in that worked is not a guess
            user.last_login_at = clock.utc_naive()
            db.session.commit()
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # no session fixation: a fresh session (and CSRF token) per sign-in
            g.pop("csrf_token", None)
            access.request_cache().clear()
            session_tokens.sign_in(user)
            if user.memberships:
                session[access.SESSION_SCHOOL_KEY] = sorted(m.school_id for m in user.memberships)[
                    0
                ]
            if user.must_change_password:
                return redirect(url_for("staff.password"))
            if user.is_operator and not user.memberships:
                return redirect(url_for("staff.operator"))
            return redirect(next_url or url_for("staff.index"))
    elif request.method == "POST":
        status = 400
    return render_template("gradebook/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    return _sign_out("Излязохте от профила си.")


@bp.post("/logout/everywhere")
def logout_everywhere() -> Any:
    """Изход от всички устройства (logout does the same: every session and remember-me cookie of
    the account ends; this one says so)."""
    return _sign_out("Излязохте от профила си на всички устройства.")


def _sign_out(message: str) -> Any:
    if not CsrfForm().validate_on_submit():
        abort(400)
    session_tokens.sign_out()
    session.clear()
    g.pop("csrf_token", None)
    flash(message, "success")
    return redirect(url_for("staff.login"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> Any:
    staff = access.current_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            people.change_own_password(staff, form.password.data or "")
        except core.OperationError as exc:
            fail(exc, form)
        else:
            session_tokens.renew(staff)  # every other session ended with the old password
            flash("Паролата е сменена.", "success")
            return redirect(url_for("staff.index") if staff.memberships else url_for("staff.login"))
    return render_template("gradebook/password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@access.staff_required
def profile() -> Any:
    """Моят профил: the mobile number and how urgent news reaches the staff member at once."""
    me = actor()
    staff = access.current_staff()
    form = ProfileForm(obj=staff if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            people.save_own_profile(
                me, phone=form.phone.data or "", alert_channel=form.alert_channel.data or ""
            )
        except core.OperationError as exc:
            fail(exc, form)
        else:
            flash("Профилът е записан.", "success")
            return redirect(url_for("staff.profile"))
    return render_template("gradebook/profile.html", form=form, staff=staff)


@bp.post("/school")
@access.staff_required
def switch_school() -> Any:
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    if not access.set_current_school(request.form.get("school_id", type=rules.db_id)):
        abort(403)
    return redirect(url_for("staff.index"))
