"""Teacher absences and substitutions (the school admin's): record an absence of a teacher, see
every lesson of theirs that it touches (school days only), and per lesson assign what happens
with the Ministry's code — 1 free hour, 2 non-specialist, 3 specialist, 4 external lecturer.

Every write is the admin's, audited, in one transaction; the month lock holds (an admin's audited
override); a substitute is never double-booked at a period (their own timetable, another
substitution, their own absence); two absences of one teacher never overlap. Who then takes the
register and the grades of a covered lesson is :mod:`gradebook.lesson_cover` (reads); the rules
are :mod:`gradebook.rules.substitutions`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import lesson_cover
from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Conflict
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import active_enrollments
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import check_version
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import get_in_school
from gradebook.core import optional_text
from gradebook.core import parse_choice
from gradebook.core import parse_date
from gradebook.core import read_field
from gradebook.core import reason_required
from gradebook.core import require_admin
from gradebook.core import snapshot
from gradebook.core import update_audited
from gradebook.lessons import find_lesson
from gradebook.lessons import lesson_for
from gradebook.messages import msg
from gradebook.rules import substitutions as sub_rules
from models import Curriculum
from models import Lesson
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffUser
from models import Substitution
from models import TeacherAbsence
from models import TeacherAbsenceReason
from models import TimetableSlot
from models import db

REASON_BG = {reason: sub_rules.REASON_BG[reason.value] for reason in TeacherAbsenceReason}


def _staff_of_school(school_id: int, staff_id: Any, field_name: str) -> StaffUser:
    try:
        number = int(staff_id)
    except (TypeError, ValueError):
        raise Invalid(
            msg("substitution.choose_teacher"), {field_name: msg("common.choose")}
        ) from None
    staff = db.session.get(StaffUser, number) if 0 < number <= rules.MAX_DB_ID else None
    member = staff is not None and db.session.scalar(
        sa.select(StaffMembership.id).where(
            StaffMembership.staff_id == number, StaffMembership.school_id == school_id
        )
    )
    if staff is None or not member or not staff.active:
        raise NotFound(msg("common.not_found"))
    return staff


def _optional_period(raw: Any, field_name: str) -> int | None:
    if raw in (None, "", "0"):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid(
            msg("substitution.period_range"), {field_name: msg("substitution.period_range")}
        ) from None
    if not 1 <= value <= sub_rules.LAST_PERIOD:
        raise Invalid(
            msg("substitution.period_range"), {field_name: msg("substitution.period_range")}
        )
    return value


def _lock(actor: Actor, year: SchoolYear, day: dt.date, override: bool, what: str) -> None:
    """The month lock of a past day (an absence planned ahead is no future entry)."""
    if day <= clock.today():
        check_lock(actor, year, day, override=override, what=what)


def _range_text(a: TeacherAbsence) -> str:
    first, last = rules.format_date_bg(a.first_day), rules.format_date_bg(a.last_day)
    return first if a.first_day == a.last_day else f"{first} – {last}"


@dataclass(frozen=True)
class _Fields:
    teacher: StaffUser
    first: dt.date
    last: dt.date
    from_period: int | None
    to_period: int | None
    reason: TeacherAbsenceReason
    comment: str


def _read_fields(actor: Actor, year: SchoolYear, values: dict[str, Any]) -> _Fields:
    errors: dict[str, str] = {}
    teacher = read_field(
        errors, lambda: _staff_of_school(actor.school_id, values.get("teacher_id"), "teacher_id")
    )
    first = read_field(errors, lambda: parse_date(values.get("first_day"), "first_day"))
    last = read_field(errors, lambda: parse_date(values.get("last_day"), "last_day"))
    from_p = read_field(errors, lambda: _optional_period(values.get("from_period"), "from_period"))
    to_p = read_field(errors, lambda: _optional_period(values.get("to_period"), "to_period"))
    reason = read_field(
        errors,
        lambda: parse_choice(
            TeacherAbsenceReason, values.get("reason"), "reason", msg("substitution.choose_reason")
        ),
    )
    comment = optional_text(errors, values.get("comment") or "", 500, "comment")
    check_fields(errors)
    assert teacher and first and last and reason
    problem = sub_rules.period_range_problem(first, last, from_p, to_p)
    if problem == "last_before_first":
        raise Invalid(msg("substitution.last_before_first"), {"last_day": msg("common.required")})
    if problem == "to_before_from":
        raise Invalid(msg("substitution.to_before_from"), {"to_period": msg("common.required")})
    for day, name in ((first, "first_day"), (last, "last_day")):
        if not year.starts_on <= day <= year.ends_on:
            raise Invalid(msg("date.outside_year"), {name: msg("date.outside_year")})
    return _Fields(teacher, first, last, from_p, to_p, reason, comment)


def _check_overlap(actor: Actor, fields: _Fields, exclude_id: int | None) -> None:
    others = db.session.scalars(
        sa.select(TeacherAbsence).where(
            TeacherAbsence.school_id == actor.school_id,
            TeacherAbsence.teacher_id == fields.teacher.id,
            TeacherAbsence.first_day <= fields.last,
            TeacherAbsence.last_day >= fields.first,
            TeacherAbsence.id != (exclude_id or 0),
        )
    )
    mine = (fields.first, fields.last, fields.from_period, fields.to_period)
    for other in others:
        theirs = (other.first_day, other.last_day, other.from_period, other.to_period)
        if sub_rules.absences_overlap(mine, theirs):
            raise Conflict(
                msg(
                    "substitution.absence_overlaps",
                    name=fields.teacher.full_name,
                    dates=_range_text(other),
                ),
                {"first_day": msg("substitution.absence_overlaps_field")},
            )


def create_absence(actor: Actor, *, override_lock: bool = False, **values: Any) -> TeacherAbsence:
    """A new absence of a teacher: ``teacher_id``, ``first_day``, ``last_day``, optionally
    ``from_period`` (first day) and ``to_period`` (last day), ``reason`` and ``comment``."""

    def work() -> TeacherAbsence:
        require_admin(actor)
        year = current_year(actor.school_id)
        fields = _read_fields(actor, year, values)
        _lock(actor, year, fields.first, override_lock, "teacher absence")
        _check_overlap(actor, fields, None)
        absence = TeacherAbsence(
            school_id=actor.school_id,
            school_year_id=year.id,
            teacher_id=fields.teacher.id,
            first_day=fields.first,
            last_day=fields.last,
            from_period=fields.from_period,
            to_period=fields.to_period,
            reason=fields.reason,
            comment=fields.comment,
            created_by_id=actor.staff_id,
        )
        add_audited(actor, absence)
        commit_refreshed()
        return absence

    return atomic(work)


def _drop_substitution(actor: Actor, sub: Substitution, why: str) -> set[int]:
    """Delete an assignment (audited); returns its lesson's class (whose pupils' read model says
    tomorrow's free hours)."""
    class_id = sub.lesson.class_id
    audit(actor, "delete", sub, before=snapshot(sub), after=None, reason=why)
    db.session.delete(sub)
    return {class_id}


def _pupils_of(class_ids: set[int], year_id: int) -> list[tuple[int, int]]:
    """The (student id, school year id) pairs of the classes' pupils: their read model (the
    phone line's "tomorrow") names the free hours."""
    return [
        (e.student_id, year_id)
        for class_id in sorted(class_ids)
        for e in active_enrollments(class_id)
    ]


def update_absence(
    actor: Actor,
    absence_id: int,
    *,
    version: int | str | None = None,
    override_lock: bool = False,
    **values: Any,
) -> TeacherAbsence:
    """Correct an absence (the teacher stays); assignments of lessons it no longer touches go
    (each audited)."""

    def work() -> TeacherAbsence:
        require_admin(actor)
        absence = get_in_school(TeacherAbsence, absence_id, actor.school_id)
        check_version(absence, version)
        year = db.session.get(SchoolYear, absence.school_year_id)
        assert year is not None
        fields = _read_fields(actor, year, {**values, "teacher_id": absence.teacher_id})
        _lock(actor, year, min(fields.first, absence.first_day), override_lock, "teacher absence")
        _check_overlap(actor, fields, absence.id)

        def change() -> None:
            absence.first_day, absence.last_day = fields.first, fields.last
            absence.from_period, absence.to_period = fields.from_period, fields.to_period
            absence.reason, absence.comment = fields.reason, fields.comment

        update_audited(actor, absence, change)
        touched: set[int] = set()
        db.session.expire(absence, ["substitutions"])  # as the database holds them (see delete)
        for sub in list(absence.substitutions):
            lesson = sub.lesson
            if not sub_rules.period_in_absence(
                lesson.date,
                lesson.period,
                absence.first_day,
                absence.last_day,
                absence.from_period,
                absence.to_period,
            ):
                touched |= _drop_substitution(actor, sub, "outside the corrected absence")
        commit_refreshed(_pupils_of(touched, absence.school_year_id))
        return absence

    return atomic(work)


def delete_absence(
    actor: Actor,
    absence_id: int,
    *,
    reason: str,
    version: int | str | None = None,
    override_lock: bool = False,
) -> None:
    """Delete an absence and its assignments, with a reason (every row audited)."""

    def work() -> None:
        require_admin(actor)
        absence = get_in_school(TeacherAbsence, absence_id, actor.school_id)
        check_version(absence, version)
        why = reason_required(reason)
        year = db.session.get(SchoolYear, absence.school_year_id)
        assert year is not None
        _lock(actor, year, absence.first_day, override_lock, "teacher absence")
        touched: set[int] = set()
        # read the assignments from the database, not the loaded collection: a lesson deleted
        # since (a class or a timetable row removed) took its assignment with it (ON DELETE
        # CASCADE), and deleting that stale object again would match no row
        db.session.expire(absence, ["substitutions"])
        live = db.session.scalars(
            sa.select(Substitution).where(Substitution.absence_id == absence.id)
        )
        for sub in list(live):
            touched |= _drop_substitution(actor, sub, why)
        db.session.flush()
        db.session.expire(absence, ["substitutions"])
        audit(actor, "delete", absence, before=snapshot(absence), after=None, reason=why)
        db.session.delete(absence)
        commit_refreshed(_pupils_of(touched, year.id))

    atomic(work)


# --- the lessons an absence touches ------------------------------------------------------------
def _teacher_slots(school_id: int, year: SchoolYear, teacher_id: int) -> list[TimetableSlot]:
    """The slots of this year's timetable whose teacher is ``teacher_id`` (the slot's own, or
    its curriculum row's when the slot names none)."""
    return list(
        db.session.scalars(
            sa.select(TimetableSlot)
            .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
            .join(Curriculum, Curriculum.id == TimetableSlot.curriculum_id)
            .where(
                TimetableSlot.school_id == school_id,
                SchoolClass.school_year_id == year.id,
                sa.or_(
                    TimetableSlot.teacher_id == teacher_id,
                    sa.and_(
                        TimetableSlot.teacher_id.is_(None), Curriculum.teacher_id == teacher_id
                    ),
                ),
            )
            .options(
                sa.orm.joinedload(TimetableSlot.school_class),
                sa.orm.joinedload(TimetableSlot.subject),
            )
        ).unique()
    )


def _slot_ref(slot: TimetableSlot, year: SchoolYear) -> sub_rules.SlotRef:
    runs_from, runs_to = year.starts_on, year.ends_on
    if slot.term == 1:
        runs_to = year.term2_starts_on - dt.timedelta(days=1)
    elif slot.term == 2:
        runs_from = year.term2_starts_on
    return sub_rules.SlotRef(slot.id, slot.weekday, slot.period, slot.class_id, runs_from, runs_to)


def _days_off(
    year: SchoolYear, classes: dict[int, SchoolClass], first: dt.date, last: dt.date
) -> dict[int, set[dt.date]]:
    off: dict[int, set[dt.date]] = defaultdict(set)
    for holiday in db.session.scalars(
        sa.select(NonSchoolDay).where(
            NonSchoolDay.school_year_id == year.id,
            NonSchoolDay.date_from <= last,
            NonSchoolDay.date_to >= first,
        )
    ):
        for klass in classes.values():
            if holiday.grade_from <= klass.grade_level <= holiday.grade_to:
                day = max(holiday.date_from, first)
                while day <= min(holiday.date_to, last):
                    off[klass.id].add(day)
                    day += dt.timedelta(days=1)
    return off


@dataclass(frozen=True)
class AbsenceLesson:
    """One lesson an absence touches, with what the admin assigned (or None)."""

    day: dt.date
    slot: TimetableSlot
    substitution: Substitution | None

    @property
    def held(self) -> bool:
        return sub_rules.is_held(self.substitution.kind if self.substitution else None)


def absence_lessons(actor: Actor, absence: TeacherAbsence) -> list[AbsenceLesson]:
    """Every lesson of the absent teacher that the absence touches, school days only."""
    year = db.session.get(SchoolYear, absence.school_year_id)
    assert year is not None
    slots = {s.id: s for s in _teacher_slots(actor.school_id, year, absence.teacher_id)}
    classes = {s.class_id: s.school_class for s in slots.values()}
    touched = sub_rules.touched_lessons(
        [_slot_ref(s, year) for s in slots.values()],
        absence.first_day,
        absence.last_day,
        absence.from_period,
        absence.to_period,
        _days_off(year, classes, absence.first_day, absence.last_day),
    )
    assigned = {
        (sub.lesson.slot_id, sub.lesson.date): sub
        for sub in db.session.scalars(
            sa.select(Substitution)
            .where(Substitution.absence_id == absence.id)
            .options(sa.orm.joinedload(Substitution.lesson))
        )
    }
    return [
        AbsenceLesson(t.day, slots[t.slot_id], assigned.get((t.slot_id, t.day))) for t in touched
    ]


# --- assigning a lesson ------------------------------------------------------------------------
def _lesson_label(class_name: str, subject_name: str) -> str:
    return f"{class_name}, {subject_name}"


def _busy(school_id: int, year: SchoolYear, staff_id: int, day: dt.date) -> list[sub_rules.Busy]:
    """What ``staff_id`` already teaches on ``day``: their own timetable (unless their own
    absence covers it) and the lessons they substitute."""
    out: list[sub_rules.Busy] = []
    for slot in _teacher_slots(school_id, year, staff_id):
        ref = _slot_ref(slot, year)
        if slot.weekday == day.isoweekday() and ref.runs_from <= day <= ref.runs_to:
            out.append(
                sub_rules.Busy(
                    day,
                    slot.period,
                    _lesson_label(slot.school_class.name, slot.subject.name),
                    (slot.id, day),
                )
            )
    for lesson in db.session.scalars(
        sa.select(Lesson)
        .join(Substitution, Lesson.id == Substitution.lesson_id)
        .where(
            Substitution.school_id == school_id,
            Substitution.substitute_id == staff_id,
            Lesson.date == day,
        )
        .options(sa.orm.joinedload(Lesson.school_class), sa.orm.joinedload(Lesson.subject))
    ):
        out.append(
            sub_rules.Busy(
                day,
                lesson.period,
                _lesson_label(lesson.school_class.name, lesson.subject.name),
                (lesson.slot_id or 0, day),
            )
        )
    return out


KIND_ERRORS = {
    "unknown_kind": ("kind", msg("substitution.unknown_kind")),
    "free_hour_has_nobody": ("substitute_id", msg("substitution.free_hour_has_nobody")),
    "substitute_required": ("substitute_id", msg("substitution.substitute_required")),
    "staff_has_no_external_name": (
        "external_name",
        msg("substitution.staff_has_no_external_name"),
    ),
    "external_name_required": ("external_name", msg("substitution.external_name_required")),
    "substitute_is_absent_teacher": (
        "substitute_id",
        msg("substitution.substitute_is_absent_teacher"),
    ),
}


def _kind_error(problem: str) -> Invalid:
    field_name, text = KIND_ERRORS[problem]
    return Invalid(text, {field_name: text})


def assign_lesson(
    actor: Actor,
    absence_id: int,
    slot_id: int,
    *,
    day: str | dt.date,
    kind: Any,
    substitute_id: Any = None,
    external_name: str = "",
    override_lock: bool = False,
) -> Substitution:
    """What happens to one lesson of the absence: a free hour, a substitute of the school
    (non-specialist or specialist), or an external lecturer by name."""

    def work() -> Substitution:
        require_admin(actor)
        absence = get_in_school(TeacherAbsence, absence_id, actor.school_id)
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        the_day = parse_date(day)
        lessons = {(a.slot.id, a.day) for a in absence_lessons(actor, absence)}
        if (slot.id, the_day) not in lessons:
            raise NotFound(msg("substitution.lesson_not_in_absence"))
        year = db.session.get(SchoolYear, absence.school_year_id)
        assert year is not None
        _lock(actor, year, the_day, override_lock, "substitution")
        try:
            code = int(kind)
        except (TypeError, ValueError):
            code = 0
        name = (external_name or "").strip()
        substitute: StaffUser | None = None
        if substitute_id not in (None, ""):
            substitute = _staff_of_school(actor.school_id, substitute_id, "substitute_id")
        problem = sub_rules.kind_problem(code, substitute is not None, name)
        if problem is not None:
            raise _kind_error(problem)
        if len(name) > 200:
            raise Invalid(
                msg("common.text_too_long"),
                {"external_name": msg("common.text_limit", limit=200, length=len(name))},
            )
        if substitute is not None:
            if substitute.id == absence.teacher_id:
                raise _kind_error("substitute_is_absent_teacher")
            _check_free(actor, year, substitute, slot, the_day)
        lesson = lesson_for(slot, the_day)
        existing = db.session.scalar(
            sa.select(Substitution).where(Substitution.lesson_id == lesson.id)
        )
        values = {
            "kind": code,
            "substitute_id": substitute.id if substitute else None,
            "external_name": name or None,
        }
        if existing is not None:
            if existing.absence_id != absence.id:
                raise Conflict(msg("substitution.lesson_taken"))

            def change() -> None:
                for key, value in values.items():
                    setattr(existing, key, value)

            update_audited(actor, existing, change)
            sub = existing
        else:
            sub = add_audited(
                actor,
                Substitution(
                    school_id=actor.school_id, absence_id=absence.id, lesson_id=lesson.id, **values
                ),
            )
        commit_refreshed(_pupils_of({slot.class_id}, year.id))
        return sub

    return atomic(work)


def _check_free(
    actor: Actor, year: SchoolYear, substitute: StaffUser, slot: TimetableSlot, day: dt.date
) -> None:
    """Refuse a substitute who teaches, substitutes or is absent at that period."""
    own_absence = lesson_cover.absence_touching(actor.school_id, substitute.id, day, slot.period)
    if own_absence is not None:
        raise Conflict(
            msg(
                "substitution.substitute_absent",
                name=substitute.full_name,
                date=rules.format_date_bg(day),
                dates=_range_text(own_absence),
            ),
            {"substitute_id": msg("substitution.substitute_busy_field")},
        )
    clash = sub_rules.find_clash(
        day, slot.period, _busy(actor.school_id, year, substitute.id, day), (slot.id, day)
    )
    if clash is not None:
        raise Conflict(
            msg(
                "substitution.substitute_busy",
                name=substitute.full_name,
                period=slot.period,
                date=rules.format_date_bg(day),
                lesson=clash.what,
            ),
            {"substitute_id": msg("substitution.substitute_busy_field")},
        )


def clear_lesson(
    actor: Actor, absence_id: int, slot_id: int, *, day: str | dt.date, override_lock: bool = False
) -> None:
    """Take back what was assigned to one lesson (it waits for the admin again)."""

    def work() -> None:
        require_admin(actor)
        absence = get_in_school(TeacherAbsence, absence_id, actor.school_id)
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        the_day = parse_date(day)
        lesson = find_lesson(slot, the_day)
        sub = (
            db.session.scalar(
                sa.select(Substitution).where(
                    Substitution.lesson_id == lesson.id, Substitution.absence_id == absence.id
                )
            )
            if lesson is not None
            else None
        )
        if sub is None:
            raise NotFound(msg("common.not_found"))
        year = db.session.get(SchoolYear, absence.school_year_id)
        assert year is not None
        _lock(actor, year, the_day, override_lock, "substitution")
        commit_refreshed(
            _pupils_of(_drop_substitution(actor, sub, "assignment taken back"), year.id)
        )

    atomic(work)


# --- what the pages show -------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverView:
    """A lesson's cover as a page says it: the kind's words and who."""

    kind: int | None
    kind_bg: str
    absent_teacher: str
    substitute: str  # a staff member's name, an external lecturer's, or ""
    held: bool


def _names(ids: set[int]) -> dict[int, str]:
    return {
        s.id: s.full_name
        for s in db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids or {0})))
    }


def _view(cover: lesson_cover.Cover, names: dict[int, str]) -> CoverView:
    who = names.get(cover.substitute_id or 0, "") or (cover.external_name or "")
    return CoverView(
        cover.kind,
        sub_rules.KIND_BG.get(cover.kind or 0, "") if cover.kind else "",
        names.get(cover.absent_teacher_id, ""),
        who,
        cover.held,
    )


def lesson_view(slot: TimetableSlot, day: dt.date) -> CoverView | None:
    """The cover of one lesson for its page (None: its teacher is not absent)."""
    cover = lesson_cover.cover_of(slot, day)
    if cover is None:
        return None
    return _view(cover, _names({cover.absent_teacher_id, cover.substitute_id or 0}))


@dataclass(frozen=True)
class DayItem:
    """A lesson of the day that a substitution concerns."""

    period: int
    class_name: str
    subject: str
    slot_id: int | None
    curriculum_id: int
    day: dt.date
    cover: CoverView


def _day_items(rows: list[tuple[Substitution, Lesson, int]]) -> list[DayItem]:
    names = _names({t for _s, _l, t in rows} | {s.substitute_id or 0 for s, _l, _t in rows})
    items = []
    for sub, lesson, teacher_id in rows:
        cover = lesson_cover.Cover(
            sub.absence_id, teacher_id, sub.kind, sub.substitute_id, sub.external_name
        )
        items.append(
            DayItem(
                lesson.period,
                lesson.school_class.name,
                lesson.subject.name,
                lesson.slot_id,
                lesson.curriculum_id,
                lesson.date,
                _view(cover, names),
            )
        )
    return items


@dataclass(frozen=True)
class TeacherDay:
    """ "Днес" of one staff member: the lessons they substitute, their own lessons that are
    covered (by whom, or a free hour), and the school's (admin) or their classes' (class
    teacher) substitutions and free hours."""

    substituting: list[DayItem]
    my_covered: dict[int, CoverView]  # slot id → cover
    school: list[DayItem]


def teacher_day(actor: Actor, day: dt.date, my_slots: list[TimetableSlot]) -> TeacherDay:
    rows = lesson_cover.covered_on(actor.school_id, day)
    substituting = _day_items([r for r in rows if r[0].substitute_id == actor.staff_id])
    my_covered: dict[int, CoverView] = {}
    for slot in my_slots:
        view = lesson_view(slot, day)
        if view is not None:
            my_covered[slot.id] = view
    if actor.is_admin:
        school = _day_items(rows)
    else:
        school = _day_items([r for r in rows if r[1].class_id in actor.class_teacher_of])
    return TeacherDay(substituting, my_covered, school)


def absences_of_month(actor: Actor, month_start: dt.date) -> list[TeacherAbsence]:
    """The school's absences that touch a month (for the admin's list), latest first."""
    require_admin(actor)
    nxt = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return list(
        db.session.scalars(
            sa.select(TeacherAbsence)
            .where(
                TeacherAbsence.school_id == actor.school_id,
                TeacherAbsence.first_day < nxt,
                TeacherAbsence.last_day >= month_start,
            )
            .order_by(TeacherAbsence.first_day.desc(), TeacherAbsence.id.desc())
            .options(sa.orm.joinedload(TeacherAbsence.teacher))
        )
    )
