"""A phone number and an e-mail address typed into a list or a sign-up form: checked, and written
the one way the database keeps them. A bad one raises ``ValueError`` with a Bulgarian message that
the import names in its row and the sign-up page shows beside the field.

The rules themselves (what a number is, E.164, what an address is) are :mod:`notify.contacts`;
the texts are in the parent accounts' catalogue :mod:`notify.account_messages`."""

from __future__ import annotations

from notify import contacts
from notify.account_messages import msg


def normalize_phone(text: str) -> str:
    """E.164 for a Bulgarian (or international) number; ValueError with a Bulgarian message."""
    e164 = contacts.normalize_phone(text)
    if e164 is None:
        raise ValueError(msg("contact.invalid_phone_short"))
    return e164


def normalize_email(text: str) -> str:
    """The address in lower case; ValueError with a Bulgarian message."""
    email = contacts.normalize_email(text)
    if email is None:
        raise ValueError(msg("contact.invalid_email_short"))
    return email
