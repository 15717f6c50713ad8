"""A phone number and an e-mail address typed into a list or a sign-up form: checked, and written
the one way the database keeps them. A bad one raises ``ValueError`` with a Bulgarian message that
the import names in its row and the sign-up page shows beside the field."""

from __future__ import annotations

import re

from notify import operations as notify_operations

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


_BG_MOBILE = re.compile(r"(?:\+359|00359|0)(8[789]\d{7}|98\d{7})")
_PHONE_NOISE = re.compile(r"[\s\-./()]")


def normalize_phone(text: str) -> str:
    """E.164 for a Bulgarian (or international) number; ValueError with a Bulgarian message.

    Bulgarian mobile numbers (087…, 088…, 089…, 098…) take a fast path; everything else goes
    through the project's one parser, :func:`notify.operations.normalize_phone` (region BG)."""
    compact = _PHONE_NOISE.sub("", text)
    match = _BG_MOBILE.fullmatch(compact)
    if match:
        return "+359" + match.group(1)
    e164 = notify_operations.normalize_phone(text)
    if e164 is None:
        raise ValueError("невалиден телефонен номер")
    return e164


def normalize_email(text: str) -> str:
    value = text.strip().lower()
    if not _EMAIL.match(value) or len(value) > 200:
        raise ValueError("невалиден e-mail адрес")
    return value
