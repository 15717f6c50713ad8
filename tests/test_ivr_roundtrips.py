"""The phone line's hot path stays a handful of round trips to the database per step, whatever
the size of the school (issue #8: one indexed read per menu step). Counted with SQLAlchemy's
``before_cursor_execute`` event: behaviour, not timing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import Guardian
from models import GuardianStudent
from models import Student
from models import db

PIN = "2580"


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement.split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _one_child_parent() -> tuple[str, str]:
    phone, code = db.session.execute(
        sa.select(Guardian.phone, Student.student_code)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianStudent.student_id)
        .where(Guardian.email == "roditel1@sou1.demo.bg")
    ).one()
    return phone or "", code


@pytest.mark.parametrize(
    ("step", "most"),
    [
        pytest.param("greeting", 5, id="greeting: load, insert, lockout check, caller, update"),
        # the attempt is reserved before the PIN is checked (atomic) and given back once right
        pytest.param("pin", 7, id="PIN: load, reserve, PIN, give back, last call, summary, update"),
        pytest.param("menu", 2, id="menu key: load with summary, update"),
    ],
)
def test_known_caller_steps_are_few_round_trips(demo_app: Flask, step: str, most: int) -> None:
    number, _code = _one_child_parent()
    call = PhoneCall(FlaskTransport(demo_app), from_number=number)
    with statements() as seen:
        turn = call.start()
    if step != "greeting":
        with statements() as seen:
            turn = call.press(PIN + "#")
        assert "ПИН" not in " ".join(turn.said), turn.said  # the PIN was right
    if step == "menu":
        for key in "1234":
            with statements() as seen:
                turn = call.press(key)
            assert [s for s in seen if s not in ("SAVEPOINT", "RELEASE")] == ["SELECT", "UPDATE"]
    assert 0 < len(seen) <= most, seen


def test_unknown_caller_code_and_pin_stay_few_round_trips(demo_app: Flask) -> None:
    _number, code = _one_child_parent()
    call = PhoneCall(FlaskTransport(demo_app), from_number="+359888000111")
    call.start()
    with statements() as seen:
        call.press(code + "#")
    assert len(seen) <= 4, seen  # load, student, update (no limit asked: the PIN step counts)
    with statements() as seen:
        turn = call.press(PIN + "#")
    assert "този срок – " in " ".join(turn.said).lower()  # the grade-III headline
    assert len(seen) <= 7, seen  # load, reserve, PIN, give back, last call, summary, update
