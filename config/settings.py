"""Settings from the environment, with defaults that run on a laptop.

Every setting is read once in :func:`load_settings`; ``create_app(config)`` lets tests override any
key. Secrets that development needs but nobody configured (SECRET_KEY, a local Twilio auth token
for the phone simulator to sign with) are generated once into ``instance/dev-secrets.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
TZ_NAME = "Europe/Sofia"
TZ = ZoneInfo(TZ_NAME)


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _dev_secrets(instance: Path) -> dict[str, str]:
    """Generated once per checkout; never used when the environment sets the value."""
    path = instance / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    instance.mkdir(parents=True, exist_ok=True)
    values = {"SECRET_KEY": secrets.token_hex(32), "TWILIO_AUTH_TOKEN": secrets.token_hex(16)}
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def pin_key(settings: dict[str, Any]) -> str:
    """``PIN_KEY`` when set, otherwise a key derived from ``SECRET_KEY`` (never SECRET_KEY itself)."""
    return (
        settings.get("PIN_KEY")
        or hmac.new(
            str(settings["SECRET_KEY"]).encode(), b"belezhnik-pin", hashlib.sha256
        ).hexdigest()
    )


PLACEHOLDERS = {"change-me", "changeme", "secret", "dev", "test-secret"}
MIN_SECRET_LENGTH = 32


def production_problems(settings: dict[str, Any]) -> list[str]:
    """What keeps a production deployment (``BELEZHNIK_ENV=production``) from starting: the
    public address that every link and Twilio signature is built on, and real secrets (never the
    generated development ones, never a placeholder). Empty outside production."""
    if settings.get("BELEZHNIK_ENV") != "production":
        return []
    problems = []
    for name in ("PUBLIC_BASE_URL", "PORTAL_BASE_URL"):
        value = str(settings.get(name) or "")
        if name == "PUBLIC_BASE_URL" and not value:
            problems.append("PUBLIC_BASE_URL is not set (the https:// address of this server)")
        elif value and not value.startswith("https://"):
            problems.append(f"{name} must be an https:// address, not {value!r}")
    for name in ("SECRET_KEY", "PIN_KEY", "TWILIO_AUTH_TOKEN"):
        value = str(settings.get(name) or "")
        if not value:
            problems.append(f"{name} is not set")
        elif value.lower() in PLACEHOLDERS or (
            name != "TWILIO_AUTH_TOKEN" and len(value) < MIN_SECRET_LENGTH
        ):
            problems.append(
                f"{name} is a placeholder or shorter than {MIN_SECRET_LENGTH} characters"
            )
    if settings.get("PIN_KEY") and settings.get("PIN_KEY") == settings.get("SECRET_KEY"):
        problems.append("PIN_KEY must differ from SECRET_KEY")
    if not settings.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off (cookies would travel over plain http)")
    return problems


def _psycopg_url(url: str) -> str:
    """``postgres://`` (Heroku-style) and ``postgresql://`` URLs through psycopg 3."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def load_settings(env: dict[str, str] | None = None) -> dict[str, Any]:
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(ROOT / ".env", override=False)
    env = dict(os.environ if env is None else env)
    instance = Path(env.get("INSTANCE_PATH", str(INSTANCE)))
    production = env.get("BELEZHNIK_ENV", "development").strip().lower() == "production"
    dev = (
        _dev_secrets(instance)
        if not (env.get("SECRET_KEY") and env.get("TWILIO_AUTH_TOKEN") or production)
        else {}
    )
    database_url = _psycopg_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance / 'belezhnik.sqlite3'}"
    )
    settings: dict[str, Any] = {
        # production: every secret and the public address from the environment, checked at start
        # (production_problems); development: generated secrets, links to HOST:PORT
        "BELEZHNIK_ENV": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY") or dev.get("SECRET_KEY", ""),
        # The key of the phone PINs' HMAC (security.hash_pin). Unset: derived from SECRET_KEY
        # (see pin_key); set it in production so that SECRET_KEY can be rotated without resetting
        # every PIN.
        "PIN_KEY": env.get("PIN_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A read replica (a streaming standby) for the parent portal's comparison report only
        # (config/replica.py, docs/PERFORMANCE.md "read replica"). Unset: everything reads the
        # primary and no second engine is made.
        "DATABASE_REPLICA_URL": _psycopg_url(env.get("DATABASE_REPLICA_URL", "").strip()),
        "INSTANCE_PATH": str(instance),
        # The public address Twilio calls; signatures are computed against it. Unset: the request URL.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        "TRUST_PROXY": _bool(env.get("TRUST_PROXY")),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or dev.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "TWILIO_SMS_FROM": env.get("TWILIO_SMS_FROM", ""),
        "TWILIO_TIMEOUT": float(env.get("TWILIO_TIMEOUT", "10")),
        "INFO_PHONE_NUMBER": env.get("INFO_PHONE_NUMBER", "+35924001234"),
        # Outbound calls (ivr/outbound.py): placed from INFO_PHONE_NUMBER; the account's calls per
        # second (Twilio's default 1) kept by all workers together; the ring timeout in seconds;
        # Twilio's machine detection ("Enable" or "DetectMessageEnd").
        "OUTBOUND_CALLS_PER_SECOND": float(env.get("OUTBOUND_CALLS_PER_SECOND", "1")),
        "OUTBOUND_RATE_HEADROOM": float(env.get("OUTBOUND_RATE_HEADROOM", "0.95")),
        "OUTBOUND_RING_TIMEOUT": int(env.get("OUTBOUND_RING_TIMEOUT", "30")),
        "OUTBOUND_MACHINE_DETECTION": env.get("OUTBOUND_MACHINE_DETECTION", "Enable"),
        # One Bulgarian voice of Twilio's list for every sentence (docs/PHONE.md, "Гласът")
        "TTS_VOICE": env.get("TTS_VOICE", "Google.bg-BG-Standard-B"),
        "TTS_LANGUAGE": env.get("TTS_LANGUAGE", "bg-BG"),
        # on: every sentence is <Say> in TTS_VOICE (no pre-rendered prompt in another voice)
        "TTS_ONE_VOICE": _bool(env.get("TTS_ONE_VOICE"), True),
        "IVR_SPEECH_MIN_CONFIDENCE": float(env.get("IVR_SPEECH_MIN_CONFIDENCE", "0.4")),
        "NOTE_DOCUMENT_MAX_MB": int(env.get("NOTE_DOCUMENT_MAX_MB", "5")),
        "CLASS_BOOK_MAX_MB": int(env.get("CLASS_BOOK_MAX_MB", "10")),
        "PROMPTS_AUDIO_DIR": env.get("PROMPTS_AUDIO_DIR", str(ROOT / "prompts" / "audio")),
        "SMS_BACKEND": env.get("SMS_BACKEND", "console"),  # console | file | twilio
        "EMAIL_BACKEND": env.get("EMAIL_BACKEND", "console"),  # console | file | smtp
        "OUTBOX_DIR": env.get("OUTBOX_DIR", str(instance / "outbox")),
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": env.get("MAIL_FROM", "Бележник <no-reply@belezhnik.local>"),
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", "").rstrip("/"),
        # where `make run` serves: the links' address in development when no base URL is set
        "HOST": env.get("HOST", "127.0.0.1"),
        "PORT": env.get("PORT", "5000"),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # A sign-in (its session and its remember-me cookie) is refused on the server this many
        # days after it began (session_tokens.py).
        "SIGN_IN_MAX_DAYS": float(env.get("SIGN_IN_MAX_DAYS", "30")),
        "IVR_FAILS_PER_NUMBER_HOUR": int(env.get("IVR_FAILS_PER_NUMBER_HOUR", "10")),
        "IVR_FAILS_PER_CODE_HOUR": int(env.get("IVR_FAILS_PER_CODE_HOUR", "5")),
        "IVR_FAILS_HIDDEN_HOUR": int(env.get("IVR_FAILS_HIDDEN_HOUR", "20")),
        "IVR_PIN_LOCK_AFTER": int(env.get("IVR_PIN_LOCK_AFTER", "10")),
        # A call still open with no change for this long is looked up at Twilio (ivr/reconcile.py);
        # one open this long is given up as "end unknown".
        "IVR_CALL_QUIET_MINUTES": float(env.get("IVR_CALL_QUIET_MINUTES", "15")),
        "IVR_CALL_GIVE_UP_HOURS": float(env.get("IVR_CALL_GIVE_UP_HOURS", "24")),
        "LOGIN_FAILS_PER_HOUR": int(env.get("LOGIN_FAILS_PER_HOUR", "10")),
        "NOTIFY_COALESCE_SECONDS": int(env.get("NOTIFY_COALESCE_SECONDS", "120")),
        "NOTIFY_MAX_ATTEMPTS": int(env.get("NOTIFY_MAX_ATTEMPTS", "8")),
        # notify: backoff cap, stale 'sending' claims, batch size; a fake Twilio base URL for
        # benchmarks and the kill test only (never set in production)
        "NOTIFY_BACKOFF_CAP_SECONDS": int(env.get("NOTIFY_BACKOFF_CAP_SECONDS", "3600")),
        "NOTIFY_STALE_SECONDS": int(env.get("NOTIFY_STALE_SECONDS", "300")),
        "NOTIFY_BATCH": int(env.get("NOTIFY_BATCH", "50")),
        "NOTIFY_SEND_THREADS": int(env.get("NOTIFY_SEND_THREADS", "8")),
        "TWILIO_API_BASE": env.get("TWILIO_API_BASE", "").rstrip("/"),
        "TIMEZONE": TZ_NAME,
        # Uploads (list imports) are refused above this size before they are read.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        # How long personal data is kept (retention.py, docs/PRIVACY.md); 0 keeps it for ever.
        "RETAIN_CALLS_DAYS": int(env.get("RETAIN_CALLS_DAYS", "90")),
        "RETAIN_NOTICE_TEXT_DAYS": int(env.get("RETAIN_NOTICE_TEXT_DAYS", "90")),
        "RETAIN_CODES_DAYS": int(env.get("RETAIN_CODES_DAYS", "7")),
        "RETAIN_NOTE_DOCUMENTS_DAYS": int(env.get("RETAIN_NOTE_DOCUMENTS_DAYS", "365")),
        # Uploaded lists (personal data) left behind are deleted after this many hours.
        "UPLOAD_RETENTION_HOURS": float(env.get("UPLOAD_RETENTION_HOURS", "24")),
        # Limits of an uploaded list, checked while it is read (onboarding/limits.py).
        "IMPORT_MAX_ROWS": int(env.get("IMPORT_MAX_ROWS", "20000")),
        "IMPORT_MAX_COLUMNS": int(env.get("IMPORT_MAX_COLUMNS", "60")),
        "IMPORT_MAX_CELL_CHARS": int(env.get("IMPORT_MAX_CELL_CHARS", "2000")),
        "IMPORT_MAX_CELLS": int(env.get("IMPORT_MAX_CELLS", "500000")),
        "IMPORT_MAX_UNCOMPRESSED_MB": int(env.get("IMPORT_MAX_UNCOMPRESSED_MB", "20")),
        # Database time-outs (config/database.py). A web request waits for the database at most
        # DB_REQUEST_TIMEOUT_MS from its start (the phone line must answer within Twilio's 15 s);
        # the server ends a statement, a lock wait, an idle transaction after the others.
        "DB_REQUEST_TIMEOUT_MS": int(env.get("DB_REQUEST_TIMEOUT_MS", "4500")),
        "DB_STATEMENT_TIMEOUT_MS": int(env.get("DB_STATEMENT_TIMEOUT_MS", "4000")),
        "DB_LOCK_TIMEOUT_MS": int(env.get("DB_LOCK_TIMEOUT_MS", "3000")),
        "DB_IDLE_IN_TRANSACTION_MS": int(env.get("DB_IDLE_IN_TRANSACTION_MS", "60000")),
        "DB_JOB_STATEMENT_TIMEOUT_MS": int(env.get("DB_JOB_STATEMENT_TIMEOUT_MS", "0")),
        "DB_CONNECT_TIMEOUT_S": int(env.get("DB_CONNECT_TIMEOUT_S", "3")),
        "DB_POOL_TIMEOUT_S": float(env.get("DB_POOL_TIMEOUT_S", "3")),
        "DB_TCP_USER_TIMEOUT_MS": int(env.get("DB_TCP_USER_TIMEOUT_MS", "10000")),
        "DB_SQLITE_BUSY_TIMEOUT_MS": int(env.get("DB_SQLITE_BUSY_TIMEOUT_MS", "4000")),
        # A request stamped by the proxy (X-Request-Start) longer ago than this when a worker takes
        # it is answered at once ("try again", the phone's apology) instead of served
        # (queue_deadline.py); 0: never
        "REQUEST_QUEUE_DEADLINE_MS": int(env.get("REQUEST_QUEUE_DEADLINE_MS", "5000")),
        # PostgreSQL reached through PgBouncer in transaction pooling (config/database.py)
        "DB_PGBOUNCER": _bool(env.get("DB_PGBOUNCER")),
    }
    # The phone simulator (/ivr/simulator, staff only) signs requests as Twilio would, so it can
    # claim any caller ID: on by default only in development (no SECRET_KEY in the environment,
    # the generated one in use) while no Twilio account is configured.
    development = not env.get("SECRET_KEY")
    settings["IVR_SIMULATOR"] = _bool(
        env.get("IVR_SIMULATOR"), development and not settings["TWILIO_ACCOUNT_SID"]
    )
    return settings
