"""The tests schedule (график на контролните и класните работи): planning a контролна or класна
of one curriculum row, moving it, calling it off, and the schedule of a class or a teacher.

A test is planned by the curriculum row's teacher or an admin, weeks ahead (the future lock of
the diary does not apply to planning; the month lock does, for tests dated in a past month). It
falls on a school day of its class on which the subject is in the timetable, in one of that day's
lessons of the subject when a period is given, and keeps the law's limits (``rules.exam_problem``,
Наредба № 11/2016). Planned tests are the one source of tests for the portal, the calendar feed
and the phone line (events no longer carry tests). Parents are told of a new or moved test by
their preference ``NotifyEvent.EXAM``; a test called off withdraws what is pending and tells those
already told. A grade of kind контролна/класна of the same curriculum row and date links to the
test (``gradebook.grades.planned_exam_id``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from gradebook.core import LOCK_BG
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import Locked
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import check_fields
from gradebook.core import check_version
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import delete_with_reason
from gradebook.core import edit_with_reason
from gradebook.core import get_in_school
from gradebook.core import optional_text
from gradebook.core import parse_choice
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.lessons import slot_runs_on
from gradebook.messages import msg
from gradebook.timetable import non_school_day
from gradebook.timetable import school_day_problem
from models import ClassesEnd
from models import Curriculum
from models import Enrollment
from models import Exam
from models import ExamKind
from models import Grade
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import TimetableSlot
from models import db
from notify import outbox

OBJECT_TYPE = "exam"


def exam_label(kind: str, subject: str) -> str:
    """ "контролна работа по математика" (``rules.exam_title``)."""
    return rules.exam_title(kind, subject)


def _check_writer(actor: Actor, curriculum: Curriculum) -> None:
    if not actor.can_write_grades(curriculum):
        raise Forbidden(msg("exam.forbidden"))


def _check_month_lock(year: SchoolYear, day: dt.date) -> None:
    """Planning ahead is the point: only the month lock applies (a test of a locked month)."""
    if not year.starts_on <= day <= year.ends_on:
        raise Invalid(msg("date.outside_year"), {"date": msg("date.outside_year")})
    reason = rules.entry_locked(day, clock.today(), year.month_lock_day, False)
    if reason is not None:
        raise Locked(LOCK_BG[reason], {"date": LOCK_BG[reason]})


def _term_last_school_day(year: SchoolYear, klass: SchoolClass, day: dt.date) -> dt.date:
    """The last school day of ``day``'s term for this class: before the second term starts, or
    the end of classes of the class's grade level (else the year's end); weekends and the
    year's non-school days skipped."""
    if year.term_of(day) == 1:
        last = year.term2_starts_on - dt.timedelta(days=1)
    else:
        last = (
            db.session.scalar(
                sa.select(ClassesEnd.ends_on).where(
                    ClassesEnd.school_year_id == year.id,
                    ClassesEnd.grade_from <= klass.grade_level,
                    ClassesEnd.grade_to >= klass.grade_level,
                )
            )
            or year.ends_on
        )
    for _ in range(60):  # at most a winter break and a weekend back
        if last.isoweekday() <= 5 and non_school_day(year, last, klass.grade_level) is None:
            break
        last -= dt.timedelta(days=1)
    return last


def _check_in_timetable(
    year: SchoolYear, curriculum: Curriculum, day: dt.date, period: int | None
) -> None:
    """The subject is taught to the class that day (in that period when one is given)."""
    slots = [
        s
        for s in db.session.scalars(
            sa.select(TimetableSlot).where(
                TimetableSlot.curriculum_id == curriculum.id,
                TimetableSlot.weekday == day.isoweekday(),
            )
        )
        if slot_runs_on(s, year, day)
    ]
    subject = curriculum.subject.name
    class_name = curriculum.school_class.name
    date_bg = rules.format_date_bg(day)
    if not slots:
        raise Invalid(
            msg(
                "exam.not_in_timetable",
                subject=subject,
                class_name=class_name,
                weekday=rules.WEEKDAYS_BG[day.isoweekday() - 1],
                date=date_bg,
            ),
            {"date": msg("exam.no_lesson")},
        )
    if period is not None and period not in {s.period for s in slots}:
        periods = ", ".join(f"{p}." for p in sorted({s.period for s in slots}))
        raise Invalid(
            msg(
                "exam.period_not_in_timetable",
                period=period,
                periods=periods,
                subject=subject,
                class_name=class_name,
                date=date_bg,
            ),
            {"period": msg("exam.period_field", periods=periods)},
        )


def _check_limits(
    year: SchoolYear, curriculum: Curriculum, kind: str, day: dt.date, exam_id: int | None
) -> None:
    klass = curriculum.school_class
    monday = rules.week_start(day)
    existing = [
        rules.PlannedExam(e.id, e.class_id, e.date, e.kind.value, exam_label(e.kind.value, name))
        for e, name in db.session.execute(
            sa.select(Exam, Subject.name)
            .join(Subject, Subject.id == Exam.subject_id)
            .where(
                Exam.class_id == klass.id,
                Exam.date >= monday,
                Exam.date <= monday + dt.timedelta(days=6),
            )
        )
    ]
    problem = rules.exam_problem(
        rules.PlannedExam(exam_id, klass.id, day, kind),
        existing,
        class_name=klass.name,
        term_last_school_day=_term_last_school_day(year, klass, day),
    )
    if problem is not None:
        raise Invalid(problem.message_bg, {"date": problem.message_bg})


def _read(
    year: SchoolYear,
    curriculum: Curriculum,
    kind: str | None,
    date: str | dt.date,
    period: str | int | None,
    description: str,
) -> tuple[ExamKind | None, dt.date, int | None, str]:
    """The form's fields, every wrong one reported at once; then the school day, the timetable
    and the month lock."""
    errors: dict[str, str] = {}
    the_kind = None
    if kind is not None:
        the_kind = read_field(
            errors, lambda: parse_choice(ExamKind, kind, "kind", msg("exam.choose_kind"))
        )
    day = read_field(errors, lambda: parse_date(date))
    the_period: int | None = None
    text = str(period if period is not None else "").strip()
    if text:
        if text.isdigit() and 0 <= int(text) <= 15:
            the_period = int(text)
        else:
            errors["period"] = msg("exam.period_invalid")
    the_description = optional_text(errors, description, 1000, "description")
    check_fields(errors)
    assert day is not None
    _check_month_lock(year, day)
    problem = school_day_problem(year, day, curriculum.school_class)
    if problem is not None:
        raise problem
    _check_in_timetable(year, curriculum, day, the_period)
    return the_kind, day, the_period, the_description


def _class_students(class_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id == class_id, Enrollment.left_on.is_(None)
            )
        )
    )


def _payload(exam: Exam, subject: str) -> dict[str, Any]:
    return {
        "kind": exam.kind.value,
        "title": exam_label(exam.kind.value, subject),
        "subject": subject,
        "date": exam.date.isoformat(),
        "period": exam.period,
        "description": exam.description,
    }


def _link_grades(exam: Exam) -> None:
    """The grades of this test's kind, curriculum row and date belong to it; grades that no
    longer match (the test moved) are let go."""
    db.session.execute(
        sa.update(Grade)
        .where(Grade.exam_id == exam.id)
        .values(exam_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Grade)
        .where(
            Grade.curriculum_id == exam.curriculum_id,
            Grade.date == exam.date,
            Grade.kind == rules.GRADE_KIND_OF_EXAM[exam.kind.value],
            Grade.exam_id.is_(None),
        )
        .values(exam_id=exam.id)
        .execution_options(synchronize_session=False)
    )


def save_exam(
    actor: Actor,
    *,
    curriculum_id: int,
    kind: str | None,
    date: str | dt.date,
    period: str | int | None = None,
    description: str = "",
    exam_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> Exam:
    """Plan a test (no ``exam_id``) or move/describe a planned one (with its version and a
    reason; its kind stays, as in the Ministry's diary)."""

    def work() -> Exam:
        year = current_year(actor.school_id)
        if exam_id is None:
            curriculum = get_in_school(Curriculum, curriculum_id, actor.school_id)
        else:
            existing = get_in_school(Exam, exam_id, actor.school_id)
            curriculum = existing.curriculum
        _check_writer(actor, curriculum)
        if curriculum.school_class.school_year_id != year.id:
            raise Invalid(msg("exam.not_this_year"))
        if exam_id is None:
            the_kind, day, the_period, text = _read(
                year, curriculum, kind or "", date, period, description
            )
            assert the_kind is not None
            _check_limits(year, curriculum, the_kind.value, day, None)
            exam = add_audited(
                actor,
                Exam(
                    school_id=actor.school_id,
                    school_year_id=year.id,
                    class_id=curriculum.class_id,
                    curriculum_id=curriculum.id,
                    subject_id=curriculum.subject_id,
                    kind=the_kind,
                    date=day,
                    period=the_period,
                    description=text,
                    author_id=actor.staff_id,
                ),
            )
        else:
            exam = existing
            if kind and kind != exam.kind.value:
                raise Invalid(msg("exam.kind_fixed"), {"kind": msg("exam.kind_fixed")})
            check_version(exam, version)
            _check_month_lock(year, exam.date)
            _, day, the_period, text = _read(year, curriculum, None, date, period, description)
            _check_limits(year, curriculum, exam.kind.value, day, exam.id)

            def change() -> None:
                exam.date, exam.period, exam.description = day, the_period, text

            edit_with_reason(actor, exam, version=version, reason=reason, change=change)
        _link_grades(exam)
        students = _class_students(exam.class_id)
        if exam.date >= clock.today():
            outbox.enqueue_for_students(
                students,
                NotifyEvent.EXAM,
                school_id=actor.school_id,
                object_type=OBJECT_TYPE,
                object_id=exam.id,
                payload=_payload(exam, curriculum.subject.name),
                supersede=exam_id is not None,
            )
        commit_refreshed((sid, year.id) for sid in students)
        return exam

    return atomic(work)


def delete_exam(
    actor: Actor, exam_id: int, *, reason: str, version: int | str | None = None
) -> None:
    """Call a planned test off, with a reason (audited): its grades stay, unlinked; pending
    notices are withdrawn and the parents already told are told it is off."""

    def check(exam: Exam) -> None:
        _check_writer(actor, exam.curriculum)
        year = db.session.get(SchoolYear, exam.school_year_id)
        assert year is not None
        _check_month_lock(year, exam.date)

    def withdraw(exam: Exam, _none: None, why: str) -> list[tuple[int, int]]:
        db.session.execute(
            sa.update(Grade)
            .where(Grade.exam_id == exam.id)
            .values(exam_id=None)
            .execution_options(synchronize_session=False)
        )
        outbox.cancel_for_object(OBJECT_TYPE, exam.id)
        students = _class_students(exam.class_id)
        told = db.session.scalar(
            sa.select(NotificationOutbox.id)
            .where(
                NotificationOutbox.object_type == OBJECT_TYPE,
                NotificationOutbox.object_id == exam.id,
                NotificationOutbox.status.in_(
                    (
                        OutboxStatus.SENT,
                        OutboxStatus.SENDING,
                        OutboxStatus.UNKNOWN,
                        OutboxStatus.DIGESTED,
                    )
                ),
            )
            .limit(1)
        )
        if told is not None and exam.date >= clock.today():
            outbox.enqueue_for_students(
                students,
                NotifyEvent.EXAM,
                school_id=actor.school_id,
                object_type=f"{OBJECT_TYPE}-off",
                object_id=exam.id,
                payload={
                    **_payload(exam, exam.subject.name),
                    "cancelled": True,
                    "description": why,
                },
            )
        return [(sid, exam.school_year_id) for sid in students]

    delete_with_reason(
        actor, Exam, exam_id, reason=reason, check=check, withdraw=withdraw, version=version
    )


# --- reading the schedule -------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduledExam:
    id: int
    version: int
    class_id: int
    class_name: str
    curriculum_id: int
    subject: str
    kind: str
    kind_label: str
    code: int
    date: dt.date
    period: int | None
    description: str
    teacher_id: int | None
    grades: int
    can_edit: bool


def _rows(actor: Actor, where: list[Any]) -> list[ScheduledExam]:
    rows = list(
        db.session.execute(
            sa.select(Exam, Subject.name, SchoolClass.name, Curriculum)
            .join(Subject, Subject.id == Exam.subject_id)
            .join(SchoolClass, SchoolClass.id == Exam.class_id)
            .join(Curriculum, Curriculum.id == Exam.curriculum_id)
            .where(Exam.school_id == actor.school_id, *where)
            .order_by(Exam.date, Exam.period, SchoolClass.name)
        )
    )
    ids = [r[0].id for r in rows]
    counts: dict[int, int] = defaultdict(int)
    if ids:
        for exam_id, count in db.session.execute(
            sa.select(Grade.exam_id, sa.func.count(Grade.id))
            .where(Grade.school_id == actor.school_id, Grade.exam_id.in_(ids))
            .group_by(Grade.exam_id)
        ):
            counts[exam_id] = count
    return [
        ScheduledExam(
            id=e.id,
            version=e.version,
            class_id=e.class_id,
            class_name=class_name,
            curriculum_id=e.curriculum_id,
            subject=subject,
            kind=e.kind.value,
            kind_label=rules.EXAM_KIND_BG[e.kind.value],
            code=e.kind.code,
            date=e.date,
            period=e.period,
            description=e.description,
            teacher_id=curriculum.teacher_id,
            grades=counts[e.id],
            can_edit=actor.can_write_grades(curriculum),
        )
        for e, subject, class_name, curriculum in rows
    ]


def class_schedule(
    actor: Actor, class_id: int, start: dt.date, end: dt.date
) -> tuple[SchoolClass, list[ScheduledExam]]:
    """The whole class's tests from ``start`` to ``end``: its class teacher, its teachers and
    admins see it."""
    klass = get_in_school(SchoolClass, class_id, actor.school_id)
    if not actor.can_view_class(klass.id):
        raise Forbidden(msg("exam.class_forbidden"))
    return klass, _rows(actor, [Exam.class_id == klass.id, Exam.date >= start, Exam.date <= end])


def teacher_schedule(actor: Actor, start: dt.date, end: dt.date) -> list[ScheduledExam]:
    """The tests of the actor's own curriculum rows (all the school's for an admin)."""
    where: list[Any] = [Exam.date >= start, Exam.date <= end]
    if not actor.is_admin:
        where.append(Exam.curriculum_id.in_(actor.curriculum_ids or {-1}))
    return _rows(actor, where)


def get_exam(actor: Actor, exam_id: int) -> ScheduledExam:
    """One planned test that the actor may change (its edit page)."""
    exam = get_in_school(Exam, exam_id, actor.school_id)
    _check_writer(actor, exam.curriculum)
    return _rows(actor, [Exam.id == exam.id])[0]


def writable_curricula(actor: Actor) -> list[tuple[int, str]]:
    """The curriculum rows of the current year the actor may plan tests for, as (id, label)."""
    year = current_year(actor.school_id)
    query = (
        sa.select(Curriculum.id, SchoolClass.name, Subject.name, Curriculum.group_name)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(
            Curriculum.school_id == actor.school_id,
            SchoolClass.school_year_id == year.id,
            SchoolClass.grade_level >= 1,
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name, Subject.name)
    )
    if not actor.is_admin:
        query = query.where(Curriculum.id.in_(actor.curriculum_ids or {-1}))
    return [
        (cid, f"{cname} — {sname}" + (f" ({group})" if group else ""))
        for cid, cname, sname, group in db.session.execute(query)
    ]
