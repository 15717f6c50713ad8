"""The demo loader's scale features: finished past years (``history_years``), the COPY path on
PostgreSQL, and id sequences that stay usable after a bulk load."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gradebook.demo import PAST_YEAR_LEFT_REASON
from gradebook.demo import build_demo
from models import Absence
from models import Enrollment
from models import Grade
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import StudentSummary
from models import db

TODAY = dt.date(2026, 11, 25)
SMALL = dict(seed=4, schools=1, today=TODAY, students_per_class=6, levels=(3, 5, 12))


def _summaries() -> dict[int, Any]:
    rows = db.session.execute(sa.select(StudentSummary.student_id, StudentSummary.payload)).all()
    out = {sid: p if isinstance(p, dict) else json.loads(p) for sid, p in rows}
    for payload in out.values():  # the preparatory group is made after the past year: its id
        if payload.get("student", {}).get("grade_level") == 0:  # differs, nothing else does
            payload["student"].pop("class_id", None)
    return out


def _current_grades() -> list[tuple[Any, ...]]:
    current = sa.select(SchoolYear.id).where(SchoolYear.is_current)
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(Grade.student_id, Grade.curriculum_id, Grade.value, Grade.date, Grade.kind)
            .where(Grade.school_year_id.in_(current))
            .order_by(Grade.student_id, Grade.curriculum_id, Grade.date, Grade.value)
        )
    ]


def test_history_does_not_change_the_current_year(app):
    """The same seed with and without a past year: the current year's grades and every prepared
    summary (what the phone line speaks and the portal shows) are identical, so nothing of the
    past year leaks into the current year's figures."""
    build_demo(**SMALL)
    without = (_current_grades(), _summaries())
    db.drop_all()
    db.create_all()
    build_demo(**SMALL, history_years=1)
    assert db.session.scalar(sa.select(sa.func.count(SchoolYear.id))) == 2
    assert (_current_grades(), _summaries()) == without


def test_past_year_is_a_finished_year(app):
    result = build_demo(**SMALL, history_years=1)
    past = db.session.scalars(sa.select(SchoolYear).where(~SchoolYear.is_current)).one()
    assert past.name == "2025/2026" and past.ends_on == dt.date(2026, 6, 30)
    # the pupils a grade lower: 3 → 2, 5 → 4, 12 → 11; nobody was in a class before the first
    levels = sorted(
        db.session.scalars(
            sa.select(SchoolClass.grade_level).where(SchoolClass.school_year_id == past.id)
        ).unique()
    )
    assert levels == [2, 4, 11]
    old = db.session.scalars(
        sa.select(Enrollment)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(SchoolClass.school_year_id == past.id)
    ).all()
    assert old and all(e.left_on is not None and e.left_on <= past.ends_on for e in old)
    assert {e.left_reason for e in old} == {PAST_YEAR_LEFT_REASON}
    # every pupil is in exactly one class now
    open_enrolments = db.session.execute(
        sa.select(Enrollment.student_id, sa.func.count())
        .where(Enrollment.left_on.is_(None))
        .group_by(Enrollment.student_id)
    ).all()
    assert len(open_enrolments) == result.counts["student"]
    assert {n for _, n in open_enrolments} == {1}

    # each pupil and subject of the past year: current grades in both terms, two term grades and
    # an annual grade that follows from them (whole marks; 2 below a mean of 3.00)
    grades = db.session.scalars(sa.select(Grade).where(Grade.school_year_id == past.id)).all()
    by_pupil_subject: dict[tuple[int, int], list[Grade]] = {}
    for g in grades:
        by_pupil_subject.setdefault((g.student_id, g.curriculum_id), []).append(g)
    assert by_pupil_subject
    for marks in by_pupil_subject.values():
        terms = {g.term: g for g in marks if g.kind == "term"}
        annual = [g for g in marks if g.kind == "annual"]
        currents = [g for g in marks if g.kind not in ("term", "annual")]
        assert set(terms) == {1, 2} and len(annual) == 1
        assert {g.term for g in currents} == {1, 2}
        mean = (terms[1].value + terms[2].value) / 2
        expected = 2 if mean < 3 else min(6, int(mean + Decimal("0.5")))
        assert annual[0].value == expected and annual[0].term is None
        assert all(g.date <= past.ends_on for g in marks)
    assert db.session.scalar(
        sa.select(sa.func.count(Absence.id)).where(Absence.school_year_id == past.id)
    )
    # grades I–III are qualitative in the past year as well
    level_of = dict(
        db.session.execute(
            sa.select(Student.id, SchoolClass.grade_level)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(SchoolClass.school_year_id == past.id)
        ).all()
    )
    for g in grades:
        assert (g.category == "qualitative") == (level_of[g.student_id] <= 3)


def _constraints_and_indexes() -> set[str]:
    return set(
        db.session.scalars(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE conrelid IN "
                "('grade'::regclass, 'absence'::regclass) UNION "
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('grade', 'absence') "
                "AND schemaname = current_schema()"
            )
        )
    )


@pytest.mark.parametrize("bulk", [False, True], ids=["per school", "bulk"])
def test_postgres_copy_load_matches_sqlite_and_keeps_sequences(app, pg_app, bulk):
    """COPY on PostgreSQL writes the same rows as the inserts on SQLite, and afterwards the
    application can add rows of its own (the id sequences were moved past the loaded ids). The
    bulk mode puts back every foreign key and index it dropped."""
    with pg_app.app_context():
        before = _constraints_and_indexes()
        assert len([n for n in before if n.startswith("fk_")]) >= 10
        pg_counts = build_demo(**SMALL, history_years=1, bulk=bulk).counts
        assert _constraints_and_indexes() == before
        pg_grades = _current_grades()
        pg_total = db.session.scalar(sa.select(sa.func.sum(Grade.value)))
        school = db.session.scalars(sa.select(School)).first()
        assert school is not None
        db.session.add(School(name="Ново училище", neispuo_code="9999999", town="Русе"))
        student = db.session.scalars(sa.select(Student)).first()
        assert student is not None
        db.session.add(
            Student(
                school_id=school.id,
                first_name="Нов",
                last_name="Ученик",
                personal_id_type="lnch",
                personal_id="1000000001",
                student_code="0000000000",
            )
        )
        db.session.flush()  # a duplicate id would fail here
        db.session.rollback()
    with app.app_context():  # the pg_app fixture's context is the outer one
        sqlite_counts = build_demo(**SMALL, history_years=1).counts
        assert pg_counts == sqlite_counts
        assert pg_grades == _current_grades()
        assert pg_total == db.session.scalar(sa.select(sa.func.sum(Grade.value)))


def test_loading_twice_adds_schools_with_fresh_ids(pg_app):
    build_demo(**SMALL)
    build_demo(**{**SMALL, "seed": 5})
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 2
    codes = db.session.scalars(sa.select(Student.student_code)).all()
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("history_years", [0, 2], ids=["no history", "two past years"])
def test_cli_builds_history(app, history_years):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "demo",
            "--schools",
            "1",
            "--students-per-class",
            "3",
            "--today",
            "25.11.2026",
            "--history-years",
            str(history_years),
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count(SchoolYear.id))) == 1 + history_years
    assert "grade" in result.output


def test_every_start_prints_the_sign_ins_the_readme_names(app):
    """Issue 14: a restart of ``make run`` (``demo --if-empty``) printed a mixed Bulgarian and
    English line and no sign-ins; the README named a subject teacher the first start never
    printed."""
    runner = app.test_cli_runner()
    args = ["demo", "--if-empty", "--students-per-class", "3", "--today", "25.11.2026"]
    first = runner.invoke(args=args)
    again = runner.invoke(args=args)
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert "Демо данните вече са заредени." in again.output and "nothing done" not in again.output
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for output in (first.output, again.output):
        for email in ("direktor@sou1.demo.bg", "uchitel13@sou1.demo.bg", "roditel2@sou1.demo.bg"):
            assert email in output and email in readme, email
        assert "ПИН 2580" in output and "ИД код" in output
    tail = first.output[first.output.index("Вход в системата") :]
    assert tail in again.output  # the same lines on every start


def test_cli_bulk_load_on_postgres(pg_app):
    """Five schools: the bulk mode, its progress bars and the restored constraints, from the CLI.
    (The tables were made by ``create_all`` after the bulk load of the test before: they still
    have their foreign keys, so that load left SQLAlchemy's metadata as it was.)"""
    before = _constraints_and_indexes()
    assert len([n for n in before if n.startswith("fk_")]) >= 10
    result = pg_app.test_cli_runner().invoke(
        args=["demo", "--schools", "5", "--students-per-class", "2", "--today", "25.11.2026"]
    )
    assert result.exit_code == 0, result.output
    for label in ("Училища", "Индекси", "Обобщения"):
        assert label in result.output
    assert _constraints_and_indexes() == before
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 5
    summaries = db.session.scalar(sa.select(sa.func.count(StudentSummary.student_id)))
    open_enrolments = db.session.scalar(
        sa.select(sa.func.count(Enrollment.id)).where(Enrollment.left_on.is_(None))
    )
    assert summaries == open_enrolments > 0


def test_demo_tests_and_class_works_are_realistic(demo_app):
    """Issue 14: a first grade had a class work in art. Issue 17: the tests are the tests
    schedule's, within the law's limits, in IV–XII, spread over the year, some coming."""
    from config import clock
    from gradebook import rules
    from gradebook.demo.school import CLASS_WORK_SUBJECTS
    from models import Event
    from models import Exam
    from models import Grade
    from models import SchoolClass
    from models import Subject

    rows = db.session.execute(
        sa.select(Exam, SchoolClass.grade_level, Subject.name)
        .join(SchoolClass, SchoolClass.id == Exam.class_id)
        .join(Subject, Subject.id == Exam.subject_id)
    ).all()
    works = [r for r in rows if r.Exam.kind.value == "classwork"]
    assert works and len(rows) > len(works)
    assert all(r.name in CLASS_WORK_SUBJECTS and r.grade_level >= 4 for r in works), works
    assert {r.grade_level for r in rows} >= {5, 9}  # every demo class of IV–XII has tests
    planned = [
        rules.PlannedExam(r.Exam.id, r.Exam.class_id, r.Exam.date, r.Exam.kind.value) for r in rows
    ]
    assert all(rules.exam_problem(p, planned) is None for p in planned)
    today = clock.today()
    months = {r.Exam.date.month for r in rows}
    assert len(months) >= 8  # spread over the year
    assert any(today <= r.Exam.date <= today + dt.timedelta(days=28) for r in rows)
    # events carry no tests any more; past grades of a planned test link to it
    assert not db.session.scalar(
        sa.select(sa.func.count(Event.id)).where(Event.kind.in_(("test", "classwork")))
    )
    linked = db.session.execute(
        sa.select(
            Grade.kind, Grade.date, Grade.curriculum_id, Exam.kind, Exam.date, Exam.curriculum_id
        ).join(Exam, Exam.id == Grade.exam_id)
    ).all()
    assert linked and all(g[0].value == g[3].value and g[1:3] == g[4:6] for g in linked)


def test_demo_families_and_class_teachers_are_realistic(demo_app):
    """Issue 14: a teacher was class teacher of two classes; a child's patronymic did not match
    the father's name."""
    from collections import Counter

    from models import Guardian
    from models import GuardianStudent
    from models import SchoolClass
    from models import Student

    teachers = Counter(
        db.session.scalars(
            sa.select(SchoolClass.class_teacher_id).where(SchoolClass.class_teacher_id.is_not(None))
        )
    )
    assert teachers and max(teachers.values()) == 1
    fathers = db.session.execute(
        sa.select(Guardian.full_name, Student.middle_name)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianStudent.student_id)
        .where(GuardianStudent.relation == "father")
    ).all()
    assert fathers
    for full_name, middle in fathers:
        first = full_name.split()[0]
        assert middle.startswith(first[:-1] if first[-1] in "аеиоуя" else first), (
            full_name,
            middle,
        )
