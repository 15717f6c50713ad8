"""Notify web endpoints: Twilio's SMS status callback and inbound STOP/START (both signature-
validated, CSRF-exempt), and the school admin's outbox view with "resend the failed".

The parent pages (registration, preferences, children, PIN) are the ``account`` blueprint in
``notify/account.py``, registered from :func:`init_app` here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from extensions import csrf
from gradebook.access import admin_required
from gradebook.access import current_school_id
from models import Channel
from models import NotificationOutbox
from models import OutboxStatus
from models import db
from notify import messages
from notify import operations
from security import id_values
from security import page_number
from security import twilio_signed

bp = Blueprint("notify", __name__, url_prefix="/notify", template_folder="templates")

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "СТОП", "STOP ALL"}
START_WORDS = {"START", "YES", "UNSTOP", "СТАРТ"}


def _twiml(message: str | None = None) -> Response:
    from xml.sax.saxutils import escape

    body = f"<Message>{escape(message)}</Message>" if message else ""
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        mimetype="text/xml",
    )


@bp.post("/sms-status")
@csrf.exempt
@twilio_signed(on_forbidden=lambda: _twiml())
def sms_status() -> tuple[str, int]:
    operations.record_sms_status(
        message_sid=request.form.get("MessageSid", ""),
        status=request.form.get("MessageStatus", ""),
        error_code=request.form.get("ErrorCode", ""),
        row_id=request.args.get("oid", type=int),
        to=request.form.get("To", ""),
    )
    return "", 204


@bp.post("/sms-inbound")
@csrf.exempt
@twilio_signed(on_forbidden=lambda: _twiml())
def sms_inbound() -> Response:
    word = " ".join(request.form.get("Body", "").split()).upper()
    sender = request.form.get("From", "")
    if word in STOP_WORDS:
        operations.set_stop_all(sender, True)
        # Twilio answers the English keywords itself; the Bulgarian ones we answer.
        return _twiml("Izvestiyata ot Belezhnik sa spreni. Za vazstanovyavane: START")
    if word in START_WORDS:
        operations.set_stop_all(sender, False)
        return _twiml("Izvestiyata ot Belezhnik sa vazstanoveni.")
    from ivr.urgent import acknowledge_by_phone  # a reply stops today's urgent notices (issue 15)

    if acknowledge_by_phone(sender):
        db.session.commit()
    return _twiml()


# --- admin ---------------------------------------------------------------------------------------
STATUS_LABELS = {
    OutboxStatus.PENDING: "чака",
    OutboxStatus.SENDING: "изпраща се",
    OutboxStatus.SENT: "изпратено",
    OutboxStatus.FAILED: "неуспешно",
    OutboxStatus.CANCELLED: "отменено",
    OutboxStatus.UNKNOWN: "неизвестно",
    OutboxStatus.DIGESTED: "в обобщение",
}
# An unknown SMS is being looked up at Twilio; an unknown e-mail is never sent again by itself.
UNKNOWN_LABELS = {"sms": "проверява се", "email": "може да не е изпратено"}
PAGE_SIZE = 100


def _admin_school() -> int:
    """The signed-in admin's school (403 without one)."""
    school_id = current_school_id()
    if school_id is None:
        abort(403)
    return school_id


@bp.get("/admin")
@admin_required
def admin_outbox() -> str:
    school_id = _admin_school()
    status = request.args.get("status", "")
    page = page_number(request.args.get("page"))
    query = sa.select(NotificationOutbox).where(NotificationOutbox.school_id == school_id)
    if status in {s.value for s in OutboxStatus}:
        query = query.where(NotificationOutbox.status == OutboxStatus(status))
    rows = db.session.scalars(
        query.order_by(NotificationOutbox.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    counts = dict(
        db.session.execute(
            sa.select(NotificationOutbox.status, sa.func.count(NotificationOutbox.id))
            .where(NotificationOutbox.school_id == school_id)
            .group_by(NotificationOutbox.status)
        ).all()
    )
    return render_template(
        "notify/admin_outbox.html",
        rows=rows,
        counts=counts,
        status=status,
        page=page,
        page_size=PAGE_SIZE,
        labels=STATUS_LABELS,
        unknown_labels=UNKNOWN_LABELS,
        kind_labels=messages.NOTICE_KINDS_BG,
        provider_labels=messages.PROVIDER_STATUS_BG,
        email_unknown=any(
            r.status is OutboxStatus.UNKNOWN and r.channel is Channel.EMAIL for r in rows
        ),
    )


@bp.post("/admin/resend")
@admin_required
def admin_resend() -> Any:
    school_id = _admin_school()
    from notify.worker import resend

    if request.form.get("all_failed"):
        ids = list(
            db.session.scalars(
                sa.select(NotificationOutbox.id).where(
                    NotificationOutbox.school_id == school_id,
                    NotificationOutbox.status == OutboxStatus.FAILED,
                )
            )
        )
    else:
        ids = id_values(request.form.getlist("ids"))
    count = resend(ids, school_id)
    flash(f"Отново на опашката: {count} съобщения.", "success")
    return redirect(url_for("notify.admin_outbox", status="failed"))


def _local(value: Any) -> str:
    if not value:
        return ""
    from config.clock import local
    from gradebook.rules import format_datetime_bg

    return format_datetime_bg(local(value))


def init_app(app: Flask) -> None:
    from notify import account

    app.add_template_filter(_local, "notify_local")
    app.register_blueprint(bp)
    app.register_blueprint(account.bp)
