"""How long personal data is kept, and the job that deletes what has outlived it (GDPR art. 5(1)(e):
kept no longer than needed). One setting per kind, each with a default a school can defend; the
school is the controller and may shorten them. ``docs/PRIVACY.md`` says why each default.

| kind | setting (days) | default | what happens after it |
|---|---|---|---|
| phone calls (numbers, menus heard) | ``RETAIN_CALLS_DAYS`` | 90 | the call row is deleted |
| notification texts (SMS, e-mail) | ``RETAIN_NOTICE_TEXT_DAYS`` | 90 | a finished notice keeps its kind, channel, times and state for the log; its text, subject, address and payload are blanked |
| registration codes and links | ``RETAIN_CODES_DAYS`` | 7 | used or expired codes are deleted |
| medical-note scans attached to a parent's note | ``RETAIN_NOTE_DOCUMENTS_DAYS`` | 365 after the class teacher's decision | the file is deleted; the note keeps its dates, reason, decision and that it came with a document |
| uploaded list files | ``UPLOAD_RETENTION_HOURS`` | 24 h | ``onboarding.uploads.purge_job`` |
| guessing counters | — | a day | ``throttle.purge`` |

Kept as long as the school keeps its class book (the school's legal record, not ours to shorten):
grades, absences, remarks and their audit trail; a pupil who left stays in the books of the years
they were in. A value of 0 keeps that kind for ever. The scheduler runs :func:`purge` daily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from config import clock
from gradebook import note_documents
from models import CallSession
from models import NotificationOutbox
from models import OutboxStatus
from models import ParentNote
from models import VerificationCode
from models import db

DEFAULTS = {
    "RETAIN_CALLS_DAYS": 90,
    "RETAIN_NOTICE_TEXT_DAYS": 90,
    "RETAIN_CODES_DAYS": 7,
    "RETAIN_NOTE_DOCUMENTS_DAYS": 365,
}
FINISHED = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.CANCELLED,
    OutboxStatus.DIGESTED,
)
ERASED = "[изтрито след срока за съхранение]"


@dataclass
class Purged:
    calls: int = 0
    notice_texts: int = 0
    codes: int = 0
    note_documents: int = 0


def _cutoff(setting: str, now: dt.datetime) -> dt.datetime | None:
    days = int(current_app.config.get(setting, DEFAULTS[setting]))
    return now - dt.timedelta(days=days) if days > 0 else None


def purge(now: dt.datetime | None = None) -> Purged:
    """Delete or blank what has outlived its setting. Commits."""
    now = now or clock.utc_naive()
    done = Purged()
    if (before := _cutoff("RETAIN_CALLS_DAYS", now)) is not None:
        result: Any = db.session.execute(
            sa.delete(CallSession).where(CallSession.started_at < before)
        )
        done.calls = result.rowcount or 0
        from models import OutboundNotice  # issue 15: urgent notices and their calls go too

        db.session.execute(
            sa.delete(OutboundNotice).where(
                OutboundNotice.created_at < before, OutboundNotice.state != "active"
            )
        )
    if (before := _cutoff("RETAIN_NOTICE_TEXT_DAYS", now)) is not None:
        result = db.session.execute(
            sa.update(NotificationOutbox)
            .where(
                NotificationOutbox.created_at < before,
                NotificationOutbox.status.in_(FINISHED),
                NotificationOutbox.body != ERASED,
            )
            .values(body=ERASED, subject="", to_address="", payload={})
        )
        done.notice_texts = result.rowcount or 0
    if (before := _cutoff("RETAIN_CODES_DAYS", now)) is not None:
        result = db.session.execute(
            sa.delete(VerificationCode).where(
                sa.or_(VerificationCode.expires_at < before, VerificationCode.used_at < before)
            )
        )
        done.codes = result.rowcount or 0
    if (before := _cutoff("RETAIN_NOTE_DOCUMENTS_DAYS", now)) is not None:
        done.note_documents = _purge_note_documents(before)
    db.session.commit()
    return done


def _purge_note_documents(before: dt.datetime) -> int:
    """Delete the scans of notes decided before ``before``: the decision and the excused lessons
    are the record; the scan was the evidence for the class teacher. ``document_type`` stays, so
    that the note still counts as one with a medical document (it did not use the parent's days)."""
    rows = db.session.execute(
        sa.select(ParentNote.id, ParentNote.school_id, ParentNote.document_file).where(
            ParentNote.document_file.is_not(None), ParentNote.decided_at < before
        )
    ).all()
    for _note_id, school_id, name in rows:
        note_documents.delete(school_id, name)
    if rows:
        db.session.execute(
            sa.update(ParentNote)
            .where(ParentNote.id.in_([note_id for note_id, _school, _name in rows]))
            .values(document_file=None)
        )
    return len(rows)
