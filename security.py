"""Cross-cutting protections: safe ids from form input, Twilio webhook signatures, and the
hashing of phone PINs. The limits on guessing are in :mod:`throttle`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Response
from flask import abort
from flask import current_app
from flask import request
from twilio.request_validator import RequestValidator
from werkzeug.security import check_password_hash

log = logging.getLogger("belezhnik.security")


# --- form input -----------------------------------------------------------------------------------
def id_values(values: Iterable[str]) -> list[int]:
    """The ids among submitted form values (e.g. ``request.form.getlist("ids")``), in order: only
    plain ASCII digits ("²" is a digit to ``str.isdigit``) short enough for a BIGINT; the rest
    are dropped."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18]


MAX_PAGE = 10_000


def page_number(value: str | None, max_page: int = MAX_PAGE) -> int:
    """A ``?page=`` value clamped to 1..``max_page``: not a number, zero or negative → 1, too
    large (``99999999999999999999`` overflows the SQL OFFSET) → ``max_page``."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return 1
    return max(1, min(int(value) if len(value) <= 18 else max_page, max_page))


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
# A 4–6 digit PIN has at most a million values, so no hash cost makes a stolen hash safe: a slow
# hash of a PIN is guessed offline within seconds on a graphics card. What protects a PIN online is
# the lockout (per call, per number, per child); what protects a stolen hash is a key that is not
# in the database. So a PIN is stored as HMAC-SHA256 under ``PIN_KEY`` (a setting, see
# config/settings.py) with a random salt: without the key, a copy of the database reveals no PIN;
# with it, the check costs microseconds, which keeps the phone line's PIN step as fast as any other.
# Hashes of the earlier format (werkzeug's ``pbkdf2:…``) are still accepted.
PIN_HASH_SCHEME = "hmac-sha256"


def _pin_mac(salt: str, pin: str) -> str:
    key = str(current_app.config["PIN_KEY"]).encode()
    return hmac.new(key, f"{salt}${pin}".encode(), hashlib.sha256).hexdigest()


def hash_pin(pin: str) -> str:
    """``hmac-sha256$<salt>$<mac>`` of ``pin`` under the application's ``PIN_KEY``."""
    salt = secrets.token_hex(8)
    return f"{PIN_HASH_SCHEME}${salt}${_pin_mac(salt, pin)}"


def check_pin(pin_hash: str | None, pin: str) -> bool:
    """True when ``pin`` matches; with no hash, does the same work and says False (timing)."""
    if not pin_hash:
        hmac.compare_digest(_pin_mac("0" * 16, pin), "0" * 64)
        return False
    scheme, _, rest = pin_hash.partition("$")
    if scheme == PIN_HASH_SCHEME:
        salt, _, mac = rest.partition("$")
        return hmac.compare_digest(_pin_mac(salt, pin), mac)
    return check_password_hash(pin_hash, pin)
