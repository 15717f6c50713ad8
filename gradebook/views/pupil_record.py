"""The pupil's record on the staff web: sanctions (new, edit, cancel, delete), support measures
with their activities, individual work, and the notes of a class's book. The rules and rights
are in :mod:`gradebook.sanctions`, :mod:`gradebook.support` and :mod:`gradebook.class_notes`;
:func:`student_context` is what the pupil's page shows of it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import access
from gradebook import class_notes as notes_uc
from gradebook import core
from gradebook import rules
from gradebook import sanctions as sanctions_uc
from gradebook import support as support_uc
from gradebook.dropout import risk_of_student
from gradebook.forms import opts
from gradebook.pupil_record_forms import ActivityForm
from gradebook.pupil_record_forms import ClassNoteForm
from gradebook.pupil_record_forms import IndividualWorkForm
from gradebook.pupil_record_forms import SanctionCancelForm
from gradebook.pupil_record_forms import SanctionForm
from gradebook.pupil_record_forms import SupportForm
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_action
from gradebook.staff_base import form_page
from gradebook.staff_base import form_values
from gradebook.staff_base import reason_delete_routes
from gradebook.views.common import record_form
from gradebook.views.common import require_view_class
from gradebook.views.common import student_for_view
from gradebook.views.common import to_student_page
from models import ClassNote
from models import FirstGradeResult
from models import GradeResult
from models import IndividualWork
from models import PgAttendance
from models import PgResult
from models import Sanction
from models import SchoolClass
from models import StaffMembership
from models import StaffUser
from models import Student
from models import SupportActivity
from models import SupportMeasure
from models import db


def student_context(me: core.Actor, student: Student, klass: SchoolClass) -> dict[str, Any]:
    """What the pupil's staff page shows of the record: sanctions (to whoever sees the pupil),
    support and individual work (only to those who may see them), notes, the dropout flag."""
    sees_support = support_uc.can_see_support(me, student.id, klass.id)
    return {
        "record_sanctions": sanctions_uc.sanctions_of(me.school_id, student.id),
        "record_has_sanctions": rules.has_sanctions(klass.grade_level),
        "record_sees_support": sees_support,
        "record_supports": support_uc.supports_of(me.school_id, student.id) if sees_support else [],
        "record_works": support_uc.individual_work_of(me.school_id, student.id)
        if sees_support
        else [],
        "record_notes": notes_uc.notes_of_pupil(me.school_id, student.id),
        "record_risk": risk_of_student(me.school_id, student.id, klass.school_year_id),
        "SANCTION_KINDS": rules.SANCTION_KINDS,
        "SUPPORT_DIFFICULTIES": rules.SUPPORT_DIFFICULTIES,
        "SUPPORT_ACTIVITIES": rules.SUPPORT_ACTIVITIES,
        "activity_form": ActivityForm(formdata=None),
        "today": clock.today(),
    }


HISTORY_TYPES: dict[str, Any] = {
    "sanction": Sanction,
    "support_measure": SupportMeasure,
    "support_activity": SupportActivity,
    "individual_work": IndividualWork,
    "class_note": ClassNote,
    "pg_attendance": PgAttendance,
    "pg_result": PgResult,
    "first_grade_result": FirstGradeResult,
    "grade_result": GradeResult,
}
SUPPORT_TYPES = frozenset({"support_measure", "support_activity", "individual_work"})


def can_see_history(
    me: core.Actor, object_type: str, student_id: int | None, obj: Any = None
) -> bool:
    """The history of a support record is as restricted as the record; a class-wide note's is
    the class's (whoever sees the class)."""
    if object_type in SUPPORT_TYPES:
        if student_id is None:
            return me.is_admin
        klass = core.student_class(student_id)
        return support_uc.can_see_support(me, student_id, klass.id if klass else None)
    if object_type == "class_note" and obj is not None:
        return me.can_view_class(obj.class_id)
    return True


def _of_student(model: Any, row_id: int | None, student: Student) -> Any:
    if row_id is None:
        return None
    row = core.get_in_school(model, row_id, actor().school_id)
    if row.student_id != student.id:
        abort(404)
    return row


# --- sanctions -----------------------------------------------------------------------------------
@bp.route("/students/<int:student_id>/sanctions/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/sanctions/<int:sanction_id>", methods=["GET", "POST"])
@access.staff_required
def sanction_form(student_id: int, sanction_id: int | None = None) -> Any:
    me = actor()
    student, klass = student_for_view(student_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    sanction = _of_student(Sanction, sanction_id, student)
    form = record_form(
        SanctionForm, sanction, {"order_date": clock.today(), "start_date": clock.today()}
    )
    if sanction is not None and request.method == "GET":
        form.kind.data = str(sanction.kind)
    return form_page(
        form,
        lambda: sanctions_uc.save_sanction(
            me,
            student_id=student.id,
            sanction_id=sanction.id if sanction else None,
            version=form.version.data,
            reason=form.reason.data or "",
            override_lock=bool(form.override_lock.data) and me.is_admin,
            **form_values(
                form,
                "order_date",
                "start_date",
                "end_date",
                kind="",
                order_number="",
                description="",
            ),
        ),
        "Санкцията е записана.",
        url_for("staff.student", student_id=student.id),
        "gradebook/sanction_form.html",
        student=student,
        klass=klass,
        sanction=sanction,
        cancel_form=SanctionCancelForm(formdata=None, data={"cancel_order_date": clock.today()}),
        has_sanctions=rules.has_sanctions(klass.grade_level),
        is_admin=me.is_admin,
    )


@bp.post("/sanctions/<int:sanction_id>/cancel")
@access.staff_required
def sanction_cancel(sanction_id: int) -> Any:
    me = actor()
    row = core.get_in_school(Sanction, sanction_id, me.school_id)
    form = SanctionCancelForm()
    form_action(
        form,
        lambda: sanctions_uc.cancel_sanction(
            me,
            row.id,
            version=form.version.data,
            override_lock=bool(form.override_lock.data) and me.is_admin,
            **form_values(form, "cancel_order_date", cancel_order_number="", cancel_reason=""),
        ),
        "Санкцията е отменена.",
        invalid="Поправете полетата на заповедта за отмяна.",
    )
    return redirect(url_for("staff.student", student_id=row.student_id))


# --- support ------------------------------------------------------------------------------------
def _staff_choices(school_id: int) -> list[tuple[str, str]]:
    return [
        (str(s.id), s.full_name)
        for s in db.session.scalars(
            sa.select(StaffUser)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(StaffMembership.school_id == school_id)
            .distinct()
            .order_by(StaffUser.full_name)
        )
    ]


@bp.route("/students/<int:student_id>/support/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/support/<int:support_id>", methods=["GET", "POST"])
@access.staff_required
def support_form(student_id: int, support_id: int | None = None) -> Any:
    me = actor()
    student, klass = student_for_view_support(student_id)
    support = _of_student(SupportMeasure, support_id, student)
    if support is None and not me.can_manage_class(klass.id):
        abort(403)
    form = record_form(
        SupportForm, support, {"start_date": clock.today(), "end_date": klass.school_year.ends_on}
    )
    form.team.choices = opts(_staff_choices(me.school_id))
    if support is not None and request.method == "GET":
        form.difficulties.data = [str(c) for c in support.difficulties]
        form.team.data = [str(m.id) for m in support.team]
    return form_page(
        form,
        lambda: support_uc.save_support(
            me,
            student_id=student.id,
            support_id=support.id if support else None,
            version=form.version.data,
            reason=form.reason.data or "",
            difficulties=form.difficulties.data or [],
            team=form.team.data or [],
            additional=bool(form.additional.data),
            **form_values(form, "start_date", "end_date", description="", expected_result=""),
        ),
        "Мярката за подкрепа е записана.",
        url_for("staff.student", student_id=student.id),
        "gradebook/support_form.html",
        student=student,
        klass=klass,
        support=support,
        activity_form=ActivityForm(formdata=None),
        SUPPORT_ACTIVITIES=rules.SUPPORT_ACTIVITIES,
        works=support_uc.individual_work_of(me.school_id, student.id) if support else [],
    )


@bp.get("/support-teams")
@access.staff_required
def support_teams() -> Any:
    """The support measures whose team the signed-in staff member is on (a member who does not
    teach the pupil's class reaches them here)."""
    me = actor()
    return render_template("gradebook/support_teams.html", measures=support_uc.my_measures(me))


@bp.app_context_processor
def _support_team_link() -> dict[str, Any]:
    staff = access.current_staff()
    school_id = access.current_school_id() if staff else None
    if staff is None or school_id is None:
        return {}
    return {"staff_on_support_team": support_uc.is_team_member(staff.id, school_id)}


def student_for_view_support(student_id: int) -> tuple[Student, SchoolClass]:
    """The pupil for a support page: the class teacher, an admin or a member of the pupil's
    support team (a team member who does not teach the class still reaches it); 403 for others."""
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    klass = core.student_class(student.id)
    if klass is None:
        abort(404)
    if not support_uc.can_see_support(me, student.id, klass.id):
        abort(403)
    return student, klass


@bp.post("/support/<int:support_id>/activities")
@access.staff_required
def support_activity_add(support_id: int) -> Any:
    me = actor()
    row = core.get_in_school(SupportMeasure, support_id, me.school_id)
    form = ActivityForm()
    form_action(
        form,
        lambda: support_uc.add_activity(
            me, row.id, **form_values(form, "date", activity_type="", target="", result="")
        ),
        "Дейността е добавена.",
        invalid="Поправете полетата на дейността.",
    )
    return redirect(url_for("staff.support_form", student_id=row.student_id, support_id=row.id))


@bp.post("/support-activities/<int:activity_id>/delete")
@access.staff_required
def support_activity_delete(activity_id: int) -> Any:
    from gradebook.forms import ReasonForm

    me = actor()
    row = core.get_in_school(SupportActivity, activity_id, me.school_id)
    student_id, support_id = row.support.student_id, row.support_id
    form = ReasonForm()
    form_action(
        form,
        lambda: support_uc.delete_activity(me, row.id, reason=form.reason.data or ""),
        "Дейността е изтрита.",
        invalid="Посочете причина за изтриването.",
    )
    return redirect(url_for("staff.support_form", student_id=student_id, support_id=support_id))


# --- individual work -----------------------------------------------------------------------------
@bp.route("/students/<int:student_id>/individual-work/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/individual-work/<int:work_id>", methods=["GET", "POST"])
@access.staff_required
def individual_work_form(student_id: int, work_id: int | None = None) -> Any:
    me = actor()
    student, klass = student_for_view_support(student_id)
    work = _of_student(IndividualWork, work_id, student)
    form = record_form(IndividualWorkForm, work, {"date": clock.today()})
    return form_page(
        form,
        lambda: support_uc.save_individual_work(
            me,
            student_id=student.id,
            work_id=work.id if work else None,
            version=form.version.data,
            reason=form.reason.data or "",
            **form_values(form, "date", activity=""),
        ),
        "Индивидуалната работа е записана.",
        url_for("staff.student", student_id=student.id)
        if me.can_view_class(klass.id)
        else url_for("staff.support_teams"),
        "gradebook/individual_work_form.html",
        student=student,
        klass=klass,
        work=work,
    )


# --- class notes ---------------------------------------------------------------------------------
@bp.route("/classes/<int:class_id>/notes", methods=["GET", "POST"])
@bp.route("/classes/<int:class_id>/notes/<int:class_note_id>", methods=["GET", "POST"])
@access.staff_required
def class_notes(class_id: int, class_note_id: int | None = None) -> Any:
    """The notes of a class's book: everyone who sees the class reads them; the class teacher
    and the admins write them (the form is theirs only)."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    require_view_class(klass.id)
    manage = me.can_manage_class(klass.id)
    if request.method == "POST" and not manage:
        abort(403)
    note = None
    if class_note_id is not None:
        note = core.get_in_school(ClassNote, class_note_id, me.school_id)
        if note.class_id != klass.id:
            abort(404)
        if not manage:
            abort(403)
    form = record_form(ClassNoteForm, note, {"date": clock.today()})
    form.student_id.choices = opts(
        [("", "— целия клас —")]
        + [(str(e.student_id), e.student.full_name) for e in core.active_enrollments(klass.id)]
    )
    if note is not None and request.method == "GET":
        form.student_id.data = str(note.student_id or "")
    return form_page(
        form,
        lambda: notes_uc.save_note(
            me,
            class_id=klass.id,
            note_id=note.id if note else None,
            version=form.version.data,
            reason=form.reason.data or "",
            **form_values(form, "date", text="", student_id=None),
        ),
        "Бележката е записана.",
        url_for("staff.class_notes", class_id=klass.id),
        "gradebook/class_notes.html",
        klass=klass,
        note=note,
        notes=notes_uc.notes_of_class(me.school_id, klass.id),
        manage=manage,
    )


def _to_class_notes(row: ClassNote) -> str:
    return url_for("staff.class_notes", class_id=row.class_id)


def _to_support_owner(row: Any) -> str:
    return url_for("staff.student", student_id=row.student_id) + "#support"


reason_delete_routes(
    ReasonDelete(
        "sanction_delete",
        "/sanctions/<int:sanction_id>/delete",
        Sanction,
        sanctions_uc.delete_sanction,
        "Санкцията е изтрита.",
        to_student_page,
        {"lockable": True},
    ),
    ReasonDelete(
        "support_delete",
        "/support/<int:support_id>/delete",
        SupportMeasure,
        support_uc.delete_support,
        "Мярката за подкрепа е изтрита.",
        _to_support_owner,
    ),
    ReasonDelete(
        "individual_work_delete",
        "/individual-work/<int:work_id>/delete",
        IndividualWork,
        support_uc.delete_individual_work,
        "Индивидуалната работа е изтрита.",
        _to_support_owner,
    ),
    ReasonDelete(
        "class_note_delete",
        "/class-notes/<int:class_note_id>/delete",
        ClassNote,
        notes_uc.delete_note,
        "Бележката е изтрита.",
        _to_class_notes,
    ),
)

__all__ = ["can_see_history", "student_context"]
