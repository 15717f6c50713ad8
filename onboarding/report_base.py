"""What every report is made of: the :class:`Report` (data before any format), its error, how a
cell reads, and the scope a report covers (the school, its current year, the classes asked for and
their active pupils), read once for every builder.

Every read takes the ``school_id`` and reads only that school's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import Enrollment
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import db


class ReportError(ValueError):
    def __init__(self, message: str, message_bg: str) -> None:
        super().__init__(message)
        self.message_bg = message_bg


@dataclass
class Report:
    key: str
    title: str
    school: str
    subtitle: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    highlight: set[int] = field(default_factory=set)  # row indexes to emphasise

    def cell_text(self, value: Any) -> str:
        return cell_text(value)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return rules.format_decimal_bg(value, 2 if value.as_tuple().exponent == -2 else 1)
    if isinstance(value, dt.date):
        return rules.format_date_bg(value)
    return str(value)


# --- the scope of a report ------------------------------------------------------------------------
def _school(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None:
        raise ReportError(f"no school {school_id}", "Няма такова училище.")
    return school


def _year(school_id: int) -> SchoolYear:
    year = SchoolYear.current_for(school_id)
    if year is None:
        raise ReportError("no current year", "Училището няма текуща учебна година.")
    return year


def _classes(school_id: int, year_id: int, class_id: int | None) -> list[SchoolClass]:
    query = sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year_id
    )
    if class_id is not None:
        query = query.where(SchoolClass.id == class_id)
    classes = list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))
    if class_id is not None and not classes:
        raise ReportError(f"class {class_id} not in school {school_id}", "Няма такава паралелка.")
    return classes


def _roster(school_id: int, class_ids: Sequence[int]) -> list[tuple[int, int, int, str]]:
    """(class_id, № в клас, student_id, full name) of the active enrollments."""
    if not class_ids:
        return []
    rows = db.session.execute(
        sa.select(
            Enrollment.class_id,
            Enrollment.class_number,
            Student.id,
            Student.first_name,
            Student.middle_name,
            Student.last_name,
        )
        .join(Student, Student.id == Enrollment.student_id)
        .where(
            Enrollment.school_id == school_id,
            Enrollment.class_id.in_(class_ids),
            Enrollment.left_on.is_(None),
        )
        .order_by(Enrollment.class_id, Enrollment.class_number)
    )
    return [
        (
            r.class_id,
            r.class_number,
            r.id,
            " ".join(p for p in (r.first_name, r.middle_name, r.last_name) if p),
        )
        for r in rows
    ]


@dataclass
class Scope:
    """The school, its current year, the classes a report covers (ordered by year group and
    name) and their active pupils: (class_id, № в клас, student_id, full name)."""

    school: School
    year: SchoolYear
    classes: list[SchoolClass]
    roster: list[tuple[int, int, int, str]]

    @property
    def names(self) -> dict[int, str]:
        """Class id → class name."""
        return {c.id: c.name for c in self.classes}

    @property
    def student_ids(self) -> list[int]:
        return [r[2] for r in self.roster]


def scope_of(school_id: int, class_id: int | None = None) -> Scope:
    """Every class of the current year, or the one asked for (an error when not the school's)."""
    school, year = _school(school_id), _year(school_id)
    classes = _classes(school_id, year.id, class_id)
    return Scope(school, year, classes, _roster(school_id, [c.id for c in classes]))
