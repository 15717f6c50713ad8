"""Demo data of the pupil's record, per school: in the first class of IV–XII a sanction in force
and one cancelled by a later order, a support measure with its team (the class teacher and a
teacher of the class), two activities and two sessions of individual work, and notes in the class
book (one for the class, one about a pupil). A handful of rows a school (bulk-free, fast); the
pupils at risk of dropping out come from the year's absences (``.year``). Dates are past school
days of the current year, so that nothing is in a locked future."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import ClassNote
from models import Curriculum
from models import Enrollment
from models import IndividualWork
from models import Sanction
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import SupportActivity
from models import SupportMeasure
from models import db


def _school_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def build_pupil_record(school_id: int, today: dt.date) -> None:
    year = db.session.scalar(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)
        )
    )
    if year is None or today < year.starts_on + dt.timedelta(days=21):
        return
    klass = db.session.scalar(
        sa.select(SchoolClass)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.school_year_id == year.id,
            SchoolClass.grade_level >= 4,
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )
    if klass is None or klass.class_teacher_id is None:
        return
    pupils = list(
        db.session.scalars(
            sa.select(Enrollment.student_id)
            .where(Enrollment.class_id == klass.id, Enrollment.left_on.is_(None))
            .order_by(Enrollment.class_number)
        )
    )
    if len(pupils) < 3:
        return
    teacher_id = db.session.scalar(
        sa.select(Curriculum.teacher_id)
        .where(
            Curriculum.class_id == klass.id,
            Curriculum.teacher_id.is_not(None),
            Curriculum.teacher_id != klass.class_teacher_id,
        )
        .order_by(Curriculum.id)
    )
    end = min(today, year.ends_on)
    early, middle, recent = (
        _school_day(year.starts_on + dt.timedelta(days=16)),
        _school_day(year.starts_on + (end - year.starts_on) // 2),
        _school_day(end - dt.timedelta(days=2)),
    )
    common = {"school_id": school_id, "school_year_id": year.id, "class_id": klass.id}
    author = {"author_id": klass.class_teacher_id}
    db.session.add_all(
        [
            Sanction(
                **common,
                **author,
                student_id=pupils[1],
                kind=1,
                order_number=f"РД-09-{100 + school_id}",
                order_date=middle,
                start_date=middle,
                description="Системни закъснения и неуважителни отсъствия.",
            ),
            Sanction(
                **common,
                **author,
                student_id=pupils[2],
                kind=3,
                order_number=f"РД-09-{60 + school_id}",
                order_date=early,
                start_date=early,
                description="Грубо нарушение на правилника на училището.",
                cancel_order_number=f"РД-09-{140 + school_id}",
                cancel_order_date=recent,
                cancel_reason="Отменена предсрочно поради добро поведение (чл. 203 ЗПУО).",
            ),
            ClassNote(
                **common,
                **author,
                date=middle,
                text="Класът участва в общинския кръг на олимпиадата по математика.",
            ),
            ClassNote(
                **common,
                **author,
                student_id=pupils[0],
                date=recent,
                text="Ученикът представи класа на училищното състезание по четене.",
            ),
        ]
    )
    support = SupportMeasure(
        **common,
        **author,
        student_id=pupils[1],
        additional=False,
        difficulties=[1, 3],
        start_date=early,
        end_date=year.ends_on,
        description="Обща подкрепа: затруднения по математика и трудно спазване на правилата.",
        expected_result="Подобряване на успеха и редовно посещение на часовете.",
    )
    members = [klass.class_teacher_id] + ([teacher_id] if teacher_id else [])
    support.team = list(db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(members))))
    support.activities = [
        SupportActivity(
            school_id=school_id, activity_type=1, date=middle,
            target="Допълнително обучение по математика", result="Решава задачите с помощ.",
        ),
        SupportActivity(
            school_id=school_id, activity_type=11, date=recent,
            target="Разговор с ученика и родителите", result="Договорени правила.",
        ),
    ]  # fmt: skip
    db.session.add(support)
    for day, text in (
        (middle, "Консултация по математика: дроби."),
        (recent, "Разбор на контролната работа."),
    ):
        db.session.add(
            IndividualWork(
                **common,
                student_id=pupils[1],
                date=day,
                activity=text,
                teacher_id=teacher_id or klass.class_teacher_id,
            )
        )
    db.session.flush()
