"""Database time-outs: a database that hangs never hangs a caller.

Three layers, all from settings (config/settings.py, ``DB_*``):

* **Server side** (PostgreSQL, every new connection): ``statement_timeout``, ``lock_timeout`` and
  ``idle_in_transaction_session_timeout`` in the connection's ``options``. They end a slow query or
  a lock wait on a *live* server, and the server answers with an error.
* **Socket level**: ``connect_timeout``, TCP keepalives and ``tcp_user_timeout``: a vanished host
  or a cut network is noticed even by the long jobs (the notification worker) that have no
  request deadline.
* **Client side, per web request**: a server that accepts the connection and then never answers
  (the postmaster stopped, a frozen VM) enforces none of the above, and the kernel keeps
  acknowledging its packets, so the socket level does not fire either. Every web request
  therefore gets a deadline (``DB_REQUEST_TIMEOUT_MS`` from its start); :class:`GuardedConnection`
  waits for the server at most until then, then closes the connection and raises
  ``OperationalError``, and no new connection is attempted after it. The phone line turns that
  into its Bulgarian apology, the pages into :func:`unavailable_response` (503).

Command-line jobs (the demo loader, the notification worker and scheduler) have no request
deadline; :func:`long_jobs` lifts their statement time-out (``DB_JOB_STATEMENT_TIMEOUT_MS``).
"""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

import psycopg
from flask import Flask
from flask import Response
from flask import current_app
from psycopg import errors as pg_errors
from sqlalchemy import event
from sqlalchemy.engine import make_url

log = logging.getLogger("belezhnik.database")

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "belezhnik_db_deadline", default=None
)
# psycopg's own wait time-out (an OperationalError subclass); private, hence looked up softly
_WAIT_TIMEOUT: type[Exception] = getattr(pg_errors, "_WaitTimeout", pg_errors.OperationalError)


def set_deadline(seconds: float | None) -> None:
    """Bound the database waits of the current request (``None``: no bound)."""
    _deadline.set(None if seconds is None else time.monotonic() + seconds)


def clear_deadline() -> None:
    _deadline.set(None)


def _give_up() -> None:
    """The database failed this request: later attempts in it (an error page's user lookup, an
    after-request hook) fail at once instead of waiting again."""
    if _deadline.get() is not None:
        _deadline.set(time.monotonic())


def time_left() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class DatabaseTimeout(pg_errors.OperationalError):
    """The database did not answer within the request's deadline."""


class GuardedConnection(psycopg.Connection):  # type: ignore[type-arg]
    """A psycopg connection whose every wait for the server (query, fetch, commit, rollback)
    ends at the request's deadline; the connection is then closed (its protocol state is
    unknown), so SQLAlchemy's pool discards it.

    The deadline is the request's (:func:`time_left`); a subclass may bound its waits by another
    one by overriding :meth:`deadline_left` and :meth:`give_up` (the read replica's share of the
    request, ``config/replica.py``)."""

    @staticmethod
    def deadline_left() -> float | None:
        return time_left()

    @staticmethod
    def give_up() -> None:
        _give_up()

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        left = self.deadline_left()
        if left is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        if left <= 0:
            self.close()
            raise DatabaseTimeout("database request deadline already passed")
        bound = left if timeout is None else min(timeout, left)
        try:
            return super().wait(gen, interval=min(interval, bound), timeout=bound)
        except _WAIT_TIMEOUT as exc:
            if timeout is not None and timeout < left:
                raise  # the caller's own, shorter time-out
            self.close()
            self.give_up()
            raise DatabaseTimeout(f"database did not answer within {left:.1f} s") from exc


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def engine_options(settings: dict[str, Any]) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` for the configured database."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if _is_postgres(settings["SQLALCHEMY_DATABASE_URI"]):
        options["pool_timeout"] = settings["DB_POOL_TIMEOUT_S"]
    else:  # SQLite: how long a writer waits for another's lock (sqlite3's busy time-out)
        options["connect_args"] = {"timeout": settings["DB_SQLITE_BUSY_TIMEOUT_MS"] / 1000}
    return options


def _server_options(cfg: Any, existing: str | None) -> str:
    statement = cfg.get("DB_STATEMENT_TIMEOUT_MS", 0)
    parts = [existing] if existing else []
    parts += [
        f"-c statement_timeout={int(statement)}",
        f"-c lock_timeout={int(cfg.get('DB_LOCK_TIMEOUT_MS', 0))}",
        f"-c idle_in_transaction_session_timeout={int(cfg.get('DB_IDLE_IN_TRANSACTION_MS', 0))}",
    ]
    return " ".join(parts)


def _connect(
    cfg: Any, cparams: dict[str, Any], guard: type[GuardedConnection] = GuardedConnection
) -> psycopg.Connection:  # type: ignore[type-arg]
    """A new connection of class ``guard``, bounded by its deadline (the request's by default)."""
    connect_timeout = int(cfg.get("DB_CONNECT_TIMEOUT_S", 2))
    left = guard.deadline_left()
    if left is not None:
        if left < 1:  # libpq's shortest connect time-out is 2 s: no time for one
            raise DatabaseTimeout("no time left in the request to connect to the database")
        connect_timeout = max(2, min(connect_timeout, int(left)))
    if cfg.get("DB_PGBOUNCER"):
        # PgBouncer in transaction pooling: a statement prepared on one server connection is
        # unknown on the next (psycopg prepares after 5 runs unless told not to), and the
        # `options` startup parameter is refused or dropped: the time-outs are set for the
        # database role instead (docs/PERFORMANCE.md, "PgBouncer")
        cparams["prepare_threshold"] = None
    else:
        cparams["options"] = _server_options(cfg, cparams.get("options"))
    cparams.setdefault("connect_timeout", connect_timeout)
    cparams["connect_timeout"] = min(int(cparams["connect_timeout"]), connect_timeout)
    cparams.setdefault("keepalives", 1)
    cparams.setdefault("keepalives_idle", int(cfg.get("DB_KEEPALIVES_IDLE_S", 30)))
    cparams.setdefault("keepalives_interval", 5)
    cparams.setdefault("keepalives_count", 3)
    cparams.setdefault("tcp_user_timeout", int(cfg.get("DB_TCP_USER_TIMEOUT_MS", 10000)))
    try:
        return guard.connect(**cparams)
    except pg_errors.OperationalError:
        guard.give_up()
        raise


def init_app(app: Flask, db: Any) -> None:
    """Deadline per request and guarded PostgreSQL connections. Call BEFORE ``db.init_app``:
    the deadline must outlive the session's own teardown (its rollback is bounded too)."""

    @app.before_request
    def _start_deadline() -> None:
        budget = app.config.get("DB_REQUEST_TIMEOUT_MS") or 0
        set_deadline(budget / 1000 if budget > 0 else None)

    @app.teardown_appcontext
    def _end_deadline(exc: BaseException | None) -> None:
        clear_deadline()

    @app.errorhandler(psycopg.OperationalError)
    def _db_error_raw(exc: Exception) -> Response:
        return unavailable_response(exc)

    import sqlalchemy as sa

    app.register_error_handler(sa.exc.DBAPIError, unavailable_response)
    app.register_error_handler(sa.exc.TimeoutError, unavailable_response)


def guard_engines(app: Flask, db: Any) -> None:
    """Route PostgreSQL connects of the app's engines through :func:`_connect`. Call after
    ``db.init_app`` (the engines exist then)."""
    with app.app_context():
        engines = list(db.engines.values())
    cfg = app.config

    def _do_connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        return _connect(cfg, cparams)

    for engine in engines:
        if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            event.listen(engine, "do_connect", _do_connect)


def long_jobs(app: Flask) -> None:
    """A command-line job: the job statement time-out instead of the web one, no deadline. Call
    at the start of the command, before its first query (the pool is emptied)."""
    app.config["DB_STATEMENT_TIMEOUT_MS"] = app.config.get("DB_JOB_STATEMENT_TIMEOUT_MS", 0)
    app.config["DB_IDLE_IN_TRANSACTION_MS"] = 0
    clear_deadline()
    from models import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def unavailable_response(exc: BaseException | None = None) -> Response:
    """The Bulgarian "try again" page, 503. Rendered straight from the template, without the
    context processors (they query the database, which is what just failed)."""
    from sqlalchemy.exc import SQLAlchemyError

    from models import db

    if exc is not None:
        log.error("database unavailable: %s: %s", type(exc).__name__, exc)
    try:
        db.session.rollback()
    except (SQLAlchemyError, psycopg.Error):  # the connection may be gone altogether
        log.warning("rollback after a database failure failed", exc_info=True)
    template = current_app.jinja_env.get_template("unavailable.html")
    body = template.render()
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response
