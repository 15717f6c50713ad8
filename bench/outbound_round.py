"""Benchmark of the outbound calls: a school-wide voice message placed by two ``flask notify
worker`` processes against the local fake Twilio (``notify/fake_twilio.py``, a multi-threaded
HTTP server in its own process) on PostgreSQL. Prints, for each rate:

1. **Rate kept**: the most calls the fake received within any one second (its own clock),
   against ``OUTBOUND_CALLS_PER_SECOND`` (goal: never above it); the throughput (calls a second
   from the first call to the last) and what 24,000 families would take at it (goal at 30 calls
   a second: within 15 minutes).
2. **Absence deadline → first call**: the scheduler's job at the school's time, then one worker
   pass; the time until the fake has the call (goal ≤ 60 s; the job itself runs every minute, so
   add up to 60 s of waiting for the job in production).

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/outbound_round.py [--slow 20] [--fast 900] [--workers 2]

``--slow`` families at 1 call a second, ``--fast`` families at 30. Uses a private schema of that
database (dropped afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import FakeProcess  # noqa: E402
from bench._common import empty_app  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import private_schema  # noqa: E402
from bench._common import schema_url  # noqa: E402


def families(count: int, prefix: str) -> int:
    """A school with ``count`` families (one pupil, one guardian with a verified phone each)
    and one urgent voice notice per family; returns the school id."""
    from gradebook.rules import new_student_code
    from ivr.urgent import start_notice
    from models import Guardian
    from models import GuardianStudent
    from models import NoticePurpose
    from models import School
    from models import Student
    from models import db

    school = School(name="СУ „Бенчмарк“", neispuo_code=f"9{prefix}{count:05d}"[:7], town="София")
    school.quiet_start = school.quiet_end = dt.time(0, 0)
    db.session.add(school)
    db.session.flush()
    for i in range(count):
        student = Student(school_id=school.id, first_name=f"Ученик{i}", last_name="Тестов",
                          student_code=new_student_code())  # fmt: skip
        guardian = Guardian(full_name="Родител", phone=f"+359888{prefix}{i:05d}",
                            phone_verified_at=dt.datetime(2026, 9, 1))  # fmt: skip
        db.session.add_all([student, guardian])
        db.session.flush()
        db.session.add(GuardianStudent(guardian_id=guardian.id, student_id=student.id,
                                       school_id=school.id))  # fmt: skip
        db.session.flush()
        start_notice(school_id=school.id, purpose=NoticePurpose.BROADCAST, day=dt.date.today(),
                     student_ids=[student.id], guardian_ids=[guardian.id],
                     payload={"text": "Утре училището е затворено.", "sms": "Utre"},
                     voice_only=True)  # fmt: skip
    db.session.commit()
    return school.id


def busiest_second(times: list[float]) -> int:
    """The most moments of ``times`` within any one second (a window [t, t + 1))."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def start_workers(
    url: str, schema: str, tmp: str, fake: FakeProcess, cps: float, count: int
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": schema_url(url, schema),
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": tmp,
        "TWILIO_AUTH_TOKEN": "bench",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_API_BASE": fake.base_url,
        "INFO_PHONE_NUMBER": "+35924001234",
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",
        "SMS_BACKEND": "console",
        "EMAIL_BACKEND": "console",
        "OUTBOUND_CALLS_PER_SECOND": str(cps),
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "notify", "worker", "--idle", "0.2"]
    return [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]


def round_at(
    app: Any, fake: FakeProcess, url: str, schema: str, tmp: str, count: int, cps: float,
    prefix: str, workers: int,
) -> None:  # fmt: skip
    with app.app_context():
        families(count, prefix)
    before = fake.call_count()
    procs = start_workers(url, schema, tmp, fake, cps, workers)
    started = time.monotonic()
    try:
        while time.monotonic() - started < count / cps * 1.5 + 60:
            if fake.call_count() - before >= count:
                break
            time.sleep(0.5)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    times = sorted(fake.call_times()[before:])
    with app.app_context():  # when each request left its worker (placed_at, the real clock)
        from models import OutboundCall
        from models import db

        sent = [
            (moment - dt.datetime(2026, 1, 1)).total_seconds()
            for moment in db.session.scalars(
                sa.select(OutboundCall.placed_at).where(
                    OutboundCall.placed_at.is_not(None),
                    OutboundCall.to_number.like(f"+359888{prefix}%"),
                )
            )
        ]
        db.session.remove()
    seconds = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / seconds if seconds else 0.0
    busiest = busiest_second(times)
    verdict = "kept" if busiest <= cps else "EXCEEDED"
    left = busiest_second(sent)
    print(
        f"{cps:>4.0f} calls/s, {workers} worker processes: {len(times)} of {count} calls in"
        f" {seconds:.1f} s = {rate:.2f} calls/s; busiest second {busiest} calls (limit"
        f" {cps:.0f}: {verdict}; as the requests left the workers: {left});"
        f" 24,000 families at this pace:"
        f" {24000 / max(rate, 1e-9) / 60:.1f} min",
        flush=True,
    )


def first_call(app: Any, fake: FakeProcess) -> None:
    from config.settings import TZ
    from gradebook.rules import new_student_code
    from ivr import outbound
    from ivr.absence_calls import absence_call_job
    from models import Absence
    from models import AbsenceKind
    from models import Enrollment
    from models import Guardian
    from models import GuardianStudent
    from models import OutboundCall
    from models import OutboundNotice
    from models import School
    from models import SchoolClass
    from models import SchoolYear
    from models import Student
    from models import db

    with app.app_context():
        # what a round left unplaced (cut off by its time limit) would be claimed first
        db.session.execute(
            sa.update(OutboundCall)
            .where(OutboundCall.status.in_(["pending", "sending", "unknown"]))
            .values(status="cancelled")
        )
        db.session.execute(
            sa.update(OutboundNotice)
            .where(OutboundNotice.state == "active")
            .values(state="cancelled")
        )
        db.session.commit()
        today = dt.date.today()
        school = School(name="СУ „Първи час“", neispuo_code="8000001", town="София")
        school.quiet_start = school.quiet_end = dt.time(0, 0)
        db.session.add(school)
        db.session.flush()
        year = SchoolYear(school_id=school.id, name="2026/2027", starts_on=today - dt.timedelta(90),
                          term2_starts_on=today + dt.timedelta(60), ends_on=today + dt.timedelta(200))  # fmt: skip
        db.session.add(year)
        db.session.flush()
        klass = SchoolClass(school_id=school.id, school_year_id=year.id, grade_level=5, name="5а")
        student = Student(school_id=school.id, first_name="Иван", last_name="Петров",
                          student_code=new_student_code())  # fmt: skip
        guardian = Guardian(full_name="Мама", phone="+359888777000",
                            phone_verified_at=dt.datetime(2026, 9, 1))  # fmt: skip
        db.session.add_all([klass, student, guardian])
        db.session.flush()
        db.session.add_all([
            Enrollment(school_id=school.id, student_id=student.id, class_id=klass.id,
                       class_number=1, enrolled_on=year.starts_on),
            GuardianStudent(guardian_id=guardian.id, student_id=student.id, school_id=school.id),
            Absence(school_id=school.id, school_year_id=year.id, student_id=student.id,
                    date=today, period=1, term=1, kind=AbsenceKind.UNEXCUSED),
        ])  # fmt: skip
        db.session.commit()
        before = fake.call_count()
        start = time.monotonic()
        absence_call_job(dt.datetime.now(TZ).replace(hour=10, minute=0))
        outbound.run_pass("w1")
        while fake.call_count() == before and time.monotonic() - start < 60:
            outbound.run_pass("w1")
        print(
            f"absence deadline → first call at Twilio: {time.monotonic() - start:.2f} s (goal ≤ 60 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow", type=int, default=20, help="families at 1 call a second")
    parser.add_argument("--fast", type=int, default=900, help="families at 30 calls a second")
    parser.add_argument("--workers", type=int, default=2, help="notify worker processes")
    args = parser.parse_args()
    url = postgres_url()
    print(machine(), flush=True)
    with private_schema(url) as schema, tempfile.TemporaryDirectory() as tmp:
        fake = FakeProcess()
        app = empty_app(url, tmp, schema, TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                        TWILIO_API_BASE=fake.base_url, INFO_PHONE_NUMBER="+35924001234",
                        PUBLIC_BASE_URL="http://127.0.0.1:9")  # fmt: skip
        try:
            if args.slow:
                round_at(app, fake, url, schema, tmp, args.slow, 1, "1", args.workers)
            if args.fast:
                round_at(app, fake, url, schema, tmp, args.fast, 30, "2", args.workers)
            first_call(app, fake)
        finally:
            fake.stop()
            with app.app_context():
                from models import db

                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
