"""Parent account pages (blueprint ``account``): registration with the student's code,
notification preferences, adding a child, changing the phone PIN.

Registration is three steps kept in the session (only verification ids, never codes):
``/register`` (code + contacts) → ``/register/verify`` (the SMS code; or the e-mail link
``/register/email/<vid>/<token>``) → ``/register/finish`` (password + PIN) → signed in.
The code and the SMS / e-mail go only to a contact the school recorded for the pupil; the pages
read the same for a wrong code, an unknown contact and a match (issue #12).
Family links (:mod:`notify.families`): ``/account/links`` (my invitations; other parents of my
children, newer ones revocable), ``/links/<id>/<token>`` (an invitation from the e-mail/SMS),
``/pin/set/<id>/<token>`` (the one-time set-PIN link the school's "new PIN" sends).
Use-cases live in :mod:`notify.operations` and :mod:`notify.families`;
``create_and_link_guardian`` is re-exported here for the staff web.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import logout_user
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import TelField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional

import session_tokens
from extensions import Form
from extensions import csrf
from models import Channel
from models import Guardian
from models import School
from models import Student
from models import db
from notify import email_headers
from notify import families
from notify import operations as ops
from notify.account_rules import AccountError
from notify.contacts import normalize_email
from notify.contacts import normalize_phone
from notify.families import create_and_link_guardian
from notify.messages import EVENT_LABELS_BG
from notify.outbox import PREFERENCE_EVENTS

bp = Blueprint("account", __name__, template_folder="templates")

SESSION_KEY = "registration"
ASKED_KEY = "registration_asked"  # the contacts typed (shown back), whether or not they matched

__all__ = ["bp", "create_and_link_guardian"]


def _pin_again(label: str) -> PasswordField:
    """The second PIN field of a form that sets a PIN: typed again, the same as ``pin``."""
    return PasswordField(
        label,
        validators=[
            DataRequired("Повторете ПИН кода."),
            EqualTo("pin", "ПИН кодовете не съвпадат."),
        ],
    )


class RegisterForm(Form):
    student_code = StringField(
        "ИД код на ученика", validators=[DataRequired("Въведете ИД кода."), Length(max=20)]
    )
    full_name = StringField(
        "Вашето име", validators=[DataRequired("Въведете име."), Length(max=200)]
    )
    phone = TelField("Мобилен телефон", validators=[Optional(), Length(max=30)])
    email = EmailField("Електронна поща", validators=[Optional(), Length(max=200)])


class VerifyForm(Form):
    code = StringField("Код от SMS", validators=[Optional(), Length(max=10)])


class FinishForm(Form):
    password = PasswordField("Парола (поне 8 знака)", validators=[DataRequired("Въведете парола.")])
    password2 = PasswordField(
        "Паролата отново",
        validators=[
            DataRequired("Повторете паролата."),
            EqualTo("password", "Паролите не съвпадат."),
        ],
    )
    pin = PasswordField(
        "ПИН за телефонната линия (4–6 цифри)", validators=[DataRequired("Въведете ПИН.")]
    )
    pin2 = _pin_again("ПИН отново")


class AddChildForm(Form):
    student_code = StringField(
        "ИД код на детето", validators=[DataRequired("Въведете ИД кода."), Length(max=20)]
    )


class PinForm(Form):
    password = PasswordField("Парола", validators=[DataRequired("Въведете паролата си.")])
    pin = PasswordField("Нов ПИН (4–6 цифри)", validators=[DataRequired("Въведете ПИН.")])
    pin2 = _pin_again("Новият ПИН отново")


class EraseForm(Form):
    password = PasswordField("Парола", validators=[DataRequired("Въведете паролата си.")])


class PreferencesForm(Form):
    digest = BooleanField("Едно обобщение на ден вместо всяко известие поотделно")
    sms_cyrillic = BooleanField("SMS на кирилица (по-дълги, може да струват повече)")
    stop_all = BooleanField("Спри всички известия")


def _client_key() -> str:
    return f"ip:{request.remote_addr or '?'}"


class PinSetForm(Form):
    pin = PasswordField("Нов ПИН (4–6 цифри)", validators=[DataRequired("Въведете ПИН.")])
    pin2 = _pin_again("Новият ПИН отново")


def _registration_ids() -> list[int]:
    return [int(v) for v in session.get(SESSION_KEY, []) if str(v).isdigit()]


def _guardian() -> Guardian:
    guardian = _signed_in_guardian()
    if guardian is None:
        abort(403)
    return guardian


def _field_error(form: Form, exc: AccountError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*list(field.errors or []), exc.message_bg]
    else:
        flash(exc.message_bg, "error")


def _form_page(form: Form, action: Callable[[], Any], template: str, **context: Any) -> Any:
    """A parent's form page: a valid POST runs ``action``, whose answer is the response; an
    :class:`AccountError` it raises is shown beside the field it names and the page is shown
    again (400 after a POST, 200 for a GET)."""
    if form.validate_on_submit():
        try:
            return action()
        except AccountError as exc:
            _field_error(form, exc)
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _added(student: Student) -> str:
    return f"{student.first_name} е добавен(а) към профила ви."


def _decided(student: Student, accept: bool) -> str:
    """What a parent reads after answering an invitation (in the portal or by its link)."""
    return _added(student) if accept else "Поканата е отказана."


def _button_posted() -> Guardian:
    """The signed-in parent of a one-button POST (its CSRF token checked, else 400)."""
    guardian = _guardian()
    if not Form().validate_on_submit():
        abort(400)
    return guardian


# --- one-click unsubscribe (RFC 8058) ---------------------------------------------------------
@bp.route("/account/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST carries no CSRF token: the signed token is the proof
def unsubscribe(token: str) -> Any:
    """GET: a page with one button (a link scanner that follows the link changes nothing);
    POST (the button, or the mail client's ``List-Unsubscribe=One-Click``): e-mails stopped."""
    guardian_id = email_headers.guardian_id_of(token)
    guardian = db.session.get(Guardian, guardian_id) if guardian_id is not None else None
    if guardian is None:
        abort(404)
    if request.method == "POST":
        ops.stop_email(guardian)
        return render_template("notify/unsubscribe.html", done=True), 200
    return render_template("notify/unsubscribe.html", done=False, token=token)


# --- registration -----------------------------------------------------------------------------
@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    form = RegisterForm()

    def start() -> Any:
        ids = ops.start_registration(
            student_code=form.student_code.data or "",
            phone=form.phone.data or "",
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            client_key=_client_key(),
        )
        session[SESSION_KEY] = ids
        session[ASKED_KEY] = {
            "sms": normalize_phone(form.phone.data),
            "email": normalize_email(form.email.data),
        }
        return redirect(url_for("account.register_verify"))

    return _form_page(form, start, "notify/register.html", step=1)


@bp.route("/register/verify", methods=["GET", "POST"])
def register_verify() -> Any:
    ids = _registration_ids()
    asked = session.get(ASKED_KEY)
    if not ids and not isinstance(asked, dict):
        return redirect(url_for("account.register"))
    form = VerifyForm()
    contacts = ops.verified_contacts(ids)
    # what was typed, not what matched: the page reads the same for a wrong and a right code
    pending = {k: v for k, v in (asked or {}).items() if k in ("sms", "email") and v}
    if request.method == "GET" and (contacts["phone"] or contacts["email"]):
        return redirect(url_for("account.register_finish"))

    def verify() -> Any:
        if form.code.data:
            ops.verify_sms_code(ids, form.code.data, _client_key())
        contacts = ops.verified_contacts(ids)
        if not (contacts["phone"] or contacts["email"]):
            raise AccountError("Въведете кода от SMS или отворете връзката от писмото.", "code")
        return redirect(url_for("account.register_finish"))

    return _form_page(form, verify, "notify/register_verify.html", pending=pending, step=2)


@bp.get("/register/email/<int:vid>/<token>")
def register_email(vid: int, token: str) -> Any:
    try:
        ops.confirm_email_link(vid, token)
    except AccountError as exc:
        flash(exc.message_bg, "error")
        return redirect(url_for("account.register"))
    ids = _registration_ids()
    if vid not in ids:
        session[SESSION_KEY] = [*ids, vid]
    flash("Електронната поща е потвърдена.", "success")
    return redirect(url_for("account.register_finish"))


@bp.route("/register/finish", methods=["GET", "POST"])
def register_finish() -> Any:
    ids = _registration_ids()
    contacts = ops.verified_contacts(ids)
    if not (contacts["phone"] or contacts["email"]):
        return redirect(url_for("account.register_verify" if ids else "account.register"))
    form = FinishForm()

    def finish() -> Any:
        done = ops.finish_registration(
            ids, password=form.password.data or "", pin=form.pin.data or ""
        )
        session.clear()  # a fresh session at sign-in (no fixation)
        session_tokens.sign_in(done.guardian)
        flash(
            f"Профилът е създаден. Ще получавате известия за {done.student.first_name}.",
            "success",
        )
        return redirect(url_for("account.preferences"))

    return _form_page(form, finish, "notify/register_finish.html", contacts=contacts, step=3)


# --- signed-in parent ---------------------------------------------------------------------------
@bp.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> Any:
    guardian = _guardian()
    form = PreferencesForm()
    if form.validate_on_submit():
        enabled = {
            (event.value, channel.value)
            for event in PREFERENCE_EVENTS
            for channel in Channel
            if request.form.get(f"{event.value}:{channel.value}")
        }
        ops.save_preferences(
            guardian,
            enabled,
            digest=bool(form.digest.data),
            sms_latin=not form.sms_cyrillic.data,
            stop_all=bool(form.stop_all.data),
        )
        flash("Настройките на известията са запазени.", "success")
        return redirect(url_for("account.preferences"))
    if request.method == "GET":
        form.digest.data = guardian.digest
        form.sms_cyrillic.data = not guardian.sms_latin
        form.stop_all.data = guardian.stop_all
    children = ops.children_of(guardian)
    school = db.session.get(School, children[0].school_id) if children else None
    return render_template(
        "notify/preferences.html",
        form=form,
        guardian=guardian,
        digest_time=(school.digest_time if school else dt.time(18, 0)).strftime("%H:%M"),
        quiet=(school.quiet_start, school.quiet_end) if school else None,
        matrix=ops.preference_matrix(guardian),
        events=[(e.value, EVENT_LABELS_BG[e]) for e in PREFERENCE_EVENTS],
        children=children,
    )


@bp.route("/account/children/add", methods=["GET", "POST"])
@login_required
def add_child() -> Any:
    guardian = _guardian()
    form = AddChildForm()

    def add() -> Any:
        student = ops.add_child(guardian, form.student_code.data or "", _client_key())
        if student is None:  # a wrong code and a code waiting for the school read the same
            flash(
                "Заявката е приета. Ако кодът е верен, училището ще я провери и ще ви пише.",
                "success",
            )
        else:
            flash(_added(student), "success")
        return redirect(url_for("account.preferences"))

    return _form_page(form, add, "notify/add_child.html", children=ops.children_of(guardian))


@bp.route("/account/pin", methods=["GET", "POST"])
@login_required
def pin() -> Any:
    guardian = _guardian()
    form = PinForm()

    def change() -> Any:
        ops.change_pin(guardian, form.password.data or "", form.pin.data or "")
        session_tokens.renew(guardian)  # a PIN change ended every other session
        flash("ПИН кодът е сменен.", "success")
        return redirect(url_for("account.preferences"))

    return _form_page(form, change, "notify/pin.html")


@bp.route("/account/erase", methods=["GET", "POST"])
@login_required
def erase() -> Any:
    """The parent's own erasure request: what it erases and keeps is on the page; the password
    confirms it; afterwards the parent is signed out."""
    guardian = _guardian()
    form = EraseForm()

    def done() -> Any:
        ops.erase_account(guardian, form.password.data or "")
        logout_user()
        flash("Профилът е изтрит. Училището пази записа си за Вас като родител на ученика.",
              "success")  # fmt: skip
        return redirect(url_for("portal.login"))

    return _form_page(form, done, "notify/erase.html")


# --- family links: invitations, revocations, the set-PIN link -------------------------------------
def _signed_in_guardian() -> Guardian | None:
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "guardian":
        return current_user  # type: ignore[return-value]
    return None


@bp.get("/account/links")
@login_required
def links() -> Any:
    guardian = _guardian()
    invites, family = families.family_of(guardian)
    return render_template("notify/links.html", invites=invites, family=family, button_form=Form())


@bp.post("/account/links/<int:rid>/<any(confirm, decline):decision>")
@login_required
def link_decide(rid: int, decision: str) -> Any:
    guardian = _button_posted()
    try:
        request_row = families.invite_of(guardian, rid)
        student = families.decide_invite(request_row, decision == "confirm")
    except AccountError as exc:
        flash(exc.message_bg, "error")
    else:
        flash(_decided(student, decision == "confirm"), "success")
    return redirect(url_for("account.links"))


@bp.post("/account/links/revoke/<int:link_id>")
@login_required
def link_revoke(link_id: int) -> Any:
    guardian = _button_posted()
    try:
        families.revoke_by_guardian(guardian, link_id)
    except AccountError as exc:
        flash(exc.message_bg, "error")
    else:
        flash("Връзката е премахната. Училището е уведомено.", "success")
    return redirect(url_for("account.links"))


@bp.route("/links/<int:rid>/<token>", methods=["GET", "POST"])
def link_token(rid: int, token: str) -> Any:
    """The invitation link from the e-mail or SMS: possession of the token (sent to the parent's
    verified contact) is the proof; a different signed-in parent is refused."""
    form = Form()
    try:
        request_row = families.invite_by_token(rid, token, _signed_in_guardian())
    except AccountError as exc:
        return render_template("notify/link_confirm.html", error=exc.message_bg), 404
    if form.validate_on_submit():
        accept = request.form.get("decision") == "confirm"
        student = families.decide_invite(request_row, accept)
        return render_template("notify/link_confirm.html", done=_decided(student, accept))
    school = db.session.get(School, request_row.school_id)
    return render_template(
        "notify/link_confirm.html", request_row=request_row, school=school, form=form
    )


@bp.route("/pin/set/<int:vid>/<token>", methods=["GET", "POST"])
def pin_set(vid: int, token: str) -> Any:
    """The one-time set-PIN link the school's "new PIN" sent to the parent's verified phone."""
    try:
        families.pin_link(vid, token)
    except AccountError as exc:
        return render_template("notify/pin_set.html", error=exc.message_bg), 404
    form = PinSetForm()

    def set_pin() -> Any:
        families.set_pin_by_link(vid, token, form.pin.data or "")
        return render_template("notify/pin_set.html", done=True)

    return _form_page(form, set_pin, "notify/pin_set.html")
