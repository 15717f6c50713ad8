"""Guessing limits that hold under parallel requests: every decision is one atomic statement.

Before a secret is checked, :func:`reserve` counts the attempt against each :class:`Limit` with
one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite ≥ 3.35 and PostgreSQL) on the
``attempt_counter`` table and says whether the secret may be checked at all; by default it
commits at once, so the count stands whatever the request does next. Parallel requests queue on
the counter row (PostgreSQL's row lock; SQLite's single writer): each sees the count including
every attempt before it, so no more than ``limit`` checks pass in a window, however many arrive
together. There is no read-then-write to race.

Windows are fixed (an hour from the full hour, by default), not sliding: a count is one row that
one statement can raise and read atomically, where a sliding window needs a row per attempt and
a count over them (check-then-act). The price: right around the turn of a window an attacker may
get up to twice the limit; the per-call limit and the phone PIN's hard stop bound that too.

A :class:`Limit` with ``window=None`` counts failures in a row (the phone PIN of one child): a
reservation adds nothing and refuses once the count has reached the limit; :func:`failed` adds
the failure; :func:`give_back` after a success starts it again at 0 unless it is already at the
limit (locked: only :func:`clear`, by the guardian or the school, reopens it).

Where a success may give its reservation back (a sign-in that worked is not a guess), the caller
calls :func:`give_back`, which takes back exactly that one attempt: a success never resets a
count, so alternating right and wrong answers gains nothing.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from models import AttemptCounter
from models import db
from models import utcnow

HOUR = dt.timedelta(hours=1)
NO_WINDOW = dt.datetime(2000, 1, 1)  # window_start of a count in a row (it never expires)
_T = AttemptCounter.__table__
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` attempts at ``key`` in ``scope`` per ``window`` (None: in a row)."""

    scope: str
    key: str
    limit: int
    window: dt.timedelta | None = HOUR

    def start(self, now: dt.datetime) -> dt.datetime:
        if self.window is None:
            return NO_WINDOW
        size = int(self.window.total_seconds())
        return _EPOCH + dt.timedelta(seconds=int((now - _EPOCH).total_seconds()) // size * size)

    @property
    def row(self) -> tuple[str, str]:
        return self.scope[:20], self.key[:200]


def _unique(limits: Iterable[Limit]) -> list[Limit]:
    """One limit per counter row (the tightest), in a fixed order: parallel statements lock the
    rows in the same order (no deadlock), and one statement never touches a row twice."""
    by_row: dict[tuple[str, str, bool], Limit] = {}
    for item in limits:
        index = (*item.row, item.window is None)
        if index not in by_row or item.limit < by_row[index].limit:
            by_row[index] = item
    return [by_row[k] for k in sorted(by_row)]


_UPSERTS: dict[tuple[str, int], Any] = {}


def _upsert(dialect: str, n: int) -> Any:
    """``INSERT … VALUES (n rows) ON CONFLICT DO UPDATE SET attempts = attempts + added
    RETURNING``, built once per dialect and size (the phone line's hot path uses it)."""
    if (dialect, n) not in _UPSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(_T).values(
            [
                {
                    "scope": sa.bindparam(f"s{i}"),
                    "key": sa.bindparam(f"k{i}"),
                    "window_start": sa.bindparam(f"w{i}", type_=sa.DateTime()),
                    "attempts": sa.bindparam(f"a{i}", type_=sa.Integer()),
                }
                for i in range(n)
            ]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_T.c.scope, _T.c.key, _T.c.window_start],
            set_={"attempts": _T.c.attempts + stmt.excluded.attempts},
        ).returning(_T.c.scope, _T.c.key, _T.c.window_start, _T.c.attempts)
        _UPSERTS[(dialect, n)] = stmt
    return _UPSERTS[(dialect, n)]


def _own_connection() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


# Counter writes on PostgreSQL take their connection from a pool of their own, a copy of the
# engine's (same connect arguments, time-outs and guard): a request that already holds a
# connection of the main pool never waits for a second one from it, so a full main pool cannot
# deadlock the guessing limits.
_APART: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()


def _apart_engine(bind: sa.Engine) -> sa.Engine:
    engine = _APART.get(bind)
    if engine is None:
        engine = sa.create_engine(bind.url, pool=bind.pool.recreate())
        _APART[bind] = engine
    return engine


def _write(stmt: Any, params: dict[str, Any], *, apart: bool) -> list[Any]:
    """Run ``stmt``; ``apart``: on PostgreSQL on a connection of its own in autocommit (the
    count stands at once, whatever the caller's transaction does, and the row lock lasts one
    statement, so callers that share a bucket never wait on each other's requests). SQLite
    has one writer at a time anyway, and a second connection would wait on the caller's own
    lock: there it runs in the caller's transaction."""
    if apart and _own_connection():
        bind = db.session.get_bind()
        assert isinstance(bind, sa.Engine)
        with _apart_engine(bind).connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            result = conn.execute(stmt, params)
            return list(result.all()) if result.returns_rows else []
    result = db.session.execute(stmt, params)
    return list(result.all()) if result.returns_rows else []


def _add(
    limits: list[Limit], amounts: list[int], *, apart: bool
) -> dict[tuple[str, str, bool], int]:
    """Add ``amounts`` to the counters of ``limits`` in one statement; the counts after it."""
    now = utcnow()
    params: dict[str, Any] = {}
    for i, (item, amount) in enumerate(zip(limits, amounts, strict=True)):
        params.update(
            {f"s{i}": item.row[0], f"k{i}": item.row[1], f"w{i}": item.start(now), f"a{i}": amount}
        )
    dialect = db.session.get_bind().dialect.name
    rows = _write(_upsert(dialect, len(limits)), params, apart=apart)
    return {(scope, key, start == NO_WINDOW): count for scope, key, start, count in rows}


@dataclass(frozen=True)
class Reservation:
    """What :func:`reserve` decided: true when the secret may be checked; ``left``: attempts
    left after this one should it fail (0: this was the last one)."""

    allowed: bool
    left: int

    def __bool__(self) -> bool:
        return self.allowed


def reserve(*limits: Limit, commit: bool = True) -> Reservation:
    """Count one attempt against every limit, atomically; true when the secret may be checked
    (no limit had been reached before this attempt). On PostgreSQL the count is written on a
    connection of its own in autocommit (see :func:`_write`). On SQLite it is written in the
    session, which ``commit`` commits at once (the default; nothing else may be pending then);
    the phone line passes False and commits with its step (its call row is locked until then,
    and the PIN check takes microseconds)."""
    unique = _unique(limits)
    if not unique:
        return Reservation(True, 1 << 30)
    if min(item.limit for item in unique) <= 0:
        return Reservation(False, 0)
    counts = _add(unique, [0 if item.window is None else 1 for item in unique], apart=True)
    if commit and not _own_connection():
        db.session.commit()
    # the count before this attempt; a count in a row has not counted it (it adds failures)
    before = [counts[(*i.row, i.window is None)] - (i.window is not None) for i in unique]
    left = min(i.limit - b - 1 for i, b in zip(unique, before, strict=True))
    return Reservation(left >= 0, max(left, 0))


def failed(*limits: Limit) -> dict[str, int]:
    """A wrong answer, for the counts in a row (``window=None``; others are ignored): add it;
    returns key → count after (in the caller's transaction, so that the count and the message
    about it are committed together). The one call that sees a count equal to the limit is the
    one that locked it (to tell the owner exactly once)."""
    unique = [item for item in _unique(limits) if item.window is None]
    if not unique:
        return {}
    counts = _add(unique, [1] * len(unique), apart=False)
    return {item.key: counts[(*item.row, True)] for item in unique}


_GIVE_BACK = (
    sa.update(_T)
    .where(
        sa.tuple_(_T.c.scope, _T.c.key, _T.c.window_start).in_(
            sa.bindparam("rows", expanding=True)
        ),
        sa.or_(_T.c.window_start == NO_WINDOW, _T.c.attempts > 0),
    )
    .values(
        attempts=sa.case(
            (_T.c.window_start != NO_WINDOW, _T.c.attempts - 1),
            (_T.c.attempts < sa.bindparam("in_row_limit"), 0),
            else_=_T.c.attempts,
        )
    )
)


def give_back(*limits: Limit) -> None:
    """A right answer: each windowed count loses this attempt (never below 0); each count in a
    row starts again at 0 unless it has reached its limit (then only :func:`clear` reopens
    it). One statement; on PostgreSQL on a connection of its own (:func:`_write`), on SQLite
    in the caller's transaction."""
    unique = _unique(limits)
    if not unique:
        return
    now = utcnow()
    in_row = [i.limit for i in unique if i.window is None]
    _write(
        _GIVE_BACK,
        {
            "rows": [(*i.row, i.start(now)) for i in unique],
            "in_row_limit": min(in_row) if in_row else 0,
        },
        apart=True,
    )


def clear(scope: str, keys: Iterable[str]) -> None:
    """Forget every count of ``keys`` in ``scope`` (an unlock). In the caller's transaction."""
    wanted = [k[:200] for k in keys]
    if wanted:
        db.session.execute(sa.delete(_T).where(_T.c.scope == scope[:20], _T.c.key.in_(wanted)))


def count(limit: Limit) -> int:
    """The current count of ``limit``'s row (0 when none): for pages, reports and tests."""
    return (
        db.session.scalar(
            sa.select(_T.c.attempts).where(
                _T.c.scope == limit.row[0],
                _T.c.key == limit.row[1],
                _T.c.window_start == limit.start(utcnow()),
            )
        )
        or 0
    )


# built once: the phone line's greeting asks it
_COUNTS = sa.select(_T.c.scope, _T.c.key, _T.c.window_start, _T.c.attempts).where(
    sa.tuple_(_T.c.scope, _T.c.key, _T.c.window_start).in_(sa.bindparam("rows", expanding=True))
)


def reached(*limits: Limit) -> bool:
    """True when any limit is already reached (a read, no attempt counted): to refuse early
    where no secret is checked yet (the phone line's greeting)."""
    unique = _unique(limits)
    if not unique:
        return False
    now = utcnow()
    rows = db.session.execute(_COUNTS, {"rows": [(*i.row, i.start(now)) for i in unique]}).all()
    counts = {(s, k, w == NO_WINDOW): n for s, k, w, n in rows}
    return any(counts.get((*i.row, i.window is None), 0) >= i.limit for i in unique)


def purge(before: dt.datetime | None = None) -> int:
    """Delete windowed counts whose window started before ``before`` (default: a day ago)."""
    before = before or utcnow() - dt.timedelta(days=1)
    result = db.session.execute(
        sa.delete(_T).where(_T.c.window_start != NO_WINDOW, _T.c.window_start < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
