"""grade and absence partitioned by academic year (PostgreSQL; SQLite unchanged)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 19:00:00.000000

On PostgreSQL each table becomes ``PARTITION BY RANGE (date)``: one partition per academic
year, from 15 September to the next 15 September (the law's first day of a Bulgarian school
year; the summer retakes end before it, so they stay with the year they close), the same bounds
for every school, plus a ``DEFAULT`` partition so that no insert ever fails. Partitions are made
for every academic year present in the rows and for the current and the next one; later years
come from ``partitions.ensure_partitions`` (the scheduler, daily). Not by ``school_year_id``:
school years are per school, that would be one partition per school and year.

All in the migration's transaction, for each table: read what the table has from the catalogue
(constraints, indexes, comments, grants, its id sequence), rename it away, create the
partitioned table ``LIKE`` it (columns, defaults, NOT NULL, CHECK constraints, column comments),
its partitions, copy the rows (``INSERT … SELECT``), hand the id sequence over (ownership; its
current value is untouched), drop the old table, then recreate the primary key as
``(id, date)`` (a partitioned table's keys must contain the partition key; ``id`` stays unique
from the sequence and is still the ORM's identity), the unique constraints (each must contain
``date``), the foreign keys and indexes under their names, the comments and the grants; then
check that the set of constraints and indexes is the one the table had. No foreign key points at
``grade.id`` or ``absence.id``. Downgrade does the reverse into a plain table with the primary
key ``(id)``; rows of detached partitions are not in the parent and are not copied back.

The naming (``grade_2025_2026``, ``grade_default``) and the bounds are those of
``partitions.py``, repeated here so that this migration never changes with the application.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = ("grade", "absence")
YEAR_STARTS = (9, 15)
OLD = "{}_before_0019"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: object) -> str:
    """A string literal for DDL, which takes no bound parameters."""
    return "'" + str(text).replace("'", "''").replace(":", "\\:") + "'"


def _academic_year(day: dt.date) -> int:
    return day.year if (day.month, day.day) >= YEAR_STARTS else day.year - 1


def _bounds(year: int) -> tuple[str, str]:
    month, day = YEAR_STARTS
    return dt.date(year, month, day).isoformat(), dt.date(year + 1, month, day).isoformat()


def _shape(conn: sa.Connection, table: str) -> dict[str, object]:
    """What the table has, read from the catalogue: constraints (but CHECK, which ``LIKE``
    copies), the other indexes, their comments, the table comment, grants, the id sequence."""
    oid = conn.scalar(sa.text("SELECT to_regclass(:t)::oid"), {"t": table})
    constraints = conn.execute(
        sa.text(
            "SELECT conname, contype, pg_get_constraintdef(oid),"
            " obj_description(oid, 'pg_constraint'),"
            " ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid"
            "       AND attnum = ANY(conkey))"
            " FROM pg_constraint WHERE conrelid = :oid ORDER BY conname"
        ),
        {"oid": oid},
    ).all()
    indexes = conn.execute(
        sa.text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), obj_description(c.oid, 'pg_class')"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = :oid AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
            "  AND k.conrelid = :oid) ORDER BY c.relname"
        ),
        {"oid": oid},
    ).all()
    grants = conn.execute(
        sa.text(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,"
            " a.privilege_type, a.is_grantable"
            " FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
            " WHERE c.oid = :oid AND a.grantee <> c.relowner"
        ),
        {"oid": oid},
    ).all()
    user_triggers = conn.scalar(
        sa.text("SELECT count(*) FROM pg_trigger WHERE tgrelid = :oid AND NOT tgisinternal"),
        {"oid": oid},
    )
    policies = conn.scalar(
        sa.text("SELECT count(*) FROM pg_policy WHERE polrelid = :oid"), {"oid": oid}
    )
    if user_triggers or policies:
        raise RuntimeError(f"{table} has triggers or row policies this migration does not copy")
    return {
        "constraints": constraints,
        "indexes": indexes,
        "grants": grants,
        "comment": conn.scalar(sa.text("SELECT obj_description(:oid, 'pg_class')"), {"oid": oid}),
        "sequence": conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}),
        "names": _names(conn, table),
    }


def _names(conn: sa.Connection, table: str) -> set[tuple[str, str]]:
    """(kind, name) of every constraint and index: what must be there before and after."""
    rows = conn.execute(
        sa.text(
            "SELECT 'constraint ' || contype::text, conname::text FROM pg_constraint"
            " WHERE conrelid = to_regclass(:t)"
            " UNION SELECT 'index', c.relname::text FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(:t)"
        ),
        {"t": table},
    ).all()
    return {(kind, name) for kind, name in rows}


def _rebuild(conn: sa.Connection, table: str, partitioned: bool) -> None:
    shape = _shape(conn, table)
    old = OLD.format(table)
    columns = ", ".join(
        _q(c)
        for c in conn.scalars(
            sa.text(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t)"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"t": table},
        )
    )
    conn.execute(sa.text(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}"))
    like = (
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        " INCLUDING COMMENTS INCLUDING STORAGE INCLUDING GENERATED INCLUDING IDENTITY)"
    )
    if partitioned:
        conn.execute(sa.text(like + " PARTITION BY RANGE (date)"))
        today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()
        month, day = YEAR_STARTS
        years = set(
            conn.scalars(
                sa.text(
                    f"SELECT DISTINCT CASE WHEN to_char(date, 'MM-DD') >= '{month:02d}-{day:02d}'"
                    " THEN extract(year FROM date) ELSE extract(year FROM date) - 1 END::int"
                    f" FROM {_q(old)}"
                )
            )
        )
        years &= set(range(1990, 2200))  # a mistyped year 20226 goes to the default partition
        years |= {_academic_year(today), _academic_year(today) + 1}
        for year in sorted(years):
            start, end = _bounds(year)
            conn.execute(
                sa.text(
                    f"CREATE TABLE {_q(f'{table}_{year}_{year + 1}')} PARTITION OF {_q(table)}"
                    f" FOR VALUES FROM ('{start}') TO ('{end}')"
                )
            )
        conn.execute(
            sa.text(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
        )
    else:
        conn.execute(sa.text(like))
    conn.execute(sa.text(f"INSERT INTO {_q(table)} ({columns}) SELECT {columns} FROM {_q(old)}"))
    if shape["sequence"]:
        conn.execute(sa.text(f"ALTER SEQUENCE {shape['sequence']} OWNED BY {_q(table)}.id"))
    for grantee, privilege, grantable in shape["grants"]:  # type: ignore[attr-defined]
        option = " WITH GRANT OPTION" if grantable else ""
        conn.execute(sa.text(f"GRANT {privilege} ON {_q(table)} TO {grantee}{option}"))
    conn.execute(sa.text(f"DROP TABLE {_q(old)}"))
    # keys and foreign keys under their names, then the other indexes
    for name, kind, definition, comment, keys in shape["constraints"]:  # type: ignore[attr-defined]
        if kind == "c":
            continue  # copied by LIKE … INCLUDING CONSTRAINTS
        if kind == "p":
            definition = "PRIMARY KEY (id, date)" if partitioned else "PRIMARY KEY (id)"
        elif kind == "u" and partitioned and "date" not in keys:
            raise RuntimeError(f"{table}.{name} lacks date, the partition key: cannot partition")
        conn.execute(sa.text(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}"))
        if comment is not None:
            conn.execute(
                sa.text(f"COMMENT ON CONSTRAINT {_q(name)} ON {_q(table)} IS {_s(comment)}")
            )
    for name, definition, comment in shape["indexes"]:  # type: ignore[attr-defined]
        # a partitioned index reads "ON ONLY grade": on the plain table it is plain "ON"
        conn.execute(sa.text(definition.replace(" ON ONLY ", " ON ", 1)))
        if comment is not None:
            conn.execute(sa.text(f"COMMENT ON INDEX {_q(name)} IS {_s(comment)}"))
    if shape["comment"] is not None:
        conn.execute(sa.text(f"COMMENT ON TABLE {_q(table)} IS {_s(shape['comment'])}"))
    after = _names(conn, table)
    if after != shape["names"]:
        raise RuntimeError(f"{table}: constraints or indexes differ: {after ^ shape['names']}")


def _switch(partitioned: bool) -> None:
    """Rebuild each table that is not yet as asked (partitioned or plain); PostgreSQL only."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in TABLES:
        now = conn.scalar(
            sa.text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"),
            {"t": table},
        )
        if bool(now) != partitioned:
            _rebuild(conn, table, partitioned=partitioned)


def upgrade():
    _switch(partitioned=True)


def downgrade():
    _switch(partitioned=False)
