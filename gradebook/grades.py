"""Grades: a column of current grades, one grade, its correction and deletion (with a reason),
and the term and annual grades. The grading rules themselves (the scale, the words, qualitative and
СОП marks, averages) are pure and live in :mod:`gradebook.rules`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import lesson_cover
from gradebook import rules
from gradebook import summary
from gradebook.core import CONFLICT_BG
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import active_enrollments
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import cancel_notices
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import commit_refreshed
from gradebook.core import delete_with_reason
from gradebook.core import edit_with_reason
from gradebook.core import get_in_school
from gradebook.core import notify_pupil
from gradebook.core import optional_text
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.core import snapshot
from gradebook.messages import msg
from gradebook.timetable import school_day_problem
from models import Curriculum
from models import Exam
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import NotifyEvent
from models import SchoolYear
from models import SopMark
from models import Student
from models import Subject
from models import db
from notify import outbox


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


def _new_grade(
    actor: Actor,
    year: SchoolYear,
    curriculum: Curriculum,
    student_id: int,
    *,
    term: int | None,
    kind: str,
    category: GradeCategory,
    value: Decimal | None,
    date: dt.date,
    sop_mark: SopMark | None = None,
    comment: str = "",
    exam_id: int | None = None,
) -> Grade:
    """A new grade of one pupil in one subject of the class, by the actor (not yet added)."""
    return Grade(
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
        date=date,
        comment=(comment or "").strip(),  # checked by the caller (optional_text)
        exam_id=exam_id,
    )


def planned_exam_id(curriculum_id: int, day: dt.date, kind: str) -> int | None:
    """The planned test (the tests schedule) a grade of ``kind`` belongs to: a контролна or
    класна of the same curriculum row on the same date; None for other kinds or none planned."""
    if kind not in rules.GRADE_KIND_OF_EXAM.values():
        return None
    return db.session.scalar(
        sa.select(Exam.id)
        .where(Exam.curriculum_id == curriculum_id, Exam.date == day, Exam.kind == kind)
        .order_by(Exam.id)
        .limit(1)
    )


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
        curriculum = get_in_school(Curriculum, curriculum_id, actor.school_id)
        errors: dict[str, str] = {}
        day = read_field(errors, lambda: parse_date(date))
        # the substitute of a lesson of this row enters grades dated that lesson's day
        if not actor.can_write_grades(curriculum) and not (
            day is not None
            and lesson_cover.substitutes_curriculum(
                actor.school_id, actor.staff_id, curriculum.id, day
            )
        ):
            raise Forbidden(msg("grade.forbidden"))
        klass = curriculum.school_class
        if kind not in rules.CURRENT_KINDS:
            errors["kind"] = msg("grade.choose_kind")
        optional_text(errors, comment, 500, "comment")
        check_fields(errors)
        assert day is not None
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, override=override_lock, what="grade column")
        problem = school_day_problem(year, day, klass)
        if problem is not None:
            raise problem
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
        exam_id = planned_exam_id(curriculum.id, day, kind)
        saved: list[Grade] = []
        for student_id, (category, value, sop_mark) in parsed.items():
            grade = _new_grade(
                actor,
                year,
                curriculum,
                student_id,
                term=term,
                kind=kind,
                category=category,
                value=value,
                sop_mark=sop_mark,
                date=day,
                comment=comment,
                exam_id=exam_id,
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
        commit_refreshed(((g.student_id, year.id) for g in saved), [summary.GRADES])
        return saved

    return atomic(work)


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
        year = db.session.get(SchoolYear, grade.school_year_id)
        assert year is not None

        def change() -> None:
            new_kind = kind or grade.kind.value
            new_day = parse_date(date) if date else grade.date
            check_lock(actor, year, grade.date, override=override_lock, what="grade update")
            if new_day != grade.date:
                check_lock(actor, year, new_day, override=override_lock, what="grade update")
                problem = school_day_problem(year, new_day, curriculum.school_class)
                if problem is not None:
                    raise problem
            try:
                category, val, sop = parse_grade_input(
                    value, curriculum.school_class.grade_level, new_kind, grade.student.sop
                )
            except rules.RuleError as exc:
                raise Invalid(exc.message_bg, {"value": exc.message_bg}) from None
            if new_kind in rules.FINAL_KINDS and grade.kind.value not in rules.FINAL_KINDS:
                raise Invalid(msg("grade.kind_not_final"), {"kind": "—"})
            grade.kind = GradeKind(new_kind)
            grade.category, grade.value, grade.sop_mark = category, val, sop
            grade.date = new_day
            grade.exam_id = planned_exam_id(grade.curriculum_id, new_day, new_kind)
            if grade.kind not in (GradeKind.TERM, GradeKind.ANNUAL):
                grade.term = year.term_of(new_day)
            if comment is not None:
                errors: dict[str, str] = {}
                grade.comment = optional_text(errors, comment, 500, "comment")
                check_fields(errors)
            grade.teacher_id = grade.teacher_id or actor.staff_id

        was = _grade_payload(grade, grade.student, grade.subject)["text"]
        edit_with_reason(actor, grade, version=version, reason=reason, change=change)
        notify_pupil(
            actor,
            grade.student_id,
            NotifyEvent.GRADE,
            "grade",
            grade,
            {
                **_grade_payload(grade, grade.student, grade.subject),
                "changed": True,
                "previous": was,  # the parent was told this one: say what it became
            },
        )
        commit_refreshed([(grade.student_id, year.id)], [summary.GRADES])
        return grade

    return atomic(work)


def delete_grade(
    actor: Actor,
    grade_id: int,
    *,
    version: int | str | None,
    reason: str,
    override_lock: bool = False,
) -> None:
    delete_with_reason(
        actor,
        Grade,
        grade_id,
        reason=reason,
        version=version,
        check=lambda grade: _grade_curriculum(actor, grade.curriculum_id),
        withdraw=lambda grade, _curriculum, _why: cancel_notices(
            "grade", grade, grade.student_id, grade.school_year_id
        ),
        lock_what="grade delete",
        override_lock=override_lock,
        refresh_parts=[summary.GRADES],
    )


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
                grade = _new_grade(
                    actor,
                    year,
                    curriculum,
                    student_id,
                    term=the_term,
                    kind=kind,
                    category=category,
                    value=value,
                    date=min(day, year.ends_on),
                )
                add_audited(actor, grade, reason=reason)
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
        commit_refreshed(((g.student_id, year.id) for g in saved), [summary.GRADES])
        return saved

    return atomic(work)
