"""Issue 14: one calendar rule for every entry dated to a lesson day. A grade dated on a Sunday
or a holiday was accepted while an absence was refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import core
from gradebook import grades
from models import Curriculum
from models import Grade
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import db
from tests.test_staff_diary import pupils


def _column(demo_app: Flask, day: str) -> tuple[core.Actor, Curriculum, int]:
    admin_id = db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou1.demo.bg")
    )
    curriculum = db.session.scalars(
        sa.select(Curriculum)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(Curriculum.school_id == 1, SchoolClass.grade_level >= 5)
    ).first()
    assert curriculum is not None
    return core.Actor.load(admin_id, 1), curriculum, pupils(curriculum.class_id)[0]


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        pytest.param("2026-11-22", "неделя: класът няма часове", id="sunday"),
        pytest.param("2026-11-21", "събота: класът няма часове", id="saturday-no-lessons"),
        pytest.param("2026-11-20", None, id="friday-a-school-day"),
    ],
)
def test_a_grade_column_keeps_to_the_calendar(
    demo_app: Flask, day: str, refused: str | None
) -> None:
    actor, curriculum, pupil = _column(demo_app, day)
    before = db.session.scalar(sa.select(sa.func.count(Grade.id)))
    if refused is None:
        grades.save_grade_column(
            actor, curriculum.id, kind="current", date=day, values={pupil: "5"}, override_lock=True
        )
        assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == before + 1
        return
    with pytest.raises(core.Invalid) as error:
        grades.save_grade_column(
            actor, curriculum.id, kind="current", date=day, values={pupil: "5"}, override_lock=True
        )
    assert refused in error.value.message_bg and error.value.errors["date"] == "Почивен ден."
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == before


def test_a_grade_on_a_holiday_is_refused_naming_it(demo_app: Flask) -> None:
    actor, curriculum, pupil = _column(demo_app, "2026-11-18")
    year = db.session.get(SchoolYear, curriculum.school_class.school_year_id)
    db.session.add(
        NonSchoolDay(
            school_year_id=year.id, date_from=year.starts_on.replace(month=11, day=18),
            date_to=year.starts_on.replace(month=11, day=18), name="Ден на будителите (пренесен)",
        )
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(core.Invalid) as error:
        grades.save_grade_column(
            actor, curriculum.id, kind="current", date="2026-11-18", values={pupil: "5"},
            override_lock=True,
        )  # fmt: skip
    assert "неучебен ден (Ден на будителите (пренесен))" in error.value.message_bg


@pytest.mark.parametrize(
    ("call", "field", "limit"),
    [
        pytest.param("event", "description", 2000, id="event-description"),
        pytest.param("meeting", "place", 200, id="meeting-place"),
        pytest.param("meeting", "topic", 1000, id="meeting-topic"),
        pytest.param("grade", "comment", 500, id="grade-comment"),
    ],
)
def test_a_text_over_its_limit_is_refused_never_cut(
    demo_app: Flask, call: str, field: str, limit: int
) -> None:
    """Issue 14: long text was cut silently at the limit; now the field says its limit."""
    from gradebook import events

    actor, curriculum, pupil = _column(demo_app, "2026-11-20")
    text = "а" * (limit + 1)
    with pytest.raises(core.Invalid) as error:
        if call == "event":
            events.save_event(
                actor, kind="school_event", title="Контролна", date="2026-12-10",
                class_id=curriculum.class_id, description=text,
            )  # fmt: skip
        elif call == "meeting":
            events.save_meeting(
                actor, class_id=curriculum.class_id, date="2026-12-10", time="18:00",
                **{field: text},
            )  # fmt: skip
        else:
            grades.save_grade_column(
                actor, curriculum.id, kind="current", date="2026-11-20", values={pupil: "5"},
                comment=text, override_lock=True,
            )  # fmt: skip
    assert error.value.errors[field] == f"Най-много {limit} знака (сега {limit + 1})."
