"""The teacher's start page (``/staff/``: today's lessons, my subjects, my classes, unread
messages), a class (``/classes/<id>``: pupils, subjects, the week's timetable) and the class
teacher's overview (``/classes/<id>/overview``: averages and absence totals of a term)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask import request

from config import clock
from gradebook import absences as absences_uc
from gradebook import access
from gradebook import core
from gradebook import rules
from gradebook import substitutions as subs_uc
from gradebook.forms import CsrfForm
from gradebook.school_day import school_day
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import rows
from gradebook.views.common import WEEKDAYS_BG
from gradebook.views.common import class_curricula
from gradebook.views.common import class_slots
from gradebook.views.common import managed_class
from gradebook.views.common import require_view_class
from models import Absence
from models import Curriculum
from models import Grade
from models import GradeKind
from models import Message
from models import MessageThread
from models import School
from models import SchoolClass
from models import Subject
from models import TimetableSlot
from models import db


@bp.get("/")
@access.staff_required
def index() -> Any:
    me = actor()
    today = clock.today()
    year = core.current_year(me.school_id)
    term = year.term_of(today)
    slots = rows(
        sa.select(TimetableSlot)
        .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
        .where(
            TimetableSlot.school_id == me.school_id,
            SchoolClass.school_year_id == year.id,  # not last year's timetable beside this one
            TimetableSlot.weekday == today.isoweekday(),
            sa.or_(TimetableSlot.term.is_(None), TimetableSlot.term == term),
            sa.or_(
                TimetableSlot.teacher_id == me.staff_id,
                TimetableSlot.curriculum_id.in_(me.curriculum_ids or {0}),
            ),
        )
        .order_by(TimetableSlot.period)
        .options(sa.orm.joinedload(TimetableSlot.school_class))
    )
    curricula = rows(
        sa.select(Curriculum)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(
            Curriculum.school_id == me.school_id,
            Curriculum.id.in_(me.curriculum_ids or {0}),
            SchoolClass.school_year_id == year.id,
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )
    class_query = sa.select(SchoolClass).where(
        SchoolClass.school_id == me.school_id, SchoolClass.school_year_id == year.id
    )
    if not me.is_admin:
        class_query = class_query.where(
            SchoolClass.id.in_((me.class_teacher_of | me.teaches_classes) or {0})
        )
    classes = rows(class_query.order_by(SchoolClass.grade_level, SchoolClass.name))
    unread = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(MessageThread.id)))
        .join(MessageThread.messages)
        .where(
            MessageThread.school_id == me.school_id,
            MessageThread.staff_id == me.staff_id,
            Message.from_staff.is_(False),
            Message.read_at.is_(None),
        )
    )
    schools = access.school_ids_of_current_staff()
    school_names = {
        s.id: s.name
        for s in db.session.scalars(sa.select(School).where(School.id.in_(schools or [0])))
    }
    return render_template(
        "gradebook/index.html",
        today=today,
        weekday=WEEKDAYS_BG[today.isoweekday()],
        slots=slots,
        curricula=curricula,
        classes=classes,
        class_teacher_of=me.class_teacher_of,
        unread=unread or 0,
        school_names=school_names,
        switch_form=CsrfForm(),
        day=school_day(me.school_id, year, today) if me.is_admin else None,
        cover_day=subs_uc.teacher_day(me, today, slots),
    )


# --- a class ----------------------------------------------------------------------------------------
@bp.get("/classes/<int:class_id>")
@access.staff_required
def class_view(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    require_view_class(klass.id)
    enrollments = core.active_enrollments(klass.id)
    curricula = class_curricula(klass.id)
    slots = class_slots(klass.id)
    week: dict[int, list[TimetableSlot]] = defaultdict(list)
    for slot in slots:
        week[slot.weekday].append(slot)
    return render_template(
        "gradebook/class.html",
        klass=klass,
        enrollments=enrollments,
        curricula=curricula,
        writable={c.id for c in curricula if me.can_write_grades(c)},
        registers={s.id for s in slots if absences_uc.can_take_register(me, s)},
        manage=me.can_manage_class(klass.id),
        sections=rules.class_book_sections(klass.grade_level),
        book_type=rules.BOOK_TYPE_NAMES[rules.class_book_type(klass.grade_level)],
        week=dict(sorted(week.items())),
        weekdays=WEEKDAYS_BG,
        today=clock.today(),
    )


@bp.get("/classes/<int:class_id>/overview")
@access.staff_required
def class_overview(class_id: int) -> Any:
    """The class teacher's (and admin's) table: each pupil's current average per subject in the
    term and the absence totals."""
    me, klass = managed_class(class_id)
    year = klass.school_year
    term = request.args.get("term", type=rules.term_number) or year.term_of(
        min(clock.today(), year.ends_on)
    )
    enrollments = core.active_enrollments(klass.id)
    ids = [e.student_id for e in enrollments] or [0]
    subjects = rows(
        sa.select(Subject)
        .join(Curriculum, Curriculum.subject_id == Subject.id)
        .where(Curriculum.class_id == klass.id)
        .distinct()
        .order_by(Subject.name)
    )
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for student_id, subject_id, value in db.session.execute(
        sa.select(Grade.student_id, Grade.subject_id, Grade.value).where(
            Grade.student_id.in_(ids),
            Grade.school_year_id == year.id,
            Grade.term == term,
            Grade.kind.not_in([GradeKind.TERM, GradeKind.ANNUAL]),
            Grade.value.is_not(None),
        )
    ):
        values[(student_id, subject_id)].append(value)
    averages = {key: rules.average(v) for key, v in values.items()}
    kinds: dict[int, list[str]] = defaultdict(list)
    for student_id, kind in db.session.execute(
        sa.select(Absence.student_id, Absence.kind).where(
            Absence.student_id.in_(ids), Absence.school_year_id == year.id, Absence.term == term
        )
    ):
        kinds[student_id].append(kind.value)
    totals = {sid: rules.absence_totals(kinds.get(sid, [])) for sid in ids}
    return render_template(
        "gradebook/class_overview.html",
        klass=klass,
        term=term,
        enrollments=enrollments,
        subjects=subjects,
        averages=averages,
        totals=totals,
    )
