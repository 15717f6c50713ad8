"""Absences and lates: the lesson register (who was absent or late in one lesson), excusing
a range of days with a reason from the legal list, the unexcused count and deleting an absence.
How a late counts (½) and the monthly thresholds are pure rules in :mod:`gradebook.rules`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from gradebook import lesson_cover
from gradebook import parent_notes
from gradebook import rules
from gradebook import summary
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import active_enrollments
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import cancel_notices
from gradebook.core import check_lock
from gradebook.core import check_manager_or_author
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import get_in_school
from gradebook.core import parse_choice
from gradebook.core import parse_date
from gradebook.core import snapshot
from gradebook.core import student_class
from gradebook.messages import msg
from gradebook.timetable import school_day_problem
from models import Absence
from models import AbsenceKind
from models import ExcuseReason
from models import NotifyEvent
from models import SchoolYear
from models import TimetableSlot
from models import db
from notify import outbox


def can_take_register(actor: Actor, slot: TimetableSlot, day: dt.date | None = None) -> bool:
    """Who takes the register of ``slot`` (on ``day``): its teacher, the class teacher, an admin.

    With a day, an absence of the slot's teacher decides (``gradebook.lesson_cover``): a free
    hour is not held, so nobody takes its register; the substitute of that lesson does; the
    absent teacher does not (the class book records who taught), unless an admin."""
    regular = (
        actor.can_manage_class(slot.class_id)
        or slot.curriculum_id in actor.curriculum_ids
        or slot.teacher_id == actor.staff_id
    )
    if day is None:
        return regular
    cover = lesson_cover.cover_of(slot, day)
    if cover is None:
        return regular
    if not cover.held:
        return False
    if cover.substitute_id is not None and cover.substitute_id == actor.staff_id:
        return True
    if cover.absent_teacher_id == actor.staff_id and not actor.is_admin:
        return False
    return regular


LESSON_MARKS = {"absent": AbsenceKind.UNEXCUSED, "late": AbsenceKind.LATE}


def save_lesson_absences(
    actor: Actor,
    slot_id: int,
    *,
    date: str | dt.date,
    marks: Mapping[int, str],
    override_lock: bool = False,
) -> dict[str, int]:
    """The register of one lesson: ``marks`` maps student id → "absent" / "late" / "" (present).

    Every student of the class not in ``marks`` counts as present. New marks are created,
    changed marks updated (an excused absence stays excused), marks taken back deleted (and their
    pending notifications cancelled). Returns counts {"created", "updated", "deleted"}."""

    def work() -> dict[str, int]:
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        klass = slot.school_class
        try:
            day = parse_date(date)
        except Invalid:
            if not can_take_register(actor, slot):
                raise Forbidden(msg("absence.forbidden")) from None
            raise
        if not can_take_register(actor, slot, day):
            cover = lesson_cover.cover_of(slot, day)
            if cover is not None and not cover.held and can_take_register(actor, slot):
                raise Invalid(msg("substitution.free_hour_no_register"))
            raise Forbidden(msg("absence.forbidden"))
        if day.isoweekday() != slot.weekday:
            raise Invalid(
                msg("absence.slot_not_on_day"),
                {"date": msg("absence.weekday_mismatch")},
            )
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, override=override_lock, what="lesson absences")
        problem = school_day_problem(year, day, klass)
        if problem is not None:
            raise problem
        term = year.term_of(day)
        if slot.term is not None and slot.term != term:
            raise Invalid(msg("absence.slot_other_term"), {"date": msg("absence.other_term_field")})
        students = {e.student_id: e.student for e in active_enrollments(klass.id)}
        wanted: dict[int, AbsenceKind] = {}
        for student_id, mark in marks.items():
            if student_id not in students:
                raise NotFound(msg("student.not_in_class"))
            if mark in LESSON_MARKS:
                wanted[student_id] = LESSON_MARKS[mark]
            elif mark not in ("", "present", None):
                raise Invalid(
                    msg("absence.unknown_mark"), {f"a{student_id}": msg("absence.unknown_mark")}
                )
        existing = {
            a.student_id: a
            for a in db.session.scalars(
                sa.select(Absence).where(
                    Absence.student_id.in_(list(students)),
                    Absence.date == day,
                    Absence.period == slot.period,
                )
            )
        }
        counts = {"created": 0, "updated": 0, "deleted": 0}
        notify: list[Absence] = []
        taken_back: list[int] = []
        created: list[Absence] = []
        for student_id in students:
            old = existing.get(student_id)
            new_kind = wanted.get(student_id)
            if old is None and new_kind is None:
                continue
            if old is None:
                created.append(
                    Absence(
                        school_id=actor.school_id,
                        school_year_id=year.id,
                        student_id=student_id,
                        date=day,
                        period=slot.period,
                        term=term,
                        subject_id=slot.subject_id,
                        curriculum_id=slot.curriculum_id,
                        kind=new_kind,
                        teacher_id=actor.staff_id,
                    )
                )
            elif new_kind is None:
                audit(actor, "delete", old, before=snapshot(old), after=None, reason="present")
                taken_back.append(old.id)
                db.session.delete(old)
                counts["deleted"] += 1
            elif old.kind == AbsenceKind.EXCUSED and new_kind == AbsenceKind.UNEXCUSED:
                continue  # already excused: the register does not undo an excuse
            elif old.kind != new_kind:
                before = snapshot(old)
                old.kind = new_kind
                old.excuse_reason = None
                db.session.flush()
                audit(actor, "update", old, before=before, after=snapshot(old))
                notify.append(old)
                counts["updated"] += 1
        # the new marks: a confirmed parent's note covering the lesson excuses an absence as it
        # is written (one query for the register), then the rows and their audit entries in one
        # batch each
        covered = parent_notes.excuse_all_covered(
            [a for a in created if a.kind == AbsenceKind.UNEXCUSED]
        )
        db.session.add_all(created)
        db.session.flush()
        for absence in created:
            audit(actor, "create", absence, before=None, after=snapshot(absence))
            if absence.student_id not in covered:
                notify.append(absence)
        counts["created"] = len(created)
        db.session.flush()
        outbox.cancel_for_objects("absence", taken_back)
        subject_name = slot.subject.name
        outbox.enqueue_many(
            [
                outbox.Notice(
                    object_type="absence",
                    object_id=absence.id,
                    student_ids=(absence.student_id,),
                    event=(
                        NotifyEvent.LATE
                        if absence.kind == AbsenceKind.LATE
                        else NotifyEvent.ABSENCE
                    ),
                    payload={
                        "student": students[absence.student_id].first_name,
                        "subject": subject_name,
                        "kind": absence.kind.value,
                        "period": absence.period,
                        "date": day.isoformat(),
                        "date_bg": rules.format_date_bg(day),
                    },
                )
                for absence in notify
            ],
            school_id=actor.school_id,
        )
        commit_refreshed(
            ((sid, year.id) for sid in set(wanted) | set(existing)), [summary.ABSENCES]
        )
        return counts

    return atomic(work)


def excuse_absences(
    actor: Actor,
    absence_ids: Iterable[int],
    *,
    reason: str,
    comment: str = "",
    override_lock: bool = False,
) -> int:
    """Excuse several absences at once (e.g. a whole sick week): class teacher or admin."""

    def work() -> int:
        ids = sorted({int(i) for i in absence_ids})
        if not ids:
            raise Invalid(msg("absence.choose"), {"absences": msg("absence.choose_field")})
        why = parse_choice(
            ExcuseReason,
            reason,
            "reason",
            msg("absence.choose_reason_field"),
            msg("absence.choose_reason"),
        )
        absences = []
        for absence_id in ids:
            absence = get_in_school(Absence, absence_id, actor.school_id)
            klass = student_class(absence.student_id)
            if klass is None or not actor.can_manage_class(klass.id):
                raise Forbidden(msg("absence.excuse_forbidden"))
            if absence.kind == AbsenceKind.LATE:
                raise Invalid(
                    msg("absence.late_not_excused"), {"absences": msg("absence.late_not_excused")}
                )
            absences.append(absence)
        touched: set[tuple[int, int]] = set()
        for absence in absences:
            year = db.session.get(SchoolYear, absence.school_year_id)
            assert year is not None
            check_lock(actor, year, absence.date, override=override_lock, what="excuse")
            before = snapshot(absence)
            absence.kind = AbsenceKind.EXCUSED
            absence.excuse_reason = why
            absence.excuse_comment = (comment or "")[:500]
            absence.excused_by_parent = False
            db.session.flush()
            audit(actor, "update", absence, before=before, after=snapshot(absence), reason="excuse")
            touched.add((absence.student_id, year.id))
        outbox.cancel_for_objects("absence", [a.id for a in absences])
        commit_refreshed(touched, [summary.ABSENCES])
        return len(absences)

    return atomic(work)


def unexcused_between(
    actor: Actor, class_id: int, student_id: int, date_from: Any, date_to: Any
) -> list[int]:
    """Ids of a pupil's unexcused absences in a date range (a sick week), for excusing at once.
    Only the class teacher or an admin; the pupil must be in the class."""
    if not actor.can_manage_class(class_id):
        raise Forbidden(msg("absence.excuse_forbidden"))
    if student_id not in {e.student_id for e in active_enrollments(class_id)}:
        raise Invalid(
            msg("common.choose_student"), {"student_id": msg("common.choose_student_of_class")}
        )
    start = parse_date(date_from, "date_from")
    end = parse_date(date_to or date_from, "date_to")
    if end < start:
        raise Invalid(msg("date.end_before_start"), {"date_to": msg("date.end_before_start")})
    ids = list(
        db.session.scalars(
            sa.select(Absence.id).where(
                Absence.school_id == actor.school_id,
                Absence.student_id == student_id,
                Absence.kind == AbsenceKind.UNEXCUSED,
                Absence.date >= start,
                Absence.date <= end,
            )
        )
    )
    if not ids:
        raise Invalid(
            msg("absence.none_unexcused"),
            {"date_from": msg("absence.none_unexcused")},
        )
    return ids


def delete_absence(
    actor: Actor, absence_id: int, *, version: int | str | None, reason: str
) -> None:
    delete_with_reason(
        actor,
        Absence,
        absence_id,
        reason=reason,
        version=version,
        check=lambda absence: check_manager_or_author(
            actor, absence, msg("absence.delete_forbidden")
        ),
        withdraw=lambda absence, _none, _why: cancel_notices(
            "absence", absence, absence.student_id, absence.school_year_id
        ),
        lock_what="absence delete",
        refresh_parts=[summary.ABSENCES],
    )
