"""Parents' notes on the staff side: the class teacher's list of a class's notes with the
"confirm" and "refuse" buttons (``/staff/classes/<id>/parent-notes``), the scan of a medical note
(``/staff/notes/<id>/document``: the class teacher of the pupil and admins only), and the notes
covering today on the lesson page (the template global ``lesson_notes``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from gradebook import access
from gradebook import parent_notes as notes_uc
from gradebook.forms import CsrfForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import post_table
from gradebook.views.common import managed_class
from models import ParentNote
from models import Student


@bp.get("/classes/<int:class_id>/parent-notes")
@access.staff_required
def class_parent_notes(class_id: int) -> Any:
    me, klass = managed_class(class_id)
    notes = notes_uc.class_notes(me, klass.id)
    left = {n.student_id: 0 for n in notes}
    for student_id in left:
        left[student_id] = notes_uc.days_left(student_id)
    return render_template(
        "gradebook/parent_notes.html",
        klass=klass,
        notes=notes,
        left=left,
        limits=notes_uc.limits_of(klass.school_year.school),
        form=CsrfForm(),
        is_admin=me.is_admin,
    )


def _decide(call: Any, done: str) -> Any:
    class_id = request.form.get("class_id", type=int) or 0
    result, status, _errors = post_table(
        CsrfForm(),
        call,
        lambda _r: done,
        lambda _r: url_for("staff.class_parent_notes", class_id=class_id),
    )
    if result is not None:
        return result
    return redirect(url_for("staff.class_parent_notes", class_id=class_id)), 303


@bp.post("/notes/limits")
@access.staff_required
def note_limits() -> Any:
    me = actor()
    return _decide(
        lambda: notes_uc.set_limits(
            me,
            days_year=request.form.get("days_year"),
            days_in_row=request.form.get("days_in_row"),
        ),
        "Лимитите за бележки от родители са записани.",
    )


@bp.post("/notes/<int:parent_note_id>/confirm")
@access.staff_required
def confirm_note(parent_note_id: int) -> Any:
    me = actor()
    return _decide(
        lambda: notes_uc.confirm_note(me, parent_note_id, version=request.form.get("version")),
        "Бележката е потвърдена; отсъствията в периода са извинени.",
    )


@bp.post("/notes/<int:parent_note_id>/refuse")
@access.staff_required
def refuse_note(parent_note_id: int) -> Any:
    me = actor()
    return _decide(
        lambda: notes_uc.refuse_note(
            me,
            parent_note_id,
            reason=request.form.get("reason", ""),
            version=request.form.get("version"),
        ),
        "Бележката е отказана; родителят ще бъде уведомен.",
    )


@bp.get("/notes/<int:parent_note_id>/document")
@access.staff_required
def note_document(parent_note_id: int) -> Any:
    note, path = notes_uc.document_of(actor(), parent_note_id)
    response = Response(
        path.read_bytes(), mimetype=note.document_type or "application/octet-stream"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="belezhka-{note.id}{path.suffix}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global("lesson_notes")
def lesson_notes(
    class_id: int, day: dt.date, period: int | None = None
) -> list[tuple[ParentNote, Student]]:
    """The parents' notes covering a lesson (``period``) or a day of a class, for the lesson page
    and the teacher's "today"."""
    me = actor()
    found = notes_uc.notes_for_lessons(me.school_id, [class_id], day).get(class_id, [])
    return [
        (note, student)
        for note, student in found
        if period is None
        or notes_uc.note_rules.covers(note.starts_on, note.ends_on, note.from_period, day, period)
    ]
