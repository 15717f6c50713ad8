"""The parent portal (blueprint ``portal`` at ``/``): thin views over the portal's use-cases.

The use-cases, one module per topic (the map is in docs/ARCHITECTURE.md): ``portal.children``
(the one entry to a child), ``portal.child_grades``, ``portal.dashboard`` (what the child's page
shows), ``portal.events``, ``portal.stats`` (the comparison report), ``portal.conversations``,
``portal.receipts``, ``portal.accounts`` (sign-in, password reset), ``portal.ical`` (the
calendar feed and its token), ``portal.my_data``.

Routes (all in Bulgarian, mobile first):

* ``/`` welcome (anonymous) or the first child's page; ``/login``, ``/logout``;
  ``/password/forgot``, ``/password/reset/<token>``;
* ``/child/<id>`` the child's diary; ``/child/<id>/compare`` the comparison report;
  ``/child/<id>/days?week=`` the diary by day (lessons and their topics, ``portal.days``);
  ``/child/<id>/messages`` (+ ``/new``, ``/<thread>``);
* ``/calendar`` (the private feed address, regenerate, revoke) and ``/calendar/<token>.ics``;
* ``/my-data`` and ``/my-data.json`` (GDPR export).

A child id that is not the signed-in parent's own gives 404, whatever the URL.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from werkzeug.routing import BuildError

import session_tokens
from config import clock
from config import replica
from config import urls
from gradebook import rules
from models import Guardian
from portal import accounts
from portal import charts
from portal import conversations
from portal import days as portal_days
from portal import homework
from portal import ical
from portal import pupil_record
from portal import stats
from portal import urgent as portal_urgent
from portal import year_results
from portal.children import ChildContext
from portal.children import children
from portal.children import current_term
from portal.dashboard import dashboard
from portal.forms import ActionForm
from portal.forms import ForgotPasswordForm
from portal.forms import LoginForm
from portal.forms import NewMessageForm
from portal.forms import ReplyForm
from portal.forms import ResetPasswordForm
from portal.messages import PortalError
from portal.my_data import export_data
from portal.receipts import mark_seen

bp = Blueprint("portal", __name__, template_folder="templates")


# --- helpers -----------------------------------------------------------------------------------------
def current_guardian() -> Guardian | None:
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    if isinstance(user, Guardian) and user.is_authenticated and user.active:
        return user
    return None


def guardian_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_guardian() is None:
            flash("Моля, влезте в профила си.", "info")
            return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def url_or_none(endpoint: str, **values: Any) -> str | None:
    """A link to another part's page, or None while that part is not built yet."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target  # "/\\evil.example" is "//evil.example" to a browser
    ):
        return None
    return target


def _fresh_session() -> None:
    session.clear()
    # the CSRF token is cached in ``g`` for the request (and, in tests, for the app context that
    # outlives it): drop it with the session it belonged to.
    g.pop("csrf_token", None)


_KIDS_KEY = "belezhnik.portal.kids"


def _kids(guardian: Guardian) -> list[ChildContext]:
    """The guardian's children, read once per request (kept in the WSGI environ, which lives
    exactly as long as the request)."""
    cached = request.environ.get(_KIDS_KEY)
    if cached is None or cached[0] != guardian.id:
        cached = (guardian.id, children(guardian.id))
        request.environ[_KIDS_KEY] = cached
    return cached[1]


def _child(student_id: int) -> tuple[Guardian, ChildContext]:
    """The signed-in guardian and their child ``student_id``; 404 unless linked (the same rule
    as ``child_context``, from the list the navigation shows anyway)."""
    guardian = current_guardian()
    assert guardian is not None  # guardian_required ran first
    ctx = next((k for k in _kids(guardian) if k.id == student_id), None)
    if ctx is None:
        abort(404)
    return guardian, ctx


def _button_guardian() -> Guardian:
    """The signed-in guardian behind a one-button POST (``guardian_required`` ran first); 400
    unless the button's form (only its CSRF token) is valid."""
    guardian = current_guardian()
    assert guardian is not None
    if not ActionForm().validate_on_submit():
        abort(400)
    return guardian


def _term_arg() -> int | None:
    raw = request.args.get("term", "")
    return int(raw) if raw in ("1", "2") else None


def _render(template: str, guardian: Guardian, child: ChildContext | None, **context: Any) -> str:
    kids = _kids(guardian)
    return render_template(
        template,
        guardian=guardian,
        kids=kids,
        child=child,
        unread_total=conversations.unread_count(guardian.id),
        logout_form=ActionForm(),
        preferences_url=url_or_none("account.preferences"),
        add_child_url=url_or_none("account.add_child"),
        pin_url=url_or_none("account.pin"),
        **context,
    )


@bp.app_template_filter("portal_date")
def _bgdate(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return rules.format_datetime_bg(value)
    return rules.format_date_bg(value)


@bp.app_template_filter("portal_iso")
def _bgiso(value: str | None) -> str:
    """An ISO date or stored (naive UTC) time of the "my data" export, as people read it:
    "25.11.2026", or "25.11.2026 18:05" in Sofia time."""
    if not value:
        return "—"
    if "T" in value or " " in value:
        return rules.format_datetime_bg(clock.local(dt.datetime.fromisoformat(value)))
    return rules.format_date_bg(dt.date.fromisoformat(value))


@bp.app_template_filter("portal_num")
def _bgnum(value: Any, places: int = 2) -> str:
    return "" if value is None else rules.format_decimal_bg(value, places)


@bp.app_template_filter("portal_time")
def _hhmm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


@bp.after_request
def _no_store(response: Response) -> Response:
    """Pages with a child's data must not stay in shared caches or the back-button history."""
    if response.status_code == 503:  # the database failed (config/database.py): no user lookup
        return response
    if current_guardian() is not None or request.path.endswith(".ics"):
        response.headers["Cache-Control"] = "private, no-store"
    return response


# --- welcome, sign-in --------------------------------------------------------------------------
@bp.get("/")
def index() -> Any:
    guardian = current_guardian()
    if guardian is None:
        return render_template(
            "portal/welcome.html",
            register_url=url_or_none("account.register"),
            staff_url=url_or_none("staff.login") or "/staff/",
        )
    kids = _kids(guardian)
    if kids:
        return redirect(url_for("portal.child", student_id=kids[0].id))
    return _render(
        "portal/no_children.html", guardian, None, register_url=url_or_none("account.register")
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_guardian() is not None:
        return redirect(url_for("portal.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            guardian = accounts.authenticate(
                form.email.data, form.password.data, request.remote_addr or ""
            )
        except PortalError as exc:
            error = exc.message_bg
        else:
            target = _safe_next(request.args.get("next"))
            _fresh_session()  # a fresh session at sign-in
            session_tokens.sign_in(guardian, remember=bool(form.remember.data))
            session.permanent = False
            return redirect(target or url_for("portal.index"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "portal/login.html",
            form=form,
            error=error,
            register_url=url_or_none("account.register"),
        ),
        status,
    )


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    form = ActionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            session_tokens.sign_out()
            _fresh_session()
            flash("Излязохте от профила си.", "success")
            return redirect(url_for("portal.index"))
        abort(400)
    if current_guardian() is None:
        return redirect(url_for("portal.index"))
    return render_template("portal/logout.html", form=form)


@bp.post("/logout/everywhere")
def logout_everywhere() -> Any:
    """Изход от всички устройства: every session and remember-me cookie of the account ends."""
    if not ActionForm().validate_on_submit():
        abort(400)
    session_tokens.sign_out()
    _fresh_session()
    flash("Излязохте от профила си на всички устройства.", "success")
    return redirect(url_for("portal.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        base = urls.base_url(current_app.config, portal=True)

        def link_for(token: str) -> str:
            return base + url_for("portal.reset_password", token=token)

        try:
            accounts.request_password_reset(form.email.data, request.remote_addr or "", link_for)
        except PortalError as exc:
            flash(exc.message_bg, "error")
            return render_template("portal/forgot.html", form=form), 429
        flash(
            "Ако има профил с този e-mail, изпратихме писмо с връзка за нова парола. "
            "Връзката важи един час.",
            "success",
        )
        return redirect(url_for("portal.login"))
    return render_template("portal/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    try:
        accounts.guardian_for_reset_token(token)
    except PortalError as exc:
        flash(exc.message_bg, "error")
        return redirect(url_for("portal.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except PortalError as exc:
            flash(exc.message_bg, "error")
        else:
            flash("Паролата е сменена. Влезте с новата парола.", "success")
            return redirect(url_for("portal.login"))
    return render_template("portal/reset.html", form=form)


# --- the child's diary -------------------------------------------------------------------------
@bp.get("/child/<int:student_id>")
@guardian_required
def child(student_id: int) -> Any:
    guardian, ctx = _child(student_id)
    data = dashboard(guardian.id, ctx, _term_arg())
    trends = {}
    start, end = _term_range(ctx, data["term"], data["today"])
    qualitative = ctx.school_class is not None and ctx.school_class.grade_level <= 3
    for row in data["subjects"]:
        points = [(g.date, g.value) for g in row.grades if g.value is not None]
        if points:
            final = row.term_grades.get(data["term"])
            trends[row.subject_id] = charts.trend_svg(
                row.name,
                points,
                start,
                end,
                term_grade=final.value if final else None,
                qualitative=qualitative,
            )
    shown = {g.id for g in data["latest"]}
    for row in data["subjects"]:
        shown.update(g.id for g in row.grades)
        shown.update(g.id for g in row.term_grades.values())
        if row.annual:
            shown.add(row.annual.id)
    html = _render(
        "portal/child.html",
        guardian,
        ctx,
        d=data,
        trends=trends,
        homework_next=homework.due_next(ctx, data["today"]),
        urgent=[
            portal_urgent.notice_view(n)
            for n in portal_urgent.open_notices(guardian.id, ctx.id, ctx.school.id)
        ],
        rec=pupil_record.record(ctx),
        yr=year_results.record(ctx),
    )
    # read receipts once the page is rendered (the commit expires the objects it used)
    mark_seen(guardian.id, "grade", sorted(shown))
    mark_seen(guardian.id, "remark", [r["id"] for r in data["remarks"]])
    return html


def _term_range(ctx: ChildContext, term: int, today: dt.date) -> tuple[dt.date, dt.date]:
    year = ctx.school_year
    if year is None:
        return today - dt.timedelta(days=90), today
    if term == 1:
        start, end = year.starts_on, year.term2_starts_on - dt.timedelta(days=1)
    else:
        start, end = year.term2_starts_on, year.ends_on
    return start, max(start + dt.timedelta(days=7), min(end, today))


@bp.get("/child/<int:student_id>/compare")
@guardian_required
def compare(student_id: int) -> Any:
    guardian, ctx = _child(student_id)
    year_view = request.args.get("term") == "year"  # the school year: annual grades
    term = stats.YEAR if year_view else (_term_arg() or current_term(ctx))
    subject_raw = request.args.get("subject", "")
    subject_id = (
        int(subject_raw) if subject_raw.isascii() and subject_raw.isdigit() else None
    )  # not "²"
    # the access check above (_child) read the primary; the report itself may read the replica
    # (DATABASE_REPLICA_URL; the primary when unset or failing)
    report = replica.read(
        lambda session: stats.child_comparison(ctx, term, subject_id, session=session),
        "the comparison report",
    )
    distribution_chart = bars_chart = None
    if report is not None:
        if report.distribution is not None:
            distribution_chart = charts.distribution_svg(
                report.distribution["bins"],
                report.distribution["child_bin"],
                report.distribution_subject,
            )
        visible = [
            (
                r.subject,
                r.child,
                None if r.klass.hidden else r.klass.average,
                None if r.cohort.hidden else r.cohort.average,
            )
            for r in report.rows
            if r.child is not None or not r.klass.hidden
        ]
        if visible:
            bars_chart = charts.comparison_svg(visible)
    return _render(
        "portal/compare.html",
        guardian,
        ctx,
        report=report,
        term=term,
        subject_id=subject_id,
        k_min=stats.K_MIN,
        distribution_chart=distribution_chart,
        bars_chart=bars_chart,
    )


@bp.get("/child/<int:student_id>/homework")
@guardian_required
def child_homework(student_id: int) -> Any:
    """The child's homework: due soon first, then what was due lately."""
    guardian, ctx = _child(student_id)
    today = clock.today()
    coming, recent = homework.child_homework(ctx, today)
    return _render(
        "portal/homework.html",
        guardian,
        ctx,
        coming=coming,
        recent=recent,
        today=today,
        next_day=rules.next_school_day(today),
        recent_days=homework.RECENT_DAYS,
    )


# --- messages --------------------------------------------------------------------------------------
@bp.get("/child/<int:student_id>/days")
@guardian_required
def days(student_id: int) -> Any:
    """The diary by day: one week's school days, each lesson with its topics (portal/days.py)."""
    guardian, ctx = _child(student_id)
    today = clock.today()
    monday = portal_days.week_start(request.args.get("week"), today)
    w = portal_days.week(ctx, monday, today)
    ids = [ls["lesson_id"] for d in w["days"] for ls in d["lessons"] if ls["lesson_id"]]
    return _render("portal/days.html", guardian, ctx, w=w, homework=homework.of_lessons(ctx, ids))


@bp.get("/child/<int:student_id>/messages")
@guardian_required
def messages(student_id: int) -> Any:
    guardian, ctx = _child(student_id)
    return _render(
        "portal/messages.html", guardian, ctx, threads=conversations.threads(guardian.id, ctx)
    )


@bp.route("/child/<int:student_id>/messages/new", methods=["GET", "POST"])
@guardian_required
def new_message(student_id: int) -> Any:
    guardian, ctx = _child(student_id)
    form = NewMessageForm()
    form.staff_id.choices = [(str(sid), label) for sid, label in conversations.recipients(ctx)]
    error = None
    if form.validate_on_submit():
        try:
            staff_id = int(form.staff_id.data or 0)
            thread = conversations.start_thread(
                guardian.id, ctx, staff_id, form.subject.data, form.body.data
            )
        except (ValueError, PortalError) as exc:
            error = (
                exc.message_bg if isinstance(exc, PortalError) else "Изберете учител от списъка."
            )
        else:
            flash("Съобщението е изпратено.", "success")
            return redirect(url_for("portal.thread", student_id=ctx.id, thread_id=thread.id))
    status = 400 if request.method == "POST" else 200
    return _render("portal/new_message.html", guardian, ctx, form=form, error=error), status


@bp.route("/child/<int:student_id>/messages/<int:thread_id>", methods=["GET", "POST"])
@guardian_required
def thread(student_id: int, thread_id: int) -> Any:
    guardian, ctx = _child(student_id)
    form = ReplyForm()
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                conversations.reply(guardian.id, ctx, thread_id, form.body.data)
            except PortalError as exc:
                error = exc.message_bg
            else:
                flash("Отговорът е изпратен.", "success")
                return redirect(url_for("portal.thread", student_id=ctx.id, thread_id=thread_id))
    data = conversations.read_thread(guardian.id, ctx, thread_id)
    status = 400 if request.method == "POST" else 200
    return _render("portal/thread.html", guardian, ctx, t=data, form=form, error=error), status


# --- calendar --------------------------------------------------------------------------------------
@bp.get("/calendar")
@guardian_required
def calendar() -> Any:
    guardian = current_guardian()
    assert guardian is not None
    feed_url = None
    if guardian.ical_token:
        base = urls.base_url(current_app.config, portal=True)
        feed_url = base + url_for("portal.ical_feed", token=guardian.ical_token)
    return _render("portal/calendar.html", guardian, None, feed_url=feed_url, form=ActionForm())


@bp.post("/calendar/regenerate")
@guardian_required
def calendar_regenerate() -> Any:
    guardian = _button_guardian()
    had = bool(guardian.ical_token)
    ical.regenerate_ical_token(guardian)
    flash(
        "Създадохме нов адрес; старият вече не работи." if had else "Адресът на календара е готов.",
        "success",
    )
    return redirect(url_for("portal.calendar"))


@bp.post("/calendar/revoke")
@guardian_required
def calendar_revoke() -> Any:
    guardian = _button_guardian()
    ical.revoke_ical_token(guardian)
    flash("Календарът е спрян: адресът вече не работи.", "success")
    return redirect(url_for("portal.calendar"))


@bp.get("/calendar/<token>.ics")
def ical_feed(token: str) -> Response:
    guardian = ical.guardian_for_ical_token(token)
    body = ical.build_feed(guardian.id)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="belezhnik.ics"'},
    )


# --- my data -----------------------------------------------------------------------------------------
@bp.get("/my-data")
@guardian_required
def my_data() -> Any:
    guardian = current_guardian()
    assert guardian is not None
    return _render("portal/my_data.html", guardian, None, data=export_data(guardian))


@bp.get("/my-data.json")
@guardian_required
def my_data_json() -> Response:
    guardian = current_guardian()
    assert guardian is not None
    body = json.dumps(export_data(guardian), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="belezhnik-moite-danni.json"'},
    )


def init_app(app: Flask) -> None:
    # "Remember me" cookies as careful as the session cookie (Secure when it is, SameSite=Lax).
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.register_blueprint(bp)
