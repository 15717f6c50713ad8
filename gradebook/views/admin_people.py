"""The school admin's pupils and their families: add and edit a pupil, move them to another class,
record that they leave, a new parent code (``/admin/students/<id>``); link and unlink parents,
reset a parent's phone PIN; printable parent labels of a class (``/admin/classes/<id>/labels``);
new registrations and links waiting for the school (``/admin/families``, also for a class
teacher). Use-cases in :mod:`gradebook.people` and :mod:`notify.families`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from config import urls
from gradebook import access
from gradebook import core
from gradebook import people
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.forms import LeaveForm
from gradebook.forms import LinkGuardianForm
from gradebook.forms import MoveForm
from gradebook.forms import StudentForm
from gradebook.forms import opts
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.staff_base import form_values
from gradebook.staff_base import rows
from gradebook.views.admin_common import ButtonRow
from gradebook.views.admin_common import StrictRow
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import button
from gradebook.views.admin_common import button_routes
from gradebook.views.admin_common import classes
from gradebook.views.admin_common import strict_routes
from gradebook.views.admin_common import submit
from models import Enrollment
from models import GuardianStudent
from models import School
from models import SchoolClass
from models import Student
from models import db
from notify import families
from notify.operations import AccountError


def _student_form(me: core.Actor, student: Student | None) -> StudentForm:
    form = StudentForm(obj=student if request.method == "GET" else None)
    form.class_id.choices = opts([(0, "—")] + [(c.id, c.name) for c in classes(me.school_id)])
    if request.method == "GET":
        if student is not None:
            form.personal_id_type.data = student.personal_id_type.value
        elif request.args.get("class_id", type=rules.db_id):
            form.class_id.data = request.args.get("class_id", type=rules.db_id)
    return form


def _save_student(me: core.Actor, form: StudentForm, **placement: Any) -> Student:
    """The pupil's personal data from either student form; ``placement`` says whether a new pupil
    joins a class (``class_id``, ``class_number``) or which pupil is edited (``student_id``)."""
    return people.save_student(
        me,
        first_name=form.first_name.data or "",
        middle_name=form.middle_name.data or "",
        last_name=form.last_name.data or "",
        personal_id_type=form.personal_id_type.data or "egn",
        personal_id=form.personal_id.data or "",
        sop=bool(form.sop.data),
        **placement,
    )


@admin_route("/admin/students/new", ["GET", "POST"])
def admin_student_new() -> Any:
    me = actor()
    form = _student_form(me, None)
    return submit(
        form,
        lambda: _save_student(
            me, form, class_id=form.class_id.data or None, class_number=form.class_number.data
        ),
        lambda student: f"Ученикът е добавен. Код за родителите: {student.student_code}",
        lambda student: url_for("staff.admin_student", student_id=student.id),
        lambda form, status: (
            render_template("gradebook/admin_student_form.html", form=form, student=None),
            status,
        ),
    )


@admin_route("/admin/students/<int:student_id>", ["GET", "POST"])
def admin_student(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = _student_form(me, student)

    def page(form: StudentForm, status: int) -> Any:
        klass = core.student_class(student.id)
        move_form = MoveForm(formdata=None, data={"date": clock.today()})
        move_form.class_id.choices = opts(
            [(c.id, c.name) for c in classes(me.school_id) if not klass or c.id != klass.id]
        )
        guardians = rows(
            sa.select(GuardianStudent).where(
                GuardianStudent.student_id == student.id,
                GuardianStudent.school_id == me.school_id,
            )
        )
        return (
            render_template(
                "gradebook/admin_student_form.html",
                form=form,
                student=student,
                klass=klass,
                move_form=move_form,
                leave_form=LeaveForm(formdata=None, data={"date": clock.today()}),
                button_form=CsrfForm(),
                guardians=guardians,
                link_form=LinkGuardianForm(formdata=None),
            ),
            status,
        )

    return submit(
        form,
        lambda: _save_student(me, form, class_id=None, student_id=student.id),
        "Данните са записани.",
        url_for("staff.admin_student", student_id=student.id),
        page,
    )


@admin_route("/admin/students/<int:student_id>/move", ["POST"])
def admin_student_move(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = MoveForm()
    form.class_id.choices = opts([(c.id, c.name) for c in classes(me.school_id)])
    return button(
        lambda me: people.move_student(
            me, student.id, **form_values(form, "class_id", "date", reason="")
        ),
        "Ученикът е преместен.",
        url_for("staff.admin_student", student_id=student.id),
        form,
        invalid="Изберете клас и дата.",
    )


@admin_route("/admin/students/<int:student_id>/leave", ["POST"])
def admin_student_leave(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = LeaveForm()
    return button(
        lambda me: people.student_leaves(me, student.id, **form_values(form, "date", reason="")),
        "Ученикът е отписан.",
        url_for("staff.admin_student", student_id=student.id),
        form,
        invalid="Посочете дата и причина.",
    )


@admin_route("/admin/guardians/<int:guardian_id>/pin", ["POST"])
def admin_guardian_pin(guardian_id: int) -> Any:
    me = actor()
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        people.reset_guardian_pin(me, guardian_id)
    except core.Invalid as exc:  # no verified phone, or children elsewhere: said on the page
        fail(exc)
    except core.OperationError as exc:
        fail(exc)
        raise
    else:
        flash(
            "Изпратихме на родителя SMS с връзка за нов ПИН (само на потвърдения му телефон). "
            "Старият ПИН важи, докато родителят не зададе нов.",
            "success",
        )
    back = request.form.get("student_id", type=rules.db_id)
    if back:
        core.get_in_school(Student, back, me.school_id)
        return redirect(url_for("staff.admin_student", student_id=back))
    return redirect(url_for("staff.admin_index"))


@admin_route("/admin/students/<int:student_id>/guardians", ["POST"])
def admin_guardian_link(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = LinkGuardianForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash("Въведете имейл или телефон на родителя.", "error")
        return redirect(url_for("staff.admin_student", student_id=student.id))
    try:
        outcome = people.link_guardian(
            me, student.id, contact=form.contact.data or "", relation=form.relation.data or ""
        )
    except core.OperationError as exc:
        fail(exc)
    else:  # nothing here tells whose the contact is, beyond "the parent must confirm"
        flash(
            "Родителят е свързан с ученика."
            if outcome == "linked"
            else "Изпратена е покана до родителя. Връзката ще се появи, когато той я потвърди.",
            "success",
        )
    return redirect(url_for("staff.admin_student", student_id=student.id))


button_routes(
    lambda student_id: url_for("staff.admin_student", student_id=student_id),
    ButtonRow(
        "admin_student_code",
        "/admin/students/<int:student_id>/code",
        people.regenerate_student_code,
        lambda code: f"Нов код за родителите: {code}. Старият код вече не важи.",
        Student,
    ),
)
strict_routes(
    StrictRow(
        "admin_guardian_unlink",
        "/admin/guardian-links/<int:link_id>/delete",
        people.unlink_guardian,
        "Връзката е премахната.",
        lambda student_id: url_for("staff.admin_student", student_id=student_id),
    )
)


def _family_students() -> set[int] | None:
    """Whose new links the signed-in staff member sees: all (None) for an admin, the pupils of
    their classes for a class teacher; 403 for anyone else."""
    if access.is_admin():
        return None
    class_ids = access.class_teacher_class_ids()
    access.require(bool(class_ids))
    return set(
        db.session.scalars(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id.in_(class_ids), Enrollment.left_on.is_(None)
            )
        )
    )


@bp.get("/admin/families")
@access.staff_required
def admin_families() -> Any:
    """New registrations and links of the school's pupils (a class teacher: of their classes),
    and requests waiting for the school (registrations and "add a child" without a recorded
    contact; invitations to parents)."""
    me = actor()
    pending, notices = families.school_overview(me.school_id, _family_students())
    return render_template(
        "gradebook/admin_families.html",
        pending=pending,
        notices=notices,
        button_form=CsrfForm(),
    )


@bp.post("/admin/families/<int:request_id>/approve")
@access.staff_required
def admin_family_approve(request_id: int) -> Any:
    return _family_decide(request_id, "approve")


@bp.post("/admin/families/<int:request_id>/refuse")
@access.staff_required
def admin_family_refuse(request_id: int) -> Any:
    return _family_decide(request_id, "refuse")


def _family_decide(request_id: int, decision: str) -> Any:
    """An admin, or the class teacher of the pupil, approves or refuses a request."""
    me = actor()
    if not CsrfForm().validate_on_submit():
        abort(400)
    student_id = families.request_student(me.school_id, request_id)
    access.require(student_id is not None and access.can_see_health(student_id))
    try:
        if decision == "approve":
            outcome = families.approve_request(me.school_id, me.staff_id, request_id)
            flash(
                "Заявката е одобрена. Родителят е уведомен."
                if outcome != "invited"
                else "Заявката е одобрена. Изпратена е покана до родителя.",
                "success",
            )
        else:
            families.refuse_request(me.school_id, me.staff_id, request_id)
            flash("Заявката е отказана.", "success")
    except AccountError as exc:
        db.session.rollback()
        flash(exc.message_bg, "error")
    return redirect(url_for("staff.admin_families"))


@admin_route("/admin/classes/<int:class_id>/labels")
def admin_labels(class_id: int) -> Any:
    """Printable parent labels for a class: name, class, code, phone, portal, how to register."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    school = db.session.get(School, me.school_id)
    assert school is not None
    portal = urls.base_url(current_app.config, portal=True)
    phone = school.info_phone or current_app.config.get("INFO_PHONE_NUMBER", "")
    return render_template(
        "gradebook/labels.html",
        klass=klass,
        school=school,
        enrollments=core.active_enrollments(klass.id),
        portal=portal,
        phone=_phone_display(phone),
    )


def _phone_display(e164: str) -> str:
    try:
        import phonenumbers

        number = phonenumbers.parse(e164, "BG")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    except Exception:  # noqa: BLE001 - display only
        return e164
