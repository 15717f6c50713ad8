"""Urgent notices on the child's page: while the school is still trying to reach the family
today ("not at school", a school-wide voice message: :mod:`ivr.urgent`), the child's page shows
the message with a "Видях" button. Pressing it acknowledges the notice for this guardian, so the
escalation stops (no more calls, SMS or e-mails about it), as a keypad answer or an SMS reply
does. Only a guardian the notice was meant for, of a child it is about, sees or acknowledges it;
the routes hang on the portal's blueprint (imported by ``app.py``)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import url_for

from ivr import urgent
from models import db
from portal.messages import msg
from portal.urgent import open_notices
from portal.views import _button_guardian
from portal.views import _child
from portal.views import bp
from portal.views import guardian_required


@bp.post("/child/<int:student_id>/urgent/<int:notice_id>/seen")
@guardian_required
def urgent_seen(student_id: int, notice_id: int) -> Any:
    guardian = _button_guardian()
    _guardian, ctx = _child(student_id)  # 404 for a child not of this guardian
    notice = next(
        (n for n in open_notices(guardian.id, ctx.id, ctx.school.id) if n.id == notice_id), None
    )
    if notice is None:
        abort(404)
    urgent.acknowledge(notice, guardian.id, "portal")
    db.session.commit()
    flash(msg("urgent.seen"), "success")
    return redirect(url_for("portal.child", student_id=ctx.id))
