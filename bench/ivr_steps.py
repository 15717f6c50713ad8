"""Benchmark of the phone line's steps through gunicorn (2 workers) on PostgreSQL.

In one run, on the same server: a bare Flask endpoint returning static TwiML (the yardstick) and
whole signed calls (greeting, PIN, the menus 1–7, status callback) from a demo school of about
750 pupils. Prints the median and p95 latency of each step and the throughput of the steps
beside the bare endpoint's (goal ≥ 0.3 of it).

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/ivr_steps.py [--calls 40] [--concurrency 8]

Uses a private schema of that database (dropped afterwards) and a free local port.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._common import free_port  # noqa: E402
from bench._common import machine  # noqa: E402
from bench._common import make_app  # noqa: E402
from bench._common import pct  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import private_schema  # noqa: E402
from bench._common import schema_url  # noqa: E402
from bench._common import start_gunicorn  # noqa: E402
from security import sign  # noqa: E402

TOKEN = "bench-twilio-token"
MENU_KEYS = ["1", "2", "3", "4", "5", "6", "7"]


def prepare(url: str, tmp: Path) -> list[dict[str, str]]:
    """Build the demo school in the schema; returns phone parents (number, PIN)."""
    from gradebook.demo import build_demo
    from models import Guardian
    from models import GuardianStudent
    from models import db

    app = make_app(url, tmp, TWILIO_AUTH_TOKEN=TOKEN)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build_demo(seed=11, schools=1, students_per_class=25)
        print(f"demo school built in {time.perf_counter() - started:.1f} s (summaries included)")
        rows = db.session.execute(
            sa.select(Guardian.phone)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .group_by(Guardian.id, Guardian.phone)
            .having(sa.func.count(GuardianStudent.id) == 1)
            .order_by(Guardian.id)
            .limit(200)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return [{"phone": phone, "pin": "2580"} for (phone,) in rows]


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def post(self, path: str, params: dict[str, str]) -> tuple[float, str]:
        signature = sign(self.base + path, params, TOKEN)
        started = time.perf_counter()
        response = self.http.post(
            self.base + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "<Response" not in response.text:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        if "техническа грешка" in response.text:
            raise RuntimeError(f"{path}: the line apologised")
        return elapsed, response.text


def action_of(body: str) -> str:
    marker = 'action="'
    start = body.index(marker) + len(marker)
    return body[start : body.index('"', start)].replace("&amp;", "&")


class Call:
    """One caller: greeting and PIN (``open``), then menu steps (``menu``)."""

    def __init__(self, base: str, parent: dict[str, str]) -> None:
        self.client = Client(base)
        self.common = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "From": parent["phone"],
            "To": "+35924001234",
        }
        self.pin = parent["pin"]
        self.next = ""
        self.timings: dict[str, list[float]] = defaultdict(list)

    def _post(self, name: str, path: str, extra: dict[str, str]) -> None:
        elapsed, body = self.client.post(path, {**self.common, **extra})
        self.timings[name].append(elapsed)
        if 'action="' in body:
            self.next = action_of(body)

    def open(self) -> Call:
        self._post("greeting", "/ivr/voice", {"CallStatus": "ringing"})
        self._post("PIN + headline", self.next, {"Digits": self.pin})
        return self

    def menus(self, rounds: int) -> Call:
        for _ in range(rounds):
            for key in MENU_KEYS:
                self._post(f"menu {key}", self.next, {"Digits": key})
        return self

    def close(self) -> Call:
        self._post(
            "status callback", "/ivr/status", {"CallStatus": "completed", "CallDuration": "60"}
        )
        return self


def bare(base: str, count: int) -> list[float]:
    client = Client(base)
    return [client.post("/bench/static-twiml", {"CallSid": "x"})[0] for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of menus 1-7 per call")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    url = postgres_url()
    with private_schema(url) as schema:
        run(args, schema_url(url, schema))


def run(args: argparse.Namespace, db_url: str) -> None:
    """The benchmark proper, on the database at ``db_url`` (a private schema)."""
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-bench-"))
    server = None
    try:
        parents = prepare(db_url, tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(db_url, tmp, port, TOKEN)
        bare(base, 20)  # warm both workers up
        Call(base, parents[-1]).open().menus(1).close()

        calls, conc, rounds = args.calls, args.concurrency, args.rounds
        with ThreadPoolExecutor(conc) as pool:
            per_thread = calls * rounds * len(MENU_KEYS) // conc
            started = time.perf_counter()
            chunks = list(pool.map(bare, [base] * conc, [per_thread] * conc))
            bare_rate = sum(map(len, chunks)) / (time.perf_counter() - started)
            bare_times = [t for chunk in chunks for t in chunk]

            started = time.perf_counter()
            opened = list(
                pool.map(
                    lambda p: Call(base, p).open(),
                    [parents[i % len(parents)] for i in range(calls)],
                )
            )
            open_rate = 2 * calls / (time.perf_counter() - started)

            started = time.perf_counter()
            list(pool.map(lambda c: c.menus(rounds), opened))
            menu_rate = calls * rounds * len(MENU_KEYS) / (time.perf_counter() - started)
            list(pool.map(lambda c: c.close(), opened))
        steps: dict[str, list[float]] = defaultdict(list)
        for call in opened:
            for name, values in call.timings.items():
                steps[name] += values

        print(
            f"\ngunicorn -w 2 (gthread, config/gunicorn.py), PostgreSQL, {calls} calls × {rounds} rounds of menus 1–7, "
            f"{conc} concurrent clients, one run on {dt.date.today():%d.%m.%Y}"
        )
        print(f"{'step':18} {'n':>5} {'median ms':>10} {'p95 ms':>8}")
        print(
            f"{'bare static TwiML':18} {len(bare_times):5d} {statistics.median(bare_times) * 1000:10.1f}"
            f" {pct(bare_times, 0.95) * 1000:8.1f}"
        )
        for name in [
            "greeting",
            "PIN + headline",
            *[f"menu {k}" for k in MENU_KEYS],
            "status callback",
        ]:
            values = steps[name]
            print(
                f"{name:18} {len(values):5d} {statistics.median(values) * 1000:10.1f}"
                f" {pct(values, 0.95) * 1000:8.1f}"
            )
        print(f"\nthroughput, bare static TwiML:   {bare_rate:7.1f} requests/s")
        print(
            f"throughput, menu steps:          {menu_rate:7.1f} steps/s = "
            f"{menu_rate / bare_rate:.2f} of bare (goal ≥ 0.30)"
        )
        print(
            f"throughput, greeting + PIN:      {open_rate:7.1f} steps/s = "
            f"{open_rate / bare_rate:.2f} of bare (goal ≥ 0.30)"
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
