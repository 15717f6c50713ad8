"""The school admin's classes and subjects (``/admin/``): add, edit and delete a class or a
subject; per class (``/admin/classes/<id>``) the class teacher, the curriculum with its teachers
and hours (add, edit, remove a row) and the weekly timetable (its slots: :mod:`admin_timetable`).
Use-cases in :mod:`gradebook.school`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask import request
from flask import url_for

from gradebook import core
from gradebook import rules
from gradebook import school as school_uc
from gradebook import year_results
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
from gradebook.staff_base import form_values
from gradebook.views.admin_common import DeleteRow
from gradebook.views.admin_common import EditRow
from gradebook.views.admin_common import FormRow
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import button
from gradebook.views.admin_common import classes
from gradebook.views.admin_common import edit_routes
from gradebook.views.admin_common import form_routes
from gradebook.views.admin_common import subjects
from gradebook.views.admin_common import teacher_choices
from gradebook.views.common import class_curricula
from gradebook.views.common import class_slots
from models import Curriculum
from models import Enrollment
from models import SchoolClass
from models import Subject
from models import db


@admin_route("/admin/")
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
            past_results=year_results.past_result_classes(me.school_id),
        ),
        status,
    )


def _class_form(me: core.Actor) -> ClassForm:
    form = ClassForm()
    form.class_teacher_id.choices = opts(teacher_choices(me.school_id))
    return form


def _class_fields(form: ClassForm) -> dict[str, Any]:
    """A new or an edited class's fields, as the use-cases take them."""
    return form_values(form, "grade_level", "shift", name="", class_teacher_id=None)


def _curriculum_fields(form: CurriculumForm | CurriculumEditForm) -> dict[str, Any]:
    """A new or an edited curriculum row's teacher, hours, section and group."""
    return form_values(
        form, "hours_term1", "hours_term2", teacher_id=None, section="A", group_name=""
    )


form_routes(
    index_page,
    FormRow(
        "admin_class_new",
        "/admin/classes",
        _class_form,
        lambda me, form: school_uc.create_class(me, **_class_fields(form)),
        lambda klass: f"Паралелка {klass.name} е създадена.",
        lambda klass: url_for("staff.admin_class", class_id=klass.id),
        "class_form",
    ),
    FormRow(
        "admin_subject_new",
        "/admin/subjects",
        lambda _me: SubjectForm(),
        lambda me, form: school_uc.create_subject(me, **form_values(form, name="", short_name="")),
        "Предметът е добавен.",
        "staff.admin_index",
        "subject_form",
    ),
)


@admin_route("/admin/classes/<int:class_id>")
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
    curricula = class_curricula(klass.id)
    curriculum_form = curriculum_form or CurriculumForm(formdata=None)
    _curriculum_choices(me, curriculum_form)
    slot_form = slot_form or SlotForm(formdata=None)
    slot_choices(klass, slot_form)
    slots = class_slots(klass.id)
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


def _curriculum_form(me: core.Actor, class_id: int) -> CurriculumForm:
    core.get_in_school(SchoolClass, class_id, me.school_id)
    form = CurriculumForm()
    _curriculum_choices(me, form)
    return form


form_routes(
    class_page,
    FormRow(
        "admin_curriculum_new",
        "/admin/classes/<int:class_id>/curriculum",
        _curriculum_form,
        lambda me, form, class_id: school_uc.add_curriculum(
            me, class_id=class_id, subject_id=form.subject_id.data, **_curriculum_fields(form)
        ),
        "Предметът е добавен в учебния план.",
        "staff.admin_class",
        "curriculum_form",
    ),
)


def _teacher_pick(
    row: SchoolClass | Curriculum,
    assign: Callable[[core.Actor, int, int | None], Any],
    success: str,
    class_id: int,
) -> Any:
    """A teacher picked for a class (its class teacher) or a curriculum row: saved (none for
    "—"), then back to the class page."""
    return button(
        lambda me: assign(me, row.id, request.form.get("teacher_id", type=rules.db_id) or None),
        success,
        url_for("staff.admin_class", class_id=class_id),
    )


@admin_route("/admin/classes/<int:class_id>/teacher", ["POST"])
def admin_class_teacher(class_id: int) -> Any:
    klass = core.get_in_school(SchoolClass, class_id, actor().school_id)
    return _teacher_pick(
        klass, school_uc.set_class_teacher, "Класният ръководител е записан.", klass.id
    )


@admin_route("/admin/curriculum/<int:curriculum_id>/teacher", ["POST"])
def admin_curriculum_teacher(curriculum_id: int) -> Any:
    row = core.get_in_school(Curriculum, curriculum_id, actor().school_id)
    return _teacher_pick(row, school_uc.set_curriculum_teacher, "Учителят е записан.", row.class_id)


# --- editing and deleting classes, subjects and curriculum rows ---------------------------------
def _class_edit_form(me: core.Actor, klass: SchoolClass) -> ClassForm:
    form = ClassForm(obj=klass if request.method == "GET" else None)
    form.class_teacher_id.choices = opts(teacher_choices(me.school_id))
    if request.method == "GET":
        form.class_teacher_id.data = klass.class_teacher_id or 0
    return form


def _curriculum_edit_form(me: core.Actor, row: Curriculum) -> CurriculumEditForm:
    form = CurriculumEditForm(obj=row if request.method == "GET" else None)
    form.teacher_id.choices = opts(teacher_choices(me.school_id))
    if request.method == "GET":
        form.teacher_id.data = row.teacher_id or 0
        form.section.data = row.section.value
        form.hours_term1.data = str(row.hours_term1).replace(".", ",")
        form.hours_term2.data = str(row.hours_term2).replace(".", ",")
    return form


edit_routes(
    EditRow(
        "admin_class_edit",
        "/admin/classes/<int:class_id>/edit",
        SchoolClass,
        _class_edit_form,
        school_uc.update_class,
        _class_fields,
        "Паралелката е записана.",
        "Паралелка {row.name}",
        lambda klass: url_for("staff.admin_class", class_id=klass.id),
        "Изтрий паралелка {row.name}",
        "Паралелка се изтрива само ако в нея няма ученици, оценки, отсъствия, часове "
        "в програмата, събития и срещи.",
        DeleteRow(
            "admin_class_delete",
            "/admin/classes/<int:class_id>/delete",
            SchoolClass,
            school_uc.delete_class,
            lambda name: f"Паралелка {name} е изтрита.",
            lambda _klass: url_for("staff.admin_index"),
            "staff.admin_class_edit",
        ),
    ),
    EditRow(
        "admin_subject",
        "/admin/subjects/<int:subject_id>",
        Subject,
        lambda _me, subject: SubjectEditForm(obj=subject if request.method == "GET" else None),
        school_uc.update_subject,
        lambda form: form_values(form, name="", short_name="", spoken_name=""),
        "Предметът е записан.",
        "Предмет: {row.name}",
        lambda _subject: url_for("staff.admin_index"),
        "Изтрий предмета {row.name}",
        "Предмет се изтрива само ако не е в учебен план и няма оценки, отсъствия "
        "и часове в програмата.",
        DeleteRow(
            "admin_subject_delete",
            "/admin/subjects/<int:subject_id>/delete",
            Subject,
            school_uc.delete_subject,
            lambda name: f"Предметът „{name}“ е изтрит.",
            lambda _subject: url_for("staff.admin_index"),
            "staff.admin_subject",
        ),
    ),
    EditRow(
        "admin_curriculum",
        "/admin/curriculum/<int:curriculum_id>",
        Curriculum,
        _curriculum_edit_form,
        school_uc.update_curriculum,
        _curriculum_fields,
        "Учебният план е записан.",
        "Учебен план на {row.school_class.name}: {row.subject.name}",
        lambda row: url_for("staff.admin_class", class_id=row.class_id),
        "Премахни {row.subject.name} от учебния план",
        "Предмет се премахва от учебния план само ако по него няма оценки, отсъствия "
        "и часове в програмата.",
        DeleteRow(
            "admin_curriculum_delete",
            "/admin/curriculum/<int:curriculum_id>/delete",
            Curriculum,
            school_uc.delete_curriculum,
            "Предметът е премахнат от учебния план.",
            lambda row: url_for("staff.admin_class", class_id=row.class_id),
            "staff.admin_curriculum",
        ),
    ),
)
