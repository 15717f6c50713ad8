"""Sanctions (ЗПУО чл. 199 ал. 1) in a pupil's class book: recorded, corrected, cancelled by a
later order and deleted by the class teacher or an admin — the class book's "book admins", as
in the Ministry's class book (``SB.Api`` ``SanctionsController`` is a ``BookAdminController``).
The director imposes a sanction by an order (чл. 204); the class book records it. Only classes
whose class-book type has sanctions (IV–XII, :func:`rules.has_sanctions`). Every write is
audited, the order's date respects the entry locks, and the parents are told (by preference,
``NotifyEvent.SANCTION``) of a new sanction and of its cancellation."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import add_audited
from gradebook.core import assign
from gradebook.core import atomic
from gradebook.core import cancel_notices
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import edit_with_reason
from gradebook.core import get_in_school
from gradebook.core import get_of_student
from gradebook.core import int_in
from gradebook.core import notify_pupil
from gradebook.core import optional_text
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.core import student_in_school
from gradebook.messages import msg
from models import NotifyEvent
from models import Sanction
from models import SchoolClass
from models import SchoolYear
from models import db


def _check_class(actor: Actor, klass: SchoolClass) -> None:
    if not actor.can_manage_class(klass.id):
        raise Forbidden(msg("sanction.forbidden"))
    if not rules.has_sanctions(klass.grade_level):
        raise Invalid(msg("sanction.not_in_book"))


def _year(klass: SchoolClass) -> SchoolYear:
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return year


def _optional_date(errors: dict[str, str], raw: str | dt.date | None, name: str) -> dt.date | None:
    if raw in (None, ""):
        return None
    return read_field(errors, lambda: parse_date(raw, name))


def save_sanction(
    actor: Actor,
    *,
    student_id: int,
    kind: int | str,
    order_number: str,
    order_date: str | dt.date,
    start_date: str | dt.date,
    end_date: str | dt.date | None = None,
    description: str = "",
    sanction_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
    override_lock: bool = False,
) -> Sanction:
    """A new sanction (without ``sanction_id``), or a correction of one with a reason."""

    def work() -> Sanction:
        student, klass = student_in_school(actor, student_id)
        _check_class(actor, klass)
        errors: dict[str, str] = {}
        code = read_field(
            errors,
            lambda: int_in(kind, 1, 5, "kind", msg("sanction.choose_kind")),
        )
        number = (order_number or "").strip()
        if not number:
            errors["order_number"] = msg("sanction.order_number_required")
        elif len(number) > 100:
            errors["order_number"] = msg("common.max_100_chars")
        ordered = read_field(errors, lambda: parse_date(order_date, "order_date"))
        start = read_field(errors, lambda: parse_date(start_date, "start_date"))
        end = _optional_date(errors, end_date, "end_date")
        text = optional_text(errors, description, 1000, "description")
        check_fields(errors)
        assert ordered is not None and start is not None and code is not None
        problem = rules.sanction_dates_problem(ordered, start, end)
        if problem:
            raise Invalid(problem[1], {problem[0]: problem[1]})
        check_lock(actor, _year(klass), ordered, override=override_lock, what="sanction")
        values = {
            "kind": code,
            "order_number": number,
            "order_date": ordered,
            "start_date": start,
            "end_date": end,
            "description": text,
        }
        if sanction_id is None:
            row = add_audited(
                actor,
                Sanction(
                    school_id=actor.school_id,
                    school_year_id=klass.school_year_id,
                    class_id=klass.id,
                    student_id=student.id,
                    author_id=actor.staff_id,
                    **values,
                ),
            )
            _notify(actor, row, student.first_name, cancelled=False)
        else:
            row = get_of_student(Sanction, sanction_id, actor, student.id)
            edit_with_reason(
                actor, row, version=version, reason=reason, change=lambda: assign(row, values)
            )
        commit_refreshed([(student.id, klass.school_year_id)])
        return row

    return atomic(work)


def cancel_sanction(
    actor: Actor,
    sanction_id: int,
    *,
    cancel_order_number: str,
    cancel_order_date: str | dt.date,
    cancel_reason: str = "",
    version: int | str | None = None,
    override_lock: bool = False,
) -> Sanction:
    """Record the later order that cancels a sanction (ЗПУО чл. 203 ал. 2); the parents are told."""

    def work() -> Sanction:
        row = _own(actor, sanction_id)
        klass = _check_row(actor, row)
        if row.cancel_order_date is not None:
            raise Invalid(msg("sanction.already_cancelled"))
        errors: dict[str, str] = {}
        number = (cancel_order_number or "").strip()
        if not number:
            errors["cancel_order_number"] = msg("sanction.order_number_required")
        elif len(number) > 100:
            errors["cancel_order_number"] = msg("common.max_100_chars")
        day = read_field(errors, lambda: parse_date(cancel_order_date, "cancel_order_date"))
        why = optional_text(errors, cancel_reason, 1000, "cancel_reason")
        check_fields(errors)
        assert day is not None
        problem = rules.sanction_dates_problem(row.order_date, row.start_date, row.end_date, day)
        if problem:
            raise Invalid(problem[1], {problem[0]: problem[1]})
        check_lock(actor, _year(klass), day, override=override_lock, what="sanction cancel")
        values = {"cancel_order_number": number, "cancel_order_date": day, "cancel_reason": why}
        edit_with_reason(
            actor,
            row,
            version=version,
            reason=why or f"cancelled by order {number}",
            change=lambda: assign(row, values),
        )
        _notify(actor, row, row.student.first_name, cancelled=True)
        commit_refreshed([(row.student_id, klass.school_year_id)])
        return row

    return atomic(work)


def delete_sanction(
    actor: Actor,
    sanction_id: int,
    *,
    version: int | str | None,
    reason: str,
    override_lock: bool = False,
) -> None:
    """A sanction entered by mistake (a cancelled one stays: it is cancelled, not deleted)."""

    def check(row: Sanction) -> SchoolClass:
        klass = _check_row(actor, row)
        check_lock(actor, _year(klass), row.order_date, override=override_lock, what="sanction")
        return klass

    delete_with_reason(
        actor,
        Sanction,
        sanction_id,
        reason=reason,
        version=version,
        check=check,
        withdraw=lambda row, klass, _why: cancel_notices(
            "sanction", row, row.student_id, klass.school_year_id
        ),
    )


def _own(actor: Actor, sanction_id: int) -> Sanction:
    return get_in_school(Sanction, sanction_id, actor.school_id)


def _check_row(actor: Actor, row: Sanction) -> SchoolClass:
    klass = db.session.get(SchoolClass, row.class_id)
    assert klass is not None
    if not actor.can_manage_class(klass.id):
        raise Forbidden(msg("sanction.forbidden"))
    return klass


def _notify(actor: Actor, row: Sanction, first_name: str, *, cancelled: bool) -> None:
    notify_pupil(
        actor,
        row.student_id,
        NotifyEvent.SANCTION,
        "sanction",
        row,
        {
            "student": first_name,
            "kind": row.kind,
            "order_number": row.order_number,
            "date": row.start_date.isoformat(),
            "cancelled": cancelled,
            "cancel_order_number": row.cancel_order_number,
            "cancel_date": row.cancel_order_date.isoformat() if row.cancel_order_date else "",
        },
    )


def sanctions_of(school_id: int, student_id: int, year_id: int | None = None) -> list[Sanction]:
    """A pupil's sanctions in this school (of one year when given), newest first."""
    query = sa.select(Sanction).where(
        Sanction.school_id == school_id, Sanction.student_id == student_id
    )
    if year_id is not None:
        query = query.where(Sanction.school_year_id == year_id)
    return list(db.session.scalars(query.order_by(Sanction.order_date.desc(), Sanction.id.desc())))
