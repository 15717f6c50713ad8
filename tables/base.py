"""What every table module builds on: the one declarative ``Base`` and ``db``, the naming
convention of constraints, ``utcnow``, the column types they share (``GradeValue``, enums stored
by value, the annotated ``intpk`` … ``str200``, ``school_fk``) and the mixins of columns that
several tables carry for the same reason (``Timestamped``, ``Versioned``, ``ReadModel``).

Conventions (read before adding a column):

* Every tenant-owned row carries ``school_id`` so that each query can be scoped to the user's
  school with one indexed condition. Use-cases always filter by it; views never query without it.
* Enumerations are Python ``StrEnum`` classes mapped by value to VARCHAR + a named CHECK
  constraint (portable between SQLite and PostgreSQL, readable in SQL).
* Timestamps are naive UTC (``utcnow()``); dates are school-local calendar dates. Convert to
  Europe/Sofia only when showing or speaking them (see ``config.settings.TZ``).
* Grades are ``Decimal`` with two places (``GradeValue``); never floats in Python code.
* Rows that teachers edit carry ``version`` for optimistic locking (``version_id_col``): the
  second of two conflicting edits raises ``StaleDataError``, which the staff web turns into a
  clear message.
* The schema is created by Alembic (``migrations/``); tests compare the migration head with these
  models, so a change here needs a migration in the same commit.
* A mixin's columns come after the table's own (SQLAlchemy's order), so a table that takes one
  keeps the column order it had.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC now: the one representation of instants stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dict[str, Any]: sa.JSON, list[Any]: sa.JSON},
    )


db = SQLAlchemy(model_class=Base)


class GradeValue(TypeDecorator[Decimal]):
    """NUMERIC(3,2) on PostgreSQL; on SQLite (which has no decimal type) the value travels as a
    float and is turned back into an exact two-place Decimal, which is lossless for 2.00–6.00."""

    impl = sa.Numeric(3, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric(3, 2, asdecimal=False))
        return dialect.type_descriptor(sa.Numeric(3, 2))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(str(value))
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


def enum_type(cls: type[enum.Enum], name: str) -> sa.Enum:
    """An enumeration stored by value: VARCHAR(20) and a CHECK named ``name``."""
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


# --- reusable column types -------------------------------------------------------------------
intpk = Annotated[int, mapped_column(primary_key=True)]
created = Annotated[dt.datetime, mapped_column(default=utcnow)]
updated = Annotated[dt.datetime, mapped_column(default=utcnow, onupdate=utcnow)]
str20 = Annotated[str, mapped_column(sa.String(20))]
str100 = Annotated[str, mapped_column(sa.String(100))]
str200 = Annotated[str, mapped_column(sa.String(200))]


def school_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)


# --- mixins --------------------------------------------------------------------------------------
class Timestamped:
    """When the row was written and last changed (naive UTC, kept by the ORM)."""

    created_at: Mapped[created]
    updated_at: Mapped[updated]


class Versioned:
    """A diary entry that staff edit (with ``Timestamped`` before it): a ``version`` for optimistic
    locking, so that the second of two conflicting edits raises ``StaleDataError`` instead of
    overwriting the first."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class ReadModel:
    """A cache row rebuilt from the diary: the prepared figures as JSON and when they were
    computed."""

    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
