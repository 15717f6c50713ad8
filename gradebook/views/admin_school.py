"""The school admin's classes and subjects (``/admin/``): add, edit and delete a class or a
subject; per class (``/admin/classes/<id>``) the class teacher, the curriculum with its teachers
and hours (add, edit, remove a row) and the weekly timetable (its slots: :mod:`admin_timetable`).
Use-cases in :mod:`gradebook.school`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask import request
from flask import url_for

from gradebook import access
from gradebook import core
from gradebook import rules
from gradebook import school as school_uc
from gradebook.forms import WEEKDAYS
from gradebook.forms import ClassForm
from gradebook.forms import CsrfForm
from gradebook.forms import CurriculumEditForm
from gradebook.forms import CurriculumForm
from gradebook.forms import SlotForm
from gradebook.forms import SubjectEditForm
from gradebook.forms import SubjectForm
from gradebook.forms import TeacherSelectForm
from gradebook.forms import opts
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.views.admin_common import button
from gradebook.views.admin_common import classes
from gradebook.views.admin_common import delete_route
from gradebook.views.admin_common import edit_page
from gradebook.views.admin_common import subjects
from gradebook.views.admin_common import submit
from gradebook.views.admin_common import teacher_choices
from models import Curriculum
from models import Enrollment
from models import SchoolClass
from models import Subject
from models import TimetableSlot
from models import db


@bp.get("/admin/")
@access.admin_required
def admin_index() -> Any:
    return index_page()


def index_page(
    class_form: ClassForm | None = None, subject_form: SubjectForm | None = None, status: int = 200
) -> Any:
    me = actor()
    school_classes = classes(me.school_id)
    counts = dict(
        db.session.execute(
            sa.select(Enrollment.class_id, sa.func.count(Enrollment.id))
            .where(Enrollment.school_id == me.school_id, Enrollment.left_on.is_(None))
            .group_by(Enrollment.class_id)
        ).all()
    )
    class_form = class_form or ClassForm(formdata=None)
    class_form.class_teacher_id.choices = opts(teacher_choices(me.school_id))
    return (
        render_template(
            "gradebook/admin_index.html",
            classes=school_classes,
            counts=counts,
            subjects=subjects(me.school_id),
            class_form=class_form,
            subject_form=subject_form or SubjectForm(formdata=None),
        ),
        status,
    )


@bp.post("/admin/classes")
@access.admin_required
def admin_class_new() -> Any:
    me = actor()
    form = ClassForm()
    form.class_teacher_id.choices = opts(teacher_choices(me.school_id))
    return submit(
        form,
        lambda: school_uc.create_class(
            me,
            name=form.name.data or "",
            grade_level=form.grade_level.data,
            shift=form.shift.data,
            class_teacher_id=form.class_teacher_id.data or None,
        ),
        lambda klass: f"Паралелка {klass.name} е създадена.",
        lambda klass: url_for("staff.admin_class", class_id=klass.id),
        lambda form, status: index_page(class_form=form, status=status),
    )


@bp.post("/admin/subjects")
@access.admin_required
def admin_subject_new() -> Any:
    me = actor()
    form = SubjectForm()
    return submit(
        form,
        lambda: school_uc.create_subject(
            me, name=form.name.data or "", short_name=form.short_name.data or ""
        ),
        "Предметът е добавен.",
        url_for("staff.admin_index"),
        lambda form, status: index_page(subject_form=form, status=status),
    )


@bp.get("/admin/classes/<int:class_id>")
@access.admin_required
def admin_class(class_id: int) -> Any:
    return class_page(class_id)


def class_page(
    class_id: int,
    curriculum_form: CurriculumForm | None = None,
    slot_form: SlotForm | None = None,
    status: int = 200,
) -> Any:
    """A class: its class teacher, curriculum and timetable, with the forms to add to them."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    choices = teacher_choices(me.school_id)
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
    slot_choices(klass, slot_form)
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
    form.subject_id.choices = opts([(0, "—")] + [(s.id, s.name) for s in subjects(me.school_id)])
    form.teacher_id.choices = opts(teacher_choices(me.school_id))


def slot_choices(klass: SchoolClass, form: SlotForm) -> None:
    """The class's curriculum rows a timetable slot may take."""
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
    return submit(
        form,
        lambda: school_uc.add_curriculum(
            me,
            class_id=klass.id,
            subject_id=form.subject_id.data,
            teacher_id=form.teacher_id.data or None,
            hours_term1=form.hours_term1.data,
            hours_term2=form.hours_term2.data,
            section=form.section.data or "A",
            group_name=form.group_name.data or "",
        ),
        "Предметът е добавен в учебния план.",
        url_for("staff.admin_class", class_id=klass.id),
        lambda form, status: class_page(klass.id, curriculum_form=form, status=status),
    )


@bp.post("/admin/classes/<int:class_id>/teacher")
@access.admin_required
def admin_class_teacher(class_id: int) -> Any:
    klass = core.get_in_school(SchoolClass, class_id, actor().school_id)
    return button(
        lambda me: school_uc.set_class_teacher(
            me, klass.id, request.form.get("teacher_id", type=rules.db_id) or None
        ),
        "Класният ръководител е записан.",
        url_for("staff.admin_class", class_id=klass.id),
    )


@bp.post("/admin/curriculum/<int:curriculum_id>/teacher")
@access.admin_required
def admin_curriculum_teacher(curriculum_id: int) -> Any:
    curriculum = core.get_in_school(Curriculum, curriculum_id, actor().school_id)
    return button(
        lambda me: school_uc.set_curriculum_teacher(
            me, curriculum.id, request.form.get("teacher_id", type=rules.db_id) or None
        ),
        "Учителят е записан.",
        url_for("staff.admin_class", class_id=curriculum.class_id),
    )


# --- editing and deleting classes, subjects and curriculum rows ---------------------------------
@bp.route("/admin/classes/<int:class_id>/edit", methods=["GET", "POST"])
@access.admin_required
def admin_class_edit(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form = ClassForm(obj=klass if request.method == "GET" else None)
    form.class_teacher_id.choices = opts(teacher_choices(me.school_id))
    if request.method == "GET":
        form.class_teacher_id.data = klass.class_teacher_id or 0
    return edit_page(
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
        delete_url=url_for("staff.admin_class_delete", class_id=klass.id),
        delete_label=f"Изтрий паралелка {klass.name}",
        back_url=url_for("staff.admin_class", class_id=klass.id),
        note="Паралелка се изтрива само ако в нея няма ученици, оценки, отсъствия, часове "
        "в програмата, събития и срещи.",
    )


@bp.post("/admin/classes/<int:class_id>/delete")
@access.admin_required
def admin_class_delete(class_id: int) -> Any:
    return delete_route(
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
    return edit_page(
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
        delete_url=url_for("staff.admin_subject_delete", subject_id=subject.id),
        delete_label=f"Изтрий предмета {subject.name}",
        back_url=url_for("staff.admin_index"),
        note="Предмет се изтрива само ако не е в учебен план и няма оценки, отсъствия "
        "и часове в програмата.",
    )


@bp.post("/admin/subjects/<int:subject_id>/delete")
@access.admin_required
def admin_subject_delete(subject_id: int) -> Any:
    return delete_route(
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
    form.teacher_id.choices = opts(teacher_choices(me.school_id))
    if request.method == "GET":
        form.teacher_id.data = row.teacher_id or 0
        form.section.data = row.section.value
        form.hours_term1.data = str(row.hours_term1).replace(".", ",")
        form.hours_term2.data = str(row.hours_term2).replace(".", ",")
    return edit_page(
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
        delete_url=url_for("staff.admin_curriculum_delete", curriculum_id=row.id),
        delete_label=f"Премахни {row.subject.name} от учебния план",
        back_url=url_for("staff.admin_class", class_id=row.class_id),
        note="Предмет се премахва от учебния план само ако по него няма оценки, отсъствия "
        "и часове в програмата.",
    )


@bp.post("/admin/curriculum/<int:curriculum_id>/delete")
@access.admin_required
def admin_curriculum_delete(curriculum_id: int) -> Any:
    return delete_route(
        Curriculum,
        curriculum_id,
        school_uc.delete_curriculum,
        "Предметът е премахнат от учебния план.",
        lambda row: url_for("staff.admin_class", class_id=row.class_id),
        url_for("staff.admin_curriculum", curriculum_id=curriculum_id),
    )
