"""School admin screens of the staff web (same ``staff`` blueprint, ``/staff/admin/...``):
school year dates, vacations and non-school days, bell times, lock settings (``/admin/year``);
a new school year and the move into it — promotion, repeaters, curriculum and timetable, preview
then commit (``/admin/years/<id>/transition``);
classes and subjects (``/admin/``); per class the class teacher, the curriculum with teachers and
hours and the weekly timetable (``/admin/classes/<id>``); students: add, edit, move, leave, new
parent code, link/unlink parents, parents' PIN reset (``/admin/students/<id>``); printable parent
labels (``/admin/classes/<id>/labels``); staff (``/admin/staff``): see
``gradebook.staff_accounts_web``. Every route is ``@admin_required`` and every object is fetched within the
admin's school.
"""

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
from gradebook import school as school_uc
from gradebook import school_year
from gradebook import timetable
from gradebook.forms import WEEKDAYS
from gradebook.forms import BellForm
from gradebook.forms import ClassForm
from gradebook.forms import CsrfForm
from gradebook.forms import CurriculumEditForm
from gradebook.forms import CurriculumForm
from gradebook.forms import HolidayForm
from gradebook.forms import LeaveForm
from gradebook.forms import LinkGuardianForm
from gradebook.forms import MoveForm
from gradebook.forms import NewYearForm
from gradebook.forms import SlotForm
from gradebook.forms import StudentForm
from gradebook.forms import SubjectEditForm
from gradebook.forms import SubjectForm
from gradebook.forms import TeacherSelectForm
from gradebook.forms import YearSettingsForm
from gradebook.forms import opts
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.staff_base import form_action
from gradebook.staff_base import save_form
from models import BellTime
from models import ClassesEnd
from models import Curriculum
from models import Enrollment
from models import GuardianStudent
from models import NonSchoolDay
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffUser
from models import Student
from models import Subject
from models import TimetableSlot
from models import db
from notify import families
from notify.operations import AccountError


def _classes(school_id: int) -> list[SchoolClass]:
    year = core.current_year(school_id)
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .where(SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
    )


def _teachers(school_id: int) -> list[StaffUser]:
    return list(
        db.session.scalars(
            sa.select(StaffUser)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(StaffMembership.school_id == school_id)
            .distinct()
            .order_by(StaffUser.full_name)
        )
    )


@bp.get("/admin/")
@access.admin_required
def admin_index() -> Any:
    return _admin_index_page()


def _admin_index_page(
    class_form: ClassForm | None = None, subject_form: SubjectForm | None = None, status: int = 200
) -> Any:
    me = actor()
    classes = _classes(me.school_id)
    counts = dict(
        db.session.execute(
            sa.select(Enrollment.class_id, sa.func.count(Enrollment.id))
            .where(Enrollment.school_id == me.school_id, Enrollment.left_on.is_(None))
            .group_by(Enrollment.class_id)
        ).all()
    )
    subjects = list(
        db.session.scalars(
            sa.select(Subject).where(Subject.school_id == me.school_id).order_by(Subject.name)
        )
    )
    class_form = class_form or ClassForm(formdata=None)
    class_form.class_teacher_id.choices = opts(_teacher_choices(me.school_id))
    return (
        render_template(
            "gradebook/admin_index.html",
            classes=classes,
            counts=counts,
            subjects=subjects,
            class_form=class_form,
            subject_form=subject_form or SubjectForm(formdata=None),
        ),
        status,
    )


def _button(call: Any, success: str, target: Any) -> Any:
    """A delete button whose use-case finds the row itself (missing → 404 via the error
    handler): check the CSRF token, run it, flash, go to ``target(result)``."""
    me = actor()
    if not CsrfForm().validate_on_submit():
        abort(400)
    result = call(me)
    flash(success, "success")
    return redirect(target(result))


def _teacher_choices(school_id: int) -> list[tuple[int, str]]:
    return [(0, "—")] + [(t.id, t.full_name) for t in _teachers(school_id)]


@bp.post("/admin/classes")
@access.admin_required
def admin_class_new() -> Any:
    me = actor()
    form = ClassForm()
    form.class_teacher_id.choices = opts(_teacher_choices(me.school_id))
    if not form.validate_on_submit():
        return _admin_index_page(class_form=form, status=422)
    try:
        klass = school_uc.create_class(
            me,
            name=form.name.data or "",
            grade_level=form.grade_level.data,
            shift=form.shift.data,
            class_teacher_id=form.class_teacher_id.data or None,
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _admin_index_page(class_form=form, status=exc.status)
    flash(f"Паралелка {klass.name} е създадена.", "success")
    return redirect(url_for("staff.admin_class", class_id=klass.id))


@bp.post("/admin/subjects")
@access.admin_required
def admin_subject_new() -> Any:
    me = actor()
    form = SubjectForm()
    if not form.validate_on_submit():
        return _admin_index_page(subject_form=form, status=422)
    try:
        school_uc.create_subject(
            me, name=form.name.data or "", short_name=form.short_name.data or ""
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _admin_index_page(subject_form=form, status=exc.status)
    flash("Предметът е добавен.", "success")
    return redirect(url_for("staff.admin_index"))


@bp.route("/admin/year", methods=["GET", "POST"])
@access.admin_required
def admin_year() -> Any:
    me = actor()
    year = core.current_year(me.school_id)
    form = YearSettingsForm(obj=year if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            timetable.save_year_settings(
                me,
                month_lock_day=form.month_lock_day.data,
                future_entry_lock=bool(form.future_entry_lock.data),
                starts_on=form.starts_on.data,
                term2_starts_on=form.term2_starts_on.data,
                ends_on=form.ends_on.data,
            )
        except core.OperationError as exc:
            fail(exc, form)
            status = exc.status
        else:
            flash("Настройките са записани.", "success")
            return redirect(url_for("staff.admin_year"))
    elif request.method == "POST":
        status = 422
    return _admin_year_page(form=form, status=status)


def _admin_year_page(
    form: YearSettingsForm | None = None,
    holiday_form: HolidayForm | None = None,
    bell_form: BellForm | None = None,
    status: int = 200,
    year_form: NewYearForm | None = None,
) -> Any:
    me = actor()
    year = core.current_year(me.school_id)
    years = list(
        db.session.scalars(
            sa.select(SchoolYear)
            .where(SchoolYear.school_id == me.school_id)
            .order_by(SchoolYear.starts_on.desc())
        )
    )
    holidays = list(
        db.session.scalars(
            sa.select(NonSchoolDay)
            .where(NonSchoolDay.school_year_id == year.id)
            .order_by(NonSchoolDay.date_from)
        )
    )
    ends = list(
        db.session.scalars(
            sa.select(ClassesEnd)
            .where(ClassesEnd.school_year_id == year.id)
            .order_by(ClassesEnd.grade_from)
        )
    )
    bells = list(
        db.session.scalars(
            sa.select(BellTime)
            .where(BellTime.school_id == me.school_id)
            .order_by(BellTime.shift, BellTime.period)
        )
    )
    return (
        render_template(
            "gradebook/admin_year.html",
            form=form or YearSettingsForm(formdata=None, obj=year),
            holiday_form=holiday_form or HolidayForm(formdata=None),
            bell_form=bell_form or BellForm(formdata=None),
            year_form=year_form or NewYearForm(formdata=None, prefix="new"),
            button_form=CsrfForm(),
            year=year,
            years=years,
            holidays=holidays,
            ends=ends,
            bells=bells,
        ),
        status,
    )


@bp.post("/admin/holidays")
@access.admin_required
def admin_holiday_new() -> Any:
    me = actor()
    form = HolidayForm()
    if not form.validate_on_submit():
        return _admin_year_page(holiday_form=form, status=422)
    try:
        timetable.add_non_school_day(
            me,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            name=form.name.data or "",
            grade_from=form.grade_from.data if form.grade_from.data is not None else 0,
            grade_to=form.grade_to.data if form.grade_to.data is not None else 12,
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _admin_year_page(holiday_form=form, status=exc.status)
    flash("Неучебните дни са добавени.", "success")
    return redirect(url_for("staff.admin_year"))


@bp.post("/admin/holidays/<int:day_id>/delete")
@access.admin_required
def admin_holiday_delete(day_id: int) -> Any:
    return _button(
        lambda me: timetable.delete_non_school_day(me, day_id),
        "Записът е изтрит.",
        lambda _none: url_for("staff.admin_year"),
    )


@bp.post("/admin/bells")
@access.admin_required
def admin_bell() -> Any:
    me = actor()
    form = BellForm()
    if not form.validate_on_submit():
        return _admin_year_page(bell_form=form, status=422)
    try:
        timetable.save_bell_time(
            me,
            shift=form.shift.data,
            period=form.period.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _admin_year_page(bell_form=form, status=exc.status)
    flash("Звънецът е записан.", "success")
    return redirect(url_for("staff.admin_year"))


@bp.get("/admin/classes/<int:class_id>")
@access.admin_required
def admin_class(class_id: int) -> Any:
    return _admin_class_page(class_id)


def _admin_class_page(
    class_id: int,
    curriculum_form: CurriculumForm | None = None,
    slot_form: SlotForm | None = None,
    status: int = 200,
) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    choices = _teacher_choices(me.school_id)
    class_form = TeacherSelectForm(data={"teacher_id": klass.class_teacher_id or 0})
    class_form.teacher_id.choices = opts(choices)
    curricula = list(
        db.session.scalars(
            sa.select(Curriculum)
            .join(Subject, Subject.id == Curriculum.subject_id)
            .where(Curriculum.class_id == klass.id)
            .order_by(Subject.name)
        )
    )
    curriculum_form = curriculum_form or CurriculumForm(formdata=None)
    _curriculum_choices(me, curriculum_form)
    slot_form = slot_form or SlotForm(formdata=None)
    _slot_choices(klass, slot_form)
    slots = list(
        db.session.scalars(
            sa.select(TimetableSlot)
            .where(TimetableSlot.class_id == klass.id)
            .order_by(TimetableSlot.weekday, TimetableSlot.period)
        )
    )
    return (
        render_template(
            "gradebook/admin_class.html",
            klass=klass,
            class_form=class_form,
            teacher_choices=choices,
            curricula=curricula,
            enrollments=core.active_enrollments(klass.id),
            form=CsrfForm(),
            curriculum_form=curriculum_form,
            slot_form=slot_form,
            slots=slots,
            weekdays=dict(WEEKDAYS),
        ),
        status,
    )


def _curriculum_choices(me: core.Actor, form: CurriculumForm) -> None:
    form.subject_id.choices = opts(
        [(0, "—")]
        + [
            (s.id, s.name)
            for s in db.session.scalars(
                sa.select(Subject).where(Subject.school_id == me.school_id).order_by(Subject.name)
            )
        ]
    )
    form.teacher_id.choices = opts(_teacher_choices(me.school_id))


def _slot_choices(klass: SchoolClass, form: SlotForm) -> None:
    form.curriculum_id.choices = opts(
        [(0, "—")]
        + [
            (c.id, c.subject.name + (f" ({c.group_name})" if c.group_name else ""))
            for c in db.session.scalars(
                sa.select(Curriculum).where(Curriculum.class_id == klass.id)
            )
        ]
    )


@bp.post("/admin/classes/<int:class_id>/curriculum")
@access.admin_required
def admin_curriculum_new(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form = CurriculumForm()
    _curriculum_choices(me, form)
    if not form.validate_on_submit():
        return _admin_class_page(klass.id, curriculum_form=form, status=422)
    try:
        school_uc.add_curriculum(
            me,
            class_id=klass.id,
            subject_id=form.subject_id.data,
            teacher_id=form.teacher_id.data or None,
            hours_term1=form.hours_term1.data,
            hours_term2=form.hours_term2.data,
            section=form.section.data or "A",
            group_name=form.group_name.data or "",
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _admin_class_page(klass.id, curriculum_form=form, status=exc.status)
    flash("Предметът е добавен в учебния план.", "success")
    return redirect(url_for("staff.admin_class", class_id=klass.id))


@bp.post("/admin/classes/<int:class_id>/timetable")
@access.admin_required
def admin_slot_new(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form = SlotForm()
    _slot_choices(klass, form)
    if not form.validate_on_submit():
        return _admin_class_page(klass.id, slot_form=form, status=422)
    try:
        timetable.add_timetable_slot(
            me,
            class_id=klass.id,
            curriculum_id=form.curriculum_id.data,
            weekday=form.weekday.data,
            period=form.period.data,
            term=form.term.data,
            room=form.room.data or "",
        )
    except core.OperationError as exc:
        fail(exc, form)
        return _admin_class_page(klass.id, slot_form=form, status=exc.status)
    flash("Часът е добавен в програмата.", "success")
    return redirect(url_for("staff.admin_class", class_id=klass.id))


@bp.post("/admin/timetable/<int:slot_id>/delete")
@access.admin_required
def admin_slot_delete(slot_id: int) -> Any:
    return _button(
        lambda me: timetable.delete_timetable_slot(me, slot_id),
        "Часът е премахнат от програмата.",
        lambda class_id: url_for("staff.admin_class", class_id=class_id),
    )


@bp.post("/admin/classes/<int:class_id>/teacher")
@access.admin_required
def admin_class_teacher(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form_action(
        CsrfForm(),
        lambda: school_uc.set_class_teacher(
            me, klass.id, request.form.get("teacher_id", type=rules.db_id) or None
        ),
        "Класният ръководител е записан.",
    )
    return redirect(url_for("staff.admin_class", class_id=klass.id))


@bp.post("/admin/curriculum/<int:curriculum_id>/teacher")
@access.admin_required
def admin_curriculum_teacher(curriculum_id: int) -> Any:
    me = actor()
    curriculum = core.get_in_school(Curriculum, curriculum_id, me.school_id)
    form_action(
        CsrfForm(),
        lambda: school_uc.set_curriculum_teacher(
            me, curriculum.id, request.form.get("teacher_id", type=rules.db_id) or None
        ),
        "Учителят е записан.",
    )
    return redirect(url_for("staff.admin_class", class_id=curriculum.class_id))


def _student_form(me: core.Actor, student: Student | None) -> StudentForm:
    form = StudentForm(obj=student if request.method == "GET" else None)
    form.class_id.choices = opts([(0, "—")] + [(c.id, c.name) for c in _classes(me.school_id)])
    if request.method == "GET":
        if student is not None:
            form.personal_id_type.data = student.personal_id_type.value
        elif request.args.get("class_id", type=rules.db_id):
            form.class_id.data = request.args.get("class_id", type=rules.db_id)
    return form


@bp.route("/admin/students/new", methods=["GET", "POST"])
@access.admin_required
def admin_student_new() -> Any:
    me = actor()
    form = _student_form(me, None)
    status = 200
    if form.validate_on_submit():
        try:
            student = people.save_student(
                me,
                first_name=form.first_name.data or "",
                middle_name=form.middle_name.data or "",
                last_name=form.last_name.data or "",
                personal_id_type=form.personal_id_type.data or "egn",
                personal_id=form.personal_id.data or "",
                class_id=form.class_id.data or None,
                class_number=form.class_number.data,
                sop=bool(form.sop.data),
            )
        except core.OperationError as exc:
            fail(exc, form)
            status = exc.status
        else:
            flash(f"Ученикът е добавен. Код за родителите: {student.student_code}", "success")
            return redirect(url_for("staff.admin_student", student_id=student.id))
    elif request.method == "POST":
        status = 422
    return render_template("gradebook/admin_student_form.html", form=form, student=None), status


@bp.route("/admin/students/<int:student_id>", methods=["GET", "POST"])
@access.admin_required
def admin_student(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = _student_form(me, student)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                people.save_student(
                    me,
                    first_name=form.first_name.data or "",
                    middle_name=form.middle_name.data or "",
                    last_name=form.last_name.data or "",
                    personal_id_type=form.personal_id_type.data or "egn",
                    personal_id=form.personal_id.data or "",
                    class_id=None,
                    sop=bool(form.sop.data),
                    student_id=student.id,
                )
            except core.OperationError as exc:
                fail(exc, form)
                status = exc.status
            else:
                flash("Данните са записани.", "success")
                return redirect(url_for("staff.admin_student", student_id=student.id))
        else:
            status = 422
    klass = core.student_class(student.id)
    move_form = MoveForm(formdata=None, data={"date": clock.today()})
    move_form.class_id.choices = opts(
        [(c.id, c.name) for c in _classes(me.school_id) if not klass or c.id != klass.id]
    )
    guardians = list(
        db.session.scalars(
            sa.select(GuardianStudent).where(
                GuardianStudent.student_id == student.id,
                GuardianStudent.school_id == me.school_id,
            )
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


@bp.post("/admin/students/<int:student_id>/move")
@access.admin_required
def admin_student_move(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = MoveForm()
    form.class_id.choices = opts([(c.id, c.name) for c in _classes(me.school_id)])
    form_action(
        form,
        lambda: people.move_student(
            me,
            student.id,
            class_id=form.class_id.data,
            date=form.date.data,
            reason=form.reason.data or "",
        ),
        "Ученикът е преместен.",
        invalid="Изберете клас и дата.",
    )
    return redirect(url_for("staff.admin_student", student_id=student.id))


@bp.post("/admin/students/<int:student_id>/leave")
@access.admin_required
def admin_student_leave(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form = LeaveForm()
    form_action(
        form,
        lambda: people.student_leaves(
            me, student.id, date=form.date.data, reason=form.reason.data or ""
        ),
        "Ученикът е отписан.",
        invalid="Посочете дата и причина.",
    )
    return redirect(url_for("staff.admin_student", student_id=student.id))


@bp.post("/admin/students/<int:student_id>/code")
@access.admin_required
def admin_student_code(student_id: int) -> Any:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    form_action(
        CsrfForm(),
        lambda: people.regenerate_student_code(me, student.id),
        lambda code: f"Нов код за родителите: {code}. Старият код вече не важи.",
    )
    return redirect(url_for("staff.admin_student", student_id=student.id))


@bp.post("/admin/guardians/<int:guardian_id>/pin")
@access.admin_required
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


@bp.post("/admin/students/<int:student_id>/guardians")
@access.admin_required
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


@bp.post("/admin/guardian-links/<int:link_id>/delete")
@access.admin_required
def admin_guardian_unlink(link_id: int) -> Any:
    return _button(
        lambda me: people.unlink_guardian(me, link_id),
        "Връзката е премахната.",
        lambda student_id: url_for("staff.admin_student", student_id=student_id),
    )


def _family_students() -> set[int] | None:
    """Whose new links the signed-in staff member sees: all (None) for an admin, the pupils of
    their classes for a class teacher; 403 for anyone else."""
    if access.is_admin():
        return None
    classes = access.class_teacher_class_ids()
    access.require(bool(classes))
    return set(
        db.session.scalars(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id.in_(classes), Enrollment.left_on.is_(None)
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


@bp.get("/admin/classes/<int:class_id>/labels")
@access.admin_required
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


# --- editing and deleting classes, subjects and curriculum rows ---------------------------------
def _edit_page(
    form: Any,
    *,
    title: str,
    call: Any,
    success: str,
    target: str,
    delete_url: str,
    delete_label: str,
    back_url: str,
    note: str = "",
) -> Any:
    """One admin edit page: the form (saved by ``call``), a delete button and a way back."""
    done, status = save_form(form, call, success, target)
    if done is not None:
        return done
    return (
        render_template(
            "gradebook/admin_edit.html",
            form=form,
            title=title,
            delete_url=delete_url,
            delete_label=delete_label,
            back_url=back_url,
            note=note,
            button_form=CsrfForm(),
        ),
        status,
    )


@bp.route("/admin/classes/<int:class_id>/edit", methods=["GET", "POST"])
@access.admin_required
def admin_class_edit(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form = ClassForm(obj=klass if request.method == "GET" else None)
    form.class_teacher_id.choices = opts(_teacher_choices(me.school_id))
    if request.method == "GET":
        form.class_teacher_id.data = klass.class_teacher_id or 0
    return _edit_page(
        form,
        title=f"Паралелка {klass.name}",
        call=lambda: school_uc.update_class(
            me,
            klass.id,
            name=form.name.data or "",
            grade_level=form.grade_level.data,
            shift=form.shift.data,
            class_teacher_id=form.class_teacher_id.data or None,
        ),
        success="Паралелката е записана.",
        target=url_for("staff.admin_class", class_id=klass.id),
        delete_url=url_for("staff.admin_class_delete", class_id=klass.id),
        delete_label=f"Изтрий паралелка {klass.name}",
        back_url=url_for("staff.admin_class", class_id=klass.id),
        note="Паралелка се изтрива само ако в нея няма ученици, оценки, отсъствия, часове "
        "в програмата, събития и срещи.",
    )


def _delete_route(
    model: Any, object_id: int, delete: Any, success: Any, done_url: Any, back_url: str
) -> Any:
    """The delete button of an admin edit page: done → ``done_url(row)``; refused → back."""
    me = actor()
    row = core.get_in_school(model, object_id, me.school_id)
    target = done_url(row)
    if form_action(CsrfForm(), lambda: delete(me, row.id), success):
        return redirect(target)
    return redirect(back_url)


@bp.post("/admin/classes/<int:class_id>/delete")
@access.admin_required
def admin_class_delete(class_id: int) -> Any:
    return _delete_route(
        SchoolClass,
        class_id,
        school_uc.delete_class,
        lambda name: f"Паралелка {name} е изтрита.",
        lambda _klass: url_for("staff.admin_index"),
        url_for("staff.admin_class_edit", class_id=class_id),
    )


@bp.route("/admin/subjects/<int:subject_id>", methods=["GET", "POST"])
@access.admin_required
def admin_subject(subject_id: int) -> Any:
    me = actor()
    subject = core.get_in_school(Subject, subject_id, me.school_id)
    form = SubjectEditForm(obj=subject if request.method == "GET" else None)
    return _edit_page(
        form,
        title=f"Предмет: {subject.name}",
        call=lambda: school_uc.update_subject(
            me,
            subject.id,
            name=form.name.data or "",
            short_name=form.short_name.data or "",
            spoken_name=form.spoken_name.data or "",
        ),
        success="Предметът е записан.",
        target=url_for("staff.admin_index"),
        delete_url=url_for("staff.admin_subject_delete", subject_id=subject.id),
        delete_label=f"Изтрий предмета {subject.name}",
        back_url=url_for("staff.admin_index"),
        note="Предмет се изтрива само ако не е в учебен план и няма оценки, отсъствия "
        "и часове в програмата.",
    )


@bp.post("/admin/subjects/<int:subject_id>/delete")
@access.admin_required
def admin_subject_delete(subject_id: int) -> Any:
    return _delete_route(
        Subject,
        subject_id,
        school_uc.delete_subject,
        lambda name: f"Предметът „{name}“ е изтрит.",
        lambda _subject: url_for("staff.admin_index"),
        url_for("staff.admin_subject", subject_id=subject_id),
    )


@bp.route("/admin/curriculum/<int:curriculum_id>", methods=["GET", "POST"])
@access.admin_required
def admin_curriculum(curriculum_id: int) -> Any:
    me = actor()
    row = core.get_in_school(Curriculum, curriculum_id, me.school_id)
    form = CurriculumEditForm(obj=row if request.method == "GET" else None)
    form.teacher_id.choices = opts(_teacher_choices(me.school_id))
    if request.method == "GET":
        form.teacher_id.data = row.teacher_id or 0
        form.section.data = row.section.value
        form.hours_term1.data = str(row.hours_term1).replace(".", ",")
        form.hours_term2.data = str(row.hours_term2).replace(".", ",")
    back = url_for("staff.admin_class", class_id=row.class_id)
    return _edit_page(
        form,
        title=f"Учебен план на {row.school_class.name}: {row.subject.name}",
        call=lambda: school_uc.update_curriculum(
            me,
            row.id,
            teacher_id=form.teacher_id.data or None,
            hours_term1=form.hours_term1.data,
            hours_term2=form.hours_term2.data,
            section=form.section.data or "A",
            group_name=form.group_name.data or "",
        ),
        success="Учебният план е записан.",
        target=back,
        delete_url=url_for("staff.admin_curriculum_delete", curriculum_id=row.id),
        delete_label=f"Премахни {row.subject.name} от учебния план",
        back_url=back,
        note="Предмет се премахва от учебния план само ако по него няма оценки, отсъствия "
        "и часове в програмата.",
    )


@bp.post("/admin/curriculum/<int:curriculum_id>/delete")
@access.admin_required
def admin_curriculum_delete(curriculum_id: int) -> Any:
    return _delete_route(
        Curriculum,
        curriculum_id,
        school_uc.delete_curriculum,
        "Предметът е премахнат от учебния план.",
        lambda row: url_for("staff.admin_class", class_id=row.class_id),
        url_for("staff.admin_curriculum", curriculum_id=curriculum_id),
    )


# --- school years ----------------------------------------------------------------------------------
@bp.post("/admin/years")
@access.admin_required
def admin_year_new() -> Any:
    me = actor()
    form = NewYearForm(prefix="new")
    done, status = save_form(
        form,
        lambda: school_year.create_school_year(
            me,
            name=form.name.data or "",
            starts_on=form.starts_on.data,
            term2_starts_on=form.term2_starts_on.data,
            ends_on=form.ends_on.data,
            month_lock_day=form.month_lock_day.data,
            future_entry_lock=bool(form.future_entry_lock.data),
            copy_classes=bool(form.copy_classes.data),
            make_current=bool(form.make_current.data),
        ),
        "Учебната година е създадена.",
        url_for("staff.admin_year"),
    )
    if done is not None:
        return done
    return _admin_year_page(year_form=form, status=status)


@bp.post("/admin/years/<int:year_id>/current")
@access.admin_required
def admin_year_current(year_id: int) -> Any:
    me = actor()
    year = core.get_in_school(SchoolYear, year_id, me.school_id)
    form_action(
        CsrfForm(),
        lambda: school_year.set_current_year(me, year.id),
        lambda chosen: f"Текущата учебна година е {chosen.name}.",
    )
    return redirect(url_for("staff.admin_year"))


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


@bp.route("/admin/years/<int:year_id>/transition", methods=["GET", "POST"])
@access.admin_required
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
