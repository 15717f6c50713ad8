"""Bounded load test: phone callers and portal sessions at once, through gunicorn (2 workers) on
PostgreSQL, loopback only (127.0.0.1). Stops by itself after ``--seconds``.

Builds the demo school (``gradebook.demo.build_demo``, about 750 pupils) in a private schema of
the database, starts gunicorn -w 2 on a free local port, then lets a bounded thread pool
(``--threads``, default 48) serve ``--callers`` simulated callers (default 200) and ``--sessions``
portal sessions (default 500) for ``--seconds`` (default 60):

* a caller makes whole calls with signed Twilio requests (``security.sign``), as
  ``bench/ivr_steps.py`` does: greeting (``/ivr/voice``), then either the PIN (a known number, caller
  ID) or the student code and the PIN (an unknown number), then 3–8 random menu keys among 1–7, 0
  and *, then the status callback (``/ivr/status``);
* a portal session signs in once as a demo parent (``roditel<N>@sou1.demo.bg`` / demo1234) and then,
  on each turn, fetches the dashboard ``/child/<id>`` and the comparison ``/child/<id>/compare``.

Each user (caller or session) is used by one thread at a time; a thread takes the next user from
a shared queue, does one turn (one call, or one login/dashboard/comparison round) and puts it back.
Every request has a timeout. Prints the machine (nproc, CPU model, memory), requests per second,
p50/p95/p99 per kind of request and the errors: any status other than 2xx/3xx, any TwiML without
``<Response>`` (or with the line's apology for a technical error), any exception. The goal is 0.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/load.py [--callers 200] [--sessions 500] [--seconds 60] [--threads 48]

Uses a private schema of that database (dropped afterwards) and a free local port.
"""

from __future__ import annotations

import argparse
import queue
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
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
from bench._common import make_app  # noqa: E402
from bench._common import pct  # noqa: E402
from bench._common import postgres_url  # noqa: E402
from bench._common import private_schema  # noqa: E402
from bench._common import schema_url  # noqa: E402
from bench._common import start_gunicorn  # noqa: E402
from bench._common import stop_gunicorn  # noqa: E402
from security import sign  # noqa: E402

TOKEN = "bench-twilio-token"
PIN = "2580"
PASSWORD = "demo1234"
MENU_KEYS = ["1", "2", "3", "4", "5", "6", "7", "0", "*"]
TIMEOUT = (5, 30)  # connect, read (seconds)
KINDS = [
    "ivr greeting",
    "ivr code",
    "ivr PIN + headline",
    "ivr menu key",
    "ivr status",
    "portal login page",
    "portal login",
    "portal dashboard",
    "portal compare",
]


def prepare(url: str, tmp: Path) -> dict[str, list[Any]]:
    """The demo school in the schema; returns phone callers, student codes and portal parents."""
    from gradebook.demo import build_demo
    from models import Guardian
    from models import GuardianStudent
    from models import Student
    from models import db

    app = make_app(url, tmp, TWILIO_AUTH_TOKEN=TOKEN)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build_demo(seed=11, schools=1, students_per_class=25)
        print(f"demo school built in {time.perf_counter() - started:.1f} s", flush=True)
        phones = db.session.scalars(
            sa.select(Guardian.phone)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .where(Guardian.phone.is_not(None))
            .group_by(Guardian.id, Guardian.phone)
            .having(sa.func.count(GuardianStudent.id) == 1)
            .order_by(Guardian.id)
        ).all()
        codes = db.session.scalars(
            sa.select(Student.student_code)
            .join(GuardianStudent, GuardianStudent.student_id == Student.id)
            .distinct()
        ).all()
        parents = db.session.execute(
            sa.select(Guardian.email, GuardianStudent.student_id)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .where(Guardian.email.like("roditel%@sou1.demo.bg"))
            .order_by(Guardian.id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return {"phones": list(phones), "codes": list(codes), "parents": [tuple(p) for p in parents]}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[tuple[str, str]] = Counter()
        self.samples: list[str] = []

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.times[kind].append(seconds)

    def error(self, kind: str, what: str, detail: str) -> None:
        with self.lock:
            self.errors[(kind, what)] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {what}: {detail[:200]}")


class Failed(Exception):
    pass


class User:
    """Base: one simulated person with its own HTTP session."""

    def __init__(self, base: str, stats: Stats, deadline: float) -> None:
        self.base = base
        self.stats = stats
        self.deadline = deadline
        self.http = requests.Session()

    def request(self, kind: str, method: str, path: str, **kw: Any) -> requests.Response:
        if time.perf_counter() >= self.deadline:
            raise TimeoutError("deadline")
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kw
            )
        except requests.RequestException as exc:
            self.stats.error(kind, "exception", repr(exc))
            raise Failed from exc
        elapsed = time.perf_counter() - started
        if not 200 <= response.status_code < 400:
            self.stats.error(kind, f"HTTP {response.status_code}", response.text)
            raise Failed
        return self._check(kind, response, elapsed)

    def _check(self, kind: str, response: requests.Response, elapsed: float) -> requests.Response:
        self.stats.ok(kind, elapsed)
        return response

    def turn(self, rng: random.Random) -> None:
        """One visit: a whole call, or one round of portal pages."""
        raise NotImplementedError


class Caller(User):
    def __init__(
        self, base: str, stats: Stats, deadline: float, phone: str | None, code: str | None
    ) -> None:
        super().__init__(base, stats, deadline)
        self.phone = phone
        self.code = code

    def _check(self, kind: str, response: requests.Response, elapsed: float) -> requests.Response:
        body = response.text
        if "<Response" not in body:
            self.stats.error(kind, "TwiML without <Response>", body)
            raise Failed
        if "техническа грешка" in body:
            self.stats.error(kind, "line apologised (technical error)", body)
            raise Failed
        return super()._check(kind, response, elapsed)

    def post(self, kind: str, path: str, params: dict[str, str]) -> str:
        signature = sign(self.base + path, params, TOKEN)
        return self.request(
            kind, "POST", path, data=params, headers={"X-Twilio-Signature": signature}
        ).text

    def turn(self, rng: random.Random) -> None:
        """One whole call."""
        number = self.phone or f"+3597{rng.randrange(10**8):08d}"  # unknown: a fresh number
        common = {"CallSid": "CA" + uuid.uuid4().hex, "From": number, "To": "+35924001234"}
        body = self.post("ivr greeting", "/ivr/voice", {**common, "CallStatus": "ringing"})
        try:
            if self.code:
                body = self.post("ivr code", action_of(body), {**common, "Digits": self.code})
            body = self.post("ivr PIN + headline", action_of(body), {**common, "Digits": PIN})
            for _ in range(rng.randint(3, 8)):
                if 'action="' not in body:  # the line hung up
                    break
                body = self.post(
                    "ivr menu key", action_of(body), {**common, "Digits": rng.choice(MENU_KEYS)}
                )
        finally:
            if time.perf_counter() < self.deadline:
                self.post(
                    "ivr status",
                    "/ivr/status",
                    {**common, "CallStatus": "completed", "CallDuration": "60"},
                )


def action_of(body: str) -> str:
    marker = 'action="'
    start = body.index(marker) + len(marker)
    return body[start : body.index('"', start)].replace("&amp;", "&")


class Session(User):
    def __init__(
        self, base: str, stats: Stats, deadline: float, email: str, student_id: int
    ) -> None:
        super().__init__(base, stats, deadline)
        self.email = email
        self.student_id = student_id
        self.signed_in = False

    def turn(self, rng: random.Random) -> None:
        if not self.signed_in:
            page = self.request("portal login page", "GET", "/login").text
            match = CSRF.search(page)
            if not match:
                self.stats.error("portal login page", "no CSRF token", page)
                raise Failed
            response = self.request(
                "portal login",
                "POST",
                "/login",
                data={"email": self.email, "password": PASSWORD, "csrf_token": match.group(1)},
            )
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                self.stats.error("portal login", "not signed in", response.text)
                raise Failed
            self.signed_in = True
        self.request("portal dashboard", "GET", f"/child/{self.student_id}")
        self.request("portal compare", "GET", f"/child/{self.student_id}/compare")


def work(users: queue.Queue[User], deadline: float, seed: int, stats: Stats) -> int:
    rng = random.Random(seed)
    turns = 0
    while time.perf_counter() < deadline:
        try:
            user = users.get(timeout=1)
        except queue.Empty:
            continue
        try:
            user.turn(rng)
            turns += 1
        except (Failed, TimeoutError):
            pass
        except Exception as exc:  # anything else is an error of the run, counted
            stats.error(type(user).__name__.lower(), "exception", repr(exc))
        finally:
            users.put(user)
    return turns


def run(args: argparse.Namespace, db_url: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-load-"))
    server = None
    try:
        data = prepare(db_url, tmp)
        if not data["phones"] or not data["codes"] or not data["parents"]:
            raise SystemExit("the demo school has no phone parents, codes or portal parents")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # sign-in throttling off: the 500 sessions all sign in from one address
        server = start_gunicorn(db_url, tmp, port, TOKEN, LOGIN_FAILS_PER_HOUR="100000")
        rng = random.Random(7)
        # warm-up, outside the measured window: both workers import and connect
        for _ in range(10):
            requests.post(base + "/bench/static-twiml", timeout=5)

        stats = Stats()
        deadline = time.perf_counter() + 10**9  # set below, once everyone is created
        users: list[User] = []
        for i in range(args.callers):
            if i % 2 == 0:  # half known numbers (caller ID), half student code + PIN
                users.append(
                    Caller(
                        base, stats, deadline, data["phones"][i // 2 % len(data["phones"])], None
                    )
                )
            else:
                users.append(
                    Caller(base, stats, deadline, None, data["codes"][i // 2 % len(data["codes"])])
                )
        for i in range(args.sessions):
            email, student_id = data["parents"][i % len(data["parents"])]
            users.append(Session(base, stats, deadline, email, student_id))
        rng.shuffle(users)
        pool_queue: queue.Queue[User] = queue.Queue()
        started = time.perf_counter()
        deadline = started + args.seconds
        for user in users:
            user.deadline = deadline
            pool_queue.put(user)
        print(
            f"running {args.callers} callers + {args.sessions} portal sessions on "
            f"{args.threads} threads for {args.seconds} s …",
            flush=True,
        )
        with ThreadPoolExecutor(args.threads) as pool:
            futures = [
                pool.submit(work, pool_queue, deadline, 1000 + t, stats)
                for t in range(args.threads)
            ]
            turns = sum(f.result() for f in futures)
        wall = time.perf_counter() - started
        report(args, stats, wall, turns, users)
    finally:
        stop_gunicorn(server)
        shutil.rmtree(tmp, ignore_errors=True)


def report(
    args: argparse.Namespace, stats: Stats, wall: float, turns: int, users: list[User]
) -> None:
    signed_in = sum(1 for u in users if isinstance(u, Session) and u.signed_in)
    print(f"\nmachine: {machine()}")
    print(
        f"gunicorn -w 2 (gthread, config/gunicorn.py) on PostgreSQL, 127.0.0.1; {args.callers} callers + {args.sessions} "
        f"portal sessions, {args.threads} client threads, {wall:.1f} s; {turns} turns completed, "
        f"{signed_in} of {args.sessions} sessions signed in"
    )
    print(
        f"{'kind':20} {'n':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    total = 0
    errors_by_kind: Counter[str] = Counter()
    for (kind, _), n in stats.errors.items():
        errors_by_kind[kind] += n
    for kind in KINDS + sorted(set(errors_by_kind) - set(KINDS)):
        ms = [t * 1000 for t in stats.times.get(kind, [])]
        total += len(ms)
        if not ms and not errors_by_kind[kind]:
            continue
        p50, p95, p99 = (f"{pct(ms, q):.1f}" if ms else "-" for q in (0.5, 0.95, 0.99))
        print(
            f"{kind:20} {len(ms):>7} {len(ms) / wall:>8.1f} {p50:>8} {p95:>8} {p99:>8} "
            f"{errors_by_kind[kind]:>7}"
        )
    n_errors = sum(stats.errors.values())
    print(f"{'all':20} {total:>7} {total / wall:>8.1f} {'':>8} {'':>8} {'':>8} {n_errors:>7}")
    if n_errors:
        print("\nerrors:")
        for (kind, what), n in sorted(stats.errors.items()):
            print(f"  {kind}: {what}: {n}")
        print("first samples:")
        for sample in stats.samples:
            print("  " + sample.replace("\n", " "))
    print(f"\nerrors: {n_errors} (goal 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=48)
    args = parser.parse_args()
    if not 1 <= args.threads <= 256:
        parser.error("--threads must be between 1 and 256")
    url = postgres_url("load.py")
    with private_schema(url, "bench_load_") as schema:
        run(args, schema_url(url, schema))


if __name__ == "__main__":
    main()
