"""DATABASE_REPLICA_URL: the parent portal's comparison report reads a read replica
(config/replica.py).

On SQLite the primary and the replica are two files, copies of the demo school, and the replica's
copy is then changed (every grade of the school a 2) so that the page itself shows which one it
read. Proved here: the report is read on the replica (its figures, its statements), nothing but
SELECT is sent there, a miss is stored on the primary (never the replica) and a row that reached
the replica is then served from it, the parent's link is checked on the primary (a link removed
there and still on the replica is a 404), a dead replica falls back to the primary (logged, never a
500) without spending the request's deadline, and with the setting unset no replica engine exists.
On PostgreSQL (TEST_DATABASE_URL) the replica is the same schema through the second engine, whose
connections are read only (``default_transaction_read_only``), so a write would fail loudly.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from config import database
from config import replica
from config import settings as settings_module
from models import GroupSummary
from models import Guardian
from models import GuardianStudent
from models import db
from portal import stats
from portal.children import child_context
from tests._helpers import counted_statements
from tests.conftest import TODAY
from tests.conftest import make_app
from tests.test_portal_web import child_ids
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"  # one child, in grade III
NUMERIC = "roditel2@sou1.demo.bg"  # a child in grade V (tests/test_portal_pages.py)
DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1
CLASS_AVERAGE = re.compile(r"<dt>Клас [^<]+</dt><dd>([^<]*)</dd>")


def _numeric_child() -> tuple[int, int]:
    """(guardian id, child id) of NUMERIC's child in grades IV–XII."""
    from portal.children import children

    guardian = db.session.scalars(sa.select(Guardian).where(Guardian.email == NUMERIC)).one()
    kids = [k for k in children(guardian.id) if k.school_class.grade_level >= 4]
    assert kids
    return guardian.id, kids[0].id


@contextmanager
def replica_statements(app: Flask) -> Iterator[list[str]]:
    """Every statement sent on the replica engine inside the block."""
    found = replica.replica_of(app)
    assert found is not None
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(found.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(found.engine, "before_cursor_execute", before)


def _portal_rows(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(GroupSummary.class_id, GroupSummary.term, GroupSummary.payload).where(
                    GroupSummary.source == "portal"
                )
            )
        )


@pytest.fixture
def pair(demo_template: Path, tmp_path: Path) -> Iterator[tuple[Flask, sa.Engine]]:
    """The demo school on a primary file and on a replica file whose school 1 has only 2s (and no
    cached comparison); the app reads the report there. Yields the app (in its context) and an
    engine of our own on the replica file (to look at it, or to play replication)."""
    primary, copy = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    shutil.copy(demo_template, primary)
    shutil.copy(demo_template, copy)
    side = sa.create_engine(f"sqlite:///{copy}")
    with side.begin() as conn:
        conn.execute(  # as an edit does: a new updated_at moves the cache's fingerprint
            sa.text(
                "UPDATE grade SET value = 2, updated_at = '2099-01-01 00:00:00.000000'"
                " WHERE school_id = 1 AND value IS NOT NULL"
            )
        )
        conn.execute(sa.text("DELETE FROM group_summary WHERE source = 'portal'"))
    application = make_app(
        f"sqlite:///{primary}", tmp_path, DATABASE_REPLICA_URL=f"sqlite:///{copy}"
    )
    with application.app_context():
        yield application, side
        db.session.remove()
        db.engine.dispose()
        found = replica.replica_of(application)
        assert found is not None
        found.engine.dispose()
    side.dispose()


def _class_average(html: str) -> str:
    match = CLASS_AVERAGE.search(html)
    assert match, "the page shows no class overall"
    return match.group(1)


# --- unset: nothing changes -----------------------------------------------------------------------
def test_unset_no_replica_engine_and_the_report_reads_the_primary(demo_app, demo_client):
    assert demo_app.config["DATABASE_REPLICA_URL"] == ""
    assert replica.replica_of(demo_app) is None
    assert replica.EXTENSION not in demo_app.extensions
    login(demo_client, NUMERIC)
    _gid, sid = _numeric_child()
    with counted_statements() as primary:
        page = demo_client.get(f"/child/{sid}/compare")
    assert page.status_code == 200
    assert any("sum(grade.value)" in s for s in primary), "the aggregate ran on the primary"
    assert _portal_rows(db.engine), "the miss was cached on the primary, as before"


def test_an_engine_is_made_only_when_the_setting_is_set(monkeypatch, tmp_path):
    made: list[str] = []
    real = sa.create_engine

    def spy(url: Any, **kwargs: Any) -> sa.Engine:
        made.append(str(url))
        return real(url, **kwargs)

    monkeypatch.setattr(replica.sa, "create_engine", spy)  # the replica's engine, not the primary's
    make_app(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path)
    assert made == []
    other = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    app = make_app(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path, DATABASE_REPLICA_URL=other)
    assert made == [other]
    assert replica.replica_of(app).engine.pool._pre_ping


def test_the_setting_from_the_environment() -> None:
    assert settings_module.load_settings({"SECRET_KEY": "x"})["DATABASE_REPLICA_URL"] == ""
    env = {"SECRET_KEY": "x", "DATABASE_REPLICA_URL": "postgres://ro@standby:5432/belezhnik"}
    assert (
        settings_module.load_settings(env)["DATABASE_REPLICA_URL"]
        == "postgresql+psycopg://ro@standby:5432/belezhnik"
    )


# --- set: the report reads the replica ------------------------------------------------------------
def test_the_comparison_is_read_on_the_replica_and_stored_on_the_primary(pair):
    app, side = pair
    client = app.test_client()
    login(client, NUMERIC)
    gid, sid = _numeric_child()
    ctx = child_context(gid, sid)
    on_primary = stats.child_comparison(ctx, 1)  # what the primary alone would show
    assert on_primary is not None and on_primary.overall.klass.average != 2
    db.session.execute(sa.delete(GroupSummary).where(GroupSummary.source == "portal"))
    db.session.commit()

    with replica_statements(app) as on_replica, counted_statements() as primary:
        page = client.get(f"/child/{sid}/compare?term=1")
    assert page.status_code == 200
    assert _class_average(page.get_data(as_text=True)) == "2,00"  # the replica's data
    assert on_replica and all(s.lstrip().upper().startswith("SELECT") for s in on_replica)
    assert any("sum(grade.value)" in s for s in on_replica), "the miss was computed there"
    assert not any("FROM grade" in s for s in primary), "no grade was read on the primary"
    assert any(s.startswith("INSERT INTO group_summary") for s in primary)
    # stored on the primary, labelled with the replica's fingerprint; nothing on the replica
    level = ctx.school_class.grade_level
    with replica.replica_of(app).sessions() as session:
        replica_fp = stats.fingerprint(ctx.school_year.id, level, 1, session)
    assert replica_fp != stats.fingerprint(ctx.school_year.id, level, 1)
    stored = _portal_rows(db.engine)
    assert stored and {row.payload["fp"] for row in stored} == {replica_fp}
    assert set(next(r for r in stored if r.class_id is None).payload["overall"]) == {"2.00"}
    assert _portal_rows(side) == []


def test_a_cached_row_that_reached_the_replica_is_served_from_it(pair):
    app, side = pair
    client = app.test_client()
    login(client, NUMERIC)
    _gid, sid = _numeric_child()
    assert client.get(f"/child/{sid}/compare?term=1").status_code == 200  # a miss, stored
    # replication of the stored rows (the rest of the replica stays as it was)
    with db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(GroupSummary.__table__))]
    with side.begin() as conn:
        conn.execute(sa.delete(GroupSummary.__table__))
        conn.execute(sa.insert(GroupSummary.__table__), rows)

    with replica_statements(app) as on_replica, counted_statements() as primary:
        page = client.get(f"/child/{sid}/compare?term=1")
    assert page.status_code == 200
    assert _class_average(page.get_data(as_text=True)) == "2,00"
    assert any("FROM group_summary" in s for s in on_replica)
    assert not any("GROUP BY" in s for s in on_replica), "a hit: nothing recomputed"
    assert not any("group_summary" in s for s in primary), "a hit: nothing stored"


def test_grades_one_to_three_count_the_replicas_marks(pair):
    """The qualitative report (grades I–III) reads the replica too: there every mark is a 2."""
    app, _side = pair
    client = app.test_client()
    login(client, ME)
    sid = child_ids(ME)[0]
    with replica_statements(app) as on_replica:
        html = client.get(f"/child/{sid}/compare?term=1").get_data(as_text=True)
    marks = set(re.findall(r"(Отличен|Много добър|Добър|Среден|Незадоволителен) \(\d+\)", html))
    assert marks == {"Незадоволителен"}
    assert on_replica and all(s.lstrip().upper().startswith("SELECT") for s in on_replica)


def test_the_access_check_reads_the_primary(pair):
    """A link removed on the primary, still on the lagging replica: 404 as without a replica."""
    app, side = pair
    client = app.test_client()
    login(client, NUMERIC)
    gid, sid = _numeric_child()
    assert client.get(f"/child/{sid}/compare").status_code == 200
    db.session.execute(
        sa.delete(GuardianStudent).where(
            GuardianStudent.guardian_id == gid, GuardianStudent.student_id == sid
        )
    )
    db.session.commit()
    with side.connect() as conn:  # the replica has not caught up
        assert conn.scalar(
            sa.select(sa.func.count()).where(
                GuardianStudent.guardian_id == gid, GuardianStudent.student_id == sid
            )
        )
    with replica_statements(app) as on_replica:
        response = client.get(f"/child/{sid}/compare")
    assert response.status_code == 404
    assert on_replica == [], "nothing was read on the replica for a child no longer linked"


def test_the_replica_engine_refuses_writes(pair):
    app, side = pair
    found = replica.replica_of(app)
    with found.sessions() as session, pytest.raises(replica.ReplicaWriteRefused):
        session.execute(sa.text("DELETE FROM grade"))
    with found.sessions() as session, pytest.raises(replica.ReplicaWriteRefused):
        session.execute(sa.update(GroupSummary).values(term=2))
    with side.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM grade"))


def test_a_read_that_writes_on_the_replica_falls_back_to_the_primary(pair, caplog):
    app, _side = pair
    sessions: list[Any] = []

    def writes(session: Any) -> str:
        sessions.append(session)
        (session or db.session).execute(sa.text("DELETE FROM group_summary WHERE id < 0"))
        return "done"

    with app.test_request_context(), caplog.at_level(logging.WARNING, "belezhnik.replica"):
        assert replica.read(writes, "a test read") == "done"
    assert sessions[0] is not None and sessions[1] is None  # the replica, then the primary
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and "ReplicaWriteRefused" in record.getMessage()


# --- a replica that fails ---------------------------------------------------------------------------
@pytest.mark.parametrize("dead", [DEAD_PG, "sqlite:////nonexistent/dir/replica.sqlite3"])
def test_a_dead_replica_falls_back_to_the_primary(demo_template, tmp_path, caplog, dead):
    primary = tmp_path / "primary.sqlite3"
    shutil.copy(demo_template, primary)
    app = make_app(f"sqlite:///{primary}", tmp_path, DATABASE_REPLICA_URL=dead)
    with app.app_context():
        client = app.test_client()
        login(client, NUMERIC)
        gid, sid = _numeric_child()
        expected = stats.child_comparison(child_context(gid, sid), 1)
        with caplog.at_level(logging.WARNING, "belezhnik.replica"):
            page = client.get(f"/child/{sid}/compare?term=1")
        assert page.status_code == 200
        shown = _class_average(page.get_data(as_text=True))
        assert shown == stats.rules.format_decimal_bg(expected.overall.klass.average, 2)
        messages = [r.getMessage() for r in caplog.records if r.name == "belezhnik.replica"]
        assert any(
            "read replica failed for the comparison report" in m
            and "reading the primary for this request" in m
            for m in messages
        ), messages
        # the process leaves the replica alone for a while (no attempt, so nothing logged), then
        # tries it again
        found = replica.replica_of(app)
        caplog.clear()
        with caplog.at_level(logging.WARNING, "belezhnik.replica"):
            assert client.get(f"/child/{sid}/compare?term=1").status_code == 200
            assert caplog.records == [], "resting: the replica was not tried"
            found.resting_until = 0.0
            assert client.get(f"/child/{sid}/compare?term=1").status_code == 200
            assert len(caplog.records) == 1, "tried again after the rest"
        db.session.remove()
        db.engine.dispose()
        replica.replica_of(app).engine.dispose()


def test_a_failing_replica_spends_its_own_deadline_not_the_requests() -> None:
    """A replica that cannot be reached gives up its share; the request keeps its deadline (the
    primary's connection would give up the request's: the difference the fallback needs)."""
    cfg = {"DB_CONNECT_TIMEOUT_S": 2, "DB_TCP_USER_TIMEOUT_MS": 2000}
    dead = {"host": "127.0.0.1", "port": 1, "dbname": "nothing", "user": "postgres"}
    try:
        database.set_deadline(60)
        token = replica._deadline.set(replica._share_of_request())
        with pytest.raises(psycopg.OperationalError):
            database._connect(cfg, dict(dead), replica.ReplicaConnection)
        assert replica.ReplicaConnection.deadline_left() <= 0  # the replica's share is spent
        replica._deadline.reset(token)
        assert database.time_left() > 0  # the request's is not
        with pytest.raises(psycopg.OperationalError):
            database._connect(cfg, dict(dead))  # a primary connection
        assert database.time_left() <= 0
    finally:
        database.clear_deadline()


def test_replica_connections_are_read_only_and_keep_the_time_outs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[dict[str, Any]] = []

    class Stop(Exception):
        pass

    def connect(**cparams: Any) -> Any:
        seen.append(cparams)
        raise Stop

    monkeypatch.setattr(replica.ReplicaConnection, "connect", connect)
    for pgbouncer in (False, True):
        app = make_app(
            f"sqlite:///{tmp_path / 'x.sqlite3'}",
            tmp_path,
            DATABASE_REPLICA_URL="postgresql://ro@standby/belezhnik",
            DB_PGBOUNCER=pgbouncer,
        )
        engine = replica.replica_of(app).engine
        assert engine.pool._pre_ping  # as the primary's
        with pytest.raises(Stop):
            engine.connect()
    direct, bouncer = seen
    assert "-c default_transaction_read_only=on" in direct["options"]
    assert "-c statement_timeout=" in direct["options"]
    assert direct["keepalives"] == 1 and direct["connect_timeout"] >= 2
    assert "options" not in bouncer and bouncer["prepare_threshold"] is None


# --- PostgreSQL: the same schema through a read-only second engine ---------------------------------
@pytest.fixture
def pg_pair(pg_schema: str, tmp_path: Path) -> Iterator[Flask]:
    from gradebook.demo import build_demo

    app = make_app(pg_schema, tmp_path, DATABASE_REPLICA_URL=pg_schema)
    with app.app_context():
        db.create_all()
        build_demo(seed=7, schools=1, today=TODAY, students_per_class=6, levels=(5,))
        yield app
        db.session.remove()
        db.engine.dispose()
        replica.replica_of(app).engine.dispose()


def _pg_parent() -> tuple[str, int]:
    row = db.session.execute(
        sa.select(Guardian.email, GuardianStudent.student_id)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .order_by(Guardian.id)
        .limit(1)
    ).one()
    return row.email, row.student_id


@pytest.mark.postgres
def test_postgres_replica_engine_is_read_only_and_serves_the_report(pg_pair):
    app = pg_pair
    found = replica.replica_of(app)
    with found.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() != "0"
    # past the application's own refusal, the server refuses the write too
    sa.event.remove(found.engine, "before_cursor_execute", replica._refuse_writes)
    try:
        with found.engine.connect() as conn, pytest.raises(sa.exc.InternalError) as caught:
            conn.execute(sa.text("DELETE FROM group_summary"))
        assert isinstance(caught.value.orig, psycopg.errors.ReadOnlySqlTransaction)
    finally:
        sa.event.listen(found.engine, "before_cursor_execute", replica._refuse_writes)

    email, sid = _pg_parent()
    client = app.test_client()
    login(client, email)
    with replica_statements(app) as on_replica, counted_statements() as primary:
        page = client.get(f"/child/{sid}/compare")
    assert page.status_code == 200
    assert "Сравнителна справка" in page.get_data(as_text=True)
    assert any("sum(grade.value)" in s for s in on_replica)
    assert all(s.lstrip().upper().startswith("SELECT") for s in on_replica)
    assert any(s.startswith("INSERT INTO group_summary") for s in primary)
    assert _portal_rows(db.engine), "the miss was stored (on the primary)"


@pytest.mark.postgres
def test_postgres_dead_replica_leaves_the_primary_its_deadline(pg_schema, tmp_path, caplog):
    """The primary on PostgreSQL (guarded by the request's deadline) and a dead replica: the
    fallback still has the request's deadline to read the primary in."""
    from gradebook.demo import build_demo

    app = make_app(pg_schema, tmp_path, DATABASE_REPLICA_URL=DEAD_PG)
    with app.app_context():
        db.create_all()
        build_demo(seed=7, schools=1, today=TODAY, students_per_class=6, levels=(5,))
        email, sid = _pg_parent()
        client = app.test_client()
        login(client, email)
        with caplog.at_level(logging.WARNING, "belezhnik.replica"):
            page = client.get(f"/child/{sid}/compare")
        assert page.status_code == 200
        assert "Сравнителна справка" in page.get_data(as_text=True)
        assert any("read replica failed" in r.getMessage() for r in caplog.records)
        db.session.remove()
        db.engine.dispose()
        replica.replica_of(app).engine.dispose()
