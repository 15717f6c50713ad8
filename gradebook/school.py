"""The structure of a school: classes, subjects, class teachers and the curriculum (who
teaches what to which class, for how many hours), with their edits and deletions (refused while
anything still uses them)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any
from typing import TypeVar

import sqlalchemy as sa

from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Conflict
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import add_committed
from gradebook.core import admin_delete
from gradebook.core import atomic
from gradebook.core import check_fields
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import get_in_school
from gradebook.core import int_in
from gradebook.core import read_field
from gradebook.core import require_admin
from gradebook.core import update_audited
from gradebook.messages import msg
from models import Absence
from models import Curriculum
from models import CurriculumSection
from models import Enrollment
from models import Event
from models import Grade
from models import ParentMeeting
from models import SchoolClass
from models import StaffMembership
from models import Subject
from models import TimetableSlot
from models import db

M = TypeVar("M")


def _set_teacher(
    actor: Actor, model: type[M], object_id: int, attr: str, staff_id: int | None, field_name: str
) -> M:
    """Set the teacher column ``attr`` of a row of the admin's school (a member of it, or none)."""

    def work() -> M:
        require_admin(actor)
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

    return atomic(work)


def set_class_teacher(actor: Actor, class_id: int, staff_id: int | None) -> SchoolClass:
    return _set_teacher(
        actor, SchoolClass, class_id, "class_teacher_id", staff_id, "class_teacher_id"
    )


def set_curriculum_teacher(actor: Actor, curriculum_id: int, staff_id: int | None) -> Curriculum:
    return _set_teacher(actor, Curriculum, curriculum_id, "teacher_id", staff_id, "teacher_id")


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


def _class_name(name: str, errors: dict[str, str]) -> str:
    """A class's typed name ("5а"), its message into ``errors`` when it is empty or too long."""
    the_name = (name or "").strip()
    if not the_name or len(the_name) > 20:
        errors["name"] = msg("class.name_format")
    return the_name


def _class_name_taken(
    actor: Actor, year_id: int, name: str, *, other_than: int | None = None
) -> bool:
    """Another class of this school year already has this name."""
    query = sa.select(SchoolClass.id).where(
        SchoolClass.school_id == actor.school_id,
        SchoolClass.school_year_id == year_id,
        SchoolClass.name == name,
    )
    if other_than is not None:
        query = query.where(SchoolClass.id != other_than)
    return db.session.scalar(query) is not None


def _class_numbers(
    actor: Actor,
    errors: dict[str, str],
    grade_level: Any,
    shift: Any,
    class_teacher_id: int | None,
) -> tuple[int | None, int | None, int | None]:
    """A class form's grade level, shift and class teacher; their messages into ``errors``."""
    level = read_field(
        errors, lambda: int_in(grade_level, 0, 12, "grade_level", msg("class.grade_level_range"))
    )
    the_shift = read_field(errors, lambda: int_in(shift, 1, 2, "shift", msg("class.shift_range")))
    teacher = read_field(
        errors, lambda: _member_of_school(actor, class_teacher_id, "class_teacher_id")
    )
    return level, the_shift, teacher


def create_class(
    actor: Actor, *, name: str, grade_level: Any, shift: Any = 1, class_teacher_id: int | None
) -> SchoolClass:
    def work() -> SchoolClass:
        require_admin(actor)
        errors: dict[str, str] = {}
        the_name = _class_name(name, errors)
        level, the_shift, teacher = _class_numbers(
            actor, errors, grade_level, shift, class_teacher_id
        )
        year = current_year(actor.school_id)
        if the_name and _class_name_taken(actor, year.id, the_name):
            errors["name"] = msg("class.exists")
        check_fields(errors)
        klass = SchoolClass(
            school_id=actor.school_id,
            school_year_id=year.id,
            name=the_name,
            grade_level=level,
            shift=the_shift,
            class_teacher_id=teacher,
        )
        return add_committed(actor, klass)

    return atomic(work)


def create_subject(actor: Actor, *, name: str, short_name: str = "") -> Subject:
    def work() -> Subject:
        require_admin(actor)
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
        return add_committed(actor, subject)

    return atomic(work)


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
    teacher = read_field(errors, lambda: _member_of_school(actor, teacher_id, "teacher_id"))
    hours: list[Decimal] = []
    for key, raw in (("hours_term1", hours_term1), ("hours_term2", hours_term2)):
        value = read_field(errors, partial(_hours, raw, key))
        if value is not None:
            hours.append(value)
    if section not in {s.value for s in CurriculumSection}:
        errors["section"] = msg("common.choose_section")
    return teacher, hours, (group_name or "").strip()[:40]


def _curriculum_taken(
    class_id: int, subject_id: int, section: str, group: str, *, other_than: int | None = None
) -> bool:
    """The class already has this subject in this section and group (another row of it)."""
    query = sa.select(Curriculum.id).where(
        Curriculum.class_id == class_id,
        Curriculum.subject_id == subject_id,
        Curriculum.section == section,
        Curriculum.group_name == group,
    )
    if other_than is not None:
        query = query.where(Curriculum.id != other_than)
    return db.session.scalar(query) is not None


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
        require_admin(actor)
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
        if subject is not None and _curriculum_taken(klass.id, subject.id, section, group):
            errors["subject_id"] = msg("curriculum.subject_exists")
        check_fields(errors)
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
        return add_committed(actor, row)

    return atomic(work)


def _save_changes(actor: Actor, obj: M, changes: Mapping[str, Any]) -> M:
    """Set the columns of a row, audit before/after and commit (inside a use-case's work)."""

    def change() -> None:
        for key, value in changes.items():
            setattr(obj, key, value)

    update_audited(actor, obj, change)
    commit_refreshed()
    return obj


def _refuse_if_used(what: str, checks: Iterable[tuple[str, Any]]) -> None:
    """Refuse a delete while rows depend on the object: ``checks`` are (Bulgarian noun, count
    query); the message lists what depends on it."""
    used = [f"{noun} ({count})" for noun, query in checks if (count := db.session.scalar(query))]
    if used:
        raise Conflict(msg("delete.in_use", what=what, used=", ".join(used)))


def _count(model: Any, *where: Any) -> Any:
    return sa.select(sa.func.count()).select_from(model).where(*where)


def _diary_rows(column: str, value: int) -> tuple[tuple[str, Any], ...]:
    """The grades, absences and lessons whose ``column`` (``subject_id``, ``curriculum_id``)
    points at the row, as :func:`_refuse_if_used` counts them."""
    return tuple(
        (noun, _count(model, getattr(model, column) == value))
        for noun, model in (
            (msg("delete.dep_grades"), Grade),
            (msg("delete.dep_absences"), Absence),
            (msg("delete.dep_timetable"), TimetableSlot),
        )
    )


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
        require_admin(actor)
        klass = get_in_school(SchoolClass, class_id, actor.school_id)
        errors: dict[str, str] = {}
        the_name = _class_name(name, errors)
        if "name" not in errors and _class_name_taken(
            actor, klass.school_year_id, the_name, other_than=klass.id
        ):
            errors["name"] = msg("class.exists")
        level, shift_no, teacher = _class_numbers(
            actor, errors, grade_level, shift, class_teacher_id
        )
        check_fields(errors)
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

    return atomic(work)


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
    return admin_delete(
        actor,
        model,
        object_id,
        result,
        refuse=lambda obj: _refuse_if_used(what(obj), checks(obj)),
        cleanup=cleanup,
    )


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
        require_admin(actor)
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

    return atomic(work)


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
            *_diary_rows("subject_id", subject.id),
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
        require_admin(actor)
        row = get_in_school(Curriculum, curriculum_id, actor.school_id)
        errors: dict[str, str] = {}
        teacher, hours, group = _curriculum_fields(
            actor, errors, teacher_id, hours_term1, hours_term2, section, group_name
        )
        if not errors and _curriculum_taken(
            row.class_id, row.subject_id, section, group, other_than=row.id
        ):
            errors["group_name"] = msg("curriculum.section_group_exists")
        check_fields(errors)
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

    return atomic(work)


def delete_curriculum(actor: Actor, curriculum_id: int) -> int:
    """Remove a subject from a class's curriculum when nothing depends on it; returns the class."""
    return _delete_unless_used(
        actor,
        Curriculum,
        curriculum_id,
        lambda row: msg("delete.what_curriculum", name=row.subject.name),
        lambda row: _diary_rows("curriculum_id", row.id),
        lambda row: row.class_id,
    )
