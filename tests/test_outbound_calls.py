"""Whole outbound calls: the not-at-school job, the worker placing calls at the local fake
Twilio (``TWILIO_API_BASE``), the fake ringing them and posting the signed webhooks and status
callbacks Twilio would, the escalation between rounds and guardians, reconciliation of unknown
outcomes, and what another school's ids or a forged request can do (nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask

from config.settings import TZ
from ivr import outbound
from ivr.absence_calls import absence_call_job
from ivr.absence_calls import answers
from ivr.reconcile import twilio_client
from models import AbsenceKind
from models import Channel
from models import NoticeState
from models import NotificationOutbox
from models import OutboundCall
from models import OutboundNotice
from models import OutboundSettings
from models import db
from notify.fake_twilio import FakeTwilio
from tests._helpers import signed_post
from tests.outbound_helpers import AT
from tests.outbound_helpers import DAY
from tests.outbound_helpers import guardian
from tests.outbound_helpers import poster
from tests.outbound_helpers import pupil
from tests.outbound_helpers import school_with_class
from tests.outbound_helpers import set_now
from tests.outbound_helpers import use_fake

MAMA = "+359888100001"
TATE = "+359888100002"


@pytest.fixture
def fake(app: Flask) -> Iterator[FakeTwilio]:
    twilio = FakeTwilio().start()
    use_fake(app, twilio)
    yield twilio
    twilio.stop()


def start_day(app: Flask) -> int:
    return absence_call_job(dt.datetime.fromisoformat(AT).replace(tzinfo=TZ))


def run(app: Flask, fake: FakeTwilio) -> list[dict[str, object]]:
    """One worker pass, then the fake plays every call it got."""
    outbound.run_pass("w1")
    played = fake.play_all(poster(app))
    db.session.expire_all()
    return played


def later(app: Flask, minutes: int) -> None:
    now = dt.datetime.fromisoformat(app.config["NOW"])
    set_now(app, now + dt.timedelta(minutes=minutes))


def notices() -> list[OutboundNotice]:
    return list(db.session.scalars(db.select(OutboundNotice).order_by(OutboundNotice.id)))


def calls() -> list[OutboundCall]:
    return list(db.session.scalars(db.select(OutboundCall).order_by(OutboundCall.id)))


def outbox(channel: Channel | None = None) -> list[NotificationOutbox]:
    query = db.select(NotificationOutbox).order_by(NotificationOutbox.id)
    if channel is not None:
        query = query.where(NotificationOutbox.channel == channel)
    return list(db.session.scalars(query))


def one_family(**extra: str | None) -> tuple[object, object]:
    school, klass = school_with_class()
    ivan = pupil(school, klass, "Иван")
    guardian(ivan, phone=MAMA, email=extra.get("email"))
    db.session.commit()
    return school, ivan


# --- a person answers ---------------------------------------------------------------------------
def test_person_presses_1_the_answer_is_recorded_and_the_notice_stops(
    app: Flask, fake: FakeTwilio
) -> None:
    school, ivan = one_family()
    fake.scenarios[MAMA] = ["human:1"]
    assert start_day(app) == 1
    assert start_day(app) == 0  # the job runs every minute: one notice per family and day
    played = run(app, fake)
    assert len(played) == 1 and len(fake.calls) == 1
    heard = " ".join(played[0]["heard"])  # type: ignore[arg-type]
    assert "Иван отсъства днес в първи и втори час." in heard
    assert "натиснете едно" in heard
    created = fake.calls[0]
    assert created["from"] == "+35924001234" and created["to"] == MAMA
    assert created["machine_detection"] == "Enable" and created["timeout"] == "30"
    (notice,) = notices()
    assert notice.state is NoticeState.REACHED and notice.answer == "1"
    assert notice.answer_at is not None
    (call,) = calls()
    assert call.result == "reached" and call.digits == "1" and call.call_status == "completed"
    assert call.call_sid == created["sid"] and call.duration
    # the SMS went first (urgent plan: SMS → voice → e-mail)
    (sms,) = outbox(Channel.SMS)
    assert sms.to_address == MAMA and "Ivan" in sms.body
    shown = answers(school.id, DAY, [ivan.id])  # type: ignore[attr-defined]
    assert shown[ivan.id]["answer"] == "1" and shown[ivan.id]["at"] is not None  # type: ignore[attr-defined]
    run(app, fake)
    assert len(fake.calls) == 1  # nothing more


def test_person_presses_2_the_class_teacher_and_duty_contact_are_told(
    app: Flask, fake: FakeTwilio
) -> None:
    school, ivan = one_family()
    db.session.add(
        OutboundSettings(
            school_id=school.id,  # type: ignore[attr-defined]
            duty_name="Дежурен", duty_phone="+359888999000", duty_email="dejuren@example.bg",
        )
    )  # fmt: skip
    db.session.commit()
    fake.scenarios[MAMA] = ["human:2"]
    start_day(app)
    played = run(app, fake)
    assert "уведомени веднага" in " ".join(played[0]["heard"])  # type: ignore[arg-type]
    (notice,) = notices()
    assert notice.answer == "2" and notice.state is NoticeState.REACHED
    told = {(r.channel, r.to_address) for r in outbox() if r.guardian_id is None}
    assert (Channel.EMAIL, "dejuren@example.bg") in told
    assert (Channel.SMS, "+359888999000") in told
    assert any(ch is Channel.EMAIL and addr.startswith("klasen") for ch, addr in told)
    text = next(r.body for r in outbox(Channel.EMAIL) if r.to_address == "dejuren@example.bg")
    assert "Иван Петров (5а)" in text and "10:05" in text


@pytest.mark.parametrize(
    ("teacher_choice", "teacher_phone", "duty_choice", "teacher_told", "duty_told"),
    [
        ("sms", "+359888555111", "email", {Channel.SMS}, {Channel.EMAIL}),
        ("email", "+359888555111", "sms", {Channel.EMAIL}, {Channel.SMS}),
        ("both", "+359888555111", "both", {Channel.SMS, Channel.EMAIL}, {Channel.SMS, Channel.EMAIL}),
        ("sms", None, "both", {Channel.EMAIL}, {Channel.SMS, Channel.EMAIL}),  # no phone: e-mail
    ],
)  # fmt: skip
def test_key_2_tells_each_by_the_channel_they_chose(
    app: Flask,
    fake: FakeTwilio,
    teacher_choice: str,
    teacher_phone: str | None,
    duty_choice: str,
    teacher_told: set[Channel],
    duty_told: set[Channel],
) -> None:
    from models import AlertChannel
    from models import SchoolClass
    from models import StaffUser

    school, ivan = one_family()
    klass = db.session.scalar(db.select(SchoolClass).where(SchoolClass.school_id == school.id))  # type: ignore[attr-defined]
    teacher = db.session.get(StaffUser, klass.class_teacher_id)  # type: ignore[union-attr]
    assert teacher is not None
    teacher.alert_channel, teacher.phone = AlertChannel(teacher_choice), teacher_phone
    db.session.add(
        OutboundSettings(
            school_id=school.id,  # type: ignore[attr-defined]
            duty_name="Дежурен", duty_phone="+359888999000", duty_email="dejuren@example.bg",
            duty_channel=AlertChannel(duty_choice),
        )
    )  # fmt: skip
    db.session.commit()
    fake.scenarios[MAMA] = ["human:2"]
    start_day(app)
    run(app, fake)
    told = [r for r in outbox() if r.guardian_id is None]
    teacher_addresses = {teacher.email, teacher_phone}
    assert {r.channel for r in told if r.to_address in teacher_addresses} == teacher_told
    duty = {"+359888999000", "dejuren@example.bg"}
    assert {r.channel for r in told if r.to_address in duty} == duty_told
    assert all(r.due_at is not None for r in told)


def test_twins_get_one_call_naming_both(app: Flask, fake: FakeTwilio) -> None:
    school, klass = school_with_class()
    ivan = pupil(school, klass, "Иван", (1,))
    maria = pupil(school, klass, "Мария", (1,))
    guardian(ivan, maria, phone=MAMA)
    db.session.commit()
    fake.scenarios[MAMA] = ["human:1"]
    assert start_day(app) == 1
    played = run(app, fake)
    assert len(fake.calls) == 1
    assert "Иван и Мария отсъстват днес в първи час." in " ".join(played[0]["heard"])  # type: ignore[arg-type]


def test_repeat_then_silence_is_heard_without_an_answer(app: Flask, fake: FakeTwilio) -> None:
    one_family()
    fake.scenarios[MAMA] = ["human:0,,,"]
    start_day(app)
    played = run(app, fake)
    heard = " ".join(played[0]["heard"])  # type: ignore[arg-type]
    assert heard.count("Иван отсъства днес") == 2 and "Не получихме отговор" in heard
    (notice,) = notices()
    assert notice.state is NoticeState.REACHED and notice.answer is None


# --- nobody answers -----------------------------------------------------------------------------
def test_machine_gets_the_short_message_and_the_next_round_comes(
    app: Flask, fake: FakeTwilio
) -> None:
    one_family()
    fake.scenarios[MAMA] = ["machine", "human:1"]
    start_day(app)
    played = run(app, fake)
    heard = " ".join(played[0]["heard"])  # type: ignore[arg-type]
    assert "нула две девет нула нула едно едно две две" in heard  # the school's number
    assert "Иван" not in heard
    (call,) = calls()
    assert call.result == "machine" and call.answered_by == "machine_end_beep"
    (notice,) = notices()
    assert notice.state is NoticeState.ACTIVE
    run(app, fake)
    assert len(fake.calls) == 1  # the next round waits ten minutes
    later(app, 10)
    run(app, fake)
    assert len(fake.calls) == 2
    assert notices()[0].state is NoticeState.REACHED
    assert [c.round for c in calls()] == [1, 2]


def test_busy_three_times_then_the_second_guardian(app: Flask, fake: FakeTwilio) -> None:
    school, klass = school_with_class()
    ivan = pupil(school, klass, "Иван")
    guardian(ivan, phone=MAMA, email="mama@example.bg")
    guardian(ivan, phone=TATE)
    db.session.commit()
    fake.scenarios[MAMA] = ["busy", "busy", "busy"]
    fake.scenarios[TATE] = ["human:1"]
    start_day(app)
    for _ in range(4):
        run(app, fake)
        later(app, 10)
    assert [c["to"] for c in fake.calls] == [MAMA, MAMA, MAMA, TATE]
    assert [c.result for c in calls()] == ["busy", "busy", "busy", "reached"]
    (notice,) = notices()
    assert notice.state is NoticeState.REACHED
    assert notice.reached_guardian_id == calls()[-1].guardian_id
    # SMS and e-mail to the first guardian, then the second guardian's SMS before his call
    steps = [(r.channel, r.to_address.split("+")[0]) for r in outbox()]
    assert steps == [(Channel.SMS, ""), (Channel.EMAIL, "mama"), (Channel.SMS, "")]
    assert [r.to_address for r in outbox(Channel.SMS)] == [MAMA, TATE]


def test_no_answer_every_round_the_sms_and_email_carry_it(app: Flask, fake: FakeTwilio) -> None:
    one_family(email="mama@example.bg")
    fake.scenarios[MAMA] = ["no-answer"] * 3
    start_day(app)
    for _ in range(4):
        run(app, fake)
        later(app, 10)
    assert [c.result for c in calls()] == ["no_answer"] * 3
    assert [r.channel for r in outbox()] == [Channel.SMS, Channel.EMAIL]
    assert notices()[0].state is NoticeState.EXHAUSTED


def test_sms_reply_acknowledges_and_stops_the_rounds(app: Flask, fake: FakeTwilio) -> None:
    from ivr.urgent import acknowledge_by_phone

    one_family()
    fake.scenarios[MAMA] = ["no-answer", "human:1"]
    start_day(app)
    run(app, fake)
    assert acknowledge_by_phone(MAMA) == 1
    db.session.commit()
    later(app, 10)
    run(app, fake)
    assert len(fake.calls) == 1
    assert notices()[0].reached_how == "sms_reply"


# --- reasons that stop a call -------------------------------------------------------------------
def test_parent_note_or_excuse_before_the_call_cancels_it(app: Flask, fake: FakeTwilio) -> None:
    school, ivan = one_family()
    start_day(app)
    from ivr import urgent

    urgent.advance_due()  # the SMS and the call row are written…
    (call,) = calls()
    for row in db.session.scalars(db.select(OutboundCall)):
        assert row.status.value == "pending"
    from models import Absence

    for row in db.session.scalars(db.select(Absence)):  # …then the parent's note comes
        row.excused_by_parent = True
        row.kind = AbsenceKind.EXCUSED
    db.session.commit()
    run(app, fake)
    assert fake.calls == []
    assert calls()[0].status.value == "cancelled"
    assert notices()[0].state is NoticeState.CANCELLED


@pytest.mark.parametrize(("from_period", "called"), [(None, False), (1, False), (2, True)])
def test_a_parents_note_for_today_stops_the_call_unless_it_starts_later(
    app: Flask, fake: FakeTwilio, from_period: int | None, called: bool
) -> None:
    """A note sent by the parent (portal or phone key 8) for the whole day or from the first
    lesson covers the absence of the first lesson; a note "from the 2nd lesson on" does not."""
    from models import ExcuseReason
    from models import NoteChannel
    from models import NoteStatus
    from models import ParentNote
    from models import SchoolYear

    school, ivan = one_family()
    today = DAY
    klass_year = db.session.scalar(
        db.select(SchoolYear.id).where(SchoolYear.school_id == school.id)
    )
    db.session.add(
        ParentNote(
            school_id=school.id,
            school_year_id=klass_year,
            student_id=ivan.id,
            starts_on=today,
            ends_on=today,
            from_period=from_period,
            reason=ExcuseReason.FAMILY,
            channel=NoteChannel.PORTAL,
            status=NoteStatus.PENDING,
        )
    )
    db.session.commit()
    start_day(app)
    for _ in range(2):
        run(app, fake)
    assert bool(fake.calls) is called


def test_no_call_before_the_school_time_or_for_a_pupil_at_the_first_lesson(
    app: Flask, fake: FakeTwilio
) -> None:
    school, klass = school_with_class()
    late_comer = pupil(school, klass, "Петър", (2,))  # at school for the first lesson
    guardian(late_comer, phone=MAMA)
    ivan = pupil(school, klass, "Иван", (1,))
    guardian(ivan, phone=TATE)
    db.session.add(OutboundSettings(school_id=school.id, absence_call_time=dt.time(10, 30)))
    db.session.commit()
    assert start_day(app) == 0  # 10:05 < 10:30
    assert absence_call_job(dt.datetime(2026, 11, 25, 10, 31, tzinfo=TZ)) == 1
    assert notices()[0].student_ids == [ivan.id]


def test_the_school_time_never_calls_before_the_lesson_ended(app: Flask, fake: FakeTwilio) -> None:
    school, klass = school_with_class()
    guardian(pupil(school, klass, "Иван", (1,)), phone=MAMA)
    db.session.add(OutboundSettings(school_id=school.id, absence_call_time=dt.time(7, 0)))
    db.session.commit()
    assert absence_call_job(dt.datetime(2026, 11, 25, 8, 10, tzinfo=TZ)) == 0  # ends 08:40
    assert absence_call_job(dt.datetime(2026, 11, 25, 8, 41, tzinfo=TZ)) == 1


# --- Twilio's requests: repeated, out of order, forged ------------------------------------------
def _placed_call(app: Flask, fake: FakeTwilio) -> OutboundCall:
    one_family()
    start_day(app)
    outbound.run_pass("w1")
    db.session.expire_all()
    (call,) = calls()
    assert call.status.value == "placed"
    return call


def _status(app: Flask, call: OutboundCall, status: str, sid: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
    params = {"CallSid": sid or call.call_sid or "", "To": call.to_number, "CallStatus": status,
              **extra}  # fmt: skip
    return signed_post(app.test_client(), f"/ivr/out/status?oc={call.id}", params)


def test_status_callbacks_out_of_order_or_repeated_change_nothing_backwards(
    app: Flask, fake: FakeTwilio
) -> None:
    call = _placed_call(app, fake)
    assert _status(app, call, "ringing").status_code == 200
    assert _status(app, call, "initiated").status_code == 200  # late
    db.session.expire_all()
    assert db.session.get(OutboundCall, call.id).call_status == "ringing"  # type: ignore[union-attr]
    _status(app, call, "busy", CallDuration="0")
    _status(app, call, "busy", CallDuration="0")  # repeated
    _status(app, call, "ringing")  # after the end
    db.session.expire_all()
    row = db.session.get(OutboundCall, call.id)
    assert row is not None and row.call_status == "busy" and row.result == "busy"
    notice = notices()[0]
    assert notice.step == 2 and notice.waiting_call_id is None  # moved on once, not twice


def test_repeated_webhook_gets_the_same_answer_and_counts_once(
    app: Flask, fake: FakeTwilio
) -> None:
    call = _placed_call(app, fake)
    client = app.test_client()
    params = {"CallSid": call.call_sid or "", "To": MAMA, "AnsweredBy": "human"}
    first = signed_post(client, f"/ivr/out/answer?oc={call.id}", params).get_data(as_text=True)
    again = signed_post(client, f"/ivr/out/answer?oc={call.id}", params).get_data(as_text=True)
    assert first == again and "Gather" in first
    key = {"CallSid": call.call_sid or "", "To": MAMA, "Digits": "1"}
    one = signed_post(client, f"/ivr/out/step?oc={call.id}&n=2", key).get_data(as_text=True)
    two = signed_post(client, f"/ivr/out/step?oc={call.id}&n=2", key).get_data(as_text=True)
    assert one == two and "Благодарим" in one
    assert notices()[0].answer == "1"


def test_forged_or_foreign_requests_are_refused(app: Flask, fake: FakeTwilio) -> None:
    call = _placed_call(app, fake)
    other_school, other = one_family()
    client = app.test_client()
    unsigned = client.post(f"/ivr/out/answer?oc={call.id}", data={"CallSid": call.call_sid})
    assert unsigned.status_code == 403 and unsigned.mimetype == "text/xml"
    forged = client.post(
        f"/ivr/out/status?oc={call.id}",
        data={"CallSid": call.call_sid, "CallStatus": "completed"},
        headers={"X-Twilio-Signature": "x"},
    )
    assert forged.status_code == 403
    # signed, but another call's CallSid (another school's call placed by the same account)
    answer = signed_post(
        client, f"/ivr/out/answer?oc={call.id}", {"CallSid": "CAforeign", "To": MAMA}
    )
    assert answer.status_code == 200 and "<Hangup" in answer.get_data(as_text=True)
    _status(app, call, "completed", sid="CAforeign")
    db.session.expire_all()
    row = db.session.get(OutboundCall, call.id)
    assert row is not None and row.status.value == "placed" and row.flow_state == {}
    # an id that does not exist, and garbage
    for path in ("/ivr/out/answer?oc=999999", "/ivr/out/answer?oc=abc", "/ivr/out/answer"):
        response = signed_post(client, path, {"CallSid": "CA1"})
        assert response.status_code == 200 and response.mimetype == "text/xml"
    assert other is not None


def test_step_with_a_broken_database_still_answers_twiml(app: Flask, fake: FakeTwilio) -> None:
    call = _placed_call(app, fake)
    from unittest import mock

    with mock.patch("ivr.urgent.script_for", side_effect=RuntimeError("db gone")):
        response = signed_post(
            app.test_client(), f"/ivr/out/answer?oc={call.id}",
            {"CallSid": call.call_sid or "", "To": MAMA},
        )  # fmt: skip
    assert response.status_code == 200 and "<Hangup" in response.get_data(as_text=True)


# --- never placed twice -------------------------------------------------------------------------
def test_worker_dead_before_calling_twilio_the_call_is_placed_once(
    app: Flask, fake: FakeTwilio
) -> None:
    one_family()
    start_day(app)
    from ivr import urgent

    urgent.advance_due()
    assert outbound.claim("dead") != []  # claimed, committed, and the worker dies
    app.config["NOTIFY_STALE_SECONDS"] = 0
    outbound.run_pass("w2")
    db.session.expire_all()
    assert len(fake.calls) == 1
    (call,) = calls()
    assert call.status.value == "placed" and call.claimed_by == "w2"
    outbound.run_pass("w3")
    assert len(fake.calls) == 1


def test_worker_killed_in_the_middle_of_a_batch_places_none_twice(
    app: Flask, fake: FakeTwilio
) -> None:
    """A worker claims a batch, places the first call, has Twilio take the second (its answer
    lost) and dies before the third: each family is called exactly once."""
    school, klass = school_with_class()
    phones = [f"+35988820000{i}" for i in range(3)]
    for i, phone in enumerate(phones):
        guardian(pupil(school, klass, f"Ученик{i}"), phone=phone)
    db.session.commit()
    start_day(app)
    from ivr import urgent

    urgent.advance_due()
    first, second, third = outbound.claim("dead", limit=10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbound, "wait_for_slot", lambda *a: None)
        assert outbound.place(first, "dead", twilio_client()) is not None
    row = db.session.get(OutboundCall, second)
    assert row is not None
    twilio_client().calls.create(**outbound.create_params(row))  # reached Twilio, answer lost
    assert len(fake.calls) == 2
    app.config["NOTIFY_STALE_SECONDS"] = 0
    outbound.run_pass("w2")
    outbound.run_pass("w3")
    db.session.expire_all()
    assert sorted(c["to"] for c in fake.calls) == sorted(phones)
    rows = {c.id: c for c in calls()}
    assert {r.status.value for r in rows.values()} == {"placed"}
    assert rows[first].claimed_by == "dead" and rows[third].claimed_by == "w2"
    assert rows[second].call_sid == next(c["sid"] for c in fake.calls if c["to"] == row.to_number)


def test_create_reached_twilio_but_the_answer_was_lost_it_is_found_not_placed_again(
    app: Flask, fake: FakeTwilio
) -> None:
    one_family()
    start_day(app)
    from ivr import urgent

    urgent.advance_due()
    (call_id,) = outbound.claim("dead")
    row = db.session.get(OutboundCall, call_id)
    assert row is not None
    twilio_client().calls.create(**outbound.create_params(row))  # the dead worker's request
    app.config["NOTIFY_STALE_SECONDS"] = 0
    outbound.run_pass("w2")
    db.session.expire_all()
    assert len(fake.calls) == 1
    (call,) = calls()
    assert call.status.value == "placed" and call.call_sid == fake.calls[0]["sid"]


def test_unreachable_twilio_retries_later(app: Flask, fake: FakeTwilio) -> None:
    one_family()
    start_day(app)
    fake.fail_status = 503
    outbound.run_pass("w1")
    db.session.expire_all()
    (call,) = calls()
    assert call.status.value == "pending" and "503" in (call.last_error or "")
    fake.fail_status = None
    later(app, 1)
    outbound.run_pass("w1")
    assert len(fake.calls) == 1


def test_invalid_number_fails_and_the_notice_moves_on(app: Flask, fake: FakeTwilio) -> None:
    one_family()
    start_day(app)
    from unittest import mock

    from twilio.base.exceptions import TwilioRestException

    error = TwilioRestException(400, "uri", "Invalid To", code=21211)
    with mock.patch.object(outbound, "wait_for_slot"):
        client = mock.MagicMock()
        client.calls.create.side_effect = error
        outbound.run_pass("w1", client=client)
    db.session.expire_all()
    (call,) = calls()
    assert call.status.value == "failed" and call.result == "failed"
    assert notices()[0].waiting_call_id is None


def test_the_answer_shows_in_the_lesson_register_and_the_class_teachers_page(
    app: Flask, fake: FakeTwilio
) -> None:
    from models import SchoolClass
    from models import StaffUser
    from models import TimetableSlot
    from tests.conftest import login_staff

    one_family()
    fake.scenarios[MAMA] = ["human:2"]
    start_day(app)
    run(app, fake)
    klass = db.session.scalar(db.select(SchoolClass))
    assert klass is not None
    teacher = db.session.get(StaffUser, klass.class_teacher_id)
    slot = db.session.scalar(db.select(TimetableSlot).where(TimetableSlot.period == 1))
    assert teacher is not None and slot is not None
    client = app.test_client()
    assert login_staff(client, teacher.email).status_code == 302
    for url in (f"/staff/classes/{klass.id}/overview", f"/staff/lesson/{slot.id}?date=2026-11-25"):
        html = client.get(url).get_data(as_text=True)
        assert "родителят не е знаел" in html and "25.11.2026 10:05" in html, url


def test_absence_calls_command_starts_the_day(app: Flask, fake: FakeTwilio) -> None:
    one_family()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["ivr", "absence-calls", "--at", "09:00"])
    assert early.exit_code == 0 and early.output.startswith("0 notice(s)")
    result = runner.invoke(args=["ivr", "absence-calls", "--at", "10:05"])
    assert result.exit_code == 0 and result.output.startswith("1 notice(s)")
    bad = runner.invoke(args=["ivr", "absence-calls", "--at", "25:99"])
    assert bad.exit_code != 0 and "HH:MM" in bad.output


def test_an_sms_reply_through_the_webhook_stops_the_notice(app: Flask, fake: FakeTwilio) -> None:
    one_family()
    fake.scenarios[MAMA] = ["busy"]
    start_day(app)
    run(app, fake)
    reply = signed_post(app.test_client(), "/notify/sms-inbound", {"From": MAMA, "Body": "Знам"})
    assert reply.status_code == 200
    db.session.expire_all()
    (notice,) = notices()
    assert notice.state is NoticeState.REACHED and notice.reached_how == "sms_reply"
    other = signed_post(app.test_client(), "/notify/sms-inbound", {"From": TATE, "Body": "?"})
    assert other.status_code == 200


def test_finished_notices_and_their_calls_are_purged_with_the_calls(
    app: Flask, fake: FakeTwilio
) -> None:
    import retention

    one_family()
    fake.scenarios[MAMA] = ["human:1"]
    start_day(app)
    run(app, fake)
    retention.purge(dt.datetime(2026, 12, 1))
    assert len(notices()) == 1  # younger than RETAIN_CALLS_DAYS
    retention.purge(dt.datetime(2027, 6, 1))
    db.session.expire_all()
    assert notices() == [] and calls() == []
