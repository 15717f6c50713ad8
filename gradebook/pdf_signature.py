"""What a signed class-book PDF proves, read with pyHanko (docs/CLASS_BOOK.md "Closing the year").

:func:`inspect` accepts a file only when all of these hold, else :class:`SignatureRefused` with
a key (the Bulgarian text is the caller's, ``book.refused.<key>``):

* it is a PDF pyHanko can read (``not_pdf``) and not bigger than the limit (``too_big``);
* it has a signature dictionary (``unsigned``);
* the signature's digest matches the bytes its ByteRange covers and the signature over it is
  cryptographically sound (``digest``);
* the ByteRange covers the whole file: nothing was appended after the signature (``coverage``);
* the file is exactly one generated PDF plus one incremental update that adds the signature:
  the bytes up to the first ``%%EOF`` are the unsigned original (their SHA-256 is returned, for
  the caller to find the print it came from), and the update overwrites no content stream of it
  nor the pages' contents and resources, and adds no annotation but the signature's widget
  (``changed``).

The certificate's chain of trust is **not** validated: the Bulgarian qualified trust roots (the
EU trusted list) are not available offline, and no revocation can be checked. The signer's name
and the certificate's SHA-256 fingerprint are returned for the record instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

# pyHanko logs the failed trust path of every certificate with a traceback; without the trust
# roots that failure is expected (see above), so only its errors are kept in the log
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)


class SignatureRefused(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SignedBook:
    original_sha256: str  # hex SHA-256 of the unsigned PDF inside the signed file
    document_id: str  # the id in the PDF's keywords ("" when absent)
    signer_name: str
    cert_sha256: str
    signed_at: dt.datetime | None  # UTC, naive


def original_bytes(data: bytes) -> bytes:
    """The first revision of the file: up to its first ``%%EOF`` and the line end after it."""
    end = data.find(b"%%EOF")
    if end < 0:
        raise SignatureRefused("not_pdf")
    end += len(b"%%EOF")
    for eol in (b"\r\n", b"\n", b"\r"):
        if data.startswith(eol, end):
            return data[: end + len(eol)]
    return data[:end]


def document_id_of(keywords: str) -> str:
    """``belezhnik-class-book <id>`` → ``<id>``; anything else → ``""``."""
    parts = str(keywords or "").split()
    return parts[1] if len(parts) == 2 and parts[0] == "belezhnik-class-book" else ""


def _unchanged(reader: Any) -> bool:
    """True when revision 1 only adds a signature to revision 0 (see the module's docstring)."""
    from pyhanko.pdf_utils import generic

    old = reader.get_historical_resolver(0)
    info = getattr(reader.trailer.raw_get("/Info"), "idnum", None)
    for ref in reader.xrefs.explicit_refs_in_revision(1):
        if reader.xrefs.get_introducing_revision(ref) != 0:
            continue  # a new object: the signature, its field, widget and appearance
        now = reader.get_object(ref)
        if isinstance(now, generic.StreamObject):
            return False
        if not isinstance(now, generic.DictionaryObject):
            return False
        kind = now.get("/Type")
        before = old(ref)
        if kind == "/Page":
            for key in ("/Contents", "/Resources", "/MediaBox"):
                if _entry(now, key) != _entry(before, key):
                    return False
        elif kind == "/Catalog":
            if now.raw_get("/Pages") != before.raw_get("/Pages"):
                return False
        elif ref.idnum != info:
            return False
    for page in _pages(reader):
        for annot in page.get("/Annots", ()) or ():
            if annot.get_object().get("/Subtype") != "/Widget":
                return False
    return True


def _entry(node: Any, key: str) -> Any:
    return node.raw_get(key) if key in node else None


def _pages(reader: Any) -> list[Any]:
    found = []
    stack = [reader.root["/Pages"]]
    while stack:
        node = stack.pop()
        if node.get("/Type") == "/Pages":
            stack.extend(kid.get_object() for kid in node["/Kids"])
        else:
            found.append(node)
    return found


def inspect(data: bytes, max_bytes: int) -> SignedBook:
    """The facts of a signed book, or :class:`SignatureRefused` (see the module's docstring)."""
    if len(data) > max_bytes:
        raise SignatureRefused("too_big")
    if not data.startswith(b"%PDF-"):
        raise SignatureRefused("not_pdf")
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # a malformed file fails in many ways inside pyHanko: all mean "not a PDF"
        raise SignatureRefused("not_pdf") from None
    if not signatures:
        raise SignatureRefused("unsigned")
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(
            signature, ValidationContext(trust_roots=[], allow_fetching=False)
        )
    except Exception:  # pyHanko raises many kinds for a malformed signature: all mean "not valid"
        raise SignatureRefused("digest") from None
    if not (status.intact and status.valid):
        raise SignatureRefused("digest")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureRefused("coverage")
    if reader.xrefs.total_revisions != 2 or signature.signed_revision != 1:
        raise SignatureRefused("changed")
    try:
        unchanged = _unchanged(reader)
    except Exception:  # an object that is not what a page or catalogue must be: changed
        unchanged = False
    if not unchanged:
        raise SignatureRefused("changed")
    try:
        keywords = str(reader.trailer["/Info"].get("/Keywords", ""))
    except (KeyError, AttributeError):
        keywords = ""
    cert = status.signing_cert
    moment = status.signer_reported_dt
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return SignedBook(
        original_sha256=hashlib.sha256(original_bytes(data)).hexdigest(),
        document_id=document_id_of(keywords),
        signer_name=str(cert.subject.native.get("common_name") or cert.subject.human_friendly)[
            :200
        ],
        cert_sha256=cert.sha256.hex(),
        signed_at=moment,
    )
