"""A school's settings of the outbound calls (``OutboundSettings``; the defaults when the school
saved none)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import AlertChannel
from models import OutboundSettings
from models import db


def settings_of(school_id: int) -> OutboundSettings:
    """The school's outbound settings (the defaults, not stored, when it has none)."""
    row = db.session.scalar(
        sa.select(OutboundSettings).where(OutboundSettings.school_id == school_id)
    )
    if row is None:
        row = OutboundSettings(
            school_id=school_id,
            absence_call_time=dt.time(10, 0),
            absence_calls=True,
            duty_name="",
            duty_channel=AlertChannel.BOTH,
            retry_rounds=3,
            retry_minutes=10,
        )
    return row
