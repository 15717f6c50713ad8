"""Timed notification jobs, run by APScheduler in exactly ONE process.

``flask --app app notify scheduler`` (a BlockingScheduler), or ``notify worker --with-scheduler``
(a BackgroundScheduler inside that one worker process; `make run` does this). Never start it inside
web workers: under gunicorn every job would run once per worker process. Several plain workers
may run beside the one scheduler.

Jobs (all idempotent, so a double run does no harm):

* ``fold_digests`` every minute: parents who chose the daily digest get it at the school's
  ``digest_time`` (rows are due then; see ``notify.worker.fold_digests``).
* ``meeting_reminders`` every 30 minutes: a parent meeting tomorrow → one reminder per parent
  (``ParentMeeting.reminder_sent_at`` marks it done; quiet hours still apply to the SMS).
* ``threshold_checks`` hourly: the monthly unexcused-hours alert (also checked whenever an
  absence is written), one per child per month.
* ``reconcile`` every minute: stale ``sending`` rows of dead workers, ``unknown`` outcomes.
* ``reconcile_calls`` every 5 minutes: phone calls whose status callback was lost (Twilio does
  not retry it) get their end from Twilio's REST API, or "unknown" (``ivr.reconcile``).
* ``absence_calls`` every minute: "your child is not at school" — at each school's time
  (default 10:00) one urgent notice per family of the pupils absent from the first lessons
  (``ivr.absence_calls``); the notices' further steps are taken by every worker pass.
* ``purge_uploads`` hourly: uploaded list files older than ``UPLOAD_RETENTION_HOURS``
  (``onboarding.uploads``).
* ``purge_attempts`` hourly: guessing counters of windows over a day old (``throttle.purge``).
* ``purge_expired`` daily at 03:30: calls, notification texts and codes kept longer than their
  retention settings (``retention.purge``; ``docs/PRIVACY.md``).
* ``ensure_partitions`` daily at 03:45 and at start: on PostgreSQL, the ``grade`` and
  ``absence`` partitions of the current and the next academic year (``partitions.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from config import clock
from models import Absence
from models import AbsenceKind
from models import Enrollment
from models import NotifyEvent
from models import ParentMeeting
from models import PgAttendance
from models import School
from models import db
from notify.outbox import PG_UNEXCUSED
from notify.outbox import check_thresholds
from notify.outbox import enqueue_for_students

log = logging.getLogger("belezhnik.notify")


def meeting_reminders(today: dt.date | None = None) -> int:
    """Enqueue reminders for tomorrow's parent meetings not yet reminded. Commits."""
    today = today or clock.today()
    tomorrow = today + dt.timedelta(days=1)
    meetings = db.session.scalars(
        sa.select(ParentMeeting)
        .where(ParentMeeting.date == tomorrow, ParentMeeting.reminder_sent_at.is_(None))
        .with_for_update(skip_locked=True)
    ).all()
    rows = 0
    for meeting in meetings:
        query = sa.select(Enrollment.student_id).where(
            Enrollment.school_id == meeting.school_id, Enrollment.left_on.is_(None)
        )
        if meeting.class_id is not None:
            query = query.where(Enrollment.class_id == meeting.class_id)
        student_ids = list(db.session.scalars(query))
        rows += enqueue_for_students(
            student_ids,
            NotifyEvent.REMINDER,
            school_id=meeting.school_id,
            object_type="meeting_reminder",
            object_id=meeting.id,
            per_guardian=meeting.class_id is None,  # a school meeting: one reminder per parent
            payload={
                "date": meeting.date,
                "time": meeting.time,
                "place": meeting.place,
                "topic": meeting.topic,
            },
        )
        meeting.reminder_sent_at = clock.utc_naive()
    db.session.commit()
    return rows


def threshold_checks(today: dt.date | None = None) -> int:
    """Check the monthly threshold for every child with unexcused absences this month, one
    :func:`notify.outbox.check_thresholds` batch per school. Commits."""
    today = today or clock.today()
    first = today.replace(day=1)
    pairs = list(
        db.session.execute(
            sa.select(Absence.student_id, Absence.school_id)
            .join(School, School.id == Absence.school_id)
            .where(
                School.active.is_(True),
                Absence.date >= first,
                Absence.date <= today,
                Absence.kind.in_([AbsenceKind.UNEXCUSED, AbsenceKind.LATE]),
            )
            .distinct()
        ).all()
    )
    pairs += db.session.execute(  # a ПГ child: unexcused days of the daily attendance
        sa.select(PgAttendance.student_id, PgAttendance.school_id)
        .join(School, School.id == PgAttendance.school_id)
        .where(
            School.active.is_(True),
            PgAttendance.date >= first,
            PgAttendance.date <= today,
            PgAttendance.kind == PG_UNEXCUSED,
        )
        .distinct()
    ).all()
    # one batch per school: a fixed number of queries per school, whatever the number of pupils
    by_school: dict[int, list[int]] = {}
    for student_id, school_id in pairs:
        by_school.setdefault(school_id, []).append(student_id)
    rows = 0
    for school_id, student_ids in sorted(by_school.items()):
        rows += check_thresholds([(sid, today) for sid in sorted(student_ids)], school_id)
    db.session.commit()
    return rows


def _in_context(app: Flask, job: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:  # noqa: BLE001 - a failed job must not stop the scheduler
                log.exception("notify job %s failed", getattr(job, "__name__", job))
                db.session.rollback()
            finally:
                db.session.remove()

    return run


def _reconcile() -> None:
    from notify.worker import Worker

    Worker(name="scheduler").reconcile()


def _fold() -> None:
    from notify.worker import fold_digests

    fold_digests()


def _reconcile_calls() -> None:
    from ivr.reconcile import reconcile_calls

    reconcile_calls()


def _absence_calls() -> None:
    from ivr.absence_calls import absence_call_job

    absence_call_job()


def _purge_attempts() -> None:
    import throttle

    throttle.purge()
    db.session.commit()


def _purge_expired() -> None:
    import retention

    retention.purge()


def _ensure_partitions() -> None:
    import partitions

    created = partitions.ensure_partitions(db.session.connection(), clock.today())
    db.session.commit()
    if created:
        log.info("partitions created: %s", ", ".join(created))


def add_jobs(scheduler: Any, app: Flask) -> None:
    from config.settings import TZ

    scheduler.configure(timezone=TZ)
    options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
    scheduler.add_job(_in_context(app, _fold), "interval", minutes=1, id="fold_digests", **options)
    scheduler.add_job(
        _in_context(app, meeting_reminders), "interval", minutes=30, id="meeting_reminders",
        next_run_time=dt.datetime.now(TZ), **options,
    )  # fmt: skip
    scheduler.add_job(
        _in_context(app, threshold_checks), "interval", hours=1, id="threshold_checks",
        next_run_time=dt.datetime.now(TZ), **options,
    )  # fmt: skip
    scheduler.add_job(
        _in_context(app, _reconcile), "interval", minutes=1, id="reconcile", **options
    )
    scheduler.add_job(
        _in_context(app, _reconcile_calls), "interval", minutes=5, id="reconcile_calls", **options
    )
    scheduler.add_job(
        _in_context(app, _absence_calls), "interval", minutes=1, id="absence_calls", **options
    )
    from onboarding.uploads import purge_job  # uploaded lists left behind (UPLOAD_RETENTION_HOURS)

    scheduler.add_job(_in_context(app, purge_job), "interval", hours=1, id="purge_uploads",
                      next_run_time=dt.datetime.now(TZ), **options)  # fmt: skip
    scheduler.add_job(
        _in_context(app, _purge_attempts), "interval", hours=1, id="purge_attempts", **options
    )
    scheduler.add_job(  # retention.py: calls, notice texts and codes past their settings
        _in_context(app, _purge_expired), "cron", hour=3, minute=30, id="purge_expired", **options
    )
    scheduler.add_job(  # partitions.py: next year's partitions exist long before its rows
        _in_context(app, _ensure_partitions), "cron", hour=3, minute=45, id="ensure_partitions",
        next_run_time=dt.datetime.now(TZ), **options,
    )  # fmt: skip


def blocking_scheduler(app: Flask) -> Any:
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler()
    add_jobs(scheduler, app)
    return scheduler


def background_scheduler(app: Flask) -> Any:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler()
    add_jobs(scheduler, app)
    return scheduler
