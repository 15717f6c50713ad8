"""``flask --app app ivr call --from +359…``: call the phone line from the terminal.

Prints what the line says and reads key presses (Enter alone = silence, ``q`` = hang up). Goes
through the app in-process (signing with its Twilio auth token, as Twilio would), or over HTTP to
a running server with ``--url``.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.client import FlaskTransport
from ivr.client import HttpTransport
from ivr.client import PhoneCall
from ivr.client import Transport


@click.group("ivr")
def ivr_cli() -> None:
    """The phone line."""


@ivr_cli.command("call")
@click.option("--from", "from_number", required=True, help="Caller number, e.g. +359890010001.")
@click.option("--to", "to_number", default=None, help="The line's number.")
@click.option("--url", default=None, help="Call a running server (its public base URL).")
@with_appcontext
def call_command(from_number: str, to_number: str | None, url: str | None) -> None:
    """Call the line: see what it says, type keys (Enter = silence, q = hang up)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    transport: Transport = (
        HttpTransport(url, app.config["TWILIO_AUTH_TOKEN"]) if url else FlaskTransport(app)
    )
    call = PhoneCall(
        transport,
        from_number=from_number,
        to_number=to_number or app.config.get("INFO_PHONE_NUMBER", ""),
    )
    turn = call.start()
    while True:
        for line in turn.said:
            click.echo(f"☎  {line}")
        if turn.hung_up or turn.gather is None:
            click.echo("— линията затвори —")
            return
        hint = (
            f"{turn.gather['num_digits']} клавиш(а)"
            if turn.gather.get("num_digits")
            else f"цифри и {turn.gather.get('finish_on_key') or '#'}"
        )
        keys = click.prompt(
            f"Клавиши ({hint}; Enter = тишина, q = затвори)",
            default="",
            show_default=False,
        ).strip()
        if keys.lower() == "q":
            call.hang_up()
            click.echo("— затворихте —")
            return
        turn = call.press(keys) if keys else call.silence()


@ivr_cli.command("absence-calls")
@click.option("--at", "at", default=None, help="Run as if it were this time today (HH:MM).")
@with_appcontext
def absence_calls_command(at: str | None) -> None:
    """Start today's "not at school" calls now (what the scheduler does each minute)."""
    import datetime as dt

    from config import clock
    from ivr.absence_calls import absence_call_job

    now = clock.now()
    if at:
        try:
            moment = dt.time.fromisoformat(at)
        except ValueError as exc:
            raise click.BadParameter("use HH:MM, e.g. 10:05", param_hint="--at") from exc
        now = now.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)
    started = absence_call_job(now)
    click.echo(f"{started} notice(s) started; a notify worker places the calls.")
