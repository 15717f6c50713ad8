"""Notes (бележки) in a class's book: for the whole class or about one pupil of it, dated,
written by the class teacher or an admin (the Ministry's ``NotesController`` is a book admin's),
read on the class pages by whoever may see the class; audited, the date respects the entry locks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import active_enrollments
from gradebook.core import add_audited
from gradebook.core import assign
from gradebook.core import atomic
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import clean_text
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import edit_with_reason
from gradebook.core import get_in_school
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.messages import msg
from models import ClassNote
from models import Enrollment
from models import SchoolClass
from models import SchoolYear
from models import db


def _year(klass: SchoolClass) -> SchoolYear:
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    return year


def _pupil_of_class(class_id: int, raw: int | str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        student_id = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Invalid(
            msg("common.choose_student_of_class"),
            {"student_id": msg("common.choose_student_of_class")},
        ) from None
    enrolled = db.session.scalar(
        sa.select(Enrollment.id).where(
            Enrollment.class_id == class_id, Enrollment.student_id == student_id
        )
    )
    if enrolled is None:  # another class's or another school's pupil
        raise Invalid(
            msg("common.choose_student_of_class"),
            {"student_id": msg("common.choose_student_of_class")},
        )
    return student_id


def save_note(
    actor: Actor,
    *,
    class_id: int,
    date: str | dt.date,
    text: str,
    student_id: int | str | None = None,
    note_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
    override_lock: bool = False,
) -> ClassNote:
    def work() -> ClassNote:
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        if not actor.can_manage_class(klass.id):
            raise Forbidden(msg("class_note.forbidden"))
        errors: dict[str, str] = {}
        day = read_field(errors, lambda: parse_date(date, "date"))
        body = read_field(errors, lambda: clean_text(text, 2000))
        pupil = read_field(errors, lambda: _pupil_of_class(klass.id, student_id))
        check_fields(errors)
        assert day is not None
        check_lock(actor, _year(klass), day, override=override_lock, what="class note")
        values = {"date": day, "text": body, "student_id": pupil}
        readers: list[tuple[int, int]] = []
        if note_id is None:
            row = add_audited(
                actor,
                ClassNote(
                    school_id=actor.school_id,
                    school_year_id=klass.school_year_id,
                    class_id=klass.id,
                    author_id=actor.staff_id,
                    **values,
                ),
            )
        else:
            row = get_in_school(ClassNote, note_id, actor.school_id)
            if row.class_id != klass.id:
                raise NotFound(msg("common.not_found"))
            readers.extend(_readers(row))  # who held it before the change
            edit_with_reason(
                actor, row, version=version, reason=reason, change=lambda: assign(row, values)
            )
        commit_refreshed(sorted({*readers, *_readers(row)}))
        return row

    return atomic(work)


def _readers(row: ClassNote) -> list[tuple[int, int]]:
    """The pupils whose read model (the phone line) holds the note: the one it is about, or
    every pupil of the class."""
    if row.student_id is not None:
        return [(row.student_id, row.school_year_id)]
    return [(e.student_id, row.school_year_id) for e in active_enrollments(row.class_id)]


def delete_note(actor: Actor, note_id: int, *, version: int | str | None, reason: str) -> None:
    def check(row: ClassNote) -> None:
        klass = get_in_school(SchoolClass, row.class_id, actor.school_id)
        if not actor.can_manage_class(klass.id):
            raise Forbidden(msg("class_note.forbidden"))
        check_lock(actor, _year(klass), row.date, what="class note")

    delete_with_reason(
        actor,
        ClassNote,
        note_id,
        reason=reason,
        version=version,
        check=check,
        withdraw=lambda row, _c, _why: _readers(row),
    )


def notes_of_class(school_id: int, class_id: int) -> list[ClassNote]:
    return list(
        db.session.scalars(
            sa.select(ClassNote)
            .where(ClassNote.school_id == school_id, ClassNote.class_id == class_id)
            .order_by(ClassNote.date.desc(), ClassNote.id.desc())
        )
    )


def notes_of_pupil(school_id: int, student_id: int) -> list[ClassNote]:
    return list(
        db.session.scalars(
            sa.select(ClassNote)
            .where(ClassNote.school_id == school_id, ClassNote.student_id == student_id)
            .order_by(ClassNote.date.desc(), ClassNote.id.desc())
        )
    )
