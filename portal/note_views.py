"""The parent's notes excusing an absence (``/child/<id>/notes``): the form (dates, the whole
day or from a lesson on, the reason, a comment, a photo or PDF of a medical note), the notes
already sent with their decision, the days left this year, and "take back" for a note not yet
decided. The routes hang on the portal's blueprint (imported at the end of ``portal.views``);
the use-cases are :mod:`gradebook.parent_notes`, which checks the guardian's link again."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask import redirect
from flask import request
from flask import url_for

from config import clock
from gradebook import parent_notes as notes_uc
from gradebook.core import OperationError
from gradebook.messages import msg as gb_msg
from gradebook.rules.substitutions import school_days_bg
from portal.forms import REASONS
from portal.forms import NoteForm
from portal.messages import msg
from portal.views import _button_guardian
from portal.views import _child
from portal.views import _render
from portal.views import bp
from portal.views import guardian_required


@bp.route("/child/<int:student_id>/notes", methods=["GET", "POST"])
@guardian_required
def notes(student_id: int) -> Any:
    guardian, ctx = _child(student_id)
    form = NoteForm()
    # a preparatory group keeps days, not lessons: its note is for whole days
    whole_days = ctx.school_class is not None and ctx.school_class.grade_level == 0
    if request.method == "GET" and not form.starts_on.data:
        form.starts_on.data = clock.today()
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = request.files.get("document")
            data = b""
            if upload is not None:
                with upload.stream:  # closed now: a large upload is spooled to a temporary file
                    data = upload.read() if upload.filename else b""
            try:
                _note, left = notes_uc.submit_note(
                    guardian.id,
                    ctx.id,
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                    from_period=None if whole_days else form.from_period.data,
                    reason=form.reason.data or "",
                    comment=form.comment.data or "",
                    document=notes_uc.Document(data) if data else None,
                )
            except OperationError as exc:
                error = exc.message_bg
                for name, text in exc.errors.items():
                    field = getattr(form, name, None)
                    if field is not None:
                        field.errors = [*list(field.errors or []), text]
            else:
                sent = (
                    msg("note.sent", days=school_days_bg(left))
                    if left > 0
                    else msg("note.sent_none_left")
                )
                flash(sent, "success")
                return redirect(url_for("portal.notes", student_id=ctx.id))
        else:
            error = gb_msg("common.fix_marked_fields")
        status = 400
    try:
        left_now: int | None = notes_uc.days_left(ctx.id)
    except OperationError:
        left_now = None
    limits = notes_uc.limits_of(ctx.school)
    return (
        _render(
            "portal/notes.html",
            guardian,
            ctx,
            form=form,
            error=error,
            notes=notes_uc.notes_of_child(ctx.id, ctx.school.id),
            left=left_now,
            limits=limits,
            reasons=dict(REASONS),
            whole_days=whole_days,
        ),
        status,
    )


@bp.post("/child/<int:student_id>/notes/<int:note_id>/withdraw")
@guardian_required
def withdraw_note(student_id: int, note_id: int) -> Any:
    guardian = _button_guardian()
    _guardian, ctx = _child(student_id)
    try:
        notes_uc.withdraw_note(guardian.id, ctx.id, note_id)
    except OperationError as exc:
        flash(exc.message_bg, "error")
    else:
        flash(msg("note.withdrawn"), "success")
    return redirect(url_for("portal.notes", student_id=ctx.id))
