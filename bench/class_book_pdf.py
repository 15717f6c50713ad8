"""Benchmark of the class book's PDF: a class of 28 pupils over a whole school year.

Builds one demo school (grade IX, 28 pupils a class by default) with "today" at the end of the
year (28.06.2027), so that every lesson of the year has its topics, absences, grades and
homework, and times ``gradebook.class_book_print.render`` of one class (the PDF the admin
downloads and the upload draws again to compare), in-process. Prints the pages, the size and the
median and p95 in ms; nothing is asserted.

    .venv/bin/python bench/class_book_pdf.py
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/class_book_pdf.py --postgres          # also PostgreSQL (own schema)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench._common import empty_app  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import pct  # noqa: E402
from bench._common import private_schema  # noqa: E402

TODAY = dt.date(2027, 6, 28)
NOW = "2027-06-28T10:00:00"


def run(label: str, url: str, schema: str | None, args: argparse.Namespace) -> None:
    from gradebook import class_book_print
    from gradebook.demo import build_demo
    from models import Lesson
    from models import SchoolClass
    from models import db

    with tempfile.TemporaryDirectory() as tmp:
        app = empty_app(url, tmp, schema, NOW=NOW, SMS_BACKEND="console", EMAIL_BACKEND="console")
        with app.app_context():
            build_demo(
                seed=11, schools=1, today=TODAY, students_per_class=args.students, levels=(9,)
            )
            klass = db.session.scalars(sa.select(SchoolClass).order_by(SchoolClass.id)).first()
            assert klass is not None
            lessons = db.session.scalar(
                sa.select(sa.func.count()).select_from(Lesson).where(Lesson.class_id == klass.id)
            )
            times: list[float] = []
            pages = size = 0
            for _ in range(args.repeat):
                db.session.expire_all()
                started = time.perf_counter()
                printed = class_book_print.render(klass, "0" * 32, dt.datetime(2027, 6, 28, 7))
                times.append((time.perf_counter() - started) * 1000)
                pages, size = printed.pages, len(printed.data)
            print(f"\n== {label}: {args.students} pupils, {lessons} lessons, {args.repeat} runs")
            print(f"  {pages} pages, {size // 1024} KiB")
            print(
                f"  render PDF   median {statistics.median(times):7.1f} ms"
                f"   p95 {pct(times, 0.95):7.1f} ms"
            )
            db.session.remove()
            if schema:
                db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=28)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="also run on TEST_DATABASE_URL")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    run("SQLite", "sqlite://", None, args)
    if args.postgres:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise SystemExit("set TEST_DATABASE_URL for --postgres")
        with private_schema(url, "bench_book_") as schema:
            run("PostgreSQL", url, schema, args)


if __name__ == "__main__":
    main()
