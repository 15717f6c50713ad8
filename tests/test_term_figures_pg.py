"""The rule of figures on PostgreSQL: term and annual grades in the comparison's aggregate queries
and the phone line's read model, and the counted marks of grades I–III."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from gradebook import rules
from gradebook import summary
from models import Curriculum
from models import Grade
from models import db
from portal import stats
from tests._helpers import new_grade
from tests.test_portal_stats import _ctx
from tests.test_portal_stats import _world
from tests.test_term_figures import lower_grade_child

pytestmark = pytest.mark.postgres

D = Decimal


def _final(year, student, curriculum: Curriculum, kind: str, term: int | None, value: str) -> Grade:  # type: ignore[no-untyped-def]
    grade = new_grade(
        year, student.id, curriculum, D(value), kind=kind, term=term, date=dt.date(2026, 11, 20)
    )
    db.session.add(grade)
    db.session.commit()
    return grade


def test_term_and_annual_grades_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    # 7а: six pupils with 3, 4, 5, 6, 3, 4 in both subjects; the child has 6
    school, year, classes, students, math, bel = _world((6, 5))
    cls, child = students[3]
    curriculum = db.session.scalars(
        sa.select(Curriculum).where(Curriculum.class_id == cls.id, Curriculum.subject_id == math.id)
    ).one()
    ctx = _ctx(school, year, cls, child)

    def report(term: int) -> stats.Comparison:
        result = stats.child_comparison(ctx, term)
        assert result is not None
        return result

    before = report(1)
    row = next(r for r in before.rows if r.subject_id == math.id)
    assert row.child == D("6.00") and row.klass.average == rules.average([3, 4, 5, 6, 3, 4])

    term_grade = _final(year, child, curriculum, "term", 1, "5")
    after = report(1)
    row = next(r for r in after.rows if r.subject_id == math.id)
    assert row.child == D("5.00") and row.final
    assert row.klass.average == rules.average([3, 4, 5, 5, 3, 4])
    assert after.overall.child == rules.overall_success([D(5), D(6)])
    payload = summary.refresh_student(child.id, year.id)
    db.session.commit()
    assert payload is not None
    entry = next(s for s in payload["subjects"] if s["subject_id"] == math.id)
    assert (entry["average"], entry["final"], entry["forecast"]) == ("5.00", True, "6.00")

    _final(year, child, curriculum, "annual", None, "4")
    row = next(r for r in report(stats.YEAR).rows if r.subject_id == math.id)
    assert row.child == D("4.00") and row.final
    assert row.klass.average == rules.average([3, 4, 5, 4, 3, 4])

    db.session.delete(term_grade)
    db.session.commit()
    row = next(r for r in report(1).rows if r.subject_id == math.id)
    assert row.child == D("6.00") and not row.final
    assert row.klass.average == rules.average([3, 4, 5, 6, 3, 4])


def test_grades_one_to_three_are_counted_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    _school, _year, math, ctx = lower_grade_child((6, 5), 2)
    result = stats.comparison(ctx, 1, {}, None)
    assert result is not None and result.qualitative
    row = next(m for m in result.marks if m.subject_id == math.id)
    assert row.child == "Среден (1)"
    assert row.klass == (("Отличен", 1), ("Много добър", 1), ("Добър", 2), ("Среден", 2))
