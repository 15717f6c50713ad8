"""The staff web (blueprint ``staff``, ``/staff``): sign-in, the teacher's screens and the
history views. Admin screens live in ``gradebook.admin_web`` on the same blueprint.

Views stay thin: read the request → call one use-case (``gradebook.grades``, ``gradebook.absences``, …) → render.
Every object is fetched with ``operations.get_in_school`` (404 for other schools' rows) and
every right is checked by the use-case or by ``_require_view_class``.

Screens (all under ``/staff``): ``/login`` (throttled), ``/logout`` (POST), ``/password``;
``/`` today's lessons, my subjects, my classes; ``/classes/<id>`` (students, subjects, week),
``/classes/<id>/overview`` (averages and absences, class teacher), ``/classes/<id>/absences``
(excuse several or a date range); ``/grid/<curriculum>`` the keyboard grade grid (one POST saves
a column), ``/grid/<curriculum>/final`` term/annual grades; ``/grades/<id>/edit|delete`` (reason,
optimistic locking); ``/lesson/<slot>?date=`` the register of one lesson; ``/students/<id>``
(grades, absences, remarks, health notes, read receipts) with ``remarks/…`` and ``health/…``
forms; ``/events``, ``/events/new``, ``/meetings/new`` (+ edit/delete); ``/history/<type>/<id>``
and ``/students/<id>/history`` (audit); ``/messages`` and ``/messages/<thread>`` (reply);
``/operator`` (schools only, no pupil data). Admin screens: see ``gradebook.admin_web``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

import session_tokens
import throttle
from config import clock
from config import database
from gradebook import absences as absences_uc
from gradebook import access
from gradebook import conversations
from gradebook import core
from gradebook import events as events_uc
from gradebook import grades as grades_uc
from gradebook import health as health_uc
from gradebook import people
from gradebook import remarks as remarks_uc
from gradebook import rules
from gradebook.forms import EVENT_KINDS
from gradebook.forms import CsrfForm
from gradebook.forms import EventForm
from gradebook.forms import GradeEditForm
from gradebook.forms import HealthForm
from gradebook.forms import LoginForm
from gradebook.forms import MeetingForm
from gradebook.forms import NewThreadForm
from gradebook.forms import PasswordForm
from gradebook.forms import ReasonForm
from gradebook.forms import RemarkForm
from gradebook.forms import ReplyForm
from gradebook.forms import opts
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from gradebook.staff_base import form_action
from gradebook.staff_base import save_form
from ivr import pin_lock
from models import Absence
from models import AbsenceKind
from models import AuditLog
from models import Curriculum
from models import Enrollment
from models import Event
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import GuardianStudent
from models import HealthNote
from models import Message
from models import MessageThread
from models import ParentMeeting
from models import Remark
from models import School
from models import SchoolClass
from models import SeenItem
from models import StaffUser
from models import Student
from models import Subject
from models import TimetableSlot
from models import db

log = logging.getLogger("belezhnik.staff")


LOGIN_LIMIT_PER_EMAIL = 5
LOGIN_LIMIT_PER_ADDRESS = 30
LOGIN_WINDOW = dt.timedelta(minutes=15)
THROTTLED_BG = "Твърде много неуспешни опити за вход. Опитайте отново след 15 минути."
BAD_LOGIN_BG = "Грешен имейл или парола."

KIND_BG = {k: v.capitalize() for k, v in rules.GRADE_KINDS.items()}
ABSENCE_BG = {"excused": "уважително", "unexcused": "неуважително", "late": "закъснение"}
REASON_BG = {"health": "здравословни", "family": "семейни", "other": "други"}
WEEKDAYS_BG = ["", "понеделник", "вторник", "сряда", "четвъртък", "петък", "събота", "неделя"]
OBJECT_BG = {
    "grade": "оценка",
    "absence": "отсъствие",
    "remark": "отзив",
    "health_note": "здравна бележка",
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


DELETE_REASON_BG = "Посочете причина за изтриването."


# --- helpers ---------------------------------------------------------------------------------------
def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    staff_page = parts.path.startswith("/staff") or parts.path in ("/ivr/calls", "/ivr/simulator")
    if parts.scheme or parts.netloc or not staff_page or "//" in target:
        return None
    return target


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


def _require_view_class(class_id: int) -> None:
    if not actor().can_view_class(class_id):
        abort(403)


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


HTTP_BG = {
    400: "Заявката не е валидна. Презаредете страницата и опитайте отново.",
    403: "Нямате права за тази страница.",
    404: "Страницата или записът не е намерен.",
    405: "Това действие не е позволено така.",
}


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


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(generate_password_hash(secrets.token_hex(16)))
    return _DUMMY[0]


# --- sign-in -----------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = f"ip:{request.remote_addr or '?'}"
        limits = (
            throttle.Limit("staff_login", email, LOGIN_LIMIT_PER_EMAIL, LOGIN_WINDOW),
            throttle.Limit("staff_login", address, LOGIN_LIMIT_PER_ADDRESS, LOGIN_WINDOW),
        )
        if not throttle.reserve(*limits):  # counted (and committed) before the password check
            log.warning("staff sign-in throttled for %s", email)
            form.password.errors = [THROTTLED_BG]
            return render_template("gradebook/login.html", form=form), 429
        user = db.session.scalar(
            sa.select(StaffUser).where(sa.func.lower(StaffUser.email) == email)
        )
        # the same work for an unknown e-mail, so that timing does not tell which accounts exist
        password_ok = check_password_hash(
            user.password_hash if user is not None else _dummy_hash(), form.password.data or ""
        )
        if user is None or not user.active or not password_ok:
            log.info("failed staff sign-in for %s", email)
            form.password.errors = [BAD_LOGIN_BG]
            status = 401
        else:
            throttle.give_back(*limits)  # a sign-in that worked is not a guess
            user.last_login_at = clock.utc_naive()
            db.session.commit()
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # no session fixation: a fresh session (and CSRF token) per sign-in
            g.pop("csrf_token", None)
            access.request_cache().clear()
            session_tokens.sign_in(user)
            if user.memberships:
                session[access.SESSION_SCHOOL_KEY] = sorted(m.school_id for m in user.memberships)[
                    0
                ]
            if user.must_change_password:
                return redirect(url_for("staff.password"))
            if user.is_operator and not user.memberships:
                return redirect(url_for("staff.operator"))
            return redirect(next_url or url_for("staff.index"))
    elif request.method == "POST":
        status = 400
    return render_template("gradebook/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    return _sign_out("Излязохте от профила си.")


@bp.post("/logout/everywhere")
def logout_everywhere() -> Any:
    """Изход от всички устройства (logout does the same: every session and remember-me cookie of
    the account ends; this one says so)."""
    return _sign_out("Излязохте от профила си на всички устройства.")


def _sign_out(message: str) -> Any:
    if not CsrfForm().validate_on_submit():
        abort(400)
    session_tokens.sign_out()
    session.clear()
    g.pop("csrf_token", None)
    flash(message, "success")
    return redirect(url_for("staff.login"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> Any:
    staff = access.current_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            people.change_own_password(staff, form.password.data or "")
        except core.OperationError as exc:
            fail(exc, form)
        else:
            session_tokens.renew(staff)  # every other session ended with the old password
            flash("Паролата е сменена.", "success")
            return redirect(url_for("staff.index") if staff.memberships else url_for("staff.login"))
    return render_template("gradebook/password.html", form=form)


@bp.post("/school")
@access.staff_required
def switch_school() -> Any:
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    if not access.set_current_school(request.form.get("school_id", type=rules.db_id)):
        abort(403)
    return redirect(url_for("staff.index"))


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


# --- the teacher's start page ------------------------------------------------------------------------
@bp.get("/")
@access.staff_required
def index() -> Any:
    me = actor()
    today = clock.today()
    year = core.current_year(me.school_id)
    term = year.term_of(today)
    slots = list(
        db.session.scalars(
            sa.select(TimetableSlot)
            .where(
                TimetableSlot.school_id == me.school_id,
                TimetableSlot.weekday == today.isoweekday(),
                sa.or_(TimetableSlot.term.is_(None), TimetableSlot.term == term),
                sa.or_(
                    TimetableSlot.teacher_id == me.staff_id,
                    TimetableSlot.curriculum_id.in_(me.curriculum_ids or {0}),
                ),
            )
            .order_by(TimetableSlot.period)
            .options(sa.orm.joinedload(TimetableSlot.school_class))
        )
    )
    curricula = list(
        db.session.scalars(
            sa.select(Curriculum)
            .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
            .where(
                Curriculum.school_id == me.school_id,
                Curriculum.id.in_(me.curriculum_ids or {0}),
                SchoolClass.school_year_id == year.id,
            )
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
    )
    class_query = sa.select(SchoolClass).where(
        SchoolClass.school_id == me.school_id, SchoolClass.school_year_id == year.id
    )
    if not me.is_admin:
        class_query = class_query.where(
            SchoolClass.id.in_((me.class_teacher_of | me.teaches_classes) or {0})
        )
    classes = list(
        db.session.scalars(class_query.order_by(SchoolClass.grade_level, SchoolClass.name))
    )
    unread = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(MessageThread.id)))
        .join(MessageThread.messages)
        .where(
            MessageThread.school_id == me.school_id,
            MessageThread.staff_id == me.staff_id,
            Message.from_staff.is_(False),
            Message.read_at.is_(None),
        )
    )
    schools = access.school_ids_of_current_staff()
    school_names = {
        s.id: s.name
        for s in db.session.scalars(sa.select(School).where(School.id.in_(schools or [0])))
    }
    return render_template(
        "gradebook/index.html",
        today=today,
        weekday=WEEKDAYS_BG[today.isoweekday()],
        slots=slots,
        curricula=curricula,
        classes=classes,
        class_teacher_of=me.class_teacher_of,
        unread=unread or 0,
        school_names=school_names,
        switch_form=CsrfForm(),
    )


# --- a class ----------------------------------------------------------------------------------------
@bp.get("/classes/<int:class_id>")
@access.staff_required
def class_view(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    _require_view_class(klass.id)
    enrollments = core.active_enrollments(klass.id)
    curricula = list(
        db.session.scalars(
            sa.select(Curriculum)
            .where(Curriculum.class_id == klass.id)
            .join(Subject, Subject.id == Curriculum.subject_id)
            .order_by(Subject.name)
        )
    )
    slots = list(
        db.session.scalars(
            sa.select(TimetableSlot)
            .where(TimetableSlot.class_id == klass.id)
            .order_by(TimetableSlot.weekday, TimetableSlot.period)
        )
    )
    week: dict[int, list[TimetableSlot]] = defaultdict(list)
    for slot in slots:
        week[slot.weekday].append(slot)
    return render_template(
        "gradebook/class.html",
        klass=klass,
        enrollments=enrollments,
        curricula=curricula,
        writable={c.id for c in curricula if me.can_write_grades(c)},
        manage=me.can_manage_class(klass.id),
        week=dict(sorted(week.items())),
        weekdays=WEEKDAYS_BG,
        today=clock.today(),
    )


@bp.get("/classes/<int:class_id>/overview")
@access.staff_required
def class_overview(class_id: int) -> Any:
    """The class teacher's (and admin's) table: each pupil's current average per subject in the
    term and the absence totals."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    year = klass.school_year
    term = request.args.get("term", type=rules.term_number) or year.term_of(
        min(clock.today(), year.ends_on)
    )
    enrollments = core.active_enrollments(klass.id)
    ids = [e.student_id for e in enrollments] or [0]
    subjects = list(
        db.session.scalars(
            sa.select(Subject)
            .join(Curriculum, Curriculum.subject_id == Subject.id)
            .where(Curriculum.class_id == klass.id)
            .distinct()
            .order_by(Subject.name)
        )
    )
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for student_id, subject_id, value in db.session.execute(
        sa.select(Grade.student_id, Grade.subject_id, Grade.value).where(
            Grade.student_id.in_(ids),
            Grade.school_year_id == year.id,
            Grade.term == term,
            Grade.kind.not_in([GradeKind.TERM, GradeKind.ANNUAL]),
            Grade.value.is_not(None),
        )
    ):
        values[(student_id, subject_id)].append(value)
    averages = {key: rules.average(v) for key, v in values.items()}
    kinds: dict[int, list[str]] = defaultdict(list)
    for student_id, kind in db.session.execute(
        sa.select(Absence.student_id, Absence.kind).where(
            Absence.student_id.in_(ids), Absence.school_year_id == year.id, Absence.term == term
        )
    ):
        kinds[student_id].append(kind.value)
    totals = {sid: rules.absence_totals(kinds.get(sid, [])) for sid in ids}
    return render_template(
        "gradebook/class_overview.html",
        klass=klass,
        term=term,
        enrollments=enrollments,
        subjects=subjects,
        averages=averages,
        totals=totals,
    )


# --- the grade grid -------------------------------------------------------------------------------------
def _grid_context(curriculum: Curriculum, term: int) -> dict[str, Any]:
    klass = curriculum.school_class
    enrollments = core.active_enrollments(klass.id)
    student_ids = [e.student_id for e in enrollments]
    grades = list(
        db.session.scalars(
            sa.select(Grade)
            .where(
                Grade.curriculum_id == curriculum.id,
                Grade.student_id.in_(student_ids or [0]),
                sa.or_(Grade.term == term, Grade.kind == GradeKind.ANNUAL),
            )
            .order_by(Grade.date, Grade.id)
        )
    )
    columns: dict[tuple[dt.date, str], dict[int, list[Grade]]] = {}
    finals: dict[int, Grade] = {}
    annual: dict[int, Grade] = {}
    values: dict[int, list[Decimal]] = defaultdict(list)
    for grade in grades:
        if grade.kind == GradeKind.TERM:
            finals[grade.student_id] = grade
        elif grade.kind == GradeKind.ANNUAL:
            annual[grade.student_id] = grade
        else:
            columns.setdefault((grade.date, grade.kind.value), defaultdict(list))[
                grade.student_id
            ].append(grade)
            if grade.value is not None and grade.category != GradeCategory.SOP:
                values[grade.student_id].append(grade.value)
    forecasts = {sid: rules.term_forecast(v) for sid, v in values.items() if v}
    by_student: dict[int, list[Grade]] = defaultdict(list)
    for (_day, _kind), cells in sorted(columns.items()):
        for sid, cell in cells.items():
            by_student[sid].extend(cell)
    return {
        "curriculum": curriculum,
        "klass": klass,
        "enrollments": enrollments,
        "columns": sorted(columns.items()),
        "by_student": by_student,
        "finals": finals,
        "annual": annual,
        "forecasts": forecasts,
        "sums": {sid: (sum(v), len(v)) for sid, v in values.items()},
        "term": term,
        "qualitative": klass.grade_level <= 3,
        "term_grades_allowed": klass.grade_level >= 4,
        "annual_allowed": klass.grade_level >= 2,
    }


@bp.route("/grid/<int:curriculum_id>", methods=["GET", "POST"])
@access.staff_required
def grid(curriculum_id: int) -> Any:
    me = actor()
    curriculum = core.get_in_school(Curriculum, curriculum_id, me.school_id)
    if not me.can_write_grades(curriculum):
        abort(403)
    year = curriculum.school_class.school_year
    today = clock.today()
    term = request.args.get("term", type=rules.term_number) or year.term_of(
        min(today, year.ends_on)
    )
    if term not in (1, 2):
        term = 1
    form = CsrfForm()
    typed: dict[int, str] = {}
    errors: dict[str, str] = {}
    kind = request.form.get("kind", "current")
    date_text = request.form.get("date") or today.isoformat()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        typed = {
            int(key[1:]): value
            for key, value in request.form.items()
            if key.startswith("g") and key[1:].isascii() and key[1:].isdigit()  # not "g²"
        }
        try:
            saved = grades_uc.save_grade_column(
                me,
                curriculum.id,
                kind=kind,
                date=date_text,
                values=typed,
                comment=request.form.get("comment", ""),
                override_lock=bool(request.form.get("override_lock")) and me.is_admin,
            )
        except core.OperationError as exc:
            fail(exc)
            errors = exc.errors
            status = exc.status
        else:
            flash(f"Записани оценки: {len(saved)}.", "success")
            saved_term = saved[0].term or term
            return redirect(url_for("staff.grid", curriculum_id=curriculum.id, term=saved_term))
    context = _grid_context(curriculum, term)
    return (
        render_template(
            "gradebook/grid.html",
            form=form,
            typed=typed,
            errors=errors,
            kind=kind,
            date_value=date_text,
            kinds=[(k, KIND_BG[k]) for k in rules.CURRENT_KINDS],
            is_admin=me.is_admin,
            **context,
        ),
        status,
    )


@bp.route("/grid/<int:curriculum_id>/final", methods=["GET", "POST"])
@access.staff_required
def final_grades(curriculum_id: int) -> Any:
    me = actor()
    curriculum = core.get_in_school(Curriculum, curriculum_id, me.school_id)
    if not me.can_write_grades(curriculum):
        abort(403)
    kind = request.values.get("kind", "term")
    if kind not in rules.FINAL_KINDS:
        abort(404)
    term = request.values.get("term", type=rules.term_number) or 1
    form = CsrfForm()
    typed: dict[int, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        typed = {
            int(k[1:]): v
            for k, v in request.form.items()
            if k.startswith("g") and k[1:].isascii() and k[1:].isdigit()
        }
        versions = {
            int(k[1:]): v
            for k, v in request.form.items()
            if k.startswith("v") and k[1:].isascii() and k[1:].isdigit()
        }
        try:
            saved = grades_uc.save_final_grades(
                me,
                curriculum.id,
                kind=kind,
                term=term,
                values=typed,
                versions=versions,
                reason=request.form.get("reason", ""),
            )
        except core.OperationError as exc:
            fail(exc)
            errors = exc.errors
            status = exc.status
        else:
            flash(f"Записани оценки: {len(saved)}.", "success")
            return redirect(
                url_for("staff.final_grades", curriculum_id=curriculum.id, kind=kind, term=term)
            )
    context = _grid_context(curriculum, term)
    existing = context["finals"] if kind == "term" else context["annual"]
    return (
        render_template(
            "gradebook/final.html",
            form=form,
            typed=typed,
            errors=errors,
            kind=kind,
            existing=existing,
            **context,
        ),
        status,
    )


@bp.route("/grades/<int:grade_id>/edit", methods=["GET", "POST"])
@access.staff_required
def grade_edit(grade_id: int) -> Any:
    me = actor()
    grade = core.get_in_school(Grade, grade_id, me.school_id)
    if not me.can_write_grades(grade.curriculum):
        abort(403)
    form = GradeEditForm(obj=None if request.method == "POST" else _grade_form_data(grade))
    if grade.kind in (GradeKind.TERM, GradeKind.ANNUAL):
        form.kind.choices = opts([(grade.kind.value, KIND_BG[grade.kind.value])])
    status = 200
    if form.validate_on_submit():
        try:
            grades_uc.update_grade(
                me,
                grade.id,
                value=form.value.data or "",
                kind=form.kind.data,
                date=form.date.data,
                comment=form.comment.data or "",
                version=form.version.data,
                reason=form.reason.data or "",
                override_lock=bool(form.override_lock.data) and me.is_admin,
            )
        except core.OperationError as exc:
            fail(exc, form)
            status = exc.status
        else:
            flash("Оценката е променена.", "success")
            return redirect(url_for("staff.grid", curriculum_id=grade.curriculum_id))
    elif request.method == "POST":
        status = 422
    delete_form = ReasonForm(formdata=None, version=grade.version)
    return (
        render_template(
            "gradebook/grade_edit.html",
            form=form,
            delete_form=delete_form,
            grade=grade,
            is_admin=me.is_admin,
            seen=_seen_by("grade", grade.id, grade.student_id),
        ),
        status,
    )


class _Obj:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


def _grade_form_data(grade: Grade) -> _Obj:
    value = (
        grade.sop_mark
        and {"difficulties": "з", "copes": "с", "meets": "п"}[grade.sop_mark.value]
        or (str(grade.value) if grade.value is not None else "")
    )
    return _Obj(
        value=value,
        kind=grade.kind.value,
        date=grade.date,
        comment=grade.comment,
        version=grade.version,
        reason="",
        override_lock=False,
    )


@bp.post("/grades/<int:grade_id>/delete")
@access.staff_required
def grade_delete(grade_id: int) -> Any:
    me = actor()
    grade = core.get_in_school(Grade, grade_id, me.school_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        if request.form.get("csrf_token") is None or "csrf_token" in form.errors:
            abort(400)
        flash("Посочете причина за изтриването.", "error")
        return redirect(url_for("staff.grade_edit", grade_id=grade.id))
    curriculum_id = grade.curriculum_id
    try:
        grades_uc.delete_grade(
            me,
            grade.id,
            version=form.version.data,
            reason=form.reason.data or "",
            override_lock=bool(form.override_lock.data) and me.is_admin,
        )
    except core.OperationError as exc:
        fail(exc)
        return redirect(url_for("staff.grade_edit", grade_id=grade_id))
    flash("Оценката е изтрита.", "success")
    return redirect(url_for("staff.grid", curriculum_id=curriculum_id))


# --- absences for a lesson ---------------------------------------------------------------------------
@bp.route("/lesson/<int:slot_id>", methods=["GET", "POST"])
@access.staff_required
def lesson(slot_id: int) -> Any:
    me = actor()
    slot = core.get_in_school(TimetableSlot, slot_id, me.school_id)
    if not absences_uc.can_take_register(me, slot):
        abort(403)
    today = clock.today()
    if not request.values.get("date"):
        # the latest day (today or before) on which this lesson is in the timetable
        back = (today.isoweekday() - slot.weekday) % 7
        date_text = (today - dt.timedelta(days=back)).isoformat()
    else:
        date_text = request.values["date"]
    try:
        day = core.parse_date(date_text)
    except core.Invalid:
        day = today
    form = CsrfForm()
    enrollments = core.active_enrollments(slot.class_id)
    status = 200
    typed: dict[int, str] | None = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        typed = {}
        for e in enrollments:
            sid = e.student_id
            if request.form.get(f"late{sid}"):
                typed[sid] = "late"
            elif request.form.get(f"absent{sid}"):
                typed[sid] = "absent"
            else:
                typed[sid] = ""
        try:
            counts = absences_uc.save_lesson_absences(
                me,
                slot.id,
                date=date_text,
                marks=typed,
                override_lock=bool(request.form.get("override_lock")) and me.is_admin,
            )
        except core.OperationError as exc:
            fail(exc)
            status = exc.status
        else:
            absent = sum(1 for v in typed.values() if v == "absent")
            late = sum(1 for v in typed.values() if v == "late")
            flash(
                f"Записано: отсъстващи {absent}, закъснели {late} "
                f"(нови {counts['created']}, променени {counts['updated']}, "
                f"премахнати {counts['deleted']}).",
                "success",
            )
            return redirect(url_for("staff.lesson", slot_id=slot.id, date=day.isoformat()))
    existing = {
        a.student_id: a
        for a in db.session.scalars(
            sa.select(Absence).where(
                Absence.school_id == me.school_id,
                Absence.date == day,
                Absence.period == slot.period,
                Absence.student_id.in_([e.student_id for e in enrollments] or [0]),
            )
        )
    }
    marks = typed
    if marks is None:
        marks = {
            sid: ("late" if a.kind == AbsenceKind.LATE else "absent") for sid, a in existing.items()
        }
    return (
        render_template(
            "gradebook/lesson.html",
            form=form,
            slot=slot,
            day=day,
            weekday=WEEKDAYS_BG[day.isoweekday()],
            enrollments=enrollments,
            marks=marks,
            existing=existing,
            is_admin=me.is_admin,
        ),
        status,
    )


@bp.route("/classes/<int:class_id>/absences", methods=["GET", "POST"])
@access.staff_required
def class_absences(class_id: int) -> Any:
    """The class teacher's list of the class's absences: excuse several at once."""
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    form = CsrfForm()
    status = 200
    selected: set[int] = set()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        selected = {
            int(x)
            for x in request.form.getlist("absence")
            if x.isascii() and x.isdigit() and len(x) <= 18  # not "²"; fits a BIGINT
        }
        try:
            if request.form.get("mode") == "range":
                selected = set(
                    absences_uc.unexcused_between(
                        me,
                        klass.id,
                        request.form.get("student_id", type=rules.db_id) or 0,
                        request.form.get("date_from", ""),
                        request.form.get("date_to", ""),
                    )
                )
            count = absences_uc.excuse_absences(
                me,
                selected,
                reason=request.form.get("reason", ""),
                comment=request.form.get("comment", ""),
                override_lock=bool(request.form.get("override_lock")) and me.is_admin,
            )
        except core.OperationError as exc:
            fail(exc)
            status = exc.status
        else:
            flash(f"Извинени отсъствия: {count}.", "success")
            return redirect(url_for("staff.class_absences", class_id=klass.id))
    enrollments = core.active_enrollments(klass.id)
    ids = [e.student_id for e in enrollments]
    show = request.args.get("show", "open")
    query = sa.select(Absence).where(
        Absence.school_id == me.school_id, Absence.student_id.in_(ids or [0])
    )
    if show == "open":
        query = query.where(Absence.kind == AbsenceKind.UNEXCUSED)
    absences = list(db.session.scalars(query.order_by(Absence.date.desc(), Absence.period)))
    by_student: dict[int, list[Absence]] = defaultdict(list)
    for a in absences:
        by_student[a.student_id].append(a)
    return (
        render_template(
            "gradebook/absences.html",
            form=form,
            klass=klass,
            enrollments=enrollments,
            by_student=by_student,
            selected=selected,
            show=show,
            values=request.form,
            is_admin=me.is_admin,
        ),
        status,
    )


@bp.post("/absences/<int:absence_id>/delete")
@access.staff_required
def absence_delete(absence_id: int) -> Any:
    me = actor()
    absence = core.get_in_school(Absence, absence_id, me.school_id)
    form = ReasonForm()
    form_action(
        form,
        lambda: absences_uc.delete_absence(
            me, absence.id, version=form.version.data, reason=form.reason.data or ""
        ),
        "Отсъствието е изтрито.",
        invalid=DELETE_REASON_BG,
    )
    return redirect(url_for("staff.student", student_id=absence.student_id))


# --- a student ---------------------------------------------------------------------------------------
def _seen_by(object_type: str, object_id: int, student_id: int) -> list[tuple[str, dt.datetime]]:
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


def _student_for_view(student_id: int) -> tuple[Student, SchoolClass]:
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
    _require_view_class(klass.id)
    return student, klass


@bp.get("/students/<int:student_id>")
@access.staff_required
def student(student_id: int) -> Any:
    me = actor()
    student, klass = _student_for_view(student_id)
    year = klass.school_year
    grades = list(
        db.session.scalars(
            sa.select(Grade)
            .where(Grade.student_id == student.id, Grade.school_year_id == year.id)
            .order_by(Grade.date, Grade.id)
        )
    )
    if not (me.is_admin or me.can_manage_class(klass.id)):
        grades = [g for g in grades if g.curriculum_id in me.curriculum_ids]
    by_subject: dict[str, list[Grade]] = defaultdict(list)
    for grade in grades:
        by_subject[grade.subject.name].append(grade)
    absences = list(
        db.session.scalars(
            sa.select(Absence)
            .where(Absence.student_id == student.id, Absence.school_year_id == year.id)
            .order_by(Absence.date.desc(), Absence.period)
        )
    )
    totals = rules.absence_totals(a.kind.value for a in absences)
    remarks = list(
        db.session.scalars(
            sa.select(Remark)
            .where(Remark.student_id == student.id, Remark.school_year_id == year.id)
            .order_by(Remark.date.desc())
        )
    )
    health = []
    if me.can_manage_class(klass.id) and access.can_see_health(student.id):
        health = list(
            db.session.scalars(
                sa.select(HealthNote)
                .where(HealthNote.student_id == student.id)
                .order_by(HealthNote.date_from.desc())
            )
        )
    seen_ids = set(
        db.session.execute(
            sa.select(SeenItem.object_type, SeenItem.object_id)
            .join(GuardianStudent, GuardianStudent.guardian_id == SeenItem.guardian_id)
            .where(GuardianStudent.student_id == student.id)
        ).all()
    )
    guardians = list(
        db.session.scalars(
            sa.select(GuardianStudent).where(GuardianStudent.student_id == student.id)
        )
    )
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
    )


@bp.post("/students/<int:student_id>/phone-unlock")
@access.staff_required
def phone_unlock(student_id: int) -> Any:
    """The school reopens a child's phone access locked after too many wrong PINs (audited)."""
    me = actor()
    student, klass = _student_for_view(student_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if pin_lock.unlock(student, "staff", me.staff_id):
        db.session.commit()
        flash("Телефонният достъп за ученика е отключен.", "success")
    return redirect(url_for("staff.student", student_id=student.id))


@bp.route("/students/<int:student_id>/remarks/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/remarks/<int:remark_id>", methods=["GET", "POST"])
@access.staff_required
def remark_form(student_id: int, remark_id: int | None = None) -> Any:
    me = actor()
    student, klass = _student_for_view(student_id)
    remark = None
    if remark_id is not None:
        remark = core.get_in_school(Remark, remark_id, me.school_id)
        if remark.student_id != student.id:
            abort(404)
    form = RemarkForm(
        obj=remark if request.method == "GET" else None,
        data=None if remark else {"date": clock.today()},
    )
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
        form.version.data = str(remark.version)
    status = 200
    if form.validate_on_submit():
        try:
            remarks_uc.save_remark(
                me,
                student_id=student.id,
                kind=form.kind.data or "",
                text=form.text.data or "",
                date=form.date.data,
                subject_id=form.subject_id.data or None,
                remark_id=remark.id if remark else None,
                version=form.version.data,
                reason=form.reason.data or "",
            )
        except core.OperationError as exc:
            fail(exc, form)
            status = exc.status
        else:
            flash("Отзивът е записан.", "success")
            return redirect(url_for("staff.student", student_id=student.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "gradebook/remark_form.html", form=form, student=student, klass=klass, remark=remark
        ),
        status,
    )


@bp.post("/remarks/<int:remark_id>/delete")
@access.staff_required
def remark_delete(remark_id: int) -> Any:
    me = actor()
    remark = core.get_in_school(Remark, remark_id, me.school_id)
    form = ReasonForm()
    form_action(
        form,
        lambda: remarks_uc.delete_remark(
            me, remark.id, version=form.version.data, reason=form.reason.data
        ),
        "Отзивът е изтрит.",
        invalid=DELETE_REASON_BG,
    )
    return redirect(url_for("staff.student", student_id=remark.student_id))


@bp.route("/students/<int:student_id>/health/new", methods=["GET", "POST"])
@bp.route("/students/<int:student_id>/health/<int:note_id>", methods=["GET", "POST"])
@access.staff_required
def health_form(student_id: int, note_id: int | None = None) -> Any:
    me = actor()
    student, klass = _student_for_view(student_id)
    if not me.can_manage_class(klass.id):
        abort(403)
    note = None
    if note_id is not None:
        note = core.get_in_school(HealthNote, note_id, me.school_id)
        if note.student_id != student.id:
            abort(404)
    form = HealthForm(
        obj=note if request.method == "GET" else None,
        data=None if note else {"date_from": clock.today()},
    )
    if note is not None and request.method == "GET":
        form.version.data = str(note.version)
    status = 200
    if form.validate_on_submit():
        try:
            health_uc.save_health_note(
                me,
                student_id=student.id,
                text=form.text.data or "",
                date_from=form.date_from.data,
                date_to=form.date_to.data,
                note_id=note.id if note else None,
                version=form.version.data,
                reason=form.reason.data or "",
            )
        except core.OperationError as exc:
            fail(exc, form)
            status = exc.status
        else:
            flash("Здравната бележка е записана.", "success")
            return redirect(url_for("staff.student", student_id=student.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template("gradebook/health_form.html", form=form, student=student, note=note),
        status,
    )


@bp.post("/health/<int:note_id>/delete")
@access.staff_required
def health_delete(note_id: int) -> Any:
    me = actor()
    note = core.get_in_school(HealthNote, note_id, me.school_id)
    form = ReasonForm()
    form_action(
        form,
        lambda: health_uc.delete_health_note(
            me, note.id, version=form.version.data, reason=form.reason.data
        ),
        "Здравната бележка е изтрита.",
        invalid=DELETE_REASON_BG,
    )
    return redirect(url_for("staff.student", student_id=note.student_id))


# --- events and meetings ---------------------------------------------------------------------------
def _visible_classes(me: core.Actor, manage_only: bool = False) -> list[SchoolClass]:
    year = core.current_year(me.school_id)
    query = sa.select(SchoolClass).where(
        SchoolClass.school_id == me.school_id, SchoolClass.school_year_id == year.id
    )
    if not me.is_admin:
        ids = me.class_teacher_of if manage_only else (me.class_teacher_of | me.teaches_classes)
        query = query.where(SchoolClass.id.in_(ids or {0}))
    return list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))


@bp.get("/events")
@access.staff_required
def events() -> Any:
    me = actor()
    classes = _visible_classes(me)
    class_ids = [c.id for c in classes]
    today = clock.today()
    rows = list(
        db.session.scalars(
            sa.select(Event)
            .where(
                Event.school_id == me.school_id,
                Event.date >= today - dt.timedelta(days=30),
                sa.or_(Event.class_id.is_(None), Event.class_id.in_(class_ids or [0])),
            )
            .order_by(Event.date, Event.time)
        )
    )
    meetings = list(
        db.session.scalars(
            sa.select(ParentMeeting)
            .where(
                ParentMeeting.school_id == me.school_id,
                ParentMeeting.date >= today - dt.timedelta(days=30),
                sa.or_(
                    ParentMeeting.class_id.is_(None), ParentMeeting.class_id.in_(class_ids or [0])
                ),
            )
            .order_by(ParentMeeting.date, ParentMeeting.time)
        )
    )
    return render_template(
        "gradebook/events.html",
        events=rows,
        meetings=meetings,
        me=me,
        form=CsrfForm(),
        kinds=dict(EVENT_KINDS),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@access.staff_required
def event_new(event_id: int | None = None) -> Any:
    me = actor()
    event = None
    if event_id is not None:
        event = core.get_in_school(Event, event_id, me.school_id)
        if not (me.is_admin or event.author_id == me.staff_id):
            abort(403)
    if event is not None and request.method == "GET":
        form = EventForm(
            data={
                "kind": event.kind.value,
                "title": event.title,
                "class_id": event.class_id or 0,
                "subject_id": event.subject_id or 0,
                "date": event.date,
                "time": event.time,
                "description": event.description,
            }
        )
    else:
        form = EventForm(
            data={"date": clock.today(), "class_id": request.args.get("class_id", 0, int)}
        )
    classes = _visible_classes(me)
    form.class_id.choices = opts(
        ([(0, "Цялото училище")] if me.is_admin else []) + [(c.id, c.name) for c in classes]
    )
    form.subject_id.choices = opts(
        [(0, "—")]
        + [
            (s.id, s.name)
            for s in db.session.scalars(
                sa.select(Subject).where(Subject.school_id == me.school_id).order_by(Subject.name)
            )
        ]
    )
    done, status = save_form(
        form,
        lambda: events_uc.save_event(
            me,
            kind=form.kind.data or "",
            title=form.title.data or "",
            date=form.date.data,
            time=form.time.data,
            class_id=form.class_id.data or None,
            subject_id=form.subject_id.data or None,
            description=form.description.data or "",
            event_id=event.id if event else None,
        ),
        "Събитието е записано." + (" Родителите ще бъдат уведомени за промяната." if event else ""),
        url_for("staff.events"),
    )
    if done is not None:
        return done
    return (
        render_template(
            "gradebook/event_form.html",
            form=form,
            event=event,
            delete_form=ReasonForm(formdata=None),
        ),
        status,
    )


@bp.post("/events/<int:event_id>/delete")
@access.staff_required
def event_delete(event_id: int) -> Any:
    me = actor()
    event = core.get_in_school(Event, event_id, me.school_id)
    form = ReasonForm()
    form_action(
        form,
        lambda: events_uc.delete_event(me, event.id, reason=form.reason.data or ""),
        "Събитието е изтрито. Родителите, които вече са уведомени за него, ще научат за отмяната.",
        invalid="Посочете причина за отмяната.",
    )
    return redirect(url_for("staff.events"))


@bp.route("/meetings/new", methods=["GET", "POST"])
@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@access.staff_required
def meeting_new(meeting_id: int | None = None) -> Any:
    me = actor()
    classes = _visible_classes(me, manage_only=True)
    if not classes and not me.is_admin:
        abort(403)
    meeting = None
    if meeting_id is not None:
        meeting = core.get_in_school(ParentMeeting, meeting_id, me.school_id)
        if not (
            me.is_admin or (meeting.class_id is not None and me.can_manage_class(meeting.class_id))
        ):
            abort(403)
    if meeting is not None and request.method == "GET":
        form = MeetingForm(
            data={
                "class_id": meeting.class_id or 0,
                "date": meeting.date,
                "time": meeting.time,
                "place": meeting.place,
                "topic": meeting.topic,
            }
        )
    else:
        form = MeetingForm(
            data={
                "date": clock.today() + dt.timedelta(days=7),
                "class_id": classes[0].id if classes else 0,
            }
        )
    form.class_id.choices = opts(
        ([(0, "Цялото училище")] if me.is_admin else []) + [(c.id, c.name) for c in classes]
    )
    done, status = save_form(
        form,
        lambda: events_uc.save_meeting(
            me,
            class_id=form.class_id.data or None,
            date=form.date.data,
            time=form.time.data,
            place=form.place.data or "",
            topic=form.topic.data or "",
            meeting_id=meeting.id if meeting else None,
        ),
        "Родителската среща е записана."
        + (" Родителите ще бъдат уведомени за промяната." if meeting else ""),
        url_for("staff.events"),
    )
    if done is not None:
        return done
    return (
        render_template(
            "gradebook/meeting_form.html",
            form=form,
            meeting=meeting,
            delete_form=ReasonForm(formdata=None),
        ),
        status,
    )


@bp.post("/meetings/<int:meeting_id>/delete")
@access.staff_required
def meeting_delete(meeting_id: int) -> Any:
    me = actor()
    meeting = core.get_in_school(ParentMeeting, meeting_id, me.school_id)
    form = ReasonForm()
    form_action(
        form,
        lambda: events_uc.delete_meeting(me, meeting.id, reason=form.reason.data or ""),
        "Срещата е отменена. Родителите, които вече са уведомени за нея, ще научат за отмяната.",
        invalid="Посочете причина за отмяната.",
    )
    return redirect(url_for("staff.events"))


# --- history (audit) ------------------------------------------------------------------------------------
HISTORY_TYPES = {
    "grade": Grade,
    "absence": Absence,
    "remark": Remark,
    "health_note": HealthNote,
}


def _can_see_entry(me: core.Actor, entry: AuditLog) -> bool:
    if entry.object_type == "health_note" and entry.student_id is not None:
        return access.can_see_health(entry.student_id)
    return True


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
        _student_for_view(student_id)
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
    student, _klass = _student_for_view(student_id)
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


# --- messages with parents (staff side) -----------------------------------------------------------
@bp.get("/messages")
@access.staff_required
def messages() -> Any:
    """The teacher's own conversations; an admin also reads (never writes in) the school's."""
    me = actor()
    query = sa.select(MessageThread).where(MessageThread.school_id == me.school_id)
    threads = list(
        db.session.scalars(
            query.where(MessageThread.staff_id == me.staff_id).order_by(
                MessageThread.updated_at.desc()
            )
        )
    )
    school_threads = (
        list(
            db.session.scalars(
                query.where(MessageThread.staff_id != me.staff_id).order_by(
                    MessageThread.updated_at.desc()
                )
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
    links = list(
        db.session.scalars(
            sa.select(GuardianStudent).where(
                GuardianStudent.student_id == student.id,
                GuardianStudent.school_id == me.school_id,
            )
        )
    )
    form = NewThreadForm()
    form.guardian_id.choices = opts(
        [(0, "—")] + [(link.guardian_id, link.guardian.full_name or "Родител") for link in links]
    )
    if request.method == "GET" and len(links) == 1:
        form.guardian_id.data = links[0].guardian_id
    done, status = save_form(
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
    )
    if done is not None:
        return done
    return (
        render_template("gradebook/thread_new.html", form=form, student=student, links=links),
        status,
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


def init_app(app: Flask) -> None:
    from gradebook.views import admin_people  # noqa: F401  (registers the admin routes on ``bp``)
    from gradebook.views import admin_school  # noqa: F401
    from gradebook.views import admin_school_year  # noqa: F401
    from gradebook.views import admin_timetable  # noqa: F401
    from gradebook.views import staff_accounts  # noqa: F401  (staff accounts and invitations)

    app.register_blueprint(bp)
