"""The comparison report: aggregates, the k ≥ 5 rule, bands, the distribution and the cache."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Curriculum
from models import Enrollment
from models import Grade
from models import GroupSummary
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import Subject
from models import db
from portal import stats
from portal.child_grades import child_grades
from portal.child_grades import subject_rows
from portal.children import ChildContext
from tests._helpers import new_grade

D = Decimal


def _world(class_sizes=(6, 5), grades_per_student=None):
    """One school, one year, classes of level 7 with one subject each (Математика and БЕЛ);
    every student i of class k gets grades ``grades_per_student(k, i)`` in both subjects."""
    school = School(name="Тест", neispuo_code="1234567")
    db.session.add(school)
    db.session.flush()
    year = SchoolYear(
        school_id=school.id,
        name="2026/2027",
        starts_on=dt.date(2026, 9, 15),
        term2_starts_on=dt.date(2027, 2, 3),
        ends_on=dt.date(2027, 6, 30),
    )
    math = Subject(school_id=school.id, name="Математика")
    bel = Subject(school_id=school.id, name="Български език и литература")
    db.session.add_all([year, math, bel])
    db.session.flush()
    grades_per_student = grades_per_student or (lambda k, i: [D(3 + (i % 4))])
    classes, students = [], []
    for k, size in enumerate(class_sizes):
        cls = SchoolClass(
            school_id=school.id, school_year_id=year.id, grade_level=7, name=f"7{'абв'[k]}"
        )
        db.session.add(cls)
        db.session.flush()
        curricula = []
        for subject in (math, bel):
            cur = Curriculum(school_id=school.id, class_id=cls.id, subject_id=subject.id)
            db.session.add(cur)
            curricula.append(cur)
        db.session.flush()
        for i in range(size):
            st = Student(
                school_id=school.id,
                first_name=f"Ученик{i}",
                last_name=f"Клас{k}",
                student_code=f"{k:02d}{i:04d}0000",
            )
            db.session.add(st)
            db.session.flush()
            db.session.add(
                Enrollment(
                    school_id=school.id,
                    student_id=st.id,
                    class_id=cls.id,
                    class_number=i + 1,
                    enrolled_on=year.starts_on,
                )
            )
            for cur in curricula:
                for n, value in enumerate(grades_per_student(k, i)):
                    day = dt.date(2026, 10, 1) + dt.timedelta(days=n)
                    db.session.add(new_grade(year, st.id, cur, value, date=day))
            students.append((cls, st))
        classes.append(cls)
    db.session.commit()
    return school, year, classes, students, math, bel


def _ctx(school, year, cls, student):
    return ChildContext(student, school, "mother", cls, year)


def _report(school, year, cls, student, subject_id=None):
    ctx = _ctx(school, year, cls, student)
    rows = subject_rows(ctx, child_grades(ctx), 1)
    forecasts = {r.subject_id: r.forecast for r in rows if r.forecast is not None}
    return stats.comparison(ctx, 1, forecasts, subject_id)


@pytest.mark.parametrize(
    ("child", "values", "band"),
    [
        (D("6"), ["3", "4", "5", "5.5", "6"], "top"),  # 4.5 of 5 below or shared → 0.9
        (D("3"), ["3", "4", "5", "5.5", "6"], "bottom"),  # 0.5 / 5 = 0.1
        (D("5"), ["3", "4", "5", "5.5", "6"], "upper"),  # 2.5 / 5 = 0.5
        (D("4"), ["3", "4", "5", "5.5", "6"], "lower"),  # 1.5 / 5 = 0.3
        (D("5"), ["5", "5", "5", "5", "5"], "upper"),  # everyone equal: the middle
        (D("4.49"), ["4.5"] * 4 + ["4.49"], "bottom"),
    ],
)
def test_band_of(child, values, band):
    assert stats.band_of(child, [D(v) for v in values])[0] == band


def test_distribution_bins_and_child_bin():
    dist = stats.distribution(
        ["2.5", "3.2", "3.49", "3.5", "4.49", "4.5", "5.49", "5.5", "6"], D("5.5")
    )
    assert [c for _, c in dist["bins"]] == [1, 2, 2, 2, 2]
    assert dist["child_bin"] == 4
    assert stats.distribution(["5", "5", "5", "5"], D("5")) is None  # k < 5


def test_class_and_year_group_averages(app):
    # class 7а: students get 3, 4, 5, 6, 3, 4 in both subjects; 7б: 3, 4, 5, 6, 3
    school, year, classes, students, math, bel = _world((6, 5))
    cls, child = students[2]  # a 5
    report = _report(school, year, cls, child)
    assert report.overall.child == D("5.00")
    assert report.overall.klass.average == stats.rules.average([3, 4, 5, 6, 3, 4]) == D("4.17")
    assert report.overall.cohort.average == stats.rules.average([3, 4, 5, 6, 3, 4, 3, 4, 5, 6, 3])
    assert report.overall.klass.n == 6 and report.overall.cohort.n == 11
    assert report.overall.klass.band == "top"  # 4.5 of 6 → 0.75
    math_row = next(r for r in report.rows if r.subject_id == math.id)
    assert math_row.klass.average == D("4.17") and not math_row.klass.hidden
    assert report.distribution["child_bin"] == 3 and report.distribution["n"] == 6


def test_fewer_than_five_students_hides_the_class_but_not_the_year(app):
    school, year, classes, students, math, bel = _world((4, 6))
    cls, child = students[0]  # in the class of four
    report = _report(school, year, cls, child)
    assert report.overall.klass.hidden and report.overall.klass.average is None
    assert report.overall.klass.band is None
    assert report.distribution is None
    assert all(r.klass.hidden for r in report.rows)
    assert not report.overall.cohort.hidden and report.overall.cohort.n == 10
    assert report.overall.child is not None  # the child's own numbers are always shown


def test_subject_with_four_graded_students_is_hidden(app):
    # only the first four students of 7а have grades (in both subjects); the class of 6 → hidden
    school, year, classes, students, math, bel = _world(
        (6,), grades_per_student=lambda k, i: [D(5)] if i < 4 else []
    )
    cls, child = students[0]
    report = _report(school, year, cls, child)
    assert all(r.klass.hidden and r.cohort.hidden for r in report.rows)
    assert report.overall.klass.hidden


def test_cache_is_reused_and_follows_changes(app):
    school, year, classes, students, math, bel = _world((5, 5))
    cls, child = students[0]
    first = _report(school, year, cls, child)
    rows = db.session.scalars(sa.select(GroupSummary)).all()
    assert {r.class_id for r in rows} == {classes[0].id, classes[1].id, None}
    stamps = {r.id: r.computed_at for r in rows}
    again = _report(school, year, cls, child)
    assert again.overall.klass.average == first.overall.klass.average
    assert {r.id: r.computed_at for r in db.session.scalars(sa.select(GroupSummary))} == stamps

    # a new grade for another student in the class changes the class average at once
    other = students[1][1]
    cur = db.session.scalars(
        sa.select(Curriculum).where(Curriculum.class_id == cls.id, Curriculum.subject_id == math.id)
    ).one()
    db.session.add(new_grade(year, other.id, cur, D(2), date=dt.date(2026, 11, 2)))
    db.session.commit()
    changed = _report(school, year, cls, child)
    assert changed.overall.klass.average != first.overall.klass.average

    # an edited grade is seen too, and a deleted one
    grade = db.session.scalars(sa.select(Grade).where(Grade.value == D(2))).one()
    grade.value = D(6)
    db.session.commit()
    edited = _report(school, year, cls, child)
    assert edited.overall.klass.average != changed.overall.klass.average
    db.session.delete(grade)
    db.session.commit()
    assert _report(school, year, cls, child).overall.klass.average == first.overall.klass.average


def test_invalidate_for_student_drops_the_group(app):
    school, year, classes, students, math, bel = _world((5, 5))
    cls, child = students[0]
    _report(school, year, cls, child)
    assert db.session.scalar(sa.select(sa.func.count(GroupSummary.id))) == 3
    assert stats.invalidate_for_student(child.id, year.id) == 3
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(GroupSummary.id))) == 0


def test_comparison_payload_holds_no_student_ids(app):
    school, year, classes, students, math, bel = _world((5, 5))
    cls, child = students[0]
    _report(school, year, cls, child)
    for row in db.session.scalars(sa.select(GroupSummary)):
        text = repr(row.payload)
        assert "student" not in text
        assert set(row.payload) == {"fp", "subjects", "overall"}
