"""``flask --app app import …`` and ``flask --app app reports …``.

    flask --app app import students FILE --school 2200001 [--commit] [--invite] [--confirm-leavers]
    flask --app app import classes|teachers|subjects|curriculum|timetable FILE --school CODE [--commit]
    flask --app app import template students --format xlsx [--example] -o FILE
    flask --app app import asp FILE --school CODE            # check an АСП file against the diary
    flask --app app reports NAME --school CODE [--class 5а] [--term 1] [--month 11.2026]
                                  [--format csv|xlsx|pdf|txt] [-o FILE]
    flask --app app reports asp --school CODE --month 11.2026 -o FILE

Without ``--commit`` an import only previews: every bad row is printed and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from models import School
from models import SchoolClass
from models import db


def _school(code: str) -> School:
    school = db.session.scalar(sa.select(School).where(School.neispuo_code == code))
    if school is None:
        raise click.ClickException(f"Няма училище с код по НЕИСПУО {code}.")
    return school


def _bar(items: Any, length: int) -> Any:
    with click.progressbar(items, length=length, label="Записване", file=sys.stderr) as bar:
        yield from bar


@click.group("import", help="Импорт на списъците на училището (CSV или XLSX).")
def import_cli() -> None:
    pass


def _make_import_command(kind: str) -> click.Command:
    from onboarding.importer import KINDS

    @click.command(kind, help=f"Импорт: {KINDS[kind].title.lower()} (без --commit: само преглед).")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--school", "school_code", required=True, help="Код по НЕИСПУО (7 цифри).")
    @click.option("--commit", "do_commit", is_flag=True, help="Запиши (без него: само преглед).")
    @click.option("--invite", is_flag=True, help="Покани посочените родители (само ученици).")
    @click.option(
        "--confirm-leavers",
        is_flag=True,
        help="Отпиши учениците от паралелките във файла, които липсват в него (само ученици).",
    )
    @with_appcontext
    def command(
        file: Path, school_code: str, do_commit: bool, invite: bool, confirm_leavers: bool
    ) -> None:
        from config import clock
        from onboarding import import_students
        from onboarding import importer

        school = _school(school_code)
        data = file.read_bytes()
        plan = importer.preview(kind, school.id, file.name, data)
        if plan.encoding:
            click.echo(
                f"Файл: {file.name} ({plan.encoding}"
                + (f", разделител {plan.delimiter!r}" if plan.delimiter else "")
                + f"), {plan.rows} реда"
            )
        if not plan.ok:
            click.echo(f"Грешки ({len(plan.errors)}): нищо не е записано.", err=True)
            for error in plan.errors:
                click.echo("  " + error.text(), err=True)
            raise SystemExit(1)
        summary = f"нови {plan.count('new')}, променени {plan.count('update')}, без промяна {plan.count('same')}"
        click.echo("Проверката мина: " + summary)
        if plan.leavers:
            click.echo(f"Липсват в списъка ({len(plan.leavers)}):")
            for leaver in plan.leavers:
                click.echo(f"  {leaver.class_name} № {leaver.class_number} {leaver.name}")
        if not do_commit:
            click.echo("Само преглед: добавете --commit, за да запишете.")
            return
        _, counts = importer.commit(kind, school.id, file.name, data, invite=invite, progress=_bar)
        click.echo("Записано: " + importer.counts_text(counts or {}))
        if kind == "students" and confirm_leavers and plan.leavers:
            done = import_students.confirm_leavers(
                school.id, [x.student_id for x in plan.leavers], clock.today(), "отписан (импорт)"
            )
            click.echo(f"Отписани: {done}")

    return command


for _kind in ("students", "classes", "teachers", "subjects", "curriculum", "timetable"):
    import_cli.add_command(_make_import_command(_kind))


@import_cli.command("template", help="Празен шаблон или попълнен пример за импорт.")
@click.argument(
    "kind",
    type=click.Choice(["students", "classes", "teachers", "subjects", "curriculum", "timetable"]),
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx")
@click.option("--example", is_flag=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def template_command(kind: str, fmt: str, example: bool, output: Path) -> None:
    from onboarding.templates_files import template_file

    content, _, _ = template_file(kind, fmt, example)
    output.write_bytes(content)
    click.echo(f"Записан {output}")


@import_cli.command("asp", help="Проверка на месечен файл за отсъствия (АСП) спрямо дневника.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_code", required=True)
@with_appcontext
def import_asp_command(file: Path, school_code: str) -> None:
    from onboarding import asp

    school = _school(school_code)
    result = asp.import_file(school.id, file.read_bytes())
    for error in result.errors:
        click.echo("  " + error.text(), err=True)
    click.echo(
        f"Редове {len(result.records)}, съвпадат {result.matching}, разлики {len(result.differences)}"
    )
    for diff in result.differences:
        click.echo("  " + diff)
    if result.errors:
        raise SystemExit(1)


# --- reports ---------------------------------------------------------------------------------------
def _month(text: str | None) -> tuple[int, int]:
    from config import clock

    if not text:
        today = clock.today()
        return today.year, today.month
    try:
        day = dt.datetime.strptime(text, "%m.%Y")
    except ValueError:
        raise click.BadParameter("месецът е във вид мм.гггг, напр. 11.2026") from None
    return day.year, day.month


@click.group("reports", help="Справки: на екрана или във файл (CSV, XLSX, PDF).")
def reports_cli() -> None:
    pass


@reports_cli.command(
    "show", help="Справка: class-sheet, school-averages, absences, at-risk, success, completeness."
)
@click.argument("name")
@click.option("--school", "school_code", required=True)
@click.option("--class", "class_name", default=None)
@click.option("--term", type=click.IntRange(1, 2), default=None)
@click.option("--month", default=None, help="мм.гггг")
@click.option("--format", "fmt", type=click.Choice(["txt", "csv", "xlsx", "pdf"]), default="txt")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def report_command(
    name: str,
    school_code: str,
    class_name: str | None,
    term: int | None,
    month: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    from onboarding import report_base
    from onboarding import report_render
    from onboarding import reports
    from onboarding.tabular import normalize_class_name

    school = _school(school_code)
    class_id = None
    if class_name:
        for klass in db.session.scalars(
            sa.select(SchoolClass).where(SchoolClass.school_id == school.id)
        ):
            if normalize_class_name(klass.name) == normalize_class_name(class_name):
                class_id = klass.id
        if class_id is None:
            raise click.ClickException(f"Няма паралелка {class_name}.")
    year, month_number = _month(month)
    try:
        report = reports.build(
            name, school.id, class_id=class_id, term=term, year=year, month=month_number
        )
    except report_base.ReportError as exc:
        raise click.ClickException(exc.message_bg) from None
    if fmt == "txt":
        click.echo(report_render.render_text(report))
        return
    content, filename, _ = report_render.render(report, fmt)
    target = output or Path(filename)
    target.write_bytes(content)
    click.echo(f"Записан {target}")


@reports_cli.command("asp", help="Месечен файл за отсъствия за НЕИСПУО/АСП (Windows-1251).")
@click.option("--school", "school_code", required=True)
@click.option("--month", default=None, help="мм.гггг")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def asp_command(school_code: str, month: str | None, output: Path | None) -> None:
    from onboarding import asp

    school = _school(school_code)
    year, month_number = _month(month)
    content = asp.export_month(school.id, year, month_number)
    target = output or Path(asp.filename(school, year, month_number))
    target.write_bytes(content)
    lines = content.count(b"\n")
    click.echo(f"Записан {target} ({lines} реда)")
