"""A class's book sealed without a signature, for the tests that need a finalised book (the
lock, the transition, the unlock form): the seal row is what the lock reads; the signature
itself is tested in tests/test_class_book_close.py."""

from __future__ import annotations

from models import ClassBookPrint
from models import ClassBookSeal
from models import SchoolClass
from models import db


def seal_without_signature(klass: SchoolClass) -> None:
    common = {"school_id": klass.school_id, "class_id": klass.id,
              "school_year_id": klass.school_year_id}  # fmt: skip
    printed = ClassBookPrint(**common, document_id=f"{klass.id:032x}", sha256="0" * 64, pages=1)
    db.session.add(printed)
    db.session.flush()
    db.session.add(
        ClassBookSeal(
            **common,
            print_id=printed.id,
            stored_name="x.pdf",
            size=1,
            sha256="0" * 64,
            signer_name="тест",
            cert_sha256="0" * 64,
        )  # fmt: skip
    )
    db.session.commit()
