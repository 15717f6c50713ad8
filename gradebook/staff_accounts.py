"""Staff accounts belong to their owners (issue #12, item 1).

A school admin never attaches an account to the school by itself: :func:`add_staff` stores a
:class:`models.StaffInvitation` and e-mails the account's own address a one-time link; the
membership exists only when the owner accepts (:func:`accept`). The answer is the same whether the
address already had an account or not (no e-mail enumeration): a new address gets a new account
without a usable password, and its owner sets one through the same link ("never signed in" is the
only case where the link alone is enough; otherwise the owner must be signed in as that account).

* :func:`reset_password` — only for an account that belongs to no other school and is no
  operator; the admin never sees a password: the owner gets a set-password link by e-mail.
* :func:`remove_staff` — removes this school's memberships only; the account stays.
* :func:`add_member_by_operator` — the platform operator may add a membership directly.

Every change is written to the audit log with the school, and the owner's address is told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_request_context
from flask import url_for
from werkzeug.security import generate_password_hash

from config import clock
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import commit_refreshed
from gradebook.core import require_admin
from gradebook.messages import msg
from models import AuditLog
from models import Channel
from models import Curriculum
from models import School
from models import SchoolClass
from models import StaffInvitation
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import TimetableSlot
from models import db
from notify.outbox import enqueue_direct

INVITATION_DAYS = 14
PENDING, ACCEPTED, DECLINED, REVOKED = "pending", "accepted", "declined", "revoked"


# --- small helpers ---------------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unusable_password() -> str:
    """A hash no password matches (the owner sets one through an e-mailed link)."""
    return generate_password_hash(secrets.token_urlsafe(32), method="pbkdf2:sha256:1000")


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link from the configured public address (the request's Host only as a
    development fallback)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or current_app.config.get("PORTAL_BASE_URL")
    if not has_request_context():
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
        return (base or "http://localhost:5000") + path
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _school_name(school_id: int) -> str:
    return db.session.scalar(sa.select(School.name).where(School.id == school_id)) or ""


def role_bg(role: StaffRole) -> str:
    return (
        msg("staff_mail.role_admin") if role is StaffRole.ADMIN else msg("staff_mail.role_teacher")
    )


def tell_owner(staff: StaffUser, school_id: int, subject: str, text: str) -> None:
    """An e-mail to the account's own address (through the outbox, in the caller's
    transaction)."""
    row = enqueue_direct(
        Channel.EMAIL,
        staff.email,
        {"subject": subject, "text": text, "name": staff.full_name},
        school_id=school_id,
    )
    row.object_type, row.object_id = "staff_user", staff.id


def log(
    school_id: int,
    actor_id: int | None,
    action: str,
    obj: Any,
    after: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
) -> None:
    """An audit row for a change made by someone who is not (yet) an actor of the school."""
    db.session.add(
        AuditLog(
            school_id=school_id,
            actor_type="staff",
            actor_id=actor_id,
            action=action,
            object_type=obj.__tablename__,
            object_id=obj.id,
            before=before,
            after=after,
            created_at=clock.utc_naive(),
        )
    )


def never_signed_in(staff: StaffUser) -> bool:
    """An account whose owner has never signed in: the e-mailed link alone may set its password."""
    return staff.last_login_at is None and staff.must_change_password and not staff.is_operator


def other_schools(staff_id: int, school_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(StaffMembership.id)
            .where(StaffMembership.staff_id == staff_id, StaffMembership.school_id != school_id)
            .limit(1)
        )
        is not None
    )


def _clean(email: str, full_name: str, role: str) -> tuple[str, str, StaffRole]:
    errors: dict[str, str] = {}
    address = (email or "").strip().lower()
    if "@" not in address or len(address) > 200 or " " in address:
        errors["email"] = msg("staff.email_invalid")
    name = (full_name or "").strip()
    if not name or len(name) > 200:
        errors["full_name"] = msg("staff.name_required")
    if role not in {r.value for r in StaffRole}:
        errors["role"] = msg("staff.choose_role")
    check_fields(errors)
    return address, name, StaffRole(role)


# --- invitations ---------------------------------------------------------------------------------
def invite(
    school_id: int,
    staff: StaffUser,
    role: StaffRole,
    position: str,
    created_by_id: int | None,
) -> StaffInvitation:
    """Store (or renew) the pending invitation of ``staff`` to ``school_id`` and e-mail its
    owner the link. In the caller's transaction; the caller audits."""
    token = secrets.token_urlsafe(32)
    now = clock.utc_naive()
    invitation = db.session.scalar(
        sa.select(StaffInvitation).where(
            StaffInvitation.school_id == school_id,
            StaffInvitation.staff_id == staff.id,
            StaffInvitation.role == role,
            StaffInvitation.status == PENDING,
        )
    )
    if invitation is None:
        invitation = StaffInvitation(school_id=school_id, staff_id=staff.id, role=role)
        db.session.add(invitation)
    invitation.email = staff.email
    invitation.position = (position or "").strip()[:100]
    invitation.token_hash = token_hash(token)
    invitation.expires_at = now + dt.timedelta(days=INVITATION_DAYS)
    invitation.created_by_id = created_by_id
    invitation.created_at = now
    db.session.flush()
    link = _link("staff.invitation", token=token)
    school, role_text, days = _school_name(school_id), role_bg(role), INVITATION_DAYS
    if never_signed_in(staff):
        text = msg("staff_mail.invite_new_text", school=school, role=role_text, days=days,
                   link=link, email=staff.email)  # fmt: skip
    else:
        text = msg("staff_mail.invite_text", school=school, role=role_text, days=days, link=link,
                   email=staff.email)  # fmt: skip
    tell_owner(staff, school_id, msg("staff_mail.invite_subject", school=school), text)
    return invitation


def add_staff(actor: Actor, *, email: str, full_name: str, role: str, position: str = "") -> str:
    """ "Add staff" of a school admin: always an invitation (the same answer for a new and an
    existing address). Returns the address the invitation went to."""

    def work() -> str:
        require_admin(actor)
        address, name, the_role = _clean(email, full_name, role)
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == address))
        if user is None:
            user = StaffUser(email=address, full_name=name, password_hash=unusable_password(),
                             must_change_password=True)  # fmt: skip
            db.session.add(user)
            db.session.flush()
        elif db.session.scalar(
            sa.select(StaffMembership.id).where(
                StaffMembership.staff_id == user.id,
                StaffMembership.school_id == actor.school_id,
                StaffMembership.role == the_role,
            )
        ):  # a member of this very school: the admin sees the list anyway
            raise Invalid(msg("staff.already_member"), {"email": msg("staff.already_member_field")})
        invitation = invite(actor.school_id, user, the_role, position, actor.staff_id)
        audit(actor, "staff_invite", invitation, before=None,
              after={"staff_id": user.id, "email": address, "role": the_role.value})  # fmt: skip
        commit_refreshed()
        return address

    result: str = atomic(work)
    return result


def pending_invitations(school_id: int) -> list[StaffInvitation]:
    return list(
        db.session.scalars(
            sa.select(StaffInvitation)
            .where(
                StaffInvitation.school_id == school_id,
                StaffInvitation.status == PENDING,
                StaffInvitation.expires_at > clock.utc_naive(),
            )
            .order_by(StaffInvitation.email)
        )
    )


def revoke(actor: Actor, invitation_id: int) -> StaffInvitation:
    def work() -> StaffInvitation:
        require_admin(actor)
        invitation = db.session.get(StaffInvitation, invitation_id)
        if invitation is None or invitation.school_id != actor.school_id:
            raise NotFound(msg("common.not_found"))
        if invitation.status != PENDING:
            raise Invalid(msg("invitation.not_pending"))
        invitation.status, invitation.decided_at = REVOKED, clock.utc_naive()
        audit(actor, "staff_invite_revoke", invitation, before={"status": PENDING},
              after={"status": REVOKED, "staff_id": invitation.staff_id})  # fmt: skip
        commit_refreshed()
        return invitation

    result: StaffInvitation = atomic(work)
    return result


def find_invitation(token: str) -> StaffInvitation | None:
    """The pending, unexpired invitation of this token, else None."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(
        sa.select(StaffInvitation).where(StaffInvitation.token_hash == token_hash(token))
    )
    if (
        invitation is None
        or not hmac.compare_digest(invitation.token_hash, token_hash(token))
        or invitation.status != PENDING
        or invitation.expires_at <= clock.utc_naive()
    ):
        return None
    return invitation


def _may_answer(invitation: StaffInvitation, signed_in: StaffUser | None) -> bool:
    """The owner signed in as the invited account, or (an account never used) the link holder."""
    if signed_in is not None:
        return signed_in.id == invitation.staff_id
    return never_signed_in(invitation.staff)


def accept(token: str, signed_in: StaffUser | None, new_password: str = "") -> StaffInvitation:
    """The owner says yes: the membership is created (and, for an account never used, its first
    password set). Audited; the owner's address is told."""
    invitation = find_invitation(token)
    if invitation is None:
        raise NotFound(msg("invitation.invalid"))
    return accept_invitation(invitation, signed_in, new_password)


def accept_invitation(
    invitation: StaffInvitation, signed_in: StaffUser | None, new_password: str = ""
) -> StaffInvitation:
    """:func:`accept` once the invitation is found (pending and unexpired)."""
    staff = invitation.staff
    if not _may_answer(invitation, signed_in):
        raise Forbidden(msg("invitation.other_account"))
    if staff.is_operator:
        raise Invalid(msg("invitation.operator"))
    if signed_in is None:
        if len(new_password or "") < 10:
            raise Invalid(msg("password.too_short"), {"password": msg("password.too_short_field")})
        staff.password_hash = generate_password_hash(new_password)
        staff.must_change_password = False
    exists = db.session.scalar(
        sa.select(StaffMembership.id).where(
            StaffMembership.staff_id == staff.id,
            StaffMembership.school_id == invitation.school_id,
            StaffMembership.role == invitation.role,
        )
    )
    if exists is None:
        member = StaffMembership(staff_id=staff.id, school_id=invitation.school_id,
                                 role=invitation.role, position=invitation.position)  # fmt: skip
        db.session.add(member)
    invitation.status, invitation.decided_at = ACCEPTED, clock.utc_naive()
    db.session.flush()
    log(invitation.school_id, staff.id, "staff_invite_accept", invitation,
        after={"staff_id": staff.id, "role": invitation.role.value})  # fmt: skip
    _tell_added(staff, invitation.school_id, invitation.role)
    db.session.commit()
    return invitation


def decline(token: str, signed_in: StaffUser | None) -> StaffInvitation:
    invitation = find_invitation(token)
    if invitation is None:
        raise NotFound(msg("invitation.invalid"))
    if not _may_answer(invitation, signed_in):
        raise Forbidden(msg("invitation.other_account"))
    invitation.status, invitation.decided_at = DECLINED, clock.utc_naive()
    log(invitation.school_id, invitation.staff_id, "staff_invite_decline", invitation,
        after={"staff_id": invitation.staff_id})  # fmt: skip
    db.session.commit()
    return invitation


def _tell_added(staff: StaffUser, school_id: int, role: StaffRole) -> None:
    school = _school_name(school_id)
    tell_owner(staff, school_id, msg("staff_mail.added_subject", school=school),
               msg("staff_mail.added_text", school=school, role=role_bg(role)))  # fmt: skip


def add_member_by_operator(
    operator: StaffUser, school_id: int, staff: StaffUser, role: StaffRole, position: str = ""
) -> StaffMembership:
    """The platform operator adds a membership directly (e.g. a school's first admin whose
    account already exists). Audited; the owner is told."""
    if not operator.is_operator:
        raise Forbidden(msg("access.operator_only"))
    if staff.is_operator:
        raise Invalid(msg("invitation.operator"))
    if db.session.get(School, school_id) is None:
        raise NotFound(msg("common.not_found"))
    member = db.session.scalar(
        sa.select(StaffMembership).where(
            StaffMembership.staff_id == staff.id,
            StaffMembership.school_id == school_id,
            StaffMembership.role == role,
        )
    )
    if member is None:
        member = StaffMembership(staff_id=staff.id, school_id=school_id, role=role,
                                 position=(position or "").strip()[:100])  # fmt: skip
        db.session.add(member)
        db.session.flush()
        log(school_id, operator.id, "member_add_operator", member,
            after={"staff_id": staff.id, "role": role.value})  # fmt: skip
        _tell_added(staff, school_id, role)
    db.session.commit()
    return member


# --- password and removal ---------------------------------------------------------------------------
def reset_password(actor: Actor, staff_id: int) -> StaffUser:
    """A school admin asks for a new password of an account that is only this school's: the old
    password stops working and the owner gets a set-password link by e-mail. Nobody at the
    school sees a password. Refused for an account of another school too, or an operator."""

    def work() -> StaffUser:
        require_admin(actor)
        member = db.session.scalar(
            sa.select(StaffMembership.id).where(
                StaffMembership.staff_id == staff_id,
                StaffMembership.school_id == actor.school_id,
            )
        )
        staff = db.session.get(StaffUser, staff_id) if member is not None else None
        if staff is None:
            raise NotFound(msg("common.not_found"))
        if staff.is_operator or other_schools(staff.id, actor.school_id):
            raise Invalid(msg("staff.reset_shared_account"))
        from onboarding.signup import issue_welcome

        staff.password_hash = unusable_password()
        staff.must_change_password = True
        school = _school_name(actor.school_id)
        issue_welcome(staff, actor.school_id, subject=msg("staff_mail.reset_subject"),
                      intro=msg("staff_mail.reset_intro", school=school),
                      object_type="staff_user", object_id=staff.id)  # fmt: skip
        audit(actor, "password_reset", staff, before=None, after=None, object_type="staff_user")
        commit_refreshed()
        return staff

    result: StaffUser = atomic(work)
    return result


def remove_staff(actor: Actor, staff_id: int) -> StaffUser:
    """A teacher leaves the school: their memberships HERE end (never the account, which may
    belong to other schools too), and their classes and lessons here are left without a teacher
    (the admin assigns new ones). Grades keep their author. The owner is told."""

    def work() -> StaffUser:
        require_admin(actor)
        if staff_id == actor.staff_id:
            raise Invalid(msg("staff.cannot_remove_self"), {"staff_id": "—"})
        members = list(
            db.session.scalars(
                sa.select(StaffMembership).where(
                    StaffMembership.staff_id == staff_id,
                    StaffMembership.school_id == actor.school_id,
                )
            )
        )
        staff = db.session.get(StaffUser, staff_id)
        if not members or staff is None:
            raise NotFound(msg("common.not_found"))
        for member in members:
            db.session.delete(member)
        for model, column in (
            (SchoolClass, SchoolClass.class_teacher_id),
            (Curriculum, Curriculum.teacher_id),
            (TimetableSlot, TimetableSlot.teacher_id),
        ):
            db.session.execute(
                sa.update(model)
                .where(column == staff_id, model.school_id == actor.school_id)
                .values({column.key: None})
                .execution_options(synchronize_session=False)
            )
        audit(actor, "member_remove", staff, object_type="staff_user",
              before={"staff_id": staff_id, "roles": [m.role.value for m in members]},
              after=None)  # fmt: skip
        school = _school_name(actor.school_id)
        tell_owner(staff, actor.school_id, msg("staff_mail.removed_subject", school=school),
                   msg("staff_mail.removed_text", school=school))  # fmt: skip
        commit_refreshed()
        return staff

    result: StaffUser = atomic(work)
    return result
