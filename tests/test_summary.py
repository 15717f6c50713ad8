"""The phone/portal read model: built in bulk, refreshed per student, rebuilt on a miss."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import rules
from gradebook import summary
from gradebook import summary_store
from models import Absence
from models import Curriculum
from models import Enrollment
from models import Event
from models import Grade
from models import GroupSummary
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import StudentSummary
from models import db
from tests._helpers import new_grade


def pupil(level: int = 5) -> tuple[Student, SchoolClass, SchoolYear]:
    row = db.session.execute(
        sa.select(Student, SchoolClass, SchoolYear)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolClass.grade_level == level, Student.school_id == 1)
        .order_by(Student.id)
        .limit(1)
    ).one()
    return row[0], row[1], row[2]


def test_rebuild_school_makes_one_summary_per_pupil(demo_app: Flask) -> None:
    count = summary.rebuild_school(1)
    db.session.commit()
    enrolled = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Enrollment.student_id))).where(
            Enrollment.school_id == 1
        )
    )
    assert count == enrolled
    stored = db.session.scalar(sa.select(sa.func.count()).where(StudentSummary.school_id == 1))
    assert stored == enrolled
    classes = db.session.scalar(
        sa.select(sa.func.count(SchoolClass.id)).where(SchoolClass.school_id == 1)
    )
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(GroupSummary.school_id == 1)) == classes
    )


def test_averages_follow_the_rules(demo_app: Flask) -> None:
    student, _, year = pupil(5)
    payload = summary.get_summary(student.id, year.id)
    grades = db.session.execute(
        sa.select(Grade.subject_id, Grade.value).where(
            Grade.student_id == student.id,
            Grade.term == 1,
            Grade.kind.in_(rules.CURRENT_KINDS),
            Grade.value.is_not(None),
        )
    ).all()
    by_subject: dict[int, list[Decimal]] = {}
    for subject_id, value in grades:
        by_subject.setdefault(subject_id, []).append(value)
    expected = {sid: rules.average(values) for sid, values in by_subject.items()}
    got = {s["subject_id"]: Decimal(s["average"]) for s in payload["subjects"]}
    assert got == expected
    overall = rules.average(expected.values())
    assert payload["overall"] == {
        "average": f"{overall:.2f}",
        "word": rules.grade_word(overall)[0],
    }
    dates = [g["date"] for g in payload["latest_grades"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert payload["student"]["first_name"] == student.first_name


def test_refresh_student_sees_a_new_grade_and_absences(demo_app: Flask) -> None:
    student, cls, year = pupil(9)
    cur = db.session.scalars(sa.select(Curriculum).where(Curriculum.class_id == cls.id)).first()
    assert cur is not None
    db.session.add(
        new_grade(
            year,
            student.id,
            cur,
            Decimal("5.50"),
            kind="test",
            date=dt.date(2026, 11, 25),
            created_at=dt.datetime(2099, 1, 1),  # after every demo grade of the day
        )
    )
    db.session.execute(sa.delete(Absence).where(Absence.student_id == student.id))
    for period, kind in [(1, "late"), (2, "unexcused"), (3, "unexcused"), (4, "excused")]:
        db.session.add(
            Absence(
                school_id=1,
                school_year_id=year.id,
                student_id=student.id,
                date=dt.date(2026, 11, 25),
                period=period,
                term=1,
                kind=kind,
            )
        )
    payload = summary.refresh_student(student.id, year.id)
    db.session.commit()
    assert payload is not None
    newest = payload["latest_grades"][0]
    assert (newest["value"], newest["kind"], newest["date"]) == ("5.50", "test", "2026-11-25")
    assert payload["absences"] == {"excused": 1, "unexcused": 2, "lates": 1, "weighted": "2.5"}
    assert [a["period"] for a in payload["recent_absences"]] == [4, 3, 2, 1]
    assert summary.get_summary(student.id, year.id) == payload  # stored, read back as is


def test_get_summary_builds_on_a_miss(demo_app: Flask) -> None:
    student, _, year = pupil(3)
    db.session.execute(sa.delete(StudentSummary).where(StudentSummary.student_id == student.id))
    db.session.commit()
    payload = summary.get_summary(student.id, year.id)
    assert payload["student"]["qualitative"] is True
    assert db.session.get(StudentSummary, (student.id, year.id)) is not None


def test_a_term_one_summary_is_rebuilt_once_term_two_begins(demo_app: Flask) -> None:
    student, _, year = pupil(5)
    assert summary.get_summary(student.id, year.id)["term"] == 1
    demo_app.config["NOW"] = (year.term2_starts_on + dt.timedelta(days=1)).isoformat() + "T10:00"
    assert summary.get_summary(student.id, year.id)["term"] == 2


def test_timetable_events_and_meetings(demo_app: Flask) -> None:
    student, cls, year = pupil(5)
    db.session.add_all(
        [
            Event(
                school_id=1,
                school_year_id=year.id,
                class_id=cls.id,
                kind="test",
                title="Минало",
                date=dt.date(2026, 11, 20),
            ),
            Event(
                school_id=1,
                school_year_id=year.id,
                class_id=None,
                kind="school_event",
                title="За всички",
                date=dt.date(2026, 11, 26),
            ),
        ]
    )
    payload = summary.refresh_student(student.id, year.id)
    assert payload is not None
    titles = [e["title"] for e in payload["events"]]
    assert "Минало" not in titles and "За всички" in titles
    assert all(e["date"] >= "2026-11-25" for e in payload["events"])
    assert payload["meetings"] and payload["meetings"][0]["time"] == "18:00"
    thursday = payload["timetable"]["4"]
    assert thursday and all(s["subject"] and s["starts"] for s in thursday)
    assert [s["period"] for s in thursday] == sorted(s["period"] for s in thursday)


@pytest.mark.parametrize(
    ("averages", "hidden"),
    [
        pytest.param(["4.00"] * 4, True, id="four-pupils-hidden"),
        pytest.param(["4.00"] * 4 + ["5.00"], False, id="five-pupils-shown"),
    ],
)
def test_class_comparison_is_hidden_for_small_groups(averages: list[str], hidden: bool) -> None:
    payloads = [
        {"overall": {"average": a}, "subjects": [{"subject_id": 1, "average": a}]} for a in averages
    ]
    group = summary_store.class_aggregate(payloads)
    assert group["hidden"] is hidden
    if not hidden:
        assert group["overall"]["average"] == "4.20"
        assert group["subjects"] == {"1": "4.20"}


@pytest.mark.postgres
def test_rebuild_on_postgresql(pg_app: Flask) -> None:
    from gradebook.demo import build_demo

    build_demo(seed=3, schools=1, today=dt.date(2026, 11, 25), students_per_class=6, levels=(5,))
    count = summary.rebuild_school(1)
    db.session.commit()
    assert count > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StudentSummary)) == count


def test_phone_and_portal_group_caches_do_not_clobber_each_other(demo_app):
    """Both the phone line (menu 7) and the portal comparison cache class aggregates in
    GroupSummary; each keeps its own rows (``source``), so one never deletes or misreads the other's."""
    import sqlalchemy as sa

    from gradebook import summary
    from models import Enrollment
    from models import GroupSummary
    from models import SchoolClass
    from models import SchoolYear
    from models import db
    from portal import stats

    klass = db.session.scalars(sa.select(SchoolClass).where(SchoolClass.school_id == 1)).first()
    year = db.session.get(SchoolYear, klass.school_year_id)
    term = year.term_of(summary.clock.today())
    phone_before = summary.get_class_summary(klass.id, year.id, term)
    assert phone_before is not None and "fp" not in phone_before

    stats.group_payloads(1, year.id, klass.grade_level, term)  # the portal builds its cache

    assert summary.get_class_summary(klass.id, year.id, term) == phone_before
    sources = set(
        db.session.scalars(
            sa.select(GroupSummary.source).where(GroupSummary.grade_level == klass.grade_level)
        )
    )
    assert sources == {"phone", "portal"}
    pupil = db.session.scalars(
        sa.select(Enrollment.student_id).where(Enrollment.class_id == klass.id)
    ).first()
    assert stats.invalidate_for_student(pupil, year.id) > 0  # drops the portal's rows only
    assert summary.get_class_summary(klass.id, year.id, term) == phone_before


def test_refresh_students_writes_what_a_whole_rebuild_writes_in_fixed_statements(
    demo_app: Flask,
) -> None:
    """A column's pupils refreshed together (one UPSERT, the class row rebuilt once) store the
    same payloads and class aggregate as ``rebuild_school``; new rows (no summary yet) and old
    ones alike; and the statements do not grow with the number of pupils."""
    from sqlalchemy import event

    student, cls, year = pupil(9)
    cur = db.session.scalars(sa.select(Curriculum).where(Curriculum.class_id == cls.id)).first()
    assert cur is not None
    mates = list(
        db.session.scalars(
            sa.select(Enrollment.student_id)
            .where(Enrollment.class_id == cls.id)
            .order_by(Enrollment.student_id)
        )
    )
    summary.rebuild_school(1)
    db.session.execute(sa.delete(StudentSummary).where(StudentSummary.student_id == mates[0]))
    db.session.commit()
    for sid in mates[:6]:
        db.session.add(new_grade(year, sid, cur, Decimal("2.00"), date=dt.date(2026, 11, 25)))
    db.session.flush()
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        summary.refresh_students(year, mates[:2])
        few = len(seen)
        seen.clear()
        summary.refresh_students(year, mates[:6])
        many = len(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert few == many
    db.session.commit()
    stored = {
        sid: p
        for sid, p in db.session.execute(
            sa.select(StudentSummary.student_id, StudentSummary.payload).where(
                StudentSummary.student_id.in_(mates)
            )
        )
    }
    group = summary.get_class_summary(cls.id, year.id, 1)
    summary.rebuild_school(1)
    db.session.commit()
    for sid in mates:
        assert stored[sid] == summary.get_summary(sid, year.id), sid
    assert group == summary.get_class_summary(cls.id, year.id, 1)
    assert group is not None and group["size"] == len(mates)
