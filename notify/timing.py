"""When a notification is due: the school's quiet hours (SMS due inside them wait for their
end), the daily digest time, the coalescing window, and which events are never folded into the
digest. :func:`due_time` decides for a new row (:mod:`notify.outbox`); the worker
(:mod:`notify.worker`) defers with :func:`defer_quiet` and leaves :data:`NOT_DIGESTED` out of
the digest."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context

from config import clock
from config.settings import TZ
from models import Channel
from models import NotifyEvent
from models import School
from models import db

#: Never folded into the daily digest: they matter on the day.
NOT_DIGESTED: frozenset[NotifyEvent] = frozenset(
    {
        NotifyEvent.THRESHOLD,
        NotifyEvent.REMINDER,
        NotifyEvent.ACCOUNT,
        NotifyEvent.DIGEST,
    }
)

DEFAULT_QUIET = (dt.time(20, 0), dt.time(8, 0))


def in_quiet_hours(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    """True inside [start, end), which may wrap midnight (20:00–08:00). start == end: none."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def defer_quiet(due_utc: dt.datetime, quiet: tuple[dt.time, dt.time]) -> dt.datetime:
    """A naive-UTC due time moved to the end of the quiet hours if it falls inside them."""
    start, end = quiet
    local = due_utc.replace(tzinfo=dt.UTC).astimezone(TZ)
    if not in_quiet_hours(local.time(), start, end):
        return due_utc
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    morning = dt.datetime.combine(day, end, tzinfo=TZ)
    return clock.utc_naive(morning)


def next_digest_at(now_utc: dt.datetime, digest_time: dt.time) -> dt.datetime:
    """The next moment (naive UTC) of the school's digest time, today or tomorrow."""
    local = now_utc.replace(tzinfo=dt.UTC).astimezone(TZ)
    at = dt.datetime.combine(local.date(), digest_time, tzinfo=TZ)
    if at <= local:
        at = dt.datetime.combine(local.date() + dt.timedelta(days=1), digest_time, tzinfo=TZ)
    return clock.utc_naive(at)


class SchoolInfo(NamedTuple):
    quiet: tuple[dt.time, dt.time]
    digest_time: dt.time
    name: str


def school_info(school_id: int | None) -> SchoolInfo:
    """The school's quiet hours, digest time and name (defaults without a school)."""
    row = None
    if school_id is not None:
        row = db.session.execute(
            sa.select(School.quiet_start, School.quiet_end, School.digest_time, School.name).where(
                School.id == school_id
            )
        ).first()
    if row is None:
        return SchoolInfo(DEFAULT_QUIET, dt.time(18, 0), "")
    return SchoolInfo((row.quiet_start, row.quiet_end), row.digest_time, row.name)


def _coalesce_seconds() -> int:
    if has_app_context():
        return int(current_app.config.get("NOTIFY_COALESCE_SECONDS", 120))
    return 120


def due_time(
    *,
    now_utc: dt.datetime,
    channel: Channel,
    event: NotifyEvent,
    urgent: bool,
    digest: bool,
    quiet: tuple[dt.time, dt.time],
    digest_time: dt.time,
) -> dt.datetime:
    if urgent or event is NotifyEvent.ACCOUNT:
        return now_utc
    if digest and event not in NOT_DIGESTED:
        return next_digest_at(now_utc, digest_time)
    due = now_utc + dt.timedelta(seconds=_coalesce_seconds())
    if channel is Channel.SMS:
        due = defer_quiet(due, quiet)
    return due
