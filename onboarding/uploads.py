"""Uploaded list files, kept only while the admin works with them.

An uploaded list holds personal data (ЕГН, parents' phones), so it lives on disk only between the
upload and the end of its import: ``<instance>/uploads/<school_id>/<kind>-<token>.<csv|xlsx>``.

* deleted when the import is committed (a student list with pupils still to confirm as leavers is
  kept until the admin is done with them) or cancelled;
* its parsed form (``….parsed.json``, :func:`save_parsed`) goes with it;
* files left behind (an admin who closed the tab) are deleted once older than
  ``UPLOAD_RETENTION_HOURS`` (default 24): by the scheduler's hourly ``purge_uploads`` job and on
  every upload. File times are real time, not the frozen clock of tests.

A token is only looked up in the folder of the signed-in user's school, so one school can never
preview, commit or delete another's file.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

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
    _parsed_path(path).unlink(missing_ok=True)
    return True


# The parsed file (rows, or the reason it was refused), kept beside the upload in the shared
# folder so that any worker shows the preview again without parsing; it goes with the upload.
def _parsed_path(upload: Path) -> Path:
    return upload.with_name(upload.stem + ".parsed.json")


def load_parsed(school_id: int, kind: str, token: str) -> dict[str, Any] | None:
    path = _path(school_id, kind, token)
    if path is None:
        return None
    try:
        value = json.loads(_parsed_path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def save_parsed(school_id: int, kind: str, token: str, parsed: dict[str, Any]) -> None:
    path = _path(school_id, kind, token)
    if path is None:
        return
    target = _parsed_path(path)
    partial = target.with_suffix(f".{secrets.token_hex(4)}.tmp")
    partial.write_text(json.dumps(parsed, ensure_ascii=False), encoding="utf-8")
    partial.replace(target)  # atomic: another worker never reads half a file


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
