"""The year's sections of a class book on the staff web: a preparatory group's daily attendance
(one screen per day, and the month), the ПГ results, first grade's overall annual result and the
annual results of V–XII (suggested from the annual grades, confirmed by the class teacher, the
retake sessions and the final result). The rules and rights are in :mod:`gradebook.pg_attendance`
and :mod:`gradebook.year_results`; every teacher of the class reads, the class teacher and the
admins write (docs/SECURITY.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import access
from gradebook import core
from gradebook import pg_attendance as attendance_uc
from gradebook import rules
from gradebook import year_results as results_uc
from gradebook.forms import CsrfForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_action
from gradebook.staff_base import post_table
from gradebook.views.common import WEEKDAYS_BG
from gradebook.views.common import require_view_class
from models import SchoolClass


def _viewed_class(class_id: int, section: str) -> tuple[core.Actor, SchoolClass, bool]:
    """The class (404 in another school, 403 for a teacher not of the class), 404 when its book
    has no such section; and whether the actor writes it."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    require_view_class(klass.id)
    if not rules.has_section(klass.grade_level, section):
        abort(404)
    manage = me.can_manage_class(klass.id)
    if request.method == "POST" and not manage:
        abort(403)
    return me, klass, manage


def _day(raw: str | None) -> dt.date:
    try:
        return core.parse_date(raw) if raw else clock.today()
    except core.Invalid:
        return clock.today()


# --- ПГ daily attendance ----------------------------------------------------------------------------
def _posted_marks(pupils: list[int]) -> dict[int, attendance_uc.Mark]:
    return {
        sid: attendance_uc.Mark(
            request.form.get(f"kind{sid}", "present"),
            request.form.get(f"reason{sid}", "")
            if request.form.get(f"kind{sid}") == "excused"
            else "",
            request.form.get(f"comment{sid}", "")
            if request.form.get(f"kind{sid}") == "excused"
            else "",
        )
        for sid in pupils
    }


@bp.route("/classes/<int:class_id>/attendance", methods=["GET", "POST"])
@access.staff_required
def pg_attendance(class_id: int) -> Any:
    """One day of a preparatory group: every child present by default."""
    me, klass, manage = _viewed_class(class_id, "attendance")
    day = _day(request.values.get("date"))
    form = CsrfForm()
    enrollments = attendance_uc.roll(klass)
    pupils = [e.student_id for e in enrollments]
    status, errors, typed = 200, {}, None
    if request.method == "POST":
        typed = _posted_marks(pupils)
        override = bool(request.form.get("override_lock")) and me.is_admin
        done, status, errors = post_table(
            form,
            lambda: attendance_uc.save_day(
                me, klass.id, request.form.get("date", ""), typed, override_lock=override
            ),
            lambda changed: f"Присъствието е записано (променени {changed}).",
            lambda _c: url_for("staff.pg_attendance", class_id=klass.id, date=day.isoformat()),
        )
        if done is not None:
            return done
    stored = attendance_uc.day_marks(me.school_id, klass.id, day)
    marks = typed or attendance_uc.shown_marks(stored, pupils, day)
    return (
        render_template(
            "gradebook/pg_attendance.html",
            form=form,
            klass=klass,
            day=day,
            weekday=WEEKDAYS_BG[day.isoweekday()],
            enrollments=enrollments,
            marks=marks,
            taken=bool(stored),
            errors=errors,
            manage=manage,
            is_admin=me.is_admin,
            KINDS=rules.ATTENDANCE_SHORT,
            REASONS=rules.EXCUSE_REASONS,
        ),
        status,
    )


@bp.get("/classes/<int:class_id>/attendance/month")
@access.staff_required
def pg_attendance_month(class_id: int) -> Any:
    me, klass, manage = _viewed_class(class_id, "attendance")
    day = _day((request.args.get("month") or "") + "-01" if request.args.get("month") else None)
    grid = attendance_uc.month_grid(me.school_id, klass.id, day.year, day.month)
    previous = day.replace(day=1) - dt.timedelta(days=1)
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return render_template(
        "gradebook/pg_attendance_month.html",
        klass=klass,
        grid=grid,
        month=day.replace(day=1),
        month_name=rules.month_year_bg(day.year, day.month),
        previous=previous.strftime("%Y-%m"),
        following=following.strftime("%Y-%m"),
        manage=manage,
    )


# --- ПГ results ---------------------------------------------------------------------------------------
@bp.route("/classes/<int:class_id>/pg-results", methods=["GET", "POST"])
@access.staff_required
def pg_results(class_id: int) -> Any:
    me, klass, manage = _viewed_class(class_id, "pg_results")
    subjects = results_uc.class_subjects(klass.id)
    chosen = request.values.get("subject_id", type=rules.db_id) or (
        subjects[0].subject_id if subjects else None
    )
    form = CsrfForm()
    enrollments = attendance_uc.roll(klass)
    status, errors = 200, {}
    if request.method == "POST":
        if chosen is None:
            abort(404)
        posted = {
            e.student_id: (
                request.form.get(f"start{e.student_id}", ""),
                request.form.get(f"end{e.student_id}", ""),
            )
            for e in enrollments
        }
        done, status, errors = post_table(
            form,
            lambda: results_uc.save_pg_results(me, klass.id, chosen, posted),
            lambda changed: f"Резултатите са записани (променени {changed}).",
            lambda _c: url_for("staff.pg_results", class_id=klass.id, subject_id=chosen),
        )
        if done is not None:
            return done
    return (
        render_template(
            "gradebook/pg_results.html",
            form=form,
            klass=klass,
            subjects=subjects,
            chosen=chosen,
            enrollments=enrollments,
            results=results_uc.pg_results_of(me.school_id, klass.id),
            typed=request.form if request.method == "POST" else None,
            errors=errors,
            manage=manage,
        ),
        status,
    )


# --- first grade ------------------------------------------------------------------------------------
@bp.route("/classes/<int:class_id>/first-grade-results", methods=["GET", "POST"])
@access.staff_required
def first_grade_results(class_id: int) -> Any:
    me, klass, manage = _viewed_class(class_id, "first_grade_result")
    form = CsrfForm()
    enrollments = attendance_uc.roll(klass)
    status, errors = 200, {}
    if request.method == "POST":
        posted = {e.student_id: request.form.get(f"result{e.student_id}", "") for e in enrollments}
        done, status, errors = post_table(
            form,
            lambda: results_uc.save_first_grade_results(me, klass.id, posted),
            lambda changed: f"Общият годишен резултат е записан (променени {changed}).",
            lambda _c: url_for("staff.first_grade_results", class_id=klass.id),
        )
        if done is not None:
            return done
    stored = results_uc.first_grade_results_of(me.school_id, klass.id)
    values = {
        sid: (f"q{r.qualitative}" if r.qualitative else f"s{r.special}")
        for sid, r in stored.items()
    }
    if request.method == "POST":
        values = {e.student_id: request.form.get(f"result{e.student_id}", "") for e in enrollments}
    return (
        render_template(
            "gradebook/first_grade_results.html",
            form=form,
            klass=klass,
            enrollments=enrollments,
            values=values,
            errors=errors,
            manage=manage,
            QUALITATIVE=rules.QUALITATIVE_GRADES,
            SPECIAL=rules.SPECIAL_NEEDS_MARKS,
        ),
        status,
    )


# --- annual results (V–XII) -------------------------------------------------------------------------
@bp.route("/classes/<int:class_id>/annual-results", methods=["GET", "POST"])
@access.staff_required
def annual_results(class_id: int) -> Any:
    """The class's annual results beside what the annual grades suggest; the class teacher
    confirms the suggestions of the pupils without a result (one button)."""
    me, klass, manage = _viewed_class(class_id, "grade_results")
    form = CsrfForm()
    if request.method == "POST":
        form_action(
            form,
            lambda: results_uc.confirm_suggestions(me, klass.id),
            lambda made: f"Записани са {made} годишни резултата.",
        )
        return redirect(url_for("staff.annual_results", class_id=klass.id))
    subjects = {c.id: c.subject.name for c in results_uc.class_subjects(klass.id)}
    return render_template(
        "gradebook/annual_results.html",
        form=form,
        klass=klass,
        enrollments=attendance_uc.roll(klass),
        suggestions=results_uc.suggestions(me.school_id, klass.id),
        results=results_uc.grade_results_of(me.school_id, klass.id),
        subjects=subjects,
        manage=manage,
        RESULTS=rules.GRADE_RESULTS,
        suggested_final=results_uc.suggested_final,
    )


def _posted_sessions(retake: list[int]) -> dict[int, list[rules.Session]]:
    out: dict[int, list[rules.Session]] = {}
    for cid in retake:
        sessions = []
        for i in (1, 2, 3):
            raw = request.form.get(f"s{i}_{cid}", "")
            if raw == "absent":
                sessions.append(rules.Session(None, True))
            elif raw.isascii() and raw.isdigit():
                sessions.append(rules.Session(int(raw), False))
            else:
                sessions.append(rules.Session())
        out[cid] = sessions
    return out


@bp.route("/classes/<int:class_id>/annual-results/<int:student_id>", methods=["GET", "POST"])
@access.staff_required
def annual_result(class_id: int, student_id: int) -> Any:
    me, klass, manage = _viewed_class(class_id, "grade_results")
    if not manage:
        abort(403)
    enrollment = next((e for e in attendance_uc.roll(klass) if e.student_id == student_id), None)
    if enrollment is None:
        abort(404)
    form = CsrfForm()
    curricula = results_uc.class_subjects(klass.id)
    row = results_uc.grade_results_of(me.school_id, klass.id).get(student_id)
    suggestion = results_uc.suggestions(me.school_id, klass.id).get(student_id)
    status = 200
    if request.method == "POST":
        retake = [c.id for c in curricula if request.form.get(f"retake{c.id}")]
        done, status, _errors = post_table(
            form,
            lambda: results_uc.save_grade_result(
                me,
                klass.id,
                student_id,
                initial=request.form.get("initial", ""),
                retake=retake,
                sessions=_posted_sessions(retake),
                final=request.form.get("final") or None,
                version=request.form.get("version"),
                reason=request.form.get("reason", ""),
            ),
            lambda _r: "Годишният резултат е записан.",
            lambda _r: url_for("staff.annual_results", class_id=klass.id),
        )
        if done is not None:
            return done
    retaking = {s.curriculum_id: results_uc.sessions_of(s) for s in row.subjects} if row else {}
    if row is None and suggestion is not None:
        retaking = {cid: [rules.Session()] * 3 for cid in suggestion.retake}
    return (
        render_template(
            "gradebook/annual_result.html",
            form=form,
            klass=klass,
            enrollment=enrollment,
            curricula=curricula,
            row=row,
            suggestion=suggestion,
            initial=row.initial if row else (suggestion.result if suggestion else None),
            retaking=retaking,
            annual=results_uc.annual_grades(me.school_id, klass.id).get(student_id, {}),
            RESULTS=rules.GRADE_RESULTS,
            suggested_final=results_uc.suggested_final(row) if row else None,
        ),
        status,
    )
