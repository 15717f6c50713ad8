"""The school admin's teacher absences and substitutions: the month's absences and a new one
(``/admin/teacher-absences``), one absence with every lesson it touches and what happens to each
(``/admin/teacher-absences/<id>``: correct, delete with a reason, assign or take back a lesson).
The use-cases are :mod:`gradebook.substitutions`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import core
from gradebook import rules
from gradebook import substitutions as subs_uc
from gradebook.forms import CsrfForm
from gradebook.rules import substitutions as sub_rules
from gradebook.staff_base import actor
from gradebook.staff_base import fail
from gradebook.staff_base import form_action
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import teachers
from models import TeacherAbsence

FIELDS = ("teacher_id", "first_day", "last_day", "from_period", "to_period", "reason", "comment")


def _month(raw: str | None) -> dt.date:
    today = clock.today()
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _posted() -> dict[str, Any]:
    return {name: request.form.get(name, "") for name in FIELDS}


def _override() -> bool:
    return bool(request.form.get("override_lock"))


def _choices(school_id: int) -> dict[str, Any]:
    return {
        "teachers": teachers(school_id),
        "reasons": list(subs_uc.REASON_BG.items()),
        "kinds": list(sub_rules.KIND_BG.items()),
    }


@admin_route("/admin/teacher-absences", methods=["GET", "POST"])
def teacher_absences() -> Any:
    me = actor()
    form = CsrfForm()
    month = _month(request.args.get("month"))
    typed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        typed = _posted()
        try:
            absence = subs_uc.create_absence(me, override_lock=_override(), **typed)
        except core.OperationError as exc:
            fail(exc)
            errors, status = exc.errors, exc.status
        else:
            flash("Отсъствието е записано. Изберете какво става с всеки час.", "success")
            return redirect(url_for("staff.teacher_absence", teacher_absence_id=absence.id))
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    return (
        render_template(
            "gradebook/teacher_absences.html",
            form=form,
            month=month,
            month_bg=rules.month_year_bg(month.year, month.month),
            prev=prev,
            nxt=nxt,
            absences=subs_uc.absences_of_month(me, month),
            reason_bg=subs_uc.REASON_BG,
            typed=typed,
            errors=errors,
            **_choices(me.school_id),
        ),
        status,
    )


@admin_route("/admin/teacher-absences/<int:teacher_absence_id>", methods=["GET", "POST"])
def teacher_absence(teacher_absence_id: int) -> Any:
    me = actor()
    absence = core.get_in_school(TeacherAbsence, teacher_absence_id, me.school_id)
    form = CsrfForm()
    typed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        typed = _posted()
        try:
            subs_uc.update_absence(
                me,
                absence.id,
                version=request.form.get("version"),
                override_lock=_override(),
                **typed,
            )
        except core.OperationError as exc:
            fail(exc)
            errors, status = exc.errors, exc.status
        else:
            flash("Отсъствието е поправено.", "success")
            return redirect(url_for("staff.teacher_absence", teacher_absence_id=absence.id))
    return (
        render_template(
            "gradebook/teacher_absence.html",
            form=form,
            absence=absence,
            lessons=subs_uc.absence_lessons(me, absence),
            reason_bg=subs_uc.REASON_BG,
            typed=typed,
            errors=errors,
            **_choices(me.school_id),
        ),
        status,
    )


def _back(absence_id: int) -> Any:
    return redirect(url_for("staff.teacher_absence", teacher_absence_id=absence_id))


@admin_route("/admin/teacher-absences/<int:teacher_absence_id>/assign", methods=["POST"])
def teacher_absence_assign(teacher_absence_id: int) -> Any:
    me = actor()
    slot_id = request.form.get("slot_id", type=int) or 0
    form_action(
        CsrfForm(),
        lambda: subs_uc.assign_lesson(
            me,
            teacher_absence_id,
            slot_id,
            day=request.form.get("day", ""),
            kind=request.form.get("kind"),
            substitute_id=request.form.get("substitute_id") or None,
            external_name=request.form.get("external_name", ""),
            override_lock=_override(),
        ),
        "Записано.",
    )
    return _back(teacher_absence_id)


@admin_route("/admin/teacher-absences/<int:teacher_absence_id>/clear", methods=["POST"])
def teacher_absence_clear(teacher_absence_id: int) -> Any:
    me = actor()
    slot_id = request.form.get("slot_id", type=int) or 0
    form_action(
        CsrfForm(),
        lambda: subs_uc.clear_lesson(
            me,
            teacher_absence_id,
            slot_id,
            day=request.form.get("day", ""),
            override_lock=_override(),
        ),
        "Часът отново чака решение.",
    )
    return _back(teacher_absence_id)


@admin_route("/admin/teacher-absences/<int:teacher_absence_id>/delete", methods=["POST"])
def teacher_absence_delete(teacher_absence_id: int) -> Any:
    me = actor()
    done = form_action(
        CsrfForm(),
        lambda: subs_uc.delete_absence(
            me,
            teacher_absence_id,
            reason=request.form.get("reason", ""),
            version=request.form.get("version"),
            override_lock=_override(),
        ),
        "Отсъствието е изтрито.",
    )
    if done:
        return redirect(url_for("staff.teacher_absences"))
    return _back(teacher_absence_id)
