"""The one clock: Europe/Sofia wall time, overridable for tests and demos.

Set ``app.config["NOW"]`` to an ISO datetime string (local Sofia time, e.g. "2026-11-25T10:00")
to freeze it. Pure rules never call this: they take ``today``/``now`` as parameters.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask import has_app_context

from config.settings import TZ


def now() -> dt.datetime:
    """Aware local (Europe/Sofia) time."""
    if has_app_context():
        frozen = current_app.config.get("NOW")
        if frozen:
            value = dt.datetime.fromisoformat(str(frozen))
            return value if value.tzinfo else value.replace(tzinfo=TZ)
    return dt.datetime.now(TZ)


def today() -> dt.date:
    return now().date()


def utc_naive(moment: dt.datetime | None = None) -> dt.datetime:
    """The stored representation (naive UTC) of a moment (default: now)."""
    moment = moment or now()
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def local(stored: dt.datetime) -> dt.datetime:
    """A stored naive-UTC datetime as aware Europe/Sofia time, for showing and speaking."""
    return stored.replace(tzinfo=dt.UTC).astimezone(TZ)
