"""The outbox on SQLite: channels from preferences, coalescing, cancelling, quiet hours, digests,
the monthly threshold alert, meeting reminders, retries and the message catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models import Absence
from models import AbsenceKind
from models import Channel
from models import Enrollment
from models import NotificationPreference
from models import NotifyEvent
from models import OutboxStatus
from models import ParentMeeting
from models import SchoolClass
from models import SchoolYear
from models import db
from notify import messages
from notify.outbox import cancel_for_object
from notify.outbox import enqueue_direct
from notify.outbox import enqueue_for_students
from notify.providers import OutMessage
from notify.providers import PermanentError
from notify.providers import SendResult
from notify.providers import TransientError
from notify.scheduler import meeting_reminders
from notify.scheduler import threshold_checks
from notify.sms import segments
from notify.timing import in_quiet_hours
from notify.worker import Worker
from notify.worker import backoff_seconds
from notify.worker import resend
from tests.notify_helpers import family
from tests.notify_helpers import grade_payload
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_student
from tests.notify_helpers import rows


class FakeSms:
    name = "fake"

    def __init__(self, script: list[Any] | None = None) -> None:
        self.sent: list[OutMessage] = []
        self.script = list(script or [])

    def send(self, message: OutMessage) -> SendResult:
        if self.script:
            outcome = self.script.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
        self.sent.append(message)
        return SendResult(provider_id=f"SM{message.row_id:032d}", status="queued")

    def lookup(self, message: OutMessage) -> SendResult | None:
        return None


class FakeEmail(FakeSms):
    pass


@pytest.fixture
def fakes(app):  # type: ignore[no-untyped-def]
    sms, email = FakeSms(), FakeEmail()
    app.extensions["notify_providers"] = (sms, email)
    return sms, email


def grade(student_id: int, school_id: int, object_id: int = 1, value: str = "5.50") -> int:
    n = enqueue_for_students(
        [student_id],
        NotifyEvent.GRADE,
        school_id=school_id,
        object_type="grade",
        object_id=object_id,
        payload=grade_payload(value),
    )
    db.session.commit()
    return n


def at(app, iso: str) -> None:  # type: ignore[no-untyped-def]
    app.config["NOW"] = iso


# --- channels -------------------------------------------------------------------------------------
DEFAULT_CHANNELS = {
    NotifyEvent.GRADE: {"sms", "email"},
    NotifyEvent.ABSENCE: {"sms", "email"},
    NotifyEvent.LATE: {"sms", "email"},
    NotifyEvent.REMARK: {"sms", "email"},
    NotifyEvent.HEALTH: {"sms", "email"},
    NotifyEvent.MEETING: {"sms", "email"},
    NotifyEvent.REMINDER: {"sms", "email"},
    NotifyEvent.THRESHOLD: {"sms", "email"},
    NotifyEvent.PRAISE: {"email"},
    NotifyEvent.EVENT: {"email"},
    NotifyEvent.MESSAGE: {"email"},
}


def test_default_channels(app) -> None:  # type: ignore[no-untyped-def]
    school, student, guardian = family()
    for number, (event, channels) in enumerate(DEFAULT_CHANNELS.items()):
        enqueue_for_students(
            [student.id], event, school_id=school.id, object_type="x", object_id=number,
            payload={"date": "2026-11-03"},
        )  # fmt: skip
        db.session.commit()
        written = rows(object_id=number)
        assert {r.channel.value for r in written} == channels, event
        for r in written:
            assert r.to_address == (guardian.phone if r.channel is Channel.SMS else guardian.email)
            assert r.payload["student"] == "Иван"


def test_preferences_unverified_and_stop_all(app) -> None:  # type: ignore[no-untyped-def]
    school, student, guardian = family()
    for event, enabled in ((NotifyEvent.GRADE, False), (NotifyEvent.PRAISE, True)):
        db.session.add(
            NotificationPreference(
                guardian_id=guardian.id, event_type=event, channel=Channel.SMS, enabled=enabled
            )
        )
    other = make_guardian(student, phone="+359888000111", email=None, verified=False)
    db.session.commit()
    grade(student.id, school.id)
    assert [(r.guardian_id, r.channel.value) for r in rows()] == [(guardian.id, "email")]
    enqueue_for_students(
        [student.id], NotifyEvent.PRAISE, school_id=school.id, object_type="remark", object_id=5,
        payload={"text": "Браво"},
    )  # fmt: skip
    db.session.commit()
    assert {r.channel.value for r in rows(event_type=NotifyEvent.PRAISE)} == {"sms", "email"}
    assert not rows(guardian_id=other.id)  # unverified phone: never used

    guardian.stop_all = True
    db.session.commit()
    assert grade(student.id, school.id, object_id=2) == 0
    # account messages are never muted
    enqueue_direct(Channel.SMS, guardian.phone, {"text": "Код: 123456"}, guardian_id=guardian.id)
    db.session.commit()
    assert rows(event_type=NotifyEvent.ACCOUNT)[0].body == "Kod: 123456"


def test_one_parent_many_children_and_school_scope(app) -> None:  # type: ignore[no-untyped-def]
    school, first, guardian = family()
    second = make_student(school, "Мария")
    from models import GuardianStudent

    db.session.add(
        GuardianStudent(guardian_id=guardian.id, student_id=second.id, school_id=school.id)
    )
    db.session.commit()
    enqueue_for_students(
        [first.id, second.id], NotifyEvent.EVENT, school_id=school.id, object_type="event",
        object_id=9, payload={"title": "Класна работа", "date": "2026-11-27"},
    )  # fmt: skip
    db.session.commit()
    assert sorted(r.payload["student"] for r in rows()) == ["Иван", "Мария"]
    # another school's id never reaches this school's parents
    other_school, _, _ = family()
    assert grade(first.id, other_school.id, object_id=10) == 0


# --- coalescing and cancelling --------------------------------------------------------------------
def test_correction_within_window_sends_one_message_with_final_value(app, fakes) -> None:  # type: ignore[no-untyped-def]
    sms, email = fakes
    school, student, _ = family()
    grade(student.id, school.id, value="4.50")
    at(app, "2026-11-25T10:01:00")
    grade(student.id, school.id, value="5.75")
    assert len(rows()) == 2  # one per channel, updated in place
    assert Worker().drain().sent == 0  # still inside the window
    at(app, "2026-11-25T10:02:30")
    stats = Worker().drain()
    assert stats.sent == 2
    assert len(sms.sent) == 1 and "Otlichen 5,75" in sms.sent[0].body
    assert "4,50" not in sms.sent[0].body and "5,75" in email.sent[0].body
    # a correction after the message left is a new message
    grade(student.id, school.id, value="6")
    assert len(rows()) == 4


def test_change_undone_before_sending_is_cancelled(app, fakes) -> None:  # type: ignore[no-untyped-def]
    sms, email = fakes
    school, student, _ = family()
    grade(student.id, school.id, object_id=7)
    assert cancel_for_object("grade", 7) == 2
    db.session.commit()
    at(app, "2026-11-25T10:10:00")
    assert Worker().drain().sent == 0
    assert {r.status for r in rows()} == {OutboxStatus.CANCELLED}
    assert not sms.sent and not email.sent


# --- quiet hours ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("clock_time", "quiet"),
    [
        ("19:59", False),
        ("20:00", True),
        ("23:30", True),
        ("03:00", True),
        ("07:59", True),
        ("08:00", False),
    ],
)
def test_quiet_hours_window(clock_time, quiet) -> None:  # type: ignore[no-untyped-def]
    moment = dt.time.fromisoformat(clock_time)
    assert in_quiet_hours(moment, dt.time(20, 0), dt.time(8, 0)) is quiet
    assert in_quiet_hours(moment, dt.time(8, 0), dt.time(8, 0)) is False


def test_quiet_hours_defer_sms_to_the_morning_not_email(app, fakes) -> None:  # type: ignore[no-untyped-def]
    sms, email = fakes
    school, student, _ = family()
    at(app, "2026-11-25T21:30:00")
    grade(student.id, school.id)
    sms_row = rows(channel=Channel.SMS)[0]
    # 08:00 Sofia on 26.11 is 06:00 UTC
    assert sms_row.due_at == dt.datetime(2026, 11, 26, 6, 0)
    at(app, "2026-11-25T21:33:00")
    Worker().drain()
    assert len(email.sent) == 1 and not sms.sent
    at(app, "2026-11-26T07:59:00")
    Worker().drain()
    assert not sms.sent
    at(app, "2026-11-26T08:00:00")
    Worker().drain()
    assert len(sms.sent) == 1


def test_worker_defers_a_row_that_comes_due_in_quiet_hours_unless_urgent(app, fakes) -> None:  # type: ignore[no-untyped-def]
    sms, _ = fakes
    school, student, _ = family()
    at(app, "2026-11-25T19:59:00")
    grade(student.id, school.id)  # due 20:01: inside quiet hours when claimed
    enqueue_for_students(
        [student.id], NotifyEvent.EVENT, school_id=school.id, object_type="event", object_id=3,
        payload={"title": "Няма училище утре", "date": "2026-11-26"}, urgent=True,
    )  # fmt: skip
    from models import NotificationPreference as P

    db.session.add(
        P(guardian_id=rows()[0].guardian_id, event_type=NotifyEvent.EVENT, channel=Channel.SMS)
    )
    db.session.commit()
    enqueue_for_students(
        [student.id], NotifyEvent.EVENT, school_id=school.id, object_type="event", object_id=3,
        payload={"title": "Няма училище утре", "date": "2026-11-26"}, urgent=True,
    )  # fmt: skip
    # the grade's SMS was due 20:01 and so moved to 08:00 at once; a retry due inside the
    # quiet hours is moved by the worker when it claims it
    grade_sms = rows(channel=Channel.SMS, event_type=NotifyEvent.GRADE)[0]
    assert grade_sms.due_at == dt.datetime(2026, 11, 26, 6, 0)
    grade_sms.due_at = dt.datetime(2026, 11, 25, 18, 0)  # 20:00 Sofia
    db.session.commit()
    at(app, "2026-11-25T20:05:00")
    stats = Worker().drain()
    assert stats.deferred == 1
    assert rows(channel=Channel.SMS, event_type=NotifyEvent.GRADE)[0].due_at == dt.datetime(
        2026, 11, 26, 6, 0
    )
    assert [m.body for m in sms.sent] == ["Ivan: Nyama uchilishte utre na 26.11. Belezhnik"]


# --- digests ---------------------------------------------------------------------------------------
def test_daily_digest_folds_the_day_into_one_message(app, fakes) -> None:  # type: ignore[no-untyped-def]
    sms, email = fakes
    school, student, guardian = family()
    guardian.digest = True
    db.session.commit()
    grade(student.id, school.id, object_id=1, value="6")
    at(app, "2026-11-25T12:00:00")
    grade(student.id, school.id, object_id=2, value="3.50")
    # threshold alerts and reminders are never held for the digest
    at(app, "2026-11-25T17:59:00")
    assert Worker().drain().sent == 0
    at(app, "2026-11-25T18:00:30")
    stats = Worker().drain()
    assert stats.digests == 2 and stats.sent == 2
    assert len(sms.sent) == 1 and len(email.sent) == 1
    assert "Otlichen 6" in sms.sent[0].body and "Dobar 3,50" in sms.sent[0].body
    assert "Дневно обобщение" in email.sent[0].subject
    assert "<li" in (email.sent[0].html or "")
    assert {r.status for r in rows(event_type=NotifyEvent.GRADE)} == {OutboxStatus.DIGESTED}
    at(app, "2026-11-25T18:30:00")
    assert Worker().drain().sent == 0


# --- threshold and reminders ----------------------------------------------------------------------
def _absences(student, school, day: dt.date, unexcused: int, lates: int) -> None:  # type: ignore[no-untyped-def]
    year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.school_id == school.id))
    period = 0
    for kind, count in ((AbsenceKind.UNEXCUSED, unexcused), (AbsenceKind.LATE, lates)):
        for _ in range(count):
            period += 1
            db.session.add(
                Absence(
                    school_id=school.id, school_year_id=year.id, student_id=student.id,
                    date=day, period=period, term=1, kind=kind,
                )
            )  # fmt: skip
    db.session.flush()


def test_threshold_alert_once_per_child_per_month(app) -> None:  # type: ignore[no-untyped-def]
    school, student, _ = family()

    def absent(day: dt.date, unexcused: int, lates: int) -> None:
        _absences(student, school, day, unexcused, lates)
        enqueue_for_students(
            [student.id], NotifyEvent.ABSENCE, school_id=school.id, object_type="absence",
            object_id=day.toordinal(), payload={"date": day, "count": unexcused},
        )  # fmt: skip
        db.session.commit()

    absent(dt.date(2026, 11, 2), 4, 2)  # 5.0: not more than 5
    assert not rows(event_type=NotifyEvent.THRESHOLD)
    absent(dt.date(2026, 11, 3), 0, 1)  # 5.5
    alerts = rows(event_type=NotifyEvent.THRESHOLD)
    assert {r.channel.value for r in alerts} == {"sms", "email"}
    assert "5,5 neuvazhitelni otsastvia za noemvri 2026" in alerts[0].body
    absent(dt.date(2026, 11, 4), 3, 0)
    assert threshold_checks(dt.date(2026, 11, 25)) == 0
    assert len(rows(event_type=NotifyEvent.THRESHOLD)) == 2
    absent(dt.date(2026, 12, 1), 6, 0)  # a new month: a new alert
    assert len(rows(event_type=NotifyEvent.THRESHOLD)) == 4


def test_threshold_is_a_school_setting(app) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    school, student, _ = family(absence_threshold=Decimal("10"))
    _absences(student, school, dt.date(2026, 11, 2), 8, 0)
    db.session.commit()
    assert threshold_checks(dt.date(2026, 11, 25)) == 0
    _absences(student, school, dt.date(2026, 11, 3), 3, 0)
    db.session.commit()
    assert threshold_checks(dt.date(2026, 11, 25)) == 2


def test_meeting_reminder_the_day_before_once(app) -> None:  # type: ignore[no-untyped-def]
    school, student, guardian = family()
    year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.school_id == school.id))
    cls = SchoolClass(school_id=school.id, school_year_id=year.id, grade_level=5, name="5а")
    db.session.add(cls)
    db.session.flush()
    db.session.add(
        Enrollment(school_id=school.id, student_id=student.id, class_id=cls.id, class_number=1,
                   enrolled_on=dt.date(2026, 9, 15))
    )  # fmt: skip
    db.session.add(
        ParentMeeting(school_id=school.id, school_year_id=year.id, class_id=cls.id,
                      date=dt.date(2026, 11, 26), time=dt.time(18, 0), place="стая 12")
    )  # fmt: skip
    db.session.commit()
    assert meeting_reminders(dt.date(2026, 11, 24)) == 0
    assert meeting_reminders(dt.date(2026, 11, 25)) == 2
    assert meeting_reminders(dt.date(2026, 11, 25)) == 0
    sms = rows(channel=Channel.SMS)[0]
    assert sms.body == "Roditelska sreshta (Ivan): Utre 18:00, staya 12. Belezhnik"
    assert guardian.id == sms.guardian_id


# --- retries ---------------------------------------------------------------------------------------
def test_transient_failures_back_off_then_deliver(app) -> None:  # type: ignore[no-untyped-def]
    sms = FakeSms([TransientError("Twilio 500"), TransientError("Twilio 503")])
    email = FakeEmail()
    app.extensions["notify_providers"] = (sms, email)
    school, student, _ = family()
    grade(student.id, school.id)
    at(app, "2026-11-25T10:02:00")
    assert Worker().drain().retried == 1
    row = rows(channel=Channel.SMS)[0]
    assert row.status is OutboxStatus.PENDING and row.last_error == "Twilio 500"
    assert row.due_at == dt.datetime(2026, 11, 25, 8, 2, 30)  # +30 s
    at(app, "2026-11-25T10:02:30")
    Worker().drain()
    assert rows(channel=Channel.SMS)[0].due_at == dt.datetime(2026, 11, 25, 8, 3, 30)  # +60 s
    at(app, "2026-11-25T10:03:30")
    Worker().drain()
    row = rows(channel=Channel.SMS)[0]
    assert row.status is OutboxStatus.SENT and row.attempts == 3 and len(sms.sent) == 1
    assert row.provider_id.startswith("SM")


def test_permanent_failure_and_attempt_cap_surface_as_failed(app) -> None:  # type: ignore[no-untyped-def]
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    sms = FakeSms([PermanentError("Twilio 400 21211: invalid 'To'")])
    email = FakeEmail([TransientError("SMTP down"), TransientError("SMTP down")])
    app.extensions["notify_providers"] = (sms, email)
    school, student, _ = family()
    grade(student.id, school.id)
    at(app, "2026-11-25T10:02:00")
    Worker().drain()
    at(app, "2026-11-25T10:05:00")
    Worker().drain()
    by_channel = {r.channel.value: r for r in rows()}
    assert by_channel["sms"].status is OutboxStatus.FAILED
    assert "21211" in by_channel["sms"].last_error
    assert by_channel["email"].status is OutboxStatus.FAILED
    assert "after 2 attempts" in by_channel["email"].last_error


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff_seconds(n, 3600) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


# --- texts -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event", "payload", "latin", "expected"),
    [
        (NotifyEvent.GRADE, {"student": "Иван", "subject": "Математика", "value": "5.50",
                             "kind": "current", "date": "2026-11-25"}, True,
         "Ivan: Otlichen 5,50 po Matematika, 25.11. Belezhnik"),
        (NotifyEvent.GRADE, {"student": "Иван", "subject": "Математика", "value": "5.50",
                             "kind": "current", "date": "2026-11-25"}, False,
         "Иван: Отличен 5,50 по Математика, 25.11. Belezhnik"),
        (NotifyEvent.GRADE, {"student": "Ана", "subject": "История", "value": "4", "kind": "term",
                             "final": True, "date": "2026-11-25"}, True,
         "Ana: Dobar 4 po Istoria (srochna), 25.11. Belezhnik"),
        (NotifyEvent.ABSENCE, {"student": "Иван", "subject": "Физика", "kind": "unexcused",
                               "date": "2026-11-25", "period": 3}, True,
         "Ivan: neuvazhitelno otsastvie po Fizika, 25.11, 3. chas. Belezhnik"),  # the lesson
        (NotifyEvent.GRADE, {"student": "Иван", "subject": "Математика", "value": "6",
                             "kind": "current", "date": "2026-11-25", "changed": True,
                             "previous": "Много добър 5"}, True,
         "Ivan: popravena otsenka Otlichen 6 (vmesto Mnogo dobar 5) po Matematika, 25.11. "
         "Belezhnik"),
        (NotifyEvent.LATE, {"student": "Иван", "date": "2026-11-25"}, True,
         "Ivan: zakasnenie, 25.11. Belezhnik"),
        (NotifyEvent.ABSENCE, {"student": "Мария", "kind": "unexcused", "whole_day": True,
                               "date": "2026-11-25"}, True,
         "Maria: neuvazhitelno otsastvie ot podgotvitelnata grupa, 25.11. Belezhnik"),  # ПГ
        (NotifyEvent.ABSENCE, {"student": "Мария", "kind": "excused", "whole_day": True,
                               "date": "2026-11-25"}, False,
         "Мария: уважително отсъствие от подготвителната група, 25.11. Belezhnik"),
        (NotifyEvent.THRESHOLD, {"student": "Мария", "month": "2026-11", "days": 4, "limit": 3},
         False, "Мария: 4 дни неуважителни отсъствия за ноември 2026 (над 3). Belezhnik"),
        (NotifyEvent.HEALTH, {"student": "Иван", "date": "2026-11-25", "text": "never sent"}, True,
         "Ivan: nova belezhka v zdravnia status ot 25.11. Belezhnik"),
    ],
)  # fmt: skip
def test_sms_catalogue(event, payload, latin, expected) -> None:  # type: ignore[no-untyped-def]
    text = messages.sms_text(event, payload, latin)
    assert text == expected
    assert segments(text)[1] == 1


def test_long_remark_is_fitted_to_one_segment() -> None:
    text = messages.sms_text(
        NotifyEvent.REMARK, {"student": "Иван", "subject": "Химия", "text": "Пречи на часа. " * 20}
    )
    assert segments(text) == ("GSM-7", 1) and text.endswith("...")


def test_thread_message_goes_to_that_parent_only(app) -> None:  # type: ignore[no-untyped-def]
    school, student, guardian = family()
    other = make_guardian(student, phone="+359888999000", email="tate@example.bg")
    db.session.commit()
    enqueue_for_students(
        [student.id], NotifyEvent.MESSAGE, school_id=school.id, object_type="message", object_id=4,
        payload={"guardian_id": other.id, "sender": "Г. Иванова", "subject": "Екскурзия"},
    )  # fmt: skip
    db.session.commit()
    assert {r.guardian_id for r in rows()} == {other.id}
    assert rows()[0].body.startswith("Иван: ново съобщение от Г. Иванова")
    assert guardian.id != other.id


def test_a_grade_corrected_before_sending_is_not_called_corrected(app) -> None:  # type: ignore[no-untyped-def]
    school, student, _ = family()
    grade(student.id, school.id, value="4")
    enqueue_for_students(
        [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade", object_id=1,
        payload={**grade_payload("5"), "changed": True, "previous": "Добър 4"},
    )  # fmt: skip
    db.session.commit()
    sms = rows(channel=Channel.SMS)[0]
    assert sms.body == "Ivan: Mnogo dobar 5 po Matematika, 25.11. Belezhnik"
    # after it was sent, a correction says so
    sms.status = OutboxStatus.SENT
    db.session.commit()
    enqueue_for_students(
        [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade", object_id=1,
        payload={**grade_payload("6"), "text": "Отличен 6", "changed": True,
                 "previous": "Много добър 5"},
    )  # fmt: skip
    db.session.commit()
    assert rows(channel=Channel.SMS)[-1].body == (
        "Ivan: popravena otsenka Otlichen 6 (vmesto Mnogo dobar 5) po Matematika, 25.11. Belezhnik"
    )


class LookupDown(FakeSms):
    def lookup(self, message: OutMessage) -> SendResult | None:
        raise TransientError("Twilio lookup failed: ConnectionError")


def test_stale_claims_of_a_dead_worker_are_reconciled(app) -> None:  # type: ignore[no-untyped-def]
    sms, email = LookupDown(), FakeEmail()
    app.extensions["notify_providers"] = (sms, email)
    school, student, _ = family()
    grade(student.id, school.id)
    at(app, "2026-11-25T10:02:00")
    dead = Worker(name="dead")
    assert len(dead.claim()) == 2  # ... and the process dies before sending
    at(app, "2026-11-25T10:04:00")
    assert Worker().drain().sent == 0  # not stale yet (NOTIFY_STALE_SECONDS = 300)
    at(app, "2026-11-25T10:08:00")
    stats = Worker(name="next").drain()
    # the e-mail is not sent again (SMTP has no lookup: at most once, "may not have been sent"
    # until the admin resends it); the SMS cannot be looked up while Twilio is unreachable, so
    # it waits as "unknown" instead of being sent blindly
    assert stats.sent == 0 and not email.sent and not sms.sent
    by_channel = {r.channel.value: r for r in rows()}
    assert by_channel["sms"].status is OutboxStatus.UNKNOWN
    assert by_channel["sms"].last_error.startswith("Twilio lookup failed")
    assert by_channel["email"].status is OutboxStatus.UNKNOWN
    assert "may not have been sent" in by_channel["email"].last_error
    # Twilio answers again and has no such message: it never got there, so it is sent now
    app.extensions["notify_providers"] = (sms := FakeSms(), email)
    at(app, "2026-11-25T10:20:00")
    stats = Worker(name="next").drain()
    assert stats.reconciled_resend == 1 and len(sms.sent) == 1 and not email.sent
    by_channel = {r.channel.value: r for r in rows()}
    assert by_channel["sms"].status is OutboxStatus.SENT
    assert by_channel["email"].status is OutboxStatus.UNKNOWN  # still waiting for a person
    # the admin resends it by hand: sent once
    assert resend([by_channel["email"].id], school.id) == 1
    assert Worker(name="next").drain().sent == 1 and len(email.sent) == 1
    assert {r.status for r in rows()} == {OutboxStatus.SENT}
