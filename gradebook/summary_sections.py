"""The read model refreshed section by section: a save that changes only grades (a grade column,
a correction, a deletion, term or annual grades) rebuilds only the payload's sections read from
the grades, a save that changes only absences (a lesson's register, excusing, a deletion) only
those read from the absences, and keeps every other section from the pupil's stored payload —
when, and only when, that payload is one a full build would give again today.

Rule (:func:`keepable`): the stored payload is kept only if it is of the current
``PAYLOAD_VERSION`` and :func:`summary.is_fresh`, it was built today (``computed_on``: the coming
events, meetings, homework and free hours, and a pupil's current class, are relative to the day
of the build), for the current term and the year's current term dates, and its ``student``
section equals the one read now (the same class, level and shift, so the same class's lists).
If any pupil of the save fails one of the tests before the last, the whole save goes the full way
(:func:`summary.refresh_students`); a pupil failing only the last one is rebuilt in full.

Consistency: the kept sections are exactly the ones whose sources the save does not write (the
callers name what they changed: :data:`summary.GRADES`, :data:`summary.ABSENCES`), and every
write that changes those sources refreshes the pupil's payload in its own transaction — the
same assumption :func:`summary.get_summary` makes when it serves a stored payload. (Some admin
edits still do not refresh the pupils: the timetable, bell times, subject names. A full refresh
by a grade save used to mend those pupils' payloads by the way; now the next full build does, at
the latest the first refresh of the next day.) The sections
rebuilt come from the same code as a full build (``summary.build_payloads(parts=…)``), and the
class aggregate is rebuilt from the whole payloads as before (``summary.store_refreshed``).

Statements: one read of the pupils' stored payloads, then the pupils, the subjects and the one
table of the changed part (instead of the full build's 18 queries), whatever the number of
pupils; the UPSERT and the class aggregate as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import summary
from models import SchoolYear
from models import StudentSummary
from models import db

SECTIONS = {
    summary.GRADES: ("overall", "subjects", "latest_grades"),
    summary.ABSENCES: ("absences", "recent_absences"),
    summary.RECORD: (
        "remarks",
        "sanctions",
        "notes",
        "pg_days",
        "year_result",
        "events",
        "meetings",
        "timetable",
        "homework",
        "homework_until",
        "free_hours",
    ),
}
HEADER = ("v", "term", "computed_on", "term2_starts_on", "student")

__all__ = ["HEADER", "SECTIONS", "keepable", "refresh_students", "stored_payloads"]


def stored_payloads(year: SchoolYear, student_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The pupils' stored payloads of the year, in one query (pupils without one are absent)."""
    ids = sorted(set(student_ids))
    if not ids:
        return {}
    return {
        sid: payload
        for sid, payload in db.session.execute(
            sa.select(StudentSummary.student_id, StudentSummary.payload).where(
                StudentSummary.school_id == year.school_id,
                StudentSummary.school_year_id == year.id,
                StudentSummary.student_id.in_(ids),
            )
        )
        if payload
    }


def keepable(payload: dict[str, Any] | None, year: SchoolYear, today: dt.date) -> bool:
    """A stored payload whose sections a save that did not touch them may keep (module doc)."""
    return bool(
        payload
        and summary.is_fresh(payload)
        and payload.get("computed_on") == today.isoformat()
        and payload.get("term") == year.term_of(today)
        and payload.get("term2_starts_on") == year.term2_starts_on.isoformat()
        and all(key in payload for part in summary.PARTS for key in SECTIONS[part])
    )


def refresh_students(
    year: SchoolYear, student_ids: Iterable[int], parts: Iterable[str]
) -> dict[int, dict[str, Any]]:
    """Rebuild the summaries of the pupils after a save that changed only the sources of
    ``parts`` (``summary.GRADES``, ``summary.ABSENCES``), in the current transaction: the same
    payloads and class aggregates as :func:`summary.refresh_students`, which it falls back to
    when a stored payload may not be kept. Returns the new payloads by student."""
    ids = sorted(set(student_ids))
    chosen = tuple(p for p in summary.PARTS if p in set(parts))
    if not ids:
        return {}
    if not chosen or chosen == summary.PARTS:
        return summary.refresh_students(year, ids)
    today = clock.today()
    stored = stored_payloads(year, ids)
    if not all(keepable(stored.get(sid), year, today) for sid in ids):
        return summary.refresh_students(year, ids)
    rebuilt = summary.build_payloads(year, ids, chosen)
    payloads: dict[int, dict[str, Any]] = {}
    again: list[int] = []
    for sid, part in rebuilt.items():
        if part["student"] != stored[sid]["student"]:
            again.append(sid)  # moved class, renamed…: the kept lists may be another class's
            continue
        payloads[sid] = {**stored[sid], **part}
    if again:
        payloads.update(summary.build_payloads(year, again))
    summary.store_refreshed(year, payloads)
    return payloads
