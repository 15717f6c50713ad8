"""Outbound calls on PostgreSQL: a worker process killed between claiming a call and hearing
Twilio's answer (the call is found, never placed twice), a claim of a dead worker, and the
calls-per-second limit kept by two workers together (the shared slot row)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import Flask

from config.settings import TZ
from ivr import outbound
from ivr import urgent
from ivr.absence_calls import absence_call_job
from models import OutboundCall
from models import School
from models import db
from notify.fake_twilio import FakeTwilio
from tests.notify_helpers import worker_env
from tests.outbound_helpers import AT
from tests.outbound_helpers import guardian
from tests.outbound_helpers import pupil
from tests.outbound_helpers import school_with_class
from tests.outbound_helpers import use_fake

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent


def families(count: int) -> None:
    school, klass = school_with_class()
    school.quiet_start = school.quiet_end = dt.time(0, 0)  # the subprocess runs on the real clock
    for i in range(count):
        guardian(pupil(school, klass, f"Ученик{i:03d}", (1,)), phone=f"+35988830{i:04d}")
    db.session.commit()
    absence_call_job(dt.datetime.fromisoformat(AT).replace(tzinfo=TZ))
    urgent.advance_due()


def calls() -> list[OutboundCall]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboundCall).order_by(OutboundCall.id)))


def test_worker_killed_while_twilio_has_the_call_never_places_it_again(
    pg_app: Flask, tmp_path: Path
) -> None:
    fake = FakeTwilio().start()
    use_fake(pg_app, fake)
    families(1)
    fake.hold_from = 1  # Twilio creates the call and never answers the create
    env = worker_env(pg_app, fake, tmp_path, SMS_BACKEND="console", EMAIL_BACKEND="console",
                     INFO_PHONE_NUMBER="+35924001234")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "notify", "worker", "--idle", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        if not fake.held.wait(60):
            proc.kill()
            proc.wait(10)
            pytest.fail("the worker never placed the call: " + proc.stderr.read().decode()[-2000:])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()  # type: ignore[union-attr]
    (row,) = calls()
    assert row.status.value == "sending" and row.call_sid is None
    fake.release.set()
    fake.hold_from = None
    pg_app.config.update(NOTIFY_STALE_SECONDS=0, NOW=None)  # the dead worker's claim: real clock
    outbound.run_pass("second")
    outbound.run_pass("third")
    fake.stop()
    (row,) = calls()
    assert len(fake.calls) == 1
    assert row.status.value == "placed" and row.call_sid == fake.calls[0]["sid"]
    assert row.attempts == 1


def test_claim_of_a_dead_worker_is_placed_once(pg_app: Flask) -> None:
    fake = FakeTwilio().start()
    use_fake(pg_app, fake)
    families(3)
    assert len(outbound.claim("dead")) == 3
    pg_app.config.update(NOTIFY_STALE_SECONDS=0)
    outbound.run_pass("second")
    outbound.run_pass("third")
    fake.stop()
    assert len(fake.calls) == 3 and len({c["to"] for c in fake.calls}) == 3
    assert {c.status.value for c in calls()} == {"placed"}


def test_two_workers_keep_the_calls_per_second_limit_together(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTwilio().start()
    use_fake(pg_app, fake, OUTBOUND_CALLS_PER_SECOND=10)
    families(30)
    start = threading.Barrier(2)
    taken: list[dt.datetime] = []
    used: list[dt.datetime] = []
    take, wait = outbound.take_slot, outbound.wait_for_slot

    def took(*args: object, **kwargs: object) -> dt.datetime:
        slot = take(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(slot)
        return slot

    def waited(*args: object, **kwargs: object) -> dt.datetime:
        slot = wait(*args, **kwargs)  # type: ignore[arg-type]
        used.append(slot)
        return slot

    monkeypatch.setattr(outbound, "take_slot", took)
    monkeypatch.setattr(outbound, "wait_for_slot", waited)

    def work(name: str) -> None:
        with pg_app.app_context():
            start.wait()
            for _ in range(10):
                outbound.run_pass(name, limit=5)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    fake.stop()
    rows = calls()
    assert len(fake.calls) == 30 and {r.status.value for r in rows} == {"placed"}
    assert {r.claimed_by for r in rows} == {"w1", "w2"}  # both worked
    # the two workers together hand out start moments 1 / (10 × 0.95) s apart (the guarantee),
    # a moment missed by a late thread is given up, never used late…
    gap = 1 / (10 * outbound.headroom())
    assert len(used) == 30 and len(taken) >= 30
    assert all((b - a).total_seconds() >= gap - 1e-6 for a, b in itertools.pairwise(sorted(taken)))
    # …so no second holds more than 10 starts; the fake (in this process, sharing its GIL with
    # both workers) sees them at that pace, give or take the jitter of a loaded machine
    starts = [(s - used[0]).total_seconds() for s in sorted(used)]
    assert max(sum(1 for t in starts if c <= t < c + 1) for c in starts) <= 10
    created = sorted(fake.created_at)
    assert created[-1] - created[0] >= 29 * gap - 0.3
    assert max(sum(1 for t in created if c <= t < c + 1) for c in created) <= 11
    assert School is not None
