"""Staff accounts on the staff web (same ``staff`` blueprint); use-cases in
:mod:`gradebook.staff_accounts`.

* ``/admin/staff`` — the school's staff and pending invitations; "add" always invites
  (``POST /admin/staff``), a new password is e-mailed to the owner
  (``POST /admin/staff/<id>/password``), ``…/remove``, ``POST /admin/invitations/<id>/revoke``;
* ``/invitations/<token>`` — the invited owner accepts or declines (signed in as the invited
  account; an account never used sets its first password here instead).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from gradebook import access
from gradebook import staff_accounts as accounts
from gradebook.core import Invalid
from gradebook.core import OperationError
from gradebook.forms import CsrfForm
from gradebook.forms import InvitationPasswordForm
from gradebook.forms import StaffForm
from gradebook.messages import msg
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.staff_base import form_values
from gradebook.staff_base import rows
from gradebook.views.admin_common import ButtonRow
from gradebook.views.admin_common import FormRow
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import button_routes
from gradebook.views.admin_common import form_routes
from models import StaffMembership
from models import StaffUser
from models import db


@admin_route("/admin/staff")
def admin_staff() -> Any:
    return _admin_staff_page()


def _admin_staff_page(staff_form: StaffForm | None = None, status: int = 200) -> Any:
    me = actor()
    members = rows(
        sa.select(StaffMembership)
        .join(StaffUser, StaffUser.id == StaffMembership.staff_id)
        .where(StaffMembership.school_id == me.school_id)
        .order_by(StaffUser.full_name)
    )
    return (
        render_template(
            "gradebook/admin_staff.html",
            members=members,
            invitations=accounts.pending_invitations(me.school_id),
            form=CsrfForm(),
            staff_form=staff_form or StaffForm(formdata=None),
        ),
        status,
    )


form_routes(
    _admin_staff_page,
    FormRow(
        "admin_staff_new",
        "/admin/staff",
        lambda _me: StaffForm(),
        lambda me, form: accounts.add_staff(
            me, **form_values(form, email="", full_name="", role="teacher", position="")
        ),
        lambda address: msg("staff.invited", email=address),
        "staff.admin_staff",
        "staff_form",
    ),
)
button_routes(
    lambda **_url: url_for("staff.admin_staff"),
    ButtonRow(
        "admin_staff_password",
        "/admin/staff/<int:staff_id>/password",
        accounts.reset_password,
        lambda staff: msg("staff.reset_sent", name=staff.full_name),
    ),
    ButtonRow(
        "admin_staff_remove",
        "/admin/staff/<int:staff_id>/remove",
        accounts.remove_staff,
        lambda staff: msg("staff.removed", name=staff.full_name),
    ),
    ButtonRow(
        "admin_invitation_revoke",
        "/admin/invitations/<int:invitation_id>/revoke",
        accounts.revoke,
        lambda invitation: msg("invitation.revoked", email=invitation.email),
    ),
)


# --- the invited owner ---------------------------------------------------------------------------
def _invitation_or_page(token: str) -> Any:
    """The invitation this signed-in person (or link holder) may answer, else a response."""
    invitation = accounts.find_invitation(token)
    if invitation is None:
        return None, _page(None, error=msg("invitation.invalid"), status=404)
    signed_in = access.current_staff()
    if signed_in is None and not accounts.never_signed_in(invitation.staff):
        return None, redirect(url_for("staff.login", next=url_for("staff.invitation", token=token)))
    if signed_in is not None and signed_in.id != invitation.staff_id:
        return None, _page(None, error=msg("invitation.other_account"), status=403)
    return invitation, None


def _page(invitation: Any, *, error: str = "", form: Any = None, status: int = 200) -> Any:
    return (
        render_template(
            "gradebook/invitation.html",
            invitation=invitation,
            error=error,
            form=form,
            decline_form=CsrfForm(),
            role=accounts.role_bg(invitation.role) if invitation is not None else "",
        ),
        status,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    found, response = _invitation_or_page(token)
    if response is not None:
        return response
    signed_in = access.current_staff()
    form = InvitationPasswordForm() if signed_in is None else CsrfForm()
    if not form.is_submitted():
        return _page(found, form=form)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(found, form=form, status=422)
    school = found.school.name
    try:
        password = form.password.data if isinstance(form, InvitationPasswordForm) else ""
        accounts.accept(token, signed_in, password or "")
    except OperationError as exc:
        db.session.rollback()
        if isinstance(exc, Invalid):
            return _page(found, form=form, error=exc.message_bg, status=exc.status)
        fail(exc)
        raise
    flash(msg("invitation.accepted", school=school), "success")
    if signed_in is None:
        return redirect(url_for("staff.login"))
    access.request_cache().clear()
    access.set_current_school(found.school_id)
    return redirect(url_for("staff.index"))


@bp.post("/invitations/<token>/decline")
def invitation_decline(token: str) -> Any:
    found, response = _invitation_or_page(token)
    if response is not None:
        return response
    if not CsrfForm().validate_on_submit():
        abort(400)
    accounts.decline(token, access.current_staff())
    flash(msg("invitation.declined"), "success")
    return redirect(url_for("staff.login" if access.current_staff() is None else "staff.index"))
