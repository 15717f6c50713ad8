"""A grade save that the database refuses for a reason other than a concurrent edit (here: a
trigger refuses the outbox row, as in tests/test_faults.py) tells the teacher in Bulgarian that
nothing was saved and to try again (503), keeps what they typed, logs the English cause, and
never shows the optimistic-locking "changed by someone else" message. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import core
from gradebook import grades as grades_uc
from models import Grade
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff
from tests.test_faults import REFUSE_OUTBOX
from tests.test_faults import counts
from tests.test_faults import pupil_with_parents
from tests.test_faults import teacher_curriculum

TODAY = dt.date(2026, 11, 25)
CONFLICT_WORDS = "междувременно е променен"


def test_use_case_reports_save_failed_not_conflict(
    school_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    curriculum = teacher_curriculum()
    assert curriculum.teacher_id is not None
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    student_id = pupil_with_parents(curriculum)
    before = counts()
    REFUSE_OUTBOX.switch(True)
    with caplog.at_level(logging.ERROR, logger="belezhnik.staff"):
        with pytest.raises(core.SaveFailed) as info:
            grades_uc.save_grade_column(
                actor, curriculum.id, kind="current", date=TODAY, values={student_id: "6"}
            )
    assert not isinstance(info.value, core.Conflict)
    assert info.value.status == 503
    assert "нищо не е записано" in info.value.message_bg
    assert CONFLICT_WORDS not in info.value.message_bg
    assert "outbox unavailable" in caplog.text  # the English cause, for the operator
    db.session.expire_all()
    assert counts() == before


def test_the_grid_says_nothing_was_saved_and_keeps_the_typed_values(
    school_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    curriculum = teacher_curriculum()
    student_id = pupil_with_parents(curriculum)
    client = school_app.test_client()
    assert login_staff(client, curriculum.teacher.email).status_code == 302
    url = f"/staff/grid/{curriculum.id}"
    before = counts()
    REFUSE_OUTBOX.switch(True)

    page = client.get(url)
    assert page.status_code == 200
    data = {
        "kind": "current",
        "date": TODAY.isoformat(),
        f"g{student_id}": "6",
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    }
    with caplog.at_level(logging.ERROR, logger="belezhnik.staff"):
        refused = client.post(url, data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 503
    assert core.SAVE_FAILED_BG in html
    assert CONFLICT_WORDS not in html
    assert 'value="6"' in html  # nothing the teacher typed is lost
    assert "outbox unavailable" in caplog.text
    db.session.expire_all()
    assert counts() == before  # no grade, no audit row, no outbox row

    REFUSE_OUTBOX.switch(False)  # the database is fine again: the same form, sent again, is saved
    saved = client.post(url, data=data)
    assert saved.status_code == 302
    db.session.expire_all()
    grades, audits, outbox = counts()
    assert grades == before[0] + 1 and audits == before[1] + 1 and outbox > before[2]


def test_a_duplicate_key_of_a_concurrent_insert_is_still_a_conflict(school_app: Any) -> None:
    """The other half of the mapping: a unique key refusing the row is someone else's insert."""
    from sqlalchemy.exc import IntegrityError

    grade = db.session.scalar(sa.select(Grade).order_by(Grade.id))
    assert grade is not None
    copy = {c.name: getattr(grade, c.key) for c in Grade.__table__.columns if c.name != "school_id"}

    def duplicate() -> None:
        db.session.execute(sa.insert(Grade.__table__).values(**copy, school_id=grade.school_id))

    with pytest.raises(core.Conflict):
        core.atomic(duplicate)  # the same primary key: a unique violation

    def refused_by_a_check() -> None:  # a driver error that is not a duplicate key
        raise IntegrityError("INSERT ...", {}, Exception("CHECK constraint failed"))

    with pytest.raises(core.SaveFailed):
        core.atomic(refused_by_a_check)
