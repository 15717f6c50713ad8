"""Messages between staff and parents, staff side: my conversations (an admin also reads the
school's), writing first to a pupil's parent, and one conversation with its reply form. The rules
are in :mod:`gradebook.conversations`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask import request
from flask import url_for

from gradebook import access
from gradebook import conversations
from gradebook import core
from gradebook.forms import NewThreadForm
from gradebook.forms import ReplyForm
from gradebook.forms import opts
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.staff_base import form_page
from gradebook.staff_base import rows
from gradebook.staff_base import save_form
from models import GuardianStudent
from models import MessageThread
from models import Student


@bp.get("/messages")
@access.staff_required
def messages() -> Any:
    """The teacher's own conversations; an admin also reads (never writes in) the school's."""
    me = actor()
    query = sa.select(MessageThread).where(MessageThread.school_id == me.school_id)
    threads = rows(
        query.where(MessageThread.staff_id == me.staff_id).order_by(MessageThread.updated_at.desc())
    )
    school_threads = (
        rows(
            query.where(MessageThread.staff_id != me.staff_id).order_by(
                MessageThread.updated_at.desc()
            )
        )
        if me.is_admin
        else []
    )
    unread = {
        t.id: sum(1 for m in t.messages if not m.from_staff and m.read_at is None) for t in threads
    }
    return render_template(
        "gradebook/messages.html", threads=threads, unread=unread, school_threads=school_threads
    )


@bp.route("/students/<int:student_id>/messages/new", methods=["GET", "POST"])
@access.staff_required
def thread_new(student_id: int) -> Any:
    """A teacher writes first to a parent of a pupil they teach or are the class teacher of."""
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    if not conversations.can_message_student(me, student.id):
        abort(403)
    links = rows(
        sa.select(GuardianStudent).where(
            GuardianStudent.student_id == student.id,
            GuardianStudent.school_id == me.school_id,
        )
    )
    form = NewThreadForm()
    form.guardian_id.choices = opts(
        [(0, "—")] + [(link.guardian_id, link.guardian.full_name or "Родител") for link in links]
    )
    if request.method == "GET" and len(links) == 1:
        form.guardian_id.data = links[0].guardian_id
    return form_page(
        form,
        lambda: conversations.start_thread(
            me,
            student.id,
            guardian_id=form.guardian_id.data or 0,
            subject=form.subject.data or "",
            body=form.body.data or "",
        ),
        "Съобщението е изпратено.",
        lambda new: url_for("staff.thread", thread_id=new.id),
        "gradebook/thread_new.html",
        student=student,
        links=links,
    )


@bp.route("/messages/<int:thread_id>", methods=["GET", "POST"])
@access.staff_required
def thread(thread_id: int) -> Any:
    me = actor()
    try:
        the_thread = conversations.thread_for_reading(me, thread_id)
    except core.OperationError as exc:
        fail(exc)
        raise
    own = the_thread.staff_id == me.staff_id
    if not own:
        # an admin reads the school's conversations but never writes in another's
        if request.method == "POST":
            abort(403)
        return render_template("gradebook/thread.html", thread=the_thread, form=None, own=False)
    form = ReplyForm()
    done, status = save_form(
        form,
        lambda: conversations.reply(me, the_thread.id, form.body.data or ""),
        "Отговорът е изпратен.",
        url_for("staff.thread", thread_id=the_thread.id),
    )
    if done is not None:
        return done
    conversations.mark_thread_read(me, the_thread)
    return render_template("gradebook/thread.html", thread=the_thread, form=form, own=True), status
