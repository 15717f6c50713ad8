"""The printed class book of a class for a school year and its signed copy (docs/CLASS_BOOK.md,
"Closing the year").

``ClassBookPrint`` is one PDF Belezhnik generated: its document id (written into the PDF's
metadata) and the SHA-256 of its bytes, so that a signed file can be traced to the exact print it
was made from. ``ClassBookSeal`` is the finalised book: the print the director signed, the stored
signed file, the signer's name and certificate fingerprint; while it exists no entry of that
class's book for that year may be written (``gradebook.book_lock``). An unlock deletes it
(audited, with the reason)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from tables.base import created
from tables.base import db
from tables.base import intpk
from tables.base import school_fk
from tables.base import str200


def _class_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"), index=True)


def _year_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"), index=True)


class ClassBookPrint(db.Model):
    """One generated PDF of a class's book (every download is one)."""

    __tablename__ = "class_book_print"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    class_id: Mapped[int] = _class_fk()
    school_year_id: Mapped[int] = _year_fk()
    document_id: Mapped[str] = mapped_column(
        sa.String(32), unique=True, comment="random hex id written into the PDF's metadata"
    )
    sha256: Mapped[str] = mapped_column(
        sa.String(64), index=True, comment="hex SHA-256 of the PDF as generated (unsigned)"
    )
    pages: Mapped[int] = mapped_column(sa.SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[created]


class ClassBookSeal(db.Model):
    """A class's book for a year, finalised by the director's signed PDF."""

    __tablename__ = "class_book_seal"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    class_id: Mapped[int] = _class_fk()
    school_year_id: Mapped[int] = _year_fk()
    print_id: Mapped[int] = mapped_column(ForeignKey("class_book_print.id", ondelete="CASCADE"))
    stored_name: Mapped[str] = mapped_column(sa.String(64), comment="file under instance/")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), comment="hex SHA-256 of the signed file")
    signer_name: Mapped[str200]
    cert_sha256: Mapped[str] = mapped_column(
        sa.String(64), comment="SHA-256 fingerprint of the signer's certificate (not validated)"
    )
    signed_at: Mapped[dt.datetime | None] = mapped_column(
        comment="the signing time the signature claims (UTC)"
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[created]

    __table_args__ = (UniqueConstraint("class_id", "school_year_id"),)
