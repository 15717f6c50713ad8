"""The scan or photo of a medical note attached to a parent's note: checked, cleaned and stored.

A medical note is health data (GDPR special category): it is stored outside the web root under
``<instance>/parent_notes/<school_id>/<random token>.<jpg|png|pdf>`` and served only to the
class teacher of the pupil and the school's admins (``gradebook.views.parent_notes``), as a
download (``Content-Disposition: attachment``, ``nosniff``). The parent's file name is never kept.

What is accepted (checked on the bytes, never on the name or the browser's content type):

* JPEG and PNG photos, opened with Pillow with a pixel limit (``NOTE_DOCUMENT_MAX_PIXELS``,
  40 million: a decompression bomb is refused before it is decoded) and saved again, so that
  whatever rode along (EXIF with the place the photo was taken, comments, trailing bytes) is
  dropped;
* PDF scans, starting with ``%PDF-``, without scripts or embedded files;
* at most ``NOTE_DOCUMENT_MAX_MB`` (5) megabytes; the request as a whole is bounded first by
  ``MAX_CONTENT_LENGTH`` (``MAX_UPLOAD_MB``), as for the list imports.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app

DEFAULT_MAX_MB = 5
AREA = "parent_notes"
DEFAULT_MAX_PIXELS = 40_000_000
KINDS = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/Launch", b"/OpenAction")


class DocumentRefused(Exception):
    """The upload is not a document we keep; ``key`` says why (``empty``, ``too_big``, ``kind``,
    ``unreadable``, ``pixels``, ``active_pdf``; the Bulgarian text is the caller's)."""

    def __init__(self, key: str, **values: int) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def max_bytes() -> int:
    return int(current_app.config.get("NOTE_DOCUMENT_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def _clean_image(data: bytes) -> tuple[str, bytes]:
    from PIL import Image
    from PIL import UnidentifiedImageError

    limit = int(current_app.config.get("NOTE_DOCUMENT_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if width * height > limit:
                raise DocumentRefused("pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            if kind == "PNG":
                image.save(out, format="PNG")
                return "png", out.getvalue()
            image.convert("RGB").save(out, format="JPEG", quality=88)
            return "jpg", out.getvalue()
    except DocumentRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DocumentRefused("unreadable") from None


def clean(data: bytes) -> tuple[str, bytes]:
    """(extension, bytes to store) of an acceptable upload, else :class:`DocumentRefused`."""
    if not data:
        raise DocumentRefused("empty")
    if len(data) > max_bytes():
        raise DocumentRefused("too_big", mb=max_bytes() // (1024 * 1024))
    if data.startswith(b"%PDF-"):
        if any(marker in data for marker in _PDF_ACTIVE):
            raise DocumentRefused("active_pdf")
        return "pdf", data
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _clean_image(data)
    raise DocumentRefused("kind")


def _folder(school_id: int, create: bool, area: str) -> Path:
    folder = Path(current_app.instance_path) / area / str(int(school_id))
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(school_id: int, ext: str, data: bytes, area: str = AREA) -> str:
    """Store the cleaned bytes; returns the stored name (``<token>.<ext>``). ``area`` is the
    folder under the instance (the signed class books keep theirs, ``gradebook.book_seal``)."""
    name = f"{secrets.token_urlsafe(18)}.{ext}"
    target = _folder(school_id, True, area) / name
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return name


def path(school_id: int, name: str | None, area: str = AREA) -> Path | None:
    """The stored file of this school, or None (a name is only looked up in its school)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    stem, _, ext = name.rpartition(".")
    if ext not in KINDS or not stem:
        return None
    candidate = _folder(school_id, False, area) / name
    return candidate if candidate.is_file() else None


def delete(school_id: int, name: str | None, area: str = AREA) -> None:
    found = path(school_id, name, area)
    if found is not None:
        found.unlink(missing_ok=True)
