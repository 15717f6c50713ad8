"""History: the phone line's steps on the same schools with one school year and with three.

1. Builds two data sets of the same ``--schools`` schools (same seed, dated today) with the
   README's commands (``flask --app app db upgrade``, then ``flask --app app demo --schools N
   --past-years K``), each in a private schema of ``TEST_DATABASE_URL``: ``--past-years 0`` (the
   current year only) and ``--past-years 2`` (the current year and the two before it, with their
   grades, term and annual grades, absences and year results). Prints the build times and rows.
2. On each, serves the application with gunicorn -w 2 (``_common.start_gunicorn``) and makes the
   same signed calls of the same known callers (parents with one child, drawn from every school;
   the current year is the same in both sets): greeting, PIN + headline, menus 1–7, status
   callback, ``--concurrency`` at a time. The two sets are measured in turns (``--passes``), so
   that a change in the machine's load hits both alike.
3. Prints p50/p95 per step on each and the ratio of the p50s three years ÷ one year per step
   (goal ≤ 1.1: the history must not slow the phone line down).

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/history_years.py [--schools 10] [--calls 40] [--rounds 2]
        [--passes 2] [--concurrency 2] [--keep]

``--keep`` leaves both schemas in place and prints their names. Stops by itself; drops what it
created unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
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

import sqlalchemy as sa  # noqa: E402

from bench._common import free_port  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import pct  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import schema_url  # noqa: E402
from bench._common import start_gunicorn  # noqa: E402
from bench._common import stop_gunicorn  # noqa: E402
from bench.ivr_steps import TOKEN  # noqa: E402
from bench.ivr_steps import Call  # noqa: E402

GOAL = 1.1
STEPS = ("greeting", "PIN + headline", "menu step")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def build(url: str, schema: str, schools: int, past_years: int, tmp: Path) -> dict[str, Any]:
    """The README's commands on a fresh schema; the wall-clock seconds of the demo and its rows."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": schema_url(url, schema),
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(tmp / schema),
    }
    flask = str(ROOT / ".venv" / "bin" / "flask")
    subprocess.run([flask, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [flask, "--app", "app", "demo", "--schools", str(schools),
         "--past-years", str(past_years)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    line = next((x for x in done.stdout.splitlines() if x.startswith("Готово")), "")
    counts = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line.split(":", 1)[-1])}
    return {"seconds": seconds, "counts": counts}


def callers(url: str, count: int, seed: int = 19) -> list[dict[str, str]]:
    """Known callers (a parent with one child) drawn from every school."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        phones = sorted(
            conn.execute(
                sa.text(
                    "SELECT g.phone FROM guardian g "
                    "JOIN guardian_student gs ON gs.guardian_id = g.id "
                    "WHERE g.phone IS NOT NULL GROUP BY g.id, g.phone HAVING count(*) = 1"
                )
            ).scalars()
        )
    engine.dispose()
    chosen = random.Random(seed).sample(phones, min(count + 4, len(phones)))
    return [{"phone": p, "pin": "2580"} for p in chosen]


def measure(
    url: str, parents: list[dict[str, str]], args: argparse.Namespace
) -> dict[str, list[float]]:
    """The calls through gunicorn on the data set at ``url``; seconds per step."""
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-history-"))
    server = None
    steps: dict[str, list[float]] = defaultdict(list)
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(url, tmp, port, TOKEN)
        for parent in parents[:4]:  # warm both workers up
            Call(base, parent).open().menus(1).close()
        with ThreadPoolExecutor(args.concurrency) as pool:
            calls = list(
                pool.map(lambda p: Call(base, p).open().menus(args.rounds).close(), parents[4:])
            )
        for call in calls:
            for name, values in call.timings.items():
                steps[name if not name.startswith("menu") else "menu step"] += values
    finally:
        stop_gunicorn(server)
        shutil.rmtree(tmp, ignore_errors=True)
    return steps


def report(label: str, steps: dict[str, list[float]]) -> None:
    print(f"\n{label}: gunicorn -w 2")
    print(f"{'step':18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name in STEPS:
        values = steps.get(name, [])
        if values:
            print(
                f"{name:18} {len(values):5d} {statistics.median(values) * 1000:8.1f}"
                f" {pct(values, 0.95) * 1000:8.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--calls", type=int, default=40, help="calls per data set and pass")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of menus 1-7 per call")
    parser.add_argument("--passes", type=int, default=2, help="turns of measuring each set")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep both schemas")
    args = parser.parse_args()
    url = postgres_url()
    print(f"machine: {machine()}; {dt.date.today():%d.%m.%Y}; load average {load_average()}")
    tag = uuid.uuid4().hex[:8]
    sets = {0: f"history_one_{tag}", 2: f"history_three_{tag}"}
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-history-"))
    try:
        for past_years, schema in sets.items():
            figures = build(url, schema, args.schools, past_years, tmp)
            counts = figures["counts"]
            print(
                f"`flask --app app demo --schools {args.schools} --past-years {past_years}`: "
                f"{figures['seconds']:.0f} s; {counts.get('student', 0):,} pupils, "
                f"{counts.get('grade', 0):,} grades, {counts.get('absence', 0):,} absences"
                f" (load average {load_average()})"
            )
        parents = callers(schema_url(url, sets[0]), args.calls)
        timings: dict[int, dict[str, list[float]]] = {k: defaultdict(list) for k in sets}
        for _ in range(args.passes):
            for past_years, schema in sets.items():
                for name, values in measure(schema_url(url, schema), parents, args).items():
                    timings[past_years][name] += values
        report(f"one school year ({sets[0]})", timings[0])
        report(f"three school years ({sets[2]})", timings[2])
        print(f"\np50 three years ÷ one year (goal ≤ {GOAL}); load average {load_average()}")
        for name in STEPS:
            one, three = timings[0].get(name), timings[2].get(name)
            if one and three:
                ratio = statistics.median(three) / statistics.median(one)
                print(
                    f"  {name:18} {ratio:.2f} ({statistics.median(three) * 1000:.1f} ÷ "
                    f"{statistics.median(one) * 1000:.1f} ms)"
                    f"{'' if ratio <= GOAL else '  over the goal'}"
                )
        if args.keep:
            print("kept: " + ", ".join(sets.values()) + " (DROP SCHEMA … CASCADE when done)")
    finally:
        if not args.keep:
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                for schema in sets.values():
                    conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
