"""Storing the read model that ``gradebook.summary`` builds: the pupils' payloads in one UPSERT,
and each class's anonymous aggregate (the ``GroupSummary`` row of ``GROUP_SOURCE``) rebuilt from
the pupils' payloads, the fresh ones in hand and the classmates' stored ones, in one read.

A grade column of N pupils is thus: the payloads built together (``summary.build_payloads``, a
fixed number of queries), one ``INSERT … ON CONFLICT DO UPDATE`` for all N, one read of the
classmates' stored payloads and one UPDATE (or INSERT) of the class row, whatever N is. After a
save of grades or absences only, ``summary_sections`` builds only their sections and stores the
stored payloads completed with them, the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from config import clock
from gradebook import rules
from models import Enrollment
from models import GroupSummary
from models import SchoolYear
from models import StudentSummary
from models import db
from models import utcnow

MIN_GROUP = 5  # comparisons with the class are hidden for smaller groups (DOMAIN.md)
GROUP_SOURCE = "phone"  # the GroupSummary rows this module keeps (portal.stats keeps its own)


def dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def avg_entry(value: Decimal | None) -> dict[str, str] | None:
    if value is None:
        return None
    word, _ = rules.grade_word(value)
    return {"average": dec(value) or "", "word": word}


def class_aggregate(payloads: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Anonymous class averages from the pupils' own averages (mean of the pupils' means)."""
    overall: list[Decimal] = []
    by_subject: dict[str, list[Decimal]] = defaultdict(list)
    size = 0
    for p in payloads:
        size += 1
        if p.get("overall"):
            overall.append(Decimal(p["overall"]["average"]))
        for s in p.get("subjects", []):
            if s.get("average"):
                by_subject[str(s["subject_id"])].append(Decimal(s["average"]))
    return {
        "size": size,
        "counted": len(overall),
        "hidden": len(overall) < MIN_GROUP,
        "overall": avg_entry(rules.average(overall)) if len(overall) >= MIN_GROUP else None,
        "subjects": {
            k: dec(rules.average(v)) for k, v in by_subject.items() if len(v) >= MIN_GROUP
        },
    }


def class_group(year_id: int, class_id: int, term: int) -> sa.ColumnElement[bool]:
    """The condition on the one ``GroupSummary`` row this module keeps for a class and term."""
    return sa.and_(
        GroupSummary.source == GROUP_SOURCE,
        GroupSummary.school_year_id == year_id,
        GroupSummary.class_id == class_id,
        GroupSummary.term == term,
    )


def store_students(year: SchoolYear, payloads: Mapping[int, dict[str, Any]]) -> None:
    """Write the pupils' payloads, new rows and old ones alike, in one ``INSERT … ON CONFLICT
    (student, year) DO UPDATE`` (executemany), in the current transaction. Summary objects the
    session already holds for them are expired (the statement bypasses the ORM)."""
    if not payloads:
        return
    now = utcnow()
    rows = [
        {
            "student_id": sid,
            "school_year_id": year.id,
            "school_id": year.school_id,
            "payload": payload,
            "computed_at": now,
        }
        for sid, payload in payloads.items()
    ]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(StudentSummary.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["student_id", "school_year_id"],
        set_={
            "payload": statement.excluded.payload,
            "computed_at": statement.excluded.computed_at,
        },
    )
    db.session.flush()  # pending ORM changes first, as an ORM statement would
    db.session.connection().execute(statement, rows)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, StudentSummary) and obj.school_year_id == year.id:
            if obj.student_id in payloads:
                db.session.expire(obj)


def store_class_groups(year: SchoolYear, fresh: Mapping[int, dict[str, Any]]) -> None:
    """Rebuild the aggregate of every class of the ``fresh`` payloads (already stored or about to
    be: they are used as they are) from the payloads of the class's current pupils of the same
    term: the fresh ones, and the stored ones of the others, read once for all the classes."""
    classes: dict[int, dict[str, Any]] = {}
    for sid in sorted(fresh):  # the class's last pupil gives the level and the term, as ever
        class_id = fresh[sid]["student"]["class_id"]
        if class_id:
            classes[class_id] = fresh[sid]
    if not classes:
        return
    members: dict[int, dict[int, dict[str, Any] | None]] = defaultdict(dict)
    others = sa.and_(
        StudentSummary.student_id == Enrollment.student_id,
        StudentSummary.school_year_id == year.id,
        Enrollment.student_id.not_in(list(fresh)),
    )
    for class_id, sid, payload in db.session.execute(
        sa.select(Enrollment.class_id, Enrollment.student_id, StudentSummary.payload)
        .outerjoin(StudentSummary, others)
        .where(
            Enrollment.class_id.in_(list(classes)),
            sa.or_(Enrollment.left_on.is_(None), Enrollment.left_on > clock.today()),
        )
    ):
        members[class_id][sid] = fresh.get(sid, payload)
    for class_id, last in classes.items():
        term = last["term"]
        payloads = [p for p in members[class_id].values() if p and p.get("term") == term]
        aggregate = class_aggregate(payloads)
        level = last["student"]["grade_level"]
        _store_group(year, class_id, level, term, aggregate)


def _store_group(
    year: SchoolYear, class_id: int, level: int, term: int, payload: dict[str, Any]
) -> None:
    """UPDATE the class's row; INSERT it when there was none (one statement in the usual case)."""
    now = utcnow()
    done = db.session.execute(
        sa.update(GroupSummary)
        .where(class_group(year.id, class_id, term))
        .values(payload=payload, computed_at=now)
    )
    if done.rowcount:  # type: ignore[attr-defined]
        return
    db.session.add(
        GroupSummary(
            school_id=year.school_id,
            school_year_id=year.id,
            grade_level=level,
            class_id=class_id,
            term=term,
            source=GROUP_SOURCE,
            payload=payload,
            computed_at=now,
        )
    )
