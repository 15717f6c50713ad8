"""The month's reports of substitutions: every lesson of an absent teacher with its kind and who
taught it, and the lessons held per teacher (a free hour is not held, a substituted lesson is held
by the substitute); the admin's only, as a page, CSV and XLSX."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from gradebook.rules import substitutions as sub_rules
from models import Lesson
from models import SchoolClass
from models import StaffUser
from models import Substitution
from models import TeacherAbsence
from models import db
from onboarding import reports
from tests.conftest import login_staff


def _demo(school_id: int = 1) -> tuple[TeacherAbsence, list[Substitution]]:
    absence = db.session.scalar(
        sa.select(TeacherAbsence).where(TeacherAbsence.school_id == school_id)
    )
    subs = list(
        db.session.scalars(sa.select(Substitution).where(Substitution.absence_id == absence.id))
    )
    return absence, subs


def test_the_substitutions_report_lists_every_lesson_by_kind(school_app: Flask) -> None:
    absence, subs = _demo()
    report = reports.build("substitutions", 1, year=2026, month=11)
    assert len(report.rows) == len(subs)
    teacher = db.session.get(StaffUser, absence.teacher_id).full_name
    assert {row[4] for row in report.rows} == {teacher}
    free = [row for row in report.rows if row[5] == sub_rules.FREE_HOUR]
    assert free and all(row[6] == "свободен час" and row[7] == "—" for row in free)
    external = [row for row in report.rows if row[5] == sub_rules.EXTERNAL]
    assert external and all(row[7] for row in external)
    assert any(note.startswith(f"{teacher}: отсъства 2 учебни дни") for note in report.notes)
    assert any(note.startswith("Замества: ") for note in report.notes)
    # another month has none of it
    assert reports.build("substitutions", 1, year=2026, month=10).rows == []


def test_lessons_held_count_a_free_hour_as_not_held(school_app: Flask) -> None:
    absence, subs = _demo()
    report = reports.build("lessons-held", 1, year=2026, month=11)
    by_name = {row[0]: row for row in report.rows}
    teacher = db.session.get(StaffUser, absence.teacher_id).full_name
    _name, planned, by_self, by_other, free, waiting, _as_sub, total = by_name[teacher]
    assert free == sum(1 for s in subs if s.kind == sub_rules.FREE_HOUR)
    assert by_other == sum(1 for s in subs if s.kind != sub_rules.FREE_HOUR)
    assert waiting == 0
    assert planned == by_self + by_other + free + waiting
    assert total == by_self  # the absent teacher substituted nobody
    for sub in subs:
        if sub.substitute_id is not None:
            name = db.session.get(StaffUser, sub.substitute_id).full_name
            row = by_name[name]
            assert row[6] >= 1 and row[7] == row[2] + row[6]


def test_only_the_admin_gets_them_in_every_format(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login_staff(client, "direktor@sou1.demo.bg")
    index = client.get("/onboarding/reports").get_data(as_text=True)
    assert "Заместване за месец" in index and "Проведени часове за месец" in index
    for name in ("substitutions", "lessons-held"):
        page = client.get(f"/onboarding/reports/{name}?month=11.2026")
        assert page.status_code == 200
        for fmt, mime in (("csv", "text/csv"), ("xlsx", "application/vnd.openxml")):
            response = client.get(f"/onboarding/reports/{name}?month=11.2026&format={fmt}")
            assert response.status_code == 200 and response.mimetype.startswith(mime)
    csv = client.get("/onboarding/reports/substitutions?month=11.2026&format=csv")
    assert "свободен час" in csv.get_data().decode("utf-8-sig")
    # a class teacher does not see the school's substitutions
    klass = db.session.scalar(
        sa.select(SchoolClass).where(
            SchoolClass.school_id == 1, SchoolClass.class_teacher_id.is_not(None)
        )
    )
    teacher = db.session.get(StaffUser, klass.class_teacher_id)
    other = demo_app.test_client()
    login_staff(other, teacher.email)
    assert other.get("/onboarding/reports/substitutions").status_code == 403
    assert other.get("/onboarding/reports/lessons-held").status_code == 403


def test_another_schools_substitutions_stay_out(demo_app: Flask) -> None:
    _absence, theirs = _demo(2)
    their_lessons = {db.session.get(Lesson, s.lesson_id).class_id for s in theirs}
    report = reports.build("substitutions", 1, year=2026, month=11)
    mine = {
        c.name for c in db.session.scalars(sa.select(SchoolClass).where(SchoolClass.school_id == 1))
    }
    assert {row[2] for row in report.rows} <= mine
    assert their_lessons  # school 2 has its own demo absence
