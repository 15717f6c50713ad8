"""The school admin's school years: a new year (``POST /admin/years``), which one is current, and
the move into a new year — promotion, repeaters, leavers, curriculum and timetable carried over,
preview then commit (``/admin/years/<id>/transition``). Use-cases in :mod:`gradebook.school_year`."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from gradebook import core
from gradebook import school_year
from gradebook.forms import CsrfForm
from gradebook.forms import NewYearForm
from gradebook.staff_base import actor
from gradebook.staff_base import fail
from gradebook.staff_base import form_values
from gradebook.views.admin_common import ButtonRow
from gradebook.views.admin_common import FormRow
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import button_routes
from gradebook.views.admin_common import form_routes
from gradebook.views.admin_timetable import year_page
from models import SchoolYear

form_routes(
    year_page,
    FormRow(
        "admin_year_new",
        "/admin/years",
        lambda _me: NewYearForm(prefix="new"),
        lambda me, form: school_year.create_school_year(
            me,
            **form_values(form, "starts_on", "term2_starts_on", "ends_on", "month_lock_day"),
            **form_values(
                form, name="", future_entry_lock=False, copy_classes=False, make_current=False
            ),
        ),
        "Учебната година е създадена.",
        "staff.admin_year",
        "year_form",
    ),
)


button_routes(
    lambda **_url: url_for("staff.admin_year"),
    ButtonRow(
        "admin_year_current",
        "/admin/years/<int:year_id>/current",
        school_year.set_current_year,
        lambda chosen: f"Текущата учебна година е {chosen.name}.",
        SchoolYear,
    ),
)


# --- moving the school into a new year -------------------------------------------------------------
def _transition_choices() -> tuple[dict[int, str], bool, bool]:
    """The admin's choices from the posted (or, on GET, default) transition form."""
    decisions: dict[int, str] = {}
    for key, value in request.form.items():
        if key.startswith("pupil-") and key[6:].isascii() and key[6:].isdigit():
            if value not in school_year.DECISIONS:
                abort(400)
            decisions[int(key[6:])] = value
    if request.method == "GET":
        return decisions, True, True
    return (
        decisions,
        bool(request.form.get("carry_curriculum")),
        bool(request.form.get("carry_timetable")),
    )


@admin_route("/admin/years/<int:year_id>/transition", ["GET", "POST"])
def admin_year_transition(year_id: int) -> Any:
    """Preview (GET, or POST with ``action=preview``) and commit (``action=commit``) of promoting
    the pupils of the previous year into ``year_id``, with the curriculum and the timetable."""
    me = actor()
    year = core.get_in_school(SchoolYear, year_id, me.school_id)
    form = CsrfForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    decisions, carry_curriculum, carry_timetable = _transition_choices()
    commit = request.method == "POST" and request.form.get("action") == "commit"
    try:
        plan = school_year.year_transition(
            me,
            year.id,
            decisions=decisions,
            carry_curriculum=carry_curriculum,
            carry_timetable=carry_timetable,
            commit=commit,
        )
    except core.OperationError as exc:
        fail(exc)  # 403/404 abort; otherwise the message is flashed
        if commit:
            return redirect(url_for("staff.admin_year"))
        status = 200 if request.method == "GET" else exc.status
        return render_template("gradebook/admin_transition.html", plan=None, year=year), status
    if plan.committed:
        flash(
            f"Учебната година {plan.target.name} е текуща: преминаха {plan.count(school_year.PROMOTE)}, "
            f"повтарят {plan.count(school_year.REPEAT)}, завършиха {plan.count(school_year.GRADUATE)}, "
            f"отписани {plan.count(school_year.LEAVE)}.",
            "success",
        )
        return redirect(url_for("staff.admin_year"))
    return render_template(
        "gradebook/admin_transition.html",
        plan=plan,
        form=form,
        decisions=decisions,
        carry_curriculum=carry_curriculum,
        carry_timetable=carry_timetable,
        moves=school_year,
    )
