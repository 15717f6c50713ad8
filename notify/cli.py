"""``flask --app app notify …``: the worker, the scheduler, a test message."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from config import database
from models import Channel
from models import db


@click.group("notify")
def notify_cli() -> None:
    """Известия: изпращач (worker), планировчик (scheduler), пробно съобщение."""


@notify_cli.command("worker")
@click.option("--once", is_flag=True, help="Send everything due now, then exit.")
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="Also run the scheduler in this process (only ONE process may do this; `make run`).",
)
@click.option("--batch", type=int, default=None, help="Rows claimed per pass.")
@click.option("--idle", type=float, default=1.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def worker_command(once: bool, with_scheduler: bool, batch: int | None, idle: float) -> None:
    """Drain the outbox (run as many as needed on PostgreSQL; one on SQLite)."""
    from notify.worker import Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    database.long_jobs(app)
    worker = Worker(batch=batch)
    if once:
        stats = worker.drain()
        click.echo(
            f"sent {stats.sent}, retried {stats.retried}, failed {stats.failed}, "
            f"unknown {stats.unknown}, deferred {stats.deferred}, digests {stats.digests}"
        )
        for error in stats.errors:
            click.echo(f"  failed: {error}")
        return
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler = None
    if with_scheduler:
        from notify.scheduler import background_scheduler

        scheduler = background_scheduler(app)
        scheduler.start()
    click.echo(f"Изпращачът на известия работи ({worker.name}); Ctrl-C спира.")
    try:
        worker.run(stop, idle_seconds=idle)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        db.session.remove()


@notify_cli.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the timed jobs (digests, reminders, thresholds, reconcile). Exactly ONE process."""
    from notify.scheduler import blocking_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    database.long_jobs(app)
    click.echo("Планировчикът на известия работи; Ctrl-C спира.")
    try:
        blocking_scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        pass


@notify_cli.command("send-test")
@click.option("--sms", "phone", default=None, help="Phone number (E.164 or Bulgarian).")
@click.option("--email", default=None, help="E-mail address.")
@with_appcontext
def send_test_command(phone: str | None, email: str | None) -> None:
    """Queue a test message and send it now through the configured provider."""
    from notify.contacts import normalize_phone
    from notify.outbox import enqueue_direct
    from notify.worker import Worker

    if not phone and not email:
        raise click.UsageError("give --sms and/or --email")
    text = "Пробно съобщение от Бележник."
    if phone:
        number = normalize_phone(phone)
        if number is None:
            raise click.BadParameter("невалиден телефонен номер", param_hint="--sms")
        enqueue_direct(Channel.SMS, number, {"text": text, "subject": "Пробно съобщение"})
    if email:
        enqueue_direct(Channel.EMAIL, email, {"text": text, "subject": "Пробно съобщение"})
    db.session.commit()
    stats = Worker().drain()
    click.echo(f"sent {stats.sent}, failed {stats.failed}, retried {stats.retried}")
    for error in stats.errors:
        click.echo(f"  {error}")
