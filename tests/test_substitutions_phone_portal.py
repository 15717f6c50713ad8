"""What parents learn of substitutions: the phone's tomorrow's timetable says "свободен час" for
a lesson not held (from the read model's ``free_hours``, refreshed when the admin assigns one),
and the child's page in the portal lists the week's free hours and substitutions of the class —
of the parent's own child's class only."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import core
from gradebook import substitutions as subs_uc
from gradebook.rules import substitutions as sub_rules
from gradebook.summary import get_summary
from ivr import content
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import Lesson
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import Substitution
from models import TeacherAbsence
from models import TimetableSlot
from models import db
from tests.conftest import TODAY
from tests.conftest import form_post

WED = dt.date(2026, 11, 25)
LESSON = {"starts": "08:00", "ends": "08:40", "term": None}


def _day(*subjects: str) -> list[dict]:
    return [
        {**LESSON, "period": n, "subject": name, "spoken": name}
        for n, name in enumerate(subjects, start=1)
    ]


@pytest.mark.parametrize(
    ("case", "free", "lines"),
    [
        ("no free hour", [], ["Утре три урока, от осем часа.", "Математика, История и Музика."]),
        # (each case with lessons ends with the homework for tomorrow: none here)
        (
            "the 2nd period free",
            [2],
            ["Утре два урока, от осем часа.", "Математика, свободен час и Музика."],
        ),
        ("a free first period", [1], ["Утре два урока, от осем часа.", "История и Музика."]),
        (
            "two free periods in a row",
            [2, 3],
            ["Утре един урок, от осем часа.", "Математика и два свободни часа."],
        ),
        ("every period free", [1, 2, 3], ["Утре всички часове са свободни, учителят отсъства."]),
    ],
)
def test_the_phone_says_free_hour_for_tomorrow(
    case: str, free: list[int], lines: list[str]
) -> None:
    summary = {
        "term": 1,
        "timetable": {"4": _day("Математика", "История", "Музика")},
        "free_hours": {"2026-11-26": free, "2026-11-25": [1, 2, 3]},  # today's are not tomorrow's
    }
    said = content.timetable(summary, WED)
    if free != [1, 2, 3]:
        assert said[-1] == "За утре няма записано домашно.", case
        said = said[:-1]
    assert said == lines, case


def test_the_read_model_keeps_the_free_hours_the_admin_assigns(school_app: Flask) -> None:
    demo = db.session.scalar(sa.select(TeacherAbsence).where(TeacherAbsence.school_id == 1))
    free_sub, lesson = db.session.execute(
        sa.select(Substitution, Lesson)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(Substitution.absence_id == demo.id, Substitution.kind == sub_rules.FREE_HOUR)
    ).first()
    year = SchoolYear.current_for(1)
    pupil = db.session.scalar(
        sa.select(Enrollment.student_id).where(
            Enrollment.class_id == lesson.class_id, Enrollment.left_on.is_(None)
        )
    )
    assert lesson.period in get_summary(pupil, year.id)["free_hours"][lesson.date.isoformat()]
    admin_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 1, StaffMembership.role == StaffRole.ADMIN
        )
    )
    admin = core.Actor.load(admin_id, 1)
    slot = db.session.get(TimetableSlot, lesson.slot_id)
    subs_uc.clear_lesson(admin, demo.id, slot.id, day=lesson.date)
    assert lesson.date.isoformat() not in get_summary(pupil, year.id)["free_hours"] or (
        lesson.period not in get_summary(pupil, year.id)["free_hours"][lesson.date.isoformat()]
    )
    subs_uc.assign_lesson(admin, demo.id, slot.id, day=lesson.date, kind=sub_rules.FREE_HOUR)
    assert lesson.period in get_summary(pupil, year.id)["free_hours"][lesson.date.isoformat()]


def _parent_of_class(class_id: int) -> tuple[Guardian, int] | None:
    row = db.session.execute(
        sa.select(Guardian, GuardianStudent.student_id)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .join(Enrollment, Enrollment.student_id == GuardianStudent.student_id)
        .where(
            Enrollment.class_id == class_id,
            Enrollment.left_on.is_(None),
            Guardian.email.is_not(None),
        )
        .order_by(Guardian.id)
    ).first()
    return (row[0], row[1]) if row else None


def test_the_portal_shows_the_weeks_changes_of_the_childs_class_only(demo_app: Flask) -> None:
    demo = db.session.scalar(sa.select(TeacherAbsence).where(TeacherAbsence.school_id == 1))
    rows = db.session.execute(
        sa.select(Substitution, Lesson)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(Substitution.absence_id == demo.id)
    ).all()
    free_classes = {lesson.class_id for sub, lesson in rows if sub.kind == sub_rules.FREE_HOUR}
    found = next(
        (p for class_id in sorted(free_classes) if (p := _parent_of_class(class_id))), None
    )
    if found is None:
        pytest.skip("no registered parent in that class")
    guardian, student_id = found
    client = demo_app.test_client()
    response = form_post(client, "/login", {"email": guardian.email, "password": "demo1234"})
    assert response.status_code in (302, 303)
    html = client.get(f"/child/{student_id}").get_data(as_text=True)
    assert "Промени в програмата" in html and "свободен час" in html
    # a class with no substitution this week shows none
    affected = {lesson.class_id for _sub, lesson in rows}
    other = db.session.execute(
        sa.select(Enrollment.class_id, GuardianStudent.student_id)
        .join(GuardianStudent, GuardianStudent.student_id == Enrollment.student_id)
        .where(
            GuardianStudent.guardian_id == guardian.id,
            Enrollment.class_id.not_in(affected),
            Enrollment.left_on.is_(None),
        )
    ).first()
    if other is not None:
        assert "Промени в програмата" not in client.get(f"/child/{other[1]}").get_data(as_text=True)
    assert TODAY == WED
