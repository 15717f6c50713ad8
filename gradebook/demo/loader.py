"""How the demo's rows reach the database fast: the ids the loader hands out itself, the rows of
one school collected per model, COPY on PostgreSQL (multi-row inserts elsewhere), and the bulk
mode that drops the big tables' foreign keys and indexes for a load of many schools."""

from __future__ import annotations

import enum
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa

from models import Absence
from models import BellTime
from models import ClassesEnd
from models import Curriculum
from models import Enrollment
from models import Event
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import HealthNote
from models import NonSchoolDay
from models import ParentMeeting
from models import Remark
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffUser
from models import Student
from models import Subject
from models import TimetableSlot
from models import db


@dataclass
class Ids:
    """Primary keys handed out by the loader itself, so bulk inserts need no round trips."""

    next: dict[str, int] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)  # student codes in use

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


# The big tables: on PostgreSQL, a bulk load drops their foreign keys and secondary indexes
# first and puts them back at the end (as pg_restore does). A foreign key checked row by row
# makes COPY several times slower than one check of the whole table at the end.
_BULK_TABLES = (Grade, Absence)
_BULK_FROM_SCHOOLS = 5


def bulk_mode(schools: int) -> bool:
    """Bulk mode for loads of several schools into PostgreSQL."""
    return schools >= _BULK_FROM_SCHOOLS and db.session.get_bind().dialect.name == "postgresql"


# ``isolate_from_table=False`` (below): by default SQLAlchemy marks a constraint passed to
# AddConstraint as "not part of CREATE TABLE" for good, so a later ``create_all`` in the same
# process would make tables without those foreign keys.
def drop_for_bulk() -> None:
    for model in _BULK_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        for fk in table.foreign_key_constraints:
            db.session.execute(sa.schema.DropConstraint(fk))
        for index in table.indexes:
            db.session.execute(sa.schema.DropIndex(index))


def restore_after_bulk(
    progress: Callable[[Iterator[int], int, str], Iterator[int]] | None,
) -> None:
    """Indexes, then foreign keys (each checked in one pass over the table), then statistics."""
    steps: list[Any] = []
    for model in _BULK_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        steps += [sa.schema.CreateIndex(index) for index in table.indexes]
        steps += [
            sa.schema.AddConstraint(fk, isolate_from_table=False)
            for fk in table.foreign_key_constraints
        ]
    steps += [sa.text(f"ANALYZE {model.__tablename__}") for model in ORDER]
    numbers = iter(range(len(steps)))
    for number in progress(numbers, len(steps), "Индекси") if progress else numbers:
        db.session.execute(steps[number])


# Tables whose ids the loader hands out itself (see Ids).
OWN_IDS = (
    School,
    SchoolYear,
    StaffUser,
    SchoolClass,
    Subject,
    Curriculum,
    Student,
    Guardian,
)


def advance_sequences(ids: Ids) -> None:
    """On PostgreSQL, move each id sequence past the ids the loader wrote itself, so that rows
    added later through the application get fresh ids."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in OWN_IDS:
        table = model.__table__.name
        db.session.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"),
            {"t": table, "v": ids.next[table]},
        )


class Rows:
    """The rows of one school, per model, in insertion order of the models.

    Most models collect dicts; grades, by far the most numerous, collect tuples in
    ``GRADE_COLUMNS`` order to keep memory and time down.
    """

    def __init__(self) -> None:
        self.dicts: dict[type, list[dict[str, Any]]] = {}
        self.grades: list[tuple[Any, ...]] = []

    def add(self, model: type, **values: Any) -> dict[str, Any]:
        self.dicts.setdefault(model, []).append(values)
        return values


GRADE_COLUMNS = (
    "school_id",
    "school_year_id",
    "student_id",
    "curriculum_id",
    "subject_id",
    "teacher_id",
    "term",
    "kind",
    "category",
    "value",
    "date",
    "comment",
    "created_at",
    "updated_at",
)

# Models in foreign-key order.
ORDER = [
    School,
    SchoolYear,
    NonSchoolDay,
    ClassesEnd,
    StaffUser,
    StaffMembership,
    Subject,
    BellTime,
    SchoolClass,
    Curriculum,
    TimetableSlot,
    Student,
    Enrollment,
    Guardian,
    GuardianStudent,
    Grade,
    Absence,
    Remark,
    HealthNote,
    Event,
    ParentMeeting,
]


def write_rows(model: type, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
    """Insert ``values`` (tuples in ``columns`` order) into ``model``'s table in the session's
    transaction: COPY on PostgreSQL, multi-row inserts elsewhere. Python-side column defaults
    (timestamps, version numbers) are filled in here, since COPY does not run them."""
    if not values:
        return
    table = model.__table__  # type: ignore[attr-defined]
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for i in range(0, len(values), 5000):
            connection.execute(
                sa.insert(table),
                [dict(zip(columns, row, strict=True)) for row in values[i : i + 5000]],
            )
        return
    extra_columns: list[str] = []
    extra_values: list[Any] = []
    for column in table.columns:
        if column.key in columns or column.primary_key and column.key not in columns:
            continue
        default = column.default
        if default is None:
            continue
        if default.is_scalar:
            value = default.arg
        elif default.is_callable:
            value = default.arg(None)
        else:
            continue
        extra_columns.append(column.key)
        extra_values.append(value.value if isinstance(value, enum.Enum) else value)
    extra = tuple(extra_values)
    names = ", ".join(columns + tuple(extra_columns))
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row + extra)


def write_dicts(model: type, batch: list[dict[str, Any]]) -> None:
    """Insert dict rows; rows of one shape go through :func:`write_rows`, mixed shapes per shape."""
    shapes: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for row in batch:
        key = tuple(row)
        shapes.setdefault(key, []).append(
            tuple(v.value if isinstance(v, enum.Enum) else v for v in row.values())
        )
    for columns, values in shapes.items():
        write_rows(model, columns, values)
