"""The transactional outbox.

Use-cases that change something a parent should hear of call these *inside their own transaction*
(never commit here): the rows are committed with the change or not at all.

* One row per guardian × channel the guardian chose (``NotificationPreference``; without a row the
  defaults below), with the subject/body already rendered (``notify.messages``), so that the
  admin view shows the text and its SMS segments and the sender does no further reads.
* Coalescing: a row waits ``NOTIFY_COALESCE_SECONDS`` (default 120) before it is due; a second
  change of the same object meanwhile updates the pending row (same ``coalesce_key``) instead of
  adding one, so a grade corrected right after entry sends one message with the final value, and
  :func:`cancel_for_object` cancels the rows of a change undone before sending.
* Timing: SMS due inside the school's quiet hours (default 20:00–08:00 Europe/Sofia) are due at
  the end of them; a parent who chose the daily digest gets the row due at the school's
  ``digest_time`` (default 18:00), where the worker folds all of it into one message.
* ``urgent`` rows (school notices) and account messages skip the coalescing window, the digest
  and the quiet hours.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from config import clock
from config.settings import TZ
from models import (
    Absence,
    AbsenceKind,
    Channel,
    Guardian,
    GuardianStudent,
    NotificationOutbox,
    NotificationPreference,
    NotifyEvent,
    OutboxStatus,
    School,
    Student,
    db,
)
from notify import messages

#: Events a parent can switch per channel on the preferences page (in this order).
PREFERENCE_EVENTS: tuple[NotifyEvent, ...] = (
    NotifyEvent.GRADE,
    NotifyEvent.ABSENCE,
    NotifyEvent.LATE,
    NotifyEvent.REMARK,
    NotifyEvent.PRAISE,
    NotifyEvent.HEALTH,
    NotifyEvent.EVENT,
    NotifyEvent.MEETING,
    NotifyEvent.MESSAGE,
    NotifyEvent.THRESHOLD,
)

#: Without a preference row: SMS for these (when the phone is verified), e-mail for all (when the
#: e-mail is verified).
DEFAULT_SMS_EVENTS: frozenset[NotifyEvent] = frozenset(
    {
        NotifyEvent.GRADE,
        NotifyEvent.ABSENCE,
        NotifyEvent.LATE,
        NotifyEvent.REMARK,
        NotifyEvent.HEALTH,
        NotifyEvent.MEETING,
        NotifyEvent.THRESHOLD,
    }
)

#: Which preference decides an event that has no switch of its own.
PREFERENCE_OF: dict[NotifyEvent, NotifyEvent] = {NotifyEvent.REMINDER: NotifyEvent.MEETING}

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


# --- payload and preferences ---------------------------------------------------------------------
def json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """Dates, times and Decimals as ISO strings, so that the JSON column accepts the payload."""

    def default(value: Any) -> Any:
        if isinstance(value, dt.date | dt.time | dt.datetime):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if hasattr(value, "value"):  # enums
            return value.value
        return str(value)

    return json.loads(json.dumps(payload, default=default, ensure_ascii=False))


def preference_map(guardian_ids: Iterable[int]) -> dict[tuple[int, str, str], bool]:
    ids = list(set(guardian_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            NotificationPreference.guardian_id,
            NotificationPreference.event_type,
            NotificationPreference.channel,
            NotificationPreference.enabled,
        ).where(NotificationPreference.guardian_id.in_(ids))
    )
    return {(g, str(e), str(c)): enabled for g, e, c, enabled in rows}


def default_enabled(guardian: Guardian, event: NotifyEvent, channel: Channel) -> bool:
    event = PREFERENCE_OF.get(event, event)
    if channel is Channel.EMAIL:
        return guardian.email_verified_at is not None and bool(guardian.email)
    return (
        guardian.phone_verified_at is not None
        and bool(guardian.phone)
        and event in DEFAULT_SMS_EVENTS
    )


def channels_for(
    guardian: Guardian,
    event: NotifyEvent,
    prefs: dict[tuple[int, str, str], bool] | None = None,
) -> list[tuple[Channel, str]]:
    """(channel, address) pairs this guardian hears ``event`` on. ``stop_all`` mutes everything
    except account messages; an unverified contact is never used."""
    if not guardian.active:
        return []
    if event is NotifyEvent.ACCOUNT:
        out = []
        if guardian.phone:
            out.append((Channel.SMS, guardian.phone))
        if guardian.email:
            out.append((Channel.EMAIL, guardian.email))
        return out
    if guardian.stop_all:
        return []
    prefs = prefs if prefs is not None else preference_map([guardian.id])
    decided_by = PREFERENCE_OF.get(event, event)
    result: list[tuple[Channel, str]] = []
    for channel, address, verified in (
        (Channel.SMS, guardian.phone, guardian.phone_verified_at),
        (Channel.EMAIL, guardian.email, guardian.email_verified_at),
    ):
        if not address or verified is None:
            continue
        explicit = prefs.get((guardian.id, decided_by.value, channel.value))
        enabled = default_enabled(guardian, event, channel) if explicit is None else explicit
        if enabled:
            result.append((channel, address))
    return result


# --- timing ------------------------------------------------------------------------------------
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


def _school_settings(school_id: int | None) -> tuple[tuple[dt.time, dt.time], dt.time]:
    if school_id is None:
        return DEFAULT_QUIET, dt.time(18, 0)
    row = db.session.execute(
        sa.select(School.quiet_start, School.quiet_end, School.digest_time).where(
            School.id == school_id
        )
    ).first()
    if row is None:
        return DEFAULT_QUIET, dt.time(18, 0)
    return (row.quiet_start, row.quiet_end), row.digest_time


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


# --- writing rows -------------------------------------------------------------------------------
def coalesce_key(object_type: str, object_id: int | str, guardian_id: int, channel: str) -> str:
    return f"{object_type}:{object_id}:{guardian_id}:{channel}"[:120]


def _upsert(
    *,
    key: str,
    guardian: Guardian,
    student_id: int | None,
    school_id: int | None,
    channel: Channel,
    address: str,
    event: NotifyEvent,
    object_type: str | None,
    object_id: int | None,
    payload: dict[str, Any],
    urgent: bool,
    due_at: dt.datetime,
    pending: NotificationOutbox | None,
) -> NotificationOutbox:
    rendered = messages.render(event, channel.value, payload, latin=guardian.sms_latin)
    if pending is not None:
        # The same object changed again before the message left: one message, the final value
        # (and not "corrected": the parent never saw the first value).
        if not pending.payload.get("changed"):
            payload = {k: v for k, v in payload.items() if k != "changed"}
            rendered = messages.render(event, channel.value, payload, latin=guardian.sms_latin)
        pending.payload = payload
        pending.event_type = event
        pending.subject = rendered.subject
        pending.body = rendered.body
        pending.segments = rendered.segments
        pending.to_address = address
        pending.urgent = pending.urgent or urgent
        if urgent:
            pending.due_at = min(pending.due_at, due_at)
        return pending
    row = NotificationOutbox(
        school_id=school_id,
        guardian_id=guardian.id,
        student_id=student_id,
        channel=channel,
        event_type=event,
        object_type=object_type,
        object_id=object_id,
        coalesce_key=key,
        to_address=address,
        payload=payload,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        urgent=urgent,
        status=OutboxStatus.PENDING,
        due_at=due_at,
        attempts=0,
    )
    db.session.add(row)
    return row


def _pending_by_key(keys: list[str]) -> dict[str, NotificationOutbox]:
    """The pending row of each coalesce key (the newest, if ever more than one), in few queries."""
    found: dict[str, NotificationOutbox] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for row in db.session.scalars(
            sa.select(NotificationOutbox)
            .where(
                NotificationOutbox.coalesce_key.in_(chunk),
                NotificationOutbox.status == OutboxStatus.PENDING,
            )
            .order_by(NotificationOutbox.id)
        ):
            found[row.coalesce_key] = row  # type: ignore[index]
    return found


def enqueue_for_students(
    student_ids: Iterable[int],
    event_type: NotifyEvent,
    *,
    school_id: int,
    object_type: str,
    object_id: int,
    payload: dict[str, Any],
    urgent: bool = False,
) -> int:
    """Write one outbox row per guardian × channel the guardians chose, for each student.
    (A ``payload["guardian_id"]`` restricts it to that guardian: a message in one parent's thread.)

    ``payload`` holds what the message says (e.g. for a grade: subject, value, kind, date,
    student first name), so the sender needs no further reads. A pending row for the same object
    (coalesce key ``object_type:object_id:guardian:channel``) is updated instead of duplicated,
    so a grade corrected within the coalescing window sends one message with the final value.
    Returns the number of rows written or updated.

    For absences and lates the monthly threshold is checked too (one alert per child per month,
    see :func:`check_threshold`).
    """
    event = NotifyEvent(event_type)
    ids = sorted(set(student_ids))
    if not ids:
        return 0
    base_payload = json_safe(payload)
    links = db.session.execute(
        sa.select(GuardianStudent.student_id, Guardian)
        .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
        .where(
            GuardianStudent.student_id.in_(ids),
            GuardianStudent.school_id == school_id,
            Guardian.active.is_(True),
        )
        .order_by(GuardianStudent.student_id, Guardian.id)
    ).all()
    names = dict(
        db.session.execute(
            sa.select(Student.id, Student.first_name).where(
                Student.id.in_(ids), Student.school_id == school_id
            )
        ).all()
    )
    only = base_payload.get("guardian_id")
    if only is not None:  # a message in one parent's thread goes to that parent only
        links = [(sid, g) for sid, g in links if g.id == int(only)]
    prefs = preference_map(g.id for _, g in links)
    quiet, digest_time = _school_settings(school_id)
    now_utc = clock.utc_naive()
    written = 0
    planned = []
    for student_id, guardian in links:
        student_payload = dict(base_payload)
        student_payload.setdefault("student", names.get(student_id, ""))
        for channel, address in channels_for(guardian, event, prefs):
            # one object told to several children of one parent: one row per child
            key = coalesce_key(
                object_type,
                f"{object_id}" if len(ids) == 1 else f"{object_id}.{student_id}",
                guardian.id,
                channel.value,
            )
            planned.append((key, student_id, guardian, channel, address, student_payload))
    pending = _pending_by_key([p[0] for p in planned])
    for key, student_id, guardian, channel, address, student_payload in planned:
        _upsert(
            key=key,
            guardian=guardian,
            student_id=student_id,
            school_id=school_id,
            channel=channel,
            address=address,
            event=event,
            object_type=object_type,
            object_id=object_id,
            payload=student_payload,
            urgent=urgent,
            due_at=due_time(
                now_utc=now_utc,
                channel=channel,
                event=event,
                urgent=urgent,
                digest=guardian.digest,
                quiet=quiet,
                digest_time=digest_time,
            ),
            pending=pending.get(key),
        )
        written += 1
    if event in (NotifyEvent.ABSENCE, NotifyEvent.LATE):
        day = _payload_date(base_payload) or clock.today()
        for student_id in ids:
            written += check_threshold(student_id, school_id, day)
    return written


def _payload_date(payload: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(payload.get("date", ""))[:10])
    except ValueError:
        return None


def enqueue_direct(
    channel: Channel,
    to_address: str,
    payload: dict[str, Any],
    *,
    event_type: NotifyEvent = NotifyEvent.ACCOUNT,
    school_id: int | None = None,
    guardian_id: int | None = None,
    latin: bool = True,
) -> NotificationOutbox:
    """A message to an address that is not (yet) a guardian's: registration codes and links.
    Due at once, never muted, never held back by quiet hours. In the caller's transaction."""
    payload = json_safe(payload)
    rendered = messages.render(event_type, channel.value, payload, latin=latin)
    row = NotificationOutbox(
        school_id=school_id,
        guardian_id=guardian_id,
        channel=channel,
        event_type=event_type,
        to_address=to_address,
        payload=payload,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        urgent=True,
        status=OutboxStatus.PENDING,
        due_at=clock.utc_naive(),
        attempts=0,
    )
    db.session.add(row)
    return row


def cancel_for_object(object_type: str, object_id: int) -> int:
    """A change undone before sending (e.g. a grade deleted): cancel its pending rows."""
    result = db.session.execute(
        sa.update(NotificationOutbox)
        .where(
            NotificationOutbox.object_type == object_type,
            NotificationOutbox.object_id == object_id,
            NotificationOutbox.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED, updated_at=clock.utc_naive())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the monthly threshold ------------------------------------------------------------------------
def month_weighted_unexcused(student_id: int, school_id: int, day: dt.date) -> Decimal:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    rows = db.session.execute(
        sa.select(Absence.kind, sa.func.count(Absence.id))
        .where(
            Absence.student_id == student_id,
            Absence.school_id == school_id,
            Absence.date >= first,
            Absence.date < following,
            Absence.kind.in_([AbsenceKind.UNEXCUSED, AbsenceKind.LATE]),
        )
        .group_by(Absence.kind)
    ).all()
    counts = {str(kind): n for kind, n in rows}
    from gradebook.rules import weighted_unexcused

    return weighted_unexcused(counts.get("unexcused", 0), counts.get("late", 0))


def check_threshold(student_id: int, school_id: int, day: dt.date) -> int:
    """One alert per child per calendar month when the weighted unexcused hours of ``day``'s month
    exceed the school's threshold (default 5). Returns the number of rows written."""
    limit = db.session.scalar(sa.select(School.absence_threshold).where(School.id == school_id))
    if limit is None:
        return 0
    hours = month_weighted_unexcused(student_id, school_id, day)
    if hours <= Decimal(limit):
        return 0
    month = f"{day.year:04d}-{day.month:02d}"
    object_id = f"{student_id}-{month}"
    prefix = f"threshold:{object_id}:"
    already = db.session.scalar(
        sa.select(sa.func.count(NotificationOutbox.id)).where(
            NotificationOutbox.coalesce_key.like(prefix + "%"),
            NotificationOutbox.status != OutboxStatus.CANCELLED,
        )
    )
    if already:
        return 0
    links = db.session.execute(
        sa.select(Guardian, Student.first_name)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianStudent.student_id)
        .where(GuardianStudent.student_id == student_id, GuardianStudent.school_id == school_id)
    ).all()
    prefs = preference_map(g.id for g, _ in links)
    quiet, digest_time = _school_settings(school_id)
    now_utc = clock.utc_naive()
    written = 0
    for guardian, first_name in links:
        payload = {
            "student": first_name,
            "month": month,
            "hours": str(hours),
            "limit": str(Decimal(limit).normalize()),
        }
        for channel, address in channels_for(guardian, NotifyEvent.THRESHOLD, prefs):
            key = coalesce_key("threshold", object_id, guardian.id, channel.value)
            _upsert(
                key=key,
                pending=None,  # none exists: checked above
                guardian=guardian,
                student_id=student_id,
                school_id=school_id,
                channel=channel,
                address=address,
                event=NotifyEvent.THRESHOLD,
                object_type="threshold",
                object_id=student_id,
                payload=payload,
                urgent=False,
                due_at=due_time(
                    now_utc=now_utc,
                    channel=channel,
                    event=NotifyEvent.THRESHOLD,
                    urgent=False,
                    digest=guardian.digest,
                    quiet=quiet,
                    digest_time=digest_time,
                ),
            )
            written += 1
    return written
