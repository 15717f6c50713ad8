"""Shared fixtures.

* ``app`` / ``client`` / ``runner``: an app on a fresh SQLite file with the schema (no rows).
* ``demo_app`` / ``demo_client``: the same with a small demo school loaded (levels 3, 5 and 9,
  two or three classes each, 10 pupils a class), the clock frozen at ``NOW`` (Wednesday
  25.11.2026 10:00 Sofia). Built once per session and copied per test, so it is cheap.
* ``pg_url``: a PostgreSQL URL from TEST_DATABASE_URL (skips, saying so, when unset);
  ``pg_schema``: a URL on a fresh private schema of it; ``pg_app``: an app on that schema with
  the tables created.
* ``any_app``: ``app`` on SQLite, then ``pg_app`` on PostgreSQL; ``school_app``: ``demo_app``,
  then a demo school (one class level) built on ``pg_app``. PostgreSQL skips without
  TEST_DATABASE_URL.
* ``form_post(client, form_url, data, post_url=None)``: GET the form, take its CSRF token, POST.
  CSRF stays on in tests, so a form without its token fails here as it would for a person.
* Browser tests: ``live_url`` (``demo_app`` served on a free local port), ``launch_chromium()``
  (Debian's Chromium through Playwright; skips, saying so, when either is missing) and
  ``chromium_page(width, height)`` (a tab of it in Bulgarian, 15 s timeouts).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import g
from flask.testing import FlaskClient

from app import create_app
from models import db

NOW = "2026-11-25T10:00:00"
TODAY = dt.date(2026, 11, 25)
DEMO_LEVELS = (3, 5, 9)
DEMO_PER_CLASS = 10


def make_app(database_url: str, tmp: Path, **extra: Any) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "TWILIO_AUTH_TOKEN": "test-twilio-token",
        "PUBLIC_BASE_URL": "http://localhost",
        "INSTANCE_PATH": str(tmp),
        "OUTBOX_DIR": str(tmp / "outbox"),
        "PROMPTS_AUDIO_DIR": str(tmp / "audio"),
        "SMS_BACKEND": "console",
        "EMAIL_BACKEND": "console",
        "NOW": NOW,
        "SERVER_NAME": None,
    }
    config.update(extra)
    application = create_app(config)

    def fresh_g() -> None:
        # The fixtures hold an app context open for the test body, and Flask reuses it for every
        # test-client request, ``g`` included: drop what the previous request (maybe another
        # client's) cached there — the signed-in user, the CSRF token — as production does.
        for key in list(vars(g)):
            delattr(g, key)

    application.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
    return application


def build_template(folder: Path, name: str, fill: Callable[[], Any] | None = None) -> Path:
    """An SQLite file ``folder/name`` with the schema and what ``fill`` adds (in an app context),
    for session-scoped templates that each test then copies (:func:`app_on_copy`)."""
    path = folder / name
    application = make_app(f"sqlite:///{path}", folder)
    with application.app_context():
        db.create_all()
        if fill is not None:
            fill()
        db.session.remove()
        db.engine.dispose()
    return path


def app_on_copy(template: Path, tmp_path: Path, name: str) -> Iterator[Flask]:
    """An app on a private copy of a template database, inside its app context."""
    path = tmp_path / name
    shutil.copy(template, path)
    application = make_app(f"sqlite:///{path}", tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the schema and no rows, built once (CREATE TABLE is slow on disk)."""
    return build_template(tmp_path_factory.mktemp("empty"), "empty.sqlite3")


@pytest.fixture
def app(empty_template: Path, tmp_path: Path) -> Iterator[Flask]:
    yield from app_on_copy(empty_template, tmp_path, "test.sqlite3")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the small demo school, built once per test session."""
    from gradebook.demo import build_demo

    def fill() -> None:
        build_demo(
            seed=7, schools=2, today=TODAY, students_per_class=DEMO_PER_CLASS, levels=DEMO_LEVELS
        )

    return build_template(tmp_path_factory.mktemp("demo"), "demo.sqlite3", fill)


@pytest.fixture
def demo_app(demo_template: Path, tmp_path: Path) -> Iterator[Flask]:
    yield from app_on_copy(demo_template, tmp_path, "demo.sqlite3")


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL not available: set TEST_DATABASE_URL to run this test")
    return url


def pg_schema_url(url: str, schema: str) -> str:
    """The same database with ``schema`` first on the search path (psycopg ``options``), so that
    concurrent test runs, and the worker subprocesses a test starts, share nothing else."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """A fresh, private schema in the test database; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield pg_schema_url(pg_url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


@pytest.fixture
def pg_app(pg_schema: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on PostgreSQL (a private schema) with the tables created; its URL is
    ``app.config["SQLALCHEMY_DATABASE_URI"]`` (hand it to subprocesses)."""
    application = make_app(pg_schema, tmp_path)
    with application.app_context():
        db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The empty-schema app on SQLite, then on PostgreSQL (skipped without TEST_DATABASE_URL)."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgresql"])
def school_app(request: pytest.FixtureRequest) -> Flask:
    """The demo school on SQLite (``demo_app``), then one (seed 7, class level 5, six pupils a
    class) built on PostgreSQL (``pg_app``; skipped without TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        return request.getfixturevalue("demo_app")  # type: ignore[no-any-return]
    from gradebook.demo import build_demo

    app: Flask = request.getfixturevalue("pg_app")
    build_demo(seed=7, schools=1, today=TODAY, students_per_class=6, levels=(5,))
    return app


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the form has no csrf_token field"
    return match.group(1)


def form_post(
    client: FlaskClient,
    form_url: str,
    data: dict[str, Any],
    post_url: str | None = None,
    **kwargs: Any,
) -> Any:
    page = client.get(form_url)
    assert page.status_code == 200, (form_url, page.status_code)
    payload = dict(data)
    payload["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(post_url or form_url, data=payload, **kwargs)


def login_staff(client: FlaskClient, email: str, password: str = "demo1234") -> Any:
    """Sign a staff user in through the real form (CSRF on); returns the POST response."""
    return form_post(client, "/staff/login", {"email": email, "password": password})


# --- browser tests (Playwright + Debian's Chromium) ------------------------------------------------
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CHROMIUM_MISSING = "Chromium is not installed (Debian package 'chromium')"


@pytest.fixture
def live_url(demo_app: Flask) -> Iterator[str]:
    """``demo_app`` served by a real HTTP server on a free local port, for a browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium (``CHROMIUM_PATH`` or ``chromium`` on PATH) driven by Playwright; the
    test is skipped, saying why, when Chromium or Playwright is missing."""
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if chromium is None:
        pytest.skip(CHROMIUM_MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium_page(width: int, height: int) -> Iterator[Any]:
    """A tab of :func:`launch_chromium` with that viewport, Bulgarian locale, 15 s timeouts."""
    with launch_chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="bg-BG")
        tab = context.new_page()
        tab.set_default_timeout(15000)
        yield tab
        context.close()
