"""The demo's finalised class book: of the previous school year (built with ``history_years``),
the book of one class printed, signed with a self-signed demo certificate made here and now
(``gradebook.demo.book_signing``) and uploaded back through the real use-case
(``gradebook.book_seal``), so ``make run`` shows a finalised, locked book with its signer and
certificate fingerprint. The current year's books stay open (the year is not over); the other
books of the previous year too, since the demo writes that year directly."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook import book_seal
from gradebook.core import Actor
from gradebook.demo import book_signing
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import db

DEMO_SIGNER = "Демо директор (демо сертификат)"  # a CN has at most 64 bytes


def finalise_demo_book(school_id: int, with_signer: object | None = None) -> int | None:
    """Finalise the first class's book of the school's previous year; its class id, or None
    when the demo has no previous year. ``with_signer`` (of :func:`book_signing.signer`) signs
    it; by default a new one (a load of many schools makes one for all: an RSA key takes a
    while)."""
    past = db.session.scalar(
        sa.select(SchoolYear)
        .where(SchoolYear.school_id == school_id, SchoolYear.is_current.is_(False))
        .order_by(SchoolYear.starts_on.desc())
    )
    if past is None:
        return None
    klass = db.session.scalar(
        sa.select(SchoolClass)
        .where(SchoolClass.school_year_id == past.id)
        .order_by(SchoolClass.grade_level.desc(), SchoolClass.name)
    )
    admin_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == school_id, StaffMembership.role == StaffRole.ADMIN
        )
    )
    if klass is None or admin_id is None:
        return None
    admin = Actor.load(admin_id, school_id)
    unsigned, _name = book_seal.print_book(admin, klass.id)
    signed = book_signing.sign(unsigned, with_signer or book_signing.signer(DEMO_SIGNER))
    book_seal.upload_signed(admin, klass.id, signed)
    return klass.id
