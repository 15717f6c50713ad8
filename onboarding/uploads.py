"""Uploaded list files, kept only while the admin works with them.

An uploaded list holds personal data (ЕГН, parents' phones), so it lives on disk only between the
upload and the end of its import: ``<instance>/uploads/<school_id>/<kind>-<token>.<csv|xlsx>``.

* deleted when the import is committed (a student list with pupils still to confirm as leavers is
  kept until the admin is done with them) or cancelled;
* files left behind (an admin who closed the tab) are deleted once older than
  ``UPLOAD_RETENTION_HOURS`` (default 24): by the scheduler's hourly ``purge_uploads`` job and on
  every upload. File times are real time, not the frozen clock of tests.

A token is only looked up in the folder of the signed-in user's school, so one school can never
preview, commit or delete another's file.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KIND = re.compile(r"^[a-z_]{1,32}$")
EXTENSIONS = ("csv", "xlsx")
DEFAULT_RETENTION_HOURS = 24.0


def root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def school_dir(school_id: int, create: bool = True) -> Path:
    folder = root() / str(int(school_id))
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def retention_seconds() -> float:
    hours = float(current_app.config.get("UPLOAD_RETENTION_HOURS", DEFAULT_RETENTION_HOURS))
    return max(hours, 0.0) * 3600


def save(school_id: int, kind: str, filename: str, data: bytes) -> str:
    """Store an upload and return its token (old files of the school are purged first)."""
    purge_expired(school_dir(school_id))
    token = secrets.token_urlsafe(18)
    ext = "xlsx" if filename.lower().endswith(".xlsx") or data[:2] == b"PK" else "csv"
    (school_dir(school_id) / f"{kind}-{token}.{ext}").write_bytes(data)
    return token


def _path(school_id: int, kind: str, token: str) -> Path | None:
    if not (KIND.match(kind) and TOKEN.match(token)):
        return None
    folder = school_dir(school_id, create=False)
    for ext in EXTENSIONS:
        path = folder / f"{kind}-{token}.{ext}"
        if path.is_file():
            return path
    return None


def load(school_id: int, kind: str, token: str) -> tuple[str, bytes] | None:
    """(file name, content) of a stored upload of this school, or None."""
    path = _path(school_id, kind, token)
    if path is None:
        return None
    try:
        return path.name, path.read_bytes()
    except FileNotFoundError:  # purged in between
        return None


def delete(school_id: int, kind: str, token: str) -> bool:
    path = _path(school_id, kind, token)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    return True


def purge_expired(folder: Path | None = None, now: float | None = None) -> int:
    """Delete uploads older than the retention, in one school's folder or in all of them.
    Returns how many files were deleted."""
    limit = (time.time() if now is None else now) - retention_seconds()
    folders = [folder] if folder is not None else [p for p in _children(root()) if p.is_dir()]
    deleted = 0
    for each in folders:
        for path in _children(each):
            try:
                if path.is_file() and path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
                    deleted += 1
            except FileNotFoundError:  # deleted by a concurrent request
                continue
    return deleted


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except FileNotFoundError:
        return []


def purge_job() -> int:
    """The scheduler's job (inside an app context): purge every school's old uploads."""
    return purge_expired()
