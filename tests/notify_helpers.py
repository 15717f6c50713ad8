"""Small builders shared by the notify tests (not a test module)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

from gradebook.rules import new_student_code
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import OutboxStatus
from models import School
from models import SchoolYear
from models import Student
from models import db

SID = "AC" + "0" * 32  # the Twilio account of the fake (notify.fake_twilio)
_serial = {"n": 0}


def make_school(**extra: Any) -> School:
    _serial["n"] += 1
    school = School(
        name=f"СУ „Тест {_serial['n']}“",
        neispuo_code=f"{2000000 + _serial['n']:07d}",
        town="София",
        **extra,
    )
    db.session.add(school)
    db.session.flush()
    db.session.add(
        SchoolYear(
            school_id=school.id,
            name="2026/2027",
            starts_on=dt.date(2026, 9, 15),
            term2_starts_on=dt.date(2027, 2, 3),
            ends_on=dt.date(2027, 6, 30),
        )
    )
    db.session.flush()
    return school


def make_student(school: School, first_name: str = "Иван") -> Student:
    student = Student(
        school_id=school.id,
        first_name=first_name,
        last_name="Петров",
        student_code=new_student_code(),
    )
    db.session.add(student)
    db.session.flush()
    return student


def make_guardian(
    *students: Student,
    phone: str | None = "+359888123456",
    email: str | None = "mama@example.bg",
    verified: bool = True,
    **extra: Any,
) -> Guardian:
    _serial["n"] += 1
    if email:
        email = email.replace("@", f"+{_serial['n']}@")
    guardian = Guardian(
        full_name="Мария Петрова",
        phone=phone,
        email=email,
        password_hash=generate_password_hash("demo1234", method="pbkdf2:sha256:1000"),
        email_verified_at=dt.datetime(2026, 9, 1) if verified and email else None,
        phone_verified_at=dt.datetime(2026, 9, 1) if verified and phone else None,
        **extra,
    )
    db.session.add(guardian)
    db.session.flush()
    for student in students:
        db.session.add(
            GuardianStudent(
                guardian_id=guardian.id, student_id=student.id, school_id=student.school_id
            )
        )
    db.session.flush()
    return guardian


def family(**school_extra: Any) -> tuple[School, Student, Guardian]:
    school = make_school(**school_extra)
    student = make_student(school)
    guardian = make_guardian(student)
    db.session.commit()
    return school, student, guardian


def rows(**where: Any) -> list[NotificationOutbox]:
    query = db.select(NotificationOutbox).order_by(NotificationOutbox.id)
    for key, value in where.items():
        query = query.where(getattr(NotificationOutbox, key) == value)
    return list(db.session.scalars(query))


def grade_payload(value: str = "5.50", subject: str = "Математика") -> dict[str, Any]:
    return {"subject": subject, "value": value, "kind": "current", "date": dt.date(2026, 11, 25)}


def set_now(app: Any, iso: str) -> None:
    app.config["NOW"] = iso


SENT = OutboxStatus.SENT


def urgent_sms_rows(
    count: int, phone_prefix: str, subject: str, value: str, email_only: bool = False
) -> list[int]:
    """``count`` SMS-only parents (``email_only``: e-mail-only, ``p0001@example.bg``…) in a new
    school, one urgent grade each (distinct numbers and bodies), committed; returns the outbox
    row ids."""
    from models import NotifyEvent
    from notify.outbox import enqueue_for_students

    school = make_school()
    student_ids = []
    for i in range(count):
        student = make_student(school, f"Ученик{i:03d}")
        if email_only:
            make_guardian(student, phone=None, email=f"p{i:04d}@example.bg")
        else:
            make_guardian(student, phone=f"{phone_prefix}{i:04d}", email=None)
        student_ids.append(student.id)
    db.session.commit()
    for student_id in student_ids:
        enqueue_for_students(
            [student_id], NotifyEvent.GRADE, school_id=school.id, object_type="grade",
            object_id=student_id, payload={"subject": subject, "value": value, "kind": "current",
                                           "date": "2026-11-25"}, urgent=True,
        )  # fmt: skip
    db.session.commit()
    return list(
        db.session.scalars(db.select(NotificationOutbox.id).order_by(NotificationOutbox.id))
    )


def kill_worker_when(env: dict[str, str], reached: Any, what: str, settle: float = 0.5) -> int:
    """Start ``flask notify worker`` with ``env``, wait (90 s at most) until ``reached`` (a
    ``threading.Event`` the fake provider sets) is set, let the worker's other threads' requests
    arrive (``settle`` seconds) and kill it with SIGKILL. Returns its pid."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parent.parent
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "notify", "worker", "--idle", "0.2"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        if not reached.wait(90):
            worker.kill()
            worker.wait(10)
            pytest.fail(
                f"the worker never reached {what}: " + worker.stderr.read().decode()[-2000:]
            )  # type: ignore[union-attr]
        time.sleep(settle)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        worker.stderr.close()  # type: ignore[union-attr]
    return worker.pid


def worker_env(app: Any, fake: Any, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``flask notify worker`` subprocess on ``app``'s database, sending SMS
    to the FakeTwilio ``fake`` and e-mail to files under ``tmp_path``; ``extra`` adds or
    overrides variables."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "x",
        "TWILIO_AUTH_TOKEN": "test-twilio-token",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_SMS_FROM": "Belezhnik",
        "TWILIO_API_BASE": fake.base_url,
        "SMS_BACKEND": "twilio",
        "EMAIL_BACKEND": "file",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "INSTANCE_PATH": str(tmp_path),
        **extra,
    }
