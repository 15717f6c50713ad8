"""The phone line on PostgreSQL: a retried step arriving several times at once is answered
once (the call row is locked FOR UPDATE), and nothing is counted twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import AttemptCounter
from models import CallSession
from models import db
from tests.test_ivr_calls import term_one_mark_counts

pytestmark = pytest.mark.postgres


def test_concurrent_retries_of_one_step(pg_app: Flask) -> None:
    from gradebook.demo import build_demo

    result = build_demo(
        seed=5, schools=1, today=dt.date(2026, 11, 25), students_per_class=6, levels=(5,)
    )
    db.session.remove()
    known = result.phone_parents[0]
    call = PhoneCall(FlaskTransport(pg_app), from_number=known["phone"])
    call.start()
    path = call.gather["action"]  # type: ignore[index]
    params = call._params({"Digits": "0000"})  # a wrong PIN, delivered four times at once
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        transport = FlaskTransport(pg_app)
        other = PhoneCall(transport, from_number=known["phone"], call_sid=call.call_sid)
        barrier.wait()
        answers.append(other._send(path, params))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4 and len({body for _, body in answers}) == 1
    assert all(status == 200 for status, _ in answers)
    assert "не са верни" in answers[0][1]
    session = db.session.scalars(sa.select(CallSession)).one()
    assert session.failures == 1
    scopes = db.session.execute(
        sa.select(AttemptCounter.scope, sa.func.sum(AttemptCounter.attempts)).group_by(
            AttemptCounter.scope
        )
    ).all()
    # the number and the child once; the child's count in a row once
    assert dict(scopes) == {"ivr_number": 1, "ivr_child": 1, "ivr_pin_row": 1}


def test_grade_three_marks_counted_on_postgres(pg_app: Flask) -> None:
    """The counted marks survive the JSON column of PostgreSQL (whose JSONB does not keep key
    order): best mark first, and no average anywhere in the headline, menu 3 or menu 7."""
    from gradebook.demo import build_demo
    from ivr import content
    from ivr import speech
    from models import Student

    result = build_demo(
        seed=5, schools=1, today=dt.date(2026, 11, 25), students_per_class=6, levels=(3,)
    )
    db.session.remove()
    known = result.phone_parents[0]
    student = db.session.scalars(
        sa.select(Student).where(Student.student_code == known["code"])
    ).one()
    counts = term_one_mark_counts(student)
    db.session.remove()
    assert len(counts) >= 2, "marks of more than one kind, so that their order matters"
    counted = speech.marks_phrase(counts)

    call = PhoneCall(FlaskTransport(pg_app), from_number="+359888000321")
    call.start()
    call.press(known["code"] + "#")
    headline = call.press(known["pin"] + "#")
    assert headline.said[0] == f"{student.first_name}: този срок – {counted}."
    menu3 = call.press("3")
    assert menu3.said[0] == f"Оценки този срок: {counted}."
    menu7 = call.press("7")
    assert menu7.said[:2] == list(content.COMPARE_QUALITATIVE)
    heard = " ".join(headline.said + menu3.said + menu7.said)
    assert "цяло" not in heard and "стотн" not in heard and "над класа" not in heard
