"""The staff web's blueprint and the few helpers every staff view uses.

Views stay thin: read the request, call one use-case (``gradebook.grades``, ``gradebook.absences``,
…), render. :func:`actor` is who acts; :func:`form_action` runs a posted button's use-case and
flashes the outcome; :func:`save_form` submits a page's form and redirects or re-renders with the
field messages; :func:`form_page` is a whole new-or-edit page around it; :func:`delete_with_reason`
is the POST behind every "delete with a reason" button (:func:`reason_delete_routes`
registers them from a table); :func:`post_table` saves a whole table
(with :func:`numbered_fields`, its cells); :func:`form_values` gives a form's fields as a
use-case's keyword arguments, :func:`rows` a query's rows; :func:`fail` turns a use-case error into
403/404 or a flashed message. The teacher and admin pages (:mod:`gradebook.views`, one module
per topic) all register their routes on :data:`bp`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import NamedTuple
from typing import Protocol
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request

from gradebook import access
from gradebook import core
from gradebook.forms import ReasonForm
from models import db

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

DELETE_REASON_BG = "Посочете причина за изтриването."


class _Row(Protocol):
    @property
    def id(self) -> int: ...


_R = TypeVar("_R", bound=_Row)
_T = TypeVar("_T")


def actor() -> core.Actor:
    cache = access.request_cache()
    if "actor" not in cache:
        staff, school_id = access.current_staff(), access.current_school_id()
        if staff is None or school_id is None:
            abort(403)
        try:
            cache["actor"] = core.Actor.load(staff.id, school_id)
        except core.Forbidden:
            abort(403)
    return cache["actor"]


def fail(exc: core.OperationError, form: Any = None) -> None:
    """Turn a use-case error into a response: 403/404 abort; otherwise flash and attach the
    field messages to the form (the caller re-renders with the typed values kept)."""
    if isinstance(exc, core.NotFound):
        abort(404)
    if isinstance(exc, core.Forbidden):
        abort(403)
    flash(exc.message_bg, "error")
    if form is not None:
        for name, message in exc.errors.items():
            field = getattr(form, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*list(field.errors or []), message]


def form_action(
    form: Any,
    call: Callable[[], Any],
    success: str | Callable[[Any], str],
    invalid: str = "",
) -> bool:
    """Run the use-case behind a posted button or small form: a missing or wrong CSRF token is
    400; other invalid input flashes ``invalid``; a use-case error flashes (or is 403/404);
    success flashes ``success`` (or ``success(result)``). True when the action was done."""
    if not form.validate_on_submit():
        if "csrf_token" in form.errors or not invalid:
            abort(400)
        flash(invalid, "error")
        return False
    try:
        result = call()
    except core.OperationError as exc:
        fail(exc)
        return False
    flash(success(result) if callable(success) else success, "success")
    return True


def save_form(
    form: Any, call: Callable[[], Any], success: str, target: str | Callable[[Any], str]
) -> tuple[Any, int]:
    """Submit a page's form to its use-case: (redirect to ``target`` after success, 200) or
    (None, status) to re-render the page with the typed values and the field messages kept."""
    if form.validate_on_submit():
        try:
            result = call()
        except core.OperationError as exc:
            fail(exc, form)
            return None, exc.status
        flash(success, "success")
        return redirect(target(result) if callable(target) else target), 200
    return None, 422 if request.method == "POST" else 200


def form_page(
    form: Any,
    call: Callable[[], Any],
    success: str,
    target: str | Callable[[Any], str],
    template: str,
    **context: Any,
) -> Any:
    """A new-or-edit page: :func:`save_form`, and unless it redirected, the page again (with the
    typed values and the field messages) and its status."""
    done, status = save_form(form, call, success, target)
    if done is not None:
        return done
    return render_template(template, form=form, **context), status


def delete_with_reason(
    model: type[_R],
    object_id: int,
    delete: Callable[..., Any],
    success: str | Callable[[Any], str],
    target: Callable[[_R], str],
    *,
    versioned: bool = True,
    lockable: bool = False,
    invalid: str = DELETE_REASON_BG,
    back: Callable[[_R], str] | None = None,
) -> Any:
    """The POST behind a "delete with a reason" button: the row read within the actor's school
    (404 for another school's), then :func:`form_action` runs the use-case
    ``delete(actor, row.id, reason=…)`` — with the page's ``version`` (optimistic locking) when
    ``versioned``, with ``override_lock`` (an admin's, in a locked month) when ``lockable`` — 400
    without the CSRF token, ``invalid`` flashed without a reason. Then to ``target``, or to
    ``back`` (when given) if nothing was deleted. Both addresses are taken before the delete: a
    deleted row's attributes may no longer load."""
    me = actor()
    row = core.get_in_school(model, object_id, me.school_id)
    form = ReasonForm()
    done, undone = target(row), (back or target)(row)

    def call() -> Any:
        options: dict[str, Any] = {"reason": form.reason.data or ""}
        if versioned:
            options["version"] = form.version.data
        if lockable:
            options["override_lock"] = bool(form.override_lock.data) and me.is_admin
        return delete(me, row.id, **options)

    deleted = form_action(form, call, success, invalid=invalid)
    return redirect(done if deleted else undone)


class ReasonDelete(NamedTuple):
    """A "delete with a reason" button of a staff page: ``POST rule`` (the endpoint
    ``staff.<endpoint>``, for any staff member; the use-case decides who may) is
    :func:`delete_with_reason` of the ``model`` row whose id is in the URL, with ``options``
    (``versioned``, ``lockable``, ``invalid``, ``back``)."""

    endpoint: str
    rule: str
    model: Any
    delete: Callable[..., Any]
    success: str
    target: Callable[[Any], str]
    options: dict[str, Any] | None = None


def reason_delete_routes(*table: ReasonDelete) -> None:
    """Register "delete with a reason" buttons, one row a button."""
    for row in table:

        def view(row: ReasonDelete = row, **url: int) -> Any:
            (object_id,) = url.values()  # the row's id is all the URL holds
            return delete_with_reason(
                row.model, object_id, row.delete, row.success, row.target, **(row.options or {})
            )

        bp.add_url_rule(row.rule, row.endpoint, access.staff_required(view), methods=["POST"])


def post_table(
    form: Any,
    call: Callable[[], Any],
    success: Callable[[Any], str],
    target: Callable[[Any], str],
) -> tuple[Any, int, dict[str, str]]:
    """The POST of a page that saves a whole table (the grade grid, final grades, a lesson's
    register, a class's absences): 400 without the CSRF token; a use-case error is flashed (or
    is 403/404) and gives (None, its status, its per-cell messages) for the page to show again
    with what was typed; success flashes ``success(result)`` and gives (redirect to
    ``target(result)``, 200, {})."""
    if not form.validate_on_submit():
        abort(400)
    try:
        result = call()
    except core.OperationError as exc:
        fail(exc)
        return None, exc.status, exc.errors
    flash(success(result), "success")
    return redirect(target(result)), 200, {}


def numbered_fields(prefix: str) -> dict[int, str]:
    """The posted fields named ``prefix`` + a number (``g12``: the cell of student 12), by that
    number; a name like ``g²`` (a digit to ``str.isdigit`` that ``int`` refuses) is no cell."""
    return {
        int(name[len(prefix) :]): value
        for name, value in request.form.items()
        if name.startswith(prefix)
        and name[len(prefix) :].isascii()
        and name[len(prefix) :].isdigit()
    }


def form_values(form: Any, *names: str, **when_empty: Any) -> dict[str, Any]:
    """The data of the form's fields ``names`` and ``when_empty``, by name (a use-case's keyword
    arguments are named as the fields); a field in ``when_empty`` left empty gives that value
    instead (``""`` for a blank text, None for "—" in a picker, False for an unticked box)."""
    values = {name: getattr(form, name).data for name in names}
    values.update({name: getattr(form, name).data or empty for name, empty in when_empty.items()})
    return values


def rows(query: sa.Select[tuple[_T]]) -> list[_T]:
    """Every row the query selects (one model a row), in its order."""
    return list(db.session.scalars(query))
