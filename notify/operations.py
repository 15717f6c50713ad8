"""Use-cases of parents' accounts and notification settings (views stay thin).

* Registration with the student's code: :func:`start_registration` → (a code by SMS and/or a
  link by e-mail, through the outbox) → :func:`verify_sms_code` / :func:`confirm_email_link` →
  :func:`finish_registration` (password + a 4–6 digit phone PIN; trivial PINs refused).
* :func:`add_child` (another child, by its code), :func:`save_preferences`, :func:`change_pin`.
* :func:`find_guardian_by_contact` serves the staff web's "link a parent"
  (``gradebook.people.link_guardian``); who may be linked without asking, invitations,
  approvals and notices are :mod:`notify.families`. The pieces both stand on are
  :mod:`notify.account_rules` (:class:`AccountError`, PIN and password rules, typed contacts)
  and :mod:`notify.guardian_links` (:func:`link_child`, the one place a parent–child link is
  made, and its audit row); :mod:`notify.contacts` is the one phone parser (E.164).
* Twilio callbacks: :func:`record_sms_status`, :func:`set_stop_all`.

Errors for people are :class:`AccountError` with a Bulgarian ``message_bg``; nothing half-saved.
Throttling (``throttle``): scope ``register`` per address and per code, scope ``pin``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from config import clock
from gradebook.rules import is_valid_student_code
from gradebook.rules import normalize_student_code
from ivr import pin_lock
from models import Channel
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import NotificationPreference
from models import NotifyEvent
from models import OutboxStatus
from models import Relation
from models import Student
from models import VerificationCode
from models import db
from notify import families
from notify import twilio_status
from notify.account_messages import msg
from notify.account_rules import AccountError
from notify.account_rules import clean_contacts
from notify.account_rules import password_problem
from notify.account_rules import pin_problem
from notify.contacts import normalize_phone
from notify.guardian_links import audit
from notify.guardian_links import link_child
from notify.guardian_links import portal_link
from notify.outbox import DEFAULT_SMS_EVENTS
from notify.outbox import PREFERENCE_EVENTS
from notify.outbox import channels_for
from notify.outbox import enqueue_direct
from notify.outbox import preference_map
from security import hash_pin
from throttle import Limit
from throttle import give_back
from throttle import reserve

log = logging.getLogger("belezhnik.notify")

REGISTER_SCOPE = "register"
PIN_SCOPE = "pin"
REGISTER_FAILS_PER_HOUR = 10
CODES_PER_TARGET_HOUR = 3
CODE_TTL = dt.timedelta(minutes=30)
LINK_TTL = dt.timedelta(hours=24)
MAX_CODE_ATTEMPTS = 5
PURPOSE = "register"


# --- registration ----------------------------------------------------------------------------------
def _student_by_code(raw_code: str, *throttle_keys: str) -> Student | None:
    """The pupil of a code, or None; the caller answers the same either way, so the code's
    validity is not told. One attempt is counted (and committed) per client key and per code
    first. The client counts are never given back, a success included (so a known code between
    guesses gains nothing); the code's count is given back when it is right."""
    code = normalize_student_code(raw_code or "")
    per_code = [Limit(REGISTER_SCOPE, f"code:{code}", REGISTER_FAILS_PER_HOUR)] if code else []
    clients = [Limit(REGISTER_SCOPE, key, REGISTER_FAILS_PER_HOUR) for key in throttle_keys]
    if not reserve(*clients, *per_code):
        raise AccountError(msg("throttle.too_many"))
    student = None
    if is_valid_student_code(code):
        student = db.session.scalar(sa.select(Student).where(Student.student_code == code))
    if student is None:
        return None
    give_back(*per_code)
    return student


def _codes_sent_recently(target: str) -> int:
    since = clock.utc_naive() - dt.timedelta(hours=1)
    return (
        db.session.scalar(
            sa.select(sa.func.count(VerificationCode.id)).where(
                VerificationCode.target == target,
                VerificationCode.purpose == PURPOSE,
                VerificationCode.created_at >= since,
            )
        )
        or 0
    )


def _new_code(
    channel: Channel,
    target: str,
    secret: str,
    student: Student,
    data: dict[str, Any],
    expires_at: dt.datetime,
) -> VerificationCode:
    """A registration's code (SMS) or link (e-mail) to one contact, stored hashed and flushed
    (so that it has its id)."""
    vc = VerificationCode(
        purpose=PURPOSE,
        channel=channel,
        target=target,
        code_hash=generate_password_hash(secret),
        student_id=student.id,
        data=data,
        expires_at=expires_at,
    )
    db.session.add(vc)
    db.session.flush()
    return vc


def start_registration(
    *, student_code: str, phone: str, email: str, full_name: str, client_key: str
) -> list[int]:
    """Check the code; a code by SMS and/or a link by e-mail goes only to the contacts the school
    recorded for the pupil (the second factor). Typed contacts the school does not know make a
    request the school approves (:func:`notify.families.request_approval`). The answer is the
    same for a wrong code, an unknown contact and a match. Returns the verification ids (kept in
    the session; possibly none). Commits."""
    phone_e164, email_norm = clean_contacts(phone, email, msg("contact.required"))
    student = _student_by_code(student_code, client_key)
    if student is None:
        return []
    data = {"full_name": full_name.strip()[:200], "phone": phone_e164, "email": email_norm}
    recorded = families.recorded_guardians(student.id, phone=phone_e164, email=email_norm)
    if phone_e164 not in {g.phone for g in recorded}:
        phone_e164 = None
    if email_norm not in {g.email for g in recorded}:
        email_norm = None
    if not (phone_e164 or email_norm):
        families.request_approval(student=student, kind=families.REGISTRATION, data=data)
    for target in filter(None, (phone_e164, email_norm)):
        if _codes_sent_recently(target) >= CODES_PER_TARGET_HOUR:  # quietly: same answer
            log.info("registration codes to a target throttled")
            phone_e164 = None if target == phone_e164 else phone_e164
            email_norm = None if target == email_norm else email_norm
    now = clock.utc_naive()
    ids: list[int] = []
    if phone_e164:
        code = f"{secrets.randbelow(1_000_000):06d}"
        vc = _new_code(Channel.SMS, phone_e164, code, student, data, now + CODE_TTL)
        enqueue_direct(
            Channel.SMS,
            phone_e164,
            {"text": f"Belezhnik: kod za registratsiya {code}. Validen 30 min."},
            school_id=student.school_id,
        )
        ids.append(vc.id)
    if email_norm:
        token = secrets.token_urlsafe(24)
        vc = _new_code(Channel.EMAIL, email_norm, token, student, data, now + LINK_TTL)
        link = portal_link("account.register_email", vid=vc.id, token=token)
        enqueue_direct(
            Channel.EMAIL,
            email_norm,
            {
                "subject": "Потвърдете електронната си поща",
                "text": "Здравейте! За да завършите регистрацията си в Бележник, отворете "
                f"връзката (валидна 24 часа):\n{link}",
                "link": link,
            },
            school_id=student.school_id,
        )
        ids.append(vc.id)
    db.session.commit()
    return ids


def _pending(ids: list[int]) -> list[VerificationCode]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(VerificationCode).where(
                VerificationCode.id.in_(ids), VerificationCode.purpose == PURPOSE
            )
        )
    )


def verify_sms_code(ids: list[int], code: str, client_key: str) -> None:
    """Check the SMS code of this registration. Commits (attempts are counted)."""
    now = clock.utc_naive()
    for vc in _pending(ids):
        if vc.channel is not Channel.SMS or vc.used_at is not None:
            continue
        if vc.data.get("verified"):
            return
        if vc.expires_at < now or not _claim_code_attempt(vc, client_key):
            raise AccountError(msg("registration.code_expired"), "code")
        if check_password_hash(vc.code_hash, (code or "").strip()):
            vc.data = {**vc.data, "verified": True}
            db.session.commit()
            return
        raise AccountError(msg("registration.code_wrong"), "code")
    raise AccountError(msg("registration.code_wrong"), "code")  # as if one had been sent


def _claim_code_attempt(vc: VerificationCode, client_key: str) -> bool:
    """Count one attempt at an SMS code, atomically and committed before the check: one of the
    client's registration attempts and one of the code's MAX_CODE_ATTEMPTS (a conditional
    UPDATE, so parallel guesses cannot pass the limit together). False when either is spent."""
    if not reserve(Limit(REGISTER_SCOPE, client_key, REGISTER_FAILS_PER_HOUR)):
        return False
    claimed = db.session.execute(
        sa.update(VerificationCode)
        .where(VerificationCode.id == vc.id, VerificationCode.attempts < MAX_CODE_ATTEMPTS)
        .values(attempts=VerificationCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def confirm_email_link(vid: int, token: str) -> int:
    """The e-mail link was opened: mark it verified. Returns the verification id. Commits."""
    vc = db.session.get(VerificationCode, vid)
    now = clock.utc_naive()
    if (
        vc is None
        or vc.purpose != PURPOSE
        or vc.channel is not Channel.EMAIL
        or vc.used_at is not None
        or vc.expires_at < now
        or not check_password_hash(vc.code_hash, token or "")
    ):
        raise AccountError(msg("registration.link_invalid"))
    vc.data = {**vc.data, "verified": True}
    db.session.commit()
    return vc.id


def verified_contacts(ids: list[int]) -> dict[str, Any]:
    """What this registration proved so far: {"phone", "email", "student_id", "full_name"}."""
    now = clock.utc_naive()
    out: dict[str, Any] = {"phone": None, "email": None, "student_id": None, "full_name": ""}
    for vc in _pending(ids):
        if vc.used_at is not None or vc.expires_at < now:
            continue
        out["student_id"] = vc.student_id
        out["full_name"] = vc.data.get("full_name", "")
        if vc.data.get("verified"):
            out["phone" if vc.channel is Channel.SMS else "email"] = vc.target
    return out


@dataclass
class Finished:
    guardian: Guardian
    student: Student


def finish_registration(ids: list[int], *, password: str, pin: str) -> Finished:
    """Claim the school-created record whose contact was verified (a password and a PIN), mark
    the contacts verified; the child's other guardians are told. Commits."""
    contacts = verified_contacts(ids)
    if not (contacts["phone"] or contacts["email"]) or contacts["student_id"] is None:
        raise AccountError(msg("registration.unconfirmed"))
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, "password")
    problem = pin_problem(pin)
    if problem:
        raise AccountError(problem, "pin")
    student = db.session.get(Student, contacts["student_id"])
    if student is None:
        raise AccountError(msg("registration.student_gone"))
    now = clock.utc_naive()
    guardian = None
    existing = families.guardians_by_contacts(contacts["phone"], contacts["email"])
    if any(g.password_hash for g in existing):
        raise AccountError(msg("registration.profile_exists"))
    if len(existing) > 1:
        raise AccountError(msg("registration.contacts_split"))
    guardian = existing[0] if existing else Guardian(full_name=contacts["full_name"])
    if not existing:
        db.session.add(guardian)
    guardian.full_name = guardian.full_name or contacts["full_name"]
    guardian.password_hash = generate_password_hash(password)
    guardian.pin_hash = hash_pin(pin)
    if contacts["email"]:
        guardian.email = contacts["email"]
        guardian.email_verified_at = now
    if contacts["phone"]:
        guardian.phone = contacts["phone"]
        guardian.phone_verified_at = now
    db.session.flush()
    link_child(guardian, student)
    for vc in _pending(ids):
        vc.used_at = now
        vc.guardian_id = guardian.id
    audit(student.school_id, "guardian", guardian.id, "register", guardian.id, student.id)
    families.announce_link(student, guardian)
    db.session.commit()
    return Finished(guardian=guardian, student=student)


def add_child(guardian: Guardian, student_code: str, client_key: str) -> Student | None:
    """A signed-in parent adds another child by its code (throttled like registration). Linked
    at once only when the parent's verified phone or e-mail is a contact the school recorded for
    the pupil (that record is taken over); otherwise the school approves. Returns the child when
    linked, None when it waits (a wrong code answers the same). Commits."""
    student = _student_by_code(student_code, f"g:{guardian.id}", client_key)
    if student is None:
        return None
    if families._is_linked(guardian.id, student.id):
        raise AccountError(msg("child.already_added"), "student_code")
    recorded = families.recorded_guardians(
        student.id,
        phone=guardian.phone if guardian.phone_verified_at else None,
        email=guardian.email if guardian.email_verified_at else None,
    )
    if not recorded:
        data = {"full_name": guardian.full_name, "phone": guardian.phone, "email": guardian.email}
        families.request_approval(
            student=student, kind=families.ADD_CHILD, data=data, guardian=guardian
        )
        db.session.commit()
        return None
    relation = Relation.OTHER
    for record in recorded:  # the school's record of this parent: taken over for this child
        if record.password_hash or record.pin_hash:
            continue
        old = db.session.scalar(
            sa.select(GuardianStudent).where(
                GuardianStudent.guardian_id == record.id, GuardianStudent.student_id == student.id
            )
        )
        if old is not None:
            relation = old.relation
            db.session.delete(old)
    db.session.flush()
    link_child(guardian, student, relation)
    db.session.flush()
    audit(student.school_id, "guardian", guardian.id, "link_child", guardian.id, student.id)
    families.announce_link(student, guardian)
    db.session.commit()
    return student


def _confirm_password(guardian: Guardian, password: str) -> None:
    """The signed-in parent's own password, asked again before an account change; wrong ones
    count as guesses (10 an hour), a right one gives its attempt back."""
    limit = Limit(PIN_SCOPE, f"g:{guardian.id}", 10)
    if not reserve(limit):  # counted (and committed) before the password check
        raise AccountError(msg("throttle.too_many"))
    if not guardian.password_hash or not check_password_hash(
        guardian.password_hash, password or ""
    ):
        raise AccountError(msg("password.wrong"), "password")
    give_back(limit)  # the right password is not a guess


def change_pin(guardian: Guardian, password: str, pin: str) -> None:
    _confirm_password(guardian, password)
    problem = pin_problem(pin)
    if problem:
        db.session.commit()
        raise AccountError(problem, "pin")
    guardian.pin_hash = hash_pin(pin)
    pin_lock.unlock_for_guardian(guardian, reason="pin_changed")
    db.session.commit()


def erase_account(guardian: Guardian, password: str) -> None:
    """The parent's erasure request (GDPR art. 17) for what is theirs: the password, the PIN,
    the verified contacts, the calendar address, every notification choice, pending notices and
    codes; every session ends. What the school recorded about the parent of its pupil (name,
    phone, e-mail as the school has them, the link to the child) and the class book stay: they
    are the school's records (docs/PRIVACY.md). Audited in each school of the children. Commits."""
    _confirm_password(guardian, password)
    guardian.password_hash = guardian.pin_hash = guardian.ical_token = None
    guardian.email_verified_at = guardian.phone_verified_at = None
    guardian.digest, guardian.stop_all = False, True
    guardian.session_generation = (guardian.session_generation or 0) + 1
    db.session.execute(
        sa.delete(NotificationPreference).where(NotificationPreference.guardian_id == guardian.id)
    )
    db.session.execute(
        sa.delete(VerificationCode).where(VerificationCode.guardian_id == guardian.id)
    )
    db.session.execute(
        sa.update(NotificationOutbox)
        .where(
            NotificationOutbox.guardian_id == guardian.id,
            NotificationOutbox.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED, body="", subject="", payload={})
    )
    for link in guardian.links:
        audit(
            link.school_id, "guardian", guardian.id, "erase_account", guardian.id, link.student_id
        )
    db.session.commit()


# --- preferences ------------------------------------------------------------------------------------
def preference_matrix(guardian: Guardian) -> dict[tuple[str, str], bool]:
    """(event, channel) → on/off as the sender would decide it now (defaults filled in)."""
    prefs = preference_map([guardian.id])
    matrix: dict[tuple[str, str], bool] = {}
    for event in PREFERENCE_EVENTS:
        for channel in Channel:
            explicit = prefs.get((guardian.id, event.value, channel.value))
            if explicit is None:  # the default, shown even before a contact is verified
                explicit = channel is Channel.EMAIL or event in DEFAULT_SMS_EVENTS
            matrix[(event.value, channel.value)] = bool(explicit)
    return matrix


def save_preferences(
    guardian: Guardian,
    enabled: set[tuple[str, str]],
    *,
    digest: bool,
    sms_latin: bool,
    stop_all: bool,
) -> None:
    """Store an explicit row for every event × channel (so later default changes do not surprise
    this parent). Commits."""
    existing = {
        (p.event_type.value, p.channel.value): p
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.guardian_id == guardian.id
            )
        )
    }
    for event in PREFERENCE_EVENTS:
        for channel in Channel:
            key = (event.value, channel.value)
            on = key in enabled
            if key in existing:
                existing[key].enabled = on
            else:
                db.session.add(
                    NotificationPreference(
                        guardian_id=guardian.id, event_type=event, channel=channel, enabled=on
                    )
                )
    guardian.digest = digest
    guardian.sms_latin = sms_latin
    guardian.stop_all = stop_all
    db.session.commit()


def stop_email(guardian: Guardian) -> None:
    """The one-click unsubscribe of a notification e-mail (RFC 8058): every notice by e-mail off
    for this parent, the daily summary too (it is an e-mail); SMS and the phone as they were;
    sign-up codes and password links still come (they are never muted). Idempotent. Commits."""
    existing = {
        p.event_type: p
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.guardian_id == guardian.id,
                NotificationPreference.channel == Channel.EMAIL,
            )
        )
    }
    for event in PREFERENCE_EVENTS:
        if event in existing:
            existing[event].enabled = False
        else:
            db.session.add(
                NotificationPreference(
                    guardian_id=guardian.id, event_type=event, channel=Channel.EMAIL, enabled=False
                )
            )
    guardian.digest = False
    db.session.commit()


def children_of(guardian: Guardian) -> list[Student]:
    return list(
        db.session.scalars(
            sa.select(Student)
            .join(GuardianStudent, GuardianStudent.student_id == Student.id)
            .where(GuardianStudent.guardian_id == guardian.id)
            .order_by(Student.first_name)
        )
    )


# --- staff: create and link --------------------------------------------------------------------------
def find_guardian_by_contact(contact: str | None) -> Guardian | None:
    """The parent account with this e-mail (any case) or phone (any writing :func:`normalize_phone`
    reads, region BG), or None. For the staff web's "link an existing parent"."""
    text = (contact or "").strip()
    if "@" in text:
        return db.session.scalar(
            sa.select(Guardian).where(sa.func.lower(Guardian.email) == text.lower())
        )
    e164 = normalize_phone(text, accept="parsed")
    if e164 is None:
        return None
    return db.session.scalar(sa.select(Guardian).where(Guardian.phone == e164))


# --- Twilio callbacks ------------------------------------------------------------------------------
def record_sms_status(
    *, message_sid: str, status: str, error_code: str, row_id: int | None, to: str
) -> bool:
    """Twilio's delivery report. Finds the row by SID, else by our row id in the callback URL
    (then it also settles a row whose create response was lost). Only Twilio's values, only
    forward (``notify.twilio_status.MESSAGE``): a late "sent" never undoes "failed". Commits."""
    if not twilio_status.MESSAGE.known(status):
        log.warning("sms status %r for %s is not Twilio's, ignored", status[:40], message_sid[:64])
        return False
    row = None
    if message_sid:
        row = db.session.scalar(
            sa.select(NotificationOutbox).where(NotificationOutbox.provider_id == message_sid)
        )
    if row is None and row_id is not None and 0 < row_id < 2**31:  # an id, not any integer
        candidate = db.session.get(NotificationOutbox, row_id)
        if candidate is not None and (not to or candidate.to_address == to):
            row = candidate
    if row is None:
        log.info("sms status for unknown message %s", message_sid)
        return False
    moved = twilio_status.MESSAGE.advance(row.provider_status, status)
    outbound = twilio_status.MESSAGE.twilio  # not "receiving"/"received"
    if message_sid and not row.provider_id:
        row.provider_id = message_sid[:64]
    if row.status in (OutboxStatus.SENDING, OutboxStatus.UNKNOWN) and status in outbound:
        row.status = OutboxStatus.SENT
        row.sent_at = row.sent_at or clock.utc_naive()
    if moved is None:
        db.session.commit()
        return True
    row.provider_status = moved
    if moved in ("failed", "undelivered"):
        row.status = OutboxStatus.FAILED
        row.last_error = f"Twilio: {status} {error_code}".strip()[:500]
    db.session.commit()
    return True


def set_stop_all(phone: str, stop: bool) -> int:
    """STOP / START from a phone: every account with that (E.164) number. Commits."""
    number = normalize_phone(phone) or phone
    guardians = db.session.scalars(sa.select(Guardian).where(Guardian.phone == number)).all()
    for guardian in guardians:
        guardian.stop_all = stop
    db.session.commit()
    return len(guardians)


def has_channels(guardian: Guardian, event: NotifyEvent) -> bool:
    return bool(channels_for(guardian, event))
