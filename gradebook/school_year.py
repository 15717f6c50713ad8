"""A new school year and moving the school into it: new classes, the promotion of pupils
(repeaters, leavers, graduates), the curriculum and the timetable carried over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from gradebook import book_lock
from gradebook import rules
from gradebook import year_results
from gradebook.core import Actor
from gradebook.core import Invalid
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import parse_date
from gradebook.core import require_admin
from gradebook.messages import msg
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import Subject
from models import TimetableSlot
from models import db


def next_class_name(name: str, level: int) -> str:
    """ "8е" → "9е"; a name without leading digits stays as it is, except a preparatory group
    going into first grade (:func:`rules.first_grade_class_name`: "ПГ б" → "1б")."""
    digits = len(name) - len(name.lstrip("0123456789"))
    if digits:
        return f"{level}{name[digits:]}"
    return rules.first_grade_class_name(name) if level == 1 else name


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
        require_admin(actor)
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
        check_fields(errors)
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
        add_audited(actor, year)
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
                    name=next_class_name(klass.name, level),
                    class_teacher_id=klass.class_teacher_id,
                    shift=klass.shift,
                    profile=klass.profile,
                )
                add_audited(actor, copy)
        if make_current:
            _make_current(actor, year)
        commit_refreshed()
        return year

    return atomic(work)


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
        require_admin(actor)
        year = get_in_school(SchoolYear, year_id, actor.school_id)
        _make_current(actor, year)
        commit_refreshed()
        return year

    return atomic(work)


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
    open_books: list[str] = field(default_factory=list)  # classes of ``source`` not finalised

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
        require_admin(actor)
        target = get_in_school(SchoolYear, target_year_id, actor.school_id)
        if commit:  # two admins committing at once: the second waits, then finds it done
            db.session.refresh(target, with_for_update=True)
        source = previous_year(actor.school_id, target)
        if source is None:
            raise Invalid(msg("promotion.no_previous_year"))
        plan = YearTransition(source=source, target=target)
        plan.open_books = [row.name for row in book_lock.open_books(actor.school_id, source.id)]
        if commit and plan.open_books:
            names = ", ".join(plan.open_books)
            raise Invalid(msg("promotion.books_open", year=source.name, names=names))
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
                    add_audited(actor, klass)
            return klass

        promoted_to: dict[int, SchoolClass] = {}
        for klass in old_classes:
            if klass.grade_level < 12:
                level = klass.grade_level + 1
                promoted_to[klass.id] = target_class(
                    klass, level, next_class_name(klass.name, level)
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
        recorded = year_results.outcomes(actor.school_id, source.id)
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
            if fails:  # the class teacher's annual result, once recorded, is the default
                action = decisions.get(student.id, recorded.get(student.id, REPEAT))
                if action not in DECISIONS:
                    raise Invalid(msg("promotion.choose_outcome"), {str(student.id): "?"})
            elif decisions.get(student.id) == LEAVE:
                action = LEAVE
            elif decisions.get(student.id, recorded.get(student.id)) == REPEAT:
                action = REPEAT  # "повтаря" recorded in the annual results
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
        commit_refreshed(refresh)
        plan.committed = True
        return plan

    return atomic(work)
