"""Cross-cutting protections: throttling of guessing, safe ids from form input, Twilio webhook
signatures, and the hashing of phone PINs.

Throttling counts failures in the database (``AuthFailure``) over a sliding window, so it holds
across gunicorn workers and restarts. Scopes in use: ``ivr_number``, ``ivr_code``,
``staff_login``, ``parent_login``, ``register``, ``pin``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.security import check_password_hash, generate_password_hash

from models import AuthFailure, db, utcnow

log = logging.getLogger("belezhnik.security")


def record_failure(scope: str, key: str, school_id: int | None = None) -> None:
    """Count one failure (in the caller's transaction; the caller commits)."""
    db.session.add(AuthFailure(scope=scope, key=key[:200], school_id=school_id))


def failures(scope: str, key: str, window: dt.timedelta = dt.timedelta(hours=1)) -> int:
    since = utcnow() - window
    return (
        db.session.scalar(
            sa.select(sa.func.count(AuthFailure.id)).where(
                AuthFailure.scope == scope,
                AuthFailure.key == key[:200],
                AuthFailure.created_at >= since,
            )
        )
        or 0
    )


def too_many(
    scope: str, key: str, limit: int, window: dt.timedelta = dt.timedelta(hours=1)
) -> bool:
    """True when ``key`` has ``limit`` or more failures in ``scope`` within ``window``."""
    return failures(scope, key, window) >= limit


def clear_failures(scope: str, key: str) -> None:
    db.session.execute(
        sa.delete(AuthFailure).where(AuthFailure.scope == scope, AuthFailure.key == key[:200])
    )


# --- form input -----------------------------------------------------------------------------------
def id_values(values: Iterable[str]) -> list[int]:
    """The ids among submitted form values (e.g. ``request.form.getlist("ids")``), in order: only
    plain ASCII digits ("²" is a digit to ``str.isdigit``) short enough for a BIGINT; the rest
    are dropped."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18]


# --- Twilio signatures ----------------------------------------------------------------------------
def public_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path + query when configured, else the request
    URL as seen (behind a proxy, enable TRUST_PROXY so ProxyFix restores scheme and host)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        url = base + request.path
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        return url
    return request.url


def signature_valid() -> bool:
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict(flat=True) if request.method == "POST" else {}
    return bool(signature) and validator.validate(public_url(), params, signature)


def sign(url: str, params: dict[str, str], token: str) -> str:
    """The X-Twilio-Signature for a request (used by the simulators and the tests)."""
    return RequestValidator(token).compute_signature(url, params)


def twilio_signed(on_forbidden: Callable[[], Response] | None = None) -> Callable[..., Any]:
    """Decorator: refuse a webhook whose X-Twilio-Signature does not match (403). Never off."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not signature_valid():
                log.warning("rejected unsigned or forged Twilio request to %s", request.path)
                if on_forbidden is not None:
                    response = on_forbidden()
                    response.status_code = 403
                    return response
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


# --- phone PINs --------------------------------------------------------------------------------
# A 4–6 digit PIN has at most a million values: what protects it is the lockout (per call, per
# number, per child), not the hash. A salted PBKDF2 of moderate cost keeps the PIN step of the phone
# line cheap (about 10 ms of CPU instead of scrypt's 250 ms) while still costing a thief hours per
# stolen hash.
PIN_HASH_METHOD = "pbkdf2:sha256:40000"
_DUMMY_PIN_HASH: list[str] = []


def hash_pin(pin: str) -> str:
    return generate_password_hash(pin, method=PIN_HASH_METHOD)


def check_pin(pin_hash: str | None, pin: str) -> bool:
    """True when ``pin`` matches; with no hash, does the same work and says False (timing)."""
    if not pin_hash:
        if not _DUMMY_PIN_HASH:
            _DUMMY_PIN_HASH.append(hash_pin("no-pin"))
        check_password_hash(_DUMMY_PIN_HASH[0], pin)
        return False
    return check_password_hash(pin_hash, pin)
