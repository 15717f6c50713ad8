"""What every section of the printed book reads, loaded once: the school, the year, the class,
its director and class teacher, its pupils with their numbers, its curriculum rows, its grades of
the year (the record's sections share them) and its lessons of the year (the lessons, homework and
substitutions sections share them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from gradebook import rules
from models import Curriculum
from models import Enrollment
from models import Grade
from models import Lesson
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Student
from models import db


@dataclass
class Pupil:
    number: int
    student: Student
    enrolled_on: dt.date
    left_on: dt.date | None

    @property
    def name(self) -> str:
        return self.student.full_name


@dataclass
class Book:
    school: School
    year: SchoolYear
    klass: SchoolClass
    document_id: str
    generated_on: dt.date
    pupils: list[Pupil] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.klass.name

    @cached_property
    def number_of(self) -> dict[int, int]:
        return {pupil.student.id: pupil.number for pupil in self.pupils}

    @cached_property
    def name_of(self) -> dict[int, str]:
        return {pupil.student.id: pupil.name for pupil in self.pupils}

    def pupil_label(self, student_id: int | None) -> str:
        if student_id is None:
            return ""
        number = self.number_of.get(student_id)
        name = self.name_of.get(student_id) or _student_name(student_id)
        return f"{number}. {name}" if number is not None else name

    @cached_property
    def director(self) -> str:
        names = db.session.scalars(
            sa.select(StaffUser.full_name)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(
                StaffMembership.school_id == self.school.id,
                StaffMembership.role == StaffRole.ADMIN,
                sa.func.lower(StaffMembership.position).like("директор%"),
            )
            .order_by(StaffMembership.id)
        ).all()
        return names[0] if names else ""

    @cached_property
    def curricula(self) -> list[Curriculum]:
        return list(
            db.session.scalars(
                sa.select(Curriculum)
                .where(Curriculum.class_id == self.klass.id)
                .options(selectinload(Curriculum.subject), selectinload(Curriculum.teacher))
                .order_by(Curriculum.section, Curriculum.id)
            )
        )

    @cached_property
    def grades(self) -> list[Grade]:
        """The year's grades of the class's curricula by date (the record's sections of both
        terms and the final grades share them: read once a print)."""
        ids = [row.id for row in self.curricula]
        if not ids:
            return []
        return list(
            db.session.scalars(
                sa.select(Grade)
                .where(Grade.school_year_id == self.year.id, Grade.curriculum_id.in_(ids))
                .order_by(Grade.date, Grade.id)
            )
        )

    @cached_property
    def lessons(self) -> list[Lesson]:
        return list(
            db.session.scalars(
                sa.select(Lesson)
                .where(Lesson.class_id == self.klass.id, Lesson.school_year_id == self.year.id)
                .options(selectinload(Lesson.subject), selectinload(Lesson.teacher))
                .order_by(Lesson.date, Lesson.period, Lesson.id)
            )
        )

    @cached_property
    def staff_names(self) -> dict[int, str]:
        found = db.session.execute(
            sa.select(StaffUser.id, StaffUser.full_name)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(StaffMembership.school_id == self.school.id)
        )
        return {staff_id: name for staff_id, name in found}

    def staff(self, staff_id: int | None) -> str:
        return self.staff_names.get(staff_id, "") if staff_id is not None else ""


def _student_name(student_id: int) -> str:
    student = db.session.get(Student, student_id)
    return student.full_name if student is not None else ""


def day(value: dt.date | None) -> str:
    return rules.format_date_bg(value) if value is not None else ""


def load(klass: SchoolClass, document_id: str, today: dt.date) -> Book:
    school = db.session.get(School, klass.school_id)
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert school is not None and year is not None
    book = Book(school=school, year=year, klass=klass, document_id=document_id, generated_on=today)
    enrollments = db.session.scalars(
        sa.select(Enrollment)
        .where(Enrollment.class_id == klass.id)
        .options(selectinload(Enrollment.student))
        .order_by(Enrollment.class_number, Enrollment.id)
    )
    book.pupils = [
        Pupil(row.class_number, row.student, row.enrolled_on, row.left_on) for row in enrollments
    ]
    return book
