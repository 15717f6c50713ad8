"""Code → Bulgarian label tables, built one way: a read-only mapping whose keys are the codes
the database and the forms use and whose values are the words people read (absence kinds,
excuse reasons, СОП marks, grade kinds, personal id kinds).

Pure: only the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def code_labels(**labels: str) -> Mapping[str, str]:
    """A read-only table ``code → label`` in the order given:
    ``code_labels(egn="ЕГН", lnch="ЛНЧ")`` → ``{"egn": "ЕГН", "lnch": "ЛНЧ"}``."""
    return MappingProxyType(labels)
