"""The shared pieces of the staff use-cases: who acts, what can go wrong, and how a write ends.

Every use-case module of the staff side (grades, absences, remarks, health, events, conversations,
people, school, timetable, school_year) takes an :class:`Actor` (who acts, in which school, with
which rights), validates with :mod:`gradebook.rules`, checks rights and entry locks, writes the
change, the audit trail (before/after JSON), the notification outbox rows and the refreshed read
model, and commits it all in ONE transaction (:func:`atomic` around the body,
:func:`commit_refreshed` at its end) — or raises and leaves nothing behind:

* :class:`Forbidden` (403) — no right to this object; :class:`NotFound` (404) — no such object
  *in this school* (objects of other schools are reported as missing, never as forbidden);
* :class:`Invalid` — bad input, with ``errors`` = {field: Bulgarian message};
* :class:`Locked` — the entry date is locked (month lock / future lock);
* :class:`Conflict` — someone else changed the row first (optimistic locking);
* :class:`SaveFailed` (503) — the database refused or failed the write for any other reason
  (it is down, a trigger refused a row): nothing was saved, the person may simply try again.

All of them subclass :class:`OperationError`, whose ``message_bg`` is for people.

What every topic writes the same way lives here too: a new audited row (:func:`add_audited`), a
change with its before/after (:func:`update_audited`), a correction with version and reason
(:func:`edit_with_reason`), a deletion with a reason (:func:`delete_with_reason`: a grade, an
absence, a remark, a health note, an event, a meeting — each topic passes its rights check and
how it takes back what the families were told), one field of a form (:func:`read_field`,
:func:`parse_choice`) and the refusal of a form with wrong fields (:func:`check_fields`), a new
row committed at once (:func:`add_committed`), a pupil's own row (:func:`get_of_student`), a
pupil's remark or note created or corrected (:func:`write_for_pupil`, setting fields with
:func:`assign`) and the notices of it for the families (:func:`notify_pupil`), and an admin's audited
deletion of a row of the school (:func:`admin_delete`).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from config import clock
from gradebook import rules
from gradebook import summary
from gradebook import summary_sections
from gradebook.messages import Text
from gradebook.messages import msg
from models import AuditLog
from models import Curriculum
from models import Enrollment
from models import NotifyEvent
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import Student
from models import db
from notify import outbox

M = TypeVar("M")
T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)
log = logging.getLogger("belezhnik.staff")


class OperationError(Exception):
    """``message_bg`` is the Bulgarian text for the page; ``key`` its catalogue key
    (:mod:`gradebook.messages`) for logs and tests, None for a text that came from elsewhere
    (a :class:`rules.RuleError`, a database error); ``error_keys`` the same per field."""

    status = 400

    def __init__(self, message_bg: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message_bg)
        self.message_bg = message_bg
        self.key: str | None = message_bg.key if isinstance(message_bg, Text) else None
        self.errors: dict[str, str] = dict(errors or {})
        self.error_keys: dict[str, str | None] = {
            name: text.key if isinstance(text, Text) else None for name, text in self.errors.items()
        }


class Forbidden(OperationError):
    status = 403


class NotFound(OperationError):
    status = 404


class Invalid(OperationError):
    status = 422


class Locked(OperationError):
    status = 409


class Conflict(OperationError):
    status = 409


class SaveFailed(OperationError):
    """The database failed the write for a reason that is not a concurrent edit."""

    status = 503


CONFLICT_BG = msg("common.conflict")


SAVE_FAILED_BG = msg("common.save_failed")


LOCK_BG = {
    rules.LOCK_FUTURE: msg("lock.future"),
    rules.LOCK_MONTH: msg("lock.month"),
}


@dataclass(frozen=True)
class Actor:
    """A staff user acting in one school, with their rights there (computed once)."""

    staff_id: int
    school_id: int
    is_admin: bool = False
    curriculum_ids: frozenset[int] = field(default_factory=frozenset)
    class_teacher_of: frozenset[int] = field(default_factory=frozenset)
    teaches_classes: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def load(cls, staff_id: int, school_id: int) -> Actor:
        roles = set(
            db.session.scalars(
                sa.select(StaffMembership.role).where(
                    StaffMembership.staff_id == staff_id, StaffMembership.school_id == school_id
                )
            )
        )
        if not roles:
            raise Forbidden(msg("access.no_school"))
        taught = db.session.execute(
            sa.select(Curriculum.id, Curriculum.class_id).where(
                Curriculum.teacher_id == staff_id, Curriculum.school_id == school_id
            )
        ).all()
        class_teacher = db.session.scalars(
            sa.select(SchoolClass.id).where(
                SchoolClass.class_teacher_id == staff_id, SchoolClass.school_id == school_id
            )
        )
        return cls(
            staff_id=staff_id,
            school_id=school_id,
            is_admin=StaffRole.ADMIN in roles,
            curriculum_ids=frozenset(r.id for r in taught),
            class_teacher_of=frozenset(class_teacher),
            teaches_classes=frozenset(r.class_id for r in taught),
        )

    def can_write_grades(self, curriculum: Curriculum) -> bool:
        return self.is_admin or curriculum.id in self.curriculum_ids

    def can_manage_class(self, class_id: int) -> bool:
        """Absences, excuses, health notes, meetings: the class teacher or an admin."""
        return self.is_admin or class_id in self.class_teacher_of

    def can_view_class(self, class_id: int) -> bool:
        return (
            self.is_admin or class_id in self.class_teacher_of or class_id in self.teaches_classes
        )


def get_in_school(model: type[M], object_id: int | None, school_id: int) -> M:
    """The row of ``model`` with this id in this school, else :class:`NotFound`."""
    in_range = object_id is not None and 0 < object_id <= rules.MAX_DB_ID  # 10**20: no row
    obj = db.session.get(model, object_id) if in_range else None
    if obj is None or getattr(obj, "school_id", None) != school_id:
        raise NotFound(msg("common.not_found"))
    return obj


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of a row as JSON-able data (for the audit trail)."""
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        if column.key in ("created_at", "updated_at"):
            continue
        value = getattr(obj, column.key)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        out[column.key] = value
    return out


def audit(
    actor: Actor,
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    student_id: int | None = None,
    reason: str = "",
    object_type: str | None = None,
) -> AuditLog:
    entry = AuditLog(
        school_id=actor.school_id,
        actor_type="staff",
        actor_id=actor.staff_id,
        action=action,
        object_type=object_type or obj.__tablename__,
        object_id=getattr(obj, "id", None),
        student_id=student_id if student_id is not None else getattr(obj, "student_id", None),
        before=before,
        after=after,
        reason=(reason or "")[:500],
        created_at=clock.utc_naive(),
    )
    db.session.add(entry)
    return entry


def add_audited(
    actor: Actor, obj: M, *, reason: str = "", after: dict[str, Any] | None = None
) -> M:
    """Insert a new row and its "create" audit entry (the row's id comes from the flush); the
    entry keeps the row's columns, or ``after`` when the topic keeps less (a thread: no text)."""
    db.session.add(obj)
    db.session.flush()
    audit(
        actor,
        "create",
        obj,
        before=None,
        after=snapshot(obj) if after is None else after,
        reason=reason,
    )
    return obj


def add_committed(actor: Actor, obj: M) -> M:
    """Insert a new row with its "create" audit entry and commit (a class, a subject, a lesson…)."""
    add_audited(actor, obj)
    commit_refreshed()
    return obj


def notify_pupil(
    actor: Actor,
    student_id: int,
    event_type: NotifyEvent,
    object_type: str,
    obj: Any,
    payload: dict[str, Any],
) -> int:
    """Queue for the families of one pupil the notices of a row written for them (a grade, a
    remark, a health note, a message); returns how many outbox rows were written."""
    return outbox.enqueue_for_students(
        [student_id],
        event_type,
        school_id=actor.school_id,
        object_type=object_type,
        object_id=obj.id,
        payload=payload,
    )


def get_of_student(model: type[M], object_id: int | None, actor: Actor, student_id: int) -> M:
    """The row of ``model`` with this id in the actor's school that belongs to this pupil, else
    :class:`NotFound` (a remark or note edited through another pupil's page is missing there)."""
    obj = get_in_school(model, object_id, actor.school_id)
    if getattr(obj, "student_id", None) != student_id:
        raise NotFound(msg("common.not_found"))
    return obj


def current_year(school_id: int) -> SchoolYear:
    year = db.session.scalar(
        sa.select(SchoolYear)
        .where(SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True))
        .order_by(SchoolYear.starts_on.desc())
    )
    if year is None:
        raise Invalid(msg("year.no_current"))
    return year


def check_lock(
    actor: Actor, year: SchoolYear, day: dt.date, *, override: bool = False, what: str = ""
) -> None:
    """Raise :class:`Locked` when ``day`` is locked, unless an admin overrides (audited)."""
    if not year.starts_on <= day <= year.ends_on:
        raise Invalid(msg("date.outside_year"), {"date": msg("date.outside_year")})
    reason = rules.entry_locked(day, clock.today(), year.month_lock_day, year.future_entry_lock)
    if reason is None:
        return
    if override and actor.is_admin and reason == rules.LOCK_MONTH:
        entry = AuditLog(
            school_id=actor.school_id,
            actor_type="staff",
            actor_id=actor.staff_id,
            action="override",
            object_type="lock",
            object_id=year.id,
            before={"lock": reason, "date": day.isoformat()},
            after={"what": what},
            reason="admin override of the month lock",
            created_at=clock.utc_naive(),
        )
        db.session.add(entry)
        return
    raise Locked(LOCK_BG[reason], {"date": LOCK_BG[reason]})


def refresh_summaries(pairs: Iterable[tuple[int, int]], parts: Iterable[str] | None = None) -> None:
    """Rebuild the read model of several students in the caller's transaction: per school year,
    their payloads built together, written in one UPSERT and each class's aggregate rebuilt once
    (``summary.refresh_students``) — the same result as a refresh per pupil, in a fixed number
    of statements whatever their number. ``parts`` (``summary.GRADES``, ``summary.ABSENCES``):
    the save changed only those sources, so only their sections are rebuilt when the stored
    payloads may keep the others (``summary_sections.refresh_students``)."""
    by_year: dict[int, set[int]] = {}
    for student_id, year_id in pairs:
        by_year.setdefault(year_id, set()).add(student_id)
    for year_id, ids in sorted(by_year.items()):
        year = db.session.get(SchoolYear, year_id)
        if year is None:
            continue
        if parts is None:
            summary.refresh_students(year, ids)
        else:
            summary_sections.refresh_students(year, ids, parts)


def _is_duplicate_key(exc: DBAPIError) -> bool:
    """A unique key refused the row: someone inserted the same row first (the same lesson
    registered twice at once). Any other refusal (a CHECK, a foreign key, a trigger) is not."""
    if not isinstance(exc, IntegrityError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate is not None:  # PostgreSQL
        return bool(sqlstate == "23505")  # unique_violation
    name = getattr(orig, "sqlite_errorname", "")  # SQLite (Python 3.11+)
    return name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


def _database_failure(exc: Exception) -> OperationError:
    """Map a failed write to what the person is told. Only a real concurrent edit — a stale
    ``version`` (StaleDataError) or a duplicate key of a concurrent insert — says that someone
    else changed the record; any other database error says that nothing was saved (the English
    cause goes to the log, not to the page)."""
    if isinstance(exc, StaleDataError):
        return Conflict(CONFLICT_BG)
    if isinstance(exc, DBAPIError) and _is_duplicate_key(exc):
        return Conflict(CONFLICT_BG)
    log.error("write failed, rolled back: %s: %s", type(exc).__name__, exc, exc_info=exc)
    return SaveFailed(SAVE_FAILED_BG)


def commit_refreshed(
    refresh: Iterable[tuple[int, int]] = (), parts: Iterable[str] | None = None
) -> None:
    """Refresh read models (only the sections of ``parts`` when the save changed only those:
    :func:`refresh_summaries`), then commit; a concurrent edit becomes :class:`Conflict`, another
    database failure :class:`SaveFailed`."""
    try:
        refresh_summaries(refresh, parts)
        db.session.commit()
    except (StaleDataError, DBAPIError) as exc:
        db.session.rollback()
        raise _database_failure(exc) from None
    except Exception:
        db.session.rollback()
        raise


def atomic(work: Callable[[], Any]) -> Any:
    """Run a use-case body; on any error roll the session back (nothing half-saved)."""
    try:
        return work()
    except (StaleDataError, DBAPIError) as exc:
        db.session.rollback()
        raise _database_failure(exc) from None
    except Exception:
        db.session.rollback()
        raise


def parse_date(raw: str | dt.date | None, field_name: str = "date") -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    text = (raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid(msg("date.invalid"), {field_name: msg("date.invalid_field")})


def check_version(obj: Any, version: int | str | None) -> None:
    if version is None or str(version) == "":
        return
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise Conflict(CONFLICT_BG) from None
    if obj.version != expected:
        raise Conflict(CONFLICT_BG)


def reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            msg("common.reason_required"), {"reason": msg("common.reason_required_field")}
        )
    return reason


def active_enrollments(class_id: int) -> list[Enrollment]:
    return list(
        db.session.scalars(
            sa.select(Enrollment)
            .where(Enrollment.class_id == class_id, Enrollment.left_on.is_(None))
            .order_by(Enrollment.class_number)
            .options(sa.orm.joinedload(Enrollment.student))
        )
    )


def student_class(student_id: int) -> SchoolClass | None:
    return db.session.scalar(
        sa.select(SchoolClass)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student_id, Enrollment.left_on.is_(None))
        .order_by(Enrollment.enrolled_on.desc())
    )


def student_in_school(actor: Actor, student_id: int) -> tuple[Student, SchoolClass]:
    student = get_in_school(Student, student_id, actor.school_id)
    klass = student_class(student.id)
    if klass is None:
        raise Invalid(msg("student.not_enrolled"))
    return student, klass


def clean_text(text: str, limit: int, field_name: str = "text") -> str:
    value = (text or "").strip()
    if not value:
        raise Invalid(msg("common.enter_text"), {field_name: msg("common.enter_text")})
    if len(value) > limit:
        raise Invalid(
            msg("common.text_too_long"),
            {field_name: msg("common.text_limit", limit=limit, length=len(value))},
        )
    return value


def optional_text(errors: dict[str, str], text: str | None, limit: int, field_name: str) -> str:
    """An optional text as typed (stripped); over ``limit`` it is an error on its field, never
    cut short (a remark that ended "…разго" was sent so)."""
    value = (text or "").strip()
    if len(value) > limit:
        errors[field_name] = msg("common.text_limit", limit=limit, length=len(value))
    return value


def parse_time(raw: str | dt.time | None, field_name: str, required: bool) -> dt.time | None:
    if isinstance(raw, dt.time):
        return raw
    text = (raw or "").strip()
    if not text:
        if required:
            raise Invalid(msg("time.required"), {field_name: msg("time.required_field")})
        return None
    try:
        return dt.datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise Invalid(msg("time.invalid"), {field_name: msg("time.invalid_field")}) from None


def check_manager_or_author(actor: Actor, obj: Any, forbidden_bg: str) -> None:
    """An absence or remark is changed by its author, the pupil's class teacher or an admin."""
    klass = student_class(obj.student_id)
    if not (
        (klass is not None and actor.can_manage_class(klass.id)) or obj.teacher_id == actor.staff_id
    ):
        raise Forbidden(forbidden_bg)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(msg("access.admin_only"))


def history(
    school_id: int,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    student_id: int | None = None,
) -> list[AuditLog]:
    query = sa.select(AuditLog).where(AuditLog.school_id == school_id)
    if object_type is not None:
        query = query.where(AuditLog.object_type == object_type, AuditLog.object_id == object_id)
    if student_id is not None:
        query = query.where(AuditLog.student_id == student_id)
    return list(db.session.scalars(query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())))


def read_field(errors: dict[str, str], read: Callable[[], T]) -> T | None:
    """One field of a form: ``read()``'s value, or None with its messages added to ``errors``
    (a form reports every wrong field at once, then raises :class:`Invalid`)."""
    try:
        return read()
    except Invalid as exc:
        errors.update(exc.errors)
        return None


def check_fields(errors: Mapping[str, str]) -> None:
    """Refuse a form that reported any wrong field: :class:`Invalid` with every field's message."""
    if errors:
        raise Invalid(msg("common.fix_marked_fields"), errors)


def parse_choice(
    kind: type[E], raw: Any, field_name: str, field_message: str, message: str | None = None
) -> E:
    """The member of the enumeration ``kind`` whose value is ``raw`` (a choice of a form), else
    :class:`Invalid` with ``field_message`` at the field (and ``message``, when given, above)."""
    try:
        return kind(raw)
    except ValueError:
        raise Invalid(message or field_message, {field_name: field_message}) from None


def int_in(raw: Any, low: int, high: int, field_name: str, message: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid(message, {field_name: message}) from None
    if not low <= value <= high:
        raise Invalid(message, {field_name: message})
    return value


def edit_with_reason(
    actor: Actor,
    obj: Any,
    *,
    version: int | str | None,
    reason: str,
    change: Callable[[], None],
) -> None:
    """Correct a row that parents may already have seen: the version the person edited must
    still be the row's (else :class:`Conflict`), a reason is required, ``change`` sets the new
    values (and may still refuse them) and the "update" audit entry keeps before and after."""
    check_version(obj, version)
    update_audited(actor, obj, change, reason=reason_required(reason))


def update_audited(actor: Actor, obj: Any, change: Callable[[], None], *, reason: str = "") -> None:
    """Change a row (``change`` sets the new values) and write its "update" audit entry."""
    before = snapshot(obj)
    change()
    db.session.flush()
    audit(actor, "update", obj, before=before, after=snapshot(obj), reason=reason)


def assign(obj: Any, values: Mapping[str, Any]) -> None:
    """Set the row's attributes to ``values`` (the ``change`` of an edit that sets fields)."""
    for name, value in values.items():
        setattr(obj, name, value)


def write_for_pupil(
    actor: Actor,
    model: type[M],
    object_id: int | None,
    student_id: int,
    values: Mapping[str, Any],
    *,
    created: Mapping[str, Any],
    version: int | str | None,
    reason: str,
    check_editor: Callable[[M], None] = lambda row: None,
) -> M:
    """A pupil's remark or health note, written the same way: without ``object_id`` a new row of
    this school with ``values`` and ``created`` (who wrote it…); with it the pupil's own row,
    which ``check_editor`` lets the actor change, corrected to ``values`` with the edited version
    and a reason (:func:`edit_with_reason`)."""
    if object_id is None:
        row = model(school_id=actor.school_id, student_id=student_id, **created, **values)
        return add_audited(actor, row)
    row = get_of_student(model, object_id, actor, student_id)
    check_editor(row)
    edit_with_reason(actor, row, version=version, reason=reason, change=lambda: assign(row, values))
    return row


def admin_delete(
    actor: Actor,
    model: type[M],
    object_id: int,
    result: Callable[[M], T],
    *,
    refuse: Callable[[M], None] | None = None,
    cleanup: Callable[[M], Any] | None = None,
) -> T:
    """Admin: delete a row of the school, audited ("delete" with the row as it was) and
    committed; ``refuse(row)`` may stop it first (rows depend on it), ``result(row)`` is what
    the caller gets back (taken before the row goes), ``cleanup(row)`` removes what goes with it."""

    def work() -> T:
        require_admin(actor)
        obj = get_in_school(model, object_id, actor.school_id)
        if refuse is not None:
            refuse(obj)
        out = result(obj)
        audit(actor, "delete", obj, before=snapshot(obj), after=None)
        if cleanup is not None:
            cleanup(obj)
        db.session.delete(obj)
        commit_refreshed()
        return out

    return atomic(work)


def cancel_notices(
    object_type: str, obj: Any, student_id: int, year_id: int
) -> list[tuple[int, int]]:
    """The usual ``withdraw`` of :func:`delete_with_reason`: the row's pending notices are
    cancelled (nothing is sent of a row that is gone) and one pupil's read model is refreshed."""
    outbox.cancel_for_object(object_type, obj.id)
    return [(student_id, year_id)]


def delete_with_reason(
    actor: Actor,
    model: type[M],
    object_id: int,
    *,
    reason: str,
    check: Callable[[M], T],
    withdraw: Callable[[M, T, str], Iterable[tuple[int, int]]],
    version: int | str | None = None,
    lock_what: str | None = None,
    override_lock: bool = False,
    refresh_parts: Iterable[str] | None = None,
) -> None:
    """Delete one row of this school with a reason, in one transaction, the same way for every
    topic (a grade, an absence, a remark, a health note, an event, a meeting):

    the row must be in the actor's school (else :class:`NotFound`); ``check(row)`` raises
    :class:`Forbidden` when the actor may not delete it and returns what ``withdraw`` needs (the
    pupil's class…); the edited ``version`` must still be the row's; a reason is required; with
    ``lock_what`` the row's ``date`` must not be locked (``override_lock``: an admin's audited
    override of the month lock); the "delete" audit entry keeps the row as it was;
    ``withdraw(row, checked, why)`` takes back what the families were told of it (cancels the
    pending notices, or tells those already told) and returns the (student id, school year id)
    pairs whose read model to refresh (only the sections of ``refresh_parts`` when given:
    :func:`commit_refreshed`); then the row is deleted and all is committed."""

    def work() -> None:
        obj = get_in_school(model, object_id, actor.school_id)
        checked = check(obj)
        check_version(obj, version)
        why = reason_required(reason)
        if lock_what is not None:
            year = db.session.get(SchoolYear, obj.school_year_id)
            assert year is not None
            check_lock(actor, year, obj.date, override=override_lock, what=lock_what)
        audit(actor, "delete", obj, before=snapshot(obj), after=None, reason=why)
        refresh = list(withdraw(obj, checked, why))
        db.session.delete(obj)
        db.session.flush()
        commit_refreshed(refresh, refresh_parts)

    atomic(work)
