"""Partitions of ``grade`` and ``absence`` on PostgreSQL: one per academic year, by ``date``.

Migration 0019 makes both tables ``PARTITION BY RANGE (date)`` on an existing PostgreSQL
database (SQLite, and the schema ``db.create_all()`` makes, keep plain tables). One partition
holds one academic year, the same bounds for every school in the country: from 15 September
(the first day of a Bulgarian school year by law) to the next 15 September, so the summer's
retake sessions, which end before the new year begins, stay with the year they close. A
``DEFAULT`` partition takes any row outside the created years, so no insert ever fails.

Names: ``grade_2025_2026`` holds 15.09.2025–14.09.2026; ``grade_default`` the rest.

The bounds are the national calendar, not the school's ``SchoolYear`` row (each school stores
its own dates, editable after rows exist), so a query gains nothing by adding a date bound
derived from ``school_year_id`` and could miss rows: none is added. Queries that already bound
``date`` (a day's register, a month's absences) read one partition; those by pupil and year, by
curriculum or by id probe each attached partition's index (a handful of years).

Maintenance (``flask --app app partitions …``, and the scheduler once a day):

* :func:`ensure_partitions` creates the current and the next academic year's partitions ahead
  of their rows, and one for every year that has rows in the default partition, moving those
  rows into it (a row of a range left in ``DEFAULT`` would otherwise block creating the range).
  Idempotent.
* :func:`detach_year` detaches a past year's partitions, so they can be archived
  (``pg_dump -t``) and dropped. It refuses the current and later years.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from gradebook.rules.academic_year import ACADEMIC_YEAR_STARTS
from gradebook.rules.academic_year import academic_year_bounds as year_bounds
from gradebook.rules.academic_year import academic_year_of
from gradebook.rules.academic_year import parse_academic_year as parse_year

log = logging.getLogger("belezhnik.partitions")

TABLES = ("grade", "absence")
DETACH_LOCK_TIMEOUT = "5s"
PLAUSIBLE_YEARS = range(1990, 2200)  # a year's partition is made for rows of these years only
_NAME = re.compile(r"^(grade|absence)_(\d{4})_(\d{4})$")
__all__ = ["academic_year_of", "parse_year", "year_bounds"]


class PartitionError(Exception):
    """A maintenance step refused or impossible; the message says why (English, for logs),
    ``kind`` which case it is: ``current``, ``future``, ``missing`` or ``plain``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def partition_name(table: str, year: int) -> str:
    return f"{table}_{year}_{year + 1}"


# --- the database part ---------------------------------------------------------------------------
@dataclass
class Partition:
    table: str
    name: str
    year: int | None  # the academic year of a partition named by this module, else None
    default: bool = False


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_partitioned(conn: sa.Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return bool(
        conn.scalar(
            sa.text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"),
            {"t": table},
        )
    )


def attached(conn: sa.Connection, table: str) -> list[Partition]:
    """The partitions attached to ``table``, oldest year first, the default one last."""
    rows = conn.execute(
        sa.text(
            "SELECT c.relname, c.relpartbound IS NOT NULL"
            " AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": table},
    ).all()
    out = []
    for name, is_default in rows:
        match = _NAME.match(name)
        year = None if is_default or not match else int(match[2])
        out.append(Partition(table, name, year, bool(is_default)))
    return sorted(out, key=lambda p: (p.default, p.year is None, p.year or 0, p.name))


def _default_of(conn: sa.Connection, table: str) -> str | None:
    return next((p.name for p in attached(conn, table) if p.default), None)


def _columns(conn: sa.Connection, table: str) -> list[str]:
    return list(
        conn.scalars(
            sa.text(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t)"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"t": table},
        )
    )


def _years_in(conn: sa.Connection, table: str) -> set[int]:
    """The academic years of the rows of ``table`` (a default partition), those of a plausible
    date only: a mistyped year 20226 stays in the default partition."""
    month, day = ACADEMIC_YEAR_STARTS
    cut = f"{month:02d}-{day:02d}"
    return set(
        conn.scalars(
            sa.text(
                f"SELECT DISTINCT CASE WHEN to_char(date, 'MM-DD') >= '{cut}'"
                " THEN extract(year FROM date) ELSE extract(year FROM date) - 1 END::int"
                f" FROM {_q(table)}"
            )
        )
    ) & set(PLAUSIBLE_YEARS)


def _create_year(conn: sa.Connection, table: str, year: int, default: str | None) -> None:
    """Create the year's partition as a table of its own, move the year's rows out of the default
    partition into it, and attach it (``ATTACH`` locks the parent less than ``PARTITION OF``)."""
    name = partition_name(table, year)
    start, end = year_bounds(year)
    conn.execute(
        sa.text(
            f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
    )
    moved = 0
    if default is not None:
        # rows arriving in the range meanwhile would make the ATTACH fail: hold the default
        conn.execute(sa.text(f"LOCK TABLE {_q(default)} IN SHARE ROW EXCLUSIVE MODE"))
        columns = ", ".join(_q(c) for c in _columns(conn, table))
        moved = conn.execute(
            sa.text(
                f"WITH moved AS (DELETE FROM {_q(default)} WHERE date >= :a AND date < :b"
                f" RETURNING {columns}) INSERT INTO {_q(name)} ({columns})"
                f" SELECT {columns} FROM moved"
            ),
            {"a": start, "b": end},
        ).rowcount
    conn.execute(
        sa.text(
            f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)}"
            f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
    )
    log.info(
        "created partition %s (%s to %s), %d rows moved from the default", name, start, end, moved
    )


def ensure_partitions(conn: sa.Connection, today: dt.date, years: Iterable[int] = ()) -> list[str]:
    """Create the partitions of the current and the next academic year, of every year with
    rows in the default partition, and of ``years`` (the demo's past years), for each
    partitioned table. Idempotent: returns the names
    created (none the second time). A year whose partition name is taken by a detached table
    (an archived year) is left in the default partition, with a warning. Nothing on SQLite or on
    plain tables. Runs in the caller's transaction."""
    created: list[str] = []
    if not any(is_partitioned(conn, t) for t in TABLES):
        return created
    # two runs at once (the scheduler and the command line): the second waits, then finds the
    # partitions made; a transaction-level lock, released at commit (PgBouncer-safe)
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('belezhnik.partitions'))"))
    for table in TABLES:
        if not is_partitioned(conn, table):
            continue
        have = {p.year for p in attached(conn, table) if p.year is not None}
        default = _default_of(conn, table)
        current = academic_year_of(today)
        wanted = {current, current + 1, *years}
        if default is not None:
            wanted |= _years_in(conn, default)
        for year in sorted(wanted - have):
            name = partition_name(table, year)
            if conn.scalar(sa.text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}):
                log.warning(
                    "partition %s not created: a table of that name exists (a detached year?);"
                    " rows of %d/%d stay in the default partition",
                    name, year, year + 1,
                )  # fmt: skip
                continue
            _create_year(conn, table, year, default)
            created.append(name)
    return created


def detach_year(conn: sa.Connection, year: int, today: dt.date) -> list[str]:
    """Detach the academic year's partitions of every partitioned table; they stay in the
    database as plain tables (to archive with ``pg_dump -t`` and drop). Refuses the current and
    later years (:class:`PartitionError`). Runs in the caller's transaction.

    ``DETACH PARTITION … CONCURRENTLY`` is not used: PostgreSQL refuses it on a table that has a
    default partition (and it cannot run in a transaction block). The plain ``DETACH`` takes an
    exclusive lock on the parent for an instant; ``lock_timeout`` makes it give up rather than
    queue behind a long query (and every query behind it): run it again then."""
    current = academic_year_of(today)
    if year >= current:
        kind = "current" if year == current else "future"
        message = (
            f"refusing to detach {year}/{year + 1}: it is the current academic year"
            if year == current
            else f"refusing to detach {year}/{year + 1}: it has not begun yet"
        )
        log.warning(message)
        raise PartitionError(kind, message)
    tables = [t for t in TABLES if is_partitioned(conn, t)]
    if not tables:
        raise PartitionError(
            "plain", "grade and absence are not partitioned (migration 0019 on PostgreSQL)"
        )
    conn.execute(sa.text(f"SET LOCAL lock_timeout = '{DETACH_LOCK_TIMEOUT}'"))
    detached: list[str] = []
    for table in tables:
        name = partition_name(table, year)
        if not any(p.name == name for p in attached(conn, table)):
            continue
        conn.execute(sa.text(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}"))
        log.info("detached partition %s; archive it (pg_dump -t %s) and drop it", name, name)
        detached.append(name)
    if not detached:
        raise PartitionError("missing", f"no attached partition of {year}/{year + 1}")
    return detached


_PARTITION_TABLE = re.compile(r"^(grade|absence)_(\d{4}_\d{4}|default)$")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: the partitions (and detached, archived years) are not in
    ``models.py``; autogenerate and the drift test leave them out."""
    return not (type_ == "table" and name is not None and _PARTITION_TABLE.match(name))


# --- the command line ----------------------------------------------------------------------------
partitions_cli = click.Group(
    "partitions",
    help="Дялове (partitions) на оценките и отсъствията в PostgreSQL: по един за учебна година.",
)

_REFUSED_BG = {
    "current": "Отказано: {y} е текущата учебна година; нейните дялове остават.",
    "future": "Отказано: учебната {y} година още не е започнала; нейните дялове остават.",
    "missing": "Няма прикачен дял за учебната {y} година (откачен ли е вече?).",
    "plain": "Таблиците не са разделени на дялове (SQLite или база преди миграция 0019).",
}


def _day(text: str | None) -> dt.date:
    from config import clock

    if not text:
        return clock.today()
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise click.BadParameter("дата като 25.11.2026", param_hint="--today") from None


def _show(conn: sa.Connection) -> None:
    for table in TABLES:
        if is_partitioned(conn, table):
            names = ", ".join(p.name for p in attached(conn, table))
            click.echo(f"  {table}: {names}")


@partitions_cli.command("create")
@click.option("--today", default=None, help="Pretend today is dd.mm.yyyy (default: today).")
@with_appcontext
def create_command(today: str | None) -> None:
    """Create the partitions of the current and the next academic year (idempotent); the
    scheduler does this daily."""
    from flask import current_app

    from config import database
    from models import db

    day = _day(today)
    database.long_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    conn = db.session.connection()
    if not any(is_partitioned(conn, t) for t in TABLES):
        click.echo(_REFUSED_BG["plain"])
        return
    created = ensure_partitions(conn, day)
    db.session.commit()
    if created:
        click.echo("Създадени дялове: " + ", ".join(created))
    else:
        click.echo("Всички нужни дялове вече съществуват.")
    _show(db.session.connection())


@partitions_cli.command("detach")
@click.argument("year")
@click.option("--today", default=None, help="Pretend today is dd.mm.yyyy (default: today).")
@with_appcontext
def detach_command(year: str, today: str | None) -> None:
    """Detach a past academic year (2024/2025 or 2024) from grade and absence, to archive it."""
    from flask import current_app

    from config import database
    from models import db

    try:
        first = parse_year(year)
    except ValueError:
        raise click.BadParameter(
            "учебна година като 2024/2025 или 2024", param_hint="YEAR"
        ) from None
    day = _day(today)
    database.long_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    try:
        names = detach_year(db.session.connection(), first, day)
        db.session.commit()
    except PartitionError as exc:
        db.session.rollback()
        raise click.ClickException(_REFUSED_BG[exc.kind].format(y=f"{first}/{first + 1}")) from None
    except sa.exc.OperationalError as exc:
        db.session.rollback()
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        log.warning("detaching %d/%d gave up waiting for a lock", first, first + 1)
        raise click.ClickException(
            f"Таблицата е заета повече от {DETACH_LOCK_TIMEOUT}: нищо не е откачено; опитайте пак."
        ) from None
    click.echo("Откачени дялове: " + ", ".join(names))
    click.echo("Вече не са част от дневника. Архив: pg_dump -t ИМЕ; после DROP TABLE ИМЕ.")
