"""Alembic migrations go empty → head → base on SQLite and PostgreSQL, and head matches models.py
(the partitions of grade and absence on PostgreSQL, migration 0019, left out as in env.py)."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import partitions
from models import db
from partitions import include_name
from tests.conftest import TODAY
from tests.conftest import make_app


def _round_trip(url: str, tmp: Path) -> None:
    app = make_app(url, tmp)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            )
            diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models.py and the migrations differ: {diff}"
            tables = set(sa.inspect(conn).get_table_names())
            _check_constraints_allow_every_value(conn)
        assert {"grade", "absence", "student", "notification_outbox", "call_session"} <= tables
        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        flask_migrate.upgrade()  # and up again from base
        db.session.remove()
        db.engine.dispose()


def _check_constraints_allow_every_value(conn: sa.Connection) -> None:
    """Alembic does not compare the CHECK of a non-native enum: a value added to the enum without
    a migration would pass every test on a fresh schema and fail on a migrated database."""
    inspector = sa.inspect(conn)
    for table in db.metadata.sorted_tables:
        checks = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
        for column in table.columns:
            if isinstance(column.type, sa.Enum) and not column.type.native_enum:
                name = f"ck_{table.name}_{column.type.name}"
                assert name in checks, f"{name} missing"
                for value in column.type.enums:
                    assert f"'{value}'" in checks[name], f"{name} refuses {value!r}: a migration?"


def test_migrations_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path)


def test_migrations_postgresql(pg_schema, tmp_path):
    _round_trip(pg_schema, tmp_path)


def test_partitions_on_sqlite_do_nothing(app) -> None:  # type: ignore[no-untyped-def]
    """The tables stay plain on SQLite: no partitions made, none to detach."""
    conn = db.session.connection()
    assert not partitions.is_partitioned(conn, "grade")
    assert partitions.ensure_partitions(conn, TODAY) == []
    with pytest.raises(partitions.PartitionError) as info:
        partitions.detach_year(conn, 2020, TODAY)
    assert info.value.kind == "plain"
    result = app.test_cli_runner().invoke(args=["partitions", "create"])
    assert result.exit_code == 0 and "не са разделени" in result.output
