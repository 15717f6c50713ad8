"""The school admin's pages of the outbound calls (``ivr/broadcasts.py``):

* ``/staff/admin/calls-out`` — the settings of the "not at school" calls (time, duty contact,
  rounds), a school-wide voice message (text, classes, preview: families and how long the round
  takes at the account's rate; then send), the messages sent, the contacts to fix;
* ``/staff/admin/calls-out/<id>`` — one message, live: per family reached, machine, busy, no
  answer, failed (the page refreshes itself through ``static/page.js``'s ``data-refresh``);
* ``/staff/admin/calls-out/ledger`` (``?student=<id>``) — every attempt on every channel.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.validators import Length
from wtforms.validators import Optional

from extensions import Form
from gradebook import core
from gradebook.forms import ALERT_CHANNELS
from gradebook.forms import opts
from gradebook.staff_base import actor
from gradebook.staff_base import fail
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import classes
from ivr import broadcasts
from ivr import outbound
from ivr.call_settings import settings_of
from models import Student


class CallSettingsForm(Form):
    absence_calls = BooleanField("Обаждане „детето не е на училище“")
    absence_call_time = TimeField("Час на обаждането (след поправката на закъсненията)")
    duty_name = StringField("Дежурен служител", validators=[Optional(), Length(max=200)])
    duty_phone = StringField("Телефон на дежурния (SMS)", validators=[Optional(), Length(max=30)])
    duty_email = StringField("Имейл на дежурния", validators=[Optional(), Length(max=200)])
    duty_channel = SelectField(
        "Как се известява дежурният", choices=opts(ALERT_CHANNELS.items()), default="both"
    )
    retry_rounds = IntegerField("Опити на всеки родител", validators=[Optional()])
    retry_minutes = IntegerField("Минути между опитите", validators=[Optional()])


class BroadcastForm(Form):
    text = TextAreaField("Текст на съобщението", validators=[Length(max=broadcasts.MAX_TEXT)])
    class_ids = SelectMultipleField("Класове (без избор: цялото училище)", coerce=int)
    emergency = BooleanField("Спешно: да звъни и в тихите часове")


def _broadcast_form(school_id: int) -> BroadcastForm:
    form = BroadcastForm()
    form.class_ids.choices = [(k.id, k.name) for k in classes(school_id)]
    return form


def _settings_form(school_id: int) -> CallSettingsForm:
    current = settings_of(school_id)
    form = CallSettingsForm(obj=current if request.method == "GET" else None)
    return form


def _page(
    settings_form: CallSettingsForm | None = None,
    broadcast_form: BroadcastForm | None = None,
    preview: broadcasts.Preview | None = None,
    status: int = 200,
) -> Any:
    me = actor()
    return (
        render_template(
            "gradebook/outbound_calls.html",
            settings_form=settings_form or _settings_form(me.school_id),
            broadcast_form=broadcast_form or _broadcast_form(me.school_id),
            preview=preview,
            sent=broadcasts.broadcasts(me),
            to_fix=broadcasts.contacts_to_fix(me),
        ),
        status,
    )


@admin_route("/admin/calls-out")
def outbound_calls() -> Any:
    return _page()


@admin_route("/admin/calls-out/settings", methods=["POST"])
def outbound_settings() -> Any:
    me = actor()
    form = _settings_form(me.school_id)
    if not form.validate_on_submit():
        return _page(settings_form=form, status=422)
    try:
        broadcasts.save_settings(
            me,
            absence_calls=bool(form.absence_calls.data),
            absence_call_time=form.absence_call_time.data,
            duty_name=form.duty_name.data or "",
            duty_phone=form.duty_phone.data or "",
            duty_email=form.duty_email.data or "",
            duty_channel=form.duty_channel.data or "both",
            retry_rounds=form.retry_rounds.data,
            retry_minutes=form.retry_minutes.data,
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _page(settings_form=form, status=exc.status)
    flash(broadcasts.MESSAGES_SAVED, "success")
    return redirect(url_for("staff.outbound_calls"))


@admin_route("/admin/calls-out/broadcast", methods=["POST"])
def outbound_broadcast() -> Any:
    """Preview (the families and the round's length), or send after the preview."""
    me = actor()
    form = _broadcast_form(me.school_id)
    if not form.validate_on_submit():
        return _page(broadcast_form=form, status=422)
    chosen = list(form.class_ids.data or [])
    try:
        if request.form.get("action") != "send":
            broadcasts.check_text(form.text.data or "")
            rate = outbound.calls_per_second()
            return _page(broadcast_form=form, preview=broadcasts.preview(me, chosen, rate))
        sent = broadcasts.start_broadcast(
            me, text=form.text.data or "", class_ids=chosen, emergency=bool(form.emergency.data)
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _page(broadcast_form=form, status=exc.status)
    flash(broadcasts.MESSAGES_STARTED.format(families=sent.families), "success")
    return redirect(url_for("staff.outbound_broadcast_view", broadcast_id=sent.id))


@admin_route("/admin/calls-out/<int:broadcast_id>")
def outbound_broadcast_view(broadcast_id: int) -> Any:
    me = actor()
    state = broadcasts.broadcast_status(me, broadcast_id)
    rate = outbound.calls_per_second()
    return render_template(
        "gradebook/outbound_broadcast.html",
        rate=rate,
        labels=broadcasts.RESULT_BG,
        refresh=int(current_app.config.get("OUTBOUND_PAGE_REFRESH", 10)),
        **state,
    )


@admin_route("/admin/calls-out/ledger")
def outbound_ledger() -> Any:
    me = actor()
    raw = request.args.get("student", "")
    student_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    student = core.get_in_school(Student, student_id, me.school_id) if student_id else None
    return render_template(
        "gradebook/outbound_ledger.html",
        entries=broadcasts.ledger(me, student_id=student_id),
        student=student,
        labels=broadcasts.RESULT_BG,
        channels=broadcasts.CHANNEL_BG,
    )
