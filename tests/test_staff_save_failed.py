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
from gradebook.demo import build_demo
from models import AuditLog
from models import Curriculum
from models import Grade
from models import GuardianStudent
from models import NotificationOutbox
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff
from tests.test_faults import REFUSE_OUTBOX

TODAY = dt.date(2026, 11, 25)
CONFLICT_WORDS = "междувременно е променен"


@pytest.fixture(params=["sqlite", "postgresql"])
def school_app(request: pytest.FixtureRequest) -> Flask:
    if request.param == "sqlite":
        return request.getfixturevalue("demo_app")  # type: ignore[no-any-return]
    app: Flask = request.getfixturevalue("pg_app")
    build_demo(seed=7, schools=1, today=TODAY, students_per_class=6, levels=(5,))
    return app


def teacher_curriculum() -> Curriculum:
    curriculum = db.session.scalar(
        sa.select(Curriculum).where(Curriculum.teacher_id.is_not(None)).order_by(Curriculum.id)
    )
    assert curriculum is not None and curriculum.teacher_id is not None
    return curriculum


def pupil_with_parents(curriculum: Curriculum) -> int:
    linked = set(db.session.scalars(sa.select(GuardianStudent.student_id)))
    return next(
        e.student_id for e in core.active_enrollments(curriculum.class_id) if e.student_id in linked
    )


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Grade, AuditLog, NotificationOutbox)
    )


def refuse_outbox(on: bool) -> None:
    dialect = db.engine.dialect.name
    if on:
        for statement in REFUSE_OUTBOX[dialect]:
            db.session.execute(sa.text(statement))
    else:
        on_table = " ON notification_outbox" if dialect == "postgresql" else ""
        db.session.execute(sa.text("DROP TRIGGER outbox_down" + on_table))
    db.session.commit()


def test_use_case_reports_save_failed_not_conflict(
    school_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    curriculum = teacher_curriculum()
    assert curriculum.teacher_id is not None
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    student_id = pupil_with_parents(curriculum)
    before = counts()
    refuse_outbox(True)
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
    refuse_outbox(True)

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

    refuse_outbox(False)  # the database is fine again: the same form, sent again, is saved
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
