"""The class book printed for the year and its signed copy (``gradebook.book_seal``): the class's
page "Дневник за печат и подпис" (``/staff/classes/<id>/book``), the PDF (``…/book.pdf``: the
admins and the class teacher), the upload of the copy the director signed, its download and the
unlock with a reason (the admins)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from gradebook import access
from gradebook import book_seal
from gradebook import core
from gradebook.forms import SignedBookForm
from gradebook.forms import UnlockBookForm
from gradebook.messages import msg
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail


def _attachment(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _state(class_id: int) -> book_seal.BookState:
    try:
        return book_seal.state(actor(), class_id)
    except core.OperationError as exc:
        fail(exc)
        abort(400)


def _page(class_id: int, upload: SignedBookForm, unlock: UnlockBookForm, status: int = 200) -> Any:
    found = _state(class_id)
    return render_template(
        "gradebook/class_book.html",
        book=found,
        upload=upload,
        unlock=unlock,
        max_mb=book_seal.max_bytes() // (1024 * 1024),
    ), status


@bp.get("/classes/<int:class_id>/book")
@access.staff_required
def class_book(class_id: int) -> Any:
    return _page(class_id, SignedBookForm(), UnlockBookForm())


def _download(class_id: int, read: Any) -> Any:
    """``read()`` gives (the PDF's bytes, its name); a refusal goes back to the book's page."""
    try:
        data, name = read()
    except core.OperationError as exc:
        fail(exc)
        return redirect(url_for("staff.class_book", class_id=class_id))
    return _attachment(data, name)


@bp.get("/classes/<int:class_id>/book.pdf")
@access.staff_required
def class_book_pdf(class_id: int) -> Any:
    return _download(class_id, lambda: book_seal.print_book(actor(), class_id))


@bp.post("/classes/<int:class_id>/book/signed")
@access.staff_required
def class_book_upload(class_id: int) -> Any:
    upload = SignedBookForm()
    if not upload.validate_on_submit():
        if "csrf_token" in upload.errors:
            abort(400)
        return _page(class_id, upload, UnlockBookForm(), 422)
    try:
        book_seal.upload_signed(actor(), class_id, upload.file.data.read())
    except core.OperationError as exc:
        fail(exc, upload)
        return _page(class_id, upload, UnlockBookForm(), exc.status)
    flash(msg("book.sealed_done"), "success")
    return redirect(url_for("staff.class_book", class_id=class_id))


@bp.get("/classes/<int:class_id>/book/signed.pdf")
@access.staff_required
def class_book_signed(class_id: int) -> Any:
    def read() -> tuple[bytes, str]:
        path, name = book_seal.signed_file(actor(), class_id)
        return path.read_bytes(), name

    return _download(class_id, read)


@bp.post("/classes/<int:class_id>/book/unlock")
@access.staff_required
def class_book_unlock(class_id: int) -> Any:
    unlock = UnlockBookForm()
    if not unlock.validate_on_submit():
        if "csrf_token" in unlock.errors:
            abort(400)
        return _page(class_id, SignedBookForm(), unlock, 422)
    try:
        book_seal.unlock(actor(), class_id, unlock.reason.data or "")
    except core.OperationError as exc:
        fail(exc, unlock)
        return _page(class_id, SignedBookForm(), unlock, exc.status)
    flash(msg("book.unlocked_done"), "success")
    return redirect(url_for("staff.class_book", class_id=class_id))
