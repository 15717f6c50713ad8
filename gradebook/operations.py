"""Use-cases of the staff web: every write a teacher or a school admin makes.

Each public function takes an :class:`Actor` (who acts, in which school, with which rights),
validates with :mod:`gradebook.rules`, checks rights and entry locks, writes the change, the
audit trail (before/after JSON), the notification outbox rows and the refreshed read model, and
commits it all in ONE transaction — or raises and leaves nothing behind:

* :class:`Forbidden` (403) — no right to this object; :class:`NotFound` (404) — no such object
  *in this school* (objects of other schools are reported as missing, never as forbidden);
* :class:`Invalid` — bad input, with ``errors`` = {field: Bulgarian message};
* :class:`Locked` — the entry date is locked (month lock / future lock);
* :class:`Conflict` — someone else changed the row first (optimistic locking);
* :class:`SaveFailed` (503) — the database refused or failed the write for any other reason
  (it is down, a trigger refused a row): nothing was saved, the person may simply try again.

All of them subclass :class:`OperationError`, whose ``message_bg`` is for people.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.security import generate_password_hash

from config import clock
from gradebook import rules, summary
from gradebook.messages import Text, msg
from models import (
    Absence,
    AbsenceKind,
    AuditLog,
    BellTime,
    Curriculum,
    CurriculumSection,
    Enrollment,
    Event,
    EventKind,
    ExcuseReason,
    Grade,
    GradeCategory,
    GradeKind,
    Guardian,
    GuardianStudent,
    HealthNote,
    Message,
    MessageThread,
    NonSchoolDay,
    NotificationOutbox,
    NotifyEvent,
    OutboxStatus,
    ParentMeeting,
    Relation,
    Remark,
    RemarkKind,
    SchoolClass,
    SchoolYear,
    SopMark,
    StaffMembership,
    StaffRole,
    StaffUser,
    Student,
    StudentSummary,
    Subject,
    TimetableSlot,
    db,
)
from notify import outbox

M = TypeVar("M")
log = logging.getLogger("belezhnik.staff")


# --- errors --------------------------------------------------------------------------------------
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


# --- who acts ---------------------------------------------------------------------------------------
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


# --- small helpers -----------------------------------------------------------------------------------
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


def refresh_summaries(pairs: Iterable[tuple[int, int]]) -> None:
    """Rebuild the read model of several students in the caller's transaction.

    One or two students: ``summary.refresh_student`` each. More (a grade column, a class event):
    their payloads are built together with ``summary.build_payloads`` (a fixed number of
    queries), stored, and ``refresh_student`` is called once per class to store its last pupil
    and rebuild the class aggregate from the stored rows — the same result, much faster."""
    by_year: dict[int, set[int]] = {}
    for student_id, year_id in pairs:
        by_year.setdefault(year_id, set()).add(student_id)
    for year_id, ids in sorted(by_year.items()):
        if len(ids) <= 2:
            for student_id in sorted(ids):
                summary.refresh_student(student_id, year_id)
            continue
        year = db.session.get(SchoolYear, year_id)
        if year is None:
            continue
        payloads = summary.build_payloads(year, ids)
        last_of_class: dict[Any, int] = {}
        for student_id in sorted(payloads):
            last_of_class[payloads[student_id]["student"].get("class_id")] = student_id
        finishers = set(last_of_class.values())
        existing = {
            row.student_id: row
            for row in db.session.scalars(
                sa.select(StudentSummary).where(
                    StudentSummary.school_year_id == year_id,
                    StudentSummary.student_id.in_(list(payloads)),
                )
            )
        }
        now = clock.utc_naive()
        for student_id, payload in payloads.items():
            if student_id in finishers:
                continue
            row = existing.get(student_id)
            if row is None:
                row = StudentSummary(
                    student_id=student_id, school_year_id=year_id, school_id=year.school_id
                )
                db.session.add(row)
            row.payload = payload
            row.computed_at = now
        for student_id in sorted(finishers):
            summary.refresh_student(student_id, year_id)


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


def _commit(refresh: Iterable[tuple[int, int]] = ()) -> None:
    """Refresh read models, then commit; a concurrent edit becomes :class:`Conflict`, another
    database failure :class:`SaveFailed`."""
    try:
        refresh_summaries(refresh)
        db.session.commit()
    except (StaleDataError, DBAPIError) as exc:
        db.session.rollback()
        raise _database_failure(exc) from None
    except Exception:
        db.session.rollback()
        raise


def _run(work: Callable[[], Any]) -> Any:
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


def _check_version(obj: Any, version: int | str | None) -> None:
    if version is None or str(version) == "":
        return
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise Conflict(CONFLICT_BG) from None
    if obj.version != expected:
        raise Conflict(CONFLICT_BG)


def _reason_required(reason: str) -> str:
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


def _grade_notices(
    grades: list[Grade], students: dict[int, Student], subject: Subject
) -> list[outbox.Notice]:
    """One outbox notice per saved grade (a column's in one batch)."""
    return [
        outbox.Notice(
            object_type="grade",
            object_id=grade.id,
            student_ids=(grade.student_id,),
            event=NotifyEvent.GRADE,
            payload=_grade_payload(grade, students[grade.student_id], subject),
        )
        for grade in grades
    ]


def _grade_payload(grade: Grade, student: Student, subject: Subject) -> dict[str, Any]:
    if grade.category == GradeCategory.SOP and grade.sop_mark:
        text = rules.sop_word(grade.sop_mark.value)
    elif grade.category == GradeCategory.QUALITATIVE and grade.value is not None:
        text = rules.qualitative_word(int(grade.value))
    else:
        places = 0 if grade.kind in (GradeKind.TERM, GradeKind.ANNUAL) else 2
        text = rules.grade_text(grade.value, places) if grade.value is not None else ""
    payload: dict[str, Any] = {
        "student": student.first_name,
        "subject": subject.name,
        "kind": grade.kind.value,
        "final": grade.kind in (GradeKind.TERM, GradeKind.ANNUAL),
        "kind_bg": rules.GRADE_KINDS.get(grade.kind.value, grade.kind.value),
        "value": str(grade.value) if grade.value is not None else None,
        "sop_mark": grade.sop_mark.value if grade.sop_mark else None,
        "text": text,
        "date": grade.date.isoformat(),
        "date_bg": rules.format_date_bg(grade.date),
    }
    if grade.category == GradeCategory.SOP:
        payload["sop"] = text
    return payload


# --- grades -------------------------------------------------------------------------------------------
SOP_KEYS = {"з": SopMark.DIFFICULTIES, "с": SopMark.COPES, "п": SopMark.MEETS}


def parse_grade_input(
    raw: str, grade_level: int, kind: str, sop_student: bool = False
) -> tuple[GradeCategory, Decimal | None, SopMark | None]:
    """Typed grade → (category, value, sop_mark), or :class:`rules.RuleError` (Bulgarian)."""
    text = (raw or "").strip().lower()
    if sop_student and text in SOP_KEYS:
        return GradeCategory.SOP, None, SOP_KEYS[text]
    if not text:
        raise rules.RuleError("empty grade", msg("grade.empty"), "grade.empty")
    rules.check_grade(text, grade_level, kind)
    value = rules.to_decimal(text).quantize(Decimal("0.01"))
    category = GradeCategory.QUALITATIVE if grade_level <= 3 else GradeCategory.QUANTITATIVE
    return category, value, None


def _grade_curriculum(actor: Actor, curriculum_id: int) -> Curriculum:
    curriculum = get_in_school(Curriculum, curriculum_id, actor.school_id)
    if not actor.can_write_grades(curriculum):
        raise Forbidden(msg("grade.forbidden"))
    return curriculum


@dataclass
class ColumnResult:
    grades: list[Grade]
    errors: dict[str, str]


def save_grade_column(
    actor: Actor,
    curriculum_id: int,
    *,
    kind: str,
    date: str | dt.date,
    values: Mapping[int, str],
    comment: str = "",
    override_lock: bool = False,
) -> list[Grade]:
    """Save one column of the grade grid: one kind and date, one grade per typed student.

    ``values`` maps student id → typed text ("" = no grade). Every value is checked first; on
    any error :class:`Invalid` carries ``errors`` keyed ``g<student_id>`` and nothing is saved.
    """

    def work() -> list[Grade]:
        curriculum = _grade_curriculum(actor, curriculum_id)
        klass = curriculum.school_class
        errors: dict[str, str] = {}
        if kind not in rules.CURRENT_KINDS:
            errors["kind"] = msg("grade.choose_kind")
        try:
            day = parse_date(date)
        except Invalid as exc:
            errors.update(exc.errors)
            day = None
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        assert day is not None
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, override=override_lock, what="grade column")
        students = {e.student_id: e.student for e in active_enrollments(klass.id)}
        parsed: dict[int, tuple[GradeCategory, Decimal | None, SopMark | None]] = {}
        for student_id, raw in values.items():
            if not (raw or "").strip():
                continue
            if student_id not in students:
                raise NotFound(msg("student.not_in_class"))
            try:
                parsed[student_id] = parse_grade_input(
                    raw, klass.grade_level, kind, students[student_id].sop
                )
            except rules.RuleError as exc:
                errors[f"g{student_id}"] = exc.message_bg
        if errors:
            raise Invalid(msg("grade.column_invalid"), errors)
        if not parsed:
            raise Invalid(msg("grade.column_empty"), {"column": msg("grade.column_empty_field")})
        term = year.term_of(day)
        saved: list[Grade] = []
        for student_id, (category, value, sop_mark) in parsed.items():
            grade = Grade(
                school_id=actor.school_id,
                school_year_id=year.id,
                student_id=student_id,
                curriculum_id=curriculum.id,
                subject_id=curriculum.subject_id,
                teacher_id=actor.staff_id,
                term=term,
                kind=GradeKind(kind),
                category=category,
                value=value,
                sop_mark=sop_mark,
                date=day,
                comment=(comment or "")[:500],
            )
            db.session.add(grade)
            saved.append(grade)
        db.session.flush()
        subject = curriculum.subject
        for grade in saved:
            audit(actor, "create", grade, before=None, after=snapshot(grade))
        db.session.flush()  # the audit rows in one batch, before the outbox reads autoflush
        # the whole column's messages in a fixed number of queries (not ~4 per grade)
        outbox.enqueue_many(
            _grade_notices(saved, students, subject),
            school_id=actor.school_id,
        )
        _commit((g.student_id, year.id) for g in saved)
        return saved

    return _run(work)


def record_grade(
    actor: Actor,
    curriculum_id: int,
    student_id: int,
    *,
    kind: str,
    date: str | dt.date,
    value: str,
    comment: str = "",
    override_lock: bool = False,
) -> Grade:
    """One current grade (a column of one)."""
    try:
        return save_grade_column(
            actor,
            curriculum_id,
            kind=kind,
            date=date,
            values={student_id: value},
            comment=comment,
            override_lock=override_lock,
        )[0]
    except Invalid as exc:
        key = f"g{student_id}"
        if key in exc.errors:
            exc.errors["value"] = exc.errors.pop(key)
        raise


def update_grade(
    actor: Actor,
    grade_id: int,
    *,
    value: str,
    kind: str | None = None,
    date: str | dt.date | None = None,
    comment: str | None = None,
    version: int | str | None,
    reason: str,
    override_lock: bool = False,
) -> Grade:
    def work() -> Grade:
        grade = get_in_school(Grade, grade_id, actor.school_id)
        curriculum = _grade_curriculum(actor, grade.curriculum_id)
        _check_version(grade, version)
        why = _reason_required(reason)
        year = db.session.get(SchoolYear, grade.school_year_id)
        assert year is not None
        new_kind = kind or grade.kind.value
        new_day = parse_date(date) if date else grade.date
        check_lock(actor, year, grade.date, override=override_lock, what="grade update")
        if new_day != grade.date:
            check_lock(actor, year, new_day, override=override_lock, what="grade update")
        try:
            category, val, sop = parse_grade_input(
                value, curriculum.school_class.grade_level, new_kind, grade.student.sop
            )
        except rules.RuleError as exc:
            raise Invalid(exc.message_bg, {"value": exc.message_bg}) from None
        if new_kind in rules.FINAL_KINDS and grade.kind.value not in rules.FINAL_KINDS:
            raise Invalid(msg("grade.kind_not_final"), {"kind": "—"})
        before = snapshot(grade)
        grade.kind = GradeKind(new_kind)
        grade.category, grade.value, grade.sop_mark = category, val, sop
        grade.date = new_day
        if grade.kind not in (GradeKind.TERM, GradeKind.ANNUAL):
            grade.term = year.term_of(new_day)
        if comment is not None:
            grade.comment = comment[:500]
        grade.teacher_id = grade.teacher_id or actor.staff_id
        db.session.flush()
        audit(actor, "update", grade, before=before, after=snapshot(grade), reason=why)
        outbox.enqueue_for_students(
            [grade.student_id],
            NotifyEvent.GRADE,
            school_id=actor.school_id,
            object_type="grade",
            object_id=grade.id,
            payload={**_grade_payload(grade, grade.student, grade.subject), "changed": True},
        )
        _commit([(grade.student_id, year.id)])
        return grade

    return _run(work)


def delete_grade(
    actor: Actor,
    grade_id: int,
    *,
    version: int | str | None,
    reason: str,
    override_lock: bool = False,
) -> None:
    def work() -> None:
        grade = get_in_school(Grade, grade_id, actor.school_id)
        _grade_curriculum(actor, grade.curriculum_id)
        _check_version(grade, version)
        why = _reason_required(reason)
        year = db.session.get(SchoolYear, grade.school_year_id)
        assert year is not None
        check_lock(actor, year, grade.date, override=override_lock, what="grade delete")
        before = snapshot(grade)
        audit(actor, "delete", grade, before=before, after=None, reason=why)
        outbox.cancel_for_object("grade", grade.id)
        student_id = grade.student_id
        db.session.delete(grade)
        db.session.flush()
        _commit([(student_id, year.id)])

    _run(work)


def save_final_grades(
    actor: Actor,
    curriculum_id: int,
    *,
    kind: str,
    term: int | None,
    values: Mapping[int, str],
    versions: Mapping[int, str] | None = None,
    reason: str = "",
) -> list[Grade]:
    """Term (срочна) or annual (годишна) grades of a class in one subject: whole numbers 2–6,
    qualitative words in I–III (no term grades in I–III, no annual grade in I). A typed value
    replaces the student's existing final grade (audited as an update); "" leaves it as is."""

    def work() -> list[Grade]:
        curriculum = _grade_curriculum(actor, curriculum_id)
        klass = curriculum.school_class
        if kind not in rules.FINAL_KINDS:
            raise Invalid(msg("grade.unknown_kind"), {"kind": msg("grade.unknown_kind")})
        the_term = term if kind == rules.KIND_TERM else None
        if kind == rules.KIND_TERM and the_term not in (1, 2):
            raise Invalid(msg("common.choose_term"), {"term": msg("common.choose_term")})
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        students = {e.student_id: e.student for e in active_enrollments(klass.id)}
        existing = {
            g.student_id: g
            for g in db.session.scalars(
                sa.select(Grade).where(
                    Grade.curriculum_id == curriculum.id,
                    Grade.kind == GradeKind(kind),
                    Grade.term.is_(None) if the_term is None else Grade.term == the_term,
                )
            )
        }
        errors: dict[str, str] = {}
        parsed: dict[int, Decimal] = {}
        for student_id, raw in values.items():
            text = (raw or "").strip()
            if not text:
                continue
            if student_id not in students:
                raise NotFound(msg("student.not_in_class"))
            try:
                rules.check_final_grade(text, klass.grade_level, kind)
                parsed[student_id] = rules.to_decimal(text).quantize(Decimal("0.01"))
            except rules.RuleError as exc:
                errors[f"g{student_id}"] = exc.message_bg
        for student_id in parsed:
            grade = existing.get(student_id)
            if grade is not None and versions is not None:
                given = versions.get(student_id)
                if given not in (None, "") and str(grade.version) != str(given):
                    errors[f"g{student_id}"] = CONFLICT_BG
        if errors:
            raise Invalid(msg("grade.column_invalid"), errors)
        day = clock.today()
        category = (
            GradeCategory.QUALITATIVE if klass.grade_level <= 3 else (GradeCategory.QUANTITATIVE)
        )
        saved: list[Grade] = []
        for student_id, value in parsed.items():
            grade = existing.get(student_id)
            if grade is not None and grade.value == value:
                continue
            if grade is None:
                grade = Grade(
                    school_id=actor.school_id,
                    school_year_id=year.id,
                    student_id=student_id,
                    curriculum_id=curriculum.id,
                    subject_id=curriculum.subject_id,
                    teacher_id=actor.staff_id,
                    term=the_term,
                    kind=GradeKind(kind),
                    category=category,
                    value=value,
                    date=min(day, year.ends_on),
                )
                db.session.add(grade)
                db.session.flush()
                audit(actor, "create", grade, before=None, after=snapshot(grade), reason=reason)
            else:
                before = snapshot(grade)
                grade.value, grade.category, grade.sop_mark = value, category, None
                db.session.flush()
                audit(
                    actor,
                    "update",
                    grade,
                    before=before,
                    after=snapshot(grade),
                    reason=reason or "final grade changed",
                )
            saved.append(grade)
        outbox.enqueue_many(
            _grade_notices(saved, students, curriculum.subject),
            school_id=actor.school_id,
        )
        _commit((g.student_id, year.id) for g in saved)
        return saved

    return _run(work)


# --- absences ------------------------------------------------------------------------------------------
def _non_school_day(year: SchoolYear, day: dt.date, grade_level: int) -> NonSchoolDay | None:
    return db.session.scalar(
        sa.select(NonSchoolDay).where(
            NonSchoolDay.school_year_id == year.id,
            NonSchoolDay.date_from <= day,
            NonSchoolDay.date_to >= day,
            NonSchoolDay.grade_from <= grade_level,
            NonSchoolDay.grade_to >= grade_level,
        )
    )


def can_take_register(actor: Actor, slot: TimetableSlot) -> bool:
    return (
        actor.can_manage_class(slot.class_id)
        or slot.curriculum_id in actor.curriculum_ids
        or slot.teacher_id == actor.staff_id
    )


LESSON_MARKS = {"absent": AbsenceKind.UNEXCUSED, "late": AbsenceKind.LATE}


def save_lesson_absences(
    actor: Actor,
    slot_id: int,
    *,
    date: str | dt.date,
    marks: Mapping[int, str],
    override_lock: bool = False,
) -> dict[str, int]:
    """The register of one lesson: ``marks`` maps student id → "absent" / "late" / "" (present).

    Every student of the class not in ``marks`` counts as present. New marks are created,
    changed marks updated (an excused absence stays excused), marks taken back deleted (and their
    pending notifications cancelled). Returns counts {"created", "updated", "deleted"}."""

    def work() -> dict[str, int]:
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        if not can_take_register(actor, slot):
            raise Forbidden(msg("absence.forbidden"))
        klass = slot.school_class
        day = parse_date(date)
        if day.isoweekday() != slot.weekday:
            raise Invalid(
                msg("absence.slot_not_on_day"),
                {"date": msg("absence.weekday_mismatch")},
            )
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, override=override_lock, what="lesson absences")
        holiday = _non_school_day(year, day, klass.grade_level)
        if holiday is not None:
            raise Invalid(
                msg("absence.non_school_day", date=rules.format_date_bg(day), name=holiday.name),
                {"date": msg("absence.non_school_day_field")},
            )
        term = year.term_of(day)
        if slot.term is not None and slot.term != term:
            raise Invalid(msg("absence.slot_other_term"), {"date": msg("absence.other_term_field")})
        students = {e.student_id: e.student for e in active_enrollments(klass.id)}
        wanted: dict[int, AbsenceKind] = {}
        for student_id, mark in marks.items():
            if student_id not in students:
                raise NotFound(msg("student.not_in_class"))
            if mark in LESSON_MARKS:
                wanted[student_id] = LESSON_MARKS[mark]
            elif mark not in ("", "present", None):
                raise Invalid(
                    msg("absence.unknown_mark"), {f"a{student_id}": msg("absence.unknown_mark")}
                )
        existing = {
            a.student_id: a
            for a in db.session.scalars(
                sa.select(Absence).where(
                    Absence.student_id.in_(list(students)),
                    Absence.date == day,
                    Absence.period == slot.period,
                )
            )
        }
        counts = {"created": 0, "updated": 0, "deleted": 0}
        notify: list[Absence] = []
        taken_back: list[int] = []
        for student_id in students:
            old = existing.get(student_id)
            new_kind = wanted.get(student_id)
            if old is None and new_kind is None:
                continue
            if old is None:
                absence = Absence(
                    school_id=actor.school_id,
                    school_year_id=year.id,
                    student_id=student_id,
                    date=day,
                    period=slot.period,
                    term=term,
                    subject_id=slot.subject_id,
                    curriculum_id=slot.curriculum_id,
                    kind=new_kind,
                    teacher_id=actor.staff_id,
                )
                db.session.add(absence)
                db.session.flush()
                audit(actor, "create", absence, before=None, after=snapshot(absence))
                notify.append(absence)
                counts["created"] += 1
            elif new_kind is None:
                audit(actor, "delete", old, before=snapshot(old), after=None, reason="present")
                taken_back.append(old.id)
                db.session.delete(old)
                counts["deleted"] += 1
            elif old.kind == AbsenceKind.EXCUSED and new_kind == AbsenceKind.UNEXCUSED:
                continue  # already excused: the register does not undo an excuse
            elif old.kind != new_kind:
                before = snapshot(old)
                old.kind = new_kind
                old.excuse_reason = None
                db.session.flush()
                audit(actor, "update", old, before=before, after=snapshot(old))
                notify.append(old)
                counts["updated"] += 1
        db.session.flush()
        outbox.cancel_for_objects("absence", taken_back)
        subject_name = slot.subject.name
        outbox.enqueue_many(
            [
                outbox.Notice(
                    object_type="absence",
                    object_id=absence.id,
                    student_ids=(absence.student_id,),
                    event=(
                        NotifyEvent.LATE
                        if absence.kind == AbsenceKind.LATE
                        else NotifyEvent.ABSENCE
                    ),
                    payload={
                        "student": students[absence.student_id].first_name,
                        "subject": subject_name,
                        "kind": absence.kind.value,
                        "period": absence.period,
                        "date": day.isoformat(),
                        "date_bg": rules.format_date_bg(day),
                    },
                )
                for absence in notify
            ],
            school_id=actor.school_id,
        )
        _commit((sid, year.id) for sid in set(wanted) | set(existing))
        return counts

    return _run(work)


def excuse_absences(
    actor: Actor,
    absence_ids: Iterable[int],
    *,
    reason: str,
    comment: str = "",
    override_lock: bool = False,
) -> int:
    """Excuse several absences at once (e.g. a whole sick week): class teacher or admin."""

    def work() -> int:
        ids = sorted({int(i) for i in absence_ids})
        if not ids:
            raise Invalid(msg("absence.choose"), {"absences": msg("absence.choose_field")})
        try:
            why = ExcuseReason(reason)
        except ValueError:
            raise Invalid(
                msg("absence.choose_reason"), {"reason": msg("absence.choose_reason_field")}
            ) from None
        absences = []
        for absence_id in ids:
            absence = get_in_school(Absence, absence_id, actor.school_id)
            klass = student_class(absence.student_id)
            if klass is None or not actor.can_manage_class(klass.id):
                raise Forbidden(msg("absence.excuse_forbidden"))
            if absence.kind == AbsenceKind.LATE:
                raise Invalid(
                    msg("absence.late_not_excused"), {"absences": msg("absence.late_not_excused")}
                )
            absences.append(absence)
        touched: set[tuple[int, int]] = set()
        for absence in absences:
            year = db.session.get(SchoolYear, absence.school_year_id)
            assert year is not None
            check_lock(actor, year, absence.date, override=override_lock, what="excuse")
            before = snapshot(absence)
            absence.kind = AbsenceKind.EXCUSED
            absence.excuse_reason = why
            absence.excuse_comment = (comment or "")[:500]
            absence.excused_by_parent = False
            db.session.flush()
            audit(actor, "update", absence, before=before, after=snapshot(absence), reason="excuse")
            touched.add((absence.student_id, year.id))
        outbox.cancel_for_objects("absence", [a.id for a in absences])
        _commit(touched)
        return len(absences)

    return _run(work)


def unexcused_between(
    actor: Actor, class_id: int, student_id: int, date_from: Any, date_to: Any
) -> list[int]:
    """Ids of a pupil's unexcused absences in a date range (a sick week), for excusing at once.
    Only the class teacher or an admin; the pupil must be in the class."""
    if not actor.can_manage_class(class_id):
        raise Forbidden(msg("absence.excuse_forbidden"))
    if student_id not in {e.student_id for e in active_enrollments(class_id)}:
        raise Invalid(
            msg("common.choose_student"), {"student_id": msg("common.choose_student_of_class")}
        )
    start = parse_date(date_from, "date_from")
    end = parse_date(date_to or date_from, "date_to")
    if end < start:
        raise Invalid(msg("date.end_before_start"), {"date_to": msg("date.end_before_start")})
    ids = list(
        db.session.scalars(
            sa.select(Absence.id).where(
                Absence.school_id == actor.school_id,
                Absence.student_id == student_id,
                Absence.kind == AbsenceKind.UNEXCUSED,
                Absence.date >= start,
                Absence.date <= end,
            )
        )
    )
    if not ids:
        raise Invalid(
            msg("absence.none_unexcused"),
            {"date_from": msg("absence.none_unexcused")},
        )
    return ids


def delete_absence(
    actor: Actor, absence_id: int, *, version: int | str | None, reason: str
) -> None:
    def work() -> None:
        absence = get_in_school(Absence, absence_id, actor.school_id)
        klass = student_class(absence.student_id)
        if not (
            (klass is not None and actor.can_manage_class(klass.id))
            or absence.teacher_id == actor.staff_id
        ):
            raise Forbidden(msg("absence.delete_forbidden"))
        _check_version(absence, version)
        why = _reason_required(reason)
        year = db.session.get(SchoolYear, absence.school_year_id)
        assert year is not None
        check_lock(actor, year, absence.date, what="absence delete")
        audit(actor, "delete", absence, before=snapshot(absence), after=None, reason=why)
        outbox.cancel_for_object("absence", absence.id)
        student_id = absence.student_id
        db.session.delete(absence)
        _commit([(student_id, year.id)])

    _run(work)


# --- remarks and praises -------------------------------------------------------------------------------
def _student_in_school(actor: Actor, student_id: int) -> tuple[Student, SchoolClass]:
    student = get_in_school(Student, student_id, actor.school_id)
    klass = student_class(student.id)
    if klass is None:
        raise Invalid(msg("student.not_enrolled"))
    return student, klass


def can_write_remark(actor: Actor, class_id: int) -> bool:
    return actor.can_view_class(class_id)


def _clean_text(text: str, limit: int, field_name: str = "text") -> str:
    value = (text or "").strip()
    if not value:
        raise Invalid(msg("common.enter_text"), {field_name: msg("common.enter_text")})
    if len(value) > limit:
        raise Invalid(
            msg("common.text_too_long"),
            {field_name: msg("common.text_limit", limit=limit, length=len(value))},
        )
    return value


def save_remark(
    actor: Actor,
    *,
    student_id: int,
    kind: str,
    text: str,
    date: str | dt.date,
    subject_id: int | None = None,
    remark_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> Remark:
    """Create (``remark_id`` None) or edit a remark/praise. Any teacher of the class, its class
    teacher or an admin may write one; only the author, the class teacher or an admin edit it."""

    def work() -> Remark:
        student, klass = _student_in_school(actor, student_id)
        if not can_write_remark(actor, klass.id):
            raise Forbidden(msg("remark.forbidden"))
        errors: dict[str, str] = {}
        try:
            the_kind = RemarkKind(kind)
        except ValueError:
            errors["kind"] = msg("remark.choose_kind")
        try:
            body = _clean_text(text, 1000)
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            day = parse_date(date)
        except Invalid as exc:
            errors.update(exc.errors)
        if subject_id:
            try:
                get_in_school(Subject, subject_id, actor.school_id)
            except NotFound:
                errors["subject_id"] = msg("remark.unknown_subject")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, what="remark")
        if remark_id is None:
            remark = Remark(
                school_id=actor.school_id,
                school_year_id=year.id,
                student_id=student.id,
                kind=the_kind,
                text=body,
                date=day,
                subject_id=subject_id or None,
                teacher_id=actor.staff_id,
            )
            db.session.add(remark)
            db.session.flush()
            audit(actor, "create", remark, before=None, after=snapshot(remark))
        else:
            remark = get_in_school(Remark, remark_id, actor.school_id)
            if remark.student_id != student.id:
                raise NotFound(msg("common.not_found"))
            if not (actor.can_manage_class(klass.id) or remark.teacher_id == actor.staff_id):
                raise Forbidden(msg("remark.edit_forbidden"))
            _check_version(remark, version)
            why = _reason_required(reason)
            before = snapshot(remark)
            remark.kind, remark.text, remark.date = the_kind, body, day
            remark.subject_id = subject_id or None
            db.session.flush()
            audit(actor, "update", remark, before=before, after=snapshot(remark), reason=why)
        event = NotifyEvent.PRAISE if remark.kind == RemarkKind.PRAISE else NotifyEvent.REMARK
        outbox.enqueue_for_students(
            [student.id],
            event,
            school_id=actor.school_id,
            object_type="remark",
            object_id=remark.id,
            payload={
                "student": student.first_name,
                "kind": remark.kind.value,
                "text": remark.text,
                "date": day.isoformat(),
                "date_bg": rules.format_date_bg(day),
            },
        )
        _commit([(student.id, year.id)])
        return remark

    return _run(work)


def delete_remark(actor: Actor, remark_id: int, *, version: int | str | None, reason: str) -> None:
    def work() -> None:
        remark = get_in_school(Remark, remark_id, actor.school_id)
        klass = student_class(remark.student_id)
        if not (
            (klass is not None and actor.can_manage_class(klass.id))
            or remark.teacher_id == actor.staff_id
        ):
            raise Forbidden(msg("remark.delete_forbidden"))
        _check_version(remark, version)
        why = _reason_required(reason)
        audit(actor, "delete", remark, before=snapshot(remark), after=None, reason=why)
        outbox.cancel_for_object("remark", remark.id)
        student_id, year_id = remark.student_id, remark.school_year_id
        db.session.delete(remark)
        _commit([(student_id, year_id)])

    _run(work)


# --- health notes ------------------------------------------------------------------------------------
def save_health_note(
    actor: Actor,
    *,
    student_id: int,
    text: str,
    date_from: str | dt.date,
    date_to: str | dt.date | None = None,
    note_id: int | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> HealthNote:
    """Class teacher or admin only. No diagnoses (the form says so)."""

    def work() -> HealthNote:
        student, klass = _student_in_school(actor, student_id)
        if not actor.can_manage_class(klass.id):
            raise Forbidden(msg("health.forbidden"))
        errors: dict[str, str] = {}
        try:
            body = _clean_text(text, 1000)
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            start = parse_date(date_from, "date_from")
        except Invalid as exc:
            errors.update(exc.errors)
            start = None
        end = None
        if date_to:
            try:
                end = parse_date(date_to, "date_to")
            except Invalid as exc:
                errors.update(exc.errors)
        if start and end and end < start:
            errors["date_to"] = msg("date.end_before_start")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        if note_id is None:
            note = HealthNote(
                school_id=actor.school_id,
                student_id=student.id,
                text=body,
                date_from=start,
                date_to=end,
                author_id=actor.staff_id,
            )
            db.session.add(note)
            db.session.flush()
            audit(actor, "create", note, before=None, after=snapshot(note))
        else:
            note = get_in_school(HealthNote, note_id, actor.school_id)
            if note.student_id != student.id:
                raise NotFound(msg("common.not_found"))
            _check_version(note, version)
            why = _reason_required(reason)
            before = snapshot(note)
            note.text, note.date_from, note.date_to = body, start, end
            db.session.flush()
            audit(actor, "update", note, before=before, after=snapshot(note), reason=why)
        outbox.enqueue_for_students(
            [student.id],
            NotifyEvent.HEALTH,
            school_id=actor.school_id,
            object_type="health_note",
            object_id=note.id,
            payload={"student": student.first_name, "date": start.isoformat()},
        )
        _commit([(student.id, klass.school_year_id)])
        return note

    return _run(work)


def delete_health_note(
    actor: Actor, note_id: int, *, version: int | str | None, reason: str
) -> None:
    def work() -> None:
        note = get_in_school(HealthNote, note_id, actor.school_id)
        klass = student_class(note.student_id)
        if klass is None or not actor.can_manage_class(klass.id):
            raise Forbidden(msg("health.forbidden"))
        _check_version(note, version)
        why = _reason_required(reason)
        audit(actor, "delete", note, before=snapshot(note), after=None, reason=why)
        outbox.cancel_for_object("health_note", note.id)
        student_id = note.student_id
        db.session.delete(note)
        _commit([(student_id, klass.school_year_id)])

    _run(work)


# --- events and parent meetings ----------------------------------------------------------------------
def _class_student_ids(class_id: int | None, school_id: int) -> list[int]:
    query = sa.select(Enrollment.student_id).where(
        Enrollment.school_id == school_id, Enrollment.left_on.is_(None)
    )
    if class_id is not None:
        query = query.where(Enrollment.class_id == class_id)
    return list(db.session.scalars(query))


def _parse_time(raw: str | dt.time | None, field_name: str, required: bool) -> dt.time | None:
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


def save_event(
    actor: Actor,
    *,
    kind: str,
    title: str,
    date: str | dt.date,
    class_id: int | None,
    subject_id: int | None = None,
    description: str = "",
    time: str | dt.time | None = None,
    event_id: int | None = None,
) -> Event:
    """A test, class work or school event. Class events: a teacher of the class, its class
    teacher or an admin; school-wide events (no class): admins only."""

    def work() -> Event:
        errors: dict[str, str] = {}
        try:
            the_kind = EventKind(kind)
        except ValueError:
            errors["kind"] = msg("common.choose_kind")
        try:
            the_title = _clean_text(title, 200, "title")
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            day = parse_date(date)
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            at = _parse_time(time, "time", False)
        except Invalid as exc:
            errors.update(exc.errors)
        if class_id:
            klass = get_in_school(SchoolClass, class_id, actor.school_id)
            if not actor.can_view_class(klass.id):
                raise Forbidden(msg("event.class_forbidden"))
        elif not actor.is_admin:
            raise Forbidden(msg("event.school_admin_only"))
        if subject_id:
            get_in_school(Subject, subject_id, actor.school_id)
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        year = current_year(actor.school_id)
        if event_id is None:
            event = Event(
                school_id=actor.school_id,
                school_year_id=year.id,
                author_id=actor.staff_id,
                kind=the_kind,
                title=the_title,
                date=day,
                time=at,
                class_id=class_id or None,
                subject_id=subject_id or None,
                description=(description or "")[:2000],
            )
            db.session.add(event)
            db.session.flush()
            audit(actor, "create", event, before=None, after=snapshot(event))
        else:
            event = get_in_school(Event, event_id, actor.school_id)
            if not (actor.is_admin or event.author_id == actor.staff_id):
                raise Forbidden(msg("event.edit_forbidden"))
            before = snapshot(event)
            event.kind, event.title, event.date, event.time = the_kind, the_title, day, at
            event.class_id, event.subject_id = class_id or None, subject_id or None
            event.description = (description or "")[:2000]
            db.session.flush()
            audit(actor, "update", event, before=before, after=snapshot(event))
        student_ids = _class_student_ids(event.class_id, actor.school_id)
        outbox.enqueue_for_students(
            student_ids,
            NotifyEvent.EVENT,
            school_id=actor.school_id,
            object_type="event",
            object_id=event.id,
            # school-wide: one message per parent, not one per child
            per_guardian=event.class_id is None,
            # an edit may change who is told (whole school ↔ a class): nothing stale stays
            supersede=event_id is not None,
            payload={
                "kind": event.kind.value,
                "title": event.title,
                "date": day.isoformat(),
                "date_bg": rules.format_date_bg(day),
                "time": at.strftime("%H:%M") if at else None,
            },
        )
        _commit((sid, year.id) for sid in student_ids)
        return event

    return _run(work)


def _tell_cancelled(
    actor: Actor,
    student_ids: list[int],
    event_type: NotifyEvent,
    object_type: str,
    object_id: int,
    payload: dict[str, Any],
    *,
    per_guardian: bool = False,
) -> None:
    """An event or meeting is called off: pending notices are cancelled; parents who were
    already told of it (a notice went out) are told it is off (once per parent when it was
    school-wide)."""
    outbox.cancel_for_object(object_type, object_id)
    told = db.session.scalar(
        sa.select(NotificationOutbox.id).where(
            NotificationOutbox.object_type == object_type,
            NotificationOutbox.object_id == object_id,
            NotificationOutbox.status.in_(
                (
                    OutboxStatus.SENT,
                    OutboxStatus.SENDING,
                    OutboxStatus.UNKNOWN,
                    OutboxStatus.DIGESTED,
                )
            ),
        )
    )
    if told is None:
        return
    outbox.enqueue_for_students(
        student_ids,
        event_type,
        school_id=actor.school_id,
        object_type=f"{object_type}-off",
        object_id=object_id,
        payload=payload,
        per_guardian=per_guardian,
    )


def delete_event(actor: Actor, event_id: int, *, reason: str) -> None:
    """Call an event off, with a reason (audited); parents already told of it are told."""

    def work() -> None:
        event = get_in_school(Event, event_id, actor.school_id)
        if not (actor.is_admin or event.author_id == actor.staff_id):
            raise Forbidden(msg("event.delete_forbidden"))
        why = _reason_required(reason)
        audit(actor, "delete", event, before=snapshot(event), after=None, reason=why)
        student_ids = _class_student_ids(event.class_id, actor.school_id)
        _tell_cancelled(
            actor,
            student_ids,
            NotifyEvent.EVENT,
            "event",
            event.id,
            {
                "kind": event.kind.value,
                "title": f"ОТМЕНЕНО: {event.title}",
                "date": event.date.isoformat(),
                "date_bg": rules.format_date_bg(event.date),
                "time": event.time.strftime("%H:%M") if event.time else None,
                "description": f"Причина: {why}",
            },
            per_guardian=event.class_id is None,
        )
        year_id = event.school_year_id
        db.session.delete(event)
        _commit((sid, year_id) for sid in student_ids)

    _run(work)


def save_meeting(
    actor: Actor,
    *,
    class_id: int | None,
    date: str | dt.date,
    time: str | dt.time,
    place: str = "",
    topic: str = "",
    meeting_id: int | None = None,
) -> ParentMeeting:
    """A parent meeting for a class (its class teacher or an admin) or the whole school (admin)."""

    def work() -> ParentMeeting:
        errors: dict[str, str] = {}
        if class_id:
            klass = get_in_school(SchoolClass, class_id, actor.school_id)
            if not actor.can_manage_class(klass.id):
                raise Forbidden(msg("meeting.class_teacher_only"))
        elif not actor.is_admin:
            raise Forbidden(msg("meeting.school_admin_only"))
        try:
            day = parse_date(date)
            if day < clock.today():
                errors["date"] = msg("date.in_past")
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            at = _parse_time(time, "time", True)
        except Invalid as exc:
            errors.update(exc.errors)
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        year = current_year(actor.school_id)
        if meeting_id is None:
            meeting = ParentMeeting(
                school_id=actor.school_id,
                school_year_id=year.id,
                class_id=class_id or None,
                date=day,
                time=at,
                place=(place or "")[:200],
                topic=(topic or "")[:1000],
                author_id=actor.staff_id,
            )
            db.session.add(meeting)
            db.session.flush()
            audit(actor, "create", meeting, before=None, after=snapshot(meeting))
        else:
            meeting = get_in_school(ParentMeeting, meeting_id, actor.school_id)
            if not (
                actor.is_admin
                or (meeting.class_id is not None and actor.can_manage_class(meeting.class_id))
            ):
                raise Forbidden(msg("meeting.edit_forbidden"))
            before = snapshot(meeting)
            meeting.class_id, meeting.date, meeting.time = class_id or None, day, at
            meeting.place, meeting.topic = (place or "")[:200], (topic or "")[:1000]
            meeting.reminder_sent_at = None
            db.session.flush()
            audit(actor, "update", meeting, before=before, after=snapshot(meeting))
        student_ids = _class_student_ids(meeting.class_id, actor.school_id)
        outbox.enqueue_for_students(
            student_ids,
            NotifyEvent.MEETING,
            school_id=actor.school_id,
            object_type="meeting",
            object_id=meeting.id,
            per_guardian=meeting.class_id is None,  # a school meeting: one message per parent
            supersede=meeting_id is not None,
            payload={
                "date": day.isoformat(),
                "date_bg": rules.format_date_bg(day),
                "time": at.strftime("%H:%M") if at else "",
                "place": meeting.place,
                "topic": meeting.topic,
            },
        )
        _commit((sid, year.id) for sid in student_ids)
        return meeting

    return _run(work)


def delete_meeting(actor: Actor, meeting_id: int, *, reason: str) -> None:
    """Call a parent meeting off, with a reason (audited); parents already told are told."""

    def work() -> None:
        meeting = get_in_school(ParentMeeting, meeting_id, actor.school_id)
        if not (
            actor.is_admin
            or (meeting.class_id is not None and actor.can_manage_class(meeting.class_id))
        ):
            raise Forbidden(msg("meeting.delete_forbidden"))
        why = _reason_required(reason)
        audit(actor, "delete", meeting, before=snapshot(meeting), after=None, reason=why)
        _tell_cancelled(
            actor,
            _class_student_ids(meeting.class_id, actor.school_id),
            NotifyEvent.MEETING,
            "meeting",
            meeting.id,
            {
                "date": meeting.date.isoformat(),
                "date_bg": rules.format_date_bg(meeting.date),
                "time": meeting.time.strftime("%H:%M") if meeting.time else "",
                "place": "ОТМЕНЕНА",
                "topic": f"Срещата е отменена. Причина: {why}",
            },
            per_guardian=meeting.class_id is None,
        )
        db.session.delete(meeting)
        _commit()

    _run(work)


# --- messages (staff side) --------------------------------------------------------------------------
def thread_for_staff(actor: Actor, thread_id: int) -> MessageThread:
    thread = get_in_school(MessageThread, thread_id, actor.school_id)
    if thread.staff_id != actor.staff_id:
        raise NotFound(msg("common.not_found"))
    return thread


def mark_thread_read(actor: Actor, thread: MessageThread) -> None:
    now = clock.utc_naive()
    changed = False
    for message in thread.messages:
        if not message.from_staff and message.read_at is None:
            message.read_at = now
            changed = True
    if changed:
        db.session.commit()


def thread_for_reading(actor: Actor, thread_id: int) -> MessageThread:
    """A thread the actor may read: their own, or (an admin) any thread of the school."""
    thread = get_in_school(MessageThread, thread_id, actor.school_id)
    if thread.staff_id != actor.staff_id and not actor.is_admin:
        raise NotFound(msg("common.not_found"))
    return thread


def _add_staff_message(actor: Actor, thread: MessageThread, body: str) -> Message:
    """The teacher's message in their thread, and the notice to that one parent (no commit)."""
    text = _clean_text(body, 4000, "body")
    message = Message(thread_id=thread.id, from_staff=True, body=text, created_at=clock.utc_naive())
    db.session.add(message)
    thread.updated_at = clock.utc_naive()
    db.session.flush()
    staff = db.session.get(StaffUser, actor.staff_id)
    outbox.enqueue_for_students(
        [thread.student_id],
        NotifyEvent.MESSAGE,
        school_id=actor.school_id,
        object_type="message",
        object_id=message.id,
        payload={
            "thread_id": thread.id,
            "guardian_id": thread.guardian_id,
            "sender": staff.full_name if staff else "",
            "subject": thread.subject,
            "student": thread.student.first_name,
        },
    )
    # a conversation is with one parent: the student's other parents are not told of it
    db.session.execute(
        sa.delete(NotificationOutbox).where(
            NotificationOutbox.object_type == "message",
            NotificationOutbox.object_id == message.id,
            NotificationOutbox.guardian_id != thread.guardian_id,
        )
    )
    return message


def reply(actor: Actor, thread_id: int, body: str) -> Message:
    def work() -> Message:
        thread = thread_for_staff(actor, thread_id)
        message = _add_staff_message(actor, thread, body)
        _commit()
        return message

    return _run(work)


# --- admin: people and codes ------------------------------------------------------------------------
def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(msg("access.admin_only"))


def regenerate_student_code(actor: Actor, student_id: int) -> str:
    """A new parent-access code (the old one stops working at once). Audited."""

    def work() -> str:
        _require_admin(actor)
        student = get_in_school(Student, student_id, actor.school_id)
        for _ in range(20):
            code = rules.new_student_code()
            taken = db.session.scalar(sa.select(Student.id).where(Student.student_code == code))
            if taken is None:
                break
        else:  # pragma: no cover - 10^9 codes
            raise Invalid(msg("student.code_failed"))
        before = {"code_issued_at": student.code_issued_at.isoformat()}
        student.student_code = code
        student.code_issued_at = clock.utc_naive()
        audit(
            actor,
            "code",
            student,
            before=before,
            after={"code_issued_at": student.code_issued_at.isoformat()},
            student_id=student.id,
            reason="student code regenerated",
        )
        _commit()
        return code

    return _run(work)


def reset_guardian_pin(actor: Actor, guardian_id: int) -> None:
    """The "new PIN" for a parent of this school's students: a one-time set-PIN link goes by SMS to
    the parent's verified phone (:func:`notify.families.send_pin_link`); no PIN is ever shown.
    Refused for a parent with children in another school or without a verified phone. Audited."""

    def work() -> None:
        _require_admin(actor)
        from notify.families import send_pin_link
        from notify.operations import AccountError

        guardian = db.session.get(Guardian, guardian_id)
        link = db.session.scalar(
            sa.select(GuardianStudent).where(
                GuardianStudent.guardian_id == guardian_id,
                GuardianStudent.school_id == actor.school_id,
            )
        )
        if guardian is None or link is None:
            raise NotFound(msg("common.not_found"))
        try:
            send_pin_link(actor.school_id, actor.staff_id, guardian)
        except AccountError as exc:
            raise Invalid(exc.message_bg) from None
        audit(
            actor,
            "pin_reset",
            guardian,
            before=None,
            after=None,
            student_id=link.student_id,
            object_type="guardian",
        )
        _commit()

    _run(work)


def change_own_password(staff: StaffUser, new_password: str) -> None:
    if len(new_password or "") < 10:
        raise Invalid(msg("password.too_short"), {"password": msg("password.too_short_field")})
    staff.password_hash = generate_password_hash(new_password)
    staff.must_change_password = False
    db.session.commit()


def _next_class_number(class_id: int) -> int:
    used = db.session.scalar(
        sa.select(sa.func.max(Enrollment.class_number)).where(Enrollment.class_id == class_id)
    )
    return (used or 0) + 1


def save_student(
    actor: Actor,
    *,
    first_name: str,
    middle_name: str,
    last_name: str,
    personal_id_type: str,
    personal_id: str,
    class_id: int | None,
    class_number: int | None = None,
    sop: bool = False,
    student_id: int | None = None,
) -> Student:
    """Add a student to a class (admin), or edit the personal data of one."""

    def work() -> Student:
        _require_admin(actor)
        errors: dict[str, str] = {}
        names = {}
        for key, value, required in (
            ("first_name", first_name, True),
            ("middle_name", middle_name, False),
            ("last_name", last_name, True),
        ):
            text = (value or "").strip()
            if required and not text:
                errors[key] = msg("common.required")
            elif len(text) > 100:
                errors[key] = msg("common.max_100_chars")
            names[key] = text
        pid = (personal_id or "").strip() or None
        if personal_id_type not in rules.PERSONAL_ID_KINDS:
            errors["personal_id_type"] = msg("student.choose_id_kind")
        elif pid:
            try:
                rules.validate_personal_id(personal_id_type, pid)
            except rules.RuleError as exc:
                errors["personal_id"] = exc.message_bg
        if pid and not errors.get("personal_id"):
            clash = db.session.scalar(
                sa.select(Student.id).where(
                    Student.school_id == actor.school_id,
                    Student.personal_id == pid,
                    Student.id != (student_id or 0),
                )
            )
            if clash:
                errors["personal_id"] = msg("student.duplicate_id")
        klass = None
        if student_id is None:
            if not class_id:
                errors["class_id"] = msg("common.choose_class")
            else:
                klass = get_in_school(SchoolClass, class_id, actor.school_id)
        if class_number is not None and klass is not None:
            taken = db.session.scalar(
                sa.select(Enrollment.id).where(
                    Enrollment.class_id == klass.id, Enrollment.class_number == class_number
                )
            )
            if taken or not 1 <= class_number <= 99:
                errors["class_number"] = msg("student.number_taken")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        if student_id is None:
            assert klass is not None
            student = Student(
                school_id=actor.school_id,
                personal_id_type=personal_id_type,
                personal_id=pid,
                student_code=_free_code(),
                sop=sop,
                **names,
            )
            db.session.add(student)
            db.session.flush()
            enrollment = Enrollment(
                school_id=actor.school_id,
                student_id=student.id,
                class_id=klass.id,
                class_number=class_number or _next_class_number(klass.id),
                enrolled_on=clock.today(),
            )
            db.session.add(enrollment)
            db.session.flush()
            audit(actor, "create", student, before=None, after=_student_audit(student))
        else:
            student = get_in_school(Student, student_id, actor.school_id)
            before = _student_audit(student)
            for key, value in names.items():
                setattr(student, key, value)
            student.personal_id_type = personal_id_type  # type: ignore[assignment]
            student.personal_id = pid
            student.sop = sop
            db.session.flush()
            audit(actor, "update", student, before=before, after=_student_audit(student))
        _commit()
        return student

    return _run(work)


def _student_audit(student: Student) -> dict[str, Any]:
    data = snapshot(student)
    data.pop("student_code", None)  # a secret: never in the audit trail
    if data.get("personal_id"):
        data["personal_id"] = "***" + str(data["personal_id"])[-2:]
    return data


def _free_code() -> str:
    while True:
        code = rules.new_student_code()
        if db.session.scalar(sa.select(Student.id).where(Student.student_code == code)) is None:
            return code


def move_student(
    actor: Actor, student_id: int, *, class_id: int, date: str | dt.date, reason: str = ""
) -> Enrollment:
    """Move a student to another class of the school from ``date`` (keeps the history)."""

    def work() -> Enrollment:
        _require_admin(actor)
        student = get_in_school(Student, student_id, actor.school_id)
        target = get_in_school(SchoolClass, class_id, actor.school_id)
        day = parse_date(date)
        current = db.session.scalar(
            sa.select(Enrollment).where(
                Enrollment.student_id == student.id, Enrollment.left_on.is_(None)
            )
        )
        if current is not None and current.class_id == target.id:
            raise Invalid(
                msg("student.already_in_class"), {"class_id": msg("student.choose_other_class")}
            )
        before = {"class_id": current.class_id if current else None}
        if current is not None:
            current.left_on = day
            current.left_reason = (reason or "преместен")[:200]
        enrollment = Enrollment(
            school_id=actor.school_id,
            student_id=student.id,
            class_id=target.id,
            class_number=_next_class_number(target.id),
            enrolled_on=day,
        )
        db.session.add(enrollment)
        db.session.flush()
        audit(
            actor,
            "move",
            student,
            before=before,
            after={"class_id": target.id},
            student_id=student.id,
            reason=reason,
        )
        _commit()
        return enrollment

    return _run(work)


def student_leaves(actor: Actor, student_id: int, *, date: str | dt.date, reason: str) -> None:
    def work() -> None:
        _require_admin(actor)
        student = get_in_school(Student, student_id, actor.school_id)
        why = _reason_required(reason)
        day = parse_date(date)
        current = db.session.scalar(
            sa.select(Enrollment).where(
                Enrollment.student_id == student.id, Enrollment.left_on.is_(None)
            )
        )
        if current is None:
            raise Invalid(msg("student.no_longer_enrolled"))
        current.left_on, current.left_reason = day, why[:200]
        audit(
            actor,
            "leave",
            student,
            before={"class_id": current.class_id},
            after={"left_on": day.isoformat()},
            student_id=student.id,
            reason=why,
        )
        _commit()

    _run(work)


def save_year_settings(
    actor: Actor,
    *,
    month_lock_day: str | int | None,
    future_entry_lock: bool,
    starts_on: dt.date | str | None = None,
    term2_starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None,
) -> SchoolYear:
    """Lock settings and (optionally) the dates of the year from the ministerial order."""

    def work() -> SchoolYear:
        _require_admin(actor)
        year = current_year(actor.school_id)
        dates = {}
        for key, raw in (
            ("starts_on", starts_on),
            ("term2_starts_on", term2_starts_on),
            ("ends_on", ends_on),
        ):
            dates[key] = parse_date(raw, key) if raw else getattr(year, key)
        if not dates["starts_on"] < dates["term2_starts_on"] < dates["ends_on"]:
            raise Invalid(
                msg("year.dates_order"),
                {"term2_starts_on": msg("year.term2_start")},
            )
        day: int | None = None
        if month_lock_day not in (None, ""):
            try:
                day = int(month_lock_day)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                day = -1
            if not 1 <= day <= 28:
                raise Invalid(msg("year.invalid_day"), {"month_lock_day": msg("year.day_range")})
        before = snapshot(year)
        year.month_lock_day, year.future_entry_lock = day, future_entry_lock
        for key, value in dates.items():
            setattr(year, key, value)
        db.session.flush()
        audit(actor, "update", year, before=before, after=snapshot(year))
        _commit()
        return year

    return _run(work)


def _set_teacher(
    actor: Actor, model: type[M], object_id: int, attr: str, staff_id: int | None, field_name: str
) -> M:
    """Set the teacher column ``attr`` of a row of the admin's school (a member of it, or none)."""

    def work() -> M:
        _require_admin(actor)
        obj = get_in_school(model, object_id, actor.school_id)
        if staff_id:
            member = db.session.scalar(
                sa.select(StaffMembership.id).where(
                    StaffMembership.staff_id == staff_id,
                    StaffMembership.school_id == actor.school_id,
                )
            )
            if member is None:
                raise Invalid(msg("teacher.unknown"), {field_name: msg("teacher.choose")})
        return _save_changes(actor, obj, {attr: staff_id or None})

    return _run(work)


def set_class_teacher(actor: Actor, class_id: int, staff_id: int | None) -> SchoolClass:
    return _set_teacher(
        actor, SchoolClass, class_id, "class_teacher_id", staff_id, "class_teacher_id"
    )


def set_curriculum_teacher(actor: Actor, curriculum_id: int, staff_id: int | None) -> Curriculum:
    return _set_teacher(actor, Curriculum, curriculum_id, "teacher_id", staff_id, "teacher_id")


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


# --- admin: structure of the school (classes, subjects, curriculum, timetable, calendar) --------
def _int_in(raw: Any, low: int, high: int, field_name: str, message: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid(message, {field_name: message}) from None
    if not low <= value <= high:
        raise Invalid(message, {field_name: message})
    return value


def _member_of_school(actor: Actor, staff_id: int | None, field_name: str) -> int | None:
    if not staff_id:
        return None
    member = db.session.scalar(
        sa.select(StaffMembership.id).where(
            StaffMembership.staff_id == staff_id, StaffMembership.school_id == actor.school_id
        )
    )
    if member is None:
        raise Invalid(msg("teacher.unknown"), {field_name: msg("teacher.choose_of_school")})
    return staff_id


def create_class(
    actor: Actor, *, name: str, grade_level: Any, shift: Any = 1, class_teacher_id: int | None
) -> SchoolClass:
    def work() -> SchoolClass:
        _require_admin(actor)
        errors: dict[str, str] = {}
        the_name = (name or "").strip()
        if not the_name or len(the_name) > 20:
            errors["name"] = msg("class.name_format")
        try:
            level = _int_in(grade_level, 0, 12, "grade_level", msg("class.grade_level_range"))
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            the_shift = _int_in(shift, 1, 2, "shift", msg("class.shift_range"))
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            teacher = _member_of_school(actor, class_teacher_id, "class_teacher_id")
        except Invalid as exc:
            errors.update(exc.errors)
        year = current_year(actor.school_id)
        if the_name and db.session.scalar(
            sa.select(SchoolClass.id).where(
                SchoolClass.school_id == actor.school_id,
                SchoolClass.school_year_id == year.id,
                SchoolClass.name == the_name,
            )
        ):
            errors["name"] = msg("class.exists")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        klass = SchoolClass(
            school_id=actor.school_id,
            school_year_id=year.id,
            name=the_name,
            grade_level=level,
            shift=the_shift,
            class_teacher_id=teacher,
        )
        db.session.add(klass)
        db.session.flush()
        audit(actor, "create", klass, before=None, after=snapshot(klass))
        _commit()
        return klass

    return _run(work)


def create_subject(actor: Actor, *, name: str, short_name: str = "") -> Subject:
    def work() -> Subject:
        _require_admin(actor)
        the_name = (name or "").strip()
        if not the_name or len(the_name) > 100:
            raise Invalid(msg("common.enter_name"), {"name": msg("subject.name_format")})
        if db.session.scalar(
            sa.select(Subject.id).where(
                Subject.school_id == actor.school_id, Subject.name == the_name
            )
        ):
            raise Invalid(msg("subject.exists"), {"name": msg("subject.exists")})
        subject = Subject(
            school_id=actor.school_id, name=the_name, short_name=(short_name or "").strip()[:20]
        )
        db.session.add(subject)
        db.session.flush()
        audit(actor, "create", subject, before=None, after=snapshot(subject))
        _commit()
        return subject

    return _run(work)


def _hours(raw: Any, field_name: str) -> Decimal:
    try:
        value = rules.to_decimal(str(raw or "0").replace(",", "."))
    except rules.RuleError:
        raise Invalid(
            msg("curriculum.invalid_hours"), {field_name: msg("curriculum.hours_number")}
        ) from None
    if not Decimal(0) <= value <= Decimal(40) or value != value.quantize(Decimal("0.1")):
        raise Invalid(msg("curriculum.invalid_hours"), {field_name: msg("curriculum.hours_range")})
    return value


def _curriculum_fields(
    actor: Actor,
    errors: dict[str, str],
    teacher_id: int | None,
    hours_term1: Any,
    hours_term2: Any,
    section: str,
    group_name: str,
) -> tuple[int | None, list[Decimal], str]:
    """The checked teacher, hours per week (term 1, term 2) and group of a curriculum row, as a new
    row and an edit take them; each problem goes into ``errors`` under its field."""
    teacher = None
    try:
        teacher = _member_of_school(actor, teacher_id, "teacher_id")
    except Invalid as exc:
        errors.update(exc.errors)
    hours: list[Decimal] = []
    for key, raw in (("hours_term1", hours_term1), ("hours_term2", hours_term2)):
        try:
            hours.append(_hours(raw, key))
        except Invalid as exc:
            errors.update(exc.errors)
    if section not in {s.value for s in CurriculumSection}:
        errors["section"] = msg("common.choose_section")
    return teacher, hours, (group_name or "").strip()[:40]


def add_curriculum(
    actor: Actor,
    *,
    class_id: int,
    subject_id: int,
    teacher_id: int | None,
    hours_term1: Any,
    hours_term2: Any,
    section: str = "A",
    group_name: str = "",
) -> Curriculum:
    def work() -> Curriculum:
        _require_admin(actor)
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        errors: dict[str, str] = {}
        try:
            subject = get_in_school(Subject, subject_id, actor.school_id)
        except NotFound:
            errors["subject_id"] = msg("common.choose_subject")
            subject = None
        teacher, hours, group = _curriculum_fields(
            actor, errors, teacher_id, hours_term1, hours_term2, section, group_name
        )
        if subject is not None and db.session.scalar(
            sa.select(Curriculum.id).where(
                Curriculum.class_id == klass.id,
                Curriculum.subject_id == subject.id,
                Curriculum.section == section,
                Curriculum.group_name == group,
            )
        ):
            errors["subject_id"] = msg("curriculum.subject_exists")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        assert subject is not None
        row = Curriculum(
            school_id=actor.school_id,
            class_id=klass.id,
            subject_id=subject.id,
            teacher_id=teacher,
            section=CurriculumSection(section),
            hours_term1=hours[0],
            hours_term2=hours[1],
            group_name=group,
        )
        db.session.add(row)
        db.session.flush()
        audit(actor, "create", row, before=None, after=snapshot(row))
        _commit()
        return row

    return _run(work)


def add_timetable_slot(
    actor: Actor,
    *,
    class_id: int,
    curriculum_id: int,
    weekday: Any,
    period: Any,
    term: Any = None,
    room: str = "",
) -> TimetableSlot:
    """One lesson of the weekly timetable; a class has one lesson per day and period (per term),
    a teacher cannot teach two classes at once."""

    def work() -> TimetableSlot:
        _require_admin(actor)
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        curriculum = get_in_school(Curriculum, curriculum_id, actor.school_id)
        if curriculum.class_id != klass.id:
            raise Invalid(msg("timetable.not_in_curriculum"), {"curriculum_id": "—"})
        errors: dict[str, str] = {}
        try:
            day = _int_in(weekday, 1, 7, "weekday", msg("common.choose_day"))
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            number = _int_in(period, 0, 15, "period", msg("timetable.period_range"))
        except Invalid as exc:
            errors.update(exc.errors)
        the_term = None if term in (None, "", "0", 0) else term
        if the_term is not None:
            try:
                the_term = _int_in(the_term, 1, 2, "term", msg("timetable.term_range"))
            except Invalid as exc:
                errors.update(exc.errors)
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        same_time = sa.and_(
            TimetableSlot.weekday == day,
            TimetableSlot.period == number,
            sa.or_(
                TimetableSlot.term.is_(None),
                sa.true() if the_term is None else TimetableSlot.term == the_term,
            ),
        )
        clash = db.session.scalar(
            sa.select(TimetableSlot.id).where(TimetableSlot.class_id == klass.id, same_time)
        )
        if clash and not curriculum.group_name:
            raise Invalid(msg("timetable.class_busy"), {"period": msg("timetable.class_busy")})
        if curriculum.teacher_id:
            busy = db.session.scalar(
                sa.select(TimetableSlot.id)
                .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
                .where(
                    TimetableSlot.teacher_id == curriculum.teacher_id,
                    TimetableSlot.school_id == actor.school_id,
                    SchoolClass.shift == klass.shift,
                    same_time,
                )
            )
            if busy:
                raise Invalid(
                    msg("timetable.teacher_busy"), {"period": msg("timetable.teacher_busy")}
                )
        slot = TimetableSlot(
            school_id=actor.school_id,
            class_id=klass.id,
            term=the_term,
            weekday=day,
            period=number,
            curriculum_id=curriculum.id,
            subject_id=curriculum.subject_id,
            teacher_id=curriculum.teacher_id,
            room=(room or "").strip()[:20],
        )
        db.session.add(slot)
        db.session.flush()
        audit(actor, "create", slot, before=None, after=snapshot(slot))
        _commit()
        return slot

    return _run(work)


def delete_timetable_slot(actor: Actor, slot_id: int) -> int:
    def work() -> int:
        _require_admin(actor)
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        class_id = slot.class_id
        audit(actor, "delete", slot, before=snapshot(slot), after=None)
        db.session.delete(slot)
        _commit()
        return class_id

    return _run(work)


def save_bell_time(actor: Actor, *, shift: Any, period: Any, starts_at: Any, ends_at: Any) -> None:
    def work() -> None:
        _require_admin(actor)
        the_shift = _int_in(shift, 1, 2, "shift", msg("class.shift_range"))
        number = _int_in(period, 0, 15, "period", msg("timetable.period_range"))
        start = _parse_time(starts_at, "starts_at", True)
        end = _parse_time(ends_at, "ends_at", True)
        assert start is not None and end is not None
        if start >= end:
            raise Invalid(msg("bell.end_before_start"), {"ends_at": msg("bell.end_before_start")})
        bell = db.session.scalar(
            sa.select(BellTime).where(
                BellTime.school_id == actor.school_id,
                BellTime.shift == the_shift,
                BellTime.period == number,
            )
        )
        before = snapshot(bell) if bell else None
        if bell is None:
            bell = BellTime(school_id=actor.school_id, shift=the_shift, period=number)
            db.session.add(bell)
        bell.starts_at, bell.ends_at = start, end
        db.session.flush()
        audit(actor, "update" if before else "create", bell, before=before, after=snapshot(bell))
        _commit()

    _run(work)


def add_non_school_day(
    actor: Actor,
    *,
    date_from: Any,
    date_to: Any,
    name: str,
    grade_from: Any = 0,
    grade_to: Any = 12,
) -> NonSchoolDay:
    def work() -> NonSchoolDay:
        _require_admin(actor)
        year = current_year(actor.school_id)
        errors: dict[str, str] = {}
        try:
            start = parse_date(date_from, "date_from")
        except Invalid as exc:
            errors.update(exc.errors)
            start = None
        try:
            end = parse_date(date_to or date_from, "date_to")
        except Invalid as exc:
            errors.update(exc.errors)
            end = None
        if start and end and end < start:
            errors["date_to"] = msg("date.end_before_start")
        if start and not year.starts_on <= start <= year.ends_on:
            errors["date_from"] = msg("date.outside_year")
        the_name = (name or "").strip()
        if not the_name:
            errors["name"] = msg("non_school_day.name_required")
        try:
            low = _int_in(grade_from, 0, 12, "grade_from", msg("non_school_day.grade_range"))
            high = _int_in(grade_to, 0, 12, "grade_to", msg("non_school_day.grade_range"))
            if low > high:
                errors["grade_to"] = msg("non_school_day.grade_order")
        except Invalid as exc:
            errors.update(exc.errors)
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        day = NonSchoolDay(
            school_year_id=year.id,
            date_from=start,
            date_to=end,
            name=the_name[:200],
            grade_from=low,
            grade_to=high,
        )
        db.session.add(day)
        db.session.flush()
        audit(actor, "create", day, before=None, after=snapshot(day))
        _commit()
        return day

    return _run(work)


def delete_non_school_day(actor: Actor, day_id: int) -> None:
    def work() -> None:
        _require_admin(actor)
        day = db.session.get(NonSchoolDay, day_id)
        if day is None or day.school_year.school_id != actor.school_id:
            raise NotFound(msg("common.not_found"))
        audit(actor, "delete", day, before=snapshot(day), after=None)
        db.session.delete(day)
        _commit()

    _run(work)


def link_guardian(actor: Actor, student_id: int, *, contact: str, relation: str) -> str:
    """Record a parent (by e-mail or phone) for a student of the school. A new contact becomes a
    new parent record, linked at once; the school's own credential-less record is linked at once;
    any other existing parent (a portal account, a PIN, children in another school) is sent an
    invitation and the link exists only when they confirm (:mod:`notify.families`). Returns
    "linked" or "invited"."""

    def work() -> str:
        _require_admin(actor)
        from notify import families
        from notify.operations import AccountError, find_guardian_by_contact

        student = get_in_school(Student, student_id, actor.school_id)
        try:
            the_relation = Relation(relation)
        except ValueError:
            raise Invalid(
                msg("guardian.choose_relation"), {"relation": msg("common.choose")}
            ) from None
        guardian = find_guardian_by_contact(contact)
        if guardian is None:
            text = (contact or "").strip()
            try:
                families.create_and_link_guardian(
                    school_id=actor.school_id,
                    student_id=student.id,
                    full_name="",
                    phone=None if "@" in text else text,
                    email=text if "@" in text else None,
                    relation=the_relation,
                    actor_id=actor.staff_id,
                )
            except AccountError as exc:
                raise Invalid(exc.message_bg, {"contact": exc.message_bg}) from None
            outcome = "linked"
        else:
            outcome = families.school_link(
                student=student,
                guardian=guardian,
                relation=the_relation,
                actor_id=actor.staff_id,
                contact=contact,
            )
        if outcome == "already":
            raise Invalid(
                msg("guardian.already_linked"), {"contact": msg("guardian.already_linked_field")}
            )
        _commit()
        return outcome

    return _run(work)


def unlink_guardian(actor: Actor, link_id: int) -> int:
    def work() -> int:
        _require_admin(actor)
        link = get_in_school(GuardianStudent, link_id, actor.school_id)
        student_id = link.student_id
        audit(actor, "delete", link, before=snapshot(link), after=None, student_id=student_id)
        db.session.delete(link)
        _commit()
        return student_id

    return _run(work)


# --- admin: editing and deleting classes, subjects and curriculum rows ------------------------------
def _save_changes(actor: Actor, obj: M, changes: Mapping[str, Any]) -> M:
    """Set the columns of a row, audit before/after and commit (inside a use-case's work)."""
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    db.session.flush()
    audit(actor, "update", obj, before=before, after=snapshot(obj))
    _commit()
    return obj


def _refuse_if_used(what: str, checks: Iterable[tuple[str, Any]]) -> None:
    """Refuse a delete while rows depend on the object: ``checks`` are (Bulgarian noun, count
    query); the message lists what depends on it."""
    used = [f"{noun} ({count})" for noun, query in checks if (count := db.session.scalar(query))]
    if used:
        raise Conflict(msg("delete.in_use", what=what, used=", ".join(used)))


def _count(model: Any, *where: Any) -> Any:
    return sa.select(sa.func.count()).select_from(model).where(*where)


def update_class(
    actor: Actor,
    class_id: int,
    *,
    name: str,
    grade_level: Any,
    shift: Any = 1,
    class_teacher_id: int | None,
) -> SchoolClass:
    """Rename a class, change its grade level, shift and class teacher (admin)."""

    def work() -> SchoolClass:
        _require_admin(actor)
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        errors: dict[str, str] = {}
        the_name = (name or "").strip()
        if not the_name or len(the_name) > 20:
            errors["name"] = msg("class.name_format")
        elif db.session.scalar(
            sa.select(SchoolClass.id).where(
                SchoolClass.school_id == actor.school_id,
                SchoolClass.school_year_id == klass.school_year_id,
                SchoolClass.name == the_name,
                SchoolClass.id != klass.id,
            )
        ):
            errors["name"] = msg("class.exists")
        level = shift_no = teacher = None
        try:
            level = _int_in(grade_level, 0, 12, "grade_level", msg("class.grade_level_range"))
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            shift_no = _int_in(shift, 1, 2, "shift", msg("class.shift_range"))
        except Invalid as exc:
            errors.update(exc.errors)
        try:
            teacher = _member_of_school(actor, class_teacher_id, "class_teacher_id")
        except Invalid as exc:
            errors.update(exc.errors)
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        return _save_changes(
            actor,
            klass,
            {
                "name": the_name,
                "grade_level": level,
                "shift": shift_no,
                "class_teacher_id": teacher,
            },
        )

    return _run(work)


def _delete_unless_used(
    actor: Actor,
    model: type[M],
    object_id: int,
    what: Callable[[M], str],
    checks: Callable[[M], Iterable[tuple[str, Any]]],
    result: Callable[[M], Any],
    cleanup: Callable[[M], Any] | None = None,
) -> Any:
    """Admin: delete a row of the school unless rows depend on it (:func:`_refuse_if_used`),
    audited; ``result`` is what the caller gets back (taken before the row goes)."""

    def work() -> Any:
        _require_admin(actor)
        obj = get_in_school(model, object_id, actor.school_id)
        _refuse_if_used(what(obj), checks(obj))
        out = result(obj)
        audit(actor, "delete", obj, before=snapshot(obj), after=None)
        if cleanup is not None:
            cleanup(obj)
        db.session.delete(obj)
        _commit()
        return out

    return _run(work)


def delete_class(actor: Actor, class_id: int) -> str:
    """Delete a class without pupils, grades, absences or timetable (admin); returns its name."""

    def checks(klass: SchoolClass) -> Iterable[tuple[str, Any]]:
        curricula = sa.select(Curriculum.id).where(Curriculum.class_id == klass.id)
        return (
            (msg("delete.dep_students"), _count(Enrollment, Enrollment.class_id == klass.id)),
            (msg("delete.dep_grades"), _count(Grade, Grade.curriculum_id.in_(curricula))),
            (msg("delete.dep_absences"), _count(Absence, Absence.curriculum_id.in_(curricula))),
            (
                msg("delete.dep_timetable"),
                _count(TimetableSlot, TimetableSlot.class_id == klass.id),
            ),
            (msg("delete.dep_events"), _count(Event, Event.class_id == klass.id)),
            (msg("delete.dep_meetings"), _count(ParentMeeting, ParentMeeting.class_id == klass.id)),
        )

    return _delete_unless_used(
        actor,
        SchoolClass,
        class_id,
        lambda klass: msg("delete.what_class", name=klass.name),
        checks,
        lambda klass: klass.name,
        cleanup=lambda klass: db.session.execute(
            sa.delete(Curriculum).where(Curriculum.class_id == klass.id)
        ),
    )


def update_subject(
    actor: Actor, subject_id: int, *, name: str, short_name: str = "", spoken_name: str = ""
) -> Subject:
    """Rename a subject; its short name and how the phone line says it (admin)."""

    def work() -> Subject:
        _require_admin(actor)
        subject = get_in_school(Subject, subject_id, actor.school_id)
        the_name = (name or "").strip()
        if not the_name or len(the_name) > 100:
            raise Invalid(msg("common.enter_name"), {"name": msg("subject.name_format")})
        if db.session.scalar(
            sa.select(Subject.id).where(
                Subject.school_id == actor.school_id,
                Subject.name == the_name,
                Subject.id != subject.id,
            )
        ):
            raise Invalid(msg("subject.exists"), {"name": msg("subject.exists")})
        return _save_changes(
            actor,
            subject,
            {
                "name": the_name,
                "short_name": (short_name or "").strip()[:20],
                "spoken_name": (spoken_name or "").strip()[:100] or None,
            },
        )

    return _run(work)


def delete_subject(actor: Actor, subject_id: int) -> str:
    """Delete a subject no curriculum, grade, absence or timetable row uses (admin)."""
    return _delete_unless_used(
        actor,
        Subject,
        subject_id,
        lambda subject: msg("delete.what_subject", name=subject.name),
        lambda subject: (
            (
                msg("delete.dep_curriculum_rows"),
                _count(Curriculum, Curriculum.subject_id == subject.id),
            ),
            (msg("delete.dep_grades"), _count(Grade, Grade.subject_id == subject.id)),
            (msg("delete.dep_absences"), _count(Absence, Absence.subject_id == subject.id)),
            (
                msg("delete.dep_timetable"),
                _count(TimetableSlot, TimetableSlot.subject_id == subject.id),
            ),
        ),
        lambda subject: subject.name,
    )


def update_curriculum(
    actor: Actor,
    curriculum_id: int,
    *,
    teacher_id: int | None,
    hours_term1: Any,
    hours_term2: Any,
    section: str = "A",
    group_name: str = "",
) -> Curriculum:
    """Teacher, hours per week, section and group of a curriculum row (admin)."""

    def work() -> Curriculum:
        _require_admin(actor)
        row = get_in_school(Curriculum, curriculum_id, actor.school_id)
        errors: dict[str, str] = {}
        teacher, hours, group = _curriculum_fields(
            actor, errors, teacher_id, hours_term1, hours_term2, section, group_name
        )
        if not errors and db.session.scalar(
            sa.select(Curriculum.id).where(
                Curriculum.class_id == row.class_id,
                Curriculum.subject_id == row.subject_id,
                Curriculum.section == section,
                Curriculum.group_name == group,
                Curriculum.id != row.id,
            )
        ):
            errors["group_name"] = msg("curriculum.section_group_exists")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        old_teacher = row.teacher_id
        # the lessons the old teacher held pass to the new one (substitutes keep theirs)
        db.session.execute(
            sa.update(TimetableSlot)
            .where(
                TimetableSlot.curriculum_id == row.id,
                sa.or_(
                    TimetableSlot.teacher_id.is_(None),
                    TimetableSlot.teacher_id == old_teacher,
                ),
            )
            .values(teacher_id=teacher)
            .execution_options(synchronize_session=False)
        )
        return _save_changes(
            actor,
            row,
            {
                "teacher_id": teacher,
                "hours_term1": hours[0],
                "hours_term2": hours[1],
                "section": CurriculumSection(section),
                "group_name": group,
            },
        )

    return _run(work)


def delete_curriculum(actor: Actor, curriculum_id: int) -> int:
    """Remove a subject from a class's curriculum when nothing depends on it; returns the class."""
    return _delete_unless_used(
        actor,
        Curriculum,
        curriculum_id,
        lambda row: msg("delete.what_curriculum", name=row.subject.name),
        lambda row: (
            (msg("delete.dep_grades"), _count(Grade, Grade.curriculum_id == row.id)),
            (msg("delete.dep_absences"), _count(Absence, Absence.curriculum_id == row.id)),
            (
                msg("delete.dep_timetable"),
                _count(TimetableSlot, TimetableSlot.curriculum_id == row.id),
            ),
        ),
        lambda row: row.class_id,
    )


# --- admin: a new school year ------------------------------------------------------------------------
def _next_class_name(name: str, level: int) -> str:
    """ "8е" → "9е"; a name without leading digits keeps its text after the new level."""
    digits = len(name) - len(name.lstrip("0123456789"))
    return f"{level}{name[digits:]}" if digits else name


def create_school_year(
    actor: Actor,
    *,
    name: str,
    starts_on: dt.date | str | None,
    term2_starts_on: dt.date | str | None,
    ends_on: dt.date | str | None,
    month_lock_day: str | int | None = None,
    future_entry_lock: bool = True,
    copy_classes: bool = False,
    make_current: bool = False,
) -> SchoolYear:
    """A new school year of the admin's school (dates from the ministerial order, lock settings).
    Bell times stay per school. With ``copy_classes`` every class of the current year up to XI is
    created in the new year one grade level higher ("8е" → "9е"), with its class teacher and shift;
    the pupils are moved by the admin when the year starts. ``make_current`` switches to it."""

    def work() -> SchoolYear:
        _require_admin(actor)
        errors: dict[str, str] = {}
        the_name = (name or "").strip()
        if not the_name or len(the_name) > 9:
            errors["name"] = msg("year.name_format")
        elif db.session.scalar(
            sa.select(SchoolYear.id).where(
                SchoolYear.school_id == actor.school_id, SchoolYear.name == the_name
            )
        ):
            errors["name"] = msg("year.exists")
        dates: dict[str, dt.date] = {}
        for key, raw in (
            ("starts_on", starts_on),
            ("term2_starts_on", term2_starts_on),
            ("ends_on", ends_on),
        ):
            try:
                if not raw:
                    raise Invalid(msg("date.required"), {key: msg("date.required")})
                dates[key] = parse_date(raw, key)
            except Invalid as exc:
                errors.update(exc.errors)
        if len(dates) == 3 and not (
            dates["starts_on"] < dates["term2_starts_on"] < dates["ends_on"]
        ):
            errors["term2_starts_on"] = msg("year.term2_start")
        day: int | None = None
        if month_lock_day not in (None, ""):
            try:
                day = int(month_lock_day)
            except (TypeError, ValueError):
                day = -1
            if not 1 <= day <= 28:
                errors["month_lock_day"] = msg("year.day_range")
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        previous = db.session.scalar(
            sa.select(SchoolYear)
            .where(SchoolYear.school_id == actor.school_id, SchoolYear.is_current.is_(True))
            .order_by(SchoolYear.starts_on.desc())
        )
        year = SchoolYear(
            school_id=actor.school_id,
            name=the_name,
            is_current=False,
            month_lock_day=day,
            future_entry_lock=future_entry_lock,
            **dates,
        )
        db.session.add(year)
        db.session.flush()
        audit(actor, "create", year, before=None, after=snapshot(year))
        if copy_classes and previous is not None:
            old = db.session.scalars(
                sa.select(SchoolClass).where(
                    SchoolClass.school_year_id == previous.id, SchoolClass.grade_level < 12
                )
            )
            for klass in old:
                level = klass.grade_level + 1
                copy = SchoolClass(
                    school_id=actor.school_id,
                    school_year_id=year.id,
                    grade_level=level,
                    name=_next_class_name(klass.name, level),
                    class_teacher_id=klass.class_teacher_id,
                    shift=klass.shift,
                    profile=klass.profile,
                )
                db.session.add(copy)
                db.session.flush()
                audit(actor, "create", copy, before=None, after=snapshot(copy))
        if make_current:
            _make_current(actor, year)
        _commit()
        return year

    return _run(work)


def _make_current(actor: Actor, year: SchoolYear) -> None:
    for other in db.session.scalars(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == actor.school_id, SchoolYear.is_current.is_(True)
        )
    ):
        if other.id != year.id:
            other.is_current = False
            audit(actor, "update", other, before={"is_current": True}, after={"is_current": False})
    if not year.is_current:
        year.is_current = True
        audit(actor, "update", year, before={"is_current": False}, after={"is_current": True})
    db.session.flush()


def set_current_year(actor: Actor, year_id: int) -> SchoolYear:
    """Mark a school year of the admin's school as the current one (admin)."""

    def work() -> SchoolYear:
        _require_admin(actor)
        year = get_in_school(SchoolYear, year_id, actor.school_id)
        _make_current(actor, year)
        _commit()
        return year

    return _run(work)


# --- admin: moving the school into the next year (promotion, repeaters, curriculum, timetable) -----
PROMOTE, REPEAT, LEAVE, GRADUATE = "promote", "repeat", "leave", "graduate"
DECISIONS = (REPEAT, PROMOTE, LEAVE)  # what the admin may choose for a pupil with an annual 2


@dataclass
class PupilMove:
    """What happens to one pupil of the previous year (one line of the preview)."""

    student_id: int
    name: str
    from_class: str
    action: str  # promote / repeat / leave / graduate
    to_class: str | None
    failed: list[str] = field(default_factory=list)  # subjects with an annual 2 ("Слаб")


@dataclass
class YearTransition:
    """The preview, and after the commit the record, of moving a school into ``target``."""

    source: SchoolYear
    target: SchoolYear
    new_classes: list[str] = field(default_factory=list)
    moves: list[PupilMove] = field(default_factory=list)
    already_moved: int = 0  # pupils already enrolled in the new year (a second run)
    curriculum_rows: int = 0
    timetable_slots: int = 0
    committed: bool = False

    def count(self, action: str) -> int:
        return sum(1 for m in self.moves if m.action == action)

    @property
    def by_class(self) -> list[tuple[str, str, int]]:
        """(from class, to class or "", pupils) for the preview."""
        counts: dict[tuple[str, str], int] = {}
        for m in self.moves:
            key = (m.from_class, m.to_class or "")
            counts[key] = counts.get(key, 0) + 1
        return [(a, b, n) for (a, b), n in counts.items()]

    @property
    def repeaters(self) -> list[PupilMove]:
        return [m for m in self.moves if m.failed]

    @property
    def nothing_to_do(self) -> bool:
        return not (self.new_classes or self.moves or self.curriculum_rows or self.timetable_slots)


def previous_year(school_id: int, year: SchoolYear) -> SchoolYear | None:
    """The school year of the school that started last before ``year``."""
    return db.session.scalar(
        sa.select(SchoolYear)
        .where(SchoolYear.school_id == school_id, SchoolYear.starts_on < year.starts_on)
        .order_by(SchoolYear.starts_on.desc())
        .limit(1)
    )


def _failed_subjects(year_id: int, student_ids: Iterable[int]) -> dict[int, list[str]]:
    """Subjects whose annual grade (the latest one, so a corrected grade counts) is 2 / Слаб."""
    latest: dict[tuple[int, int], tuple[Any, Decimal | None, str]] = {}
    ids = list(student_ids)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = db.session.execute(
            sa.select(
                Grade.student_id, Grade.subject_id, Grade.date, Grade.id, Grade.value, Subject.name
            )
            .join(Subject, Subject.id == Grade.subject_id)
            .where(
                Grade.school_year_id == year_id,
                Grade.kind == GradeKind.ANNUAL,
                Grade.category != GradeCategory.SOP,
                Grade.student_id.in_(chunk),
            )
        ).all()
        for sid, subject_id, day, grade_id, value, subject_name in rows:
            key = (sid, subject_id)
            if key not in latest or (day, grade_id) > latest[key][0]:
                latest[key] = ((day, grade_id), value, subject_name)
    failed: dict[int, list[str]] = {}
    for (sid, _subject), (_order, value, subject_name) in sorted(latest.items()):
        if value is not None and value < 3:
            failed.setdefault(sid, []).append(subject_name)
    return failed


def year_transition(
    actor: Actor,
    target_year_id: int,
    *,
    decisions: Mapping[int, str] | None = None,
    carry_curriculum: bool = False,
    carry_timetable: bool = False,
    commit: bool = False,
) -> YearTransition:
    """Move the school from the previous year into ``target_year_id`` (admin).

    Every pupil enrolled (``left_on IS NULL``) in a class of the previous year is promoted one
    grade level ("5а" → "6а"), the 12th graders finish, and a pupil whose annual grade in a subject
    is still 2 ("Слаб", not corrected) goes where ``decisions[student_id]`` says: ``repeat`` (the
    default: the same grade level in the class of the same name), ``promote`` or ``leave``. The old
    enrollment keeps its class and number and gets ``left_on`` = the previous year's end, so the
    previous year's data stays as it was. Missing classes are created (class teacher, shift,
    profile kept); with ``carry_curriculum`` the subjects, hours and teachers of each class are
    copied to its promoted class, with ``carry_timetable`` its weekly timetable too (only into a
    class whose timetable is still empty).

    ``commit=False`` changes nothing and returns the preview. ``commit=True`` writes it all in one
    transaction and makes the year current. A second run finds the pupils already enrolled in
    the new year and the rows already there, and does nothing twice."""
    decisions = dict(decisions or {})

    def work() -> YearTransition:
        _require_admin(actor)
        target = get_in_school(SchoolYear, target_year_id, actor.school_id)
        if commit:  # two admins committing at once: the second waits, then finds it done
            db.session.refresh(target, with_for_update=True)
        source = previous_year(actor.school_id, target)
        if source is None:
            raise Invalid(msg("promotion.no_previous_year"))
        plan = YearTransition(source=source, target=target)
        old_classes = list(
            db.session.scalars(
                sa.select(SchoolClass)
                .where(SchoolClass.school_year_id == source.id)
                .order_by(SchoolClass.grade_level, SchoolClass.name)
            )
        )
        new_by_name = {
            k.name: k
            for k in db.session.scalars(
                sa.select(SchoolClass).where(SchoolClass.school_year_id == target.id)
            )
        }
        created: set[str] = set()

        def target_class(model: SchoolClass, level: int, name: str) -> SchoolClass:
            klass = new_by_name.get(name)
            if klass is None:
                klass = SchoolClass(
                    school_id=actor.school_id,
                    school_year_id=target.id,
                    grade_level=level,
                    name=name,
                    class_teacher_id=model.class_teacher_id,
                    shift=model.shift,
                    profile=model.profile,
                )
                new_by_name[name] = klass
                created.add(name)
                plan.new_classes.append(name)
                if commit:
                    db.session.add(klass)
                    db.session.flush()
                    audit(actor, "create", klass, before=None, after=snapshot(klass))
            return klass

        promoted_to: dict[int, SchoolClass] = {}
        for klass in old_classes:
            if klass.grade_level < 12:
                level = klass.grade_level + 1
                promoted_to[klass.id] = target_class(
                    klass, level, _next_class_name(klass.name, level)
                )

        # pupils: every open enrollment of the previous year, unless already in the new year
        old_by_id = {k.id: k for k in old_classes}
        enrollments = list(
            db.session.execute(
                sa.select(Enrollment, Student)
                .join(Student, Student.id == Enrollment.student_id)
                .where(
                    Enrollment.school_id == actor.school_id,
                    Enrollment.class_id.in_(list(old_by_id) or [-1]),
                    Enrollment.left_on.is_(None),
                )
                .order_by(Enrollment.class_id, Enrollment.class_number)
            )
        )
        moved = set(
            db.session.scalars(
                sa.select(Enrollment.student_id)
                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                .where(SchoolClass.school_year_id == target.id)
            )
        )
        already = sa.select(sa.func.count(sa.distinct(Enrollment.student_id))).where(
            Enrollment.class_id.in_(list(old_by_id) or [-1]),
            Enrollment.student_id.in_(moved or {-1}),
        )
        plan.already_moved = db.session.scalar(already) or 0
        failed = _failed_subjects(source.id, [s.id for _e, s in enrollments])
        numbers: dict[int, set[int]] = {}

        def free_number(klass: SchoolClass, wanted: int | None) -> int:
            """The pupil's old № when free in the new class, else the next one."""
            if klass.id not in numbers:
                numbers[klass.id] = set(
                    db.session.scalars(
                        sa.select(Enrollment.class_number).where(Enrollment.class_id == klass.id)
                    )
                )
            used = numbers[klass.id]
            number = wanted if wanted is not None and wanted not in used else max(used | {0}) + 1
            if number > 99:
                raise Invalid(msg("promotion.no_free_number", name=klass.name))
            used.add(number)
            return number

        writes: list[tuple[Enrollment, Student, str, SchoolClass | None]] = []
        for enrollment, student in enrollments:
            if student.id in moved:
                continue
            old = old_by_id[enrollment.class_id]
            fails = failed.get(student.id, [])
            if fails:
                action = decisions.get(student.id, REPEAT)
                if action not in DECISIONS:
                    raise Invalid(msg("promotion.choose_outcome"), {str(student.id): "?"})
            elif decisions.get(student.id) == LEAVE:
                action = LEAVE
            else:
                action = PROMOTE if old.grade_level < 12 else GRADUATE
            if action == PROMOTE and old.grade_level >= 12:
                action = GRADUATE
            new_class: SchoolClass | None = None
            if action == PROMOTE:
                new_class = promoted_to[old.id]
            elif action == REPEAT:
                new_class = target_class(old, old.grade_level, old.name)
            plan.moves.append(
                PupilMove(
                    student_id=student.id,
                    name=student.full_name,
                    from_class=old.name,
                    action=action,
                    to_class=new_class.name if new_class is not None else None,
                    failed=fails,
                )
            )
            writes.append((enrollment, student, action, new_class))

        # curriculum and timetable follow each class to its promoted class
        new_curriculum: dict[int, Curriculum] = {}
        if carry_curriculum or carry_timetable:
            for klass in old_classes:
                into = promoted_to.get(klass.id)
                if into is None:
                    continue
                have = {}
                if into.id is not None:
                    have = {
                        (c.subject_id, c.section, c.group_name): c
                        for c in db.session.scalars(
                            sa.select(Curriculum).where(Curriculum.class_id == into.id)
                        )
                    }
                for row in db.session.scalars(
                    sa.select(Curriculum).where(Curriculum.class_id == klass.id)
                ):
                    key = (row.subject_id, row.section, row.group_name)
                    if key in have:
                        new_curriculum[row.id] = have[key]
                    elif carry_curriculum:
                        plan.curriculum_rows += 1
                        copy = Curriculum(
                            school_id=actor.school_id,
                            class_id=into.id,
                            subject_id=row.subject_id,
                            teacher_id=row.teacher_id,
                            section=row.section,
                            hours_term1=row.hours_term1,
                            hours_term2=row.hours_term2,
                            group_name=row.group_name,
                        )
                        have[key] = copy
                        new_curriculum[row.id] = copy
                        if commit:
                            db.session.add(copy)
        if commit:
            db.session.flush()
        if carry_timetable:
            for klass in old_classes:
                into = promoted_to.get(klass.id)
                if into is None:
                    continue
                if into.id is not None and db.session.scalar(
                    sa.select(TimetableSlot.id).where(TimetableSlot.class_id == into.id).limit(1)
                ):
                    continue  # a timetable of its own already: never mixed with the old one
                for slot in db.session.scalars(
                    sa.select(TimetableSlot).where(TimetableSlot.class_id == klass.id)
                ):
                    row_into = new_curriculum.get(slot.curriculum_id)
                    if row_into is None:
                        continue  # its subject is not in the new class's curriculum
                    plan.timetable_slots += 1
                    if commit:
                        db.session.add(
                            TimetableSlot(
                                school_id=actor.school_id,
                                class_id=into.id,
                                term=slot.term,
                                weekday=slot.weekday,
                                period=slot.period,
                                curriculum_id=row_into.id,
                                subject_id=row_into.subject_id,
                                teacher_id=row_into.teacher_id,
                                room=slot.room,
                                starts_at=slot.starts_at,
                                ends_at=slot.ends_at,
                            )
                        )
        if not commit:
            return plan  # nothing was added to the session
        if plan.nothing_to_do and target.is_current:
            plan.committed = True  # a second run: nothing to write, not even an audit row
            return plan

        reasons = {
            PROMOTE: "премина в {to}",
            REPEAT: "повтаря в {to}",
            LEAVE: "отписан в края на годината",
            GRADUATE: "завършил",
        }
        refresh: list[tuple[int, int]] = []
        # promoted pupils first, so that they keep their numbers; repeaters join at the end
        for enrollment, student, action, new_class in sorted(writes, key=lambda w: w[2] == REPEAT):
            enrollment.left_on = source.ends_on
            enrollment.left_reason = reasons[action].format(
                to=new_class.name if new_class is not None else ""
            )
            after: dict[str, Any] = {"action": action, "left_on": source.ends_on.isoformat()}
            if new_class is not None:
                db.session.add(
                    Enrollment(
                        school_id=actor.school_id,
                        student_id=student.id,
                        class_id=new_class.id,
                        class_number=free_number(
                            new_class, enrollment.class_number if action == PROMOTE else None
                        ),
                        enrolled_on=target.starts_on,
                    )
                )
                after["class_id"] = new_class.id
                refresh.append((student.id, target.id))
            audit(
                actor,
                "promote",
                student,
                before={"class_id": enrollment.class_id},
                after=after,
                student_id=student.id,
                reason=f"{source.name} → {target.name}",
            )
        _make_current(actor, target)
        audit(
            actor,
            "transition",
            target,
            before={"from_year": source.id},
            after={
                "classes": plan.new_classes,
                "pupils": len(plan.moves),
                "curriculum_rows": plan.curriculum_rows,
                "timetable_slots": plan.timetable_slots,
            },
        )
        _commit(refresh)
        plan.committed = True
        return plan

    return _run(work)


# --- messages: a teacher starts a conversation with a parent --------------------------------------
def can_message_student(actor: Actor, student_id: int) -> bool:
    """Staff write to the parents of a pupil they teach or are the class teacher of."""
    klass = student_class(student_id)
    return klass is not None and (
        klass.id in actor.class_teacher_of or klass.id in actor.teaches_classes
    )


def start_thread(
    actor: Actor, student_id: int, *, guardian_id: int, subject: str, body: str
) -> MessageThread:
    """A new conversation of this teacher with one parent of the pupil; the parent is told."""

    def work() -> MessageThread:
        student = get_in_school(Student, student_id, actor.school_id)
        if not can_message_student(actor, student.id):
            raise Forbidden(msg("message.own_students_only"))
        link = db.session.scalar(
            sa.select(GuardianStudent).where(
                GuardianStudent.student_id == student.id,
                GuardianStudent.guardian_id == guardian_id,
                GuardianStudent.school_id == actor.school_id,
            )
        )
        errors: dict[str, str] = {}
        if link is None:
            errors["guardian_id"] = msg("message.choose_guardian")
        the_subject = (subject or "").strip()
        if not the_subject or len(the_subject) > 200:
            errors["subject"] = msg("message.subject_format")
        try:
            _clean_text(body, 4000, "body")
        except Invalid as exc:
            errors.update(exc.errors)
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        now = clock.utc_naive()
        thread = MessageThread(
            school_id=actor.school_id,
            student_id=student.id,
            guardian_id=guardian_id,
            staff_id=actor.staff_id,
            subject=the_subject,
            created_at=now,
            updated_at=now,
        )
        db.session.add(thread)
        db.session.flush()
        audit(
            actor,
            "create",
            thread,
            before=None,
            after={"guardian_id": guardian_id, "subject": the_subject},
            student_id=student.id,
        )
        _add_staff_message(actor, thread, body)
        _commit()
        return thread

    return _run(work)
