"""Outbound calls through Twilio's Calls API: the voice channel of the outbox.

Each call is an ``OutboundCall`` row, drained like the SMS outbox (``notify worker`` runs
:func:`run_pass` after its SMS/e-mail pass):

1. **Reconcile.** A ``sending`` row claimed more than ``NOTIFY_STALE_SECONDS`` ago belongs to a
   worker that died between the claim and the end of ``calls.create``: it becomes ``unknown``.
   An ``unknown`` row is looked up at Twilio (``GET /Calls.json?To=…&From=…``, the newest 20):
   a call to that number from our number created no earlier than our claim (minus a minute of
   clock skew) is ours → ``placed`` with its CallSid (never placed again); none → it never reached
   Twilio → ``pending``, placed at once; Twilio unreachable → asked again after a pause.
   A ``placed`` call whose end never came (a lost status callback) is fetched by its CallSid.
2. **Claim** due ``pending`` rows in batches (about two seconds' worth at the account's rate;
   their notices and quiet hours read once per batch): ``SELECT … FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, set ``sending`` with our name and the claim time, **commit before calling
   Twilio**. The next batch is claimed while the threads place the last one.
3. **Place** each, ``NOTIFY_SEND_THREADS`` at a time (each thread its own connection): take the
   next moment of the shared rate (:func:`take_slot`: one ``UPDATE … RETURNING`` of one row, so
   every worker's calls start at least ``1 / (OUTBOUND_CALLS_PER_SECOND × headroom)`` apart,
   headroom ``OUTBOUND_RATE_HEADROOM`` = 0.95), wait for it — a thread woken later than
   :func:`late_limit` gives the moment up and takes a fresh one, so that late starts never
   bunch up above the limit in any one second — then ``calls.create`` with ``url`` and
   ``status_callback`` at our signed webhooks (``/ivr/out/…?oc=<row id>``), machine detection
   and the ring timeout. Accepted → ``placed``; 5xx/429/refused connection → ``pending`` with
   backoff; 4xx → ``failed``; a read timeout after the request went out → ``unknown``
   (reconciled, never re-placed blindly). A worker killed with claimed rows leaves them
   ``sending``: step 1 finds them stale and looks each up at Twilio, so none is placed twice.

Without a Twilio account (development) calls go to the phone simulator: the row is ``placed``
with a ``SIMOUT…`` CallSid and rings in ``/ivr/simulator``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from flask import current_app

from config import clock
from ivr import escalation
from models import CallRateSlot
from models import CallRowStatus
from models import OutboundCall
from models import db

log = logging.getLogger("belezhnik.ivr.outbound")

SIMULATED_PREFIX = "SIMOUT"
RATE_KEY = "twilio-calls"
LOOKUP_SKEW = dt.timedelta(seconds=60)
BACKOFF_SECONDS = 30


def _pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def calls_per_second() -> float:
    return max(0.01, float(current_app.config.get("OUTBOUND_CALLS_PER_SECOND", 1)))


def _from_number() -> str:
    return str(current_app.config.get("INFO_PHONE_NUMBER") or "")


# --- the shared rate ------------------------------------------------------------------------------
def _real_now() -> dt.datetime:
    """The rate is kept on the machine's real clock (never the app's frozen test clock); the
    workers' hosts keep their clocks in sync (NTP)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def headroom() -> float:
    """The share of the account's rate the workers plan their start moments at (default 0.95):
    the rest absorbs a worker that wakes a little late, so that Twilio never counts more than
    the limit in any one second."""
    return min(1.0, max(0.5, float(current_app.config.get("OUTBOUND_RATE_HEADROOM", 0.95))))


def slot_gap() -> dt.timedelta:
    """The interval between two planned start moments, across all workers."""
    return dt.timedelta(seconds=1 / (calls_per_second() * headroom()))


def late_limit() -> float:
    """Seconds a call may start after its planned moment. Moments ``gap`` apart put at most
    ``ceil((1 + late) / gap)`` calls into any one second, which stays within the limit while
    ``late <= 1 / headroom - 1``; half of that is allowed, the other half is for the request's
    way to Twilio. A worker woken later takes a fresh moment instead (the old one stays unused)."""
    return (1 / headroom() - 1) / 2


def take_slot(now: dt.datetime | None = None) -> dt.datetime:
    """The moment this worker may start its next call, and the shared slot moved on by one
    interval (:func:`slot_gap`). On PostgreSQL one ``UPDATE … RETURNING`` moves it (the row lock
    orders the workers, so two never get the same moment); commits."""
    now = now or _real_now()
    gap = slot_gap()
    if _pg():
        slots = CallRateSlot.__table__  # Core statements: none of the ORM's work per call
        moved = (
            sa.update(slots)
            .where(slots.c.key == RATE_KEY)
            .values(next_at=sa.func.greatest(slots.c.next_at, now) + gap)
            .returning(slots.c.next_at)
        )
        next_at = db.session.scalar(moved)
        if next_at is None:
            from sqlalchemy.dialects.postgresql import insert

            db.session.execute(
                insert(CallRateSlot)
                .values(key=RATE_KEY, next_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            next_at = db.session.scalar(moved)
        db.session.commit()
        assert next_at is not None
        return next_at - gap
    row = db.session.get(CallRateSlot, RATE_KEY)
    if row is None:
        row = CallRateSlot(key=RATE_KEY, next_at=now)
        db.session.add(row)
    slot = max(row.next_at, now)
    row.next_at = slot + gap
    db.session.commit()
    return slot


def _wait_until(slot: dt.datetime, sleep: Callable[[float], None]) -> float:
    """Sleep until ``slot``; returns how late (seconds) the worker woke after it."""
    delay = (slot - _real_now()).total_seconds()
    if delay > 0:
        sleep(delay)
    return (_real_now() - slot).total_seconds()


def wait_for_slot(sleep: Callable[[float], None] = time.sleep) -> dt.datetime:
    """Take a start moment and wait for it; a moment missed by more than :func:`late_limit`
    (a loaded machine woke the thread late) is given up and a fresh one taken."""
    limit = late_limit()
    while True:
        slot = take_slot()
        if _wait_until(slot, sleep) <= limit:
            return slot
        log.debug("missed the moment %s by more than %.3f s, taking another", slot, limit)


# --- claim ---------------------------------------------------------------------------------------
def claim(worker: str, limit: int = 20, now: dt.datetime | None = None) -> list[int]:
    """Take up to ``limit`` due calls for ``worker`` (committed before any call is placed).
    Their notices and the schools' quiet hours are read once for the batch."""
    from ivr import urgent

    now = now or clock.utc_naive()
    query = (
        sa.select(OutboundCall)
        .where(OutboundCall.status == CallRowStatus.PENDING, OutboundCall.due_at <= now)
        .order_by(OutboundCall.due_at, OutboundCall.id)
        .limit(limit)
    )
    if _pg():
        query = query.with_for_update(skip_locked=True, of=OutboundCall)
    rows = db.session.scalars(query).all()
    notices = urgent.load_notices({row.notice_id for row in rows})  # kept: session.get finds them
    quiet: dict[int, tuple[dt.time, dt.time]] = {}
    claimed = []
    for row in rows:
        later = urgent.hold_for_quiet_hours(row, now, quiet)
        if later is not None:
            row.due_at = later
            continue
        if not urgent.still_needed(row):
            row.status = CallRowStatus.CANCELLED
            continue
        row.status = CallRowStatus.SENDING
        row.claimed_by = worker
        row.claimed_at = now
        row.attempts += 1
        claimed.append(row.id)
    db.session.commit()
    del notices
    return claimed


# --- place ---------------------------------------------------------------------------------------
def _webhook(endpoint: str, call_id: int) -> str:
    from config.urls import link

    return link(endpoint, oc=call_id)


def create_params(row: OutboundCall) -> dict[str, Any]:
    """The arguments of ``client.calls.create`` for one row."""
    return {
        "to": row.to_number,
        "from_": _from_number(),
        "url": _webhook("outbound.answer", row.id),
        "method": "POST",
        "status_callback": _webhook("outbound.status", row.id),
        "status_callback_method": "POST",
        "status_callback_event": ["initiated", "ringing", "answered", "completed"],
        "machine_detection": current_app.config.get("OUTBOUND_MACHINE_DETECTION", "Enable"),
        "timeout": int(current_app.config.get("OUTBOUND_RING_TIMEOUT", 30)),
    }


def _never_connected(exc: BaseException) -> bool:
    from notify.providers import _never_connected as never

    return never(exc)


def place(
    call_id: int,
    worker: str,
    client: Any | None,
    sleep: Callable[[float], None] = time.sleep,
) -> CallRowStatus | None:
    """Place one claimed call (see the module docstring). Commits."""
    row = db.session.get(OutboundCall, call_id)
    if row is None or row.status is not CallRowStatus.SENDING or row.claimed_by != worker:
        return None
    params = create_params(row)
    if client is None:  # no Twilio account: the phone simulator rings
        return _placed(row.id, SIMULATED_PREFIX + uuid.uuid4().hex, "ringing")
    import requests
    from twilio.base.exceptions import TwilioRestException

    calls = client.calls  # twilio-python loads its API modules here: before the slot, not after
    db.session.rollback()  # no transaction held while waiting for the slot
    wait_for_slot(sleep)
    started = clock.utc_naive()  # placed_at: the moment the request left (the rate's moment)
    try:
        call = calls.create(**params)
    except TwilioRestException as exc:
        transient = exc.status >= 500 or exc.status == 429
        return _failed(call_id, f"Twilio {exc.status} {exc.code}: {exc.msg}"[:300], transient)
    except (requests.Timeout, requests.ConnectionError) as exc:
        if _never_connected(exc):
            return _failed(call_id, f"Twilio unreachable: {exc}"[:300], True)
        return _unknown(call_id, f"outcome unknown: {exc}"[:300])
    status = str(getattr(call, "status", "") or "queued")
    return _placed(call_id, str(call.sid), status, started)


def _placed(
    call_id: int, sid: str, status: str, started: dt.datetime | None = None
) -> CallRowStatus:
    """Record the CallSid unless a status callback already moved the row on (it may arrive
    before the create answer)."""
    now = started or clock.utc_naive()
    calls = OutboundCall.__table__  # a Core statement: none of the ORM's work per call
    db.session.execute(
        sa.update(calls)
        .where(
            calls.c.id == call_id,
            calls.c.status.in_([CallRowStatus.SENDING, CallRowStatus.UNKNOWN]),
        )
        .values(
            status=CallRowStatus.PLACED,
            call_sid=sa.func.coalesce(calls.c.call_sid, sid),
            call_status=sa.func.coalesce(calls.c.call_status, status[:20]),
            placed_at=now,
            last_error=None,
        )
    )
    db.session.commit()
    return CallRowStatus.PLACED


def _failed(call_id: int, error: str, transient: bool) -> CallRowStatus:
    from ivr import urgent

    row = db.session.get(OutboundCall, call_id)
    assert row is not None
    row.last_error = error
    max_attempts = int(current_app.config.get("NOTIFY_MAX_ATTEMPTS", 8))
    if transient and row.attempts < max_attempts:
        log.warning("call %s: %s, retrying", call_id, error)
        row.status = CallRowStatus.PENDING
        row.due_at = clock.utc_naive() + dt.timedelta(
            seconds=BACKOFF_SECONDS * 2 ** max(0, row.attempts - 1)
        )
    else:
        log.error("call %s to %s failed: %s", call_id, row.to_number, error)
        row.status = CallRowStatus.FAILED
        row.result = escalation.FAILED
        row.ended_at = clock.utc_naive()
        urgent.call_ended(row)
    db.session.commit()
    return row.status


def _unknown(call_id: int, error: str) -> CallRowStatus:
    row = db.session.get(OutboundCall, call_id)
    assert row is not None
    log.warning("call %s: %s, will reconcile", call_id, error)
    row.status = CallRowStatus.UNKNOWN
    row.last_error = error
    row.due_at = clock.utc_naive()
    db.session.commit()
    return CallRowStatus.UNKNOWN


# --- reconcile -----------------------------------------------------------------------------------
def _aware(moment: Any) -> dt.datetime | None:
    if not isinstance(moment, dt.datetime):
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def lookup(row: OutboundCall, client: Any) -> Any | None:
    """The call Twilio has for this row, or None when it certainly has none; raises when
    Twilio cannot be asked."""
    since = (row.claimed_at or row.created_at) - LOOKUP_SKEW
    for call in client.calls.list(to=row.to_number, from_=_from_number(), limit=20):
        created = _aware(getattr(call, "date_created", None))
        if created is not None and created >= since:
            return call
    return None


def reconcile(client: Any | None, now: dt.datetime | None = None, limit: int = 20) -> int:
    """Settle stale claims, unknown outcomes and calls whose end was lost. Commits; returns the
    number of rows settled."""
    now = now or clock.utc_naive()
    stale = float(current_app.config.get("NOTIFY_STALE_SECONDS", 300))
    settled = 0
    dead = db.session.scalars(
        _locked(
            sa.select(OutboundCall).where(
                OutboundCall.status == CallRowStatus.SENDING,
                OutboundCall.claimed_at <= now - dt.timedelta(seconds=stale),
            )
        ).limit(limit)
    ).all()
    for row in dead:
        log.warning("call %s: stale claim by %s, reconciling", row.id, row.claimed_by)
        row.status = CallRowStatus.UNKNOWN
        row.last_error = f"worker {row.claimed_by} stopped while placing"[:300]
        row.due_at = now
    db.session.commit()
    unknown = db.session.scalars(
        _locked(
            sa.select(OutboundCall).where(
                OutboundCall.status == CallRowStatus.UNKNOWN, OutboundCall.due_at <= now
            )
        )
        .order_by(OutboundCall.id)
        .limit(limit)
    ).all()
    for row in unknown:
        if client is None:  # the simulator placed nothing outside this database
            row.status = CallRowStatus.PENDING
            row.due_at = now
            settled += 1
            continue
        try:
            found = lookup(row, client)
        except Exception as exc:  # noqa: BLE001 - unreachable, 5xx: ask again later
            row.last_error = f"lookup failed: {exc}"[:300]
            row.due_at = now + dt.timedelta(seconds=BACKOFF_SECONDS)
            continue
        settled += 1
        if found is None:
            log.info("call %s: not at Twilio, placing it", row.id)
            row.status = CallRowStatus.PENDING
            row.due_at = now
        else:
            log.info("call %s: found at Twilio as %s", row.id, found.sid)
            row.status = CallRowStatus.PLACED
            row.call_sid = row.call_sid or str(found.sid)
            row.placed_at = row.placed_at or now
            status = str(getattr(found, "status", "") or "")
            if escalation.is_final(status):
                finish(row, status, getattr(found, "duration", None), "")
    db.session.commit()
    settled += _lost_ends(client, now, limit)
    return settled


def _locked(query: sa.Select[Any]) -> sa.Select[Any]:
    if _pg():
        return query.with_for_update(skip_locked=True, of=OutboundCall)
    return query


def _lost_ends(client: Any | None, now: dt.datetime, limit: int) -> int:
    """Placed calls with no end long after the ring timeout: fetched from Twilio."""
    quiet = dt.timedelta(minutes=float(current_app.config.get("IVR_CALL_QUIET_MINUTES", 15)))
    rows = db.session.scalars(
        _locked(
            sa.select(OutboundCall).where(
                OutboundCall.status == CallRowStatus.PLACED,
                OutboundCall.updated_at <= now - quiet,
            )
        ).limit(limit)
    ).all()
    settled = 0
    for row in rows:
        if client is None or (row.call_sid or "").startswith(SIMULATED_PREFIX):
            finish(row, "no-answer", None, "")  # nobody answered the simulator
            settled += 1
            continue
        try:
            found = client.calls(row.call_sid).fetch()
        except Exception as exc:  # noqa: BLE001
            if getattr(exc, "status", None) == 404:
                row.last_error = "Twilio does not know this CallSid"
                finish(row, "failed", None, "")
                settled += 1
            continue
        status = str(getattr(found, "status", "") or "")
        if escalation.is_final(status):
            finish(row, status, getattr(found, "duration", None), "")
            settled += 1
    db.session.commit()
    return settled


# --- status callbacks ----------------------------------------------------------------------------
def matching_call(call_id: int, params: dict[str, str]) -> OutboundCall | None:
    """The row a signed webhook names, when its CallSid is this row's (or the row has none yet
    and the called number is the row's): another row's or another school's callback is ignored."""
    query = sa.select(OutboundCall).where(OutboundCall.id == call_id)
    if _pg():
        query = query.with_for_update()
    row = db.session.scalar(query)
    sid = params.get("CallSid", "")
    if row is None or not sid:
        return None
    if row.call_sid:
        return row if row.call_sid == sid else None
    if row.status in (CallRowStatus.SENDING, CallRowStatus.UNKNOWN, CallRowStatus.PENDING) and (
        params.get("To") == row.to_number
    ):
        row.call_sid = sid
        row.status = CallRowStatus.PLACED
        row.placed_at = row.placed_at or clock.utc_naive()
        return row
    return None


def record_status(row: OutboundCall, params: dict[str, str]) -> None:
    """A status callback: forward only (repeated or out-of-order callbacks change nothing
    backwards); a final status ends the call. The caller commits."""
    status = params.get("CallStatus", "")
    if params.get("AnsweredBy"):
        row.answered_by = params["AnsweredBy"][:30]
    if not status or not escalation.moves_forward(row.call_status, status):
        return
    if escalation.is_final(status):
        finish(row, status, params.get("CallDuration") or params.get("Duration"), "")
    else:
        row.call_status = status[:20]


def finish(row: OutboundCall, status: str, duration: Any, error: str) -> None:
    """The call's end: its status, duration, result, and the notice moves on."""
    from ivr import urgent

    if row.status is CallRowStatus.ENDED:
        return
    row.call_status = status[:20]
    row.status = CallRowStatus.ENDED
    row.ended_at = clock.utc_naive()
    try:
        row.duration = int(duration) if duration not in (None, "") else None
    except (TypeError, ValueError):
        row.duration = None
    row.result = escalation.call_result(
        status, row.answered_by or "", (row.flow_state or {}).get("outcome")
    )
    if error:
        row.last_error = error[:300]
    urgent.call_ended(row)


# --- the worker's pass ---------------------------------------------------------------------------
PASS_SECONDS = 10.0  # a pass claims batches for about this long, then SMS/e-mail get their turn


def _open_calls() -> bool:
    found = db.session.scalar(
        sa.select(OutboundCall.id)
        .where(
            OutboundCall.status.in_(
                [CallRowStatus.PENDING, CallRowStatus.SENDING, CallRowStatus.UNKNOWN,
                 CallRowStatus.PLACED]
            )
        )
        .limit(1)
    )  # fmt: skip
    db.session.rollback()
    return found is not None


def run_pass(worker: str, limit: int | None = None, client: Any | None = None) -> int:
    """Advance due notices, reconcile, claim and place: one pass (called by notify worker).
    Calls are claimed in batches of about two seconds' worth at the account's rate (``limit``),
    and placed by ``NOTIFY_SEND_THREADS`` threads, each with its own connection and each
    waiting for its own moment of the shared rate; the next batch is claimed while the last
    one is placed, for up to :data:`PASS_SECONDS`, so that the threads never run dry in a
    round. Returns the number of calls placed or settled."""
    from ivr import urgent
    from ivr.reconcile import twilio_client

    urgent.advance_due()
    if not _open_calls():
        return 0
    client = client if client is not None else twilio_client()
    done = reconcile(client)
    batch = limit or max(1, math.ceil(calls_per_second() * 2))
    threads = max(1, int(current_app.config.get("NOTIFY_SEND_THREADS", 8)))
    deadline = time.monotonic() + PASS_SECONDS
    if threads == 1 or client is None:
        while claimed := claim(worker, batch):
            done += sum(place(c, worker, client) is not None for c in claimed)
            if time.monotonic() > deadline:
                break
        return done
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def one(call_id: int) -> bool:
        with app.app_context():
            try:
                return place(call_id, worker, client) is not None
            finally:
                db.session.remove()

    db.session.commit()
    with ThreadPoolExecutor(threads, thread_name_prefix="calls") as pool:
        placing: list[Future[bool]] = []
        while claimed := claim(worker, batch):
            queued = [pool.submit(one, c) for c in claimed]
            done += sum(f.result() for f in placing)  # the batch before: placed by now
            placing = queued
            if time.monotonic() > deadline:
                break
        done += sum(f.result() for f in placing)
    return done
