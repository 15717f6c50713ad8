"""grade and absence partitioned by academic year (migration 0019, ``partitions.py``) on
PostgreSQL: a database at 0018 with two academic years of rows written by the application is
upgraded; its rows, ids, sequence, constraints and indexes are the same, the application's
flows work on it, a date-bounded query reads one partition, old years detach and the current
one does not, the maintenance is idempotent, and the downgrade gives the plain table back.

Partitioning is a property of migrated production databases: ``db.create_all()`` (the other
tests' schema) keeps plain tables, so every test here goes through ``alembic upgrade``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

import partitions
from gradebook import absences
from gradebook import core
from gradebook import grades
from gradebook import summary
from gradebook.demo import build_demo
from models import Absence
from models import Curriculum
from models import Grade
from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db
from tests.conftest import TODAY
from tests.conftest import make_app

pytestmark = pytest.mark.postgres

TABLES = ("grade", "absence")


def _shape(table: str) -> dict[str, Any]:
    """What ``\\d+ table`` shows, from the catalogue: columns with types, defaults, NOT NULL and
    comments, every constraint's definition, every index's definition, the id sequence."""
    conn = db.session.connection()
    columns = conn.execute(
        sa.text(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull,"
            " pg_get_expr(d.adbin, d.adrelid), col_description(attrelid, attnum)"
            " FROM pg_attribute a LEFT JOIN pg_attrdef d"
            " ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            " WHERE attrelid = to_regclass(:t) AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ),
        {"t": table},
    ).all()
    constraints = conn.execute(
        sa.text(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = to_regclass(:t)"
        ),
        {"t": table},
    ).all()
    indexes = conn.execute(
        sa.text(
            "SELECT c.relname, replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = to_regclass(:t)"
        ),
        {"t": table},
    ).all()
    return {
        "columns": [tuple(c) for c in columns],
        "constraints": {tuple(c) for c in constraints},
        "indexes": {tuple(i) for i in indexes},
        "sequence": conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}),
    }


def _rows(table: str) -> tuple[int, str]:
    """How many rows, and a digest of all of them (every column) in id order."""
    count, digest = db.session.execute(
        sa.text(f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM {table} t")
    ).one()
    return count, digest


def _last_id(table: str) -> int:
    return db.session.scalar(sa.text(f"SELECT last_value FROM {table}_id_seq"))  # type: ignore[no-any-return]


def _partition_of(table: str, row_id: int) -> str:
    return db.session.scalar(  # type: ignore[no-any-return]
        sa.text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :i"), {"i": row_id}
    )


def _teacher_curriculum() -> Curriculum:
    return db.session.scalar(  # type: ignore[return-value]
        sa.select(Curriculum)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(Curriculum.teacher_id.is_not(None), SchoolYear.is_current.is_(True))
        .order_by(Curriculum.id)
    )


def _upgrade(revision: str = "head") -> None:
    db.session.commit()
    db.session.remove()  # no transaction of this session may hold a lock on the tables
    flask_migrate.upgrade(revision=revision)


def _downgrade(revision: str) -> None:
    db.session.commit()
    db.session.remove()
    flask_migrate.downgrade(revision=revision)


@pytest.fixture
def at_0018(pg_schema: str, tmp_path: Path) -> Iterator[Flask]:
    """A database migrated to 0018 with a demo school of the past and the current academic year
    (2025/2026, 2026/2027), and one grade column saved through the grade grid."""
    application = make_app(pg_schema, tmp_path)
    with application.app_context():
        flask_migrate.upgrade(revision="0018")
        build_demo(
            seed=7, schools=1, today=TODAY, students_per_class=6, levels=(5,), history_years=1
        )
        curriculum = _teacher_curriculum()
        actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
        sids = [e.student_id for e in core.active_enrollments(curriculum.class_id)]
        grades.save_grade_column(
            actor, curriculum.id, kind="current", date=TODAY, values={s: "4" for s in sids}
        )
        db.session.commit()
        years = {
            partitions.academic_year_of(day)
            for table in (Grade, Absence)
            for day in db.session.scalars(sa.select(table.date).distinct())
        }
        assert {2025, 2026} <= years, "the demo should have rows of two academic years"
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def migrated(at_0018: Flask) -> Flask:
    _upgrade()
    return at_0018


def _conn() -> sa.Connection:
    return db.session.connection()


def test_upgrade_keeps_rows_ids_sequence_and_shape(at_0018: Flask) -> None:
    before = {t: (_shape(t), _rows(t), _last_id(t)) for t in TABLES}
    _upgrade()
    for table in TABLES:
        shape, rows, last_id = before[table]
        after = _shape(table)
        assert partitions.is_partitioned(_conn(), table)
        assert _rows(table) == rows  # every row, every column
        assert _last_id(table) == last_id  # the sequence was kept, not reset
        assert after["sequence"] == shape["sequence"]  # … and still owned by the id column
        assert after["columns"] == shape["columns"]  # types, defaults, NOT NULL, comments
        pk = f"pk_{table}"
        # same names, same definitions, but the primary key's, which gains the partition key
        assert {i for i in after["indexes"] if i[0] != pk} == {
            i for i in shape["indexes"] if i[0] != pk
        }
        assert after["constraints"] - shape["constraints"] == {(pk, "p", "PRIMARY KEY (id, date)")}
        assert shape["constraints"] - after["constraints"] == {(pk, "p", "PRIMARY KEY (id)")}
        names = [p.name for p in partitions.attached(_conn(), table)]
        assert {f"{table}_2025_2026", f"{table}_2026_2027", f"{table}_default"} <= set(names)
        current = partitions.academic_year_of(dt.date.today())
        assert partitions.partition_name(table, current + 1) in names  # next year ahead
        # every row sits in its academic year's partition; none fell into the default one
        spread = db.session.execute(
            sa.text(
                f"SELECT tableoid::regclass::text, min(date), max(date) FROM {table} GROUP BY 1"
            )
        ).all()
        for name, first, last in spread:
            assert name != f"{table}_default"
            start, end = partitions.year_bounds(int(name.split("_")[1]))
            assert start <= first and last < end
    # new rows continue the sequence
    grade = db.session.scalar(sa.select(Grade).order_by(Grade.id.desc()).limit(1))
    copy = Grade(
        **{c: getattr(grade, c) for c in ("school_id", "school_year_id", "student_id",
           "curriculum_id", "subject_id", "term", "kind", "category", "value", "date")}
    )  # fmt: skip
    db.session.add(copy)
    db.session.flush()
    assert copy.id == before["grade"][2] + 1


def test_constraints_are_still_enforced(migrated: Flask) -> None:
    grade = db.session.scalar(sa.select(Grade).order_by(Grade.id).limit(1))
    absence = db.session.scalar(sa.select(Absence).order_by(Absence.id).limit(1))
    checks = [
        # a CHECK: no 7 on the six-point scale
        (f"UPDATE grade SET value = 7 WHERE id = {grade.id}", "23514", "ck_grade_value"),
        # the unique absence: one mark per pupil, day and lesson (PostgreSQL names the partition's
        # index; the application tells a duplicate by its SQLSTATE, gradebook.core)
        (
            "INSERT INTO absence (school_id, school_year_id, student_id, date, period, term, kind,"
            " excuse_comment, excused_by_parent, created_at, updated_at, version)"
            " SELECT school_id, school_year_id, student_id, date, period, term, kind,"
            f" '', false, created_at, updated_at, 1 FROM absence WHERE id = {absence.id}",
            "23505",
            "(student_id, date, period)",
        ),
        # a foreign key, checked from the partitioned table
        (
            f"UPDATE grade SET student_id = -1 WHERE id = {grade.id}",
            "23503",
            "fk_grade_student_id_student",
        ),
        # a row moving to another partition keeps its checks
        (
            f"UPDATE grade SET date = '2031-01-01', value = 1 WHERE id = {grade.id}",
            "23514",
            "ck_grade_value",
        ),
    ]
    for statement, sqlstate, text in checks:
        with pytest.raises(sa.exc.IntegrityError) as info:
            with db.session.begin_nested():
                db.session.execute(sa.text(statement))
        assert info.value.orig.sqlstate == sqlstate, info.value  # type: ignore[union-attr]
        assert text in str(info.value)


def test_the_application_works_on_partitioned_tables(migrated: Flask) -> None:
    curriculum = _teacher_curriculum()
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    sids = [e.student_id for e in core.active_enrollments(curriculum.class_id)]
    saved = grades.save_grade_column(
        actor, curriculum.id, kind="current", date=TODAY, values={s: "6" for s in sids}
    )
    db.session.commit()
    assert len(saved) == len(sids)
    assert {_partition_of("grade", g.id) for g in saved} == {"grade_2026_2027"}
    # edit and delete by id (the ORM's identity is still ``id`` alone)
    first = saved[0]
    grades.update_grade(actor, first.id, value="5", version=first.version, reason="typo")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Grade, first.id).value == Decimal("5.00")
    grades.delete_grade(actor, saved[1].id, version=saved[1].version, reason="wrong pupil")
    db.session.commit()
    assert db.session.get(Grade, saved[1].id) is None
    # the pupil's summary (what the phone and the portal read) has the new grade
    db.session.expire_all()
    payload = summary.get_summary(sids[0], curriculum.school_class.school_year_id)
    latest = [g for g in payload["latest_grades"] if g["date"] == TODAY.isoformat()]
    assert any(g["value"] == "5.00" or g["value"] == "5" for g in latest), latest
    # a lesson's register (absences) through the register function
    slot = db.session.scalar(
        sa.select(TimetableSlot)
        .where(TimetableSlot.class_id == curriculum.class_id, TimetableSlot.weekday == 3)
        .where(TimetableSlot.teacher_id.is_not(None))
        .order_by(TimetableSlot.id)
    )
    teacher = core.Actor.load(slot.teacher_id, slot.school_id)
    pupils = [e.student_id for e in core.active_enrollments(slot.class_id)]
    existing = set(
        db.session.scalars(
            sa.select(Absence.student_id).where(
                Absence.date == TODAY, Absence.period == slot.period
            )
        )
    )
    pupil = next(p for p in pupils if p not in existing)
    counts = absences.save_lesson_absences(
        teacher, slot.id, date=TODAY, marks={pupil: "absent"}, override_lock=True
    )
    db.session.commit()
    assert counts["created"] == 1
    row = db.session.scalar(
        sa.select(Absence).where(Absence.student_id == pupil, Absence.date == TODAY)
    )
    assert _partition_of("absence", row.id) == "absence_2026_2027"


def test_a_date_bounded_query_reads_one_partition(migrated: Flask) -> None:
    day = sa.select(Absence.id).where(Absence.school_id == 1, Absence.date == TODAY)
    month = sa.select(Grade.id).where(
        Grade.date >= dt.date(2026, 11, 1), Grade.date < dt.date(2026, 12, 1)
    )
    for query, table in ((day, "absence"), (month, "grade")):
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(db.session.scalars(sa.text("EXPLAIN " + sql)))
        assert f"{table}_2026_2027" in plan, plan
        assert f"{table}_2025_2026" not in plan and f"{table}_default" not in plan, plan
    # without a date bound every partition is read (the year's id is not the partition key)
    plan = "\n".join(
        db.session.scalars(sa.text("EXPLAIN SELECT id FROM grade WHERE student_id = 1"))
    )
    assert "grade_2025_2026" in plan and "grade_2026_2027" in plan


def test_detach_an_old_year_and_refuse_the_current_one(migrated: Flask) -> None:
    counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}_2025_2026")) for t in TABLES}
    runner = migrated.test_cli_runner()
    refused = runner.invoke(args=["partitions", "detach", "2026/2027", "--today", "25.11.2026"])
    assert refused.exit_code != 0
    assert "Отказано: 2026/2027 е текущата учебна година" in refused.output
    later = runner.invoke(args=["partitions", "detach", "2027", "--today", "25.11.2026"])
    assert later.exit_code != 0 and "Отказано" in later.output
    with pytest.raises(partitions.PartitionError) as info:
        partitions.detach_year(_conn(), 2026, TODAY)
    assert info.value.kind == "current" and "current academic year" in str(info.value)
    db.session.rollback()
    assert "grade_2026_2027" in {p.name for p in partitions.attached(_conn(), "grade")}
    db.session.commit()

    done = runner.invoke(args=["partitions", "detach", "2025/2026", "--today", "25.11.2026"])
    assert done.exit_code == 0, done.output
    assert "grade_2025_2026" in done.output and "absence_2025_2026" in done.output
    db.session.expire_all()
    for table in TABLES:
        assert f"{table}_2025_2026" not in {p.name for p in partitions.attached(_conn(), table)}
        # the detached year is a table of its own with its rows, out of the diary
        assert (
            db.session.scalar(sa.text(f"SELECT count(*) FROM {table}_2025_2026")) == counts[table]
        )
        start, end = partitions.year_bounds(2025)
        inside = sa.text(f"SELECT count(*) FROM {table} WHERE date >= :a AND date < :b")
        assert db.session.scalar(inside, {"a": start, "b": end}) == 0
    again = runner.invoke(args=["partitions", "detach", "2025", "--today", "25.11.2026"])
    assert again.exit_code != 0 and "Няма прикачен дял" in again.output
    # a row of the archived year written later lands in the default partition; the maintenance
    # does not re-create the archived year's name over the detached table
    grade = db.session.scalar(sa.select(Grade).order_by(Grade.id).limit(1))
    late = Grade(
        **{c: getattr(grade, c) for c in ("school_id", "school_year_id", "student_id",
           "curriculum_id", "subject_id", "term", "kind", "category", "value")},
        date=dt.date(2026, 3, 2),
    )  # fmt: skip
    db.session.add(late)
    db.session.commit()
    assert _partition_of("grade", late.id) == "grade_default"
    assert "grade_2025_2026" not in partitions.ensure_partitions(_conn(), TODAY)
    db.session.commit()
    assert _partition_of("grade", late.id) == "grade_default"


def test_maintenance_is_idempotent_and_empties_the_default_partition(migrated: Flask) -> None:
    partitions.ensure_partitions(_conn(), TODAY)  # whatever the migration's real today left
    db.session.commit()
    assert partitions.ensure_partitions(_conn(), TODAY) == []
    db.session.commit()
    # two years ahead: the current and the next of that day
    ahead = dt.date(2030, 10, 1)
    created = partitions.ensure_partitions(_conn(), ahead)
    db.session.commit()
    for year in (2030, 2031):
        for table in TABLES:
            name = partitions.partition_name(table, year)
            assert name in {p.name for p in partitions.attached(_conn(), table)}
    assert partitions.ensure_partitions(_conn(), ahead) == []
    assert set(created) >= {"grade_2030_2031", "absence_2031_2032"}
    # a row of a year without a partition goes to the default one (no insert fails) and is
    # moved into that year's new partition by the next run, with its id
    grade = db.session.scalar(sa.select(Grade).order_by(Grade.id).limit(1))
    old = Grade(
        **{c: getattr(grade, c) for c in ("school_id", "school_year_id", "student_id",
           "curriculum_id", "subject_id", "term", "kind", "category", "value")},
        date=dt.date(2023, 10, 2),
    )  # fmt: skip
    db.session.add(old)
    db.session.commit()
    assert _partition_of("grade", old.id) == "grade_default"
    assert partitions.ensure_partitions(_conn(), TODAY) == ["grade_2023_2024"]
    db.session.commit()
    assert _partition_of("grade", old.id) == "grade_2023_2024"
    assert db.session.scalar(sa.text("SELECT count(*) FROM grade_default")) == 0
    # the new partition got the parent's indexes, keys and checks on attaching
    indexes = set(
        db.session.scalars(
            sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'grade_2023_2024'")
        )
    )
    assert len(indexes) == len(_shape("grade")["indexes"])
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.text(f"UPDATE grade SET value = 7 WHERE id = {old.id}"))
    # the command line says so too
    result = migrated.test_cli_runner().invoke(
        args=["partitions", "create", "--today", "25.11.2026"]
    )
    assert result.exit_code == 0, result.output
    assert "Всички нужни дялове вече съществуват" in result.output


def test_downgrade_restores_a_plain_table_with_the_data(at_0018: Flask) -> None:
    before = {t: (_shape(t), _rows(t), _last_id(t)) for t in TABLES}
    _upgrade()
    _downgrade("0018")
    for table in TABLES:
        assert not partitions.is_partitioned(_conn(), table)
        assert (_shape(table), _rows(table), _last_id(table)) == before[table]
        left = db.session.scalar(
            sa.text("SELECT count(*) FROM pg_class WHERE relname LIKE :p AND relnamespace ="
                    " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"),
            {"p": f"{table}\\_2%"},
        )  # fmt: skip
        assert left == 0  # the partitions went with the partitioned table
    _upgrade()  # and up again
    assert all(partitions.is_partitioned(_conn(), t) for t in TABLES)


def test_the_demo_bulk_load_works_on_partitioned_tables(pg_schema: str, tmp_path: Path) -> None:
    """``flask db upgrade`` on an empty database, then the bulk demo load (five schools, a past
    year): its dropped and restored foreign keys and indexes come back on the partitioned
    tables, and every row is in its year's partition (the demo makes the past year's first)."""
    application = make_app(pg_schema, tmp_path)
    with application.app_context():
        flask_migrate.upgrade()
        before = {t: _shape(t) for t in TABLES}
        db.session.commit()
        result = application.test_cli_runner().invoke(
            args=["demo", "--schools", "5", "--students-per-class", "2", "--today", "25.11.2026",
                  "--history-years", "1"]
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "Индекси" in result.output  # the bulk mode ran
        db.session.expire_all()
        for table in TABLES:
            assert partitions.is_partitioned(_conn(), table)
            assert _shape(table) == before[table]
            spread = dict(
                db.session.execute(
                    sa.text(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
                ).all()
            )
            assert f"{table}_default" not in spread, spread
            assert spread[f"{table}_2025_2026"] > 0 and spread[f"{table}_2026_2027"] > 0
        db.session.remove()
        db.engine.dispose()
