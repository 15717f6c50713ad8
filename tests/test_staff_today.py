"""Issue 14: a teacher's "Днес" lists this school year's lessons only (with a past year kept, it
listed 14 lessons, two a period, half of them opening last year's empty registers)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from models import SchoolClass
from models import SchoolYear
from models import TimetableSlot
from models import db
from tests.conftest import login_staff


def test_today_lists_this_years_lessons_only(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["demo", "--students-per-class", "2", "--today", "25.11.2026", "--history-years", "1"]
    )
    assert result.exit_code == 0, result.output
    app.config["NOW"] = "2026-11-25T09:00"  # a Wednesday
    current = SchoolYear.current_for(1).id
    assert db.session.scalar(sa.select(sa.func.count(SchoolYear.id))) == 2  # one past year kept
    client = app.test_client()
    login_staff(client, "uchitel13@sou1.demo.bg")
    html = client.get("/staff/").get_data(as_text=True)
    slot_ids = {int(i) for i in re.findall(r"/staff/lesson/(\d+)", html)}
    assert slot_ids, "the teacher has lessons on Wednesdays"
    years = set(
        db.session.scalars(
            sa.select(SchoolClass.school_year_id)
            .join(TimetableSlot, TimetableSlot.class_id == SchoolClass.id)
            .where(TimetableSlot.id.in_(slot_ids))
        )
    )
    assert years == {current}
    periods = db.session.scalars(
        sa.select(TimetableSlot.period).where(TimetableSlot.id.in_(slot_ids))
    ).all()
    assert len(periods) == len(set(periods))  # one lesson a period
