"""Ids and terms typed into forms and query strings, for ``request.form.get(name, type=...)``:
a row id within PostgreSQL INTEGER, a term 1 or 2; anything else is a ValueError.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

MAX_DB_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id can name no row (and overflows the query)


def db_id(text: str) -> int:
    """A row id from a form or a query string, for ``request.form.get(name, type=rules.db_id)``:
    ASCII digits within INTEGER, else ValueError (werkzeug then gives the default). ``"²"``
    (``isdigit()`` but not ``int()``) and ``10**20`` (overflow) never reach the database."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_DB_ID):
        raise ValueError(f"not a row id: {text[:20]!r}")
    return int(text)


def term_number(text: str) -> int:
    """A term from a form or a query string: 1 or 2, else ValueError (``type=`` as above)."""
    if text not in ("1", "2"):
        raise ValueError(f"not a term: {text[:20]!r}")
    return int(text)
