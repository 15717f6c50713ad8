"""The staff web's blueprint and the few helpers every staff view uses.

Views stay thin: read the request, call one use-case (``gradebook.grades``, ``gradebook.absences``,
…), render. :func:`actor` is who acts; :func:`form_action` runs a posted button's use-case and
flashes the outcome; :func:`save_form` submits a page's form and redirects or re-renders with the
field messages; :func:`fail` turns a use-case error into 403/404 or a flashed message. The teacher
pages (:mod:`gradebook.web`), the admin pages (:mod:`gradebook.admin_web`) and the staff accounts
(:mod:`gradebook.staff_accounts_web`) all register their routes on :data:`bp`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import request

from gradebook import access
from gradebook import core

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


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
