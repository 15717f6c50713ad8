"""What a mail server and a mail client check on a notification e-mail, besides its text.

* ``Date`` (RFC 5322 §3.6: required) — set by :class:`notify.providers.SmtpEmail` when it sends.
* ``Message-ID``: ``<outbox-{row id}.{16 hex}@{sender's domain}>``, the hex a keyed hash of the
  row's id and creation time under this deployment's ``SECRET_KEY``. A message sent again after an
  unknown outcome keeps its id (mail clients fold duplicates), and two databases or deployments
  never make the same id for their own row 7 (the old ``<outbox-7@domain>`` repeated).
* ``Auto-Submitted: auto-generated`` (RFC 3834): no out-of-office replies to a notice.
* ``List-Unsubscribe`` with an https link and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
  (RFC 8058) on what a parent chose to receive (not on sign-up codes or password links, which are
  never muted): one click in the mail client stops this parent's notification e-mails. The link
  carries a signed token for the guardian (no sign-in; the token is the proof); a GET shows a
  page with a button, only a POST changes anything, so a link scanner cannot unsubscribe anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from config.urls import link
from models import NotifyEvent

UNSUBSCRIBE_SALT = "belezhnik-email-unsubscribe"
NOT_UNSUBSCRIBABLE = frozenset({NotifyEvent.ACCOUNT})


def message_id(row_id: int, created_at: dt.datetime | None, domain: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    stamp = created_at.isoformat() if created_at else ""
    digest = hmac.new(key, f"message-id|{row_id}|{stamp}".encode(), hashlib.sha256).hexdigest()
    return f"<outbox-{row_id}.{digest[:16]}@{domain or 'belezhnik.local'}>"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(guardian_id: int) -> str:
    return _serializer().dumps(guardian_id)


def guardian_id_of(token: str) -> int | None:
    """The guardian a token was made for; None when it is forged or damaged."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_url(guardian_id: int) -> str:
    return link("account.unsubscribe", portal=True, token=unsubscribe_token(guardian_id))


def list_headers(guardian_id: int | None, event_type: NotifyEvent | str) -> dict[str, str]:
    """The headers of a notice to ``guardian_id`` beside those every e-mail has."""
    headers = {"Auto-Submitted": "auto-generated"}
    if guardian_id is not None and NotifyEvent(event_type) not in NOT_UNSUBSCRIBABLE:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(guardian_id)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers
