"""Demo calls out: in each demo school a finished "not at school" round on the last school day
before today with unexcused absences in the first lesson (one parent pressed 1 "I know", one
pressed 2 "I did not know" after an unanswered first round — the class teacher and the duty
contact were told —, one reached only an answering machine) and a school-wide voice message of a
week ago to the families of one class (reached, machine, busy, no answer, a failed number), so
that ``/staff/admin/calls-out``, its message page, the delivery ledger, the contacts to fix and
that day's lesson register have something to show. The school's call settings name a duty
contact. The two demo parents whose sign-ins are printed (``roditel1``/``roditel2``) get none of
it, to try a call in the simulator themselves."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from config.settings import TZ
from ivr import escalation
from models import Absence
from models import AbsenceKind
from models import CallRowStatus
from models import Channel
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import NoticePurpose
from models import NoticeState
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboundCall
from models import OutboundNotice
from models import OutboundSettings
from models import OutboxStatus
from models import SchoolClass
from models import StaffUser
from models import Student
from models import VoiceBroadcast
from models import db
from notify.outbox import enqueue_direct

BROADCAST_TEXT = (
    "Утре, поради авария на водопровода, учебните занятия в училището няма да се провеждат. "
    "Следете съобщенията в Бележник."
)
DUTY_PHONE = "+359888300300"
DUTY_EMAIL = "dejuren@sou{n}.demo.bg"
# a call's result → (Twilio's final status, AnsweredBy)
ENDS = {
    escalation.REACHED: ("completed", "human"),
    escalation.MACHINE: ("completed", "machine_end_beep"),
    escalation.BUSY: ("busy", None),
    escalation.NO_ANSWER: ("no-answer", None),
    escalation.FAILED: ("failed", None),
}


def _utc(day: dt.date, hour: int, minute: int) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _families(school_id: int, student_ids: list[int]) -> list[tuple[int, Guardian]]:
    """(pupil, first guardian with a phone) of these pupils, skipping the printed demo parents."""
    rows = db.session.execute(
        sa.select(GuardianStudent.student_id, Guardian)
        .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
        .where(
            GuardianStudent.school_id == school_id,
            GuardianStudent.student_id.in_(student_ids),
            Guardian.phone.is_not(None),
            sa.not_(Guardian.email.like("roditel1@%")),
            sa.not_(Guardian.email.like("roditel2@%")),
        )
        .order_by(GuardianStudent.id)
    ).all()
    seen: dict[int, Guardian] = {}
    for student_id, guardian in rows:
        seen.setdefault(student_id, guardian)
    return [(s, seen[s]) for s in student_ids if s in seen]


def _call(
    notice: OutboundNotice, guardian: Guardian, result: str, at: dt.datetime, number: int,
    digits: str | None = None,
) -> OutboundCall:  # fmt: skip
    status, answered_by = ENDS[result]
    call = OutboundCall(
        school_id=notice.school_id, notice_id=notice.id, guardian_id=guardian.id,
        to_number=guardian.phone or "", round=number,
        status=CallRowStatus.FAILED if result == escalation.FAILED else CallRowStatus.ENDED,
        due_at=at, attempts=1, claimed_by="demo", claimed_at=at, placed_at=at,
        call_sid=f"CADEMO{notice.id:08d}{number:02d}", call_status=status,
        answered_by=answered_by, digits=digits,
        digits_at=at + dt.timedelta(seconds=25) if digits else None, result=result,
        duration=40 if status == "completed" else 0, ended_at=at + dt.timedelta(seconds=45),
        last_error="Twilio 400 21217: Phone number does not appear to be valid"
        if result == escalation.FAILED else None,
        created_at=at, updated_at=at + dt.timedelta(seconds=45),
    )  # fmt: skip
    db.session.add(call)
    return call


def _sent(row: NotificationOutbox, at: dt.datetime, notice_id: int) -> None:
    row.object_type, row.object_id = "outbound", notice_id
    row.status, row.sent_at, row.attempts = OutboxStatus.SENT, at, 1
    row.provider_status = "delivered" if row.channel is Channel.SMS else "accepted"
    row.created_at = row.due_at = at


def _notice(
    school_id: int, purpose: NoticePurpose, day: dt.date, student_id: int, guardian: Guardian,
    payload: dict[str, object], at: dt.datetime, broadcast_id: int | None = None,
) -> OutboundNotice:  # fmt: skip
    notice = OutboundNotice(
        school_id=school_id, purpose=purpose, broadcast_id=broadcast_id, day=day,
        family_key=str(guardian.id), student_ids=[student_id], guardian_ids=[guardian.id],
        payload=payload, state=NoticeState.EXHAUSTED, step=1, next_at=None,
        created_at=at, updated_at=at,
    )  # fmt: skip
    db.session.add(notice)
    db.session.flush()
    return notice


def _reached(notice: OutboundNotice, guardian: Guardian, at: dt.datetime, how: str) -> None:
    notice.state, notice.reached_guardian_id = NoticeState.REACHED, guardian.id
    notice.reached_at, notice.reached_how = at, how


def _absent_first(school_id: int, today: dt.date) -> list[tuple[dt.date, int, list[int]]]:
    """(day, pupil, unexcused lessons) of the latest school days before today on which a pupil
    missed the first lesson, newest first, for up to three pupils with a guardian's phone."""
    rows = db.session.execute(
        sa.select(Absence.date, Absence.student_id, Absence.period)
        .where(
            Absence.school_id == school_id, Absence.date < today,
            Absence.date >= today - dt.timedelta(days=21), Absence.kind == AbsenceKind.UNEXCUSED,
        )
        .order_by(Absence.date.desc())
    ).all()  # fmt: skip
    lessons: dict[tuple[dt.date, int], set[int]] = {}
    for day, student_id, period in rows:
        lessons.setdefault((day, student_id), set()).add(period)
    first = [(d, s) for (d, s), ps in lessons.items() if 1 in ps]
    phones = {s for s, _ in _families(school_id, sorted({s for _, s in first}))}
    found: list[tuple[dt.date, int, list[int]]] = []
    for day, student_id in first:
        if student_id in phones and all(s != student_id for _, s, _ in found):
            found.append((day, student_id, sorted(p for p in lessons[(day, student_id)] if p <= 3)))
        if len(found) == 3:
            break
    return found


def _not_at_school(school_id: int, number: int, today: dt.date) -> None:
    absent = _absent_first(school_id, today)
    guardians = dict(_families(school_id, [s for _, s, _ in absent]))
    names = {
        s.id: f"{s.first_name} {s.last_name}"
        for s in db.session.scalars(sa.select(Student).where(Student.id.in_(guardians)))
    }
    plans = [
        [(escalation.REACHED, "1")],
        [(escalation.NO_ANSWER, None), (escalation.REACHED, "2")],
        [(escalation.MACHINE, None)] * 3,
    ]
    for (day, student_id, lessons), plan in zip(absent, plans, strict=False):
        guardian = guardians[student_id]
        at = _utc(day, 10, 1)
        payload = {
            "absent": [{"student_id": student_id, "name": names[student_id].split()[0],
                        "periods": lessons}],
            "names": names[student_id],
            "sms": f"{names[student_id]} otsastva dnes ot {lessons[0]}. chas.",
        }  # fmt: skip
        notice = _notice(school_id, NoticePurpose.NOT_AT_SCHOOL, day, student_id, guardian,
                         payload, at)  # fmt: skip
        sms = enqueue_direct(Channel.SMS, guardian.phone or "", {"text": payload["sms"],
                             "student": payload["names"]}, event_type=NotifyEvent.NOT_AT_SCHOOL,
                             school_id=school_id, guardian_id=guardian.id)  # fmt: skip
        _sent(sms, at, notice.id)
        notice.step = 1 + len(plan)
        for n, (result, digits) in enumerate(plan, start=1):
            moment = at + dt.timedelta(minutes=1 + 10 * (n - 1))
            _call(notice, guardian, result, moment, n, digits)
            if digits:
                notice.answer, notice.answer_at = digits, moment + dt.timedelta(seconds=25)
                _reached(notice, guardian, notice.answer_at, "keypad")
        if plan[-1][1] == "2":
            _tell_school(school_id, number, student_id, notice, lessons)


def _tell_school(
    school_id: int, number: int, student_id: int, notice: OutboundNotice, lessons: list[int]
) -> None:
    """What key 2 sent: the class teacher's e-mail, the duty contact's SMS and e-mail."""
    klass = db.session.scalar(
        sa.select(SchoolClass).join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student_id, Enrollment.left_on.is_(None))
    )  # fmt: skip
    teacher = (
        db.session.get(StaffUser, klass.class_teacher_id)
        if klass is not None and klass.class_teacher_id
        else None
    )
    at = notice.answer_at or notice.created_at
    local = at.replace(tzinfo=dt.UTC).astimezone(TZ)
    text = (
        f"Родителят на {notice.payload['names']} ({klass.name if klass else ''}) не знае за "
        f"отсъствието днес ({' и '.join(f'{p}.' for p in lessons)} час); отговор в {local:%H:%M}"
    )
    targets = [(Channel.SMS, DUTY_PHONE), (Channel.EMAIL, DUTY_EMAIL.format(n=number))]
    if teacher is not None:
        targets.insert(0, (Channel.EMAIL, teacher.email))
    for channel, address in targets:
        row = enqueue_direct(channel, address, {"text": text},
                             event_type=NotifyEvent.NOT_AT_SCHOOL, school_id=school_id)  # fmt: skip
        _sent(row, at, notice.id)


def _broadcast(school_id: int, today: dt.date) -> None:
    klass = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.school_id == school_id)
        .order_by(SchoolClass.grade_level.desc(), SchoolClass.name).limit(1)
    )  # fmt: skip
    if klass is None:
        return
    pupils = list(db.session.scalars(
        sa.select(Enrollment.student_id).where(Enrollment.class_id == klass.id,
                                               Enrollment.left_on.is_(None))
        .order_by(Enrollment.class_number)
    ))  # fmt: skip
    families = _families(school_id, pupils)[:12]
    if not families:
        return
    day = today - dt.timedelta(days=7)
    at = _utc(day, 16, 30)
    broadcast = VoiceBroadcast(school_id=school_id, text=BROADCAST_TEXT, class_ids=[klass.id],
                               families=len(families), created_at=at)  # fmt: skip
    db.session.add(broadcast)
    db.session.flush()
    reached, machine, busy, silent, failed = escalation.RESULTS
    plans = [
        [reached], [reached], [busy, reached], [reached], [machine] * 3, [silent] * 3, [reached],
        [busy] * 3, [failed] * 3, [silent, reached], [machine, reached], [reached],
    ]  # fmt: skip
    for i, ((student_id, guardian), plan) in enumerate(zip(families, plans, strict=False)):
        start = at + dt.timedelta(seconds=i)
        notice = _notice(school_id, NoticePurpose.BROADCAST, day, student_id, guardian,
                         {"text": BROADCAST_TEXT, "sms": BROADCAST_TEXT}, start,
                         broadcast.id)  # fmt: skip
        notice.step = len(plan)
        for n, result in enumerate(plan, start=1):
            moment = start + dt.timedelta(minutes=10 * (n - 1))
            _call(notice, guardian, result, moment, n)
            if result == reached:
                _reached(notice, guardian, moment + dt.timedelta(seconds=40), "voice")


def add_outbound_calls(school_id: int, number: int, today: dt.date, bulk: bool = False) -> None:
    """The school's call settings (a duty contact), a past "not at school" round and a
    school-wide message (module docstring). In ``bulk`` mode (many schools on PostgreSQL) the
    absences have no indexes yet: the round, which reads them, is left out."""
    db.session.add(
        OutboundSettings(school_id=school_id, duty_name="Дежурен заместник-директор",
                         duty_phone=DUTY_PHONE, duty_email=DUTY_EMAIL.format(n=number))
    )  # fmt: skip
    if not bulk:
        _not_at_school(school_id, number, today)
    _broadcast(school_id, today)
    db.session.flush()
