"""Scale: the 100-school demo data set on PostgreSQL, and the phone line and portal on it.

1. Builds the large data set with the README's commands (``flask --app app db upgrade``, then
   ``flask --app app demo --schools 100``, dated today) in a private schema of
   ``TEST_DATABASE_URL`` and prints the wall-clock time (goal ≤ 600 s), the rows and the sizes.
2. Builds a small one the same way (``--schools 1``: one school with its past year, about 10⁵
   grades) in a second private schema.
3. On each, serves the application with gunicorn -w 2 and, with ``--concurrency`` clients, makes
   signed phone calls of known callers drawn from every school (greeting, PIN, menus 1–7), then
   parent portal visits (sign-in, dashboard, comparison). Prints p50/p95 per step and the ratio
   of the menu steps' p50 on the large set to the small one (goal ≤ 1.2), and the dashboard p50
   on the large one (goal ≤ 150 ms).

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/scale.py [--schools 100] [--calls 60] [--concurrency 2]
        [--keep] [--reuse SCHEMA]

``--keep`` leaves the large schema in place and prints its name; ``--reuse SCHEMA`` measures an
existing one instead of building it. Stops by itself; drops what it created unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._common import CSRF  # noqa: E402
from bench._common import free_port  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import pct  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import schema_url  # noqa: E402
from bench._common import start_gunicorn  # noqa: E402
from bench.ivr_steps import TOKEN  # noqa: E402
from bench.ivr_steps import Call  # noqa: E402

PASSWORD = "demo1234"


def build(url: str, schema: str, schools: int, tmp: Path) -> dict[str, Any]:
    """The README's commands on a fresh schema; returns the wall-clock seconds and the counts."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    env = {
        **os.environ,
        "DATABASE_URL": schema_url(url, schema),
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(tmp),
    }
    flask = str(ROOT / ".venv" / "bin" / "flask")
    subprocess.run([flask, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [flask, "--app", "app", "demo", "--schools", str(schools)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    line = next((x for x in done.stdout.splitlines() if x.startswith("Готово")), "")
    counts = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line.split(":", 1)[-1])}
    with engine.begin() as conn:
        sizes = {
            table: conn.execute(
                # a partitioned table (migration 0019) has no storage itself: its partitions'
                sa.text(
                    "SELECT coalesce(sum(pg_total_relation_size(relid)), pg_total_relation_size(:t))"
                    " FROM pg_partition_tree(:t)"
                ),
                {"t": f"{schema}.{table}"},
            ).scalar()
            for table in ("grade", "absence", "student_summary")
        }
    engine.dispose()
    return {"seconds": seconds, "counts": counts, "sizes": sizes}


def users(url: str, seed: int = 5) -> tuple[list[dict[str, str]], list[tuple[str, int]]]:
    """Callers with one child and portal parents with their child, drawn from every school."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        phones = conn.execute(
            sa.text(
                "SELECT g.phone FROM guardian g JOIN guardian_student gs ON gs.guardian_id = g.id "
                "WHERE g.phone IS NOT NULL GROUP BY g.id, g.phone HAVING count(*) = 1"
            )
        ).scalars()
        parents = conn.execute(
            sa.text(
                "SELECT g.email, gs.student_id FROM guardian g "
                "JOIN guardian_student gs ON gs.guardian_id = g.id WHERE g.email IS NOT NULL"
            )
        ).all()
        phone_list = list(phones)
    engine.dispose()
    rng = random.Random(seed)
    callers = [
        {"phone": p, "pin": "2580"} for p in rng.sample(phone_list, min(300, len(phone_list)))
    ]
    visits = [(e, s) for e, s in rng.sample(parents, min(300, len(parents)))]
    return callers, visits


def portal_visit(base: str, email: str, student_id: int) -> dict[str, float]:
    http = requests.Session()
    timings: dict[str, float] = {}
    page = http.get(base + "/login", timeout=30).text
    match = CSRF.search(page)
    assert match, "no CSRF token on /login"
    started = time.perf_counter()
    signed = http.post(
        base + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": match.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    timings["portal sign-in"] = time.perf_counter() - started
    assert signed.status_code == 302 and "/login" not in signed.headers.get("Location", "")
    for name, path in (
        ("portal dashboard", f"/child/{student_id}"),
        ("portal comparison", f"/child/{student_id}/compare"),
        ("portal dashboard again", f"/child/{student_id}"),
    ):
        started = time.perf_counter()
        response = http.get(base + path, timeout=30)
        timings[name] = time.perf_counter() - started
        assert response.status_code == 200, f"{path}: {response.status_code}"
    return timings


def measure(url: str, args: argparse.Namespace, label: str) -> dict[str, list[float]]:
    """Calls and portal visits through gunicorn on the data set at ``url``."""
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-scale-"))
    server = None
    steps: dict[str, list[float]] = defaultdict(list)
    try:
        callers, visits = users(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(url, tmp, port, TOKEN)
        for parent in callers[:4]:  # warm both workers up
            Call(base, parent).open().menus(1).close()
        with ThreadPoolExecutor(args.concurrency) as pool:
            calls = list(
                pool.map(
                    lambda p: Call(base, p).open().menus(args.rounds).close(),
                    callers[4 : 4 + args.calls],
                )
            )
            for call in calls:
                for name, values in call.timings.items():
                    steps[name if not name.startswith("menu") else "menu step"] += values
            for timings in pool.map(lambda v: portal_visit(base, *v), visits[: args.visits]):
                for name, seconds in timings.items():
                    steps[name].append(seconds)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{label}: gunicorn -w 2, {args.concurrency} concurrent clients")
    print(f"{'step':24} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in steps.items():
        print(
            f"{name:24} {len(values):5d} {statistics.median(values) * 1000:8.1f}"
            f" {pct(values, 0.95) * 1000:8.1f}"
        )
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of menus 1-7 per call")
    parser.add_argument("--visits", type=int, default=60, help="portal visits")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the large schema")
    parser.add_argument("--reuse", metavar="SCHEMA", help="measure this existing schema")
    args = parser.parse_args()
    url = postgres_url()
    print(f"machine: {machine()}; {dt.date.today():%d.%m.%Y}")
    tag = uuid.uuid4().hex[:8]
    large = args.reuse or f"scale_large_{tag}"
    small = f"scale_small_{tag}"
    created = [small] + ([] if args.reuse or args.keep else [large])
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-scale-"))
    try:
        if not args.reuse:
            figures = build(url, large, args.schools, tmp)
            counts = figures["counts"]
            print(
                f"\n`flask --app app demo --schools {args.schools}`: "
                f"{figures['seconds']:.0f} s wall-clock (goal ≤ 600 s for 100 schools)"
            )
            print(
                f"  {counts.get('school', 0)} schools, {counts.get('student', 0)} students, "
                f"{counts.get('grade', 0):,} grades, {counts.get('absence', 0):,} absences"
            )
            print(
                "  on disk with indexes: "
                + ", ".join(f"{t} {b / 2**20:,.0f} MiB" for t, b in figures["sizes"].items())
            )
            if args.keep:
                print(f"  kept as schema {large} (drop it with DROP SCHEMA {large} CASCADE)")
        small_figures = build(url, small, 1, tmp)
        print(
            f"\nsmall data set (1 school with its past year): "
            f"{small_figures['counts'].get('grade', 0):,} grades"
        )
        at_small = measure(schema_url(url, small), args, "small (~10⁵ grades)")
        at_large = measure(schema_url(url, large), args, f"large ({large})")
        ratio = statistics.median(at_large["menu step"]) / statistics.median(at_small["menu step"])
        print(f"\nmenu step p50, large / small: {ratio:.2f} (goal ≤ 1.2)")
        for name in ("greeting", "PIN + headline", "portal dashboard", "portal comparison"):
            if at_small.get(name) and at_large.get(name):
                r = statistics.median(at_large[name]) / statistics.median(at_small[name])
                print(f"{name} p50, large / small: {r:.2f}")
        dash = statistics.median(at_large["portal dashboard"]) * 1000
        print(f"dashboard p50 on the large set: {dash:.0f} ms (goal ≤ 150 ms)")
    finally:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for schema in created:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
