"""Benchmark of the notification sender. Prints three figures:

1. **Drain rate** of ONE worker against a local fake Twilio HTTP server (``notify/fake_twilio.py``),
   on PostgreSQL: N urgent SMS rows, the time from the first claim to the last ``sent``
   (goal ≥ 200 messages/s).
2. **Latency** from a saved grade (the staff web's commit of the grade and its outbox rows) to the
   provider call, outside quiet hours, with a worker polling beside it (goal ≤ 5 s). Measured with
   the coalescing window set to 0; in production add NOTIFY_COALESCE_SECONDS (default 120 s), which
   is deliberate: it lets a teacher correct a grade before it is sent.
3. **One-segment share**: every grade, absence, late, remark, praise, health note, event and
   parent meeting of the demo school rendered as the single-event SMS a parent gets (Latin, the
   default), before any shortening; the share that fits one segment (goal ≥ 95 %). The Cyrillic
   share (70 characters a segment) is printed beside it.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/notify_drain.py [--messages 2000] [--grades 20]

Uses a private schema of that database (dropped afterwards); part 3 uses a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import _common  # noqa: E402
from bench._common import FakeProcess  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import private_schema  # noqa: E402
from bench._common import schema_url  # noqa: E402

SID = "AC" + "0" * 32


def make_app(url: str, tmp: Path, **extra: Any) -> Any:
    """The app sending SMS through Twilio's API (the fake one of ``FakeProcess``)."""
    config: dict[str, Any] = {
        "OUTBOX_DIR": str(tmp / "outbox"),
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_SMS_FROM": "Belezhnik",
        "SMS_BACKEND": "twilio",
        "EMAIL_BACKEND": "console",
        "NOW": None,
    }
    config.update(extra)
    return _common.make_app(url, tmp, **config)


def families(count: int) -> tuple[int, list[int]]:
    """A school without quiet hours and ``count`` pupils, each with one SMS-only parent."""
    import datetime as dt

    from models import Guardian
    from models import GuardianStudent
    from models import School
    from models import Student
    from models import db

    school = School(
        name="СУ „Бенчмарк“",
        neispuo_code=f"{uuid.uuid4().int % 10**7:07d}",
        quiet_start=dt.time(0, 0),
        quiet_end=dt.time(0, 0),
    )
    db.session.add(school)
    db.session.flush()
    ids = []
    for i in range(count):
        student = Student(
            school_id=school.id,
            first_name=f"Ученик{i}",
            last_name="Тестов",
            student_code=f"{1000000000 + i}",
        )
        guardian = Guardian(
            full_name="Родител",
            phone=f"+3598881{i:05d}",
            phone_verified_at=dt.datetime(2026, 9, 1),
        )
        db.session.add_all([student, guardian])
        db.session.flush()
        db.session.add(
            GuardianStudent(guardian_id=guardian.id, student_id=student.id, school_id=school.id)
        )
        ids.append(student.id)
    db.session.commit()
    return school.id, ids


def enqueue_grade(school_id: int, student_id: int, urgent: bool, value: str = "5.50") -> None:
    from models import NotifyEvent
    from notify.outbox import enqueue_for_students

    enqueue_for_students(
        [student_id],
        NotifyEvent.GRADE,
        school_id=school_id,
        object_type="grade",
        object_id=student_id,
        payload={"subject": "Математика", "value": value, "kind": "current", "date": "2026-11-25"},
        urgent=urgent,
    )


def drain_rate(url: str, tmp: Path, messages: int) -> float:
    from models import db
    from notify.worker import Worker

    fake = FakeProcess()
    app = make_app(url, tmp, TWILIO_API_BASE=fake.base_url, NOTIFY_BATCH=100)
    with app.app_context():
        db.create_all()
        school_id, ids = families(messages)
        for student_id in ids:
            enqueue_grade(school_id, student_id, urgent=True)
        db.session.commit()
        worker = Worker(name="bench")
        started = time.perf_counter()
        stats = worker.drain()
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    received = fake.count()
    fake.stop()
    assert stats.sent == messages == received, (stats, received)
    return messages / seconds


def latency(url: str, tmp: Path, grades: int) -> list[float]:
    from models import db
    from notify.worker import Worker

    fake = FakeProcess()
    app = make_app(url, tmp, TWILIO_API_BASE=fake.base_url, NOTIFY_COALESCE_SECONDS=0)
    stop = threading.Event()
    with app.app_context():
        db.drop_all()
        db.create_all()
        school_id, ids = families(grades)

    def run_worker() -> None:
        with app.app_context():
            Worker(name="latency").run(stop, idle_seconds=0.5)

    thread = threading.Thread(target=run_worker, daemon=True)
    thread.start()
    results = []
    with app.app_context():
        for i, student_id in enumerate(ids):
            before = fake.count()
            saved = time.perf_counter()
            enqueue_grade(
                school_id, student_id, urgent=False, value=("4.50", "5.75", "3.25")[i % 3]
            )
            db.session.commit()  # the staff web's transaction
            while fake.count() == before:
                time.sleep(0.01)
            results.append(time.perf_counter() - saved)
            time.sleep(0.13 * (i % 5))  # grades arrive at random moments of the poll cycle
        db.session.remove()
    stop.set()
    thread.join(10)
    fake.stop()
    return results


def segment_share(tmp: Path) -> tuple[int, Counter[int], Counter[int], Counter[str]]:
    """Render every single-event SMS of the demo school; count segments (Latin, Cyrillic)."""
    import datetime as dt

    from gradebook.demo import build_demo
    from models import Absence
    from models import AbsenceKind
    from models import Event
    from models import Grade as GradeRow
    from models import HealthNote
    from models import ParentMeeting
    from models import Remark
    from models import RemarkKind
    from models import db
    from notify.messages import BRAND
    from notify.messages import line
    from notify.sms import segments
    from notify.sms import transliterate

    try:
        from gradebook.grades import _grade_payload
    except ImportError:  # pragma: no cover
        _grade_payload = None

    app = make_app(f"sqlite:///{tmp / 'demo.sqlite3'}", tmp, SMS_BACKEND="console")
    latin: Counter[int] = Counter()
    cyrillic: Counter[int] = Counter()
    long_kinds: Counter[str] = Counter()
    total = 0

    def count(kind: str, event: str, payload: dict[str, Any]) -> None:
        nonlocal total
        text = f"{line(event, payload)}. {BRAND}"
        n_latin = segments(transliterate(text))[1]
        latin[n_latin] += 1
        cyrillic[segments(text)[1]] += 1
        if n_latin > 1:
            long_kinds[kind] += 1
        total += 1

    with app.app_context():
        db.create_all()
        build_demo(seed=1, schools=1, today=dt.date(2026, 11, 25))
        for grade in db.session.scalars(sa.select(GradeRow)):
            if _grade_payload is not None:
                payload = _grade_payload(grade, grade.student, grade.subject)
            else:
                payload = {
                    "student": grade.student.first_name,
                    "subject": grade.subject.name,
                    "value": str(grade.value),
                    "kind": grade.kind.value,
                    "date": grade.date.isoformat(),
                }
            count("grade", "grade", payload)
        for absence in db.session.scalars(sa.select(Absence)):
            event = "late" if absence.kind is AbsenceKind.LATE else "absence"
            payload = {
                "student": absence.student.first_name,
                "subject": absence.subject.name if absence.subject else "",
                "kind": absence.kind.value,
                "period": absence.period,
                "date": absence.date.isoformat(),
            }
            count(event, event, payload)
        for remark in db.session.scalars(sa.select(Remark)):
            event = "praise" if remark.kind is RemarkKind.PRAISE else "remark"
            payload = {
                "student": remark.student.first_name,
                "text": remark.text,
                "date": remark.date.isoformat(),
            }
            count(event, event, payload)
        for note in db.session.scalars(sa.select(HealthNote)):
            count(
                "health",
                "health",
                {"student": note.student.first_name, "date": note.date_from.isoformat()},
            )
        for event_row in db.session.scalars(sa.select(Event)):
            payload = {
                "student": "Александра",  # the longest common first names are the worst case
                "title": event_row.title,
                "date": event_row.date.isoformat(),
                "time": event_row.time.strftime("%H:%M") if event_row.time else None,
            }
            count("event", "event", payload)
        for meeting in db.session.scalars(sa.select(ParentMeeting)):
            payload = {
                "student": "Александра",
                "date": meeting.date.isoformat(),
                "time": meeting.time.strftime("%H:%M"),
                "place": meeting.place,
            }
            count("meeting", "meeting", payload)
        db.session.remove()
        db.engine.dispose()
    return total, latin, cyrillic, long_kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--grades", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    url = postgres_url()

    with private_schema(url) as schema, tempfile.TemporaryDirectory() as folder:
        db_url = schema_url(url, schema)
        tmp = Path(folder)
        rate = drain_rate(db_url, tmp, args.messages)
        print(
            f"1. drain rate, one worker, fake Twilio over HTTP: {rate:,.0f} messages/s "
            f"({args.messages} SMS; goal ≥ 200) {'OK' if rate >= 200 else 'BELOW GOAL'}"
        )
        waits = latency(db_url, tmp, args.grades)
        p50, worst = statistics.median(waits), max(waits)
        print(
            f"2. saved grade → provider call (coalescing 0, poll 0.5 s): median {p50:.2f} s, "
            f"max {worst:.2f} s over {len(waits)} grades (goal ≤ 5 s) "
            f"{'OK' if worst <= 5 else 'ABOVE GOAL'}; in production + NOTIFY_COALESCE_SECONDS"
        )
        total, latin, cyrillic, long_kinds = segment_share(tmp)
        share = latin[1] / total * 100 if total else 0.0
        share_cyr = cyrillic[1] / total * 100 if total else 0.0
        print(
            f"3. single-event SMS of the demo school in one segment: {share:.1f} % Latin "
            f"({latin[1]} of {total}; goal ≥ 95 %) {'OK' if share >= 95 else 'BELOW GOAL'}; "
            f"Cyrillic {share_cyr:.1f} % (≤ 2 segments: "
            f"{(cyrillic[1] + cyrillic[2]) / max(total, 1) * 100:.1f} %)"
        )
        if long_kinds:
            print("   longer than one segment (Latin), by kind:", dict(long_kinds))


if __name__ == "__main__":
    main()
