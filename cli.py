"""Command-line entry points: ``flask --app app <command>``.

Each part contributes its own click group (``demo``, ``notify``, ``prompts``, ``ivr``,
``import``…); this module only gathers them.
"""

from __future__ import annotations

import datetime as dt
import importlib

import click
from flask import Flask
from flask.cli import with_appcontext

# (module, attribute) of each part's click command or group; a part not yet built is skipped.
PARTS = [
    ("notify.cli", "notify_cli"),
    ("ivr.cli", "ivr_cli"),
    ("prompts.cli", "prompts_cli"),
    ("onboarding.cli", "import_cli"),
    ("onboarding.cli", "reports_cli"),
    ("gradebook.cli", "staff_cli"),
    ("partitions", "partitions_cli"),
]


@click.command("demo")
@click.option("--seed", default=1, show_default=True, help="Same seed, same schools.")
@click.option("--schools", default=1, show_default=True, help="How many schools to build.")
@click.option("--students-per-class", default=25, show_default=True)
@click.option("--today", default=None, help="Pretend today is dd.mm.yyyy (default: today).")
@click.option(
    "--past-years",
    "--history-years",
    "history_years",
    default=1,
    show_default=True,
    type=click.IntRange(0, 11),
    help="Finished school years before the current one (their grades, term and annual grades);"
    " 2 gives three years in all. --history-years is the older name.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when a school already exists.")
@with_appcontext
def demo_command(
    seed: int,
    schools: int,
    students_per_class: int,
    today: str | None,
    history_years: int,
    if_empty: bool,
) -> None:
    """Load a realistic demo school (or several) and print how to sign in and call."""
    import sqlalchemy as sa
    from flask import current_app

    from config import database
    from gradebook.demo import build_demo
    from gradebook.demo import sign_ins
    from models import School
    from models import db

    database.long_jobs(current_app)  # a bulk load's index builds take longer than a web request
    if if_empty and db.session.execute(sa.select(School.id).limit(1)).first():
        click.echo("Демо данните вече са заредени.")
        for line in sign_ins.lines():
            click.echo(line)
        return
    day = dt.datetime.strptime(today, "%d.%m.%Y").date() if today else None
    # on a partitioned PostgreSQL database, the past years' partitions before their rows
    from config import clock
    from partitions import academic_year_of
    from partitions import ensure_partitions

    current = academic_year_of(day or clock.today())
    ensure_partitions(
        db.session.connection(), day or clock.today(), range(current - history_years, current)
    )
    db.session.commit()

    def progress(iterable, length, label):  # type: ignore[no-untyped-def]
        with click.progressbar(iterable, length=length, label=label) as bar:
            yield from bar

    started = dt.datetime.now()
    result = build_demo(
        seed=seed,
        schools=schools,
        today=day,
        students_per_class=students_per_class,
        progress=progress,
        history_years=history_years,
    )
    seconds = (dt.datetime.now() - started).total_seconds()
    click.echo(
        f"\nГотово за {seconds:.1f} s: " + ", ".join(f"{k} {v}" for k, v in result.counts.items())
    )
    for line in sign_ins.lines():
        click.echo(line)


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_command)
    for module_name, attribute in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        command = getattr(module, attribute, None)
        if command is not None:
            app.cli.add_command(command)
