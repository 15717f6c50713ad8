"""The audit history on the staff web: one object's (``/staff/history/<type>/<id>``) and all of a
pupil's records (``/students/<id>/history``), with the Bulgarian names of objects and actions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template

from gradebook import access
from gradebook import core
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.views import pupil_record
from gradebook.views.common import student_for_view
from models import Absence
from models import AuditLog
from models import Grade
from models import HealthNote
from models import Remark
from models import StaffUser
from models import Student
from models import db

OBJECT_BG = {
    "grade": "оценка",
    "absence": "отсъствие",
    "remark": "отзив",
    "health_note": "здравна бележка",
    "sanction": "санкция",
    "support_measure": "мярка за подкрепа",
    "support_activity": "дейност за подкрепа",
    "individual_work": "индивидуална работа",
    "class_note": "бележка в дневника",
    "pg_attendance": "присъствие в ПГ",
    "pg_result": "резултат в ПГ",
    "first_grade_result": "общ годишен резултат",
    "grade_result": "годишен резултат",
    "event": "събитие",
    "parent_meeting": "родителска среща",
    "student": "ученик",
    "lock": "заключване",
    "school_year": "учебна година",
    "school_class": "клас",
    "curriculum": "учебен план",
    "guardian": "родител",
    "staff_user": "служител",
}
ACTION_BG = {
    "create": "създаване",
    "update": "промяна",
    "delete": "изтриване",
    "override": "отключване от администратор",
    "move": "преместване",
    "leave": "отписване",
    "code": "нов код",
    "pin_reset": "нов ПИН",
    "password_reset": "нова парола",
}


HISTORY_TYPES = {
    "grade": Grade,
    "absence": Absence,
    "remark": Remark,
    "health_note": HealthNote,
    **pupil_record.HISTORY_TYPES,
}


def _can_see_entry(me: core.Actor, entry: AuditLog) -> bool:
    if entry.object_type == "health_note" and entry.student_id is not None:
        return access.can_see_health(entry.student_id)
    return pupil_record.can_see_history(me, entry.object_type, entry.student_id)


@bp.get("/history/<object_type>/<int:object_id>")
@access.staff_required
def history(object_type: str, object_id: int) -> Any:
    me = actor()
    if object_type not in HISTORY_TYPES:
        abort(404)
    obj = db.session.get(HISTORY_TYPES[object_type], object_id)
    if obj is not None and obj.school_id != me.school_id:
        abort(404)
    entries = core.history(me.school_id, object_type=object_type, object_id=object_id)
    if obj is None and not entries:
        abort(404)
    student_id = getattr(obj, "student_id", None) or next(
        (e.student_id for e in entries if e.student_id), None
    )
    if student_id is not None:
        student_for_view(student_id)
    if not pupil_record.can_see_history(me, object_type, student_id, obj):
        abort(403)
    if object_type == "health_note" and (
        student_id is None or not access.can_see_health(student_id)
    ):
        abort(403)
    return render_template(
        "gradebook/history.html",
        entries=entries,
        title=f"История: {OBJECT_BG.get(object_type, object_type)}",
        student=db.session.get(Student, student_id) if student_id else None,
        **_history_names(entries),
    )


@bp.get("/students/<int:student_id>/history")
@access.staff_required
def student_history(student_id: int) -> Any:
    me = actor()
    student, _klass = student_for_view(student_id)
    if not (me.is_admin or me.can_manage_class(_klass.id)):
        abort(403)
    entries = [
        e for e in core.history(me.school_id, student_id=student.id) if _can_see_entry(me, e)
    ]
    return render_template(
        "gradebook/history.html",
        entries=entries,
        title=f"История на записите: {student.full_name}",
        student=student,
        **_history_names(entries),
    )


def _history_names(entries: list[AuditLog]) -> dict[str, Any]:
    ids = {e.actor_id for e in entries if e.actor_id}
    names = {
        s.id: s.full_name
        for s in db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids or [0])))
    }
    return {"actor_names": names, "OBJECT_BG": OBJECT_BG, "ACTION_BG": ACTION_BG}
