"""Health notes on a pupil's page (class teacher and admins only): the new-or-edit form and
deleting one with a reason. The rules are in :mod:`gradebook.health`."""

from __future__ import annotations

from typing import Any

from flask import abort

from config import clock
from gradebook import access
from gradebook import health as health_uc
from gradebook.forms import HealthForm
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_values
from gradebook.staff_base import reason_delete_routes
from gradebook.views.common import pupil_record_page
from gradebook.views.common import record_form
from gradebook.views.common import student_for_view
from gradebook.views.common import student_record
from gradebook.views.common import to_student_page
from models import HealthNote


@bp.route("/students/<int:student_id>/health/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/health/<int:note_id>", methods=["GET", "POST"])
@access.staff_required
def health_form(student_id: int, note_id: int | None = None) -> Any:
    me = actor()
    student, klass = student_for_view(student_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    note = student_record(HealthNote, note_id, student)
    form = record_form(HealthForm, note, {"date_from": clock.today()})
    return pupil_record_page(
        form,
        student,
        health_uc.save_health_note,
        lambda: {
            "note_id": note.id if note else None,
            **form_values(form, "date_from", "date_to", text=""),
        },
        "Здравната бележка е записана.",
        "gradebook/health_form.html",
        note=note,
    )


reason_delete_routes(
    ReasonDelete(
        "health_delete",
        "/health/<int:note_id>/delete",
        HealthNote,
        health_uc.delete_health_note,
        "Здравната бележка е изтрита.",
        to_student_page,
    )
)
