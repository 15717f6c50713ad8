"""Support (обща и допълнителна подкрепа) for a pupil and individual work with a pupil.

As sensitive as a health note (docs/SECURITY.md): written and read by the pupil's class teacher
and the school's admins, plus the members of the pupil's support team — the Ministry's class book
lets "book admins" create a support and its team members edit it (``SB.Api`` ``SupportsController``:
``ClassBookAdminAccess`` to create, ``SupportAccess`` to change); never by other teachers. The
difficulties (1–6) and activities (1–22) are the Ministry's codes (:mod:`gradebook.rules`).
Every write is audited; an activity's or an individual work's date respects the entry locks.
No notice is sent (the parents see it on the child's page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping

import sqlalchemy as sa

from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import add_audited
from gradebook.core import assign
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import edit_with_reason
from gradebook.core import get_in_school
from gradebook.core import get_of_student
from gradebook.core import optional_text
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.core import reason_required
from gradebook.core import snapshot
from gradebook.core import student_class
from gradebook.core import student_in_school
from gradebook.messages import msg
from models import IndividualWork
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffUser
from models import SupportActivity
from models import SupportMeasure
from models import SupportTeamMember
from models import db


# --- who may -------------------------------------------------------------------------------------
def on_team(actor: Actor, student_id: int) -> bool:
    """The actor is on a support team of this pupil (in the actor's school)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SupportMeasure)
            .join(SupportTeamMember, SupportTeamMember.support_id == SupportMeasure.id)
            .where(
                SupportMeasure.school_id == actor.school_id,
                SupportMeasure.student_id == student_id,
                SupportTeamMember.staff_id == actor.staff_id,
            )
        )
        or 0
    ) > 0


def is_team_member(staff_id: int, school_id: int) -> bool:
    """The staff member is on some support team of this school (the navigation's link)."""
    return (
        db.session.scalar(
            sa.select(SupportTeamMember.support_id)
            .join(SupportMeasure, SupportMeasure.id == SupportTeamMember.support_id)
            .where(SupportTeamMember.staff_id == staff_id, SupportMeasure.school_id == school_id)
            .limit(1)
        )
        is not None
    )


def my_measures(actor: Actor) -> list[SupportMeasure]:
    """The support measures of the actor's school whose team the actor is on."""
    return list(
        db.session.scalars(
            sa.select(SupportMeasure)
            .join(SupportTeamMember, SupportTeamMember.support_id == SupportMeasure.id)
            .where(
                SupportMeasure.school_id == actor.school_id,
                SupportTeamMember.staff_id == actor.staff_id,
            )
            .order_by(SupportMeasure.start_date.desc(), SupportMeasure.id)
        )
    )


def can_see_support(actor: Actor, student_id: int, class_id: int | None) -> bool:
    """The class teacher of the pupil's class, an admin, or a member of the pupil's support team."""
    if class_id is not None and actor.can_manage_class(class_id):
        return True
    return on_team(actor, student_id)


def _require_see(actor: Actor, student_id: int, class_id: int | None) -> None:
    if not can_see_support(actor, student_id, class_id):
        raise Forbidden(msg("support.forbidden"))


def _year(class_id: int) -> SchoolYear:
    klass = db.session.get(SchoolClass, class_id)
    assert klass is not None
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return year


def _codes(raw: Iterable[int | str], table: Mapping[int, str], name: str) -> list[int]:
    codes: list[int] = []
    for value in raw:
        try:
            code = int(value)
        except (TypeError, ValueError):
            raise Invalid(
                msg("support.unknown_code"), {name: msg("support.unknown_code")}
            ) from None
        if code not in table:
            raise Invalid(msg("support.unknown_code"), {name: msg("support.unknown_code")})
        if code not in codes:
            codes.append(code)
    return sorted(codes)


def _team(actor: Actor, raw: Iterable[int | str]) -> list[StaffUser]:
    ids: set[int] = set()
    for value in raw:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise Invalid(
                msg("support.unknown_staff"), {"team": msg("support.unknown_staff")}
            ) from None
    if not ids:
        raise Invalid(msg("support.team_required"), {"team": msg("support.team_required")})
    members = set(
        db.session.scalars(
            sa.select(StaffMembership.staff_id).where(
                StaffMembership.school_id == actor.school_id, StaffMembership.staff_id.in_(ids)
            )
        )
    )
    if members != ids:  # another school's staff, or no one
        raise Invalid(msg("support.unknown_staff"), {"team": msg("support.unknown_staff")})
    return list(
        db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids)).order_by(StaffUser.id))
    )


# --- support measures ----------------------------------------------------------------------------
def save_support(
    actor: Actor,
    *,
    student_id: int,
    difficulties: Iterable[int | str],
    team: Iterable[int | str],
    start_date: str | dt.date,
    end_date: str | dt.date,
    additional: bool = False,
    description: str = "",
    expected_result: str = "",
    support_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> SupportMeasure:
    """A new support measure (class teacher or admin), or its correction with a reason (also a
    member of its team)."""

    def work() -> SupportMeasure:
        student, klass = student_in_school(actor, student_id)
        if not rules.has_support(klass.grade_level):
            raise Invalid(msg("support.not_in_book"))
        errors: dict[str, str] = {}
        codes = read_field(
            errors, lambda: _codes(difficulties, rules.SUPPORT_DIFFICULTIES, "difficulties")
        )
        if codes == []:
            errors["difficulties"] = msg("support.difficulty_required")
        members = read_field(errors, lambda: _team(actor, team))
        start = read_field(errors, lambda: parse_date(start_date, "start_date"))
        end = read_field(errors, lambda: parse_date(end_date, "end_date"))
        if start and end and end < start:
            errors["end_date"] = msg("date.end_before_start")
        text = optional_text(errors, description, 4000, "description")
        expected = optional_text(errors, expected_result, 4000, "expected_result")
        check_fields(errors)
        assert members is not None
        values = {
            "additional": bool(additional),
            "difficulties": codes,
            "start_date": start,
            "end_date": end,
            "description": text,
            "expected_result": expected,
        }
        if support_id is None:
            if not actor.can_manage_class(klass.id):
                raise Forbidden(msg("support.forbidden"))
            row = SupportMeasure(
                school_id=actor.school_id,
                school_year_id=klass.school_year_id,
                class_id=klass.id,
                student_id=student.id,
                author_id=actor.staff_id,
                **values,
            )
            row.team = members
            add_audited(actor, row, after={**snapshot_of(row)})
        else:
            row = get_of_student(SupportMeasure, support_id, actor, student.id)
            if not (
                actor.can_manage_class(row.class_id) or actor.staff_id in {m.id for m in row.team}
            ):
                raise Forbidden(msg("support.forbidden"))

            def change() -> None:
                assign(row, values)
                row.team = members

            edit_with_reason(actor, row, version=version, reason=reason, change=change)
        commit_refreshed()
        return row

    return atomic(work)


def snapshot_of(row: SupportMeasure) -> dict[str, object]:
    """The audit picture of a support measure: its columns and its team's ids."""
    return {**snapshot(row), "team": sorted(m.id for m in row.team)}


def delete_support(
    actor: Actor, support_id: int, *, version: int | str | None, reason: str
) -> None:
    def check(row: SupportMeasure) -> SupportMeasure:
        if not actor.can_manage_class(row.class_id):
            raise Forbidden(msg("support.forbidden"))
        return row

    delete_with_reason(
        actor,
        SupportMeasure,
        support_id,
        reason=reason,
        version=version,
        check=check,
        withdraw=lambda row, _c, _why: [],
    )


def add_activity(
    actor: Actor,
    support_id: int,
    *,
    activity_type: int | str,
    target: str = "",
    result: str = "",
    date: str | dt.date | None = None,
    override_lock: bool = False,
) -> SupportActivity:
    """An activity of a support measure (code 1–22): the class teacher, an admin or the team."""

    def work() -> SupportActivity:
        support = get_in_school(SupportMeasure, support_id, actor.school_id)
        if not (
            actor.can_manage_class(support.class_id)
            or actor.staff_id in {m.id for m in support.team}
        ):
            raise Forbidden(msg("support.forbidden"))
        errors: dict[str, str] = {}
        code = read_field(
            errors, lambda: _codes([activity_type], rules.SUPPORT_ACTIVITIES, "activity_type")
        )
        aim = optional_text(errors, target, 2000, "target")
        outcome = optional_text(errors, result, 2000, "result")
        day = None
        if date not in (None, ""):
            day = read_field(errors, lambda: parse_date(date, "date"))
        check_fields(errors)
        assert code
        if day is not None:
            check_lock(actor, _year(support.class_id), day, override=override_lock, what="support")
        row = SupportActivity(
            school_id=actor.school_id,
            support_id=support.id,
            activity_type=code[0],
            target=aim,
            result=outcome,
            date=day,
        )
        db.session.add(row)
        db.session.flush()
        audit(actor, "create", row, before=None, after=snapshot(row), student_id=support.student_id)
        commit_refreshed()
        return row

    return atomic(work)


def delete_activity(actor: Actor, activity_id: int, *, reason: str) -> None:
    def work() -> None:
        row = get_in_school(SupportActivity, activity_id, actor.school_id)
        support = row.support
        if not (
            actor.can_manage_class(support.class_id)
            or actor.staff_id in {m.id for m in support.team}
        ):
            raise Forbidden(msg("support.forbidden"))
        why = reason_required(reason)
        audit(
            actor,
            "delete",
            row,
            before=snapshot(row),
            after=None,
            reason=why,
            student_id=support.student_id,
        )
        db.session.delete(row)
        commit_refreshed()

    atomic(work)


def supports_of(school_id: int, student_id: int) -> list[SupportMeasure]:
    return list(
        db.session.scalars(
            sa.select(SupportMeasure)
            .where(SupportMeasure.school_id == school_id, SupportMeasure.student_id == student_id)
            .order_by(SupportMeasure.start_date.desc(), SupportMeasure.id.desc())
        )
    )


# --- individual work -----------------------------------------------------------------------------
def save_individual_work(
    actor: Actor,
    *,
    student_id: int,
    date: str | dt.date,
    activity: str,
    work_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
    override_lock: bool = False,
) -> IndividualWork:
    """Individual work with a pupil: written by the class teacher, an admin or a member of the
    pupil's support team (the teacher who did it); corrected with a reason."""

    def work() -> IndividualWork:
        student, klass = student_in_school(actor, student_id)
        _require_see(actor, student.id, klass.id)
        if not rules.has_support(klass.grade_level):
            raise Invalid(msg("support.not_in_book"))
        errors: dict[str, str] = {}
        day = read_field(errors, lambda: parse_date(date, "date"))
        text = read_field(errors, lambda: clean_text(activity, 2000, "activity"))
        check_fields(errors)
        assert day is not None
        check_lock(actor, _year(klass.id), day, override=override_lock, what="individual work")
        values = {"date": day, "activity": text}
        if work_id is None:
            row = add_audited(
                actor,
                IndividualWork(
                    school_id=actor.school_id,
                    school_year_id=klass.school_year_id,
                    class_id=klass.id,
                    student_id=student.id,
                    teacher_id=actor.staff_id,
                    **values,
                ),
            )
        else:
            row = get_of_student(IndividualWork, work_id, actor, student.id)
            edit_with_reason(
                actor, row, version=version, reason=reason, change=lambda: assign(row, values)
            )
        commit_refreshed()
        return row

    return atomic(work)


def delete_individual_work(
    actor: Actor, work_id: int, *, version: int | str | None, reason: str
) -> None:
    def check(row: IndividualWork) -> None:
        klass = student_class(row.student_id)
        _require_see(actor, row.student_id, klass.id if klass else None)
        check_lock(actor, _year(row.class_id), row.date, what="individual work")

    delete_with_reason(
        actor,
        IndividualWork,
        work_id,
        reason=reason,
        version=version,
        check=check,
        withdraw=lambda row, _c, _why: [],
    )


def individual_work_of(school_id: int, student_id: int) -> list[IndividualWork]:
    return list(
        db.session.scalars(
            sa.select(IndividualWork)
            .where(IndividualWork.school_id == school_id, IndividualWork.student_id == student_id)
            .order_by(IndividualWork.date.desc(), IndividualWork.id.desc())
        )
    )
