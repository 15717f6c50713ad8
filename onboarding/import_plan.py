"""What every import kind shares: the plan of a list, the kind's description, the school lookups.

A kind's module (``import_students``, ``import_classes``, …) turns the rows of a table into a
:class:`Plan` — every bad row named (row, column, problem in Bulgarian), the new and changed
records — and writes a valid plan; :mod:`onboarding.importer` reads the file, calls the kind and
wraps the write in one all-or-nothing transaction. This module imports no kind.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa

from models import AuditLog
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffUser
from models import db
from onboarding.file_error import ImportFileError
from onboarding.tabular import Column
from onboarding.tabular import RowError
from onboarding.tabular import Table
from onboarding.tabular import normalize_class_name

Progress = Callable[[Iterable[Any], int], Iterator[Any]]


# --- plan -------------------------------------------------------------------------------------------
@dataclass
class Leaver:
    student_id: int
    name: str
    class_name: str
    class_number: int


@dataclass
class Plan:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    leavers: list[Leaver] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0

    @classmethod
    def of_table(cls, kind: str, table: Table) -> Plan:
        """A plan for the rows of ``table``, starting with its cell errors (formulas)."""
        return cls(
            kind=kind,
            errors=list(table.cell_errors),
            encoding=table.encoding,
            delimiter=table.delimiter,
            rows=len(table.rows),
        )

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item["action"] == action)

    def totals(self) -> dict[str, int]:
        """What an apply step reports: rows new, updated and unchanged."""
        return {
            "new": self.count("new"),
            "updated": self.count("update"),
            "unchanged": self.count("same"),
        }

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def file_error_plan(kind: str, exc: ImportFileError) -> Plan:
    plan = Plan(kind=kind)
    plan.add(0, "", exc.message_bg)
    return plan


@dataclass(frozen=True)
class ImportKind:
    """One list the school can import: its columns, how its rows are checked and written."""

    key: str
    title: str
    columns: list[Column]
    validate: Callable[[Table, int], Plan]
    commit: Callable[..., dict[str, int]]
    order: int


def header_names(table: Table, columns: Sequence[Column]) -> dict[str, str]:
    """Column key → the header as the file wrote it (errors name the column the school sees)."""
    return {c.key: table.headers.get(c.key, c.header) for c in columns}


# --- the school as the lists refer to it ----------------------------------------------------------
def current_year(school_id: int) -> SchoolYear:
    year = SchoolYear.current_for(school_id)
    if year is None:
        raise ImportFileError(
            f"school {school_id} has no current year", "Училището няма текуща учебна година."
        )
    return year


def classes_by_name(school_id: int, year_id: int) -> dict[str, SchoolClass]:
    """The school's classes of that year by normalised name ("5 а" and "5А" are one class)."""
    return {
        normalize_class_name(c.name): c
        for c in db.session.scalars(
            sa.select(SchoolClass).where(
                SchoolClass.school_id == school_id, SchoolClass.school_year_id == year_id
            )
        )
    }


def teacher_emails(school_id: int) -> dict[str, int]:
    return {
        email.lower(): staff_id
        for staff_id, email in db.session.execute(
            sa.select(StaffUser.id, StaffUser.email)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(StaffMembership.school_id == school_id)
        )
    }


def class_of(
    plan: Plan, row: int, header: str, name: str, classes: dict[str, SchoolClass]
) -> SchoolClass | None:
    """The current-year class a row names; an unknown one is an error of that row."""
    klass = classes.get(normalize_class_name(name))
    if klass is None:
        plan.add(row, header, f"няма паралелка „{name}“ в текущата година")
    return klass


def teacher_of(
    plan: Plan, row: int, header: str, email: str, teachers: dict[str, int]
) -> int | None:
    """The staff id of the teacher a row names by e-mail (None for a blank cell); an address
    of nobody in the school is an error of that row."""
    if not email:
        return None
    teacher_id = teachers.get(email.strip().lower())
    if teacher_id is None:
        plan.add(row, header, "няма такъв учител в училището")
    return teacher_id


# --- writing -----------------------------------------------------------------------------------------
def chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def with_progress(progress: Progress | None, items: list[Any]) -> Iterable[Any]:
    return progress(items, len(items)) if progress else items


def import_audit(
    school_id: int, actor_id: int | None, object_type: str, counts: dict[str, int], reason: str
) -> AuditLog:
    """The audit row of one import: who (a staff member or the CLI), what list, the counts."""
    return AuditLog(
        school_id=school_id,
        actor_type="staff" if actor_id else "system",
        actor_id=actor_id,
        action="import",
        object_type=object_type,
        after=counts,
        reason=reason,
    )
