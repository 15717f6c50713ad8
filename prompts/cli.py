"""``flask --app app prompts build``: pre-render the phone line's fixed sentences."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from prompts import audio


@click.group("prompts")
def prompts_cli() -> None:
    """Audio of the phone line's fixed prompts."""


@prompts_cli.command("build")
@click.option("--offline", is_flag=True, help="Use espeak-ng only (no Google).")
@with_appcontext
def build_command(offline: bool) -> None:
    """Render every catalogue prompt (gTTS, bg; espeak-ng offline) into PROMPTS_AUDIO_DIR."""
    folder = current_app.config["PROMPTS_AUDIO_DIR"]

    def progress(ids):  # type: ignore[no-untyped-def]
        ids = list(ids)
        with click.progressbar(ids, length=len(ids), label="Подкани") as bar:
            yield from bar

    result = audio.build(folder, progress=progress, offline=offline)
    click.echo(
        f"Готово: {len(result.rendered)} с gTTS, {len(result.fallback)} с espeak-ng, "
        f"{len(result.cached)} вече налични ({folder})."
    )
