"""Demo parents' notes: in each demo school three families have sent a note (two waiting for the
class teacher, one by phone, one refused), so that the class teacher's notes page, the lesson page
and the call log have something to show. The two demo parents whose sign-ins are printed
(``roditel1``/``roditel2``) are left without notes, to try the form themselves."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import ExcuseReason
from models import Guardian
from models import GuardianStudent
from models import NoteChannel
from models import NoteStatus
from models import ParentNote
from models import SchoolYear
from models import db


def _school_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def add_parent_notes(school_id: int, today: dt.date) -> None:
    """Three notes of the school's families (one multi-row insert)."""
    year = db.session.scalar(
        sa.select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current)
    )
    day = _school_day(today)
    if year is None or not year.starts_on <= day <= year.ends_on:
        return
    links = db.session.execute(
        sa.select(GuardianStudent.guardian_id, GuardianStudent.student_id)
        .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
        .where(
            GuardianStudent.school_id == school_id,
            sa.not_(Guardian.email.like("roditel1@%")),
            sa.not_(Guardian.email.like("roditel2@%")),
        )
        .order_by(GuardianStudent.id.desc())
        .limit(3)
    ).all()
    plans = [
        (day, day, None, ExcuseReason.FAMILY, NoteChannel.PORTAL, NoteStatus.PENDING, ""),
        (day, day, 3, ExcuseReason.HEALTH, NoteChannel.PHONE, NoteStatus.PENDING, ""),
        (
            day - dt.timedelta(days=7),
            day - dt.timedelta(days=7),
            None,
            ExcuseReason.OTHER,
            NoteChannel.PORTAL,
            NoteStatus.REFUSED,
            "Подадена след отсъствието без уведомяване в първия ден.",
        ),
    ]
    rows = []
    for (guardian_id, student_id), plan in zip(links, plans, strict=False):
        start, end, period, reason, channel, status, refusal = plan
        if start < year.starts_on:
            continue
        rows.append(
            {
                "school_id": school_id,
                "school_year_id": year.id,
                "student_id": student_id,
                "guardian_id": guardian_id,
                "starts_on": start,
                "ends_on": end,
                "from_period": period,
                "reason": reason,
                "comment": "",
                "channel": channel,
                "status": status,
                "days_counted": 1 if status == NoteStatus.PENDING else 0,
                "refusal_reason": refusal,
                "version": 1,
            }
        )
    if rows:
        db.session.execute(sa.insert(ParentNote), rows)
