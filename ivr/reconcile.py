"""Calls whose end was never recorded: reconcile them with Twilio's REST API.

Twilio posts the status callback (``/ivr/status``) once and does not retry it. If it arrives
while the database is down, the answer is still an empty ``<Response/>`` but the call log keeps
the call "in-progress" with no end and no duration. The scheduler therefore runs
:func:`reconcile_calls` every few minutes: every call still open (``in-progress``, ``ringing``,
``queued``) whose row has not moved for ``IVR_CALL_QUIET_MINUTES`` (15; a live call writes its
row at every step, every few seconds) is looked up with ``GET /Calls/{CallSid}.json``:

* Twilio says the call ended → its status, duration and end time are written, exactly as the
  callback would have;
* Twilio says it is still going → left alone, looked at again next run;
* Twilio does not know the CallSid (404), no Twilio account is configured (the simulator), or
  the call has stayed open for ``IVR_CALL_GIVE_UP_HOURS`` (24; Twilio ends a call after 4 hours)
  while Twilio could not be asked → the call is marked ``unknown`` ("край неизвестен" in the call
  log) instead of staying "in-progress" for ever;
* Twilio cannot be reached (timeout, 5xx) → left for the next run.

A status callback that arrives later still wins: ``finish_call`` overwrites ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ivr.service import FINAL_CALL_STATUSES
from ivr.service import record_call_end
from models import CallSession
from models import db
from models import utcnow

log = logging.getLogger("belezhnik.ivr")

OPEN_STATUSES = ("queued", "ringing", "in-progress", "initiated")
UNKNOWN = "unknown"
BATCH = 200


@dataclass
class ReconcileStats:
    checked: int = 0
    finished: int = 0  # the end found at Twilio and recorded
    unknown: int = 0  # marked "unknown end"
    waiting: int = 0  # still going at Twilio, or Twilio unreachable: next run


def twilio_client() -> Any | None:
    """A Twilio REST client with an explicit timeout, or None when no account is configured."""
    config = current_app.config
    account_sid = config.get("TWILIO_ACCOUNT_SID") or ""
    if not account_sid:
        return None
    from twilio.rest import Client

    from notify.providers import twilio_http_client

    http = twilio_http_client(
        float(config.get("TWILIO_TIMEOUT", 10)), config.get("TWILIO_API_BASE", "")
    )
    return Client(account_sid, config["TWILIO_AUTH_TOKEN"], http_client=http)


def _naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def reconcile_calls(now: dt.datetime | None = None, client: Any | None = None) -> ReconcileStats:
    """Settle calls left open by a lost status callback (see the module docstring). Commits."""
    config = current_app.config
    now = now or utcnow()
    quiet = dt.timedelta(minutes=float(config.get("IVR_CALL_QUIET_MINUTES", 15)))
    give_up = dt.timedelta(hours=float(config.get("IVR_CALL_GIVE_UP_HOURS", 24)))
    calls = db.session.scalars(
        sa.select(CallSession)
        .where(CallSession.status.in_(OPEN_STATUSES), CallSession.updated_at < now - quiet)
        .order_by(CallSession.updated_at)
        .limit(BATCH)
    ).all()
    stats = ReconcileStats(checked=len(calls))
    if not calls:
        return stats
    if client is None:
        client = twilio_client()
    from twilio.base.exceptions import TwilioRestException

    for call in calls:
        if client is None:  # no Twilio account (the simulator): nobody can tell the end
            _mark_unknown(call, "no Twilio account to ask")
            stats.unknown += 1
            continue
        try:
            found = client.calls(call.call_sid).fetch()
        except TwilioRestException as exc:
            if exc.status == 404:
                _mark_unknown(call, "Twilio does not know this CallSid")
                stats.unknown += 1
                continue
            log.warning("call %s: Twilio answered %s, trying later", call.call_sid, exc.status)
            found = None
        except Exception as exc:  # noqa: BLE001 - unreachable, timeout: try again next run
            log.warning("call %s: Twilio unreachable (%s), trying later", call.call_sid, exc)
            found = None
        status = str(getattr(found, "status", "") or "")
        if found is not None and status in FINAL_CALL_STATUSES:
            duration = getattr(found, "duration", None)
            record_call_end(
                call,
                status,
                str(duration) if duration is not None else None,
                _naive_utc(getattr(found, "end_time", None)),
            )
            log.info("call %s: end recovered from Twilio (%s)", call.call_sid, status)
            stats.finished += 1
        elif call.started_at < now - give_up:
            _mark_unknown(call, f"still open after {give_up} (Twilio: {status or 'no answer'})")
            stats.unknown += 1
        else:
            stats.waiting += 1
    db.session.commit()
    return stats


def _mark_unknown(call: CallSession, why: str) -> None:
    log.warning("call %s: end unknown: %s", call.call_sid, why)
    call.status = UNKNOWN
