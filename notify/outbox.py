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
* Timing (:mod:`notify.timing`): SMS due inside the school's quiet hours (default 20:00–08:00
  Europe/Sofia) are due at the end of them; a parent who chose the daily digest gets the row due
  at the school's ``digest_time`` (default 18:00), where the worker folds all of it into one
  message.
* ``urgent`` rows (school notices) and account messages skip the coalescing window, the digest
  and the quiet hours.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from models import Absence
from models import AbsenceKind
from models import Channel
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import NotificationPreference
from models import NotifyEvent
from models import OutboxStatus
from models import PgAttendance
from models import School
from models import Student
from models import db
from notify import messages
from notify.timing import due_time
from notify.timing import school_info

#: Events a parent can switch per channel on the preferences page (in this order).
PREFERENCE_EVENTS: tuple[NotifyEvent, ...] = (
    NotifyEvent.GRADE,
    NotifyEvent.ABSENCE,
    NotifyEvent.LATE,
    NotifyEvent.REMARK,
    NotifyEvent.PRAISE,
    NotifyEvent.HEALTH,
    NotifyEvent.EVENT,
    NotifyEvent.EXAM,
    NotifyEvent.MEETING,
    NotifyEvent.MESSAGE,
    NotifyEvent.THRESHOLD,
    NotifyEvent.HOMEWORK,
    NotifyEvent.EXCUSE,
    NotifyEvent.SANCTION,
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
        NotifyEvent.SANCTION,
    }
)

#: Which preference decides an event that has no switch of its own.
PREFERENCE_OF: dict[NotifyEvent, NotifyEvent] = {NotifyEvent.REMINDER: NotifyEvent.MEETING}


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


# --- writing rows -------------------------------------------------------------------------------
def coalesce_key(object_type: str, object_id: int | str, guardian_id: int, channel: str) -> str:
    return f"{object_type}:{object_id}:{guardian_id}:{channel}"[:120]


def pending_row(
    *,
    channel: Channel,
    event_type: NotifyEvent,
    to_address: str,
    payload: dict[str, Any],
    rendered: messages.Rendered,
    urgent: bool,
    due_at: dt.datetime,
    **fields: Any,
) -> NotificationOutbox:
    """A new pending row of a rendered message (``fields``: who and what it is about); the
    caller adds it to the session or to a bulk insert."""
    return NotificationOutbox(
        channel=channel,
        event_type=event_type,
        to_address=to_address,
        payload=payload,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        urgent=urgent,
        status=OutboxStatus.PENDING,
        due_at=due_at,
        attempts=0,
        **fields,
    )


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
    new_rows: list[NotificationOutbox] | None = None,
) -> NotificationOutbox:
    """Update the pending row of the key, or make a new one: added to the session, or (with
    ``new_rows``) collected for one bulk INSERT by the caller."""
    rendered = messages.render(event, channel.value, payload, latin=guardian.sms_latin)
    if pending is not None:
        # The same object changed again before the message left: one message, the final value
        # (and not "corrected": the parent never saw the first value).
        if not pending.payload.get("changed"):
            payload = {k: v for k, v in payload.items() if k not in ("changed", "previous")}
            rendered = messages.render(event, channel.value, payload, latin=guardian.sms_latin)
        pending.payload = payload
        pending.event_type = event
        pending.subject = rendered.subject
        pending.body = rendered.body
        pending.segments = rendered.segments
        pending.to_address = address
        pending.student_id = student_id  # None once the object became school-wide
        pending.urgent = pending.urgent or urgent
        if urgent:
            pending.due_at = min(pending.due_at, due_at)
        return pending
    row = pending_row(
        channel=channel,
        event_type=event,
        to_address=address,
        payload=payload,
        rendered=rendered,
        urgent=urgent,
        due_at=due_at,
        school_id=school_id,
        guardian_id=guardian.id,
        student_id=student_id,
        object_type=object_type,
        object_id=object_id,
        coalesce_key=key,
    )
    if new_rows is None:
        db.session.add(row)
    else:
        new_rows.append(row)
    return row


_INSERTED = (
    "school_id", "guardian_id", "student_id", "channel", "event_type", "object_type",
    "object_id", "coalesce_key", "to_address", "payload", "subject", "body", "segments",
    "urgent", "status", "due_at", "attempts",
)  # fmt: skip


def _insert_all(new_rows: list[NotificationOutbox]) -> None:
    """New rows in one executemany INSERT (batched by the driver), not one statement per row."""
    if new_rows:
        db.session.execute(
            # the table, not the ORM entity: the ORM would split the batch where a value is None
            sa.insert(NotificationOutbox.__table__),
            [{name: getattr(row, name) for name in _INSERTED} for row in new_rows],
        )


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


@dataclass(frozen=True)
class Notice:
    """One change to tell the parents of, as :func:`enqueue_many` takes it.

    ``student_ids``: the children concerned (one for a grade; a class or the whole school for an
    event). ``per_guardian``: the object is addressed to the whole school, not to a child (a
    school-wide event or meeting): one message per guardian × channel, naming no child, however
    many children the guardian has there. ``supersede``: the notice is the object's whole
    audience (an edited event or meeting): its pending rows that this notice does not write or
    update are cancelled, so an event moved from the whole school to one class leaves nothing
    behind for the other parents.
    """

    object_type: str
    object_id: int
    student_ids: tuple[int, ...]
    event: NotifyEvent
    payload: dict[str, Any]
    urgent: bool = False
    per_guardian: bool = False
    supersede: bool = False


def enqueue_for_students(
    student_ids: Iterable[int],
    event_type: NotifyEvent,
    *,
    school_id: int,
    object_type: str,
    object_id: int,
    payload: dict[str, Any],
    urgent: bool = False,
    per_guardian: bool = False,
    supersede: bool = False,
) -> int:
    """Write one outbox row per guardian × channel the guardians chose, for each student.
    (A ``payload["guardian_id"]`` restricts it to that guardian: a message in one parent's thread.)

    ``payload`` holds what the message says (e.g. for a grade: subject, value, kind, date,
    student first name), so the sender needs no further reads. A pending row for the same object
    (coalesce key ``object_type:object_id:guardian:channel``) is updated instead of duplicated,
    so a grade corrected within the coalescing window sends one message with the final value.
    Returns the number of rows written or updated.

    For absences and lates the monthly threshold is checked too (one alert per child per month,
    see :func:`check_threshold`). One notice of :func:`enqueue_many`, which does the work.
    """
    notice = Notice(
        object_type=object_type,
        object_id=object_id,
        student_ids=tuple(student_ids),
        event=NotifyEvent(event_type),
        payload=payload,
        urgent=urgent,
        per_guardian=per_guardian,
        supersede=supersede,
    )
    return enqueue_many([notice], school_id=school_id)


@dataclass
class _Planned:
    key: str
    notice: Notice
    student_id: int | None
    guardian: Guardian
    channel: Channel
    address: str
    payload: dict[str, Any]


def enqueue_many(notices: Iterable[Notice], *, school_id: int) -> int:
    """Write the outbox rows of several changes of one school at once (a grade column, the
    register of a lesson), with exactly the rows, coalescing and due times that one
    :func:`enqueue_for_students` call per notice would give, in a fixed number of queries
    whatever the number of notices: the guardians of all the children, their first names, the
    guardians' preferences, the school's settings and the pending rows of all the coalesce keys
    are each read once. Returns the number of rows written or updated (threshold alerts too)."""
    batch = [n for n in notices if n.student_ids]
    if not batch:
        return 0
    all_ids = sorted({sid for n in batch for sid in n.student_ids})
    guardians_of: dict[int, list[Guardian]] = {}
    for student_id, guardian in db.session.execute(
        sa.select(GuardianStudent.student_id, Guardian)
        .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
        .where(
            GuardianStudent.student_id.in_(all_ids),
            GuardianStudent.school_id == school_id,
            Guardian.active.is_(True),
        )
        .order_by(GuardianStudent.student_id, Guardian.id)
    ):
        guardians_of.setdefault(student_id, []).append(guardian)
    names = dict(
        db.session.execute(
            sa.select(Student.id, Student.first_name).where(
                Student.id.in_(all_ids), Student.school_id == school_id
            )
        ).all()
    )
    prefs = preference_map(g.id for gs in guardians_of.values() for g in gs)
    settings = school_info(school_id)
    now_utc = clock.utc_naive()
    planned: list[_Planned] = []
    for notice in batch:
        planned.extend(_plan(notice, guardians_of, names, prefs, settings.name))
    pending = _pending_by_key(list(dict.fromkeys(p.key for p in planned)))
    new_rows: list[NotificationOutbox] = []
    written = 0
    for p in planned:
        event = p.notice.event
        # a key met twice in one batch: the second updates the row the first wrote, as two
        # separate calls would (the second would find the first's row pending)
        pending[p.key] = _upsert(
            key=p.key,
            guardian=p.guardian,
            student_id=p.student_id,
            school_id=school_id,
            channel=p.channel,
            address=p.address,
            event=event,
            object_type=p.notice.object_type,
            object_id=p.notice.object_id,
            payload=p.payload,
            urgent=p.notice.urgent,
            due_at=due_time(
                now_utc=now_utc,
                channel=p.channel,
                event=event,
                urgent=p.notice.urgent,
                digest=p.guardian.digest,
                quiet=settings.quiet,
                digest_time=settings.digest_time,
            ),
            pending=pending.get(p.key),
            new_rows=new_rows,
        )
        written += 1
    _insert_all(new_rows)
    for notice in batch:
        if notice.supersede:
            keep = {p.key for p in planned if p.notice is notice}
            _cancel_pending_except(notice.object_type, notice.object_id, keep)
    # absences and lates: the monthly threshold of every child concerned, checked at once
    pairs = [
        (student_id, _payload_date(json_safe(notice.payload)) or clock.today())
        for notice in batch
        if notice.event in (NotifyEvent.ABSENCE, NotifyEvent.LATE)
        for student_id in sorted(set(notice.student_ids))
    ]
    return written + check_thresholds(pairs, school_id)


def _plan(
    notice: Notice,
    guardians_of: dict[int, list[Guardian]],
    names: dict[int, str],
    prefs: dict[tuple[int, str, str], bool],
    school_name: str,
) -> list[_Planned]:
    """The rows one notice asks for: (key, student, guardian, channel, address, payload)."""
    ids = sorted(set(notice.student_ids))
    base_payload = json_safe(notice.payload)
    only = base_payload.get("guardian_id")
    out: list[_Planned] = []
    if notice.per_guardian:
        # addressed to the whole school: one message per parent, not per child, naming no child
        payload = {k: v for k, v in base_payload.items() if k != "student"}
        payload.setdefault("school", school_name)
        seen: set[int] = set()
        for student_id in ids:
            for guardian in guardians_of.get(student_id, []):
                if guardian.id in seen or (only is not None and guardian.id != int(only)):
                    continue
                seen.add(guardian.id)
                for channel, address in channels_for(guardian, notice.event, prefs):
                    key = coalesce_key(
                        notice.object_type, notice.object_id, guardian.id, channel.value
                    )
                    out.append(_Planned(key, notice, None, guardian, channel, address, payload))
        return out
    for student_id in ids:
        student_payload = dict(base_payload)
        student_payload.setdefault("student", names.get(student_id, ""))
        for guardian in guardians_of.get(student_id, []):
            if only is not None and guardian.id != int(only):
                continue  # a message in one parent's thread goes to that parent only
            for channel, address in channels_for(guardian, notice.event, prefs):
                # one object told to several children of one parent: one row per child
                key = coalesce_key(
                    notice.object_type,
                    f"{notice.object_id}" if len(ids) == 1 else f"{notice.object_id}.{student_id}",
                    guardian.id,
                    channel.value,
                )
                out.append(
                    _Planned(key, notice, student_id, guardian, channel, address, student_payload)
                )
    return out


def _cancel_pending_except(object_type: str, object_id: int, keep: set[str]) -> int:
    """Cancel the pending rows of an object whose coalesce key is not in ``keep``."""
    rows = db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.object_type == object_type,
            NotificationOutbox.object_id == object_id,
            NotificationOutbox.status == OutboxStatus.PENDING,
        )
    ).all()
    now = clock.utc_naive()
    cancelled = 0
    for row in rows:
        if row.coalesce_key not in keep:
            row.status = OutboxStatus.CANCELLED
            row.updated_at = now
            cancelled += 1
    return cancelled


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
    row = pending_row(
        channel=channel,
        event_type=event_type,
        to_address=to_address,
        payload=payload,
        rendered=rendered,
        urgent=True,
        due_at=clock.utc_naive(),
        school_id=school_id,
        guardian_id=guardian_id,
    )
    db.session.add(row)
    return row


def cancel_for_object(object_type: str, object_id: int) -> int:
    """A change undone before sending (e.g. a grade deleted): cancel its pending rows."""
    return cancel_for_objects(object_type, [object_id])


def cancel_for_objects(object_type: str, object_ids: Iterable[int]) -> int:
    """:func:`cancel_for_object` for several objects of one type in one statement (a week of
    absences excused at once)."""
    ids = sorted(set(object_ids))
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(NotificationOutbox)
        .where(
            NotificationOutbox.object_type == object_type,
            NotificationOutbox.object_id.in_(ids),
            NotificationOutbox.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED, updated_at=clock.utc_naive())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the monthly threshold ------------------------------------------------------------------------
def month_weighted_unexcused(student_id: int, school_id: int, day: dt.date) -> Decimal:
    return _month_weighted([student_id], school_id, day)[student_id]


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def _month_weighted(student_ids: list[int], school_id: int, day: dt.date) -> dict[int, Decimal]:
    """Weighted unexcused hours (unexcused + ½ × lates) of ``day``'s month, per student."""
    from gradebook.rules import weighted_unexcused

    first, following = _month_bounds(day)
    counts: dict[int, dict[str, int]] = {sid: {} for sid in student_ids}
    for sid, kind, n in db.session.execute(
        sa.select(Absence.student_id, Absence.kind, sa.func.count(Absence.id))
        .where(
            Absence.student_id.in_(student_ids),
            Absence.school_id == school_id,
            Absence.date >= first,
            Absence.date < following,
            Absence.kind.in_([AbsenceKind.UNEXCUSED, AbsenceKind.LATE]),
        )
        .group_by(Absence.student_id, Absence.kind)
    ):
        counts[sid][str(kind)] = n
    return {
        sid: weighted_unexcused(c.get("unexcused", 0), c.get("late", 0))
        for sid, c in counts.items()
    }


PG_UNEXCUSED = 2  # the Ministry's AttendanceType UnexcusedAbsence (rules.ATTENDANCE_CODES)


def _month_pg_days(student_ids: list[int], school_id: int, day: dt.date) -> dict[int, int]:
    """Unexcused days of a ПГ child's daily attendance in ``day``'s month (a child without
    daily attendance: absent from the result)."""
    first, following = _month_bounds(day)
    return {
        sid: int(n)
        for sid, n in db.session.execute(
            sa.select(PgAttendance.student_id, sa.func.count(PgAttendance.id))
            .where(
                PgAttendance.student_id.in_(student_ids),
                PgAttendance.school_id == school_id,
                PgAttendance.date >= first,
                PgAttendance.date < following,
                PgAttendance.kind == PG_UNEXCUSED,
            )
            .group_by(PgAttendance.student_id)
        )
    }


def check_threshold(student_id: int, school_id: int, day: dt.date) -> int:
    """One alert per child per calendar month when the weighted unexcused hours of ``day``'s month
    exceed the school's threshold (default 5). Returns the number of rows written."""
    return check_thresholds([(student_id, day)], school_id)


def check_thresholds(pairs: Iterable[tuple[int, dt.date]], school_id: int) -> int:
    """:func:`check_threshold` for several (student, day) pairs of one school, in a number of
    queries that depends on the months concerned (usually one), not on the number of pupils."""
    wanted = list(dict.fromkeys(pairs))
    if not wanted:
        return 0
    limits = db.session.execute(
        sa.select(School.absence_threshold, School.pg_absence_threshold_days).where(
            School.id == school_id
        )
    ).first()
    if limits is None:
        return 0
    limit, day_limit = limits
    by_month: dict[tuple[int, int], list[int]] = {}
    for sid, day in wanted:
        by_month.setdefault((day.year, day.month), []).append(sid)
    hours: dict[tuple[int, str], Decimal] = {}
    days: dict[tuple[int, str], int] = {}  # a ПГ child: unexcused days of the daily attendance
    for (year, month_no), sids in by_month.items():
        month = f"{year:04d}-{month_no:02d}"
        first = dt.date(year, month_no, 1)
        for sid, value in _month_weighted(sids, school_id, first).items():
            hours[(sid, month)] = value
        for sid, count in _month_pg_days(sids, school_id, first).items():
            days[(sid, month)] = count
    # strictly more than the limit: weighted hours of lessons, or days of a ПГ child
    over = [
        (sid, month)
        for (sid, month), value in hours.items()
        if value > Decimal(limit) or days.get((sid, month), 0) > int(day_limit)
    ]
    if not over:
        return 0
    over_ids = sorted({sid for sid, _ in over})
    # one alert per child per month, whatever became of it since (except a cancelled one)
    alerted = {
        key.rsplit(":", 2)[0]
        for key in db.session.scalars(
            sa.select(NotificationOutbox.coalesce_key).where(
                NotificationOutbox.object_type == "threshold",
                NotificationOutbox.object_id.in_(over_ids),
                NotificationOutbox.status != OutboxStatus.CANCELLED,
            )
        )
        if key
    }
    due = [(sid, month) for sid, month in over if f"threshold:{sid}-{month}" not in alerted]
    if not due:
        return 0
    links: dict[int, list[tuple[Guardian, str]]] = {}
    for sid, guardian, first_name in db.session.execute(
        sa.select(GuardianStudent.student_id, Guardian, Student.first_name)
        .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
        .join(Student, Student.id == GuardianStudent.student_id)
        .where(
            GuardianStudent.student_id.in_(sorted({sid for sid, _ in due})),
            GuardianStudent.school_id == school_id,
        )
        .order_by(GuardianStudent.student_id, Guardian.id)
    ):
        links.setdefault(sid, []).append((guardian, first_name))
    prefs = preference_map(g.id for found in links.values() for g, _ in found)
    settings = school_info(school_id)
    now_utc = clock.utc_naive()
    new_rows: list[NotificationOutbox] = []
    for sid, month in due:
        object_id = f"{sid}-{month}"
        for guardian, first_name in links.get(sid, []):
            if days.get((sid, month), 0) > int(day_limit):
                payload = {
                    "student": first_name,
                    "month": month,
                    "days": days[(sid, month)],
                    "limit": int(day_limit),
                }
            else:
                payload = {
                    "student": first_name,
                    "month": month,
                    "hours": str(hours[(sid, month)]),
                    "limit": str(Decimal(limit).normalize()),
                }
            for channel, address in channels_for(guardian, NotifyEvent.THRESHOLD, prefs):
                _upsert(
                    key=coalesce_key("threshold", object_id, guardian.id, channel.value),
                    pending=None,  # none exists: checked above
                    new_rows=new_rows,
                    guardian=guardian,
                    student_id=sid,
                    school_id=school_id,
                    channel=channel,
                    address=address,
                    event=NotifyEvent.THRESHOLD,
                    object_type="threshold",
                    object_id=sid,
                    payload=payload,
                    urgent=False,
                    due_at=due_time(
                        now_utc=now_utc,
                        channel=channel,
                        event=NotifyEvent.THRESHOLD,
                        urgent=False,
                        digest=guardian.digest,
                        quiet=settings.quiet,
                        digest_time=settings.digest_time,
                    ),
                )
    _insert_all(new_rows)
    return len(new_rows)
