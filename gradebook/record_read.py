"""What the read model (:mod:`gradebook.summary`) keeps of the pupil's record for the phone line:
the year's sanctions of each pupil, newest first (kind code, start date, cancelled or not), and
a preparatory group's daily attendance (the year's counts, the latest days), and the class book's
notes about the pupil or the whole class (newest first), and the year's result (first grade's
overall result, the annual result of V–XII with its retake subjects). Reads only; support data are never put
there (they are not for the phone)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import ClassNote
from models import Curriculum
from models import FirstGradeResult
from models import GradeResult
from models import GradeResultSubject
from models import PgAttendance
from models import PgResult
from models import Sanction
from models import Subject
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


def year_results_by_student(
    school_id: int, year_id: int, in_set: Callable[[Any], Any]
) -> dict[int, dict[str, Any]]:
    """Per pupil the year's result for the phone line: first grade's overall result
    (``{"kind": "first_grade", "qualitative": 2–6 | None, "special": 1–3 | None}``), the
    annual result (``{"kind": "annual", "initial": 1–3, "final": 1 | 3 | None, "subjects":
    [spoken names of the retake subjects]}``) or a preparatory group's results by subject
    (``{"kind": "pg", "subjects": [{"name", "start", "end"}]}``, the texts as written, in the
    subjects' order); a pupil without a result is absent."""
    out: dict[int, dict[str, Any]] = {}
    for sid, spoken, name, start, end in db.session.execute(
        sa.select(
            PgResult.student_id,
            Subject.spoken_name,
            Subject.name,
            PgResult.start_result,
            PgResult.end_result,
        )
        .join(Subject, Subject.id == PgResult.subject_id)
        .where(
            PgResult.school_id == school_id,
            PgResult.school_year_id == year_id,
            in_set(PgResult.student_id),
            sa.or_(PgResult.start_result != "", PgResult.end_result != ""),
        )
        .order_by(PgResult.student_id, Subject.name, PgResult.id)
    ):
        entry = out.setdefault(sid, {"kind": "pg", "subjects": []})
        entry["subjects"].append({"name": spoken or name, "start": start, "end": end})
    for sid, qualitative, special in db.session.execute(
        sa.select(
            FirstGradeResult.student_id, FirstGradeResult.qualitative, FirstGradeResult.special
        ).where(
            FirstGradeResult.school_id == school_id,
            FirstGradeResult.school_year_id == year_id,
            in_set(FirstGradeResult.student_id),
        )
    ):
        out[sid] = {"kind": "first_grade", "qualitative": qualitative, "special": special}
    retakes: dict[int, list[str]] = defaultdict(list)
    for result_id, spoken, name in db.session.execute(
        sa.select(GradeResultSubject.grade_result_id, Subject.spoken_name, Subject.name)
        .join(GradeResult, GradeResult.id == GradeResultSubject.grade_result_id)
        .join(Curriculum, Curriculum.id == GradeResultSubject.curriculum_id)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(
            GradeResult.school_id == school_id,
            GradeResult.school_year_id == year_id,
            in_set(GradeResult.student_id),
        )
        .order_by(GradeResultSubject.id)
    ):
        retakes[result_id].append(spoken or name)
    for result_id, sid, initial, final in db.session.execute(
        sa.select(
            GradeResult.id, GradeResult.student_id, GradeResult.initial, GradeResult.final
        ).where(
            GradeResult.school_id == school_id,
            GradeResult.school_year_id == year_id,
            in_set(GradeResult.student_id),
        )
    ):
        out[sid] = {
            "kind": "annual",
            "initial": initial,
            "final": final,
            "subjects": retakes.get(result_id, []),
        }
    return out
