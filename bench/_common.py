"""What the benchmark scripts share: percentiles, the PostgreSQL URL from the environment, the app
on a given database (or on empty tables), a test client signed in as a demo user, a private
PostgreSQL schema, a free local port and gunicorn serving the app on it.

The scripts are run as ``.venv/bin/python bench/<name>.py``; each puts the project root on
``sys.path`` first and then imports this module as ``bench._common``.
"""

from __future__ import annotations

import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def machine() -> str:
    """One line on the machine a figure was measured on: cores, CPU model, memory, Python."""
    cpu = platform.processor() or "?"
    memory = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, CPU {cpu}, memory {memory}, Python {platform.python_version()}"


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank: ``pct(ms, 0.95)`` is the p95."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def postgres_url(loopback_for: str | None = None) -> str:
    """``TEST_DATABASE_URL`` (or ``DATABASE_URL``), which must be PostgreSQL; with
    ``loopback_for`` (the script's file name) it must also be on 127.0.0.1, since that script
    stops or floods the server. Exits with the reason otherwise."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("Set TEST_DATABASE_URL to a PostgreSQL database (postgresql+psycopg://…)")
    if loopback_for and "127.0.0.1" not in url and "localhost" not in url:
        sys.exit(f"{loopback_for} runs on loopback only: point TEST_DATABASE_URL at 127.0.0.1")
    return url


def make_app(url: str, tmp: Path, schema: str | None = None, **config: Any) -> Any:
    """The application on ``url`` with its instance folder in ``tmp``; ``schema`` puts PostgreSQL
    connections on that schema; ``config`` adds or overrides settings."""
    from app import create_app

    settings: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp),
        "SECRET_KEY": "bench",
        **config,
    }
    if schema:
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"},
            "pool_pre_ping": True,
        }
    return create_app(settings)


def empty_app(url: str, tmp: str, schema: str | None, **config: Any) -> Any:
    """:func:`make_app` (Twilio token ``bench``) with its tables dropped and created afresh; a
    SQLite ``url`` becomes a fresh file in the folder ``tmp``."""
    from models import db

    if url.startswith("sqlite"):
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    app = make_app(url, Path(tmp), schema, TWILIO_AUTH_TOKEN="bench", **config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def signed_in(app: Any, login: str, email: str) -> Any:
    """A test client of ``app`` signed in on the page ``login`` as ``email`` (password demo1234,
    as :mod:`gradebook.demo` sets it)."""
    client = app.test_client()
    page = client.get(login)
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    response = client.post(
        login, data={"email": email, "password": "demo1234", "csrf_token": token}
    )
    assert response.status_code == 302, (email, response.status_code)
    return client


@contextmanager
def private_schema(url: str, prefix: str = "bench_") -> Iterator[str]:
    """A fresh schema (``prefix`` + random hex) of the PostgreSQL database at ``url``, dropped with
    everything in it on the way out."""
    schema = f"{prefix}{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url, pool_pre_ping=True)  # survives a restart (bench/faults.py)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def schema_url(url: str, schema: str) -> str:
    """``url`` with the search path set to ``schema`` (for processes configured by URL alone)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free at the moment of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_gunicorn(
    db_url: str, tmp: Path, port: int, token: str, workers: int = 2, **settings: str
) -> subprocess.Popen[bytes]:
    """gunicorn with the production settings (``config/gunicorn.py``: threaded workers, bounded
    queues) and ``workers`` (2) processes, serving ``bench.ivr_wsgi:app`` (the app plus the bare
    endpoints of ``bench.endpoints``, switched on here with their bench setting) on
    127.0.0.1:``port`` against ``db_url``; ``settings`` go to its environment (``WEB_THREADS``
    among them). Returns once it answers (in its own process group, so that the caller can stop
    it with ``os.killpg``)."""
    import requests

    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "TWILIO_AUTH_TOKEN": token,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(tmp),
        "PUBLIC_BASE_URL": base,
        "BELEZHNIK_BENCH_ENDPOINTS": "1",
        **settings,
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.py"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.ivr_wsgi:app",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(150):
        try:
            requests.post(base + "/bench/static-twiml", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_gunicorn(server: subprocess.Popen[bytes] | None) -> None:
    """Stop a server of :func:`start_gunicorn` (its process group): SIGTERM, SIGKILL after 10 s."""
    if server is None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


class FakeProcess:
    """The fake Twilio in its own process (so it does not share the worker's GIL)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "notify.fake_twilio", "--port", str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        self.session = requests.Session()
        for _ in range(200):
            try:
                self.count()
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("fake Twilio did not start")

    def count(self) -> int:
        return int(self.session.get(self.base_url + "/_count", timeout=5).json()["count"])

    def call_count(self) -> int:
        return int(self.session.get(self.base_url + "/_calls?count=1", timeout=5).json()["count"])

    def call_times(self) -> list[float]:
        """When each call was created, on the fake's own monotonic clock (``GET /_calls``)."""
        answer = self.session.get(self.base_url + "/_calls", timeout=5).json()
        return [float(t) for t in answer["created_at"]]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
