"""Urgent notices the school is still trying to get to a family today ("not at school", a
school-wide voice message: :mod:`ivr.urgent`), as the child's page shows them. The button that
acknowledges one is :mod:`portal.urgent_views`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from config import clock
from models import NoticePurpose
from models import NoticeState
from models import OutboundNotice
from models import db
from portal.messages import msg


def open_notices(guardian_id: int, student_id: int, school_id: int) -> list[OutboundNotice]:
    """Today's notices still escalating to this guardian about this child."""
    rows = db.session.scalars(
        sa.select(OutboundNotice)
        .where(
            OutboundNotice.school_id == school_id,
            OutboundNotice.day == clock.today(),
            OutboundNotice.state == NoticeState.ACTIVE,
        )
        .order_by(OutboundNotice.id)
    )
    return [
        n
        for n in rows
        if guardian_id in (n.guardian_ids or []) and student_id in (n.student_ids or [])
    ]


def notice_view(notice: OutboundNotice) -> dict[str, Any]:
    """What the page shows of a notice: who sends it and its words."""
    absent = notice.purpose is NoticePurpose.NOT_AT_SCHOOL
    return {
        "id": notice.id,
        "title": str(msg("label.urgent_not_at_school") if absent else msg("label.urgent_school")),
        "text": str(notice.payload.get("sms") or notice.payload.get("text") or ""),
    }
