"""`flask notify …`: the worker once with the file backend, send-test, the scheduler's jobs."""

from __future__ import annotations

import json
from pathlib import Path

from models import NotifyEvent
from models import OutboxStatus
from models import db
from notify.outbox import enqueue_for_students
from notify.scheduler import background_scheduler
from tests.notify_helpers import family
from tests.notify_helpers import grade_payload
from tests.notify_helpers import rows


def test_worker_once_writes_files_in_development(app, runner) -> None:  # type: ignore[no-untyped-def]
    app.config.update(SMS_BACKEND="file", EMAIL_BACKEND="file")
    school, student, guardian = family()
    enqueue_for_students(
        [student.id], NotifyEvent.GRADE, school_id=school.id, object_type="grade", object_id=1,
        payload=grade_payload(), urgent=True,
    )  # fmt: skip
    db.session.commit()
    result = runner.invoke(args=["notify", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    folder = Path(app.config["OUTBOX_DIR"])
    sms = json.loads(next(folder.glob("sms-*.json")).read_text())
    assert sms["to"] == guardian.phone and "Otlichen 5,50" in sms["body"]
    mail = json.loads(next(folder.glob("email-*.json")).read_text())
    assert mail["subject"] == "Бележник: Нова оценка — Иван" and "<html" in mail["html"]
    db.session.expire_all()
    assert {r.status for r in rows()} == {OutboxStatus.SENT}


def test_send_test_prints_on_the_console(app, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["notify", "send-test", "--sms", "0888 123 456", "--email", "a@b.bg"]
    )
    assert result.exit_code == 0, result.output
    assert "[SMS → +359888123456] Probno saobshtenie ot Belezhnik." in result.output
    assert "[e-mail → a@b.bg] Бележник: Пробно съобщение" in result.output
    bad = runner.invoke(args=["notify", "send-test", "--sms", "12"])
    assert bad.exit_code != 0


def test_scheduler_has_the_jobs(app) -> None:  # type: ignore[no-untyped-def]
    scheduler = background_scheduler(app)
    assert {job.id for job in scheduler.get_jobs()} == {
        "fold_digests", "meeting_reminders", "threshold_checks", "reconcile", "purge_uploads",
        "reconcile_calls", "absence_calls", "purge_attempts", "purge_expired", "ensure_partitions",
    }  # fmt: skip
