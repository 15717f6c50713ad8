"""Providers behind one small interface: SMS (Twilio, console, file) and e-mail (SMTP, console,
file).

A provider's ``send`` returns a :class:`SendResult` or raises:

* :class:`TransientError`: not delivered, try again later (HTTP 5xx/429, connection refused,
  SMTP temporarily down). The worker retries with exponential backoff.
* :class:`PermanentError`: will never work (invalid number, 4xx, recipient refused): failed.
* :class:`UnknownOutcome`: the request may or may not have reached the provider (a read timeout
  after the request was sent, an SMTP connection lost after DATA). The row becomes ``unknown``:
  an SMS is reconciled with :meth:`SmsProvider.lookup`; an e-mail (SMTP has no lookup) stays
  ``unknown`` until the school admin resends it by hand. Never resent blindly.

``lookup(row)`` answers "did the provider accept this row's message?" — a :class:`SendResult`
when it did, ``None`` when it certainly did not (then the worker sends it again); it raises
:class:`TransientError` when it cannot tell yet.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from email.utils import formataddr
from email.utils import formatdate
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from typing import Protocol

import requests
from flask import Flask
from flask import current_app

log = logging.getLogger("belezhnik.notify")


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class UnknownOutcome(Exception):
    pass


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None
    status: str | None = None


@dataclass(frozen=True)
class OutMessage:
    """What a provider needs of an outbox row."""

    row_id: int
    to: str
    body: str
    subject: str = ""
    html: str | None = None
    claimed_at: dt.datetime | None = None
    message_id: str = ""  # e-mail: from notify.email_headers (else derived from the row id)
    headers: dict[str, str] = field(default_factory=dict)  # e-mail: List-Unsubscribe…


class SmsProvider(Protocol):
    name: str

    def send(self, message: OutMessage) -> SendResult: ...

    def lookup(self, message: OutMessage) -> SendResult | None: ...


class EmailProvider(Protocol):
    name: str

    def send(self, message: OutMessage) -> SendResult: ...


# --- development backends -----------------------------------------------------------------------
class ConsoleSms:
    """Prints each SMS (the `make run` default, so a newcomer sees each message)."""

    name = "console"

    def send(self, message: OutMessage) -> SendResult:
        print(f"[SMS → {message.to}] {message.body}", flush=True)
        return SendResult(provider_id=f"console-{message.row_id}", status="sent")

    def lookup(self, message: OutMessage) -> SendResult | None:
        return None  # nothing remembered: a message that was maybe printed is printed again


class FileBackend:
    """Writes each message as JSON to OUTBOX_DIR/<channel>-<row id>.json (idempotent by row)."""

    def __init__(self, folder: str | Path, channel: str) -> None:
        self.folder = Path(folder)
        self.channel = channel
        self.name = "file"

    def _path(self, row_id: int) -> Path:
        return self.folder / f"{self.channel}-{row_id:08d}.json"

    def send(self, message: OutMessage) -> SendResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            "id": message.row_id,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "html": message.html,
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
        path = self._path(message.row_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
        return SendResult(provider_id=f"file-{message.row_id}", status="sent")

    def lookup(self, message: OutMessage) -> SendResult | None:
        path = self._path(message.row_id)
        return SendResult(provider_id=f"file-{message.row_id}") if path.exists() else None


class ConsoleEmail:
    name = "console"

    def send(self, message: OutMessage) -> SendResult:
        print(f"[e-mail → {message.to}] {message.subject}\n{message.body}\n", flush=True)
        return SendResult(provider_id=f"console-{message.row_id}", status="sent")


# --- Twilio ---------------------------------------------------------------------------------------
def twilio_http_client(timeout: float, api_base: str = "") -> Any:
    from twilio.http.http_client import TwilioHttpClient

    class RebasedClient(TwilioHttpClient):
        """Sends to a local fake Twilio (benchmark, kill test) when TWILIO_API_BASE is set."""

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if api_base and url.startswith("https://api.twilio.com"):
                url = api_base + url.removeprefix("https://api.twilio.com")
            return super().request(method, url, *args, **kwargs)

    client = RebasedClient(timeout=timeout) if api_base else TwilioHttpClient(timeout=timeout)
    if api_base and client.session is not None:
        from requests.adapters import HTTPAdapter

        client.session.mount("http://", HTTPAdapter(pool_maxsize=8))
    return client


def _never_connected(exc: BaseException) -> bool:
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "Connection refused", "NameResolutionError")
    )


class TwilioSms:
    """Twilio Programmable Messaging. The client is built with an explicit timeout (twilio-python
    has none by default); sender: the messaging service SID if configured, else TWILIO_SMS_FROM.
    Each message carries a status callback URL with our row id (``?oid=``), so delivery reports
    find the row even when the create response was lost."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str = "",
        from_: str = "",
        timeout: float = 10.0,
        status_callback_base: str = "",
        api_base: str = "",
        client: Any = None,
    ) -> None:
        if client is None:
            from twilio.rest import Client

            client = Client(
                account_sid, auth_token, http_client=twilio_http_client(timeout, api_base)
            )
        self.client = client
        self.messaging_service_sid = messaging_service_sid
        self.from_ = from_
        self.status_callback_base = status_callback_base

    def send(self, message: OutMessage) -> SendResult:
        from twilio.base.exceptions import TwilioRestException

        kwargs: dict[str, Any] = {"to": message.to, "body": message.body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_
        if self.status_callback_base:
            kwargs["status_callback"] = (
                f"{self.status_callback_base}/notify/sms-status?oid={message.row_id}"
            )
        try:
            created = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            status = int(exc.status or 0)
            text = f"Twilio {status} {exc.code or ''}: {exc.msg}"[:480]
            if status >= 500 or status == 429:
                raise TransientError(text) from exc
            raise PermanentError(text) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise TransientError("Twilio unreachable: connect timeout") from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):  # refused, DNS: the request never left, send again
                raise TransientError(f"Twilio unreachable: {exc}"[:480]) from exc
            raise UnknownOutcome(f"Twilio connection lost: {exc}"[:480]) from exc
        except requests.RequestException as exc:  # read timeout after the request was sent
            raise UnknownOutcome(f"Twilio outcome unknown: {type(exc).__name__}"[:480]) from exc
        return SendResult(provider_id=created.sid, status=created.status)

    def lookup(self, message: OutMessage) -> SendResult | None:
        """Reconcile a row whose outcome is unknown: Twilio creates the Message resource while it
        answers the POST, so if our request reached it, the message is in the account's list.
        We list the newest messages to the same number and match the exact body, created no
        earlier than our claim (minus a minute of clock skew). Found: sent (with its SID);
        not found: it never reached Twilio, send again."""
        try:
            found = self.client.messages.list(to=message.to, limit=50)
        except Exception as exc:  # noqa: BLE001 - any failure means "cannot tell yet"
            raise TransientError(f"Twilio lookup failed: {type(exc).__name__}") from exc
        since = None
        if message.claimed_at is not None:
            since = message.claimed_at.replace(tzinfo=dt.UTC) - dt.timedelta(minutes=1)
        for item in found:
            if item.body != message.body:
                continue
            created = item.date_created
            if since is not None and created is not None and created < since:
                continue
            return SendResult(provider_id=item.sid, status=item.status)
        return None


# --- SMTP -------------------------------------------------------------------------------------
class SmtpEmail:
    """SMTP with text and HTML parts. The Message-ID comes with the message
    (:func:`notify.email_headers.message_id`: from the row, so a message the admin sends again
    after an unknown outcome carries the same id and mail clients fold duplicates); ``Date`` is
    the moment it is handed to the server."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
        sender: str = "Бележник <no-reply@belezhnik.local>",
    ) -> None:
        self.host, self.port = host, port
        self.user, self.password = user, password
        self.starttls, self.timeout = starttls, timeout
        self.sender = sender

    def build(self, message: OutMessage) -> EmailMessage:
        msg = EmailMessage()
        name, address = parseaddr(self.sender)
        msg["From"] = formataddr((name, address)) if name else address
        msg["To"] = message.to
        msg["Subject"] = message.subject
        domain = address.rpartition("@")[2] or "belezhnik.local"
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = message.message_id or f"<outbox-{message.row_id}@{domain}>"
        for name, value in message.headers.items():
            msg[name] = value
        msg.set_content(message.body)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        return msg

    def send(self, message: OutMessage) -> SendResult:
        """At most once: a refusal the server answered is a transient or permanent error; a
        connection lost once the message data went out is :class:`UnknownOutcome` (the server
        may have accepted it; the worker never sends it again by itself); a failing QUIT after
        the server accepted the message changes nothing."""
        msg = self.build(message)
        smtp = _Smtp(timeout=self.timeout)
        try:
            smtp.connect(self.host, self.port)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"SMTP recipient refused: {exc.recipients}"[:480]) from exc
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:480]
            if 500 <= exc.smtp_code < 600 and exc.smtp_code != 554:
                raise PermanentError(text) from exc
            raise TransientError(text) from exc
        except (OSError, smtplib.SMTPException) as exc:
            text = f"{type(exc).__name__}: {exc}"
            if smtp.data_started:
                raise UnknownOutcome(f"SMTP connection lost while sending: {text}"[:480]) from exc
            raise TransientError(f"SMTP unavailable: {text}"[:480]) from exc
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return SendResult(provider_id=str(msg["Message-ID"]).strip("<>"), status="sent")


class _Smtp(smtplib.SMTP):
    """Knows whether the DATA command was started (after it, a lost connection leaves the
    outcome unknown)."""

    data_started = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_started = True
        return super().data(msg)


# --- configuration -------------------------------------------------------------------------------
def build_sms_provider(config: dict[str, Any]) -> SmsProvider:
    backend = config.get("SMS_BACKEND", "console")
    if backend == "twilio":
        return TwilioSms(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            from_=config.get("TWILIO_SMS_FROM", ""),
            timeout=float(config.get("TWILIO_TIMEOUT", 10)),
            status_callback_base=config.get("PUBLIC_BASE_URL", ""),
            api_base=config.get("TWILIO_API_BASE", ""),
        )
    if backend == "file":
        return FileBackend(config["OUTBOX_DIR"], "sms")
    if backend == "console":
        return ConsoleSms()
    raise ValueError(f"unknown SMS_BACKEND {backend!r}")


def build_email_provider(config: dict[str, Any]) -> EmailProvider:
    backend = config.get("EMAIL_BACKEND", "console")
    if backend == "smtp":
        return SmtpEmail(
            config["SMTP_HOST"],
            int(config["SMTP_PORT"]),
            user=config.get("SMTP_USER", ""),
            password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS")),
            timeout=float(config.get("SMTP_TIMEOUT", 10)),
            sender=config.get("MAIL_FROM", "no-reply@belezhnik.local"),
        )
    if backend == "file":
        return FileBackend(config["OUTBOX_DIR"], "email")
    if backend == "console":
        return ConsoleEmail()
    raise ValueError(f"unknown EMAIL_BACKEND {backend!r}")


def providers(app: Flask | None = None) -> tuple[SmsProvider, EmailProvider]:
    """The app's providers, built once (tests may replace them in app.extensions)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("notify_providers")
    if cached is None:
        cached = (build_sms_provider(app.config), build_email_provider(app.config))
        app.extensions["notify_providers"] = cached
    return cached


__all__ = [
    "ConsoleEmail",
    "ConsoleSms",
    "EmailProvider",
    "FileBackend",
    "OutMessage",
    "PermanentError",
    "SendResult",
    "SmsProvider",
    "SmtpEmail",
    "TransientError",
    "TwilioSms",
    "UnknownOutcome",
    "build_email_provider",
    "build_sms_provider",
    "providers",
]
