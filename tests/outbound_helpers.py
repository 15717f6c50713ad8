"""Builders shared by the outbound call tests (not a test module): a school with a class, a
timetable and bell times, absent pupils and their guardians; the fake Twilio's poster through
the Flask test client, signed like Twilio."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

from models import Absence
from models import AbsenceKind
from models import BellTime
from models import Curriculum
from models import CurriculumSection
from models import Enrollment
from models import Guardian
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Student
from models import Subject
from models import TimetableSlot
from models import db
from notify.fake_twilio import FakeTwilio
from tests._helpers import signed_post
from tests.notify_helpers import SID
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student

DAY = dt.date(2026, 11, 25)  # a Wednesday
AT = "2026-11-25T10:05:00"  # after the default 10:00
INFO = "+35924001234"
_serial = {"n": 0}


def school_with_class(info_phone: str = "+35929001122") -> tuple[School, SchoolClass]:
    _serial["n"] += 1
    school = make_school(info_phone=info_phone)
    year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.school_id == school.id))
    assert year is not None
    teacher = StaffUser(
        email=f"klasen{_serial['n']}@example.bg",
        full_name="Петя Иванова",
        password_hash=generate_password_hash("demo1234", method="pbkdf2:sha256:1000"),
    )
    db.session.add(teacher)
    db.session.flush()
    db.session.add(
        StaffMembership(staff_id=teacher.id, school_id=school.id, role=StaffRole.TEACHER)
    )
    klass = SchoolClass(
        school_id=school.id, school_year_id=year.id, grade_level=5, name="5а",
        class_teacher_id=teacher.id,
    )  # fmt: skip
    db.session.add(klass)
    subject = Subject(school_id=school.id, name="Математика")
    db.session.add(subject)
    db.session.flush()
    curriculum = Curriculum(
        school_id=school.id, class_id=klass.id, subject_id=subject.id,
        section=next(iter(CurriculumSection)),
    )  # fmt: skip
    db.session.add(curriculum)
    db.session.flush()
    for period, start in enumerate(((8, 0), (8, 50), (9, 40)), start=1):
        db.session.add(
            BellTime(
                school_id=school.id, shift=1, period=period, starts_at=dt.time(*start),
                ends_at=(dt.datetime(2000, 1, 1, *start) + dt.timedelta(minutes=40)).time(),
            )
        )  # fmt: skip
        db.session.add(
            TimetableSlot(
                school_id=school.id, class_id=klass.id, weekday=DAY.isoweekday(), period=period,
                curriculum_id=curriculum.id, subject_id=subject.id,
            )
        )  # fmt: skip
    db.session.flush()
    return school, klass


def pupil(school: School, klass: SchoolClass, name: str, absent: Sequence[int] = (1, 2)) -> Student:
    student = make_student(school, name)
    db.session.flush()
    # the next number in the class (1–99): a counter kept across tests would pass 99 in a long run
    number = 1 + (
        db.session.scalar(
            sa.select(sa.func.max(Enrollment.class_number)).where(Enrollment.class_id == klass.id)
        )
        or 0
    )
    db.session.add(
        Enrollment(
            school_id=school.id, student_id=student.id, class_id=klass.id, class_number=number,
            enrolled_on=dt.date(2026, 9, 15),
        )
    )  # fmt: skip
    for period in absent:
        absence(student, klass, period)
    db.session.flush()
    return student


def absence(
    student: Student, klass: SchoolClass, period: int, kind: AbsenceKind = AbsenceKind.UNEXCUSED
) -> Absence:
    row = Absence(
        school_id=student.school_id, school_year_id=klass.school_year_id, student_id=student.id,
        date=DAY, period=period, term=1, kind=kind,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def guardian(*students: Student, phone: str, email: str | None = None) -> Guardian:
    return make_guardian(*students, phone=phone, email=email)


def use_fake(app: Flask, fake: FakeTwilio, **extra: Any) -> None:
    settings: dict[str, Any] = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_API_BASE": fake.base_url,
        "TWILIO_TIMEOUT": 5,
        "INFO_PHONE_NUMBER": INFO,
        "OUTBOUND_CALLS_PER_SECOND": 1000,  # the rate has its own test
        "NOW": AT,
    }
    app.config.update({**settings, **extra})


def poster(app: Flask) -> Callable[[str, dict[str, str]], tuple[int, str]]:
    """The fake Twilio's requests to our webhooks, through the test client, signed."""
    client = app.test_client()

    def post(url: str, params: dict[str, str]) -> tuple[int, str]:
        path = url.removeprefix(app.config["PUBLIC_BASE_URL"])
        response = signed_post(client, path, params)
        return response.status_code, response.get_data(as_text=True)

    return post


def set_now(app: Flask, moment: dt.datetime) -> None:
    app.config["NOW"] = moment.isoformat()
