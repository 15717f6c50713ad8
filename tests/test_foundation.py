"""The foundation: the app starts, the schema's rules hold in the database itself, the demo loads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gradebook import rules
from models import Absence
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import School
from models import Student
from models import db


def test_healthz(client):
    assert client.get("/healthz").data == b"ok"


def test_demo_school_is_realistic(demo_app):
    students = db.session.scalars(sa.select(Student)).all()
    assert len(students) > 50
    for s in students:
        assert rules.is_valid_student_code(s.student_code)
        birth, sex = rules.egn_info(s.personal_id)
        assert birth == s.birth_date and sex == s.gender
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) > 500
    kinds = set(db.session.scalars(sa.select(Absence.kind).distinct()))
    assert kinds == {"excused", "unexcused", "late"}
    two_children = db.session.execute(
        sa.select(GuardianStudent.guardian_id)
        .group_by(GuardianStudent.guardian_id)
        .having(sa.func.count() > 1)
    ).first()
    assert two_children, "a demo parent with two children exercises the child choice"
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 2


def test_demo_is_deterministic(app):
    from gradebook.demo import build_demo

    first = build_demo(
        seed=3, schools=1, today=dt.date(2026, 11, 25), students_per_class=5, levels=(6,)
    )
    codes = [s.student_code for s in db.session.scalars(sa.select(Student).order_by(Student.id))]
    db.drop_all()
    db.create_all()
    second = build_demo(
        seed=3, schools=1, today=dt.date(2026, 11, 25), students_per_class=5, levels=(6,)
    )
    again = [s.student_code for s in db.session.scalars(sa.select(Student).order_by(Student.id))]
    assert codes == again and first.counts == second.counts


def _a_grade(**changes):
    grade = db.session.scalars(sa.select(Grade).where(Grade.kind == "current").limit(1)).one()
    values = {c.key: getattr(grade, c.key) for c in Grade.__table__.columns if c.key != "id"}
    values.update(version=1, **changes)
    return values


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"value": Decimal("2.50")}, id="2.50 is no grade"),
        pytest.param({"value": Decimal("6.01")}, id="above 6"),
        pytest.param({"value": Decimal("1")}, id="below 2"),
        pytest.param({"kind": "term", "value": Decimal("5.50")}, id="term grade 5.5"),
        pytest.param({"kind": "annual", "term": 1}, id="annual grade with a term"),
        pytest.param({"kind": "unknown"}, id="unknown kind"),
        pytest.param({"category": "sop", "sop_mark": None}, id="SOP without its mark"),
    ],
)
def test_database_refuses_impossible_grades(demo_app, changes):
    values = _a_grade(**changes)
    with pytest.raises((IntegrityError, LookupError, sa.exc.StatementError)):
        db.session.execute(sa.insert(Grade), [values])
        db.session.flush()
    db.session.rollback()


def test_one_absence_per_lesson(demo_app):
    absence = db.session.scalars(sa.select(Absence).limit(1)).one()
    twin = {c.key: getattr(absence, c.key) for c in Absence.__table__.columns if c.key != "id"}
    with pytest.raises(IntegrityError):
        db.session.execute(sa.insert(Absence), [twin])
    db.session.rollback()


def test_student_code_is_unique(demo_app):
    a, b = db.session.scalars(sa.select(Student).limit(2)).all()
    b.student_code = a.student_code
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_grade_values_round_trip_exactly(demo_app):
    values = set(db.session.scalars(sa.select(Grade.value)))
    assert all(isinstance(v, Decimal) and v == v.quantize(Decimal("0.01")) for v in values)
    assert Decimal("2.00") in values


def test_guardian_pin_is_hashed(demo_app):
    guardian = db.session.scalars(sa.select(Guardian).limit(1)).one()
    assert guardian.pin_hash and "2580" not in guardian.pin_hash
