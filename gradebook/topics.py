"""Lesson topics (теми) and yearly topic plans (годишно тематично разпределение).

* A lesson's topics are written on the lesson page with its register, by whoever may take that
  register (:func:`gradebook.absences.can_take_register`), within the entry locks and on a school
  day of the slot; several per lesson, each a row of the curriculum row's plan or free text.
* A curriculum row's plan is numbered topics, kept by its teacher and the school's admins (by
  hand here, or imported with ``onboarding/import_topic_plan.py``).
* The next planned topic is the first plan row not yet used in that curriculum row's lessons.
* The director's list of held lessons without a topic: timetable lessons on school days of the
  current year up to today's ended lessons.

The rules themselves are pure (:mod:`gradebook.rules.topics`). Every write is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa

from gradebook import rules
from gradebook.absences import can_take_register
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import add_audited
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import check_lock
from gradebook.core import commit_refreshed
from gradebook.core import current_year
from gradebook.core import get_in_school
from gradebook.core import parse_date
from gradebook.core import snapshot
from gradebook.core import update_audited
from gradebook.lessons import find_lesson
from gradebook.lessons import lesson_for
from gradebook.messages import msg
from gradebook.timetable import school_day_problem
from models import BellTime
from models import ClassesEnd
from models import Curriculum
from models import Lesson
from models import LessonTopic
from models import NonSchoolDay
from models import PlanTopic
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import Subject
from models import TimetableSlot
from models import db


# --- a lesson's topics ---------------------------------------------------------------------------
def lesson_topics(lesson: Lesson | None) -> list[LessonTopic]:
    if lesson is None:
        return []
    return list(
        db.session.scalars(
            sa.select(LessonTopic)
            .where(LessonTopic.school_id == lesson.school_id, LessonTopic.lesson_id == lesson.id)
            .order_by(LessonTopic.position)
        )
    )


def read_posted_topics(entries: Sequence[tuple[str, str]]) -> list[tuple[str, int | None]]:
    """The topic rows of the lesson form as posted, (title, plan id text) each, read into
    (title, plan topic id); a row with neither is dropped (a topic taken back). Titles are
    checked here, before anything is saved, so that a bad topic keeps the register unsaved too:
    :class:`Invalid` names each bad row's field (``topic_title<i>``)."""
    errors: dict[str, str] = {}
    out: list[tuple[str, int | None]] = []
    for i, (title, plan_text) in enumerate(entries):
        plan_id: int | None = None
        if (plan_text or "").strip():
            try:
                plan_id = rules.db_id(plan_text.strip())
            except ValueError:
                errors[f"topic_plan{i}"] = msg("topic.plan_not_of_lesson")
                continue
        text = " ".join((title or "").split())
        if not text and plan_id is None:
            continue
        if len(text) > rules.TOPIC_TITLE_MAX:
            errors[f"topic_title{i}"] = msg(
                "common.text_limit", limit=rules.TOPIC_TITLE_MAX, length=len(text)
            )
            continue
        out.append((text, plan_id))
    if len(out) > rules.TOPICS_PER_LESSON_MAX:
        errors["topic_title0"] = msg("topic.too_many", limit=rules.TOPICS_PER_LESSON_MAX)
    check_fields(errors)
    return out


def _plan_rows(actor: Actor, curriculum_id: int, ids: set[int]) -> dict[int, PlanTopic]:
    if not ids:
        return {}
    found = {
        p.id: p
        for p in db.session.scalars(
            sa.select(PlanTopic).where(
                PlanTopic.school_id == actor.school_id,
                PlanTopic.curriculum_id == curriculum_id,
                PlanTopic.id.in_(ids),
            )
        )
    }
    return found


def save_lesson_topics(
    actor: Actor,
    slot_id: int,
    *,
    date: str | dt.date,
    topics: Sequence[tuple[str, int | None]],
    override_lock: bool = False,
) -> dict[str, int]:
    """The topics of the lesson of ``slot_id`` on ``date``, in order: each (title, plan topic
    id); an empty title with a plan topic takes the plan's title. The lesson's topics become
    exactly these (new ones created, changed ones updated, missing ones deleted, each audited).
    Returns counts {"created", "updated", "deleted"}."""

    def work() -> dict[str, int]:
        slot = get_in_school(TimetableSlot, slot_id, actor.school_id)
        day = parse_date(date)
        if not can_take_register(actor, slot, day):  # the day's substitute; not a free hour
            raise Forbidden(msg("topic.forbidden"))
        klass = slot.school_class
        if day.isoweekday() != slot.weekday:
            raise Invalid(msg("absence.slot_not_on_day"), {"date": msg("absence.weekday_mismatch")})
        year = db.session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        check_lock(actor, year, day, override=override_lock, what="lesson topics")
        problem = school_day_problem(year, day, klass)
        if problem is not None:
            raise problem
        if slot.term is not None and slot.term != year.term_of(day):
            raise Invalid(msg("absence.slot_other_term"), {"date": msg("absence.other_term_field")})
        if len(topics) > rules.TOPICS_PER_LESSON_MAX:
            raise Invalid(msg("topic.too_many", limit=rules.TOPICS_PER_LESSON_MAX))
        plans = _plan_rows(actor, slot.curriculum_id, {p for _t, p in topics if p is not None})
        wanted: list[tuple[str, int | None]] = []
        errors: dict[str, str] = {}
        for i, (title, plan_id) in enumerate(topics):
            plan = plans.get(plan_id) if plan_id is not None else None
            if plan_id is not None and plan is None:
                errors[f"topic_plan{i}"] = msg("topic.plan_not_of_lesson")
                continue
            try:
                text = rules.topic_title(title or (plan.title if plan else ""))
            except rules.RuleError as exc:
                errors[f"topic_title{i}"] = exc.message_bg
                continue
            wanted.append((text, plan_id))
        check_fields(errors)
        counts = {"created": 0, "updated": 0, "deleted": 0}
        lesson = find_lesson(slot, day)
        if lesson is None and not wanted:
            return counts
        if lesson is None:
            lesson = lesson_for(slot, day)
        existing = lesson_topics(lesson)
        for position in range(1, max(len(existing), len(wanted)) + 1):
            old = existing[position - 1] if position <= len(existing) else None
            new = wanted[position - 1] if position <= len(wanted) else None
            if old is None and new is not None:
                add_audited(
                    actor,
                    LessonTopic(
                        school_id=actor.school_id,
                        lesson_id=lesson.id,
                        position=position,
                        title=new[0],
                        plan_topic_id=new[1],
                        teacher_id=actor.staff_id,
                    ),
                )
                counts["created"] += 1
            elif old is not None and new is None:
                audit(actor, "delete", old, before=snapshot(old), after=None)
                db.session.delete(old)
                counts["deleted"] += 1
            elif old is not None and new is not None and (old.title, old.plan_topic_id) != new:
                row = old

                def change(row: LessonTopic = row, new: tuple[str, int | None] = new) -> None:
                    row.title, row.plan_topic_id = new
                    row.teacher_id = actor.staff_id

                update_audited(actor, row, change)
                counts["updated"] += 1
        db.session.flush()
        commit_refreshed()
        return counts

    result: dict[str, int] = atomic(work)
    return result


# --- the plan of a curriculum row ----------------------------------------------------------------
def can_edit_plan(actor: Actor, curriculum: Curriculum) -> bool:
    return actor.is_admin or curriculum.id in actor.curriculum_ids


def plan_of(school_id: int, curriculum_id: int) -> list[PlanTopic]:
    return list(
        db.session.scalars(
            sa.select(PlanTopic)
            .where(PlanTopic.school_id == school_id, PlanTopic.curriculum_id == curriculum_id)
            .order_by(PlanTopic.number)
        )
    )


def used_plan_topics(
    school_id: int, curriculum_id: int, except_lesson: int | None = None
) -> set[int]:
    """The plan rows of a curriculum row already linked to one of its lessons' topics."""
    query = (
        sa.select(LessonTopic.plan_topic_id)
        .join(Lesson, Lesson.id == LessonTopic.lesson_id)
        .where(
            LessonTopic.school_id == school_id,
            Lesson.curriculum_id == curriculum_id,
            LessonTopic.plan_topic_id.is_not(None),
        )
    )
    if except_lesson is not None:
        query = query.where(Lesson.id != except_lesson)
    return {i for i in db.session.scalars(query) if i is not None}


def next_planned(
    school_id: int, curriculum_id: int, except_lesson: int | None = None
) -> PlanTopic | None:
    """The next planned topic of a curriculum row (:func:`rules.next_plan_topic`)."""
    plan = plan_of(school_id, curriculum_id)
    chosen = rules.next_plan_topic(
        [(p.id, p.number) for p in plan], used_plan_topics(school_id, curriculum_id, except_lesson)
    )
    return next((p for p in plan if p.id == chosen), None)


def _plan_values(number: Any, title: Any, note: Any) -> tuple[int, str, str]:
    errors: dict[str, str] = {}
    values: list[Any] = []
    for name, read, raw in (
        ("number", rules.plan_number, number),
        ("title", rules.topic_title, title),
        ("note", rules.plan_note, note),
    ):
        try:
            values.append(read(raw))
        except rules.RuleError as exc:
            errors[name] = exc.message_bg
    check_fields(errors)
    return values[0], values[1], values[2]


def _editable_curriculum(actor: Actor, curriculum_id: int) -> Curriculum:
    curriculum = get_in_school(Curriculum, curriculum_id, actor.school_id)
    if not can_edit_plan(actor, curriculum):
        raise Forbidden(msg("topic.plan_forbidden"))
    return curriculum


def _number_free(curriculum_id: int, number: int, except_id: int | None = None) -> None:
    query = sa.select(PlanTopic.id).where(
        PlanTopic.curriculum_id == curriculum_id, PlanTopic.number == number
    )
    if except_id is not None:
        query = query.where(PlanTopic.id != except_id)
    if db.session.scalar(query) is not None:
        raise Invalid(
            msg("topic.number_taken", number=number), {"number": msg("topic.number_taken_field")}
        )


def add_plan_topic(
    actor: Actor, curriculum_id: int, *, number: Any, title: Any, note: Any = ""
) -> PlanTopic:
    def work() -> PlanTopic:
        curriculum = _editable_curriculum(actor, curriculum_id)
        n, text, remark = _plan_values(number, title, note)
        _number_free(curriculum.id, n)
        row = add_audited(
            actor,
            PlanTopic(
                school_id=actor.school_id,
                curriculum_id=curriculum.id,
                number=n,
                title=text,
                note=remark,
            ),
        )
        commit_refreshed()
        return row

    result: PlanTopic = atomic(work)
    return result


def edit_plan_topic(
    actor: Actor, plan_topic_id: int, *, number: Any, title: Any, note: Any = ""
) -> PlanTopic:
    def work() -> PlanTopic:
        row = get_in_school(PlanTopic, plan_topic_id, actor.school_id)
        _editable_curriculum(actor, row.curriculum_id)
        n, text, remark = _plan_values(number, title, note)
        _number_free(row.curriculum_id, n, row.id)

        def change() -> None:
            row.number, row.title, row.note = n, text, remark

        update_audited(actor, row, change)
        commit_refreshed()
        return row

    result: PlanTopic = atomic(work)
    return result


def delete_plan_topic(actor: Actor, plan_topic_id: int) -> int:
    """Delete a plan row (the lessons that used it keep their topic's title); returns its
    curriculum row's id."""

    def work() -> int:
        row = get_in_school(PlanTopic, plan_topic_id, actor.school_id)
        curriculum = _editable_curriculum(actor, row.curriculum_id)
        audit(actor, "delete", row, before=snapshot(row), after=None)
        db.session.delete(row)
        commit_refreshed()
        return curriculum.id

    result: int = atomic(work)
    return result


def replace_plan(
    school_id: int, curriculum_id: int, rows: Sequence[tuple[int, str, str]]
) -> dict[str, int]:
    """Write an imported plan of one curriculum row (in the caller's transaction): rows matched by
    number are updated, new numbers added; numbers the file leaves out stay. Returns counts."""
    existing = {p.number: p for p in plan_of(school_id, curriculum_id)}
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    for number, title, note in rows:
        old = existing.get(number)
        if old is None:
            db.session.add(
                PlanTopic(
                    school_id=school_id,
                    curriculum_id=curriculum_id,
                    number=number,
                    title=title,
                    note=note,
                )
            )
            counts["new"] += 1
        elif (old.title, old.note) != (title, note):
            old.title, old.note = title, note
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return counts


# --- held lessons without a topic ----------------------------------------------------------------
@dataclass(frozen=True)
class MissingTopic:
    slot_id: int
    date: dt.date
    period: int
    class_name: str
    subject: str
    teacher: str


def _term_range(year: SchoolYear, term: int | None) -> tuple[dt.date, dt.date]:
    if term == 1:
        return year.starts_on, year.term2_starts_on - dt.timedelta(days=1)
    if term == 2:
        return year.term2_starts_on, year.ends_on
    return year.starts_on, year.ends_on


class HeldSlot(NamedTuple):
    """The columns of a timetable slot that a held lesson needs (read without ORM objects)."""

    id: int
    class_id: int
    curriculum_id: int
    subject_id: int
    teacher_id: int | None
    period: int


def held_lessons(
    school_id: int,
    year: SchoolYear,
    today: dt.date,
    now: dt.time,
    class_ids: set[int] | None = None,
) -> list[tuple[HeldSlot, dt.date]]:
    """Every timetable lesson of the year held by ``now`` on ``today``: on a day of its weekday
    and term, not a non-school day of its grade, not after its grade's end of classes, and today
    only once it has ended (the slot's own end time, else the bell of the class's shift)."""
    query = (
        sa.select(
            TimetableSlot.id, TimetableSlot.class_id, TimetableSlot.curriculum_id,
            TimetableSlot.subject_id, TimetableSlot.teacher_id, TimetableSlot.period,
            TimetableSlot.weekday, TimetableSlot.term, TimetableSlot.ends_at,
            SchoolClass.grade_level, SchoolClass.shift,
        )
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(TimetableSlot.school_id == school_id, SchoolClass.school_year_id == year.id)
    )  # fmt: skip
    if class_ids is not None:
        query = query.where(SchoolClass.id.in_(class_ids or {0}))
    off = db.session.execute(
        sa.select(
            NonSchoolDay.date_from,
            NonSchoolDay.date_to,
            NonSchoolDay.grade_from,
            NonSchoolDay.grade_to,
        ).where(NonSchoolDay.school_year_id == year.id)
    ).all()
    ends = db.session.execute(
        sa.select(ClassesEnd.grade_from, ClassesEnd.grade_to, ClassesEnd.ends_on).where(
            ClassesEnd.school_year_id == year.id
        )
    ).all()
    bells = {
        (shift, period): ends_at
        for shift, period, ends_at in db.session.execute(
            sa.select(BellTime.shift, BellTime.period, BellTime.ends_at).where(
                BellTime.school_id == school_id
            )
        )
    }
    # the days of one weekday, term and grade are the same for every slot that shares them
    days_of: dict[tuple[int, int | None, int], list[dt.date]] = {}
    out: list[tuple[HeldSlot, dt.date]] = []
    for row in db.session.execute(query):
        key = (row.weekday, row.term, row.grade_level)
        if key not in days_of:
            grade = row.grade_level
            first, last = _term_range(year, row.term)
            for low, high, ends_on in ends:
                if low <= grade <= high:
                    last = min(last, ends_on)
            days_off = [(a, b) for a, b, low, high in off if low <= grade <= high]
            days_of[key] = rules.held_days(row.weekday, first, min(last, today), days_off)
        slot = HeldSlot(row.id, row.class_id, row.curriculum_id, row.subject_id, row.teacher_id,
                        row.period)  # fmt: skip
        ends_at = row.ends_at or bells.get((row.shift, row.period))
        for day in days_of[key]:
            if day < today or rules.lesson_has_ended(day, ends_at, today, now):
                out.append((slot, day))
    return out


def missing_topics(
    school_id: int, today: dt.date, now: dt.time, class_ids: set[int] | None = None
) -> list[MissingTopic]:
    """The held lessons of the current year without a topic, newest first."""
    year = current_year(school_id)
    held = held_lessons(school_id, year, today, now, class_ids)
    with_topic = {
        (slot_id, day)
        for slot_id, day in db.session.execute(
            sa.select(Lesson.slot_id, Lesson.date)
            .join(LessonTopic, LessonTopic.lesson_id == Lesson.id)
            .where(Lesson.school_id == school_id, Lesson.school_year_id == year.id)
            .distinct()
        )
        if slot_id is not None
    }
    missing = rules.lessons_without_topic(((s.id, d) for s, d in held), with_topic)
    slots = {s.id: s for s, _d in held}
    classes = dict(
        db.session.execute(
            sa.select(SchoolClass.id, SchoolClass.name).where(SchoolClass.school_id == school_id)
        ).all()
    )  # type: ignore[arg-type]
    subjects = dict(
        db.session.execute(
            sa.select(Subject.id, Subject.name).where(Subject.school_id == school_id)
        ).all()
    )  # type: ignore[arg-type]
    teacher_ids = {s.teacher_id for s in slots.values() if s.teacher_id is not None}
    teachers = dict(
        db.session.execute(  # type: ignore[arg-type]
            sa.select(StaffUser.id, StaffUser.full_name).where(StaffUser.id.in_(teacher_ids or {0}))
        ).all()
    )
    rows = []
    for slot_id, day in missing:
        slot = slots[slot_id]
        rows.append(
            MissingTopic(
                slot_id=slot_id,
                date=day,
                period=slot.period,
                class_name=classes.get(slot.class_id, ""),
                subject=subjects.get(slot.subject_id, ""),
                teacher=teachers.get(slot.teacher_id, "") if slot.teacher_id else "",
            )
        )
    rows.sort(key=lambda r: (-r.date.toordinal(), r.class_name, r.period))
    return rows


def topics_of_class(
    school_id: int, year_id: int, class_ids: set[int], first: dt.date, last: dt.date
) -> list[tuple[Lesson, list[LessonTopic]]]:
    """The lessons of these classes from ``first`` to ``last`` that have topics, with them, in
    date and period order (the portal's by-day view and the topics-per-subject report)."""
    lessons = list(
        db.session.scalars(
            sa.select(Lesson)
            .where(
                Lesson.school_id == school_id,
                Lesson.school_year_id == year_id,
                Lesson.class_id.in_(class_ids or {0}),
                Lesson.date >= first,
                Lesson.date <= last,
            )
            .order_by(Lesson.date, Lesson.period)
        )
    )
    by_lesson: dict[int, list[LessonTopic]] = {}
    ids = [lesson.id for lesson in lessons]
    for start in range(0, len(ids), 500):
        for topic in db.session.scalars(
            sa.select(LessonTopic)
            .where(
                LessonTopic.school_id == school_id,
                LessonTopic.lesson_id.in_(ids[start : start + 500]),
            )
            .order_by(LessonTopic.lesson_id, LessonTopic.position)
        ):
            by_lesson.setdefault(topic.lesson_id, []).append(topic)
    return [(lesson, by_lesson[lesson.id]) for lesson in lessons if lesson.id in by_lesson]


__all__ = [
    "HeldSlot",
    "MissingTopic",
    "add_plan_topic",
    "can_edit_plan",
    "delete_plan_topic",
    "edit_plan_topic",
    "held_lessons",
    "lesson_topics",
    "missing_topics",
    "next_planned",
    "plan_of",
    "read_posted_topics",
    "replace_plan",
    "save_lesson_topics",
    "topics_of_class",
    "used_plan_topics",
]
