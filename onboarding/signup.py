"""A school joins: a public request, the operator's review, the new admin's first password.

Use-cases (no Flask request here): :func:`submit_request`, :func:`approve`, :func:`reject`,
:func:`set_password_with_token`. Routes are registered on the onboarding blueprint by
:func:`register`:

* ``GET/POST /onboarding/signup`` — public request page (throttled per address);
* ``GET /onboarding/requests`` — the operator's review list (``operator_required``);
* ``POST /onboarding/requests/<id>/approve`` and ``…/reject`` (reason required);
* ``GET/POST /onboarding/welcome/<code_id>/<token>`` — the new admin sets a password.

Approving creates the School, its current SchoolYear (defaults of
``gradebook.demo.school_year_bounds``), the admin StaffUser + StaffMembership, and writes an
e-mail (NotificationOutbox, channel EMAIL, event ACCOUNT) with the sign-in / set-password link,
all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.security import generate_password_hash
from wtforms import PasswordField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

import throttle
from config import clock
from config import urls
from extensions import Form
from gradebook.access import current_staff
from gradebook.access import operator_required
from gradebook.demo import school_year_bounds
from models import AuditLog
from models import Channel
from models import School
from models import SchoolYear
from models import SignupRequest
from models import SignupStatus
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import VerificationCode
from models import db
from models import utcnow
from notify.outbox import enqueue_direct
from onboarding.contacts import normalize_email
from onboarding.contacts import normalize_phone

WELCOME_PURPOSE = "staff_welcome"
WELCOME_DAYS = 7
SIGNUPS_PER_HOUR = 10


class SignupError(ValueError):
    def __init__(self, message: str, message_bg: str) -> None:
        super().__init__(message)
        self.message_bg = message_bg


# --- forms -----------------------------------------------------------------------------------------
class SignupForm(Form):
    school_name = StringField(
        "Име на училището", [DataRequired("Попълнете името."), Length(max=200)]
    )
    neispuo_code = StringField(
        "Код по НЕИСПУО",
        [DataRequired("Попълнете кода."), Regexp(r"^\s*\d{7}\s*$", message="Кодът е 7 цифри.")],
    )
    town = StringField(
        "Населено място", [DataRequired("Попълнете населеното място."), Length(max=100)]
    )
    director_name = StringField(
        "Директор", [DataRequired("Попълнете имената на директора."), Length(max=200)]
    )
    email = StringField("E-mail за връзка", [DataRequired("Попълнете e-mail."), Length(max=200)])
    phone = StringField("Телефон", [Optional(), Length(max=30)])
    note = TextAreaField("Бележка", [Optional(), Length(max=2000)])


class RejectForm(Form):
    reason = TextAreaField(
        "Причина", [DataRequired("Посочете причина за отказа."), Length(max=1000)]
    )


class ApproveForm(Form):
    pass


class PasswordForm(Form):
    password = PasswordField(
        "Нова парола", [DataRequired("Въведете парола."), Length(min=10, message="Поне 10 знака.")]
    )
    confirm = PasswordField("Повторете паролата", [EqualTo("password", "Паролите не съвпадат.")])


# --- use-cases -----------------------------------------------------------------------------------------
def submit_request(data: dict[str, str]) -> SignupRequest:
    """Validate and store a request (commits). SignupError with a Bulgarian message otherwise."""
    code = data["neispuo_code"].strip()
    if not re.fullmatch(r"\d{7}", code):
        raise SignupError("bad code", "Кодът по НЕИСПУО е 7 цифри.")
    try:
        email = normalize_email(data["email"])
    except ValueError:
        raise SignupError("bad email", "Невалиден e-mail адрес.") from None
    phone = ""
    if data.get("phone", "").strip():
        try:
            phone = normalize_phone(data["phone"])
        except ValueError:
            raise SignupError("bad phone", "Невалиден телефонен номер.") from None
    if db.session.scalar(sa.select(School.id).where(School.neispuo_code == code)):
        raise SignupError("school exists", "Училище с този код вече използва Бележник.")
    if db.session.scalar(
        sa.select(SignupRequest.id).where(
            SignupRequest.neispuo_code == code, SignupRequest.status == SignupStatus.PENDING
        )
    ):
        raise SignupError("pending exists", "Вече има заявка за това училище; ще се свържем с вас.")
    row = SignupRequest(
        school_name=data["school_name"].strip(),
        neispuo_code=code,
        town=data["town"].strip(),
        director_name=data["director_name"].strip(),
        email=email,
        phone=phone,
        note=(data.get("note") or "").strip(),
    )
    db.session.add(row)
    db.session.commit()
    return row


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _welcome_link(code: VerificationCode, token: str) -> str:
    return urls.link("onboarding.welcome", code_id=code.id, token=token)


def issue_welcome(
    staff: StaffUser,
    school_id: int,
    *,
    subject: str,
    intro: str,
    object_type: str,
    object_id: int | None,
    extra: dict[str, Any] | None = None,
) -> str:
    """A one-time set-password link for ``staff`` (valid WELCOME_DAYS days), e-mailed through
    the outbox (EMAIL, ACCOUNT). Written in the caller's transaction (no commit); returns it."""
    token = secrets.token_urlsafe(32)
    code = VerificationCode(
        purpose=WELCOME_PURPOSE,
        channel=Channel.EMAIL,
        target=staff.email,
        code_hash=_token_hash(token),
        data={"staff_id": staff.id, "school_id": school_id},
        expires_at=utcnow() + dt.timedelta(days=WELCOME_DAYS),
    )
    db.session.add(code)
    db.session.flush()
    link = _welcome_link(code, token)
    text = (
        f"Здравейте, {staff.full_name}!\n\n{intro}\n"
        f"Задайте парола за входа си в Бележник (връзката важи {WELCOME_DAYS} дни):\n{link}\n\n"
        f"Вход: с e-mail адреса {staff.email} и новата парола."
    )
    row = enqueue_direct(
        Channel.EMAIL,
        staff.email,
        {**(extra or {}), "text": text, "subject": subject, "link": link, "name": staff.full_name},
        school_id=school_id,
    )
    row.object_type, row.object_id = object_type, object_id
    return link


def approve(request_id: int, operator_id: int | None) -> School:
    """Create the school, its year and admin; e-mail the admin a link. One transaction."""
    row = db.session.get(SignupRequest, request_id)
    if row is None:
        abort(404)
    if row.status != SignupStatus.PENDING:
        raise SignupError("not pending", "Заявката вече е разгледана.")
    if db.session.scalar(sa.select(School.id).where(School.neispuo_code == row.neispuo_code)):
        raise SignupError("school exists", "Училище с този код вече съществува.")
    try:
        school = School(name=row.school_name, neispuo_code=row.neispuo_code, town=row.town,
                        email=row.email)  # fmt: skip
        db.session.add(school)
        db.session.flush()
        first, start, term2, end = school_year_bounds(clock.today())
        db.session.add(SchoolYear(school_id=school.id, name=f"{first}/{first + 1}", starts_on=start,
                                  term2_starts_on=term2, ends_on=end, is_current=True,
                                  month_lock_day=5))  # fmt: skip
        admin = db.session.scalar(
            sa.select(StaffUser).where(sa.func.lower(StaffUser.email) == row.email.lower())
        )
        if admin is None:
            admin = StaffUser(email=row.email, full_name=row.director_name,
                              password_hash=generate_password_hash(secrets.token_urlsafe(32), method="pbkdf2:sha256:1000"),
                              phone=row.phone or None, must_change_password=True)  # fmt: skip
            db.session.add(admin)
            db.session.flush()
        db.session.add(StaffMembership(staff_id=admin.id, school_id=school.id, role=StaffRole.ADMIN,
                                       position="директор"))  # fmt: skip
        issue_welcome(admin, school.id, subject="училището ви е одобрено",
                      intro=f"Заявката на {row.school_name} за Бележник е одобрена.",
                      object_type="signup", object_id=row.id,
                      extra={"kind": "school_approved", "school": row.school_name})  # fmt: skip
        row.status = SignupStatus.APPROVED
        row.school_id = school.id
        row.reviewed_by_id = operator_id
        row.reviewed_at = utcnow()
        db.session.add(AuditLog(school_id=school.id, actor_type="staff", actor_id=operator_id,
                                action="approve", object_type="signup_request", object_id=row.id))  # fmt: skip
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return school


def reject(request_id: int, operator_id: int | None, reason: str) -> SignupRequest:
    row = db.session.get(SignupRequest, request_id)
    if row is None:
        abort(404)
    if row.status != SignupStatus.PENDING:
        raise SignupError("not pending", "Заявката вече е разгледана.")
    reason = reason.strip()
    if not reason:
        raise SignupError("no reason", "Посочете причина за отказа.")
    row.status = SignupStatus.REJECTED
    row.reason = reason[:1000]
    row.reviewed_by_id = operator_id
    row.reviewed_at = utcnow()
    text = (
        f"Здравейте, {row.director_name}!\n\nЗа съжаление заявката на {row.school_name} за "
        f"Бележник не е одобрена.\nПричина: {row.reason}"
    )
    message = enqueue_direct(
        Channel.EMAIL,
        row.email,
        {
            "text": text,
            "subject": "заявката ви",
            "kind": "school_rejected",
            "school": row.school_name,
            "reason": row.reason,
        },  # fmt: skip
    )
    message.object_type, message.object_id = "signup", row.id
    db.session.commit()
    return row


def _valid_code(code_id: int, token: str) -> VerificationCode | None:
    code = db.session.get(VerificationCode, code_id)
    if (
        code is None
        or code.purpose != WELCOME_PURPOSE
        or code.used_at is not None
        or code.expires_at < utcnow()
        or code.attempts >= 10
        or not hmac.compare_digest(code.code_hash, _token_hash(token))
    ):
        return None
    return code


def set_password_with_token(code_id: int, token: str, password: str) -> StaffUser | None:
    code = _valid_code(code_id, token)
    if code is None:
        return None
    staff = db.session.get(StaffUser, int(code.data.get("staff_id", 0)))
    if staff is None:
        return None
    staff.password_hash = generate_password_hash(password)
    staff.must_change_password = False
    code.used_at = utcnow()
    db.session.commit()
    return staff


# --- routes -----------------------------------------------------------------------------------------
def register(bp: Blueprint) -> None:
    @bp.route("/signup", methods=["GET", "POST"])
    def signup() -> Any:
        form = SignupForm()
        if form.validate_on_submit():
            address = request.remote_addr or "?"
            # every submission counts (never given back), atomically and committed at once
            if not throttle.reserve(throttle.Limit("signup", address, SIGNUPS_PER_HOUR)):
                flash("Твърде много заявки от този адрес. Опитайте по-късно.", "error")
                return render_template("onboarding/signup.html", form=form), 429
            try:
                submit_request({k: (getattr(form, k).data or "") for k in (
                    "school_name", "neispuo_code", "town", "director_name", "email", "phone", "note")})  # fmt: skip
            except SignupError as exc:
                flash(exc.message_bg, "error")
                return render_template("onboarding/signup.html", form=form), 400
            return render_template("onboarding/signup_done.html")
        return render_template("onboarding/signup.html", form=form), (400 if form.errors else 200)

    @bp.get("/requests")
    @operator_required
    def requests_list() -> Any:
        rows = db.session.scalars(
            sa.select(SignupRequest)
            .order_by(
                (SignupRequest.status == SignupStatus.PENDING).desc(),
                SignupRequest.created_at.desc(),
            )
            .limit(200)
        ).all()
        return render_template("onboarding/requests.html", rows=rows, approve_form=ApproveForm(),
                               reject_form=RejectForm())  # fmt: skip

    @bp.post("/requests/<int:request_id>/approve")
    @operator_required
    def request_approve(request_id: int) -> Any:
        form = ApproveForm()
        if not form.validate_on_submit():
            abort(400)
        staff = current_staff()
        try:
            school = approve(request_id, staff.id if staff else None)
            flash(
                f"Училището „{school.name}“ е създадено; на директора е изпратена връзка.",
                "success",
            )
        except SignupError as exc:
            flash(exc.message_bg, "error")
        return redirect(url_for("onboarding.requests_list"))

    @bp.post("/requests/<int:request_id>/reject")
    @operator_required
    def request_reject(request_id: int) -> Any:
        form = RejectForm()
        if not form.validate_on_submit():
            flash("Посочете причина за отказа.", "error")
            return redirect(url_for("onboarding.requests_list"))
        staff = current_staff()
        try:
            reject(request_id, staff.id if staff else None, form.reason.data or "")
            flash("Заявката е отказана; заявителят ще получи писмо с причината.", "success")
        except SignupError as exc:
            flash(exc.message_bg, "error")
        return redirect(url_for("onboarding.requests_list"))

    @bp.route("/welcome/<int:code_id>/<token>", methods=["GET", "POST"])
    def welcome(code_id: int, token: str) -> Any:
        code = _valid_code(code_id, token)
        if code is None:
            return render_template("onboarding/welcome.html", form=None, invalid=True), 404
        form = PasswordForm()
        if form.validate_on_submit():
            staff = set_password_with_token(code_id, token, form.password.data or "")
            if staff is None:
                return render_template("onboarding/welcome.html", form=None, invalid=True), 404
            flash("Паролата е записана. Влезте с e-mail адреса и новата парола.", "success")
            return redirect(_login_url())
        return render_template(
            "onboarding/welcome.html", form=form, invalid=False, email=code.target
        )


def _login_url() -> str:
    try:
        return url_for("staff.login")
    except Exception:  # the staff web not registered (e.g. a trimmed app)
        return "/staff/login"
