"""Read models the phone line and the portal read (being built by the phone-line work).

Contract: ``refresh_student(student_id, school_year_id)`` rebuilds one StudentSummary inside the
caller's transaction (no commit); ``rebuild_school(school_id)`` rebuilds them all in bulk.
"""

from __future__ import annotations


def refresh_student(student_id: int, school_year_id: int) -> None:
    """Rebuild the student's summary in the current transaction."""


def rebuild_school(school_id: int) -> None:
    """Rebuild every summary of a school (after the demo or an import)."""
