"""What the school admin's pages share: the school's classes, subjects and teachers for the
pickers, and the few shapes most admin views take — the route of an admin page
(:func:`admin_route`), a posted form that redirects or re-renders its page (:func:`submit`), a
posted button (:func:`button`, :func:`strict_button`), one edit page with a delete button
(:func:`edit_page`), and the tables that register a module's posted forms, edit pages and row
buttons in one place (:func:`form_routes`, :func:`edit_routes`, :func:`button_routes`,
:func:`strict_routes`, :func:`delete_routes`: one row a route, naming its endpoint)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import NamedTuple
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from gradebook import access
from gradebook import core
from gradebook.forms import CsrfForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.staff_base import form_action
from gradebook.staff_base import rows
from models import SchoolClass
from models import StaffMembership
from models import StaffUser
from models import Subject

Page = Callable[[Any, int], Any]  # (the form with its messages, status) → the page again
F = TypeVar("F", bound=Callable[..., Any])
RowCall = Callable[[core.Actor, int], Any]  # the use-case on the row whose id is in the URL


def admin_route(rule: str, methods: list[str] | None = None) -> Callable[[F], F]:
    """``bp.route(rule, methods=…)`` (GET unless told) for a school admin only
    (``access.admin_required``): the two decorators of every admin page in one."""

    def register(view: F) -> F:
        return bp.route(rule, methods=methods)(access.admin_required(view))  # type: ignore[no-any-return]

    return register


def classes(school_id: int) -> list[SchoolClass]:
    """The classes of the school's current year, by grade and name."""
    year = core.current_year(school_id)
    return rows(
        sa.select(SchoolClass)
        .where(SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )


def teachers(school_id: int) -> list[StaffUser]:
    return rows(
        sa.select(StaffUser)
        .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
        .where(StaffMembership.school_id == school_id)
        .distinct()
        .order_by(StaffUser.full_name)
    )


def subjects(school_id: int) -> list[Subject]:
    return rows(sa.select(Subject).where(Subject.school_id == school_id).order_by(Subject.name))


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


class FormRow(NamedTuple):
    """A form of a page, posted to ``POST rule`` (the endpoint ``staff.<endpoint>``): the form is
    ``form(actor, **url)`` (with its pickers' choices; a row in the URL read within the actor's
    school), the use-case ``save(actor, form, **url)``. Success flashes ``success`` (or
    ``success(result)``) and goes to ``target`` — an endpoint taking the URL's arguments, or
    ``target(result)``; otherwise the page again with this form as its ``slot``."""

    endpoint: str
    rule: str
    form: Callable[..., Any]
    save: Callable[..., Any]
    success: str | Callable[[Any], str]
    target: str | Callable[[Any], str]
    slot: str


def form_routes(page: Callable[..., Any], *table: FormRow) -> None:
    """Register forms of one page: ``page(**url, status=…, <slot>=form)`` shows it again."""
    for row in table:

        def view(row: FormRow = row, **url: int) -> Any:
            me = actor()
            form = row.form(me, **url)
            target = url_for(row.target, **url) if isinstance(row.target, str) else row.target
            return submit(
                form,
                lambda: row.save(me, form, **url),
                row.success,
                target,
                lambda form, status: page(**url, status=status, **{row.slot: form}),
            )

        _post(row, view)


class ButtonRow(NamedTuple):
    """A posted button on one row: ``POST rule`` is the endpoint ``staff.<endpoint>``; it runs
    ``call(actor, id)`` with the id from the URL and flashes ``success`` (or ``success(result)``).
    With a ``model``, that row is read first within the actor's school (404 for another
    school's)."""

    endpoint: str
    rule: str
    call: RowCall
    success: str | Callable[[Any], str]
    model: Any = None


class StrictRow(NamedTuple):
    """A delete button whose use-case finds the row itself (:func:`strict_button`): then to
    ``target(result)``."""

    endpoint: str
    rule: str
    call: RowCall
    success: str
    target: Callable[[Any], str]


class DeleteRow(NamedTuple):
    """The delete button of an admin edit page: the ``model`` row of the actor's school (404 for
    another school's), ``delete(actor, id)``; done → ``done_url(row)``; refused → back to the edit
    page, the endpoint ``back`` (whose URL takes the same id)."""

    endpoint: str
    rule: str
    model: Any
    delete: RowCall
    success: str | Callable[[Any], str]
    done_url: Callable[[Any], str]
    back: str


def _row_id(url: dict[str, int]) -> int:
    (object_id,) = url.values()  # every row button's URL holds just the row's id
    return object_id


def _post(row: FormRow | ButtonRow | StrictRow | DeleteRow, view: Callable[..., Any]) -> None:
    bp.add_url_rule(row.rule, row.endpoint, access.admin_required(view), methods=["POST"])


def button_routes(target: Callable[..., str], *table: ButtonRow) -> None:
    """Register posted buttons (:func:`button`) that all go back to the page ``target(**url)``
    (given the URL's arguments)."""
    for row in table:

        def view(row: ButtonRow = row, **url: int) -> Any:
            object_id = _row_id(url)
            if row.model is not None:
                core.get_in_school(row.model, object_id, actor().school_id)
            return button(lambda me: row.call(me, object_id), row.success, target(**url))

        _post(row, view)


def strict_routes(*table: StrictRow) -> None:
    """Register delete buttons whose use-cases find the row themselves (:func:`strict_button`)."""
    for row in table:

        def view(row: StrictRow = row, **url: int) -> Any:
            object_id = _row_id(url)
            return strict_button(lambda me: row.call(me, object_id), row.success, row.target)

        _post(row, view)


def delete_routes(*table: DeleteRow) -> None:
    """Register the delete buttons of admin edit pages."""
    for row in table:

        def view(row: DeleteRow = row, **url: int) -> Any:
            me = actor()
            found = core.get_in_school(row.model, _row_id(url), me.school_id)
            target = row.done_url(found)
            if form_action(CsrfForm(), lambda: row.delete(me, found.id), row.success):
                return redirect(target)
            return redirect(url_for(row.back, **url))

        _post(row, view)


class EditRow(NamedTuple):
    """An admin edit page of one ``model`` row, ``GET|POST rule`` (the endpoint
    ``staff.<endpoint>``; the row read within the actor's school, 404 for another school's): the
    form ``form(actor, row)`` (filled from the row on GET) saved by the use-case
    ``update(actor, row.id, **fields(form))``, ``success`` flashed and back to ``back(row)``;
    headed ``title`` (``{row}`` is the row), with its delete button (``delete``, labelled
    ``delete_label``; its URL takes the page's id) and the ``note`` on what keeps a row from
    being deleted."""

    endpoint: str
    rule: str
    model: Any
    form: Callable[[core.Actor, Any], Any]
    update: Callable[..., Any]
    fields: Callable[[Any], dict[str, Any]]
    success: str
    title: str
    back: Callable[[Any], str]
    delete_label: str
    note: str
    delete: DeleteRow


def edit_routes(*table: EditRow) -> None:
    """Register admin edit pages (:func:`edit_page`) and their delete buttons."""
    for row in table:

        def view(row: EditRow = row, **url: int) -> Any:
            me = actor()
            found = core.get_in_school(row.model, _row_id(url), me.school_id)
            form = row.form(me, found)
            return edit_page(
                form,
                title=row.title.format(row=found),
                call=lambda: row.update(me, found.id, **row.fields(form)),
                success=row.success,
                delete_url=url_for(f"staff.{row.delete.endpoint}", **url),
                delete_label=row.delete_label.format(row=found),
                back_url=row.back(found),
                note=row.note,
            )

        bp.add_url_rule(
            row.rule, row.endpoint, access.admin_required(view), methods=["GET", "POST"]
        )
    delete_routes(*(row.delete for row in table))
