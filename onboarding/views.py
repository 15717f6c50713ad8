"""Onboarding web: sign-up and review (``signup.py``), imports, reports and the АСП file.

Routes (blueprint ``onboarding``, prefix ``/onboarding``):

* ``/signup``, ``/requests…``, ``/welcome/…`` — see :mod:`onboarding.signup`;
* ``GET /import`` — admin: the lists, templates and examples, upload forms;
* ``GET /import/<kind>/<template|example>.<csv|xlsx>`` — downloads;
* ``POST /import/<kind>`` — upload, then ``GET /import/<kind>/<token>`` preview (every bad row),
  ``POST /import/<kind>/<token>/commit`` (all or nothing), ``POST /import/students/<token>/leavers``;
* ``GET /reports``, ``GET /reports/<name>?class_id=&term=&month=mm.yyyy&format=csv|xlsx|pdf``;
* ``GET /asp?month=mm.yyyy`` download, ``POST /asp`` check an uploaded file.

Uploads are kept under ``instance/uploads/<school_id>/`` only while the admin works with them
(:mod:`onboarding.uploads`): deleted on commit and on ``POST /import/<kind>/<token>/cancel``,
and by the scheduler after ``UPLOAD_RETENTION_HOURS``. A token is only looked up in the folder of
the signed-in user's school, so one school can never preview or commit another's file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import StringField

from config import clock
from extensions import Form
from gradebook.access import admin_required
from gradebook.access import class_teacher_class_ids
from gradebook.access import current_school_id
from gradebook.access import current_staff
from gradebook.access import is_admin
from gradebook.access import staff_required
from models import School
from models import SchoolClass
from models import SchoolYear
from models import db
from onboarding import asp
from onboarding import import_students
from onboarding import importer
from onboarding import report_base
from onboarding import report_render
from onboarding import reports
from onboarding import signup
from onboarding import uploads
from onboarding.file_error import ImportFileError
from onboarding.tabular import table_from_json
from onboarding.tabular import table_to_json
from onboarding.templates_files import template_file

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding", template_folder="templates")
signup.register(bp)

MAX_UPLOAD = 5 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class UploadForm(Form):
    file = FileField("Файл (CSV или XLSX)", [FileRequired("Изберете файл.")])


class CommitForm(Form):
    invite = BooleanField("Покани посочените родители (e-mail или SMS с ИД кода)")


class LeaversForm(Form):
    on_date = StringField("Дата на напускане (дд.мм.гггг)")
    reason = StringField("Причина", default="отписан")


class AspForm(Form):
    file = FileField("Месечен файл (.txt)", [FileRequired("Изберете файл.")])


# --- uploads (kept only while the admin works with them: see onboarding/uploads.py) ------------
def _save_upload(school_id: int, kind: str, filename: str, data: bytes) -> str:
    return uploads.save(school_id, kind, filename, data)


def _load_upload(school_id: int, kind: str, token: str) -> tuple[str, bytes]:
    if kind not in importer.KINDS or not _TOKEN.match(token):
        abort(404)
    found = uploads.load(school_id, kind, token)
    if found is None:
        abort(404)
    return found


def _parsed(school_id: int, kind: str, token: str, filename: str, data: bytes) -> importer.Parsed:
    """The upload's parsed table: parsed once, then kept beside it (uploads.save_parsed)."""
    kept = uploads.load_parsed(school_id, kind, token)
    if kept is not None:
        if "refused" in kept:
            return ImportFileError(str(kept["refused"]), str(kept["message_bg"]))
        return table_from_json(kept)
    parsed = importer.parse(kind, filename, data)
    uploads.save_parsed(
        school_id, kind, token,
        {"refused": str(parsed), "message_bg": parsed.message_bg}
        if isinstance(parsed, ImportFileError) else table_to_json(parsed),
    )  # fmt: skip
    return parsed


def _school_id() -> int:
    school_id = current_school_id()
    if school_id is None:
        abort(403)
    return school_id


# --- imports --------------------------------------------------------------------------------------
@bp.get("/import")
@admin_required
def import_index() -> Any:
    kinds = sorted(importer.KINDS.values(), key=lambda k: k.order)
    return render_template("onboarding/import_index.html", kinds=kinds, form=UploadForm())


@bp.get("/import/<kind>/<any(template, example):variant>.<any(csv, xlsx):fmt>")
@admin_required
def import_template(kind: str, variant: str, fmt: str) -> Any:
    if kind not in importer.KINDS:
        abort(404)
    content, filename, mimetype = template_file(kind, fmt, variant == "example")
    return Response(content, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@bp.post("/import/<kind>")
@admin_required
def import_upload(kind: str) -> Any:
    if kind not in importer.KINDS:
        abort(404)
    form = UploadForm()
    if not form.validate_on_submit():
        flash("Изберете файл за импорт.", "error")
        return redirect(url_for("onboarding.import_index"))
    upload = form.file.data
    data = upload.read(MAX_UPLOAD + 1)
    upload.close()
    if len(data) > MAX_UPLOAD:
        flash(f"Файлът е твърде голям (най-много {MAX_UPLOAD // (1024 * 1024) or 1} MB).", "error")
        return redirect(url_for("onboarding.import_index"))
    token = _save_upload(_school_id(), kind, upload.filename or "", data)
    return redirect(url_for("onboarding.import_preview", kind=kind, token=token))


@bp.get("/import/<kind>/<token>")
@admin_required
def import_preview(kind: str, token: str) -> Any:
    school_id = _school_id()
    filename, data = _load_upload(school_id, kind, token)
    parsed = _parsed(school_id, kind, token, filename, data)
    plan = importer.preview(kind, school_id, filename, data, parsed)
    return render_template(
        "onboarding/import_preview.html",
        plan=plan,
        spec=importer.KINDS[kind],
        token=token,
        form=CommitForm(),
        leavers_form=LeaversForm(on_date=clock.today().strftime("%d.%m.%Y")),
    ), (200 if plan.ok else 422)


@bp.post("/import/<kind>/<token>/commit")
@admin_required
def import_commit(kind: str, token: str) -> Any:
    school_id = _school_id()
    filename, data = _load_upload(school_id, kind, token)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    staff = current_staff()
    plan, counts = importer.commit(
        kind, school_id, filename, data, actor_id=staff.id if staff else None,
        invite=bool(form.invite.data), parsed=_parsed(school_id, kind, token, filename, data),
    )  # fmt: skip
    if counts is None:
        flash("Файлът има грешки: нищо не е записано.", "error")
        return redirect(url_for("onboarding.import_preview", kind=kind, token=token))
    if not plan.leavers:  # the file is needed no more (with leavers: until the admin is done)
        uploads.delete(school_id, kind, token)
    return render_template(
        "onboarding/import_done.html",
        plan=plan,
        counts=counts,
        count_labels=importer.COUNT_LABELS,
        spec=importer.KINDS[kind],
        token=token,
        leavers_form=LeaversForm(on_date=clock.today().strftime("%d.%m.%Y")),
    )


@bp.post("/import/<kind>/<token>/cancel")
@admin_required
def import_cancel(kind: str, token: str) -> Any:
    """Cancel an import, or finish with it after the commit: the uploaded file is deleted."""
    school_id = _school_id()
    _load_upload(school_id, kind, token)  # 404 for a token of another school or a deleted file
    if not CommitForm().validate_on_submit():
        abort(400)
    uploads.delete(school_id, kind, token)
    flash("Каченият файл е изтрит.", "success")
    return redirect(url_for("onboarding.import_index"))


@bp.post("/import/students/<token>/leavers")
@admin_required
def import_leavers(token: str) -> Any:
    school_id = _school_id()
    filename, data = _load_upload(school_id, "students", token)
    form = LeaversForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        on_date = dt.datetime.strptime((form.on_date.data or "").strip(), "%d.%m.%Y").date()
    except ValueError:
        flash("Датата е във вид дд.мм.гггг.", "error")
        return redirect(url_for("onboarding.import_preview", kind="students", token=token))
    proposed = {
        x.student_id
        for x in importer.leaver_candidates(
            school_id, filename, data, _parsed(school_id, "students", token, filename, data)
        )
    }
    chosen = {
        int(v) for v in request.form.getlist("student_id") if v.isascii() and v.isdigit()
    } & proposed  # not "²"
    if not chosen:
        flash("Не сте избрали ученици.", "error")
    else:
        staff = current_staff()
        actor_id = staff.id if staff else None
        done = import_students.confirm_leavers(
            school_id, chosen, on_date, form.reason.data or "отписан", actor_id=actor_id
        )
        flash(f"Отписани ученици: {done}.", "success")
    return redirect(url_for("onboarding.import_preview", kind="students", token=token))


# --- reports -------------------------------------------------------------------------------------
def _visible_classes(school_id: int) -> list[SchoolClass]:
    year = SchoolYear.current_for(school_id)
    if year is None:
        return []
    query = sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id
    )
    if not is_admin():
        query = query.where(SchoolClass.id.in_(class_teacher_class_ids() or {-1}))
    return list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))


def _month_arg() -> tuple[int, int]:
    raw = (request.args.get("month") or "").strip()
    if raw:
        try:
            day = dt.datetime.strptime(raw, "%m.%Y")
            return day.year, day.month
        except ValueError:
            abort(400)
    today = clock.today()
    return today.year, today.month


@bp.get("/reports")
@staff_required
def reports_index() -> Any:
    school_id = _school_id()
    classes = _visible_classes(school_id)
    if not is_admin() and not classes:
        abort(403)
    names = {k: v[0] for k, v in reports.REPORTS.items() if is_admin() or v[2]}
    return render_template("onboarding/reports_index.html", reports=names, classes=classes,
                           month=clock.today().strftime("%m.%Y"), admin=is_admin())  # fmt: skip


@bp.get("/reports/<name>")
@staff_required
def report_show(name: str) -> Any:
    school_id = _school_id()
    if name not in reports.REPORTS:
        abort(404)
    _, _, class_level = reports.REPORTS[name]
    class_id = request.args.get("class_id", type=int)
    if not is_admin():
        # a class teacher: class-level reports of their own class only
        if not class_level or class_id is None or class_id not in class_teacher_class_ids():
            abort(403)
    elif class_id is not None and class_id not in {c.id for c in _visible_classes(school_id)}:
        abort(404)
    term = request.args.get("term", type=int)
    if term not in (None, 1, 2):
        abort(400)
    year, month = _month_arg()
    try:
        report = reports.build(
            name, school_id, class_id=class_id, term=term, year=year, month=month
        )
    except report_base.ReportError as exc:
        flash(exc.message_bg, "error")
        return redirect(url_for("onboarding.reports_index"))
    fmt = request.args.get("format", "html")
    if fmt == "html":
        args = {k: v for k, v in request.args.items() if k != "format"}
        return render_template("onboarding/report.html", report=report, args=args, name=name,
                               cell=report_base.cell_text)  # fmt: skip
    try:
        content, filename, mimetype = report_render.render(report, fmt)
    except report_base.ReportError as exc:
        flash(exc.message_bg, "error")
        return redirect(url_for("onboarding.reports_index"))
    return Response(content, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


# --- АСП file ---------------------------------------------------------------------------------------
@bp.route("/asp", methods=["GET", "POST"])
@admin_required
def asp_page() -> Any:
    school_id = _school_id()
    school = db.session.get(School, school_id)
    assert school is not None
    if request.method == "GET" and request.args.get("download"):
        year, month = _month_arg()
        content = asp.export_month(school_id, year, month)
        return Response(
            content,
            content_type="text/plain; charset=windows-1251",  # as is: mimetype= adds utf-8
            headers={
                "Content-Disposition": f'attachment; filename="{asp.filename(school, year, month)}"'
            },
        )
    form = AspForm()
    result = None
    if request.method == "POST":
        if not form.validate_on_submit():
            flash("Изберете файл.", "error")
        else:
            data = form.file.data.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                flash("Файлът е по-голям от 5 MB.", "error")
            else:
                result = asp.import_file(school_id, data)
    return render_template("onboarding/asp.html", form=form, result=result,
                           month=clock.today().strftime("%m.%Y"))  # fmt: skip


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
