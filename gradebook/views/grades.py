"""Grades on the staff web: the keyboard grade grid (``/grid/<curriculum>``, one POST saves a
column), term and annual grades (``/grid/<curriculum>/final``) and one grade's correction and
deletion (``/grades/<id>/edit|delete``, with a reason and optimistic locking). The rules are in
:mod:`gradebook.grades`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import access
from gradebook import core
from gradebook import grades as grades_uc
from gradebook import lesson_cover
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.forms import GradeEditForm
from gradebook.forms import ReasonForm
from gradebook.forms import opts
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import numbered_fields
from gradebook.staff_base import post_table
from gradebook.staff_base import reason_delete_routes
from gradebook.staff_base import rows
from gradebook.staff_base import save_form
from gradebook.views.common import KIND_BG
from gradebook.views.common import seen_by
from models import Curriculum
from models import Grade
from models import GradeCategory
from models import GradeKind


def _grid_context(curriculum: Curriculum, term: int) -> dict[str, Any]:
    klass = curriculum.school_class
    enrollments = core.active_enrollments(klass.id)
    student_ids = [e.student_id for e in enrollments]
    grades = rows(
        sa.select(Grade)
        .where(
            Grade.curriculum_id == curriculum.id,
            Grade.student_id.in_(student_ids or [0]),
            sa.or_(Grade.term == term, Grade.kind == GradeKind.ANNUAL),
        )
        .order_by(Grade.date, Grade.id)
    )
    columns: dict[tuple[dt.date, str], dict[int, list[Grade]]] = {}
    finals: dict[int, Grade] = {}
    annual: dict[int, Grade] = {}
    values: dict[int, list[Decimal]] = defaultdict(list)
    for grade in grades:
        if grade.kind == GradeKind.TERM:
            finals[grade.student_id] = grade
        elif grade.kind == GradeKind.ANNUAL:
            annual[grade.student_id] = grade
        else:
            columns.setdefault((grade.date, grade.kind.value), defaultdict(list))[
                grade.student_id
            ].append(grade)
            if grade.value is not None and grade.category != GradeCategory.SOP:
                values[grade.student_id].append(grade.value)
    forecasts = {sid: rules.term_forecast(v) for sid, v in values.items() if v}
    by_student: dict[int, list[Grade]] = defaultdict(list)
    for (_day, _kind), cells in sorted(columns.items()):
        for sid, cell in cells.items():
            by_student[sid].extend(cell)
    return {
        "curriculum": curriculum,
        "klass": klass,
        "enrollments": enrollments,
        "columns": sorted(columns.items()),
        "by_student": by_student,
        "finals": finals,
        "annual": annual,
        "forecasts": forecasts,
        "sums": {sid: (sum(v), len(v)) for sid, v in values.items()},
        "term": term,
        "qualitative": klass.grade_level <= 3,
        "term_grades_allowed": klass.grade_level >= 4,
        "annual_allowed": klass.grade_level >= 2,
    }


def _writable_curriculum(
    curriculum_id: int, substitute_day: str | None = None
) -> tuple[core.Actor, Curriculum]:
    """The curriculum row whose grades the actor writes (else 403); with ``substitute_day``
    (the grid's date) also the substitute of a lesson of that row on that day."""
    me = actor()
    curriculum = core.get_in_school(Curriculum, curriculum_id, me.school_id)
    if me.can_write_grades(curriculum):
        return me, curriculum
    try:
        day = core.parse_date(substitute_day) if substitute_day else None
    except core.Invalid:
        day = None
    if day is None or not lesson_cover.substitutes_curriculum(
        me.school_id, me.staff_id, curriculum.id, day
    ):
        abort(403)
    return me, curriculum


def _saved_count(saved: list[Grade]) -> str:
    return f"Записани оценки: {len(saved)}."


def _grade_table(
    me: core.Actor,
    curriculum: Curriculum,
    term: int,
    kind: str,
    save: Callable[..., list[Grade]],
    posted: dict[str, Any],
    target: Callable[[list[Grade]], str],
    template: str,
    *,
    finals: bool = False,
    **page: Any,
) -> Any:
    """A curriculum's table of grades, one cell a pupil (``g<student id>``): the grid of current
    grades, or the term or annual grades (``finals``: with those already given, ``existing``).
    The POST saves the typed cells with the use-case ``save(actor, curriculum id, kind=…,
    values=typed, **posted)`` (``posted``: the table's other fields) and goes to
    ``target(saved)``; otherwise (or refused) the table again, with what was typed and each
    cell's message."""
    form = CsrfForm()
    typed: dict[int, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        typed = numbered_fields("g")
        done, status, errors = post_table(
            form,
            lambda: save(me, curriculum.id, kind=kind, values=typed, **posted),
            _saved_count,
            target,
        )
        if done is not None:
            return done
    context = _grid_context(curriculum, term)
    if finals:
        page["existing"] = context["finals"] if kind == "term" else context["annual"]
    return (
        render_template(
            template, form=form, typed=typed, errors=errors, kind=kind, **page, **context
        ),
        status,
    )


@bp.route("/grid/<int:curriculum_id>", methods=["GET", "POST"])
@access.staff_required
def grid(curriculum_id: int) -> Any:
    today = clock.today()
    date_text = request.values.get("date") or today.isoformat()
    me, curriculum = _writable_curriculum(curriculum_id, date_text)
    year = curriculum.school_class.school_year
    term = request.args.get("term", type=rules.term_number) or year.term_of(
        min(today, year.ends_on)
    )
    if term not in (1, 2):
        term = 1
    kind = request.form.get("kind", "current")
    return _grade_table(
        me,
        curriculum,
        term,
        kind,
        grades_uc.save_grade_column,
        {
            "date": date_text,
            "comment": request.form.get("comment", ""),
            "override_lock": bool(request.form.get("override_lock")) and me.is_admin,
        },
        lambda saved: url_for(
            "staff.grid", curriculum_id=curriculum.id, term=saved[0].term or term
        ),
        "gradebook/grid.html",
        date_value=date_text,
        kinds=[(k, KIND_BG[k]) for k in rules.CURRENT_KINDS],
        is_admin=me.is_admin,
    )


@bp.route("/grid/<int:curriculum_id>/final", methods=["GET", "POST"])
@access.staff_required
def final_grades(curriculum_id: int) -> Any:
    me, curriculum = _writable_curriculum(curriculum_id)
    kind = request.values.get("kind", "term")
    if kind not in rules.FINAL_KINDS:
        abort(404)
    term = request.values.get("term", type=rules.term_number) or 1
    return _grade_table(
        me,
        curriculum,
        term,
        kind,
        grades_uc.save_final_grades,
        {"term": term, "versions": numbered_fields("v"), "reason": request.form.get("reason", "")},
        lambda _saved: url_for(
            "staff.final_grades", curriculum_id=curriculum.id, kind=kind, term=term
        ),
        "gradebook/final.html",
        finals=True,
    )


@bp.route("/grades/<int:grade_id>/edit", methods=["GET", "POST"])
@access.staff_required
def grade_edit(grade_id: int) -> Any:
    me = actor()
    grade = core.get_in_school(Grade, grade_id, me.school_id)
    if not me.can_write_grades(grade.curriculum):
        abort(403)
    form = GradeEditForm(obj=None if request.method == "POST" else _grade_form_data(grade))
    if grade.kind in (GradeKind.TERM, GradeKind.ANNUAL):
        form.kind.choices = opts([(grade.kind.value, KIND_BG[grade.kind.value])])
    done, status = save_form(
        form,
        lambda: grades_uc.update_grade(
            me,
            grade.id,
            value=form.value.data or "",
            kind=form.kind.data,
            date=form.date.data,
            comment=form.comment.data or "",
            version=form.version.data,
            reason=form.reason.data or "",
            override_lock=bool(form.override_lock.data) and me.is_admin,
        ),
        "Оценката е променена.",
        url_for("staff.grid", curriculum_id=grade.curriculum_id),
    )
    if done is not None:
        return done
    delete_form = ReasonForm(formdata=None, version=grade.version)
    return (
        render_template(
            "gradebook/grade_edit.html",
            form=form,
            delete_form=delete_form,
            grade=grade,
            is_admin=me.is_admin,
            seen=seen_by("grade", grade.id, grade.student_id),
        ),
        status,
    )


class _Obj:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


def _grade_form_data(grade: Grade) -> _Obj:
    value = (
        grade.sop_mark
        and {"difficulties": "з", "copes": "с", "meets": "п"}[grade.sop_mark.value]
        or (str(grade.value) if grade.value is not None else "")
    )
    return _Obj(
        value=value,
        kind=grade.kind.value,
        date=grade.date,
        comment=grade.comment,
        version=grade.version,
        reason="",
        override_lock=False,
    )


reason_delete_routes(
    ReasonDelete(
        "grade_delete",
        "/grades/<int:grade_id>/delete",
        Grade,
        grades_uc.delete_grade,
        "Оценката е изтрита.",
        lambda grade: url_for("staff.grid", curriculum_id=grade.curriculum_id),
        # not deleted (no reason, a stale version, a locked month): back to the grade's own page
        {"lockable": True, "back": lambda grade: url_for("staff.grade_edit", grade_id=grade.id)},
    )
)
