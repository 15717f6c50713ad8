"""What the school admin's pages share: the school's classes, subjects and teachers for the
pickers, and the few shapes most admin views take — a posted form that redirects or re-renders its
page (:func:`submit`), a posted button (:func:`button`, :func:`strict_button`), one edit page with
a delete button (:func:`edit_page`, :func:`delete_route`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request

from gradebook import core
from gradebook.forms import CsrfForm
from gradebook.staff_base import actor
from gradebook.staff_base import fail
from gradebook.staff_base import form_action
from models import SchoolClass
from models import StaffMembership
from models import StaffUser
from models import Subject
from models import db

Page = Callable[[Any, int], Any]  # (the form with its messages, status) → the page again


def classes(school_id: int) -> list[SchoolClass]:
    """The classes of the school's current year, by grade and name."""
    year = core.current_year(school_id)
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .where(SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
    )


def teachers(school_id: int) -> list[StaffUser]:
    return list(
        db.session.scalars(
            sa.select(StaffUser)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(StaffMembership.school_id == school_id)
            .distinct()
            .order_by(StaffUser.full_name)
        )
    )


def subjects(school_id: int) -> list[Subject]:
    return list(
        db.session.scalars(
            sa.select(Subject).where(Subject.school_id == school_id).order_by(Subject.name)
        )
    )


def teacher_choices(school_id: int) -> list[tuple[int, str]]:
    return [(0, "—")] + [(t.id, t.full_name) for t in teachers(school_id)]


def submit(
    form: Any,
    call: Callable[[], Any],
    success: str | Callable[[Any], str],
    target: str | Callable[[Any], str],
    page: Page,
) -> Any:
    """Submit a page's form to its use-case: success flashes ``success`` (or ``success(result)``)
    and redirects to ``target`` (or ``target(result)``); otherwise ``page(form, status)`` shows the
    typed values with the field messages — 200 on GET, 422 for invalid input, the error's status.
    (``staff_base.save_form`` with the page rendered here, and a message that may name the result:
    a new class's name, a new pupil's code.)"""
    if not form.validate_on_submit():
        return page(form, 422 if request.method == "POST" else 200)
    try:
        result = call()
    except core.OperationError as exc:
        fail(exc, form)
        return page(form, exc.status)
    flash(success(result) if callable(success) else success, "success")
    return redirect(target(result) if callable(target) else target)


def button(
    call: Callable[[core.Actor], Any],
    success: str | Callable[[Any], str],
    target: str,
    form: Any = None,
    invalid: str = "",
) -> Any:
    """A posted button or small form (``form``, else just the CSRF token): run ``call(actor)``,
    flash the outcome (``invalid`` for bad input, a refusal its message; 403/404 abort) and go to
    ``target`` either way."""
    me = actor()
    form_action(form if form is not None else CsrfForm(), lambda: call(me), success, invalid)
    return redirect(target)


def strict_button(
    call: Callable[[core.Actor], Any], success: str, target: Callable[[Any], str]
) -> Any:
    """A delete button whose use-case finds the row itself (missing → 404 via the error
    handler): check the CSRF token, run it, flash, go to ``target(result)``."""
    me = actor()
    if not CsrfForm().validate_on_submit():
        abort(400)
    result = call(me)
    flash(success, "success")
    return redirect(target(result))


def edit_page(
    form: Any,
    *,
    title: str,
    call: Callable[[], Any],
    success: str,
    delete_url: str,
    delete_label: str,
    back_url: str,
    note: str = "",
) -> Any:
    """One admin edit page: the form (saved by ``call``, then back to ``back_url``), a delete
    button and a way back."""

    def page(form: Any, status: int) -> Any:
        return (
            render_template(
                "gradebook/admin_edit.html",
                form=form,
                title=title,
                delete_url=delete_url,
                delete_label=delete_label,
                back_url=back_url,
                note=note,
                button_form=CsrfForm(),
            ),
            status,
        )

    return submit(form, call, success, back_url, page)


def delete_route(
    model: Any,
    object_id: int,
    delete: Callable[[core.Actor, int], Any],
    success: str | Callable[[Any], str],
    done_url: Callable[[Any], str],
    back_url: str,
) -> Any:
    """The delete button of an admin edit page: done → ``done_url(row)``; refused → back."""
    me = actor()
    row = core.get_in_school(model, object_id, me.school_id)
    target = done_url(row)
    if form_action(CsrfForm(), lambda: delete(me, row.id), success):
        return redirect(target)
    return redirect(back_url)
