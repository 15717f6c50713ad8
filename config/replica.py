"""A read replica for the parent portal's comparison report (``DATABASE_REPLICA_URL``).

Unset (the default), nothing here runs: no second engine exists and :func:`read` hands its
function ``None`` (read the primary, ``db.session``), exactly as before. Set, :func:`init_app` makes one more engine on
that URL, with the primary's treatment (``config/database.py``): ``pool_pre_ping``, the pool and
connect time-outs, the server's statement, lock and idle time-outs (or none of the ``options``
with ``DB_PGBOUNCER``), keepalives and a deadline on every wait. On top of those:

* **Read only, twice over.** PostgreSQL connections start with
  ``default_transaction_read_only=on`` (a hot standby refuses writes anyway; this makes a
  primary named by mistake refuse them too), and every statement on the engine must be a
  ``SELECT`` (or ``SHOW``): anything else raises :class:`ReplicaWriteRefused` before it is sent.
* **Its own share of the request's deadline.** The replica may use half of what is left of the
  request's ``DB_REQUEST_TIMEOUT_MS`` when the read starts; a replica that hangs or refuses
  fails that share only, and the request's deadline is untouched, so the primary still has the
  rest to answer.
* **Fallback.** Any database error from the replica (unreachable, a time-out, a query cancelled
  by the standby's recovery, a refused write) is logged in English and the same function runs
  again on the primary: the parent gets the page, never a 500. The process then leaves the
  replica alone for ``RETRY_AFTER_S`` (30 s) and reads the primary, so that a replica that
  swallows connections does not cost every parent's view its connect time-out; the first read
  after that tries it again.

What reads here: only what :func:`read` is given, the comparison report (``portal.stats``,
called from ``portal.views.compare``). The access check (the parent's link to the child, the
child's school) runs before, on the primary, so a link just removed is never honoured from a
lagging replica. Replication lag: the report may show figures up to the lag old (see
docs/PERFORMANCE.md, "A read replica").
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

import psycopg
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from config import database

log = logging.getLogger("belezhnik.replica")

EXTENSION = "belezhnik.replica"
READS = ("SELECT", "SHOW")  # the only statements the replica engine sends
SHARE = 0.5  # of the request's remaining deadline, for the replica
RETRY_AFTER_S = 30.0  # after a failure, this process reads the primary for this long

T = TypeVar("T")

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "belezhnik_replica_deadline", default=None
)


class ReplicaWriteRefused(RuntimeError):
    """A statement other than a read was about to be sent to the replica."""


class ReplicaConnection(database.GuardedConnection):
    """A guarded connection bounded by the replica's share of the request (``_deadline``); when
    it gives up, later replica waits in the same read fail at once, the request's do not."""

    @staticmethod
    def deadline_left() -> float | None:
        deadline = _deadline.get()
        return None if deadline is None else deadline - time.monotonic()

    @staticmethod
    def give_up() -> None:
        if _deadline.get() is not None:
            _deadline.set(time.monotonic())


@dataclass
class Replica:
    engine: Engine
    sessions: sessionmaker[Session]
    resting_until: float = 0.0  # time.monotonic() before which the primary is read instead


def _refuse_writes(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    words = statement.lstrip().split(None, 1)
    if not words or words[0].upper() not in READS:
        raise ReplicaWriteRefused(f"not a read, refused on the replica: {statement[:60]!r}")


def init_app(app: Flask) -> None:
    """The replica's engine and read-only sessions, when ``DATABASE_REPLICA_URL`` is set."""
    url = app.config.get("DATABASE_REPLICA_URL") or ""
    if not url:
        return
    cfg = app.config
    engine = sa.create_engine(
        url, **database.engine_options({**cfg, "SQLALCHEMY_DATABASE_URI": url})
    )
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":

        def _do_connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
            if not cfg.get("DB_PGBOUNCER"):  # through PgBouncer: set on the role instead
                existing = cparams.get("options")
                extra = "-c default_transaction_read_only=on"
                cparams["options"] = f"{existing} {extra}" if existing else extra
            return database._connect(cfg, cparams, ReplicaConnection)

        event.listen(engine, "do_connect", _do_connect)
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    app.extensions[EXTENSION] = Replica(
        engine, sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
    )


def replica_of(app: Flask) -> Replica | None:
    """The app's replica, or ``None`` when ``DATABASE_REPLICA_URL`` is unset."""
    return app.extensions.get(EXTENSION)


def _share_of_request() -> float | None:
    left = database.time_left()
    return None if left is None else time.monotonic() + max(0.0, left) * SHARE


def read(fn: Callable[[Session | None], T], what: str) -> T:
    """``fn(session)`` with a read-only session of the replica; ``fn(None)`` (None: the primary,
    ``db.session``) when no replica is configured or when the replica fails (logged; ``what``
    names the read in the log).

    ``fn`` must read only through the session it is given: it may run twice (the replica, then
    the primary), and a write it sends to the replica is refused."""
    replica = replica_of(current_app)
    if replica is None or time.monotonic() < replica.resting_until:
        return fn(None)
    token = _deadline.set(_share_of_request())
    try:
        with replica.sessions() as session:
            return fn(session)
    except (SQLAlchemyError, psycopg.Error, ReplicaWriteRefused) as exc:
        replica.resting_until = time.monotonic() + RETRY_AFTER_S
        # a refused write is a bug in the caller (louder); the rest is the replica's state
        level = logging.ERROR if isinstance(exc, ReplicaWriteRefused) else logging.WARNING
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        log.log(
            level,
            "read replica failed for %s (%s: %s); reading the primary for this request and"
            " for the next %.0f s",
            what,
            type(exc).__name__,
            first_line,
            RETRY_AFTER_S,
        )
    finally:
        _deadline.reset(token)
    return fn(None)
