"""The school admin's side of the outbound calls: the school's settings of the calls, a
school-wide voice message (its audience, how long the round takes, and how it goes, family by
family), the delivery ledger (every attempt on every channel with the provider's own status and
the key pressed) and the contacts to fix. Use-cases: each checks the admin role and reads only
the actor's school."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from config.settings import TZ
from gradebook import core
from ivr import escalation
from ivr import urgent
from ivr.absence_calls import _families
from models import AlertChannel
from models import Channel
from models import Enrollment
from models import Guardian
from models import NoticePurpose
from models import NotificationOutbox
from models import OutboundCall
from models import OutboundNotice
from models import OutboundSettings
from models import OutboxStatus
from models import SchoolClass
from models import Student
from models import VoiceBroadcast
from models import db

MAX_TEXT = 600
FIX_AFTER_FAILURES = 3

# What the admin reads (the catalogue of this module).
TEXTS = {
    "admin_only": "Само администраторът на училището изпраща гласови съобщения.",
    "text_required": "Напишете текста на съобщението.",
    "text_long": f"Текстът е по-дълъг от {MAX_TEXT} знака.",
    "text_digits": (
        "Напишете числата и датите с думи (например „пети декември“, „в осем часа“), "
        "за да се изговорят правилно."
    ),
    "class_unknown": "Избраният клас не е от вашето училище.",
    "nobody": "В избраните класове няма родители с потвърден телефон.",
    "time_invalid": "Часът трябва да е между 08:00 и 16:00.",
    "rounds_invalid": "Опитите са от 1 до 5, а паузата между тях — от 1 до 60 минути.",
    "phone_invalid": "Телефонът на дежурния не е валиден.",
    "email_invalid": "Имейлът на дежурния не е валиден.",
    "channel_invalid": "Изберете как да се известява дежурният.",
}

MESSAGES_SAVED = "Настройките на обажданията са записани."
MESSAGES_STARTED = "Съобщението тръгна към {families} семейства."
CHANNEL_BG = {"sms": "SMS", "email": "имейл", "voice": "обаждане"}

RESULT_BG = {
    escalation.REACHED: "чул съобщението",
    escalation.MACHINE: "телефонен секретар",
    escalation.BUSY: "заето",
    escalation.NO_ANSWER: "не вдига",
    escalation.FAILED: "неуспешно",
    "pending": "предстои",
    "calling": "звъни",
    "acknowledged": "потвърдено",
}


def _admin(actor: core.Actor) -> None:
    if not actor.is_admin:
        raise core.Forbidden(TEXTS["admin_only"])


# --- settings ------------------------------------------------------------------------------------
def save_settings(
    actor: core.Actor,
    *,
    absence_calls: bool,
    absence_call_time: dt.time | None,
    duty_name: str,
    duty_phone: str,
    duty_email: str,
    retry_rounds: int | None,
    retry_minutes: int | None,
    duty_channel: str = "both",
) -> OutboundSettings:
    """The school's settings of the calls (in its own transaction; audited)."""
    from notify.contacts import normalize_email
    from notify.contacts import normalize_phone

    _admin(actor)
    errors = {}
    if absence_call_time is None or not dt.time(8) <= absence_call_time <= dt.time(16):
        errors["absence_call_time"] = TEXTS["time_invalid"]
    if not (retry_rounds and 1 <= retry_rounds <= 5 and retry_minutes and 1 <= retry_minutes <= 60):
        errors["retry_rounds"] = TEXTS["rounds_invalid"]
    phone = normalize_phone(duty_phone)
    if duty_phone.strip() and phone is None:
        errors["duty_phone"] = TEXTS["phone_invalid"]
    email = normalize_email(duty_email)
    if duty_email.strip() and email is None:
        errors["duty_email"] = TEXTS["email_invalid"]
    if duty_channel not in {c.value for c in AlertChannel}:
        errors["duty_channel"] = TEXTS["channel_invalid"]
    if errors:
        raise core.Invalid(next(iter(errors.values())), errors)
    row = db.session.scalar(
        sa.select(OutboundSettings).where(OutboundSettings.school_id == actor.school_id)
    )
    before = core.snapshot(row) if row is not None else None
    if row is None:
        row = OutboundSettings(school_id=actor.school_id)
        db.session.add(row)
    row.absence_calls = absence_calls
    row.absence_call_time = absence_call_time  # type: ignore[assignment]
    row.duty_name = duty_name.strip()[:200]
    row.duty_phone, row.duty_email = phone, email
    row.duty_channel = AlertChannel(duty_channel)
    row.retry_rounds, row.retry_minutes = retry_rounds, retry_minutes  # type: ignore[assignment]
    db.session.flush()
    core.audit(actor, "update" if before else "create", row, before=before,
               after=core.snapshot(row))  # fmt: skip
    db.session.commit()
    return row


# --- a school-wide voice message -----------------------------------------------------------------
def _class_ids(actor: core.Actor, class_ids: list[int]) -> list[int]:
    known = set(
        db.session.scalars(
            sa.select(SchoolClass.id).where(
                SchoolClass.school_id == actor.school_id, SchoolClass.id.in_(class_ids)
            )
        )
    )
    if set(class_ids) - known:
        raise core.Invalid(TEXTS["class_unknown"], {"class_ids": TEXTS["class_unknown"]})
    return sorted(known)


def audience(actor: core.Actor, class_ids: list[int]) -> list[tuple[list[int], list[int]]]:
    """The families of the chosen classes (none: the whole school) whose guardians have a
    verified phone: ``[(student_ids, guardian_ids)]``."""
    _admin(actor)
    class_ids = _class_ids(actor, class_ids)
    query = sa.select(Enrollment.student_id).where(
        Enrollment.school_id == actor.school_id, Enrollment.left_on.is_(None)
    )
    if class_ids:
        query = query.where(Enrollment.class_id.in_(class_ids))
    students = list(db.session.scalars(query))
    families = _families(students, actor.school_id)
    phones = set(
        db.session.scalars(
            sa.select(Guardian.id).where(
                Guardian.phone.is_not(None),
                Guardian.phone_verified_at.is_not(None),
                Guardian.stop_all.is_(False),
                Guardian.active.is_(True),
            )
        )
    )
    return [(s, g) for s, g in families if any(x in phones for x in g)]


@dataclass
class Preview:
    families: int
    seconds: int
    calls_per_second: float


def preview(actor: core.Actor, class_ids: list[int], calls_per_second: float) -> Preview:
    count = len(audience(actor, class_ids))
    return Preview(count, escalation.round_seconds(count, calls_per_second), calls_per_second)


def check_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise core.Invalid(TEXTS["text_required"], {"text": TEXTS["text_required"]})
    if len(text) > MAX_TEXT:
        raise core.Invalid(TEXTS["text_long"], {"text": TEXTS["text_long"]})
    if any(ch.isascii() and ch.isdigit() for ch in text):
        raise core.Invalid(TEXTS["text_digits"], {"text": TEXTS["text_digits"]})
    return text


def start_broadcast(
    actor: core.Actor, *, text: str, class_ids: list[int], emergency: bool
) -> VoiceBroadcast:
    """One voice message to every family of the audience (one notice each: voice rounds to each
    guardian in turn). Commits; audited."""
    _admin(actor)
    text = check_text(text)
    families = audience(actor, class_ids)
    if not families:
        raise core.Invalid(TEXTS["nobody"], {"class_ids": TEXTS["nobody"]})
    broadcast = core.add_audited(
        actor,
        VoiceBroadcast(
            school_id=actor.school_id, text=text, class_ids=_class_ids(actor, class_ids),
            emergency=emergency, families=len(families), created_by_id=actor.staff_id,
        ),
    )  # fmt: skip
    today = clock.today()
    for students, guardians in families:
        urgent.start_notice(
            school_id=actor.school_id,
            purpose=NoticePurpose.BROADCAST,
            day=today,
            student_ids=students,
            guardian_ids=guardians,
            payload={"text": text, "sms": text},
            emergency=emergency,
            broadcast_id=broadcast.id,
            voice_only=True,
        )
    db.session.commit()
    return broadcast


def broadcasts(actor: core.Actor) -> list[VoiceBroadcast]:
    _admin(actor)
    return list(
        db.session.scalars(
            sa.select(VoiceBroadcast)
            .where(VoiceBroadcast.school_id == actor.school_id)
            .order_by(VoiceBroadcast.id.desc())
            .limit(50)
        )
    )


def _family_state(notice: OutboundNotice, last: OutboundCall | None) -> str:
    if notice.answer or notice.reached_how in ("keypad", "sms_reply", "portal"):
        return "acknowledged" if notice.reached_how != "voice" else escalation.REACHED
    if notice.state.value == "reached":
        return escalation.REACHED
    if last is None:
        return "pending"
    if last.result:
        return last.result
    return "calling" if last.status.value in ("sending", "placed", "unknown") else "pending"


def broadcast_status(actor: core.Actor, broadcast_id: int) -> dict[str, Any]:
    """How the round goes: per family the children, the last call's result and round; totals."""
    _admin(actor)
    broadcast = core.get_in_school(VoiceBroadcast, broadcast_id, actor.school_id)
    notices = list(
        db.session.scalars(
            sa.select(OutboundNotice)
            .where(
                OutboundNotice.school_id == actor.school_id,
                OutboundNotice.broadcast_id == broadcast.id,
            )
            .order_by(OutboundNotice.id)
        )
    )
    last_calls: dict[int, OutboundCall] = {}
    for call in db.session.scalars(
        sa.select(OutboundCall)
        .where(OutboundCall.notice_id.in_([n.id for n in notices]))
        .order_by(OutboundCall.id)
    ):
        last_calls[call.notice_id] = call
    names = _names({s for n in notices for s in n.student_ids or []})
    families = []
    for notice in notices:
        last = last_calls.get(notice.id)
        state = _family_state(notice, last)
        families.append(
            {
                "children": ", ".join(names.get(s, "?") for s in notice.student_ids or []),
                "state": state,
                "label": RESULT_BG.get(state, state),
                "round": last.round if last else 0,
                "phone": last.to_number if last else "",
            }
        )
    counts = Counter(f["state"] for f in families)
    return {"broadcast": broadcast, "families": families, "counts": counts}


def _names(student_ids: set[int]) -> dict[int, str]:
    return {
        sid: f"{first} {last}"
        for sid, first, last in db.session.execute(
            sa.select(Student.id, Student.first_name, Student.last_name).where(
                Student.id.in_(student_ids)
            )
        )
    }


# --- the delivery ledger -------------------------------------------------------------------------
def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC).astimezone(TZ) if moment else None


def ledger(
    actor: core.Actor, *, student_id: int | None = None, days: int = 30
) -> list[dict[str, Any]]:
    """Every attempt of the last ``days`` days on every channel (the school's, or one pupil's):
    when, channel, to, the provider's own status, the result or error, the key pressed."""
    _admin(actor)
    since = clock.utc_naive() - dt.timedelta(days=days)
    if student_id is not None:
        core.get_in_school(Student, student_id, actor.school_id)
    notices = {
        n.id: n
        for n in db.session.scalars(
            sa.select(OutboundNotice).where(
                OutboundNotice.school_id == actor.school_id, OutboundNotice.created_at >= since
            )
        )
        if student_id is None or student_id in (n.student_ids or [])
    }
    query = sa.select(NotificationOutbox).where(
        NotificationOutbox.school_id == actor.school_id, NotificationOutbox.created_at >= since
    )
    if student_id is not None:
        query = query.where(
            sa.or_(
                NotificationOutbox.student_id == student_id,
                sa.and_(
                    NotificationOutbox.object_type == "outbound",
                    NotificationOutbox.object_id.in_(list(notices)),
                ),
            )
        )
    entries = [
        {
            "at": _local(row.sent_at or row.created_at),
            "channel": row.channel.value,
            "to": row.to_address,
            "what": row.event_type.value,
            "status": row.status.value,
            "provider": row.provider_status or "",
            "detail": row.last_error or "",
            "key": "",
        }
        for row in db.session.scalars(query.order_by(NotificationOutbox.id.desc()).limit(500))
    ]
    calls = sa.select(OutboundCall).where(
        OutboundCall.school_id == actor.school_id, OutboundCall.created_at >= since
    )
    if student_id is not None:
        calls = calls.where(OutboundCall.notice_id.in_(list(notices)))
    for call in db.session.scalars(calls.order_by(OutboundCall.id.desc()).limit(500)):
        notice = notices.get(call.notice_id)
        entries.append(
            {
                "at": _local(call.placed_at or call.created_at),
                "channel": "voice",
                "to": call.to_number,
                "what": notice.purpose.value if notice else "",
                "status": call.status.value,
                "provider": " ".join(x for x in (call.call_status, call.answered_by) if x),
                "detail": RESULT_BG.get(call.result or "", call.last_error or ""),
                "key": call.digits or "",
            }
        )
    entries.sort(key=lambda e: e["at"] or dt.datetime.min.replace(tzinfo=TZ), reverse=True)
    return entries


def contacts_to_fix(actor: core.Actor, failures: int = FIX_AFTER_FAILURES) -> list[dict[str, Any]]:
    """Numbers whose calls or SMS failed ``failures`` times or more, and e-mail addresses that
    were refused, with the parent's name: for the admin to correct."""
    _admin(actor)
    counts: Counter[tuple[str, str]] = Counter()
    for number in db.session.scalars(
        sa.select(OutboundCall.to_number).where(
            OutboundCall.school_id == actor.school_id,
            OutboundCall.result == escalation.FAILED,
        )
    ):
        counts[("phone", number)] += 1
    for channel, address in db.session.execute(
        sa.select(NotificationOutbox.channel, NotificationOutbox.to_address).where(
            NotificationOutbox.school_id == actor.school_id,
            sa.or_(
                NotificationOutbox.status == OutboxStatus.FAILED,
                NotificationOutbox.provider_status.in_(["failed", "undelivered"]),
            ),
        )
    ):
        if channel is Channel.SMS:
            counts[("phone", address)] += 1
        else:
            counts[("email", address)] += failures  # one refusal is enough
    found = []
    for (kind, address), n in sorted(counts.items()):
        if n < failures:
            continue
        column = Guardian.phone if kind == "phone" else Guardian.email
        names = list(db.session.scalars(sa.select(Guardian.full_name).where(column == address)))
        found.append({"kind": kind, "address": address, "failures": n, "names": ", ".join(names)})
    return found
