"""What a parent's account accepts, shared by registration (:mod:`notify.operations`) and the
families (:mod:`notify.families`): the refusal :class:`AccountError`, the PIN and password rules,
and a typed phone and e-mail cleaned (:func:`clean_contacts`). Texts are in
:mod:`notify.account_messages`."""

from __future__ import annotations

import re

from notify.account_messages import Text
from notify.account_messages import msg
from notify.contacts import normalize_email
from notify.contacts import normalize_phone


class AccountError(ValueError):
    """A refusal with a Bulgarian message; ``key`` is its key in the catalogue
    :mod:`notify.account_messages` (for logs and tests), ``field`` the form field it concerns."""

    def __init__(self, message_bg: str, field: str | None = None) -> None:
        super().__init__(message_bg)
        self.message_bg = message_bg
        self.key: str | None = message_bg.key if isinstance(message_bg, Text) else None
        self.field = field


_COMMON_PINS = {"1004", "2000", "1122", "6969", "1313", "4444", "2001", "1010", "0007", "123123"}


def pin_problem(pin: str) -> str | None:
    """Why a PIN is refused (Bulgarian), or None. 4–6 digits; not one digit repeated (0000), not a
    run up or down (1234, 9876, 012345), not a repeated pair (1212), not a common PIN."""
    if not re.fullmatch(r"[0-9]{4,6}", pin or ""):
        return msg("pin.length")
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:], strict=False)}
    if len(set(digits)) == 1:
        return msg("pin.one_digit")
    if steps in ({1}, {-1}):
        return msg("pin.run")
    if len(set(pin[0::2])) == 1 and len(set(pin[1::2])) == 1:
        return msg("pin.pattern")
    if pin in _COMMON_PINS or pin[: len(pin) // 2] * 2 == pin:
        return msg("pin.common")
    return None


def password_problem(password: str) -> str | None:
    if len(password or "") < 8:
        return msg("password.too_short")
    return None


def clean_contacts(phone: str, email: str, required: str) -> tuple[str | None, str | None]:
    """A typed phone and e-mail, normalised (E.164, lower case); a badly typed one, or neither,
    is an :class:`AccountError` (``required``: the message for "give one")."""
    phone_e164 = normalize_phone(phone)
    email_norm = normalize_email(email)
    if phone and phone.strip() and phone_e164 is None:
        raise AccountError(msg("contact.invalid_phone"), "phone")
    if email and email.strip() and email_norm is None:
        raise AccountError(msg("contact.invalid_email"), "email")
    if not phone_e164 and not email_norm:
        raise AccountError(required, "phone")
    return phone_e164, email_norm
