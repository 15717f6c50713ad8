"""Benchmark of the staff grade grid: render a 28-student grid and save one full column.

Builds one demo school (28 pupils a class by default) in a fresh database, signs the subject
teacher in and times, in-process with the Flask test client (the application's own time, no
network), ``GET /staff/grid/<id>`` and ``POST /staff/grid/<id>`` with a grade for every pupil
(one request, one transaction: grades, audit rows, outbox rows, refreshed summaries). Prints the
median and p95 in ms and the SQL statements one save sends (SQLAlchemy's ``before_cursor_execute``,
an executemany counted once); nothing is asserted.

    .venv/bin/python bench/staff_grid.py                         # SQLite
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/staff_grid.py --postgres          # also PostgreSQL (own schema)
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

from bench._common import CSRF  # noqa: E402
from bench._common import empty_app  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import pct  # noqa: E402
from bench._common import private_schema  # noqa: E402
from bench._common import signed_in  # noqa: E402

TODAY = dt.date(2026, 11, 25)
NOW = "2026-11-25T10:00:00"


def run(label: str, url: str, schema: str | None, args: argparse.Namespace) -> None:
    from gradebook.demo import build_demo
    from models import Curriculum
    from models import Enrollment
    from models import SchoolClass
    from models import StaffUser
    from models import db

    with tempfile.TemporaryDirectory() as tmp:
        app = empty_app(url, tmp, schema, NOW=NOW, SMS_BACKEND="console", EMAIL_BACKEND="console")
        with app.app_context():
            build_demo(
                seed=11, schools=1, today=TODAY, students_per_class=args.students, levels=(9,)
            )
            curriculum_id, email, class_id = db.session.execute(
                sa.select(Curriculum.id, StaffUser.email, Curriculum.class_id)
                .join(StaffUser, StaffUser.id == Curriculum.teacher_id)
                .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
                .order_by(Curriculum.id)
            ).first()
            student_ids = list(
                db.session.scalars(
                    sa.select(Enrollment.student_id)
                    .where(Enrollment.class_id == class_id, Enrollment.left_on.is_(None))
                    .order_by(Enrollment.class_number)
                )
            )
            db.session.remove()
        client = signed_in(app, "/staff/login", email)
        with app.app_context():
            engine = db.engine
        sent: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            sent.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        statements: list[int] = []
        url_grid = f"/staff/grid/{curriculum_id}"
        render: list[float] = []
        save: list[float] = []
        for i in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url_grid)
            render.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            token = CSRF.search(response.get_data(as_text=True)).group(1)
            data = {"csrf_token": token, "kind": "current", "date": TODAY.isoformat()}
            data.update({f"g{sid}": str(2 + (i + n) % 5) for n, sid in enumerate(student_ids)})
            sent.clear()
            started = time.perf_counter()
            response = client.post(url_grid, data=data)
            save.append((time.perf_counter() - started) * 1000)
            statements.append(len(sent))
            assert response.status_code == 302, response.status_code
        print(f"\n== {label}: {len(student_ids)} pupils, {args.repeat} runs")
        for name, values in (("render grid", render), ("save column", save)):
            print(
                f"  {name:12s} median {statistics.median(values):7.1f} ms"
                f"   p95 {pct(values, 0.95):7.1f} ms"
            )
        print(f"  statements a save: median {statistics.median(statements):.0f}")
        print(f"  (first save {statements[0]}, min {min(statements)}, max {max(statements)})")
        sa.event.remove(engine, "before_cursor_execute", count)
        if schema:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=28)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="also run on TEST_DATABASE_URL")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    run("SQLite", "sqlite://", None, args)
    if args.postgres:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise SystemExit("set TEST_DATABASE_URL for --postgres")
        with private_schema(url, "bench_staff_") as schema:
            run("PostgreSQL", url, schema, args)


if __name__ == "__main__":
    main()
