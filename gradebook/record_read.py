"""What the read model (:mod:`gradebook.summary`) keeps of the pupil's record for the phone line:
the year's sanctions of each pupil, newest first (kind code, start date, cancelled or not).
Reads only; support data are never put there (they are not for the phone)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from models import Sanction
from models import db

LATEST_SANCTIONS = 5


def sanctions_by_student(
    school_id: int, year_id: int, in_set: Callable[[Any], Any]
) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sid, kind, start, cancelled in db.session.execute(
        sa.select(
            Sanction.student_id, Sanction.kind, Sanction.start_date, Sanction.cancel_order_date
        )
        .where(
            Sanction.school_id == school_id,
            Sanction.school_year_id == year_id,
            in_set(Sanction.student_id),
        )
        .order_by(Sanction.start_date.desc(), Sanction.id.desc())
    ):
        if len(out[sid]) < LATEST_SANCTIONS:
            out[sid].append(
                {"kind": kind, "date": start.isoformat(), "cancelled": cancelled is not None}
            )
    return out
