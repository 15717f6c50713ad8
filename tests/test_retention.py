"""Issue 14 (GDPR): personal data is kept no longer than its setting, and what the school must
keep stays. Boundary cases: a row just inside and just past its period, unfinished notices,
a setting of 0 (keep for ever)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

import retention
from gradebook import note_documents
from gradebook import parent_notes
from models import CallSession
from models import Channel
from models import Grade
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import ParentNote
from models import SchoolYear
from models import Student
from models import VerificationCode
from models import db
from tests.notify_helpers import family

NOW = dt.datetime(2026, 12, 3, 12, 0)
DAY = dt.timedelta(days=1)


def notice(school_id: int, created: dt.datetime, status: OutboxStatus) -> NotificationOutbox:
    row = NotificationOutbox(
        school_id=school_id, channel=Channel.SMS, event_type=NotifyEvent.GRADE,
        to_address="+359888000001", body="Ivan: Otlichen 6", subject="s", payload={"student": "Иван"},
        status=status, created_at=created,
    )  # fmt: skip
    db.session.add(row)
    return row


def test_each_kind_goes_when_its_period_ends_and_not_before(any_app: Flask) -> None:
    school, student, guardian = family()
    old_call = CallSession(call_sid="CA-old", started_at=NOW - 90 * DAY - dt.timedelta(seconds=1))
    new_call = CallSession(call_sid="CA-new", started_at=NOW - 90 * DAY + dt.timedelta(minutes=1))
    db.session.add_all([old_call, new_call])
    old_sent = notice(school.id, NOW - 91 * DAY, OutboxStatus.SENT)
    old_pending = notice(school.id, NOW - 91 * DAY, OutboxStatus.PENDING)  # not finished: kept
    recent = notice(school.id, NOW - 89 * DAY, OutboxStatus.SENT)
    code = dict(purpose="register", channel=Channel.SMS, target="+359888000001", code_hash="h")
    used = VerificationCode(**code, expires_at=NOW - 30 * DAY, used_at=NOW - 8 * DAY)
    live = VerificationCode(**code, expires_at=NOW + DAY)
    db.session.add_all([used, live])
    db.session.commit()
    done = retention.purge(NOW)
    assert (done.calls, done.notice_texts, done.codes) == (1, 1, 1)
    db.session.expire_all()
    assert {c.call_sid for c in db.session.scalars(sa.select(CallSession))} == {"CA-new"}
    blanked = db.session.get(NotificationOutbox, old_sent.id)
    assert blanked.body == retention.ERASED and blanked.to_address == "" and blanked.payload == {}
    assert blanked.status is OutboxStatus.SENT and blanked.event_type is NotifyEvent.GRADE
    assert db.session.get(NotificationOutbox, old_pending.id).body == "Ivan: Otlichen 6"
    assert db.session.get(NotificationOutbox, recent.id).to_address == "+359888000001"
    assert [c.id for c in db.session.scalars(sa.select(VerificationCode))] == [live.id]
    assert retention.purge(NOW) == retention.Purged()  # nothing twice
    assert student.id and guardian.id


@pytest.mark.parametrize("setting", ["RETAIN_CALLS_DAYS", "RETAIN_NOTICE_TEXT_DAYS"])
def test_zero_keeps_for_ever(app: Flask, setting: str) -> None:
    school, _student, _guardian = family()
    app.config[setting] = 0
    db.session.add(CallSession(call_sid="CA-ancient", started_at=NOW - 4000 * DAY))
    notice(school.id, NOW - 4000 * DAY, OutboxStatus.SENT)
    db.session.commit()
    done = retention.purge(NOW)
    assert (done.calls if setting == "RETAIN_CALLS_DAYS" else done.notice_texts) == 0


def test_the_class_book_is_not_touched(demo_app: Flask) -> None:
    grades = db.session.scalar(sa.select(sa.func.count(Grade.id)))
    retention.purge(NOW + 4000 * DAY)
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == grades


def test_a_medical_note_scan_goes_a_year_after_the_decision_and_the_note_stays(
    demo_app: Flask,
) -> None:
    student = db.session.scalars(sa.select(Student).order_by(Student.id)).first()
    year = db.session.scalars(
        sa.select(SchoolYear).where(SchoolYear.school_id == student.school_id)
    ).first()

    def note(decided_at: dt.datetime | None) -> ParentNote:
        row = ParentNote(
            school_id=student.school_id, school_year_id=year.id, student_id=student.id,
            starts_on=year.starts_on, ends_on=year.starts_on, reason="health", channel="portal",
            status="confirmed" if decided_at else "pending", decided_at=decided_at,
            document_file=note_documents.save(student.school_id, "pdf", b"%PDF-1.4 scan"),
            document_type="application/pdf", document_size=13,
        )  # fmt: skip
        db.session.add(row)
        return row

    old = note(NOW - 365 * DAY - dt.timedelta(seconds=1))  # just past its year
    recent = note(NOW - 364 * DAY)  # just inside
    pending = note(None)  # not decided: the class teacher still needs it
    db.session.commit()
    old_file = note_documents.path(student.school_id, old.document_file)
    assert old_file is not None
    assert retention.purge(NOW).note_documents == 1
    db.session.expire_all()
    assert not old_file.exists()
    gone = db.session.get(ParentNote, old.id)
    assert gone.document_file is None and gone.status == "confirmed"
    assert parent_notes.has_document(gone)  # still a note with a medical document
    for kept in (recent, pending):
        row = db.session.get(ParentNote, kept.id)
        assert note_documents.path(student.school_id, row.document_file) is not None
    assert retention.purge(NOW).note_documents == 0  # nothing twice
    demo_app.config["RETAIN_NOTE_DOCUMENTS_DAYS"] = 0
    assert retention.purge(NOW + 4000 * DAY).note_documents == 0  # 0 keeps for ever
