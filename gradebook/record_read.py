"""What the read model (:mod:`gradebook.summary`) keeps of the pupil's record for the phone line:
the year's sanctions of each pupil, newest first (kind code, start date, cancelled or not), and
a preparatory group's daily attendance (the year's counts, the latest days), and the class book's
notes about the pupil or the whole class (newest first). Reads only; support data are never put
there (they are not for the phone)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import ClassNote
from models import PgAttendance
from models import Sanction
from models import db

LATEST_SANCTIONS = 5
LATEST_NOTES = 5
_KIND_BY_CODE = {code: kind for kind, code in rules.ATTENDANCE_CODES.items()}


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


def year_days_by_student(
    school_id: int, year_id: int, in_set: Callable[[Any], Any], recent: int = 10
) -> dict[int, dict[str, Any]]:
    """For the read model (the phone line): per ПГ pupil the year's counts and the latest marked
    days, newest first (``{"present": n, "excused": n, "unexcused": n, "recent": [...]}``)."""
    out: dict[int, dict[str, Any]] = {}
    for sid, date, kind in db.session.execute(
        sa.select(PgAttendance.student_id, PgAttendance.date, PgAttendance.kind)
        .where(
            PgAttendance.school_id == school_id,
            PgAttendance.school_year_id == year_id,
            in_set(PgAttendance.student_id),
        )
        .order_by(PgAttendance.date.desc())
    ):
        entry = out.setdefault(sid, {"present": 0, "excused": 0, "unexcused": 0, "recent": []})
        name = _KIND_BY_CODE[kind]
        entry[name] += 1
        if len(entry["recent"]) < recent:
            entry["recent"].append({"date": date.isoformat(), "kind": name})
    return out


def notes_by_student(
    school_id: int, year_id: int, class_of: dict[int, int | None]
) -> dict[int, list[dict[str, Any]]]:
    """Per pupil (``class_of``: pupil id → class id) the year's class-book notes about the pupil
    or the pupil's whole class, newest first, at most :data:`LATEST_NOTES`."""
    class_ids = {class_id for class_id in class_of.values() if class_id}
    if not class_ids:
        return {}
    pupils_of: dict[int, list[int]] = defaultdict(list)
    for sid, class_id in class_of.items():
        if class_id:
            pupils_of[class_id].append(sid)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for class_id, about, date, text in db.session.execute(
        sa.select(ClassNote.class_id, ClassNote.student_id, ClassNote.date, ClassNote.text)
        .where(
            ClassNote.school_id == school_id,
            ClassNote.school_year_id == year_id,
            ClassNote.class_id.in_(sorted(class_ids)),
        )
        .order_by(ClassNote.date.desc(), ClassNote.id.desc())
    ):
        for sid in [about] if about is not None else pupils_of[class_id]:
            if sid in class_of and len(out[sid]) < LATEST_NOTES:
                out[sid].append(
                    {"date": date.isoformat(), "text": text, "about_child": about == sid}
                )
    return out
