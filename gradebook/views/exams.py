"""The tests schedule on the staff web: the teacher's own schedule and a class's month
(``/staff/exams``, ``?class_id=…&month=2026-12``), planning or moving a test
(``/exams/new``, ``/exams/<id>/edit``) and calling one off with a reason. The rules are in
:mod:`gradebook.exams` (and the law's limits in ``gradebook.rules.exams``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import access
from gradebook import core
from gradebook import exams as exams_uc
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.forms import ExamForm
from gradebook.forms import ReasonForm
from gradebook.forms import opts
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_page
from gradebook.staff_base import reason_delete_routes
from models import Exam
from models import SchoolClass
from models import db


def _month(raw: str | None) -> dt.date:
    """The first day of the month asked for (``2026-12``), else of this month."""
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        today = clock.today()
        return today.replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


@bp.get("/exams")
@access.staff_required
def exams() -> Any:
    me = actor()
    first = _month(request.args.get("month"))
    last = _next_month(first) - dt.timedelta(days=1)
    class_id = request.args.get("class_id", 0, int)
    klass = None
    if class_id:
        try:
            klass, listed = exams_uc.class_schedule(me, class_id, first, last)
        except core.NotFound:
            abort(404)
        except core.Forbidden:
            abort(403)
    else:
        listed = exams_uc.teacher_schedule(me, first, last)
    year = core.current_year(me.school_id)
    classes = [
        (c.id, c.name)
        for c in db.session.scalars(
            sa.select(SchoolClass)
            .where(SchoolClass.school_id == me.school_id, SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
        if me.can_view_class(c.id)
    ]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return render_template(
        "gradebook/exams.html",
        exams=listed,
        klass=klass,
        classes=classes,
        month_label=rules.month_year_bg(first.year, first.month),
        month=first.strftime("%Y-%m"),
        previous=previous.strftime("%Y-%m"),
        following=_next_month(first).strftime("%Y-%m"),
        weekdays=rules.WEEKDAYS_BG,
        me=me,
        form=CsrfForm(),
        can_plan=bool(me.is_admin or me.curriculum_ids),
    )


@bp.route("/exams/new", methods=["GET", "POST"])
@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@access.staff_required
def exam_new(exam_id: int | None = None) -> Any:
    me = actor()
    exam = None
    if exam_id is not None:
        try:
            exam = exams_uc.get_exam(me, exam_id)
        except core.NotFound:
            abort(404)
        except core.Forbidden:
            abort(403)
    if exam is not None and request.method == "GET":
        form = ExamForm(
            data={
                "curriculum_id": exam.curriculum_id,
                "kind": exam.kind,
                "date": exam.date,
                "period": "" if exam.period is None else str(exam.period),
                "description": exam.description,
                "version": exam.version,
            }
        )
    else:
        form = ExamForm(
            data={
                "date": clock.today() + dt.timedelta(days=7),
                "curriculum_id": request.args.get("curriculum_id", 0, int),
            }
        )
    choices = exams_uc.writable_curricula(me)
    if not choices:
        abort(403)
    form.curriculum_id.choices = opts(choices)
    if exam is not None:
        form.curriculum_id.render_kw = {"disabled": True}
        form.kind.render_kw = {"disabled": True}
    return form_page(
        form,
        lambda: exams_uc.save_exam(
            me,
            curriculum_id=exam.curriculum_id if exam else (form.curriculum_id.data or 0),
            kind=None if exam else (form.kind.data or ""),
            date=form.date.data,
            period=form.period.data,
            description=form.description.data or "",
            exam_id=exam.id if exam else None,
            version=form.version.data if exam else None,
            reason=form.reason.data or "",
        ),
        "Работата е записана в графика.",
        lambda saved: url_for(
            "staff.exams", class_id=saved.class_id, month=saved.date.strftime("%Y-%m")
        ),
        "gradebook/exam_form.html",
        exam=exam,
        delete_form=ReasonForm(formdata=None),
    )


reason_delete_routes(
    ReasonDelete(
        "exam_delete",
        "/exams/<int:exam_id>/delete",
        Exam,
        exams_uc.delete_exam,
        "Работата е премахната от графика. Родителите, които вече са уведомени, ще научат.",
        lambda row: url_for("staff.exams", class_id=row.class_id, month=row.date.strftime("%Y-%m")),
    ),
)
