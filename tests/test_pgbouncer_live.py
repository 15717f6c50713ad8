"""The application through a real PgBouncer (Debian's package) in transaction pooling, with more
clients than server connections and every statement run more often than psycopg's prepare
threshold (5): with ``DB_PGBOUNCER`` every request works and the parent's portal answers; without
it, the same load fails on prepared statements that belong to another client's server connection
(the reason for the setting). Skipped, saying why, without TEST_DATABASE_URL or pgbouncer
(``.ci/run`` installs it)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from bench import pgbouncer
from models import Student
from models import db
from tests.conftest import TODAY
from tests.conftest import make_app
from tests.conftest import pg_schema_url

THREADS = 8  # clients, against 2 server connections
RUNS = 12  # each statement more often than psycopg's prepare_threshold (5)


@pytest.fixture
def bounced(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A private schema with a small demo school, and PgBouncer in front of it (2 server
    connections): yields (direct URL on the schema, URL through PgBouncer)."""
    if not pgbouncer.available():
        pytest.skip("pgbouncer not installed: apt-get install -y pgbouncer to run this test")
    from gradebook.demo import build_demo

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    proc = None
    try:
        direct = pg_schema_url(pg_url, schema)
        builder = make_app(direct, tmp_path / "build")
        with builder.app_context():
            db.create_all()
            build_demo(seed=7, schools=1, today=TODAY, students_per_class=6, levels=(5,))
            db.session.commit()
            db.engine.dispose()
        proc, through = pgbouncer.start(pg_url, schema, pool_size=2)
        yield direct, through
    finally:
        pgbouncer.stop(proc)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def _hammer(app: Flask) -> list[BaseException]:
    """THREADS clients, each running the same two queries RUNS times, one transaction a run."""
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def client() -> None:
        with app.app_context():
            start.wait()
            try:
                for _ in range(RUNS):
                    db.session.scalars(sa.select(Student.id).where(Student.id > 0).limit(3)).all()
                    db.session.execute(sa.text("SELECT count(*) FROM school")).scalar()
                    db.session.commit()
            except BaseException as exc:  # noqa: BLE001 — collected, asserted below
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with app.app_context():
        db.engine.dispose()
    return failures


def _app_through(bounced: tuple[str, str], tmp_path: Path, setting: bool) -> Flask:
    """The app on PgBouncer's URL, one pooled connection per client thread."""
    return make_app(
        bounced[1],
        tmp_path / "app",
        DB_PGBOUNCER=setting,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS, "max_overflow": 0},
    )


def test_the_app_works_through_pgbouncer_with_the_setting(
    bounced: tuple[str, str], tmp_path: Path
) -> None:
    app = _app_through(bounced, tmp_path, True)
    assert _hammer(app) == []
    with app.app_context():
        # the search path came from the pool's connect_query, not from a startup parameter
        assert db.session.execute(sa.text("SELECT count(*) FROM student")).scalar() > 0
        client = app.test_client()
        assert client.get("/login").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_without_the_setting_prepared_statements_break(
    bounced: tuple[str, str], tmp_path: Path
) -> None:
    failures = _hammer(_app_through(bounced, tmp_path, False))
    assert failures, "expected prepared-statement clashes through transaction pooling"
    text = " ".join(str(f) for f in failures)
    assert "prepared statement" in text, text[:500]
