"""The shared staff-access API (gradebook.access) and the use-case rules behind the forms:
rights per role, the acting school, grade parsing and the entry locks (table-driven)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_login import login_user

from gradebook import access
from gradebook import core
from gradebook import grades
from gradebook import rules
from models import Curriculum
from models import Enrollment
from models import GradeCategory
from models import Guardian
from models import GuardianStudent
from models import SchoolClass
from models import SchoolYear
from models import SopMark
from models import StaffUser
from models import db


def staff(email: str) -> StaffUser:
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def as_user(app, user):  # type: ignore[no-untyped-def]
    ctx = app.test_request_context("/staff/")
    ctx.push()
    login_user(user)
    return ctx


def test_access_for_a_class_teacher(demo_app):
    klass = db.session.get(SchoolClass, 6)
    teacher = klass.class_teacher
    taught = db.session.scalars(
        sa.select(Curriculum).where(Curriculum.teacher_id == teacher.id)
    ).all()
    other = db.session.scalar(
        sa.select(Curriculum).where(Curriculum.teacher_id != teacher.id, Curriculum.school_id == 1)
    )
    student_id = db.session.scalar(sa.select(Enrollment.student_id).where(Enrollment.class_id == 6))
    foreign_student = db.session.scalar(
        sa.select(Enrollment.student_id).where(Enrollment.school_id == 2)
    )
    ctx = as_user(demo_app, teacher)
    try:
        assert access.current_staff() is teacher
        assert access.current_school_id() == 1
        assert not access.is_admin()
        assert all(access.teaches(c) for c in taught)
        assert not access.teaches(other)
        assert access.is_class_teacher(6) and not access.is_class_teacher(14)
        assert access.can_see_health(student_id)
        assert not access.can_see_health(foreign_student)
        assert not access.can_write_grades(other)
    finally:
        ctx.pop()
    subject_teacher = db.session.scalar(
        sa.select(StaffUser)
        .join(Curriculum, Curriculum.teacher_id == StaffUser.id)
        .where(Curriculum.class_id == 6, StaffUser.id != teacher.id)
    )
    mine = db.session.scalar(
        sa.select(Curriculum).where(
            Curriculum.teacher_id == subject_teacher.id, Curriculum.class_id == 6
        )
    )
    ctx = as_user(demo_app, subject_teacher)
    try:
        assert access.teaches(mine) and access.teaches(mine.id) and access.can_write_grades(mine)
        assert not access.is_class_teacher(6)
        assert not access.can_see_health(student_id)  # a subject teacher: no health data
    finally:
        ctx.pop()


def test_access_for_admin_operator_and_parent(demo_app):
    ctx = as_user(demo_app, staff("direktor@sou2.demo.bg"))
    try:
        assert access.is_admin() and access.current_school_id() == 2
        assert not access.can_see_health(
            db.session.scalar(sa.select(Enrollment.student_id).where(Enrollment.school_id == 1))
        )
    finally:
        ctx.pop()
    ctx = as_user(demo_app, staff("operator@belezhnik.local"))
    try:
        assert access.is_operator() and access.current_school_id() is None
        assert not access.is_admin()
    finally:
        ctx.pop()
    link = db.session.scalar(sa.select(GuardianStudent).order_by(GuardianStudent.id))
    ctx = as_user(demo_app, db.session.get(Guardian, link.guardian_id))
    try:
        assert access.current_staff() is None and access.current_school_id() is None
        assert access.can_see_health(link.student_id)  # the student's own parent
        other_child = db.session.scalar(
            sa.select(Enrollment.student_id).where(
                Enrollment.student_id.not_in(
                    sa.select(GuardianStudent.student_id).where(
                        GuardianStudent.guardian_id == link.guardian_id
                    )
                )
            )
        )
        assert not access.can_see_health(other_child)
    finally:
        ctx.pop()


def test_actor_rights_match_access(demo_app):
    klass = db.session.get(SchoolClass, 6)
    actor = core.Actor.load(klass.class_teacher_id, 1)
    assert 6 in actor.class_teacher_of and actor.can_manage_class(6)
    assert not actor.is_admin
    with pytest.raises(core.Forbidden):
        core.Actor.load(klass.class_teacher_id, 2)


@pytest.mark.parametrize(
    ("raw", "level", "kind", "sop", "expected"),
    [
        ("5,50", 9, "current", False, (GradeCategory.QUANTITATIVE, Decimal("5.50"), None)),
        ("2", 9, "test", False, (GradeCategory.QUANTITATIVE, Decimal("2.00"), None)),
        ("6", 2, "current", False, (GradeCategory.QUALITATIVE, Decimal("6.00"), None)),
        ("п", 9, "current", True, (GradeCategory.SOP, None, SopMark.MEETS)),
        ("З", 5, "current", True, (GradeCategory.SOP, None, SopMark.DIFFICULTIES)),
        ("5", 9, "term", False, (GradeCategory.QUANTITATIVE, Decimal("5.00"), None)),
    ],
)
def test_parse_grade_input(raw, level, kind, sop, expected):
    assert grades.parse_grade_input(raw, level, kind, sop) == expected


@pytest.mark.parametrize(
    ("raw", "level", "kind", "sop", "code"),
    [
        ("2,50", 9, "current", False, "grade.range"),
        ("п", 9, "current", False, "invalid"),
        ("", 9, "current", False, "grade.empty"),
        ("4,5", 3, "current", False, "grade.whole"),
        ("5", 0, "current", False, "grade.level"),
        ("5,5", 9, "term", False, "grade.whole"),
    ],
)
def test_parse_grade_input_rejects(raw, level, kind, sop, code):
    with pytest.raises(rules.RuleError) as info:
        grades.parse_grade_input(raw, level, kind, sop)
    assert info.value.message_bg
    if code != "invalid":
        assert info.value.code == code


@pytest.mark.parametrize(
    ("day", "lock_day", "future", "admin", "override", "outcome"),
    [
        (dt.date(2026, 11, 25), 5, True, False, False, None),
        (dt.date(2026, 11, 26), 5, True, False, False, "future"),
        (dt.date(2026, 11, 26), 5, False, False, False, None),
        (dt.date(2026, 10, 31), 5, True, False, False, "month"),
        (dt.date(2026, 10, 31), None, True, False, False, None),
        (dt.date(2026, 10, 31), 28, True, False, False, None),
        (dt.date(2026, 10, 31), 5, True, False, True, "month"),  # a teacher cannot override
        (dt.date(2026, 10, 31), 5, True, True, True, None),  # an admin can (audited)
        (dt.date(2026, 11, 26), 5, True, True, True, "future"),  # never the future lock
    ],
)
def test_entry_locks(demo_app, day, lock_day, future, admin, override, outcome):
    year = db.session.scalar(sa.select(SchoolYear).where(SchoolYear.school_id == 1))
    year.month_lock_day, year.future_entry_lock = lock_day, future
    actor = core.Actor(staff_id=1, school_id=1, is_admin=admin)
    if outcome is None:
        core.check_lock(actor, year, day, override=override)
    else:
        with pytest.raises(core.Locked) as info:
            core.check_lock(actor, year, day, override=override)
        assert info.value.message_bg == core.LOCK_BG[outcome]
    db.session.rollback()
