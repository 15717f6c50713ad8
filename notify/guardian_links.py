"""The one parent–child link and its audit row, shared by registration (:mod:`notify.operations`)
and the families (:mod:`notify.families`): :func:`link_child` makes a link, :func:`audit` records
what happened to a guardian, :func:`portal_link` is the absolute portal address sent in a message.
Nothing here commits."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from config import urls
from models import AuditLog
from models import Guardian
from models import GuardianStudent
from models import Relation
from models import Student
from models import db


def link_child(
    guardian: Guardian, student: Student, relation: Relation = Relation.OTHER
) -> GuardianStudent | None:
    """Link the parent to the child (in the caller's transaction): the new link, or None when
    they are linked already. The one place a parent–child link is made."""
    exists = db.session.scalar(
        sa.select(GuardianStudent.id).where(
            GuardianStudent.guardian_id == guardian.id, GuardianStudent.student_id == student.id
        )
    )
    if exists:
        return None
    link = GuardianStudent(
        guardian_id=guardian.id,
        student_id=student.id,
        school_id=student.school_id,
        relation=relation,
    )
    db.session.add(link)
    return link


def audit(
    school_id: int | None,
    actor_type: str,
    actor_id: int | None,
    action: str,
    object_id: int | None,
    student_id: int | None,
) -> None:
    """An audit row about a guardian (``object_id``), in the caller's transaction."""
    db.session.add(
        AuditLog(
            school_id=school_id,
            actor_type=actor_type,
            actor_id=actor_id,
            action=action[:20],
            object_type="guardian",
            object_id=object_id,
            student_id=student_id,
        )
    )


def portal_link(endpoint: str, **values: Any) -> str:
    return urls.link(endpoint, portal=True, **values)
