"""Parents' notes (бележка от родител): a parent tells the school that the child is (or was, or
will be) absent, in the portal or by phone; the class teacher confirms or refuses.

* :func:`submit_note` — the parent (a guardian linked to the pupil) sends a note: dates, the first
  day whole or from a lesson on, the reason (``ExcuseReason``), a comment, optionally the scan of
  a medical note (:mod:`gradebook.note_documents`). Judged at once by the pure rules
  (:mod:`gradebook.rules.parent_notes`: 15 school days a year, 5 in a row, per-school settings),
  so the parent learns straight away how many days are left.
* :func:`confirm_note` / :func:`refuse_note` — the class teacher of the pupil's class (or an
  admin): confirming excuses the pupil's unexcused absences in the range with the note's reason
  (``excused_by_parent``), later absences in the range are excused as the register is taken
  (:func:`excuse_all_covered`, called by ``gradebook.absences``); the parent is told by their
  preferences (``NotifyEvent.EXCUSE``).
* :func:`withdraw_note` — the parent takes back a note not yet decided.
* :func:`note_covers` — whether a note (sent or confirmed) covers a pupil's lesson: the outbound
  "not at school" call asks it before calling, and the lesson page shows today's notes.

Every write is audited; every read is scoped to the school. This module imports no other topic
module (``gradebook.absences`` imports it, one way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import note_documents
from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_lock
from gradebook.core import check_version
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import int_in
from gradebook.core import reason_required
from gradebook.core import require_admin
from gradebook.core import snapshot
from gradebook.core import student_class
from gradebook.messages import msg
from gradebook.rules import parent_notes as note_rules
from models import Absence
from models import AbsenceKind
from models import AuditLog
from models import Enrollment
from models import ExcuseReason
from models import GuardianStudent
from models import NonSchoolDay
from models import NoteChannel
from models import NoteStatus
from models import NotifyEvent
from models import ParentNote
from models import PgAttendance
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import db
from notify import outbox

LIVE = (NoteStatus.PENDING, NoteStatus.CONFIRMED)
# the Ministry's codes of excuse reasons (EXTAPI: 1 health, 2 family, 3 other)
REASON_CODES = {"1": ExcuseReason.HEALTH, "2": ExcuseReason.FAMILY, "3": ExcuseReason.OTHER}


@dataclass(frozen=True)
class Document:
    """An uploaded file as the view read it (bytes only: the name is not kept)."""

    data: bytes


# --- reading ----------------------------------------------------------------------------------
def limits_of(school: School) -> note_rules.NoteLimits:
    return note_rules.NoteLimits(
        max_year=int(school.parent_excuse_days_year),
        max_in_row=int(school.parent_excuse_days_in_row),
    )


def _non_school_days(year: SchoolYear, grade_level: int) -> set[dt.date]:
    days: set[dt.date] = set()
    for start, end in db.session.execute(
        sa.select(NonSchoolDay.date_from, NonSchoolDay.date_to).where(
            NonSchoolDay.school_year_id == year.id,
            NonSchoolDay.grade_from <= grade_level,
            NonSchoolDay.grade_to >= grade_level,
        )
    ):
        day = start
        while day <= end:
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def _counts(note: ParentNote) -> bool:
    return note_rules.counts_against_allowance(note.reason.value, has_document(note))


def has_document(note: ParentNote) -> bool:
    """The note came with a medical document, also after its scan was deleted at the end of its
    retention period (``retention.py``: the file goes, ``document_type`` stays)."""
    return note.document_type is not None


def used_days(
    student_id: int,
    year: SchoolYear,
    holidays: set[dt.date],
    *,
    with_pending: bool,
    leave_out: int | None = None,
) -> set[dt.date]:
    """The school days of the year the parent has already excused: absences excused on a
    parent's word (``excused_by_parent``) and the days of the pupil's confirmed notes that use
    the allowance (and pending ones with ``with_pending``: days the parent has asked for)."""
    days = set(
        db.session.scalars(
            sa.select(Absence.date).where(
                Absence.student_id == student_id,
                Absence.school_year_id == year.id,
                Absence.excused_by_parent.is_(True),
            )
        )
    )
    statuses = LIVE if with_pending else (NoteStatus.CONFIRMED,)
    for note in db.session.scalars(
        sa.select(ParentNote).where(
            ParentNote.student_id == student_id,
            ParentNote.school_year_id == year.id,
            ParentNote.status.in_(statuses),
        )
    ):
        if note.id != leave_out and _counts(note):
            days.update(note_rules.school_days_between(note.starts_on, note.ends_on, holidays))
    return days


@dataclass(frozen=True)
class Standing:
    """The pupil's current class and year, the school's limits and the days used."""

    student: Student
    klass: SchoolClass
    year: SchoolYear
    limits: note_rules.NoteLimits
    holidays: set[dt.date]
    used: set[dt.date]

    @property
    def left(self) -> int:
        return note_rules.days_left(len(self.used), self.limits)


def standing(
    student_id: int, *, with_pending: bool = True, leave_out: int | None = None
) -> Standing:
    student = db.session.get(Student, student_id)
    klass = student_class(student_id)
    if student is None or klass is None:
        raise Invalid(msg("note.not_enrolled"))
    year = db.session.get(SchoolYear, klass.school_year_id)
    school = db.session.get(School, student.school_id)
    assert year is not None and school is not None
    holidays = _non_school_days(year, klass.grade_level)
    used = used_days(student_id, year, holidays, with_pending=with_pending, leave_out=leave_out)
    return Standing(student, klass, year, limits_of(school), holidays, used)


def days_left(student_id: int) -> int:
    """Days the parent may still excuse this school year (notes sent but not decided count)."""
    return standing(student_id).left


def note_covers(student_id: int, day: dt.date, period: int | None = None) -> bool:
    """True when a parent's note, sent or confirmed (not refused or withdrawn), covers lesson
    ``period`` of ``day`` for the pupil (``period=None``: any lesson of that day).

    The outbound "not at school" call asks this before it calls a family: a parent who said the
    child is absent today is not called about it. A note "from the 3rd lesson on" covers the 3rd
    lesson and later ones of its first day, every lesson of its other days.
    """
    notes = db.session.execute(
        sa.select(ParentNote.starts_on, ParentNote.ends_on, ParentNote.from_period).where(
            ParentNote.student_id == student_id,
            ParentNote.starts_on <= day,
            ParentNote.ends_on >= day,
            ParentNote.status.in_(LIVE),
        )
    ).all()
    return any(note_rules.covers(s, e, p, day, period) for s, e, p in notes)


def notes_of_child(student_id: int, school_id: int, limit: int = 50) -> list[ParentNote]:
    """A pupil's notes, newest first (the parent's page: their own child only, checked by the
    portal's ``child_context`` before)."""
    return list(
        db.session.scalars(
            sa.select(ParentNote)
            .where(ParentNote.student_id == student_id, ParentNote.school_id == school_id)
            .order_by(ParentNote.starts_on.desc(), ParentNote.id.desc())
            .limit(limit)
        )
    )


def class_notes(actor: Actor, class_id: int) -> list[ParentNote]:
    """The notes of the pupils of a class, undecided first: the class teacher or an admin."""
    klass = get_in_school(SchoolClass, class_id, actor.school_id)
    if not actor.can_manage_class(klass.id):
        raise Forbidden(msg("note.forbidden"))
    return list(
        db.session.scalars(
            sa.select(ParentNote)
            .join(Enrollment, Enrollment.student_id == ParentNote.student_id)
            .where(
                Enrollment.class_id == klass.id,
                Enrollment.left_on.is_(None),
                ParentNote.school_id == actor.school_id,
                ParentNote.school_year_id == klass.school_year_id,
            )
            .order_by(
                sa.case((ParentNote.status == NoteStatus.PENDING, 0), else_=1),
                ParentNote.starts_on.desc(),
                ParentNote.id.desc(),
            )
            .options(sa.orm.joinedload(ParentNote.student))
        ).unique()
    )


def notes_for_lessons(
    school_id: int, class_ids: Iterable[int], day: dt.date
) -> dict[int, list[tuple[ParentNote, Student]]]:
    """Notes (sent or confirmed) covering ``day`` for the pupils of each class: the lesson
    page and the teacher's "today" show them."""
    wanted = sorted(set(class_ids))
    if not wanted:
        return {}
    found: dict[int, list[tuple[ParentNote, Student]]] = {}
    for note, student, class_id in db.session.execute(
        sa.select(ParentNote, Student, Enrollment.class_id)
        .join(Student, Student.id == ParentNote.student_id)
        .join(Enrollment, Enrollment.student_id == ParentNote.student_id)
        .where(
            ParentNote.school_id == school_id,
            Enrollment.class_id.in_(wanted),
            Enrollment.left_on.is_(None),
            ParentNote.starts_on <= day,
            ParentNote.ends_on >= day,
            ParentNote.status.in_(LIVE),
        )
        .order_by(Student.first_name, Student.last_name)
    ):
        found.setdefault(class_id, []).append((note, student))
    return found


# --- the parent sends -------------------------------------------------------------------------
def _problem(verdict: note_rules.NoteVerdict, limits: note_rules.NoteLimits) -> Invalid:
    problem = verdict.problem or ""
    if problem == "year_limit":
        text = msg("note.year_limit", max=limits.max_year, left=verdict.left_after)
    elif problem == "in_row":
        text = msg("note.in_row", max=limits.max_in_row)
    elif problem == "range_order":
        text = msg("note.range_order")
    elif problem == "too_long":
        text = msg("note.too_long", days=note_rules.NOTE_MAX_SPAN_DAYS)
    elif problem == "too_far_ahead":
        text = msg("note.too_far_ahead", days=note_rules.NOTE_MAX_AHEAD_DAYS)
    elif problem == "outside_year":
        text = msg("note.outside_year")
    elif problem == "no_school_day":
        text = msg("note.no_school_day")
    else:
        text = msg("note.invalid")
    field = "ends_on" if problem in ("range_order", "too_long") else "starts_on"
    return Invalid(text, {field: text})


def _document_problem(exc: note_documents.DocumentRefused) -> str:
    if exc.key == "empty":
        return msg("note.document_empty")
    if exc.key == "too_big":
        return msg("note.document_too_big", mb=exc.values.get("mb", 0))
    if exc.key == "unreadable":
        return msg("note.document_unreadable")
    if exc.key == "pixels":
        return msg("note.document_pixels")
    if exc.key == "active_pdf":
        return msg("note.document_active_pdf")
    return msg("note.document_kind")


def _reason(raw: str) -> ExcuseReason:
    raw = (raw or "").strip()
    if raw in REASON_CODES:
        return REASON_CODES[raw]
    try:
        return ExcuseReason(raw)
    except ValueError:
        raise Invalid(msg("note.choose_reason"), {"reason": msg("note.choose_reason")}) from None


def _guardian_audit(
    guardian_id: int, action: str, note: ParentNote, before: dict[str, Any] | None, why: str
) -> None:
    db.session.add(
        AuditLog(
            school_id=note.school_id,
            actor_type="guardian",
            actor_id=guardian_id,
            action=action,
            object_type="parent_note",
            object_id=note.id,
            student_id=note.student_id,
            before=before,
            after=snapshot(note),
            reason=why,
            created_at=clock.utc_naive(),
        )
    )


def _linked(guardian_id: int, student_id: int) -> None:
    if not db.session.scalar(
        sa.select(GuardianStudent.id).where(
            GuardianStudent.guardian_id == guardian_id, GuardianStudent.student_id == student_id
        )
    ):
        raise NotFound(msg("common.not_found"))


def submit_note(
    guardian_id: int,
    student_id: int,
    *,
    starts_on: str | dt.date,
    ends_on: str | dt.date | None,
    from_period: int | str | None,
    reason: str,
    comment: str = "",
    channel: NoteChannel = NoteChannel.PORTAL,
    document: Document | None = None,
    call_session_id: int | None = None,
) -> tuple[ParentNote, int]:
    """A parent's note for their child; returns the note and the days left this year after it.

    Refused with a Bulgarian reason (nothing saved) for a child not linked to the parent
    (:class:`NotFound`), a date range the rules refuse, a note overlapping another sent or
    confirmed one, or a file that is not a photo or PDF of acceptable size."""
    stored: list[str] = []

    def work() -> tuple[ParentNote, int]:
        _linked(guardian_id, student_id)
        now = standing(student_id)
        start = _date(starts_on, "starts_on")
        end = _date(ends_on, "ends_on") if ends_on not in (None, "") else start
        period = _period(from_period)
        why = _reason(reason)
        text = (comment or "").strip()
        if len(text) > note_rules.NOTE_COMMENT_MAX:
            problem = msg("note.comment_too_long", max=note_rules.NOTE_COMMENT_MAX)
            raise Invalid(problem, {"comment": problem})
        ext_data = None
        if document is not None and document.data:
            try:
                ext_data = note_documents.clean(document.data)
            except note_documents.DocumentRefused as exc:
                problem = _document_problem(exc)
                raise Invalid(problem, {"document": problem}) from None
        counts = note_rules.counts_against_allowance(why.value, ext_data is not None)
        verdict = note_rules.judge_note(
            start,
            end,
            today=clock.today(),
            year_start=now.year.starts_on,
            year_end=now.year.ends_on,
            used_days=now.used,
            limits=now.limits,
            non_school_days=now.holidays,
            counts=counts,
        )
        if verdict.problem is not None:
            raise _problem(verdict, now.limits)
        if db.session.scalar(
            sa.select(ParentNote.id).where(
                ParentNote.student_id == student_id,
                ParentNote.status.in_(LIVE),
                ParentNote.starts_on <= end,
                ParentNote.ends_on >= start,
            )
        ):
            raise Invalid(msg("note.overlap"), {"starts_on": msg("note.overlap")})
        note = ParentNote(
            school_id=now.student.school_id,
            school_year_id=now.year.id,
            student_id=student_id,
            guardian_id=guardian_id,
            starts_on=start,
            ends_on=end,
            from_period=period,
            reason=why,
            comment=text,
            channel=channel,
            status=NoteStatus.PENDING,
            days_counted=len(verdict.days) if counts else 0,
            call_session_id=call_session_id,
        )
        if ext_data is not None:
            ext, data = ext_data
            note.document_file = note_documents.save(now.student.school_id, ext, data)
            stored.append(note.document_file)
            note.document_type = note_documents.KINDS[ext]
            note.document_size = len(data)
        db.session.add(note)
        db.session.flush()
        _guardian_audit(guardian_id, "create", note, None, f"parent note ({channel.value})")
        commit_refreshed()
        return note, verdict.left_after

    try:
        return atomic(work)  # type: ignore[no-any-return]
    except Exception:
        for name in stored:  # nothing saved: no file left behind either
            note_documents.delete(_school_of(student_id), name)
        raise


def _school_of(student_id: int) -> int:
    return int(db.session.scalar(sa.select(Student.school_id).where(Student.id == student_id)) or 0)


def _date(raw: str | dt.date | None, field: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise Invalid(msg("note.date_invalid"), {field: msg("note.date_invalid")}) from None


def _period(raw: int | str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if note_rules.period_problem(value) is not None:
        raise Invalid(msg("note.period"), {"from_period": msg("note.period")})
    return value


def withdraw_note(guardian_id: int, student_id: int, note_id: int) -> None:
    """The parent takes back a note the class teacher has not decided yet."""

    def work() -> None:
        _linked(guardian_id, student_id)
        note = db.session.get(ParentNote, note_id) if 0 < note_id <= rules.MAX_DB_ID else None
        if note is None or note.student_id != student_id:
            raise NotFound(msg("common.not_found"))
        if note.status != NoteStatus.PENDING:
            raise Invalid(msg("note.already_decided"))
        before = snapshot(note)
        note.status = NoteStatus.WITHDRAWN
        note_documents.delete(note.school_id, note.document_file)
        note.document_file = note.document_type = note.document_size = None
        db.session.flush()
        _guardian_audit(guardian_id, "update", note, before, "withdrawn by the parent")
        commit_refreshed()

    atomic(work)


# --- the class teacher decides ----------------------------------------------------------------
def _decidable(actor: Actor, note_id: int, version: int | str | None) -> ParentNote:
    note = get_in_school(ParentNote, note_id, actor.school_id)
    klass = student_class(note.student_id)
    if klass is None or not actor.can_manage_class(klass.id):
        raise Forbidden(msg("note.forbidden"))
    check_version(note, version)
    if note.status != NoteStatus.PENDING:
        raise Invalid(msg("note.already_decided"))
    return note


def _tell_parent(note: ParentNote, left: int) -> None:
    outbox.enqueue_for_students(
        [note.student_id],
        NotifyEvent.EXCUSE,
        school_id=note.school_id,
        object_type="parent_note",
        object_id=note.id,
        payload={
            "student": note.student.first_name,
            "status": note.status.value,
            "from": note.starts_on.isoformat(),
            "to": note.ends_on.isoformat(),
            "left": left,
            "why": note.refusal_reason,
        },
    )


def _apply(note: ParentNote, absence: Absence, counts: bool) -> None:
    absence.kind = AbsenceKind.EXCUSED
    absence.excuse_reason = note.reason
    absence.excuse_comment = str(msg("note.absence_comment"))
    absence.excused_by_parent = counts


def confirm_note(actor: Actor, note_id: int, *, version: int | str | None = None) -> int:
    """Confirm a parent's note: within the school's limits (judged again: other notes may have
    been confirmed since it was sent), excuse the pupil's unexcused absences it covers and tell
    the parent. Returns the number of lessons excused now."""

    def work() -> int:
        note = _decidable(actor, note_id, version)
        now = standing(note.student_id, with_pending=False, leave_out=note.id)
        counts = _counts(note)
        verdict = note_rules.judge_note(
            note.starts_on,
            note.ends_on,
            today=note.created_at.date() if note.created_at else clock.today(),
            year_start=now.year.starts_on,
            year_end=now.year.ends_on,
            used_days=now.used,
            limits=now.limits,
            non_school_days=now.holidays,
            counts=counts,
        )
        if verdict.problem is not None:
            raise _problem(verdict, now.limits)
        before = snapshot(note)
        absences = [
            a
            for a in db.session.scalars(
                sa.select(Absence).where(
                    Absence.student_id == note.student_id,
                    Absence.school_id == actor.school_id,
                    Absence.kind == AbsenceKind.UNEXCUSED,
                    Absence.date >= note.starts_on,
                    Absence.date <= note.ends_on,
                )
            )
            if note_rules.covers(note.starts_on, note.ends_on, note.from_period, a.date, a.period)
        ]
        for absence in absences:
            check_lock(actor, now.year, absence.date, what="parent note")
            was = snapshot(absence)
            _apply(note, absence, counts)
            db.session.flush()
            audit(actor, "update", absence, before=was, after=snapshot(absence), reason="excuse")
        days = _excuse_pg_days(actor, note, now.year)
        note.status = NoteStatus.CONFIRMED
        note.days_counted = len(verdict.days) if counts else 0
        note.decided_by = actor.staff_id
        note.decided_at = clock.utc_naive()
        db.session.flush()
        audit(actor, "update", note, before=before, after=snapshot(note), reason="confirm")
        outbox.cancel_for_objects("absence", [a.id for a in absences])
        outbox.cancel_for_objects("pg_attendance", [d.id for d in days])
        _tell_parent(note, verdict.left_after)
        commit_refreshed([(note.student_id, now.year.id)])
        return len(absences) + len(days)

    return atomic(work)  # type: ignore[no-any-return]


PG_UNEXCUSED, PG_EXCUSED = rules.ATTENDANCE_CODES["unexcused"], rules.ATTENDANCE_CODES["excused"]


def excuse_pg_day(note: ParentNote, row: PgAttendance) -> None:
    """A ПГ child's day a confirmed note covers: excused with the note's reason."""
    row.kind = PG_EXCUSED
    row.excuse_reason = note.reason
    row.excuse_comment = str(msg("note.absence_comment"))


def _excuse_pg_days(actor: Actor, note: ParentNote, year: SchoolYear) -> list[PgAttendance]:
    """A ПГ child's daily attendance: the unexcused days of the note become excused (a day
    marked present stays present; a day not yet marked is excused when the group's day is
    written, :func:`confirmed_notes_on`). Audited, each through the entry locks."""
    rows = list(
        db.session.scalars(
            sa.select(PgAttendance).where(
                PgAttendance.student_id == note.student_id,
                PgAttendance.school_id == actor.school_id,
                PgAttendance.kind == PG_UNEXCUSED,
                PgAttendance.date >= note.starts_on,
                PgAttendance.date <= note.ends_on,
            )
        )
    )
    for row in rows:
        check_lock(actor, year, row.date, what="parent note")
        was = snapshot(row)
        excuse_pg_day(note, row)
        db.session.flush()
        audit(actor, "update", row, before=was, after=snapshot(row), reason="excuse")
    return rows


def confirmed_notes_on(student_ids: Iterable[int], day: dt.date) -> dict[int, ParentNote]:
    """Pupil id → the confirmed note covering ``day`` (any part of it): a ПГ group's day screen
    excuses those children's absence as it is written and offers "excused" for an unmarked
    child."""
    ids = sorted(set(student_ids))
    found: dict[int, ParentNote] = {}
    if not ids:
        return found
    for note in db.session.scalars(
        sa.select(ParentNote)
        .where(
            ParentNote.student_id.in_(ids),
            ParentNote.status == NoteStatus.CONFIRMED,
            ParentNote.starts_on <= day,
            ParentNote.ends_on >= day,
        )
        .order_by(ParentNote.id)
    ):
        found.setdefault(note.student_id, note)
    return found


def refuse_note(
    actor: Actor, note_id: int, *, reason: str, version: int | str | None = None
) -> None:
    """Refuse a parent's note with a reason the parent is told; the absences stay as they are."""

    def work() -> None:
        note = _decidable(actor, note_id, version)
        why = reason_required(reason)[:500]
        before = snapshot(note)
        note.status = NoteStatus.REFUSED
        note.refusal_reason = why
        note.days_counted = 0
        note.decided_by = actor.staff_id
        note.decided_at = clock.utc_naive()
        db.session.flush()
        audit(actor, "update", note, before=before, after=snapshot(note), reason="refuse")
        _tell_parent(note, standing(note.student_id, with_pending=False).left)
        commit_refreshed()

    atomic(work)


def excuse_all_covered(absences: Sequence[Absence]) -> set[int]:
    """Called by the register for its new unexcused absences (one lesson, one day): each one a
    confirmed note covers is excused on the note (audited by the register's own "create" row,
    which records the excused values; no "absent" notice then). One query for the register;
    returns the ids of the students whose absence a note excused."""
    if not absences:
        return set()
    day = absences[0].date
    notes: dict[int, ParentNote] = {}
    for note in db.session.scalars(
        sa.select(ParentNote)
        .where(
            ParentNote.student_id.in_([a.student_id for a in absences]),
            ParentNote.status == NoteStatus.CONFIRMED,
            ParentNote.starts_on <= day,
            ParentNote.ends_on >= day,
        )
        .order_by(ParentNote.id)
    ):
        notes.setdefault(note.student_id, note)
    excused: set[int] = set()
    for absence in absences:
        note = notes.get(absence.student_id)
        if note is not None and note_rules.covers(
            note.starts_on, note.ends_on, note.from_period, absence.date, absence.period
        ):
            _apply(note, absence, _counts(note))
            excused.add(absence.student_id)
    return excused


def document_of(actor: Actor, note_id: int) -> tuple[ParentNote, Any]:
    """The stored scan of a note, for the class teacher of the pupil or an admin only."""
    note = get_in_school(ParentNote, note_id, actor.school_id)
    klass = student_class(note.student_id)
    if klass is None or not actor.can_manage_class(klass.id):
        raise Forbidden(msg("note.forbidden"))
    found = note_documents.path(note.school_id, note.document_file)
    if found is None:
        raise NotFound(msg("common.not_found"))
    return note, found


def set_limits(actor: Actor, *, days_year: Any, days_in_row: Any) -> note_rules.NoteLimits:
    """The school's limits on days a parent may excuse (an admin; audited). The law's values are
    15 and 5 (чл. 62, ал. 1, т. 3); a school may only be stricter or follow a later change."""

    def work() -> note_rules.NoteLimits:
        require_admin(actor)
        school = db.session.get(School, actor.school_id)
        assert school is not None
        year = int_in(days_year, 0, 60, "days_year", msg("note.limit_year"))
        in_row = int_in(days_in_row, 1, 30, "days_in_row", msg("note.limit_in_row"))
        before = {
            "year": school.parent_excuse_days_year,
            "in_row": school.parent_excuse_days_in_row,
        }
        school.parent_excuse_days_year = year
        school.parent_excuse_days_in_row = in_row
        audit(
            actor,
            "update",
            school,
            before=before,
            after={"year": year, "in_row": in_row},
            student_id=None,
            reason="parent note limits",
            object_type="school",
        )
        commit_refreshed()
        return limits_of(school)

    return atomic(work)  # type: ignore[no-any-return]
