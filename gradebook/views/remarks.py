"""Remarks and praises on a pupil's page: the new-or-edit form and deleting one with a reason.
The rules are in :mod:`gradebook.remarks`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request

from config import clock
from gradebook import access
from gradebook import remarks as remarks_uc
from gradebook.forms import RemarkForm
from gradebook.forms import opts
from gradebook.staff_base import ReasonDelete
from gradebook.staff_base import bp
from gradebook.staff_base import form_values
from gradebook.staff_base import reason_delete_routes
from gradebook.views.common import pupil_record_page
from gradebook.views.common import record_form
from gradebook.views.common import student_for_view
from gradebook.views.common import student_record
from gradebook.views.common import to_student_page
from models import Curriculum
from models import Remark
from models import Subject
from models import db


@bp.route("/students/<int:student_id>/remarks/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/remarks/<int:remark_id>", methods=["GET", "POST"])
@access.staff_required
def remark_form(student_id: int, remark_id: int | None = None) -> Any:
    student, klass = student_for_view(student_id)
    remark = student_record(Remark, remark_id, student)
    form = record_form(RemarkForm, remark, {"date": clock.today()})
    form.subject_id.choices = opts(
        [(0, "—")]
        + [
            (s.id, s.name)
            for s in db.session.scalars(
                sa.select(Subject)
                .join(Curriculum, Curriculum.subject_id == Subject.id)
                .where(Curriculum.class_id == klass.id)
                .distinct()
                .order_by(Subject.name)
            )
        ]
    )
    if remark is not None and request.method == "GET":
        form.kind.data = remark.kind.value
        form.subject_id.data = remark.subject_id or 0
    return pupil_record_page(
        form,
        student,
        remarks_uc.save_remark,
        lambda: {
            "remark_id": remark.id if remark else None,
            **form_values(form, "date", kind="", text="", subject_id=None),
        },
        "Отзивът е записан.",
        "gradebook/remark_form.html",
        klass=klass,
        remark=remark,
    )


reason_delete_routes(
    ReasonDelete(
        "remark_delete",
        "/remarks/<int:remark_id>/delete",
        Remark,
        remarks_uc.delete_remark,
        "Отзивът е изтрит.",
        to_student_page,
    )
)
