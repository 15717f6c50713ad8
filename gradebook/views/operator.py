"""The platform operator's page (``/staff/operator``): the schools, their size and the switch
that turns one on or off — never pupil data."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from config import clock
from gradebook import access
from gradebook.forms import CsrfForm
from gradebook.staff_base import bp
from models import AuditLog
from models import School
from models import Student
from models import db


@bp.get("/operator")
@access.operator_required
def operator() -> Any:
    """The platform operator's page: schools and their size, never pupil data."""
    rows = db.session.execute(
        sa.select(
            School.id,
            School.name,
            School.town,
            School.neispuo_code,
            School.active,
            sa.select(sa.func.count(Student.id))
            .where(Student.school_id == School.id)
            .scalar_subquery()
            .label("students"),
        ).order_by(School.name, School.id)
    ).all()
    return render_template("gradebook/operator.html", schools=rows, form=CsrfForm())


@bp.post("/operator/schools/<int:school_id>/active")
@access.operator_required
def operator_school_active(school_id: int) -> Any:
    """Switch a school on or off (off: its staff and parents can no longer use it). Audited."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    staff = access.current_staff()
    before = {"active": school.active}
    school.active = not school.active
    db.session.add(
        AuditLog(
            school_id=school.id,
            actor_type="staff",
            actor_id=staff.id if staff else None,
            action="update",
            object_type="school",
            object_id=school.id,
            before=before,
            after={"active": school.active},
            reason="operator",
            created_at=clock.utc_naive(),
        )
    )
    db.session.commit()
    flash(f"{school.name}: {'активно' if school.active else 'спряно'}.", "success")
    return redirect(url_for("staff.operator"))
