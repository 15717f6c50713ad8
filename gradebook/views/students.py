"""A pupil's page on the staff web (``/staff/students/<id>``: grades, absences, remarks, health
notes, guardians, who read what) and reopening the child's phone access locked after too many
wrong PINs."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from gradebook import access
from gradebook import conversations
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.forms import ReasonForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import rows
from gradebook.views.common import student_for_view
from gradebook.views.pupil_record import student_context
from ivr import pin_lock
from models import Absence
from models import Grade
from models import GuardianStudent
from models import HealthNote
from models import Remark
from models import SeenItem
from models import db


@bp.get("/students/<int:student_id>")
@access.staff_required
def student(student_id: int) -> Any:
    me = actor()
    student, klass = student_for_view(student_id)
    year = klass.school_year
    grades = rows(
        sa.select(Grade)
        .where(Grade.student_id == student.id, Grade.school_year_id == year.id)
        .order_by(Grade.date, Grade.id)
    )
    if not (me.is_admin or me.can_manage_class(klass.id)):
        grades = [g for g in grades if g.curriculum_id in me.curriculum_ids]
    by_subject: dict[str, list[Grade]] = defaultdict(list)
    for grade in grades:
        by_subject[grade.subject.name].append(grade)
    absences = rows(
        sa.select(Absence)
        .where(Absence.student_id == student.id, Absence.school_year_id == year.id)
        .order_by(Absence.date.desc(), Absence.period)
    )
    totals = rules.absence_totals(a.kind.value for a in absences)
    remarks = rows(
        sa.select(Remark)
        .where(Remark.student_id == student.id, Remark.school_year_id == year.id)
        .order_by(Remark.date.desc())
    )
    health = []
    if me.can_manage_class(klass.id) and access.can_see_health(student.id):
        health = rows(
            sa.select(HealthNote)
            .where(HealthNote.student_id == student.id)
            .order_by(HealthNote.date_from.desc())
        )
    seen_ids = set(
        db.session.execute(
            sa.select(SeenItem.object_type, SeenItem.object_id)
            .join(GuardianStudent, GuardianStudent.guardian_id == SeenItem.guardian_id)
            .where(GuardianStudent.student_id == student.id)
        ).all()
    )
    guardians = rows(sa.select(GuardianStudent).where(GuardianStudent.student_id == student.id))
    return render_template(
        "gradebook/student.html",
        student=student,
        klass=klass,
        can_message=conversations.can_message_student(me, student.id),
        by_subject=sorted(by_subject.items()),
        absences=absences,
        totals=totals,
        remarks=remarks,
        health=health,
        manage=me.can_manage_class(klass.id),
        is_admin=me.is_admin,
        seen_ids=seen_ids,
        guardians=guardians,
        me=me,
        delete_form=ReasonForm(formdata=None),
        phone_locked=me.can_manage_class(klass.id) and pin_lock.is_locked(student.id),
        unlock_form=CsrfForm(),
        **student_context(me, student, klass),
    )


@bp.post("/students/<int:student_id>/phone-unlock")
@access.staff_required
def phone_unlock(student_id: int) -> Any:
    """The school reopens a child's phone access locked after too many wrong PINs (audited)."""
    me = actor()
    student, klass = student_for_view(student_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if pin_lock.unlock(student, "staff", me.staff_id):
        db.session.commit()
        flash("Телефонният достъп за ученика е отключен.", "success")
    return redirect(url_for("staff.student", student_id=student.id))
