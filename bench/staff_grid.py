"""Benchmark of the staff grade grid: render a 28-student grid and save one full column.

Builds one demo school (28 pupils a class by default) in a fresh database, signs the subject
teacher in and times, in-process with the Flask test client (the application's own time, no
network), ``GET /staff/grid/<id>`` and ``POST /staff/grid/<id>`` with a grade for every pupil
(one request, one transaction: grades, audit rows, outbox rows, refreshed summaries), then the
register of one of the teacher's lessons that day (``POST /staff/lesson/<slot>?date=``, a quarter
of the class absent, a changing quarter each time, no topics; as the class teacher). Prints the
median and p95 in ms, the median CPU time of this process (the whole save on SQLite; without the
server's on PostgreSQL) and the SQL statements one save sends (SQLAlchemy's
``before_cursor_execute``, an executemany counted once); nothing is asserted. ``--ab`` sends every
other save with the full refresh of the read model (what the saves did before the section
refresh, ``gradebook.summary_sections``), so that both are measured under the same load.

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
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import nullcontext
from pathlib import Path
from typing import Any

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


@contextmanager
def full_refresh() -> Iterator[None]:
    """The saves inside refresh the read model in full, as before the section refresh."""
    from gradebook import summary
    from gradebook import summary_sections

    section_refresh = summary_sections.refresh_students
    summary_sections.refresh_students = lambda year, ids, _parts: summary.refresh_students(
        year, ids
    )  # type: ignore[assignment]
    try:
        yield
    finally:
        summary_sections.refresh_students = section_refresh


def run(label: str, url: str, schema: str | None, args: argparse.Namespace) -> None:
    from gradebook.demo import build_demo
    from models import Curriculum
    from models import Enrollment
    from models import SchoolClass
    from models import StaffUser
    from models import TimetableSlot
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
            slot_id = db.session.scalar(
                sa.select(TimetableSlot.id)
                .where(
                    TimetableSlot.class_id == class_id,
                    TimetableSlot.weekday == TODAY.isoweekday(),
                )
                .order_by(TimetableSlot.period)
            )
            class_teacher = db.session.scalar(
                sa.select(StaffUser.email)
                .join(SchoolClass, SchoolClass.class_teacher_id == StaffUser.id)
                .where(SchoolClass.id == class_id)
            )
            db.session.remove()
        client = signed_in(app, "/staff/login", email)
        with app.app_context():
            engine = db.engine
        sent: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            sent.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        times: dict[str, list[float]] = defaultdict(list)  # wall ms, by what was timed
        cpu: dict[str, list[float]] = defaultdict(list)  # this process's CPU ms
        sent_by: dict[str, list[int]] = defaultdict(list)

        def post(who: Any, url: str, data: dict[str, str], name: str, full: bool) -> None:
            """POST and time it; ``full``: with the full refresh (the code before the section
            refresh, ``summary_sections`` falling back to ``summary.refresh_students``)."""
            name += " (full refresh)" if full else ""
            with full_refresh() if full else nullcontext():
                sent.clear()
                started, used = time.perf_counter(), time.process_time()
                response = who.post(url, data=data)
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - used) * 1000)
                sent_by[name].append(len(sent))
            assert response.status_code == 302, response.status_code

        url_grid = f"/staff/grid/{curriculum_id}"
        for i in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url_grid)
            times["render grid"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            token = CSRF.search(response.get_data(as_text=True)).group(1)
            data = {"csrf_token": token, "kind": "current", "date": TODAY.isoformat()}
            data.update({f"g{sid}": str(2 + (i + n) % 5) for n, sid in enumerate(student_ids)})
            post(client, url_grid, data, "save column", args.ab and i % 2 == 1)
        url_lesson = f"/staff/lesson/{slot_id}?date={TODAY.isoformat()}"
        teacher = signed_in(app, "/staff/login", class_teacher) if slot_id else client
        for i in range(args.repeat if slot_id else 0):
            response = teacher.get(url_lesson)
            assert response.status_code == 200, response.status_code
            token = CSRF.search(response.get_data(as_text=True)).group(1)
            data = {"csrf_token": token}
            data.update(
                {f"absent{sid}": "1" for n, sid in enumerate(student_ids) if (n + i) % 4 == 0}
            )
            post(teacher, url_lesson, data, "register", args.ab and i % 2 == 1)
        print(f"\n== {label}: {len(student_ids)} pupils, {args.repeat} runs")
        for name, values in times.items():
            line = f"  {name:26s} median {statistics.median(values):7.1f} ms"
            line += f"   p95 {pct(values, 0.95):7.1f} ms"
            if name in sent_by:
                line += f"   cpu {statistics.median(cpu[name]):6.1f} ms"
                line += f"   statements {statistics.median(sent_by[name]):.0f}"
            print(line)
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
    parser.add_argument("--pg-only", action="store_true", help="with --postgres: skip SQLite")
    parser.add_argument(
        "--ab",
        action="store_true",
        help="every other save with the full refresh (before/after in one run, the same load)",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.pg_only:
        run("SQLite", "sqlite://", None, args)
    if args.postgres:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise SystemExit("set TEST_DATABASE_URL for --postgres")
        with private_schema(url, "bench_staff_") as schema:
            run("PostgreSQL", url, schema, args)


if __name__ == "__main__":
    main()
