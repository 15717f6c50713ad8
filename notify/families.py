"""Who becomes a child's parent in Bélezhnik, and who is told (issue #12, items 2 and 3).

A guardian is one person across schools. A school links a parent directly only when the parent
is still the school's own record (no password, no phone PIN, no children in another school);
any other existing parent gets an *invitation* (:class:`models.GuardianLinkRequest`, kind
"invite") and the link exists only once the parent confirms it — in the portal
(:func:`confirm_invite` from ``/account/links``) or through the token link sent to their
verified e-mail or phone (``/links/<id>/<token>``). A registration or "add a child" whose
contacts the school has not recorded waits for the school's approval (kinds "registration",
"add_child"; :func:`approve_request` / :func:`refuse_request` in the staff web).

Every new link is audited and announced (:func:`announce_link`) to the child's other guardians
by e-mail/SMS; the school sees it in :func:`school_overview`. A guardian revokes newer links of
their children (:func:`revoke_by_guardian`); the school removes links from the student's page.

A school admin never sets or reads a parent's PIN: :func:`send_pin_link` sends a one-time
set-PIN link to the parent's verified phone, and only for a parent with no children elsewhere.

Nothing here commits unless the docstring says so; texts live in :mod:`notify.account_messages`.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from typing import Literal

import sqlalchemy as sa
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from config import clock
from models import AuditLog
from models import Channel
from models import Guardian
from models import GuardianLinkRequest
from models import GuardianStudent
from models import Relation
from models import School
from models import Student
from models import VerificationCode
from models import db
from notify.account_messages import msg
from notify.account_rules import AccountError
from notify.account_rules import clean_contacts
from notify.account_rules import pin_problem
from notify.guardian_links import audit
from notify.guardian_links import link_child
from notify.guardian_links import portal_link
from notify.outbox import enqueue_direct
from security import hash_pin

log = logging.getLogger("belezhnik.notify")

INVITE = "invite"
REGISTRATION = "registration"
ADD_CHILD = "add_child"
PENDING, CONFIRMED, DECLINED, REVOKED, EXPIRED = (
    "pending",
    "confirmed",
    "declined",
    "revoked",
    "expired",
)
INVITE_TTL = dt.timedelta(days=7)
APPROVAL_TTL = dt.timedelta(days=30)
PIN_LINK_TTL = dt.timedelta(hours=24)
PIN_PURPOSE = "pin_set"
MAX_PENDING_PER_STUDENT = 5
NOTICE_DAYS = 30
# audit actions that put a new link (or a request for one) on the school's list
NOTICE_ACTIONS = ("register", "link_child", "link_confirm", "link_guardian", "link_approve")

Outcome = Literal["linked", "invited", "already"]


# --- who may be linked without asking ------------------------------------------------------------
def has_links_elsewhere(guardian_id: int, school_id: int) -> bool:
    """True when the guardian has children in a school other than ``school_id``."""
    return (
        db.session.scalar(
            sa.select(GuardianStudent.id)
            .where(GuardianStudent.guardian_id == guardian_id)
            .where(GuardianStudent.school_id != school_id)
            .limit(1)
        )
        is not None
    )


def needs_confirmation(guardian: Guardian, school_id: int) -> bool:
    """A parent with credentials (password or PIN) or children elsewhere confirms every new link
    a school makes; only a school's own credential-less record is linked directly."""
    return bool(guardian.password_hash or guardian.pin_hash) or has_links_elsewhere(
        guardian.id, school_id
    )


def _get(model: Any, object_id: int) -> Any:
    """The row with this id, or None (also for an id beyond INTEGER from a URL)."""
    return db.session.get(model, object_id) if 0 < object_id < 2**31 else None


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(12)
    return token, generate_password_hash(token)


def _is_linked(guardian_id: int, student_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(GuardianStudent.id).where(
                GuardianStudent.guardian_id == guardian_id,
                GuardianStudent.student_id == student_id,
            )
        )
        is not None
    )


def school_link(
    *,
    student: Student,
    guardian: Guardian,
    relation: Relation,
    actor_id: int | None,
    contact: str = "",
) -> Outcome:
    """The school links an existing parent: directly (its own record), else an invitation sent to
    the parent's verified contacts. In the caller's transaction."""
    if _is_linked(guardian.id, student.id):
        return "already"
    if not needs_confirmation(guardian, student.school_id):
        link_child(guardian, student, relation)
        db.session.flush()
        audit(student.school_id, "staff", actor_id, "link_guardian", guardian.id, student.id)
        announce_link(student, guardian)
        return "linked"
    invite(
        student=student, guardian=guardian, relation=relation, actor_id=actor_id, contact=contact
    )
    return "invited"


def invite(
    *, student: Student, guardian: Guardian, relation: Relation, actor_id: int | None, contact: str
) -> GuardianLinkRequest:
    """A pending invitation (an earlier pending one for the same pair is replaced)."""
    now = clock.utc_naive()
    for old in _pending(student_id=student.id, guardian_id=guardian.id, kind=INVITE):
        old.status, old.decided_at = REVOKED, now
    token, token_hash = _token()
    request = GuardianLinkRequest(
        school_id=student.school_id,
        student_id=student.id,
        guardian_id=guardian.id,
        kind=INVITE,
        relation=relation,
        requested_by=actor_id,
        token_hash=token_hash,
        data={"contact": contact[:200]},
        status=PENDING,
        expires_at=now + INVITE_TTL,
    )
    db.session.add(request)
    db.session.flush()
    audit(student.school_id, "staff", actor_id, "link_invite", guardian.id, student.id)
    if not (guardian.email_verified_at or guardian.phone_verified_at):
        return request  # no verified contact: the parent sees it in the portal, if anywhere
    link = portal_link("account.link_token", rid=request.id, token=token)
    school = db.session.get(School, student.school_id)
    if guardian.email and guardian.email_verified_at:
        text = msg("invite.email", school=school.name if school else "", link=link)
        _send(Channel.EMAIL, guardian, msg("invite.subject"), text, link=link)
    if guardian.phone and guardian.phone_verified_at:
        _send(Channel.SMS, guardian, "", msg("invite.sms", link=link))
    return request


def _send(
    channel: Channel,
    guardian: Guardian | None,
    subject: str,
    text: str,
    *,
    to: str | None = None,
    link: str | None = None,
) -> None:
    """A message about the family itself: not in any school's outbox list (school_id None)."""
    address = to or (
        guardian.email if channel is Channel.EMAIL else guardian.phone if guardian else None
    )
    if not address:
        return
    payload: dict[str, Any] = {"subject": subject, "text": text}
    if link:
        payload["link"] = link
    enqueue_direct(
        channel,
        address,
        payload,
        guardian_id=guardian.id if guardian else None,
        latin=guardian.sms_latin if guardian else True,
    )


def _pending(
    *, student_id: int | None = None, guardian_id: int | None = None, kind: str | None = None
) -> list[GuardianLinkRequest]:
    query = sa.select(GuardianLinkRequest).where(GuardianLinkRequest.status == PENDING)
    if student_id is not None:
        query = query.where(GuardianLinkRequest.student_id == student_id)
    if guardian_id is not None:
        query = query.where(GuardianLinkRequest.guardian_id == guardian_id)
    if kind is not None:
        query = query.where(GuardianLinkRequest.kind == kind)
    return list(db.session.scalars(query.order_by(GuardianLinkRequest.id)))


# --- announcements -------------------------------------------------------------------------------
def announce_link(student: Student, guardian: Guardian) -> None:
    """Tell the child's other guardians (verified contacts, through the outbox) that a new parent
    was linked; they can revoke it in the portal."""
    others = db.session.scalars(
        sa.select(Guardian)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .where(GuardianStudent.student_id == student.id, Guardian.id != guardian.id)
    ).all()
    if not others:
        return
    link = portal_link("account.links")
    name = guardian.full_name or msg("notice.someone")
    for other in others:
        if other.email and other.email_verified_at:
            text = msg("notice.email", child=student.first_name, name=name, link=link)
            _send(Channel.EMAIL, other, msg("notice.subject"), text, link=link)
        if other.phone and other.phone_verified_at:
            _send(Channel.SMS, other, "", msg("notice.sms", child=student.first_name, link=link))


# --- registrations and "add a child" the school approves ------------------------------------------
def request_approval(
    *, student: Student, kind: str, data: dict[str, Any], guardian: Guardian | None = None
) -> GuardianLinkRequest | None:
    """A registration (or a signed-in parent's "add a child") whose contacts the school has not
    recorded: it waits for the school. Repeats are folded; at most a few per child. Flushes."""
    pending = _pending(student_id=student.id)
    waiting = [r for r in pending if r.kind in (REGISTRATION, ADD_CHILD)]
    for request in waiting:
        same_guardian = guardian is not None and request.guardian_id == guardian.id
        same_contacts = (
            guardian is None
            and request.guardian_id is None
            and (
                request.data.get("phone"),
                request.data.get("email"),
            )
            == (data.get("phone"), data.get("email"))
        )
        if same_guardian or same_contacts:
            return request
    if len(waiting) >= MAX_PENDING_PER_STUDENT:
        log.warning("too many pending registrations for student %s", student.id)
        return None
    request = GuardianLinkRequest(
        school_id=student.school_id,
        student_id=student.id,
        guardian_id=guardian.id if guardian else None,
        kind=kind,
        relation=Relation.OTHER,
        data=data,
        status=PENDING,
        expires_at=clock.utc_naive() + APPROVAL_TTL,
    )
    db.session.add(request)
    db.session.flush()
    actor = ("guardian", guardian.id) if guardian else ("system", None)
    audit(student.school_id, actor[0], actor[1], "link_request", request.id, student.id)
    return request


def recorded_guardians(student_id: int, *, phone: str | None, email: str | None) -> list[Guardian]:
    """Guardians linked to the pupil whose phone or e-mail is one of these: the second factor."""
    conditions = _contact_conditions(phone, email)
    if not conditions:
        return []
    return list(
        db.session.scalars(
            sa.select(Guardian)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .where(GuardianStudent.student_id == student_id, sa.or_(*conditions))
            .order_by(Guardian.id)
        )
    )


def _school_request(school_id: int, request_id: int) -> GuardianLinkRequest:
    request = _get(GuardianLinkRequest, request_id)
    if request is None or request.school_id != school_id:
        raise AccountError(msg("request.not_found"))
    if request.status != PENDING:
        raise AccountError(msg("request.decided"))
    return request


def approve_request(school_id: int, staff_id: int, request_id: int) -> Outcome:
    """The school approves a registration or "add a child": the contact the parent gave becomes
    the pupil's recorded contact (a new record, or an invitation to an existing parent) and the
    parent is told there. Commits."""
    request = _school_request(school_id, request_id)
    if request.kind not in (REGISTRATION, ADD_CHILD):
        raise AccountError(msg("request.not_found"))
    student = request.student
    now = clock.utc_naive()
    request.status, request.decided_at = CONFIRMED, now
    outcome: Outcome
    if request.kind == ADD_CHILD and request.guardian is not None:
        guardian = request.guardian
        outcome = "linked" if link_child(guardian, student) is not None else "already"
        db.session.flush()
        audit(school_id, "staff", staff_id, "link_approve", guardian.id, student.id)
        announce_link(student, guardian)
        for channel in (Channel.EMAIL, Channel.SMS):
            _send(channel, guardian, msg("approved.subject"), msg("approved.child"))
    else:
        phone, email = request.data.get("phone"), request.data.get("email")
        found = guardians_by_contacts(phone, email)
        if len(found) > 1:
            raise AccountError(msg("school_guardian.contacts_split"))
        if found:
            guardian = found[0]
            outcome = school_link(
                student=student, guardian=guardian, relation=request.relation, actor_id=staff_id
            )
        else:
            full_name = str(request.data.get("full_name", ""))
            guardian = _school_record(full_name, phone, email, now)
            link_child(guardian, student, request.relation)
            db.session.flush()
            audit(school_id, "staff", staff_id, "link_approve", guardian.id, student.id)
            announce_link(student, guardian)
            outcome = "linked"
        if outcome != "invited" and not guardian.password_hash:  # an invitation tells its own
            register = portal_link("account.register")
            if email:
                text = msg("approved.registration", link=register)
                _send(Channel.EMAIL, None, msg("approved.subject"), text, to=email)
            if phone:
                text = msg("approved.registration_sms", link=register)
                _send(Channel.SMS, None, "", text, to=phone)
    db.session.commit()
    return outcome


def _contact_conditions(phone: str | None, email: str | None) -> list[sa.ColumnElement[bool]]:
    """A guardian whose phone is ``phone`` or whose e-mail is ``email`` (the ones given)."""
    conditions = []
    if phone:
        conditions.append(Guardian.phone == phone)
    if email:
        conditions.append(Guardian.email == email)
    return conditions


def guardians_by_contacts(phone: str | None, email: str | None) -> list[Guardian]:
    """Every guardian with this phone or this e-mail (none when neither is given)."""
    conditions = _contact_conditions(phone, email)
    if not conditions:
        return []
    return list(db.session.scalars(sa.select(Guardian).where(sa.or_(*conditions))))


def _school_record(
    full_name: str, phone: str | None, email: str | None, now: dt.datetime
) -> Guardian:
    """A new guardian the school records: the contacts it gives count as verified. Flushed."""
    guardian = Guardian(
        full_name=full_name[:200],
        phone=phone,
        email=email,
        phone_verified_at=now if phone else None,
        email_verified_at=now if email else None,
    )
    db.session.add(guardian)
    db.session.flush()
    return guardian


def refuse_request(school_id: int, staff_id: int, request_id: int) -> None:
    """The school refuses a registration or withdraws an invitation. Nobody is told. Commits."""
    request = _school_request(school_id, request_id)
    request.status = DECLINED if request.kind != INVITE else REVOKED
    request.decided_at = clock.utc_naive()
    audit(school_id, "staff", staff_id, "link_refuse", request.guardian_id, request.student_id)
    db.session.commit()


# --- the parent confirms, declines, revokes ---------------------------------------------------------
def _usable_invite(request: GuardianLinkRequest | None) -> GuardianLinkRequest:
    if request is None or request.kind != INVITE or request.status != PENDING:
        raise AccountError(msg("invite.invalid"))
    if request.expires_at < clock.utc_naive():
        request.status = EXPIRED
        db.session.commit()
        raise AccountError(msg("invite.expired"))
    return request


def invite_by_token(request_id: int, token: str, signed_in: Guardian | None) -> GuardianLinkRequest:
    """The invitation a token link opens; refused for another signed-in guardian."""
    request = _get(GuardianLinkRequest, request_id)
    if request is None or not request.token_hash:
        raise AccountError(msg("invite.invalid"))
    if not check_password_hash(request.token_hash, token or ""):
        raise AccountError(msg("invite.invalid"))
    request = _usable_invite(request)
    if signed_in is not None and signed_in.id != request.guardian_id:
        raise AccountError(msg("invite.other_guardian"))
    return request


def invite_of(guardian: Guardian, request_id: int) -> GuardianLinkRequest:
    """A signed-in guardian's own pending invitation (another guardian's is refused)."""
    request = _get(GuardianLinkRequest, request_id)
    if request is not None and request.guardian_id != guardian.id:
        raise AccountError(msg("invite.other_guardian"))
    return _usable_invite(request)


def decide_invite(request: GuardianLinkRequest, accept: bool) -> Student:
    """Confirm (the link is made, audited and announced) or decline an invitation. Commits."""
    guardian = request.guardian
    assert guardian is not None
    student = request.student
    request.status = CONFIRMED if accept else DECLINED
    request.decided_at = clock.utc_naive()
    action = "link_confirm" if accept else "link_decline"
    if accept and link_child(guardian, student, request.relation) is not None:
        db.session.flush()
        announce_link(student, guardian)
    audit(request.school_id, "guardian", guardian.id, action, guardian.id, student.id)
    db.session.commit()
    return student


@dataclass
class FamilyLink:
    link: GuardianStudent
    name: str
    revocable: bool


def family_of(guardian: Guardian) -> tuple[list[GuardianLinkRequest], list[FamilyLink]]:
    """The portal's page: my pending invitations, and the other parents linked to my children
    (those linked after me I may revoke)."""
    invites = [r for r in _pending(guardian_id=guardian.id, kind=INVITE)]
    mine = {
        link.student_id: link.id
        for link in db.session.scalars(
            sa.select(GuardianStudent).where(GuardianStudent.guardian_id == guardian.id)
        )
    }
    others = db.session.scalars(
        sa.select(GuardianStudent)
        .where(
            GuardianStudent.student_id.in_(list(mine)), GuardianStudent.guardian_id != guardian.id
        )
        .order_by(GuardianStudent.student_id, GuardianStudent.id)
    ).all()
    family = [
        FamilyLink(
            link=link,
            name=link.guardian.full_name or msg("notice.someone"),
            revocable=link.id > mine[link.student_id],
        )
        for link in others
    ]
    return invites, family


def revoke_by_guardian(guardian: Guardian, link_id: int) -> None:
    """A parent removes a link to their child made after their own (not an older parent's).
    Audited for the school. Commits."""
    link = _get(GuardianStudent, link_id)
    own = (
        db.session.scalar(
            sa.select(GuardianStudent.id).where(
                GuardianStudent.guardian_id == guardian.id,
                GuardianStudent.student_id == link.student_id,
            )
        )
        if link is not None
        else None
    )
    if link is None or own is None or link.guardian_id == guardian.id or link.id < own:
        raise AccountError(msg("revoke.refused"))
    audit(link.school_id, "guardian", guardian.id, "link_revoke", link.guardian_id, link.student_id)
    db.session.delete(link)
    db.session.commit()


# --- the school's view ---------------------------------------------------------------------------
@dataclass
class Notice:
    at: dt.datetime
    action: str
    student: Student | None
    actor_type: str


def request_student(school_id: int, request_id: int) -> int | None:
    """The pupil of a request of this school (for the staff web's access check), else None."""
    request = _get(GuardianLinkRequest, request_id)
    return request.student_id if request is not None and request.school_id == school_id else None


def school_overview(
    school_id: int, student_ids: set[int] | None = None
) -> tuple[list[GuardianLinkRequest], list[Notice]]:
    """Pending requests of the school (registrations and "add a child" to approve, invitations
    waiting for the parent) and the new links of the last 30 days; only of ``student_ids`` when
    given (a class teacher's pupils)."""
    now = clock.utc_naive()
    pending = [
        r
        for r in db.session.scalars(
            sa.select(GuardianLinkRequest)
            .where(
                GuardianLinkRequest.school_id == school_id, GuardianLinkRequest.status == PENDING
            )
            .order_by(GuardianLinkRequest.id.desc())
        )
        if r.expires_at >= now and (student_ids is None or r.student_id in student_ids)
    ]
    rows = db.session.scalars(
        sa.select(AuditLog)
        .where(
            AuditLog.school_id == school_id,
            AuditLog.action.in_(NOTICE_ACTIONS + ("link_revoke",)),
            AuditLog.created_at >= now - dt.timedelta(days=NOTICE_DAYS),
        )
        .order_by(AuditLog.id.desc())
        .limit(200)
    ).all()
    students = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Student).where(Student.id.in_({r.student_id for r in rows if r.student_id}))
        )
    }
    notices = [
        Notice(r.created_at, r.action, students.get(r.student_id or 0), r.actor_type)
        for r in rows
        if student_ids is None or r.student_id in student_ids
    ]
    return pending, notices


# --- the phone PIN ---------------------------------------------------------------------------------
def send_pin_link(school_id: int, staff_id: int, guardian: Guardian) -> None:
    """The school's "new PIN": a one-time set-PIN link by SMS to the parent's verified phone.
    Refused for a parent with children in another school or without a verified phone. The old
    PIN keeps working until the parent sets a new one. Audited. In the caller's transaction."""
    if has_links_elsewhere(guardian.id, school_id):
        raise AccountError(msg("pin_link.elsewhere"))
    if not (guardian.phone and guardian.phone_verified_at):
        raise AccountError(msg("pin_link.no_phone"))
    token, token_hash = _token()
    vc = VerificationCode(
        purpose=PIN_PURPOSE,
        channel=Channel.SMS,
        target=guardian.phone,
        code_hash=token_hash,
        guardian_id=guardian.id,
        data={"school_id": school_id, "staff_id": staff_id},
        expires_at=clock.utc_naive() + PIN_LINK_TTL,
    )
    db.session.add(vc)
    db.session.flush()
    link = portal_link("account.pin_set", vid=vc.id, token=token)
    _send(Channel.SMS, guardian, "", msg("pin_link.sms", link=link))


def pin_link(vid: int, token: str) -> VerificationCode:
    vc = _get(VerificationCode, vid)
    if (
        vc is None
        or vc.purpose != PIN_PURPOSE
        or vc.used_at is not None
        or vc.expires_at < clock.utc_naive()
        or not check_password_hash(vc.code_hash, token or "")
    ):
        raise AccountError(msg("pin_link.invalid"))
    return vc


def set_pin_by_link(vid: int, token: str, pin: str) -> Guardian:
    """The parent opened the SMS link and typed a new PIN. Commits."""
    vc = pin_link(vid, token)
    problem = pin_problem(pin)
    if problem:
        raise AccountError(problem, "pin")
    guardian = db.session.get(Guardian, vc.guardian_id)
    if guardian is None:
        raise AccountError(msg("pin_link.invalid"))
    guardian.pin_hash = hash_pin(pin)
    vc.used_at = clock.utc_naive()
    school_id = vc.data.get("school_id")
    audit(school_id, "guardian", guardian.id, "pin_set", guardian.id, None)
    db.session.commit()
    return guardian


# --- the school creates a parent -------------------------------------------------------------------
def create_and_link_guardian(
    *,
    school_id: int,
    student_id: int,
    full_name: str,
    phone: str | None = None,
    email: str | None = None,
    relation: Relation | str = Relation.OTHER,
    actor_id: int | None = None,
) -> Guardian | None:
    """The school records a parent for a pupil. A new contact becomes a new record (trusted as
    verified: the parent then registers with the child's code and claims it); a contact of an
    existing parent links the school's own record directly and invites anyone else
    (:func:`school_link`): then None is returned. Does NOT commit. Raises AccountError."""
    student = db.session.scalar(
        sa.select(Student).where(Student.id == student_id, Student.school_id == school_id)
    )
    if student is None:
        raise AccountError(msg("school_guardian.no_student"))
    required = msg("school_guardian.contact_required")
    phone_e164, email_norm = clean_contacts(phone, email, required)
    found = guardians_by_contacts(phone_e164, email_norm)
    if len(found) > 1:
        raise AccountError(msg("school_guardian.contacts_split"))
    the_relation = Relation(relation)
    if found:
        guardian = found[0]
        own_record = not needs_confirmation(guardian, school_id)
        if own_record:  # the school's own record: contacts it did not have yet are added
            now = clock.utc_naive()
            if phone_e164 and not guardian.phone:
                guardian.phone, guardian.phone_verified_at = phone_e164, now
            if email_norm and not guardian.email:
                guardian.email, guardian.email_verified_at = email_norm, now
        contact = phone_e164 or email_norm or ""
        school_link(
            student=student,
            guardian=guardian,
            relation=the_relation,
            actor_id=actor_id,
            contact=contact,
        )
        db.session.flush()
        return guardian if own_record else None
    guardian = _school_record(full_name.strip(), phone_e164, email_norm, clock.utc_naive())
    school_link(student=student, guardian=guardian, relation=the_relation, actor_id=actor_id)
    db.session.flush()
    return guardian
