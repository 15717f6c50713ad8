"""The phone line on PostgreSQL: a retried step arriving several times at once is answered
once (the call row is locked FOR UPDATE), and nothing is counted twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from ivr.client import FlaskTransport, PhoneCall
from models import AuthFailure, CallSession, db

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
        sa.select(AuthFailure.scope, sa.func.count()).group_by(AuthFailure.scope)
    ).all()
    assert dict(scopes) == {"ivr_number": 1, "ivr_code": 1}  # the number and the child, once
