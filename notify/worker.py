"""The sender: drains the outbox. Run any number of these (``flask --app app notify worker``).

One pass (:meth:`Worker.run_once`):

1. **Reconcile** (:meth:`Worker.reconcile`): a row left in ``sending`` longer than
   ``NOTIFY_STALE_SECONDS`` belongs to a worker that died mid-send. An SMS becomes ``unknown``;
   an ``unknown`` SMS is looked up at the provider (:meth:`SmsProvider.lookup`, for Twilio: the
   account's messages to that number with the same body, created after our claim). Found: ``sent``
   with the provider's id; certainly not found: ``pending`` again; cannot tell: asked again later.
   E-mail is sent at most once: SMTP has no lookup, so a stale e-mail becomes ``unknown`` ("may
   not have been sent") and stays so until the school admin resends it by hand (/notify/admin).
2. **Fold digests** (:func:`fold_digests`): due rows of parents who chose the daily digest become
   ``digested`` and one ``digest`` row per parent × channel is written.
3. **Claim** (:meth:`Worker.claim`): up to ``NOTIFY_BATCH`` due ``pending`` rows with
   ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (so two workers never take the same row),
   marked ``sending`` with our name and the claim time, committed *before* any provider call.
   An SMS claimed inside the school's quiet hours is moved to their end instead.
4. **Send** the claimed rows (provider calls in parallel threads, ``NOTIFY_SEND_THREADS``), then
   write the outcomes (SMS in one commit; each e-mail's committed as soon as it is known, so a
   crash leaves at most the e-mails in flight unknown): ``sent`` (+ provider id), ``pending`` again with
   exponential backoff (``30 s × 2^(attempt-1)``, capped at ``NOTIFY_BACKOFF_CAP_SECONDS``) on a
   transient failure, ``failed`` after ``NOTIFY_MAX_ATTEMPTS`` or on a permanent one, ``unknown``
   when the provider timed out after receiving the request.

Between passes the loop waits ``--idle`` seconds when nothing was claimed, and also when every
send of the pass failed transiently (a provider 5xx burst): a backlog is then offered to the
provider one batch per idle period, not fired at it as fast as the database can hand it out.

On SQLite there is no SKIP LOCKED: run one worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app

from config import clock
from config.settings import TZ
from models import Channel
from models import Guardian
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import School
from models import db
from notify import email_headers
from notify import messages
from notify.outbox import pending_row
from notify.providers import OutMessage
from notify.providers import PermanentError
from notify.providers import SendResult
from notify.providers import TransientError
from notify.providers import UnknownOutcome
from notify.providers import providers
from notify.timing import DEFAULT_QUIET
from notify.timing import NOT_DIGESTED
from notify.timing import defer_quiet

log = logging.getLogger("belezhnik.notify")

BACKOFF_BASE_SECONDS = 30
# An e-mail whose outcome is unknown is never sent again by the worker (SMTP has no lookup).
EMAIL_MAY_NOT_HAVE_BEEN_SENT = "may not have been sent; resend by hand if needed"


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    deferred: int = 0
    reconciled_sent: int = 0
    reconciled_resend: int = 0
    digests: int = 0
    calls: int = 0  # outbound calls placed or settled (ivr/outbound.py)
    errors: list[str] = field(default_factory=list)

    def add(self, other: Stats) -> None:
        for name in self.__dataclass_fields__:
            if name != "errors":
                setattr(self, name, getattr(self, name) + getattr(other, name))


def backoff_seconds(attempts: int, cap: int) -> int:
    """Delay before attempt ``attempts + 1``: 30 s, 60 s, 120 s, … capped."""
    return int(min(cap, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _locked(query: sa.Select[Any]) -> sa.Select[Any]:
    if _is_postgres():
        return query.with_for_update(skip_locked=True, of=NotificationOutbox)
    return query


def _locked_rows(
    *where: sa.ColumnElement[bool], order_by: tuple[Any, ...] = (), limit: int
) -> Sequence[NotificationOutbox]:
    """The outbox rows matching ``where``, locked for this worker (rows another worker holds
    are skipped on PostgreSQL)."""
    return db.session.scalars(
        _locked(sa.select(NotificationOutbox).where(*where).order_by(*order_by).limit(limit))
    ).all()


def _digest_guardians() -> sa.Select[Any]:
    return sa.select(Guardian.id).where(Guardian.digest.is_(True))


def _digestible() -> sa.ColumnElement[bool]:
    return sa.and_(
        NotificationOutbox.urgent.is_(False),
        NotificationOutbox.guardian_id.is_not(None),
        NotificationOutbox.event_type.not_in(list(NOT_DIGESTED)),
        NotificationOutbox.guardian_id.in_(_digest_guardians()),
    )


def fold_digests(now_utc: dt.datetime | None = None, limit: int = 2000) -> int:
    """Fold due rows of digest parents into one ``digest`` row per parent × channel, at or after
    the school's digest time (default 18:00). Commits. Returns the number of digest rows."""
    now_utc = now_utc or clock.utc_naive()
    local = now_utc.replace(tzinfo=dt.UTC).astimezone(TZ)
    rows = _locked_rows(
        NotificationOutbox.status == OutboxStatus.PENDING,
        NotificationOutbox.due_at <= now_utc,
        _digestible(),
        order_by=(NotificationOutbox.guardian_id, NotificationOutbox.id),
        limit=limit,
    )
    if not rows:
        db.session.rollback()
        return 0
    digest_times = dict(
        db.session.execute(
            sa.select(School.id, School.digest_time).where(
                School.id.in_({r.school_id for r in rows if r.school_id})
            )
        ).all()
    )
    groups: dict[tuple[int, Channel], list[NotificationOutbox]] = defaultdict(list)
    for row in rows:
        at = digest_times.get(row.school_id, dt.time(18, 0))
        if local.time() >= at:
            groups[(row.guardian_id, row.channel)].append(row)  # type: ignore[index]
    made = 0
    for (guardian_id, channel), items in groups.items():
        guardian = db.session.get(Guardian, guardian_id)
        if guardian is None:
            continue
        address = guardian.phone if channel is Channel.SMS else guardian.email
        payload = {
            "date": local.date().isoformat(),
            "items": [
                {"event_type": r.event_type.value, "payload": r.payload, "id": r.id} for r in items
            ],
        }
        rendered = messages.render(NotifyEvent.DIGEST, channel.value, payload, guardian.sms_latin)
        digest = pending_row(
            channel=channel,
            event_type=NotifyEvent.DIGEST,
            to_address=address or items[-1].to_address,
            payload=payload,
            rendered=rendered,
            urgent=False,  # never folded again (DIGEST is not digestible); quiet hours apply
            due_at=now_utc,
            school_id=items[0].school_id,
            guardian_id=guardian_id,
            student_id=None,
            object_type="digest",
            object_id=guardian_id,
            coalesce_key=f"digest:{local.date().isoformat()}:{guardian_id}:{channel.value}",
        )
        db.session.add(digest)
        for r in items:
            r.status = OutboxStatus.DIGESTED
        made += 1
    db.session.commit()
    return made


def _provider_down(stats: Stats) -> bool:
    """Every send of the pass failed and will be retried (a 5xx burst, the provider unreachable):
    the loop pauses as if idle, so a large backlog is not fired at a failing provider one batch
    after another (each row has its own backoff; this bounds the rate across rows)."""
    return stats.claimed > 0 and stats.sent == 0 and stats.retried + stats.unknown == stats.claimed


def _outbound_calls(name: str) -> int:
    """The voice channel's pass (urgent notices' steps, placing calls at the shared rate)."""
    from ivr.outbound import run_pass

    return run_pass(name)


class Worker:
    def __init__(self, name: str | None = None, batch: int | None = None) -> None:
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch = batch or int(current_app.config.get("NOTIFY_BATCH", 50))
        self.max_attempts = int(current_app.config.get("NOTIFY_MAX_ATTEMPTS", 8))
        self.cap = int(current_app.config.get("NOTIFY_BACKOFF_CAP_SECONDS", 3600))
        self.stale = int(current_app.config.get("NOTIFY_STALE_SECONDS", 300))
        self.threads = max(1, int(current_app.config.get("NOTIFY_SEND_THREADS", 8)))
        self._executor: ThreadPoolExecutor | None = None
        self._quiet: dict[int | None, tuple[dt.time, dt.time]] = {None: DEFAULT_QUIET}

    # --- helpers -----------------------------------------------------------------------------
    def _quiet_of(self, school_id: int | None) -> tuple[dt.time, dt.time]:
        if school_id not in self._quiet:
            row = db.session.execute(
                sa.select(School.quiet_start, School.quiet_end).where(School.id == school_id)
            ).first()
            self._quiet[school_id] = (row[0], row[1]) if row else DEFAULT_QUIET
        return self._quiet[school_id]

    def _message(self, row: NotificationOutbox, html: bool = False) -> OutMessage:
        message_id, headers = "", {}
        if row.channel is Channel.EMAIL:
            sender = parseaddr(str(current_app.config.get("MAIL_FROM", "")))[1]
            message_id = email_headers.message_id(row.id, row.created_at, sender.rpartition("@")[2])
            headers = email_headers.list_headers(row.guardian_id, row.event_type)
        return OutMessage(
            row_id=row.id,
            to=row.to_address,
            body=row.body,
            subject=row.subject,
            html=messages.email_html(row.event_type, row.payload) if html else None,
            claimed_at=row.claimed_at,
            message_id=message_id,
            headers=headers,
        )

    # --- 1. reconcile ------------------------------------------------------------------------
    def reconcile(self, stats: Stats | None = None, limit: int = 100) -> Stats:
        stats = stats or Stats()
        now = clock.utc_naive()
        stale_before = now - dt.timedelta(seconds=self.stale)
        stale = _locked_rows(
            NotificationOutbox.status == OutboxStatus.SENDING,
            NotificationOutbox.claimed_at <= stale_before,
            limit=limit,
        )
        for row in stale:
            log.warning("outbox %s: stale claim by %s, reconciling", row.id, row.claimed_by)
            row.last_error = f"worker {row.claimed_by} stopped while sending"[:500]
            if row.channel is not Channel.SMS:  # no lookup: at most once, the admin decides
                row.last_error = f"{row.last_error}: {EMAIL_MAY_NOT_HAVE_BEEN_SENT}"[:500]
            row.status = OutboxStatus.UNKNOWN
            row.due_at = now
        db.session.commit()

        sms, _ = providers()
        unknown = _locked_rows(
            NotificationOutbox.status == OutboxStatus.UNKNOWN,
            NotificationOutbox.channel == Channel.SMS,  # an unknown e-mail waits for a person
            NotificationOutbox.due_at <= now,
            order_by=(NotificationOutbox.id,),
            limit=min(limit, 20),  # each is a provider call made while the row is locked
        )
        for row in unknown:
            try:
                found = sms.lookup(self._message(row))
            except TransientError as exc:
                row.last_error = str(exc)[:500]
                row.due_at = now + dt.timedelta(seconds=backoff_seconds(row.attempts, self.cap))
                continue
            if found is not None:
                row.status = OutboxStatus.SENT
                row.provider_id = found.provider_id
                row.provider_status = found.status
                row.sent_at = row.sent_at or now
                row.last_error = None
                stats.reconciled_sent += 1
            else:
                row.status = OutboxStatus.PENDING  # never reached the provider: send again
                row.due_at = now
                stats.reconciled_resend += 1
        db.session.commit()
        return stats

    # --- 3. claim ---------------------------------------------------------------------------
    def claim(self, stats: Stats | None = None) -> list[int]:
        stats = stats or Stats()
        now = clock.utc_naive()
        rows = _locked_rows(
            NotificationOutbox.status == OutboxStatus.PENDING,
            NotificationOutbox.due_at <= now,
            sa.not_(_digestible()),
            order_by=(NotificationOutbox.due_at, NotificationOutbox.id),
            limit=self.batch,
        )
        claimed: list[int] = []
        for row in rows:
            if (
                row.channel is Channel.SMS
                and not row.urgent
                and row.event_type is not NotifyEvent.ACCOUNT
            ):
                later = defer_quiet(now, self._quiet_of(row.school_id))
                if later != now:
                    row.due_at = later
                    stats.deferred += 1
                    continue
            row.status = OutboxStatus.SENDING
            row.claimed_by = self.name
            row.claimed_at = now
            row.attempts = (row.attempts or 0) + 1
            claimed.append(row.id)
        db.session.commit()
        stats.claimed += len(claimed)
        return claimed

    # --- 4. send ------------------------------------------------------------------------------
    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="notify-send")
        return self._executor

    def send_many(self, row_ids: list[int], stats: Stats | None = None) -> None:
        """Send claimed rows: provider calls in parallel (``NOTIFY_SEND_THREADS``, no database
        work in those threads), outcomes written back here, in order: an e-mail's is committed at
        once, the SMS outcomes with the batch's last commit. A crash before a row's outcome is
        committed leaves it ``sending``: reconciliation settles it (never a blind resend)."""
        stats = stats or Stats()
        if not row_ids:
            return
        rows = db.session.scalars(
            sa.select(NotificationOutbox)
            .where(
                NotificationOutbox.id.in_(row_ids),
                NotificationOutbox.status == OutboxStatus.SENDING,
                NotificationOutbox.claimed_by == self.name,
            )
            .order_by(NotificationOutbox.id)
        ).all()
        sms, email = providers()
        jobs = [
            (
                sms if row.channel is Channel.SMS else email,
                self._message(row, html=row.channel is Channel.EMAIL),
            )
            for row in rows
        ]

        def call(job: tuple[Any, OutMessage]) -> tuple[SendResult | None, BaseException | None]:
            provider, message = job
            try:
                return provider.send(message), None
            except Exception as exc:  # noqa: BLE001 - classified below
                return None, exc

        outcomes: Iterable[tuple[SendResult | None, BaseException | None]]
        if self.threads > 1 and len(jobs) > 1:
            outcomes = self._pool().map(call, jobs)  # in order, each as soon as it is known
        else:
            outcomes = (call(job) for job in jobs)
        for row, (result, error) in zip(rows, outcomes, strict=True):
            email = row.channel is Channel.EMAIL
            self._record(row, result, error, clock.utc_naive(), stats)
            if email:  # SMTP has no lookup: its outcome must not wait for the rest of the batch
                db.session.commit()
        db.session.commit()

    def send(self, row_id: int, stats: Stats | None = None) -> OutboxStatus | None:
        self.send_many([row_id], stats)
        row = db.session.get(NotificationOutbox, row_id)
        return row.status if row is not None else None

    def _record(
        self,
        row: NotificationOutbox,
        result: SendResult | None,
        error: BaseException | None,
        now: dt.datetime,
        stats: Stats,
    ) -> None:
        if error is None and result is not None:
            row.status = OutboxStatus.SENT
            row.provider_id = (result.provider_id or "")[:64] or None
            row.provider_status = (result.status or "")[:20] or None
            row.sent_at = now
            row.last_error = None
            stats.sent += 1
        elif isinstance(error, PermanentError):
            self._fail(row, str(error), stats)
        elif isinstance(error, UnknownOutcome):
            log.warning("outbox %s: outcome unknown (%s), will reconcile", row.id, error)
            row.status = OutboxStatus.UNKNOWN
            row.last_error = str(error)[:500]
            if row.channel is not Channel.SMS:
                row.last_error = f"{error}: {EMAIL_MAY_NOT_HAVE_BEEN_SENT}"[:500]
            row.due_at = now + dt.timedelta(seconds=backoff_seconds(1, self.cap))
            stats.unknown += 1
        else:  # transient, or unexpected: retry with backoff
            if not isinstance(error, TransientError):
                log.error("outbox %s: unexpected error while sending: %r", row.id, error)
            message = str(error) or type(error).__name__
            if row.attempts >= self.max_attempts:
                self._fail(row, f"{message} (after {row.attempts} attempts)", stats)
            else:
                row.status = OutboxStatus.PENDING
                row.last_error = message[:500]
                row.due_at = now + dt.timedelta(seconds=backoff_seconds(row.attempts, self.cap))
                stats.retried += 1

    def _fail(self, row: NotificationOutbox, error: str, stats: Stats) -> None:
        log.error("outbox %s to %s failed: %s", row.id, row.to_address, error)
        row.status = OutboxStatus.FAILED
        row.last_error = error[:500]
        stats.failed += 1
        stats.errors.append(f"{row.id}: {error}")

    # --- loop ---------------------------------------------------------------------------------
    def run_once(self) -> Stats:
        stats = Stats()
        self._quiet = {None: DEFAULT_QUIET}  # school settings may change: read them each pass
        self.reconcile(stats)
        stats.digests += fold_digests()
        self.send_many(self.claim(stats), stats)
        stats.calls += _outbound_calls(self.name)
        return stats

    def drain(self, max_passes: int = 1000) -> Stats:
        """Pass until nothing is due (tests, `--once`)."""
        total = Stats()
        for _ in range(max_passes):
            stats = self.run_once()
            total.add(stats)
            total.errors += stats.errors
            settled = stats.reconciled_sent + stats.reconciled_resend
            if stats.claimed == 0 and stats.digests == 0 and settled == 0 and stats.calls == 0:
                break  # (a pass looks up at most 20 unknown rows: go on while it settles some)
        return total

    def run(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        log.info("notify worker %s started", self.name)
        while not stop.is_set():
            try:
                stats = self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                log.exception("notify worker pass failed")
                db.session.rollback()
                db.session.remove()
                stop.wait(5)
                continue
            db.session.remove()  # a fresh session (and connection checkout) per pass
            if (stats.claimed == 0 and stats.calls == 0) or _provider_down(stats):
                stop.wait(idle_seconds)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        log.info("notify worker %s stopped", self.name)


def resendable() -> sa.ColumnElement[bool]:
    """Rows an admin may put back in the queue: failed ones, and e-mails whose outcome is unknown
    (an unknown SMS is still being reconciled with Twilio)."""
    return sa.or_(
        NotificationOutbox.status == OutboxStatus.FAILED,
        sa.and_(
            NotificationOutbox.status == OutboxStatus.UNKNOWN,
            NotificationOutbox.channel == Channel.EMAIL,
        ),
    )


def resend(row_ids: list[int], school_id: int) -> int:
    """Admin: put failed rows, or e-mails that may not have been sent, of this school back in the
    queue (an e-mail keeps its Message-ID). Commits."""
    rows = db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.id.in_(row_ids),
            NotificationOutbox.school_id == school_id,
            resendable(),
        )
    ).all()
    now = clock.utc_naive()
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.due_at = now
        row.last_error = None
    db.session.commit()
    return len(rows)
