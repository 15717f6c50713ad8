"""The transactional outbox (contract; the notifications work fills in the body).

Use-cases that change something a parent should hear of call these *inside their own transaction*
(never commit here): the rows are committed with the change or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models import NotifyEvent


def enqueue_for_students(
    student_ids: Iterable[int],
    event_type: NotifyEvent,
    *,
    school_id: int,
    object_type: str,
    object_id: int,
    payload: dict[str, Any],
    urgent: bool = False,
) -> int:
    """Write one outbox row per guardian × channel the guardians chose, for each student.

    ``payload`` holds what the message says (e.g. for a grade: subject, value, kind, date,
    student first name), so the sender needs no further reads. A pending row for the same object
    (coalesce key ``object_type:object_id:guardian:channel``) is updated instead of duplicated,
    so a grade corrected within the coalescing window sends one message with the final value.
    Returns the number of rows written or updated.
    """
    return 0


def cancel_for_object(object_type: str, object_id: int) -> int:
    """A change undone before sending (e.g. a grade deleted): cancel its pending rows."""
    return 0
