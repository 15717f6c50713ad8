"""Closing a class's book for the year (docs/CLASS_BOOK.md "Closing the year"): print it to one
PDF, take back the copy the director signed with a qualified electronic signature (КЕП), which
finalises the book and locks it (``gradebook.book_lock``), let an admin unlock it with a reason,
and tell the school-year transition which books are still open.

Who (docs/SECURITY.md): the school's admins (director, deputies, secretary) print every class's
book, upload the signed copy, download it and unlock; the class teacher prints their own class's
book — the class book is theirs to keep (Наредба № 4 за документите, the class teacher keeps the
class book) and they already see every section of it, support included. Nobody else: a subject
teacher, another class's teacher, another school's admin or a parent gets 403/404.

Every print is a :class:`ClassBookPrint` row with a random document id (in the PDF's keywords and
footer) and the SHA-256 of the bytes; the PDF is drawn again from the same id and moment at the
upload, so that a book changed after it was printed is refused (print it again and sign that).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from config import clock
from gradebook import class_book_print
from gradebook import note_documents
from gradebook import pdf_signature
from gradebook.core import Actor
from gradebook.core import Conflict
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import reason_required
from gradebook.core import require_admin
from gradebook.core import snapshot
from gradebook.messages import msg
from models import ClassBookPrint
from models import ClassBookSeal
from models import SchoolClass
from models import SchoolYear
from models import db

AREA = "class_books"  # the signed files: instance/class_books/<school id>/<token>.pdf
DEFAULT_MAX_MB = 10


@dataclass(frozen=True)
class BookState:
    klass: SchoolClass
    year: SchoolYear
    seal: ClassBookSeal | None
    can_print: bool
    can_seal: bool  # admin: upload, download the signed copy, unlock


def max_bytes() -> int:
    return int(current_app.config.get("CLASS_BOOK_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def can_print(actor: Actor, klass: SchoolClass) -> bool:
    return actor.is_admin or klass.class_teacher_id == actor.staff_id


def seal_of(class_id: int, year_id: int) -> ClassBookSeal | None:
    return db.session.scalar(
        sa.select(ClassBookSeal).where(
            ClassBookSeal.class_id == class_id, ClassBookSeal.school_year_id == year_id
        )
    )


def _class(actor: Actor, class_id: int) -> SchoolClass:
    klass = get_in_school(SchoolClass, class_id, actor.school_id)
    if not can_print(actor, klass):
        raise Forbidden(msg("book.forbidden"))
    return klass


def state(actor: Actor, class_id: int) -> BookState:
    klass = _class(actor, class_id)
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return BookState(klass, year, seal_of(klass.id, year.id), True, actor.is_admin)


def file_name(klass: SchoolClass, year: SchoolYear, signed: bool = False) -> str:
    stem = f"dnevnik-{klass.id}-{year.name.replace('/', '-')}"
    return f"{stem}-podpisan.pdf" if signed else f"{stem}.pdf"


def print_book(actor: Actor, class_id: int) -> tuple[bytes, str]:
    """The PDF of the class's book now (a new print: its id and hash are kept, audited)."""

    def work() -> tuple[bytes, str]:
        klass = _class(actor, class_id)
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        moment = clock.utc_naive().replace(microsecond=0)
        document_id = secrets.token_hex(16)
        printed = class_book_print.render(klass, document_id, moment)
        row = ClassBookPrint(
            school_id=actor.school_id,
            class_id=klass.id,
            school_year_id=year.id,
            document_id=document_id,
            sha256=hashlib.sha256(printed.data).hexdigest(),
            pages=printed.pages,
            created_by_id=actor.staff_id,
            created_at=moment,
        )
        add_audited(actor, row)
        commit_refreshed()
        return printed.data, file_name(klass, year)

    result: tuple[bytes, str] = atomic(work)
    return result


def _refuse(text: str) -> Invalid:
    return Invalid(text, {"file": text})


def _refused(key: str) -> Invalid:
    """The Bulgarian refusal of a :class:`pdf_signature.SignatureRefused` key."""
    if key == "too_big":
        return _refuse(msg("book.refused.too_big", mb=str(max_bytes() // (1024 * 1024))))
    texts = {
        "not_pdf": msg("book.refused.not_pdf"),
        "unsigned": msg("book.refused.unsigned"),
        "digest": msg("book.refused.digest"),
        "coverage": msg("book.refused.coverage"),
    }
    return _refuse(texts.get(key) or msg("book.refused.changed"))


def _print_of(actor: Actor, klass: SchoolClass, found: pdf_signature.SignedBook) -> ClassBookPrint:
    """The print the signed file was made from; another book's or none is refused."""
    row = db.session.scalar(
        sa.select(ClassBookPrint).where(
            ClassBookPrint.school_id == actor.school_id,
            ClassBookPrint.sha256 == found.original_sha256,
        )
    )
    if row is None and found.document_id:
        row = db.session.scalar(
            sa.select(ClassBookPrint).where(
                ClassBookPrint.school_id == actor.school_id,
                ClassBookPrint.document_id == found.document_id,
            )
        )
        if row is not None and (row.class_id, row.school_year_id) == (
            klass.id,
            klass.school_year_id,
        ):
            raise _refuse(
                msg("book.refused.changed")
            )  # our id, other bytes: changed before signing
    if row is None:
        raise _refuse(msg("book.refused.not_ours"))
    if (row.class_id, row.school_year_id) != (klass.id, klass.school_year_id):
        other = db.session.get(SchoolClass, row.class_id)
        other_year = db.session.get(SchoolYear, row.school_year_id)
        name = other.name if other is not None else ""
        year = other_year.name if other_year is not None else ""
        raise _refuse(msg("book.refused.another", name=name, year=year))
    return row


def upload_signed(actor: Actor, class_id: int, data: bytes) -> ClassBookSeal:
    """Admin: the signed PDF of this class's book; when it proves itself (see
    :mod:`gradebook.pdf_signature`) and is the book as it stands, the book is finalised."""
    require_admin(actor)
    klass = _class(actor, class_id)
    if seal_of(klass.id, klass.school_year_id) is not None:
        raise Conflict(msg("book.already_sealed"))
    if not data:
        raise _refuse(msg("book.refused.empty"))
    try:
        found = pdf_signature.inspect(data, max_bytes())
    except pdf_signature.SignatureRefused as refused:
        raise _refused(refused.key) from None
    printed = _print_of(actor, klass, found)
    again = class_book_print.render(klass, printed.document_id, printed.created_at)
    if hashlib.sha256(again.data).hexdigest() != printed.sha256:
        raise _refuse(msg("book.refused.outdated"))
    stored = note_documents.save(actor.school_id, "pdf", data, area=AREA)

    def work() -> ClassBookSeal:
        seal = ClassBookSeal(
            school_id=actor.school_id,
            class_id=klass.id,
            school_year_id=klass.school_year_id,
            print_id=printed.id,
            stored_name=stored,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            signer_name=found.signer_name,
            cert_sha256=found.cert_sha256,
            signed_at=found.signed_at,
            uploaded_by_id=actor.staff_id,
        )
        add_audited(actor, seal)
        commit_refreshed()
        return seal

    try:
        result: ClassBookSeal = atomic(work)
    except Exception:
        note_documents.delete(actor.school_id, stored, area=AREA)
        raise
    return result


def unlock(actor: Actor, class_id: int, reason: str) -> None:
    """Admin: the book is open again (audited with the reason); a new signature is needed."""
    require_admin(actor)
    klass = _class(actor, class_id)
    seal = seal_of(klass.id, klass.school_year_id)
    if seal is None:
        raise NotFound(msg("book.not_sealed"))
    why = reason_required(reason)
    stored = seal.stored_name

    def work() -> None:
        audit(actor, "unlock", seal, before=snapshot(seal), after=None, reason=why)
        db.session.delete(seal)
        commit_refreshed()

    atomic(work)
    note_documents.delete(actor.school_id, stored, area=AREA)


def signed_file(actor: Actor, class_id: int) -> tuple[Path, str]:
    """Admin: the stored signed PDF and its download name."""
    require_admin(actor)
    klass = _class(actor, class_id)
    seal = seal_of(klass.id, klass.school_year_id)
    found = note_documents.path(actor.school_id, seal.stored_name if seal else None, area=AREA)
    if found is None:
        raise NotFound(msg("book.not_sealed"))
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return found, file_name(klass, year, signed=True)
