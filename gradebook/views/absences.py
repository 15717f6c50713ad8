"""Absences and lates on the staff web: the register of one lesson (``/lesson/<slot>?date=``),
the class teacher's list that excuses several or a date range (``/classes/<id>/absences``) and
deleting one absence with a reason. The rules are in :mod:`gradebook.absences`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import absences as absences_uc
from gradebook import access
from gradebook import core
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import post_table
from gradebook.staff_base import reason_delete_routes
from gradebook.staff_base import rows
from gradebook.substitutions import lesson_view
from gradebook.views import topics as topics_view
from gradebook.views.common import WEEKDAYS_BG
from gradebook.views.common import managed_class
from gradebook.views.common import to_student_page
from models import Absence
from models import AbsenceKind
from models import Enrollment
from models import TimetableSlot
from models import db


def _posted_marks(enrollments: list[Enrollment]) -> dict[int, str]:
    """The register as posted: each pupil "late", "absent" or "" (present)."""
    marks: dict[int, str] = {}
    for e in enrollments:
        sid = e.student_id
        if request.form.get(f"late{sid}"):
            marks[sid] = "late"
        elif request.form.get(f"absent{sid}"):
            marks[sid] = "absent"
        else:
            marks[sid] = ""
    return marks


def _register_saved(marks: dict[int, str], counts: dict[str, int]) -> str:
    absent = sum(1 for v in marks.values() if v == "absent")
    late = sum(1 for v in marks.values() if v == "late")
    return (
        f"Записано: отсъстващи {absent}, закъснели {late} "
        f"(нови {counts['created']}, променени {counts['updated']}, "
        f"премахнати {counts['deleted']})."
    )


@bp.route("/lesson/<int:slot_id>", methods=["GET", "POST"])
@access.staff_required
def lesson(slot_id: int) -> Any:
    me = actor()
    slot = core.get_in_school(TimetableSlot, slot_id, me.school_id)
    if not rules.has_section(slot.school_class.grade_level, rules.SECTION_ABSENCES):
        abort(404)  # a preparatory group keeps daily attendance instead (views.year_results)
    today = clock.today()
    if not request.values.get("date"):
        # the latest day (today or before) on which this lesson is in the timetable
        back = (today.isoweekday() - slot.weekday) % 7
        date_text = (today - dt.timedelta(days=back)).isoformat()
    else:
        date_text = request.values["date"]
    try:
        day = core.parse_date(date_text)
    except core.Invalid:
        day = today
    if not (
        absences_uc.can_take_register(me, slot) or absences_uc.can_take_register(me, slot, day)
    ):
        abort(403)
    form = CsrfForm()
    enrollments = core.active_enrollments(slot.class_id)
    status = 200
    typed: dict[int, str] | None = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = typed = _posted_marks(enrollments)
        override = bool(request.form.get("override_lock")) and me.is_admin
        done, status, errors = post_table(
            form,
            topics_view.with_topics(
                me,
                slot,
                date_text,
                override,
                lambda: absences_uc.save_lesson_absences(
                    me, slot.id, date=date_text, marks=posted, override_lock=override
                ),
            ),
            lambda counts: _register_saved(posted, counts) + topics_view.saved_text(counts),
            lambda _counts: url_for("staff.lesson", slot_id=slot.id, date=day.isoformat()),
        )
        if done is not None:
            return done
    existing = {
        a.student_id: a
        for a in db.session.scalars(
            sa.select(Absence).where(
                Absence.school_id == me.school_id,
                Absence.date == day,
                Absence.period == slot.period,
                Absence.student_id.in_([e.student_id for e in enrollments] or [0]),
            )
        )
    }
    marks = typed
    if marks is None:
        marks = {
            sid: ("late" if a.kind == AbsenceKind.LATE else "absent") for sid, a in existing.items()
        }
    return (
        render_template(
            "gradebook/lesson.html",
            form=form,
            slot=slot,
            day=day,
            weekday=WEEKDAYS_BG[day.isoweekday()],
            enrollments=enrollments,
            marks=marks,
            existing=existing,
            is_admin=me.is_admin,
            **topics_view.page_context(me, slot, day, errors),
            cover=lesson_view(slot, day),
        ),
        status,
    )


@bp.route("/classes/<int:class_id>/absences", methods=["GET", "POST"])
@access.staff_required
def class_absences(class_id: int) -> Any:
    """The class teacher's list of the class's absences: excuse several at once."""
    me, klass = managed_class(class_id)
    if not rules.has_section(klass.grade_level, rules.SECTION_ABSENCES):
        abort(404)  # a preparatory group keeps daily attendance instead (views.year_results)
    form = CsrfForm()
    status = 200
    selected: set[int] = set()
    if request.method == "POST":
        selected = {
            int(x)
            for x in request.form.getlist("absence")
            if x.isascii() and x.isdigit() and len(x) <= 18  # not "²"; fits a BIGINT
        }

        def excuse() -> int:
            nonlocal selected  # a date range: the page shows what it picked, even if refused
            if request.form.get("mode") == "range":
                selected = set(
                    absences_uc.unexcused_between(
                        me,
                        klass.id,
                        request.form.get("student_id", type=rules.db_id) or 0,
                        request.form.get("date_from", ""),
                        request.form.get("date_to", ""),
                    )
                )
            return absences_uc.excuse_absences(
                me,
                selected,
                reason=request.form.get("reason", ""),
                comment=request.form.get("comment", ""),
                override_lock=bool(request.form.get("override_lock")) and me.is_admin,
            )

        done, status, _errors = post_table(
            form,
            excuse,
            lambda count: f"Извинени отсъствия: {count}.",
            lambda _count: url_for("staff.class_absences", class_id=klass.id),
        )
        if done is not None:
            return done
    enrollments = core.active_enrollments(klass.id)
    ids = [e.student_id for e in enrollments]
    show = request.args.get("show", "open")
    query = sa.select(Absence).where(
        Absence.school_id == me.school_id, Absence.student_id.in_(ids or [0])
    )
    if show == "open":
        query = query.where(Absence.kind == AbsenceKind.UNEXCUSED)
    absences = rows(query.order_by(Absence.date.desc(), Absence.period))
    by_student: dict[int, list[Absence]] = defaultdict(list)
    for a in absences:
        by_student[a.student_id].append(a)
    return (
        render_template(
            "gradebook/absences.html",
            form=form,
            klass=klass,
            enrollments=enrollments,
            by_student=by_student,
            selected=selected,
            show=show,
            values=request.form,
            is_admin=me.is_admin,
        ),
        status,
    )


reason_delete_routes(
    ReasonDelete(
        "absence_delete",
        "/absences/<int:absence_id>/delete",
        Absence,
        absences_uc.delete_absence,
        "Отсъствието е изтрито.",
        to_student_page,
    )
)
