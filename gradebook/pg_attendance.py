"""The daily attendance of a preparatory group (ПГ): instead of lesson absences the teacher marks
each child of the group present, absent excused (with the reason) or absent unexcused for the
day — the Ministry's ``Attendance`` (``AttendanceType`` 1–3, one mark per child and day, only in
the ПГ book: :func:`rules.class_book_sections`). One screen per group and day, every child
present by default. The class teacher (the group's teacher) and the admins write it; the month
and future locks (``core.check_lock``) and the school-day rule (``timetable.school_day_problem``)
apply; every mark created or changed is audited.

The reads (:func:`day_marks`, :func:`month_grid`, :func:`unexcused_days`,
:func:`child_attendance`) serve the staff pages, the report, the dropout risk, the portal, the
phone's read model and the class book's PDF."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import parent_notes
from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import active_enrollments
from gradebook.core import add_audited
from gradebook.core import assign
from gradebook.core import atomic
from gradebook.core import check_lock
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import parse_date
from gradebook.core import update_audited
from gradebook.messages import msg
from gradebook.timetable import school_day_problem
from models import ClassesEnd
from models import Enrollment
from models import ExcuseReason
from models import NotifyEvent
from models import PgAttendance
from models import SchoolClass
from models import SchoolYear
from models import db
from notify import outbox

KIND_BY_CODE = {code: kind for kind, code in rules.ATTENDANCE_CODES.items()}
PRESENT, UNEXCUSED = rules.ATTENDANCE_CODES["present"], rules.ATTENDANCE_CODES["unexcused"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A child's mark for the day as typed: ``kind`` present/excused/unexcused, the reason
    (health/family/other) and comment of an excused day."""

    kind: str = "present"
    reason: str = ""
    comment: str = ""


def roll(klass: SchoolClass) -> list[Enrollment]:
    """The class's pupils at the end of its year: still enrolled, or left on or after the end of
    classes of its grade (the school-year transition closes every enrolment at the year's end),
    so a finished year's class still shows its pupils; those who left during the year do not."""
    year = _year(klass)
    last = (
        db.session.scalar(
            sa.select(sa.func.min(ClassesEnd.ends_on)).where(
                ClassesEnd.school_year_id == year.id,
                ClassesEnd.grade_from <= klass.grade_level,
                ClassesEnd.grade_to >= klass.grade_level,
            )
        )
        or year.ends_on
    )
    return list(
        db.session.scalars(
            sa.select(Enrollment)
            .where(
                Enrollment.class_id == klass.id,
                sa.or_(Enrollment.left_on.is_(None), Enrollment.left_on >= last),
            )
            .order_by(Enrollment.class_number)
            .options(sa.orm.joinedload(Enrollment.student))
        )
    )


def kind_of(row: PgAttendance) -> str:
    return KIND_BY_CODE[row.kind]


def is_pg(klass: SchoolClass) -> bool:
    return rules.has_section(klass.grade_level, "attendance")


def _year(klass: SchoolClass) -> SchoolYear:
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return year


def _check_class(actor: Actor, klass: SchoolClass) -> None:
    if not actor.can_manage_class(klass.id):
        raise Forbidden(msg("pg_attendance.forbidden"))
    if not is_pg(klass):
        raise Invalid(msg("pg_attendance.not_in_book"))


def day_marks(school_id: int, class_id: int, day: dt.date) -> dict[int, PgAttendance]:
    """Pupil id → the stored mark of the group's day."""
    return {
        row.student_id: row
        for row in db.session.scalars(
            sa.select(PgAttendance).where(
                PgAttendance.school_id == school_id,
                PgAttendance.class_id == class_id,
                PgAttendance.date == day,
            )
        )
    }


def shown_marks(
    stored: Mapping[int, PgAttendance], pupils: Sequence[int], day: dt.date
) -> dict[int, Mark]:
    """The day screen's marks: the stored ones; a child not yet marked whom a parent's
    confirmed note covers is offered as excused on the note (the others as present)."""
    shown = {
        sid: Mark(
            kind_of(row), row.excuse_reason.value if row.excuse_reason else "", row.excuse_comment
        )
        for sid, row in stored.items()
    }
    unmarked = [sid for sid in pupils if sid not in stored]
    for sid, note in parent_notes.confirmed_notes_on(unmarked, day).items():
        shown[sid] = Mark("excused", note.reason.value, str(msg("note.absence_comment")))
    return shown


def _check_mark(student_id: int, mark: Mark) -> dict[str, str]:
    problem = rules.attendance_problem(mark.kind, mark.reason or None, mark.comment)
    if problem is None and mark.reason and mark.reason not in rules.EXCUSE_REASONS:
        problem = ("reason", msg("pg_attendance.choose_reason"))
    if problem is None:
        return {}
    return {f"{problem[0]}_{student_id}": problem[1]}


def save_day(
    actor: Actor,
    class_id: int,
    day: str | dt.date,
    marks: Mapping[int, Mark],
    *,
    override_lock: bool = False,
) -> int:
    """Write the group's day: one mark per child of the group (a child not in ``marks`` is
    present). An unexcused day a parent's confirmed note covers is written excused on the note.
    The parents are told of a day absent (by preference, ``NotifyEvent.ABSENCE``) once: when it
    is first marked absent, not when the day is saved again; a day corrected to present
    withdraws the notice still pending. Returns how many marks were created or changed."""

    def work() -> int:
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        _check_class(actor, klass)
        date = parse_date(day, "date")
        year = _year(klass)
        check_lock(actor, year, date, override=override_lock, what="pg attendance")
        problem = school_day_problem(year, date, klass)
        if problem is not None:
            raise problem
        names = {e.student_id: e.student.first_name for e in active_enrollments(klass.id)}
        pupils = list(names)
        unknown = set(marks) - set(pupils)
        if unknown:  # another group's or another school's child
            raise Invalid(msg("common.choose_student_of_class"))
        errors: dict[str, str] = {}
        for student_id in pupils:
            errors |= _check_mark(student_id, marks.get(student_id, Mark()))
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        stored = day_marks(actor.school_id, klass.id, date)
        notes = parent_notes.confirmed_notes_on(pupils, date)
        changed = 0
        told: list[PgAttendance] = []  # first marked absent: the parents are told
        back: list[int] = []  # corrected to present: a pending notice is withdrawn
        for student_id in pupils:
            mark = marks.get(student_id, Mark())
            note = notes.get(student_id)
            values = {
                "kind": rules.ATTENDANCE_CODES[mark.kind],
                "excuse_reason": ExcuseReason(mark.reason) if mark.kind == "excused" else None,
                "excuse_comment": mark.comment.strip() if mark.kind == "excused" else "",
            }
            row = stored.get(student_id)
            was_absent = row is not None and row.kind != PRESENT
            if row is None:
                row = PgAttendance(
                    school_id=actor.school_id,
                    school_year_id=klass.school_year_id,
                    class_id=klass.id,
                    student_id=student_id,
                    date=date,
                    teacher_id=actor.staff_id,
                    **values,
                )
                if mark.kind == "unexcused" and note is not None:
                    parent_notes.excuse_pg_day(note, row)
                add_audited(actor, row)
                changed += 1
            else:
                if mark.kind == "unexcused" and note is not None:
                    values |= {
                        "kind": rules.ATTENDANCE_CODES["excused"],
                        "excuse_reason": note.reason,
                        "excuse_comment": str(msg("note.absence_comment")),
                    }
                if any(getattr(row, k) != v for k, v in values.items()):
                    update_audited(actor, row, lambda r=row, v=values: assign(r, v))
                    changed += 1
            if row.kind != PRESENT and not was_absent and note is None:
                told.append(row)
            elif row.kind == PRESENT and was_absent:
                back.append(row.id)
        outbox.cancel_for_objects("pg_attendance", back)
        outbox.enqueue_many(
            [
                outbox.Notice(
                    object_type="pg_attendance",
                    object_id=row.id,
                    student_ids=(row.student_id,),
                    event=NotifyEvent.ABSENCE,
                    payload={
                        "student": names[row.student_id],
                        "kind": kind_of(row),
                        "whole_day": True,
                        "date": date.isoformat(),
                        "date_bg": rules.format_date_bg(date),
                    },
                )
                for row in told
            ],
            school_id=actor.school_id,
        )
        # an excused day corrected to unexcused: the month's threshold (an absent day notified
        # above is checked by the outbox)
        outbox.check_thresholds(
            [(r.student_id, date) for r in stored.values() if r.kind == UNEXCUSED], actor.school_id
        )
        commit_refreshed([(sid, klass.school_year_id) for sid in pupils] if changed else [])
        return changed

    return int(atomic(work))


# --- reads ----------------------------------------------------------------------------------------
@dataclass
class MonthGrid:
    """A group's month: the days (the school days with marks, or all weekdays), per pupil the
    kind of each day and the counts."""

    days: list[dt.date]
    pupils: list[Enrollment]
    marks: dict[int, dict[dt.date, str]]
    counts: dict[int, rules.AttendanceCounts]


def month_grid(school_id: int, class_id: int, year: int, month: int) -> MonthGrid:
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    marks: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for sid, date, kind in db.session.execute(
        sa.select(PgAttendance.student_id, PgAttendance.date, PgAttendance.kind).where(
            PgAttendance.school_id == school_id,
            PgAttendance.class_id == class_id,
            PgAttendance.date.between(first, last),
        )
    ):
        marks[sid][date] = KIND_BY_CODE[kind]
    marked = {d for per in marks.values() for d in per}
    days = [
        first + dt.timedelta(days=i)
        for i in range((last - first).days + 1)
        if (first + dt.timedelta(days=i)).weekday() < 5 or first + dt.timedelta(days=i) in marked
    ]
    klass = db.session.get(SchoolClass, class_id)
    assert klass is not None
    pupils = roll(klass)
    counts = {e.student_id: rules.attendance_counts(marks[e.student_id].values()) for e in pupils}
    return MonthGrid(days, pupils, dict(marks), counts)


def unexcused_days(
    school_id: int,
    year_id: int,
    student_ids: Sequence[int],
    until: dt.date | None = None,
) -> dict[int, int]:
    """Pupil id → unexcused days of the year's daily attendance up to ``until`` (today): what
    the dropout risk counts (more than 3)."""
    last = until or clock.today()
    out: dict[int, int] = {}
    ids = list(student_ids)
    for start in range(0, len(ids), 500):
        for sid, count in db.session.execute(
            sa.select(PgAttendance.student_id, sa.func.count())
            .where(
                PgAttendance.school_id == school_id,
                PgAttendance.school_year_id == year_id,
                PgAttendance.student_id.in_(ids[start : start + 500]),
                PgAttendance.kind == rules.ATTENDANCE_CODES["unexcused"],
                PgAttendance.date <= last,
            )
            .group_by(PgAttendance.student_id)
        ):
            out[sid] = count
    return out


def child_attendance(school_id: int, student_id: int, year_id: int) -> dict[str, Any]:
    """The portal's view of one child's daily attendance: the year's counts and every absent day
    (newest first) with its reason."""
    rows = list(
        db.session.scalars(
            sa.select(PgAttendance)
            .where(
                PgAttendance.school_id == school_id,
                PgAttendance.school_year_id == year_id,
                PgAttendance.student_id == student_id,
            )
            .order_by(PgAttendance.date.desc())
        )
    )
    return {
        "counts": rules.attendance_counts(kind_of(r) for r in rows),
        "absent": [
            {
                "date": r.date,
                "kind": kind_of(r),
                "reason": rules.EXCUSE_REASONS.get(r.excuse_reason.value, "")
                if r.excuse_reason
                else "",
            }
            for r in rows
            if kind_of(r) != "present"
        ],
    }
