"""Urgent notices to families and their escalation ("not at school", school-wide voice
messages): one ``OutboundNotice`` per family, stepped through the plan of ``ivr/escalation.py``
(SMS → voice rounds → e-mail, then the next guardian) until a guardian is reached or
acknowledges it.

* :func:`start_notice` writes a notice with its plan (in the caller's transaction);
* :func:`advance_due` (every worker pass and the scheduler) takes every due step: an SMS or an
  e-mail is an outbox row (``notify.outbox.enqueue_direct``), a voice step is an
  ``OutboundCall`` row the worker places (``ivr/outbound.py``), and the notice waits for its end;
* :func:`call_ended` (a call's final status) stops the notice when a person was reached, or
  makes the next step due (the next round after ``retry_minutes``);
* :func:`acknowledge` (a keypad answer, the portal's "seen", an SMS reply) stops it.

Quiet hours (the school's, default 20:00–08:00) hold every step except of an emergency.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from config import clock
from ivr import absence_checks
from ivr import call_settings
from ivr import escalation
from ivr import outbound_flow
from models import Channel
from models import Guardian
from models import GuardianStudent
from models import NoticePurpose
from models import NoticeState
from models import NotifyEvent
from models import OutboundCall
from models import OutboundNotice
from models import School
from models import db
from notify.timing import DEFAULT_QUIET
from notify.timing import defer_quiet

log = logging.getLogger("belezhnik.ivr.outbound")


def _quiet(school_id: int) -> tuple[dt.time, dt.time]:
    row = db.session.execute(
        sa.select(School.quiet_start, School.quiet_end).where(School.id == school_id)
    ).first()
    return (row[0], row[1]) if row else DEFAULT_QUIET


def family_contacts(guardian_ids: Sequence[int]) -> list[escalation.Contact]:
    guardians = {
        g.id: g
        for g in db.session.scalars(
            sa.select(Guardian).where(Guardian.id.in_(guardian_ids), Guardian.active.is_(True))
        )
    }
    contacts = []
    for gid in guardian_ids:
        g = guardians.get(gid)
        if g is None or g.stop_all:
            continue
        contacts.append(
            escalation.Contact(
                gid,
                phone=bool(g.phone and g.phone_verified_at),
                email=bool(g.email and g.email_verified_at),
            )
        )
    return contacts


def guardians_of(student_ids: Sequence[int], school_id: int) -> list[int]:
    """The guardians of the children, in calling order (the earliest link first)."""
    rows = db.session.execute(
        sa.select(GuardianStudent.guardian_id, sa.func.min(GuardianStudent.id))
        .where(GuardianStudent.student_id.in_(student_ids), GuardianStudent.school_id == school_id)
        .group_by(GuardianStudent.guardian_id)
        .order_by(sa.func.min(GuardianStudent.id))
    ).all()
    return [r[0] for r in rows]


def start_notice(
    *,
    school_id: int,
    purpose: NoticePurpose,
    day: dt.date,
    student_ids: Sequence[int],
    guardian_ids: Sequence[int],
    payload: dict[str, Any],
    emergency: bool = False,
    broadcast_id: int | None = None,
    voice_only: bool = False,
) -> OutboundNotice | None:
    """A new notice with its plan (None when no guardian can be reached by any channel).
    In the caller's transaction."""
    settings = call_settings.settings_of(school_id)
    contacts = family_contacts(guardian_ids)
    make = escalation.voice_only_plan if voice_only else escalation.plan
    steps = make(contacts, rounds=settings.retry_rounds, gap_minutes=settings.retry_minutes)
    if not steps:
        return None
    notice = OutboundNotice(
        school_id=school_id,
        purpose=purpose,
        broadcast_id=broadcast_id,
        day=day,
        family_key=",".join(str(g) for g in sorted(guardian_ids))[:120],
        student_ids=list(student_ids),
        guardian_ids=[c.guardian_id for c in contacts],
        payload={
            **payload,
            "plan": [
                {"g": s.guardian_id, "ch": s.channel, "round": s.round, "wait": s.wait_minutes}
                for s in steps
            ],
        },
        emergency=emergency,
        state=NoticeState.ACTIVE,
        step=0,
        next_at=clock.utc_naive(),
    )
    db.session.add(notice)
    return notice


# --- stepping ------------------------------------------------------------------------------------
Quiet = dict[int, tuple[dt.time, dt.time]]


def _due(notice: OutboundNotice, now: dt.datetime, known: Quiet | None = None) -> dt.datetime:
    if notice.emergency:
        return now
    known = {} if known is None else known
    if notice.school_id not in known:
        known[notice.school_id] = _quiet(notice.school_id)
    return defer_quiet(now, known[notice.school_id])


def load_notices(ids: set[int]) -> list[OutboundNotice]:
    """Read these notices in one query, into the session, where ``session.get`` finds them
    while the caller keeps the returned list (the session holds its objects weakly)."""
    if not ids:
        return []
    return list(db.session.scalars(sa.select(OutboundNotice).where(OutboundNotice.id.in_(ids))))


def hold_for_quiet_hours(
    call: OutboundCall, now: dt.datetime, known: Quiet | None = None
) -> dt.datetime | None:
    """The end of the quiet hours when ``call`` must wait for it, else None. ``known`` keeps
    the schools' quiet hours already read (a batch of claims)."""
    notice = db.session.get(OutboundNotice, call.notice_id)
    if notice is None or notice.emergency:
        return None
    later = _due(notice, now, known)
    return later if later != now else None


def still_needed(call: OutboundCall) -> bool:
    """False when the notice stopped (reached, cancelled) or its reason went away (every absence
    excused, a parent's note for today)."""
    notice = db.session.get(OutboundNotice, call.notice_id)
    if notice is None or notice.state is not NoticeState.ACTIVE:
        return False
    if notice.purpose is NoticePurpose.NOT_AT_SCHOOL:
        if not absence_checks.still_absent(notice):
            notice.state = NoticeState.CANCELLED
            notice.waiting_call_id = None
            return False
    return True


def _sms_text(notice: OutboundNotice) -> str:
    return str(notice.payload.get("sms") or notice.payload.get("text") or "")


def _enqueue(
    notice: OutboundNotice,
    guardian: Guardian,
    channel: Channel,
    now: dt.datetime,
    known: Quiet | None = None,
) -> None:
    from notify.outbox import enqueue_direct

    address = guardian.phone if channel is Channel.SMS else guardian.email
    if not address:
        return
    event = (
        NotifyEvent.NOT_AT_SCHOOL
        if notice.purpose is NoticePurpose.NOT_AT_SCHOOL
        else NotifyEvent.BROADCAST
    )
    row = enqueue_direct(
        channel,
        address,
        {"text": _sms_text(notice), "student": notice.payload.get("names", "")},
        event_type=event,
        school_id=notice.school_id,
        guardian_id=guardian.id,
        latin=guardian.sms_latin,
    )
    row.object_type, row.object_id = "outbound", notice.id
    row.urgent = notice.emergency
    row.due_at = _due(notice, now, known)


def advance(
    notice: OutboundNotice, now: dt.datetime, known: Quiet | None = None
) -> OutboundCall | None:
    """Take the notice's due steps up to the next call (in the caller's transaction); returns
    that call, not yet flushed: the caller flushes and sets ``waiting_call_id``."""
    plan = notice.payload.get("plan", [])
    while (
        notice.state is NoticeState.ACTIVE
        and notice.waiting_call_id is None
        and notice.next_at is not None
        and notice.next_at <= now
    ):
        if notice.step >= len(plan):
            notice.state = NoticeState.EXHAUSTED
            notice.next_at = None
            log.info("notice %s: every step tried, nobody reached", notice.id)
            break
        step = plan[notice.step]
        notice.step += 1
        guardian = db.session.get(Guardian, step["g"])  # advance_due read them all at once
        if guardian is None or not guardian.active or guardian.stop_all:
            continue
        if step["ch"] in (escalation.SMS, escalation.EMAIL):
            channel = Channel.SMS if step["ch"] == escalation.SMS else Channel.EMAIL
            _enqueue(notice, guardian, channel, now, known)
            continue
        if not guardian.phone:
            continue
        call = OutboundCall(
            school_id=notice.school_id,
            notice_id=notice.id,
            guardian_id=guardian.id,
            to_number=guardian.phone,
            round=step["round"],
            due_at=_due(notice, now, known),
        )
        db.session.add(call)
        return call
    return None


def advance_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Every active notice whose next step is due. Commits; returns how many moved."""
    now = now or clock.utc_naive()
    query = (
        sa.select(OutboundNotice)
        .where(
            OutboundNotice.state == NoticeState.ACTIVE,
            OutboundNotice.waiting_call_id.is_(None),
            OutboundNotice.next_at <= now,
        )
        .order_by(OutboundNotice.next_at, OutboundNotice.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    notices = db.session.scalars(query).all()
    guardian_ids = {g for n in notices for g in (n.guardian_ids or [])}
    # read at once and kept referenced, so that advance's ``session.get`` finds each in the session
    guardians = (
        list(db.session.scalars(sa.select(Guardian).where(Guardian.id.in_(guardian_ids))))
        if guardian_ids
        else []
    )
    known: Quiet = {}
    waiting = [(notice, advance(notice, now, known)) for notice in notices]
    db.session.flush()  # every new call inserted at once
    for notice, call in waiting:
        if call is not None:
            notice.waiting_call_id = call.id
    db.session.commit()
    del guardians
    return len(notices)


def call_ended(call: OutboundCall) -> None:
    """A call's result is known (in the caller's transaction): reached → the notice stops;
    otherwise its next step is due (the next round after its wait)."""
    notice = db.session.get(OutboundNotice, call.notice_id)
    if notice is None or notice.state is not NoticeState.ACTIVE:
        return
    if call.result == escalation.REACHED:
        _reached(notice, call.guardian_id, "voice")
        return
    if notice.waiting_call_id != call.id:
        return
    notice.waiting_call_id = None
    plan = notice.payload.get("plan", [])
    wait = int(plan[notice.step]["wait"]) if notice.step < len(plan) else 0
    notice.next_at = clock.utc_naive() + dt.timedelta(minutes=wait)


def _reached(notice: OutboundNotice, guardian_id: int | None, how: str) -> None:
    notice.state = NoticeState.REACHED
    notice.reached_guardian_id = guardian_id
    notice.reached_at = clock.utc_naive()
    notice.reached_how = how
    notice.waiting_call_id = None
    notice.next_at = None
    db.session.execute(  # calls not yet placed are not needed any more
        sa.update(OutboundCall)
        .where(OutboundCall.notice_id == notice.id, OutboundCall.status == "pending")
        .values(status="cancelled")
    )


def acknowledge(notice: OutboundNotice, guardian_id: int | None, how: str) -> None:
    """A guardian acknowledged the notice (portal "seen", an SMS reply): it stops escalating."""
    if notice.state is NoticeState.ACTIVE:
        _reached(notice, guardian_id, how)


def acknowledge_by_phone(number: str, how: str = "sms_reply") -> int:
    """An SMS reply from ``number``: every active notice of a guardian with that number today
    stops. In the caller's transaction; returns how many."""
    ids = list(db.session.scalars(sa.select(Guardian.id).where(Guardian.phone == number)))
    if not ids:
        return 0
    count = 0
    for notice in db.session.scalars(
        sa.select(OutboundNotice).where(
            OutboundNotice.state == NoticeState.ACTIVE, OutboundNotice.day == clock.today()
        )
    ):
        hit = next((g for g in ids if g in (notice.guardian_ids or [])), None)
        if hit is not None:
            acknowledge(notice, hit, how)
            count += 1
    return count


def keypad_answer(call: OutboundCall, outcome: str) -> None:
    """The flow decided the call's outcome (in the caller's transaction)."""
    notice = db.session.get(OutboundNotice, call.notice_id)
    if notice is None:
        return
    if outcome in (outbound_flow.KNOWN, outbound_flow.NOT_KNOWN):
        notice.answer = "1" if outcome == outbound_flow.KNOWN else "2"
        notice.answer_at = clock.utc_naive()
        call.digits = notice.answer
        call.digits_at = notice.answer_at
    if outcome in (outbound_flow.KNOWN, outbound_flow.NOT_KNOWN, outbound_flow.HEARD):
        acknowledge(notice, call.guardian_id, "keypad" if notice.answer else "voice")
    if outcome == outbound_flow.NOT_KNOWN and notice.purpose is NoticePurpose.NOT_AT_SCHOOL:
        absence_checks.tell_school(notice)


def spoken_name(name: str) -> str:
    """A name as it may be spoken: numbers in words ("сто петдесет и едно СУ"), never digits."""
    from ivr.speech import number_words

    def words(match: re.Match[str]) -> str:
        value = int(match.group())
        return number_words(value) if 0 < value < 1_000_000 else ""

    return re.sub(r"\d+", words, name).strip()


def script_for(call: OutboundCall) -> outbound_flow.Script:
    notice = db.session.get(OutboundNotice, call.notice_id)
    school = db.session.get(School, call.school_id)
    assert notice is not None and school is not None
    phone = school.info_phone or ""
    national = "0" + phone.removeprefix("+359") if phone.startswith("+359") else phone
    absent = tuple(
        outbound_flow.Absent(str(a["name"]), tuple(int(p) for p in a["periods"]))
        for a in notice.payload.get("absent", [])
    )
    return outbound_flow.Script(
        purpose=notice.purpose.value,
        school=spoken_name(school.name),
        school_phone=national,
        absent=absent,
        text=str(notice.payload.get("text", "")),
    )
