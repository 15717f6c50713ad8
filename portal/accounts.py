"""The parent's sign-in and password reset: throttled per e-mail and per address, the same answer
for an unknown e-mail and a wrong password, and a signed one-hour link by e-mail (through the
notifications outbox) that stops working once the password changes. Each use-case commits.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from config import clock
from models import Channel
from models import Guardian
from models import NotificationOutbox
from models import NotifyEvent
from models import db
from models import utcnow
from portal.messages import PortalError
from portal.messages import msg
from throttle import Limit
from throttle import clear
from throttle import give_back
from throttle import reserve

log = logging.getLogger("belezhnik.portal")

LOGIN_SCOPE = "parent_login"
RESET_SCOPE = "password_reset"
RESET_SALT = "portal-password-reset"
RESET_MAX_AGE = 3600  # seconds a password link stays valid
RESET_REQUESTS_PER_HOUR = 5
MIN_PASSWORD_LENGTH = 8


# A dummy hash checked when the e-mail is unknown, so that both answers take the same time.
_DUMMY_HASH = generate_password_hash("belezhnik-no-such-user")


# --- sign-in ---------------------------------------------------------------------------------------
def _normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str, address: str) -> Guardian:
    """The guardian for this e-mail and password, or ``PortalError``.

    Throttled per e-mail and per address (scope ``parent_login``): after LOGIN_FAILS_PER_HOUR
    failures within an hour further attempts are refused without checking the password. Wrong
    e-mail and wrong password give the same answer. Commits the failure count or the sign-in.
    """
    email = _normalize_email(email)
    limit = int(current_app.config.get("LOGIN_FAILS_PER_HOUR", 10))
    limits = [Limit(LOGIN_SCOPE, key, limit) for key in (email, f"ip:{address or '?'}")]
    if not reserve(*limits):  # counted (and committed) before the password check
        log.warning("parent login throttled for %s from %s", email, address)
        raise PortalError(msg("login.throttled"))
    guardian = db.session.scalar(sa.select(Guardian).where(sa.func.lower(Guardian.email) == email))
    hashed = guardian.password_hash if guardian and guardian.password_hash else _DUMMY_HASH
    ok = check_password_hash(hashed, password or "")
    if not (ok and guardian is not None and guardian.password_hash and guardian.active):
        raise PortalError(msg("login.wrong"))
    give_back(*limits)  # a sign-in that worked is not a guess
    guardian.last_login_at = clock.utc_naive()
    db.session.commit()
    return guardian


# --- password reset ----------------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(guardian: Guardian) -> str:
    # A piece of the current hash: once the password changes, older links stop working.
    return (guardian.password_hash or "none")[-16:]


def make_reset_token(guardian: Guardian) -> str:
    return _serializer().dumps({"g": guardian.id, "p": _password_fingerprint(guardian)})


def request_password_reset(email: str, address: str, link_for: Any) -> None:
    """Write the password e-mail to the outbox (ACCOUNT, EMAIL) when the e-mail is a known active
    guardian; answer the same either way. ``link_for(token)`` builds the absolute link.
    Throttled per e-mail and address (5 an hour). Commits."""
    email = _normalize_email(email)
    keys = (email, f"ip:{address or '?'}")
    # every request counts (never given back): the e-mail must not become a spam cannon
    if not reserve(*(Limit(RESET_SCOPE, key, RESET_REQUESTS_PER_HOUR) for key in keys)):
        log.warning("password reset throttled for %s from %s", email, address)
        raise PortalError(msg("reset.throttled"))
    guardian = db.session.scalar(sa.select(Guardian).where(sa.func.lower(Guardian.email) == email))
    if guardian is not None and guardian.active and guardian.email:
        link = link_for(make_reset_token(guardian))
        subject = "нова парола"
        body = (
            f"Здравейте, {guardian.full_name or 'родител'}!\n\n"
            "Получихме заявка за нова парола за профила Ви в Бележник. "
            "Ако сте Вие, отворете връзката в рамките на един час:\n\n"
            f"{link}\n\n"
            "Ако не сте поискали нова парола, не правете нищо: старата остава в сила.\n"
        )
        _enqueue_account_email(guardian, subject, body, {"kind": "password_reset", "url": link})
    db.session.commit()


def _enqueue_account_email(
    guardian: Guardian, subject: str, body: str, payload: dict[str, Any]
) -> None:
    """An ACCOUNT e-mail (never muted, due at once) through the notifications outbox, in this
    transaction: ``notify.outbox.enqueue_direct`` renders it (payload ``text`` and ``subject``);
    without that helper the row is written directly."""
    try:
        from notify.outbox import enqueue_direct
    except ImportError:  # pragma: no cover - the notifications part provides it
        enqueue_direct = None
    if enqueue_direct is not None:
        enqueue_direct(
            Channel.EMAIL,
            guardian.email or "",
            {**payload, "text": body, "subject": subject},
            event_type=NotifyEvent.ACCOUNT,
            guardian_id=guardian.id,
        )
        return
    db.session.add(  # pragma: no cover - fallback
        NotificationOutbox(
            guardian_id=guardian.id,
            channel=Channel.EMAIL,
            event_type=NotifyEvent.ACCOUNT,
            object_type="guardian",
            object_id=guardian.id,
            to_address=guardian.email or "",
            subject=f"Бележник: {subject}",
            body=body,
            payload=payload,
            urgent=True,
            due_at=utcnow(),
        )
    )


def guardian_for_reset_token(token: str) -> Guardian:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise PortalError(msg("reset.link_expired")) from None
    except BadSignature:
        raise PortalError(msg("reset.link_invalid")) from None
    guardian = db.session.get(Guardian, int(data.get("g", 0))) if isinstance(data, dict) else None
    if guardian is None or not guardian.active or data.get("p") != _password_fingerprint(guardian):
        raise PortalError(msg("reset.link_used"))
    return guardian


def reset_password(token: str, password: str) -> Guardian:
    guardian = guardian_for_reset_token(token)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PortalError(msg("password.too_short", length=MIN_PASSWORD_LENGTH))
    guardian.password_hash = generate_password_hash(password)
    # the owner of the e-mail chose a new password: the sign-in count of the e-mail starts again
    clear(LOGIN_SCOPE, [_normalize_email(guardian.email or "")])
    db.session.commit()
    return guardian
