"""A typed phone number and e-mail address, written the one way the project keeps them.

:func:`normalize_phone` is the one phone parser (E.164, region BG by default) and
:func:`normalize_email` the one e-mail check; both answer None for what they cannot read. The
sign-up form and the class-list import say why in Bulgarian through
:mod:`onboarding.contacts`, the parent accounts through :func:`notify.account_rules.clean_contacts`.
"""

from __future__ import annotations

import re
from typing import Literal

import phonenumbers

PhoneCheck = Literal["valid", "possible", "parsed"]

# A Bulgarian mobile number (087…, 088…, 089…, 098…) in its usual writings: read without the
# parser, which is slow for the thousands of numbers of a class-list import (same answer).
_BG_MOBILE = re.compile(r"(?:\+359|00359|0)(8[789]\d{7}|98\d{7})")
_PHONE_NOISE = re.compile(r"[\s\-./()]")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(
    raw: str | None, region: str = "BG", *, accept: PhoneCheck = "valid"
) -> str | None:
    """E.164 for a number (Bulgarian by default: "0888 123 456" → "+359888123456"), else None.

    The one phone parser of the project. ``accept`` says how sure it must be: ``"valid"`` (the
    default: a number that exists in the numbering plan, for anything stored or sent to),
    ``"possible"`` (the right length: a caller's number from the phone network) or ``"parsed"``
    (any text ``phonenumbers`` can read: looking up an existing account).
    """
    if not raw or not raw.strip():
        return None
    if region == "BG":
        match = _BG_MOBILE.fullmatch(_PHONE_NOISE.sub("", raw))
        if match:
            return "+359" + match.group(1)
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if accept == "valid" and not phonenumbers.is_valid_number(number):
        return None
    if accept == "possible" and not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None) -> str | None:
    """The address in lower case, or None when it is not one (or longer than 200)."""
    if not raw or not raw.strip():
        return None
    email = raw.strip().lower()
    return email if _EMAIL.match(email) and len(email) <= 200 else None
