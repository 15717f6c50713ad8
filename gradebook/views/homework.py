"""Homework on the staff web: the part of the lesson page that gives it (the include
``gradebook/_lesson_homework.html``, fed by the template global ``staff_lesson_homework``), the
page of a new homework shown again when it was refused, correcting or deleting one with a reason,
the teacher's list of the homework they gave and a class's list. The rules are in
:mod:`gradebook.homework`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask import request
from flask import url_for
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from config import clock
from extensions import Form
from gradebook import absences as absences_uc
from gradebook import access
from gradebook import core
from gradebook import homework as homework_uc
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_page
from gradebook.staff_base import reason_delete_routes
from gradebook.staff_base import rows
from models import Homework
from models import Lesson
from models import SchoolClass
from models import TimetableSlot
from models import db

TEXT_BG = "Въведете задачата."


class HomeworkForm(Form):
    """A new homework of a lesson (``date`` is the lesson's day)."""

    date = HiddenField()
    text = TextAreaField("Домашна работа", validators=[DataRequired(TEXT_BG), Length(max=1000)])
    due_on = DateField("Срок (за кога)", validators=[Optional()])
    override_lock = BooleanField("Разреши промяна в заключен месец (администратор)")


class HomeworkEditForm(Form):
    text = TextAreaField("Домашна работа", validators=[DataRequired(TEXT_BG), Length(max=1000)])
    due_on = DateField("Срок (за кога)", validators=[Optional()])
    reason = StringField(
        "Причина за промяната", validators=[DataRequired("Посочете причина."), Length(max=500)]
    )
    version = HiddenField()
    override_lock = BooleanField("Разреши промяна в заключен месец (администратор)")


def _lesson_url(slot_id: int | None, day: dt.date) -> str:
    if slot_id is None:
        return url_for("staff.homework_mine")
    return url_for("staff.lesson", slot_id=slot_id, date=day.isoformat())


def _back(homework: Homework) -> str:
    lesson = db.session.get(Lesson, homework.lesson_id)
    return _lesson_url(lesson.slot_id if lesson else None, homework.date)


@bp.app_template_global("staff_lesson_homework")
def lesson_homework(slot: TimetableSlot, day: dt.date, form: Any = None) -> dict[str, Any]:
    """What the lesson page's homework part shows: the homework given in that lesson, the form
    with the due date offered by default, and whether the actor may give it."""
    me = actor()
    if form is None:
        form = HomeworkForm(formdata=None, data={"date": day.isoformat()})
        form.due_on.data = homework_uc.default_due(slot, day)
    return {
        "items": homework_uc.for_lesson(slot, day),
        "form": form,
        "can_give": absences_uc.can_take_register(me, slot, day),
        "is_admin": me.is_admin,
    }


@bp.route("/lesson/<int:slot_id>/homework", methods=["POST"])
@access.staff_required
def homework_give(slot_id: int) -> Any:
    """Give homework in a lesson; a refused one is shown again on its own page, as typed."""
    me = actor()
    slot = core.get_in_school(TimetableSlot, slot_id, me.school_id)
    form = HomeworkForm()
    try:
        day = core.parse_date(form.date.data)
    except core.Invalid:
        abort(400)
    if not absences_uc.can_take_register(me, slot, day):
        abort(403)
    return form_page(
        form,
        lambda: homework_uc.give_homework(
            me,
            slot.id,
            date=day,
            text=form.text.data or "",
            due_on=form.due_on.data,
            override_lock=bool(form.override_lock.data) and me.is_admin,
        ),
        "Домашната работа е записана.",
        _lesson_url(slot.id, day),
        "gradebook/homework_new.html",
        slot=slot,
        day=day,
        is_admin=me.is_admin,
    )


@bp.route("/homework/<int:homework_id>", methods=["GET", "POST"])
@access.staff_required
def homework_edit(homework_id: int) -> Any:
    me = actor()
    homework = core.get_in_school(Homework, homework_id, me.school_id)
    if not homework_uc.can_change(me, homework):
        abort(403)
    form = HomeworkEditForm(obj=homework if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(homework.version)
    back = _back(homework)
    return form_page(
        form,
        lambda: homework_uc.edit_homework(
            me,
            homework.id,
            text=form.text.data or "",
            due_on=form.due_on.data,
            version=form.version.data,
            reason=form.reason.data or "",
            override_lock=bool(form.override_lock.data) and me.is_admin,
        ),
        "Домашната работа е поправена.",
        back,
        "gradebook/homework_edit.html",
        homework=homework,
        back=back,
        is_admin=me.is_admin,
    )


@bp.get("/homework")
@access.staff_required
def homework_mine() -> Any:
    """The homework the teacher gave this year, by class and subject; links to the lists of the
    classes they lead."""
    me = actor()
    groups: dict[tuple[str, str], list[Homework]] = defaultdict(list)
    for item in homework_uc.given_by(me):
        groups[(item.school_class.name, item.subject.name)].append(item)
    classes = rows(
        sa.select(SchoolClass)
        .where(
            SchoolClass.school_id == me.school_id,
            SchoolClass.id.in_(sorted(me.class_teacher_of) or [0]),
        )
        .order_by(SchoolClass.name)
    )
    return render_template(
        "gradebook/homework_mine.html",
        groups=sorted(groups.items()),
        classes=classes,
        today=clock.today(),
    )


@bp.get("/classes/<int:class_id>/homework")
@access.staff_required
def homework_of_class(class_id: int) -> Any:
    me = actor()
    klass, items = homework_uc.of_class(me, class_id)
    return render_template(
        "gradebook/homework_class.html",
        klass=klass,
        items=items,
        today=clock.today(),
        may_change={h.id for h in items if homework_uc.can_change(me, h)},
    )


reason_delete_routes(
    ReasonDelete(
        "homework_delete",
        "/homework/<int:homework_id>/delete",
        Homework,
        homework_uc.delete_homework,
        "Домашната работа е изтрита.",
        _back,
        {"lockable": True, "back": lambda h: url_for("staff.homework_edit", homework_id=h.id)},
    )
)
