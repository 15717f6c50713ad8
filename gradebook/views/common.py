"""What every teacher page of the staff web shares (the ``staff`` blueprint of
:mod:`gradebook.staff_base`): the ``staff_date`` / ``staff_num`` template filters, the staff
navigation and grade helpers of every template (context processor), the forced password change,
the error pages (a use-case error, a database failure, 400/403/404/405) and the no-store, no-frame
headers; and the helpers of the views about one pupil (who may see the class, who read an item,
the remark or health note being edited)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

import web_errors
from config import clock
from config import database
from gradebook import access
from gradebook import core
from gradebook import rules
from gradebook.forms import CsrfForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import form_page
from gradebook.staff_base import rows
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeCategory
from models import GuardianStudent
from models import HealthNote
from models import Remark
from models import School
from models import SchoolClass
from models import SeenItem
from models import Student
from models import Subject
from models import TimetableSlot
from models import db

_Record = TypeVar("_Record", Remark, HealthNote)


log = logging.getLogger("belezhnik.staff")

KIND_BG = {k: v.capitalize() for k, v in rules.GRADE_KINDS.items()}
ABSENCE_BG = {"excused": "уважително", "unexcused": "неуважително", "late": "закъснение"}
REASON_BG = {"health": "здравословни", "family": "семейни", "other": "други"}
WEEKDAYS_BG = ["", *rules.WEEKDAYS_BG]  # by isoweekday: WEEKDAYS_BG[1] is Monday


# --- what every staff page shows -----------------------------------------------------------------
def grade_display(grade: Grade) -> str:
    if grade.category == GradeCategory.SOP and grade.sop_mark:
        return {"difficulties": "З", "copes": "С", "meets": "П"}[grade.sop_mark.value]
    if grade.value is None:
        return ""
    if grade.value == grade.value.to_integral_value():
        return str(int(grade.value))
    return rules.format_decimal_bg(grade.value)


def grade_title(grade: Grade) -> str:
    if grade.category == GradeCategory.SOP and grade.sop_mark:
        return rules.sop_word(grade.sop_mark.value)
    if grade.value is None:
        return ""
    if grade.category == GradeCategory.QUALITATIVE:
        return rules.qualitative_word(int(grade.value))
    return rules.grade_text(grade.value)


def grade_class(grade: Grade) -> str:
    if grade.value is None:
        return ""
    return f"g{rules.whole_mark(grade.value)}"


@bp.app_template_filter("staff_date")
def _bgdate(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = clock.local(value)
        return f"{rules.format_date_bg(local.date())} {local:%H:%M}"
    return rules.format_date_bg(value)


@bp.app_template_filter("staff_num")
def _bgnum(value: Decimal | None, places: int = 2) -> str:
    return "" if value is None else rules.format_decimal_bg(value, places)


@bp.app_context_processor
def _staff_context() -> dict[str, Any]:
    # Every page a staff member sees (also the imports, reports, call log and outbox pages of
    # other parts, which extend gradebook/layout.html) gets the staff navigation.
    staff = access.current_staff()
    if staff is None and not (request.blueprint or "").startswith("staff"):
        return {}
    school = None
    school_id = access.current_school_id() if staff else None
    if school_id is not None:
        school = db.session.get(School, school_id)
    return {
        "staff": staff,
        "staff_school": school,
        "staff_is_admin": access.is_admin() if staff else False,
        # the reports are the admin's and the class teachers' (onboarding.views.reports_index)
        "staff_sees_reports": bool(
            staff and (access.is_admin() or access.class_teacher_class_ids())
        ),
        "staff_is_operator": access.is_operator() if staff else False,
        "logout_form": CsrfForm(),
        "KIND_BG": KIND_BG,
        "ABSENCE_BG": ABSENCE_BG,
        "REASON_BG": REASON_BG,
        "grade_display": grade_display,
        "grade_title": grade_title,
        "grade_class": grade_class,
    }


@bp.before_request
def _must_change_password() -> Any:
    staff = access.current_staff()
    if (
        staff is not None
        and staff.must_change_password
        and request.endpoint not in ("staff.password", "staff.logout", "staff.login", "static")
    ):
        flash("Сменете временната си парола, преди да продължите.", "error")
        return redirect(url_for("staff.password"))
    return None


@bp.errorhandler(core.OperationError)
def _operation_error(exc: core.OperationError) -> Any:
    """A use-case error that a view did not handle itself: 404 for other schools' rows,
    403 for missing rights, otherwise the Bulgarian message with its status."""
    if isinstance(exc, core.NotFound):
        return render_template("gradebook/error.html", code=404, message=exc.message_bg), 404
    if isinstance(exc, core.Forbidden):
        return render_template("gradebook/error.html", code=403, message=exc.message_bg), 403
    return render_template("gradebook/error.html", code=exc.status, message=exc.message_bg), (
        exc.status
    )


@bp.errorhandler(sa.exc.DBAPIError)
def _database_error(exc: sa.exc.DBAPIError) -> Any:
    """A database failure outside a use-case (a page read while the database is down): the
    same "nothing was saved, try again" page with 503, never a 500 or a conflict message."""
    log.error("database error on %s: %s: %s", request.path, type(exc).__name__, exc)
    try:
        db.session.rollback()
        return render_template("gradebook/error.html", code=503, message=core.SAVE_FAILED_BG), 503
    except sa.exc.SQLAlchemyError:  # the page's own queries fail too (a frozen database)
        return database.unavailable_response()


HTTP_BG = web_errors.HTTP_BG  # one catalogue of the HTTP errors' texts


@bp.errorhandler(400)
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(405)
def _http_error(exc: Any) -> Any:
    code = getattr(exc, "code", 500) or 500
    return render_template("gradebook/error.html", code=code, message=HTTP_BG.get(code, "")), code


@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


# --- helpers of the views about one pupil ------------------------------------------------------------
def require_view_class(class_id: int) -> None:
    if not actor().can_view_class(class_id):
        abort(403)


def managed_class(class_id: int) -> tuple[core.Actor, SchoolClass]:
    """A class whose pages only its class teacher and the admins see (403 for others)."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    return me, klass


def seen_by(object_type: str, object_id: int, student_id: int) -> list[tuple[str, dt.datetime]]:
    rows = db.session.execute(
        sa.select(GuardianStudent.guardian_id, SeenItem.seen_at)
        .join(SeenItem, SeenItem.guardian_id == GuardianStudent.guardian_id)
        .where(
            GuardianStudent.student_id == student_id,
            SeenItem.object_type == object_type,
            SeenItem.object_id == object_id,
        )
    ).all()
    names = {
        gs.guardian_id: gs.guardian.full_name
        for gs in db.session.scalars(
            sa.select(GuardianStudent).where(GuardianStudent.student_id == student_id)
        )
    }
    return [(names.get(r.guardian_id, "родител"), r.seen_at) for r in rows]


def student_for_view(student_id: int) -> tuple[Student, SchoolClass]:
    me = actor()
    student = core.get_in_school(Student, student_id, me.school_id)
    klass = core.student_class(student.id)
    if klass is None:
        if not me.is_admin:
            abort(403)
        klass = db.session.scalar(
            sa.select(SchoolClass)
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(Enrollment.student_id == student.id)
            .order_by(Enrollment.enrolled_on.desc())
        )
        if klass is None:
            abort(404)
    require_view_class(klass.id)
    return student, klass


def student_record(model: type[_Record], record_id: int | None, student: Student) -> _Record | None:
    """The remark or health note being edited on a pupil's page (None on the "new" page): read
    within the school, and 404 when it belongs to another pupil."""
    if record_id is None:
        return None
    record = core.get_in_school(model, record_id, actor().school_id)
    if record.student_id != student.id:
        abort(404)
    return record


def record_form(form_class: Any, record: Any, defaults: dict[str, Any]) -> Any:
    """The form of a new-or-edit page: on GET of an edit the record's values and its version
    (optimistic locking), on a new page ``defaults``; a POST reads only what was sent."""
    form = form_class(
        obj=record if request.method == "GET" else None,
        data=None if record else defaults,
    )
    if record is not None and request.method == "GET":
        form.version.data = str(record.version)
    return form


def to_student_page(row: Any) -> str:
    """Where a pupil's grade, absence, remark or health note leads back to: the pupil's page."""
    return url_for("staff.student", student_id=row.student_id)


def pupil_record_page(
    form: Any,
    student: Student,
    save: Callable[..., Any],
    fields: Callable[[], dict[str, Any]],
    success: str,
    template: str,
    **context: Any,
) -> Any:
    """The new-or-edit page of a remark or a health note (:func:`form_page`): the use-case
    ``save(actor, student_id=…, version=…, reason=…, **fields())`` — ``fields`` gives the
    topic's own values and the record's id (None for a new one) — then back to the pupil's
    page. The page gets ``student`` and ``context``."""
    me = actor()
    return form_page(
        form,
        lambda: save(
            me,
            student_id=student.id,
            version=form.version.data,
            reason=form.reason.data or "",
            **fields(),
        ),
        success,
        url_for("staff.student", student_id=student.id),
        template,
        student=student,
        **context,
    )


def class_curricula(class_id: int) -> list[Curriculum]:
    """A class's curriculum, by subject name (the class page and the admin's)."""
    return rows(
        sa.select(Curriculum)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(Curriculum.class_id == class_id)
        .order_by(Subject.name)
    )


def class_slots(class_id: int) -> list[TimetableSlot]:
    """A class's weekly timetable, by day and period (the class page and the admin's)."""
    return rows(
        sa.select(TimetableSlot)
        .where(TimetableSlot.class_id == class_id)
        .order_by(TimetableSlot.weekday, TimetableSlot.period)
    )
