""" "Your child is not at school": the scheduler's job that starts one urgent notice per family
for children absent (unexcused) from today's first lessons, and what the school hears back.

At the school's time (``OutboundSettings.absence_call_time``, default 10:00, so that lates are
corrected by then) — and never before the lesson ended — every pupil with an unexcused absence
in the first lesson their class has today (the timetable; period 1 without one) and no parent's
note for today is taken, with every unexcused lesson of today already over. Pupils who share a
guardian are one family (twins: one call naming both). Each family gets one notice
(``ivr/urgent.py``; the unique key of ``outbound_notice`` makes a second run a no-op).

Key 2 ("I did not know") tells the class teacher (e-mail, and SMS when a phone is recorded) and
the school's duty contact (the phone and/or e-mail the school set) at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from config import clock
from config.settings import TZ
from ivr.absence_checks import covered_by_parent_note
from ivr.call_settings import settings_of
from models import Absence
from models import AbsenceKind
from models import BellTime
from models import Enrollment
from models import GuardianStudent
from models import NoticePurpose
from models import OutboundCall
from models import OutboundNotice
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import TimetableSlot
from models import db

log = logging.getLogger("belezhnik.ivr.outbound")


def _first_periods(school_id: int, class_ids: Iterable[int], day: dt.date) -> dict[int, int]:
    """The first period each class has on ``day`` by the timetable."""
    year = db.session.scalar(
        sa.select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current)
    )
    term = year.term_of(day) if year is not None else None
    rows = db.session.execute(
        sa.select(TimetableSlot.class_id, sa.func.min(TimetableSlot.period))
        .where(
            TimetableSlot.school_id == school_id,
            TimetableSlot.class_id.in_(list(class_ids)),
            TimetableSlot.weekday == day.isoweekday(),
            sa.or_(TimetableSlot.term.is_(None), TimetableSlot.term == term),
        )
        .group_by(TimetableSlot.class_id)
    ).all()
    return {class_id: period for class_id, period in rows}


def absent_today(school_id: int, now_local: dt.datetime) -> dict[int, dict[str, Any]]:
    """Pupils of the school to call about now: ``{student_id: {name, periods, class_id}}``
    (empty before the school's time)."""
    settings = settings_of(school_id)
    if not settings.absence_calls or now_local.time() < settings.absence_call_time:
        return {}
    day = now_local.date()
    rows = db.session.execute(
        sa.select(
            Absence.student_id,
            Absence.period,
            Student.first_name,
            Enrollment.class_id,
            SchoolClass.shift,
        )
        .join(Student, Student.id == Absence.student_id)
        .join(
            Enrollment,
            sa.and_(
                Enrollment.student_id == Absence.student_id,
                Enrollment.school_id == school_id,
                Enrollment.left_on.is_(None),
            ),
        )
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(
            Absence.school_id == school_id,
            Absence.date == day,
            Absence.kind == AbsenceKind.UNEXCUSED,
            Absence.excused_by_parent.is_(False),
        )
    ).all()
    if not rows:
        return {}
    bells = {
        (b.shift, b.period): b.ends_at
        for b in db.session.scalars(sa.select(BellTime).where(BellTime.school_id == school_id))
    }
    firsts = _first_periods(school_id, {r.class_id for r in rows}, day)
    found: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = found.setdefault(
            r.student_id,
            {"name": r.first_name, "class_id": r.class_id, "shift": r.shift, "periods": []},
        )
        entry["periods"].append(r.period)
    result = {}
    for student_id, entry in found.items():
        periods = sorted(set(entry["periods"]))
        first = firsts.get(entry["class_id"], min(periods))
        if first not in periods:
            continue  # at school for the first lesson: not "not at school"
        ended = [
            p for p in periods if bells.get((entry["shift"], p), dt.time(0)) <= now_local.time()
        ]
        if first not in ended:
            continue  # never before the lesson ended
        if covered_by_parent_note(student_id, school_id, day):
            continue
        result[student_id] = {**entry, "periods": ended}
    return result


def _families(student_ids: Iterable[int], school_id: int) -> list[tuple[list[int], list[int]]]:
    """Children grouped by shared guardians: ``[(student_ids, guardian_ids in order)]``."""
    links = db.session.execute(
        sa.select(GuardianStudent.student_id, GuardianStudent.guardian_id)
        .where(
            GuardianStudent.school_id == school_id,
            GuardianStudent.student_id.in_(list(student_ids)),
        )
        .order_by(GuardianStudent.id)
    ).all()
    parent: dict[int, int] = {}

    def root(s: int) -> int:
        while parent.setdefault(s, s) != s:
            s = parent[s]
        return s

    by_guardian: dict[int, list[int]] = defaultdict(list)
    order: dict[int, list[int]] = defaultdict(list)
    for student_id, guardian_id in links:
        by_guardian[guardian_id].append(student_id)
        root(student_id)
    for students in by_guardian.values():
        for other in students[1:]:
            parent[root(other)] = root(students[0])
    for student_id, guardian_id in links:
        group = order[root(student_id)]
        if guardian_id not in group:
            group.append(guardian_id)
    members: dict[int, list[int]] = defaultdict(list)
    for student_id in {s for s, _ in links}:
        members[root(student_id)].append(student_id)
    return [(sorted(members[r]), order[r]) for r in sorted(members)]


def _sms_text(absent: list[dict[str, Any]]) -> str:
    names = [a["name"] for a in absent]
    periods = sorted({p for a in absent for p in a["periods"]})
    lessons = (
        " и ".join(f"{p}." for p in periods)
        if len(periods) <= 2
        else (", ".join(f"{p}." for p in periods[:-1]) + f" и {periods[-1]}.")
    )
    verb = "не е на училище" if len(names) == 1 else "не са на училище"
    return f"{' и '.join(names)} {verb} днес ({lessons} час)"


def start_calls(school_id: int, now_local: dt.datetime) -> int:
    """Notices for the school's absent pupils not yet called about today. In the caller's
    transaction; returns how many were started."""
    from ivr.urgent import start_notice

    absent = absent_today(school_id, now_local)
    if not absent:
        return 0
    day = now_local.date()
    existing = {
        (key, tuple(ids))
        for key, ids in db.session.execute(
            sa.select(OutboundNotice.family_key, OutboundNotice.student_ids).where(
                OutboundNotice.school_id == school_id,
                OutboundNotice.purpose == NoticePurpose.NOT_AT_SCHOOL,
                OutboundNotice.day == day,
            )
        ).all()
    }
    called = {s for _, ids in existing for s in ids}
    keys = {key for key, _ in existing}
    started = 0
    for students, guardians in _families(absent, school_id):
        key = ",".join(str(g) for g in sorted(guardians))[:120]
        if key in keys or any(s in called for s in students):
            continue
        items = [
            {"student_id": s, "name": absent[s]["name"], "periods": absent[s]["periods"]}
            for s in students
        ]
        notice = start_notice(
            school_id=school_id,
            purpose=NoticePurpose.NOT_AT_SCHOOL,
            day=day,
            student_ids=students,
            guardian_ids=guardians,
            payload={
                "absent": items,
                "names": " и ".join(a["name"] for a in items),
                "sms": _sms_text(items),
            },
        )
        if notice is not None:
            started += 1
            keys.add(key)
    return started


def absence_call_job(now: dt.datetime | None = None) -> int:
    """The scheduler's job (every minute): start the day's calls in every active school whose
    time has come. Commits; returns how many notices were started."""
    now_local = (now or clock.now()).astimezone(TZ)
    started = 0
    for school_id in db.session.scalars(sa.select(School.id).where(School.active.is_(True))):
        try:
            started += start_calls(school_id, now_local)
            db.session.commit()
        except sa.exc.IntegrityError:  # a second scheduler by mistake: its notice won
            db.session.rollback()
    if started:
        log.info("not-at-school calls: %s notices started", started)
    return started


# --- what the school sees and hears ----------------------------------------------------------------
def answers_for_page(
    school_id: int, student_ids: Iterable[int], day: dt.date | None = None
) -> dict[int, dict[str, Any]]:
    """:func:`answers` for a template (``outbound_answers``; ``day`` None: today)."""
    return answers(school_id, day or clock.today(), student_ids)


def answers(school_id: int, day: dt.date, student_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The day's "not at school" call of each child: ``{student_id: {state, answer, at,
    result}}`` — for the lesson register and the class teacher's page."""
    wanted = set(student_ids)
    found: dict[int, dict[str, Any]] = {}
    notices = db.session.scalars(
        sa.select(OutboundNotice).where(
            OutboundNotice.school_id == school_id,
            OutboundNotice.purpose == NoticePurpose.NOT_AT_SCHOOL,
            OutboundNotice.day == day,
        )
    ).all()
    for notice in notices:
        last = db.session.scalar(
            sa.select(OutboundCall)
            .where(OutboundCall.notice_id == notice.id)
            .order_by(OutboundCall.id.desc())
            .limit(1)
        )
        for student_id in notice.student_ids or []:
            if student_id not in wanted:
                continue
            at = notice.answer_at or notice.reached_at
            found[student_id] = {
                "state": notice.state.value,
                "answer": notice.answer,
                "at": at.replace(tzinfo=dt.UTC).astimezone(TZ) if at else None,
                "result": last.result if last is not None else None,
            }
    return found
