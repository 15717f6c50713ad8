"""Fault injection under load (issue #8): gunicorn -w 2 on PostgreSQL serving phone callers, a
notification worker process draining the outbox into the local fake Twilio, a "teacher" writing
outbox rows all the time; then three faults, one after another:

1. **PostgreSQL restarted** for real: ``pg_ctlcluster <version> main restart`` (the version found
   in ``/etc/postgresql``), or with ``--pg-outage N`` ``stop``, N seconds, ``start``;
2. **the notification worker SIGKILLed** in the middle of its work, and a new one started;
3. **the SMS provider answering 503** for ``--burst`` seconds.

For each fault it prints: the phone answers while it lasted (normal / the line's apology / HTTP
5xx, invalid TwiML or exceptions, which must be 0), seconds from the end of the fault to the first
normal answer, outbox rows written, refused and stuck. At the end: outbox rows lost (a committed
row that is missing; must be 0), rows not in a final state after the settling time (0), SMS the
provider got twice (0), and the machine.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/faults.py [--quick] [--callers 8] [--burst 10] [--pg-outage 0]

**It restarts the PostgreSQL cluster** (``--cluster``, default ``main``), which breaks every other
session on it for a moment: run it when nobody else uses that server, or on a throw-away cluster
(``pg_createcluster 15 faults -p 5433 --start`` as root, point TEST_DATABASE_URL at port 5433
and pass ``--cluster faults``; ``pg_dropcluster --stop 15 faults`` afterwards). Loopback only; bounded in time (each phase has a deadline);
it drops its private schema and stops its processes on the way out, also on failure or Ctrl-C.
Reuses ``bench/_common.py`` (schema, gunicorn, port, percentiles, the machine line) and
``bench/load.py`` (the demo school, the TwiML action parser).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

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
from bench.load import PIN  # noqa: E402
from bench.load import TOKEN  # noqa: E402
from bench.load import action_of  # noqa: E402
from bench.load import prepare  # noqa: E402
from prompts.catalog import PROMPTS  # noqa: E402
from security import sign  # noqa: E402

APOLOGY = PROMPTS["error"]  # the line's apology for a technical error
SID = "AC" + "0" * 32
FINAL = {"sent", "failed", "cancelled", "digested"}
STALE_SECONDS = 10  # the restarted worker reconciles a dead worker's claims after this long


# --- the phone callers ---------------------------------------------------------------------------
@dataclass
class Answers:
    """Every webhook answer: (start, end, category) with category normal / apology / bad."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    rows: list[tuple[float, float, str]] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)

    def add(self, start: float, category: str, detail: str = "") -> None:
        with self.lock:
            self.rows.append((start, time.monotonic(), category))
            if category == "bad" and len(self.samples) < 5:
                self.samples.append(detail[:200])

    def between(self, start: float, end: float) -> Counter[str]:
        """Answers that arrived in [start, end) (one begun just before a fault belongs to it)."""
        with self.lock:
            return Counter(c for _, e, c in self.rows if start <= e < end)

    def first_normal_after(self, moment: float) -> float | None:
        with self.lock:
            ends = [e for s, e, c in self.rows if s >= moment and c == "normal"]
        return min(ends) - moment if ends else None

    def latencies(self, start: float, end: float) -> list[float]:
        with self.lock:
            return [e - s for s, e, c in self.rows if start <= e < end and c == "normal"]


def classify(response: requests.Response) -> tuple[str, str]:
    if response.status_code != 200:
        return "bad", f"HTTP {response.status_code}: {response.text}"
    try:
        root = ET.fromstring(response.text)
    except ET.ParseError:
        return "bad", f"invalid XML: {response.text}"
    if root.tag != "Response":
        return "bad", f"TwiML root {root.tag}"
    said = [element.text for element in root.iter("Say")]
    return ("apology" if said == [APOLOGY] else "normal"), ""


def caller(
    base: str, phones: list[str], answers: Answers, stop: threading.Event, seed: int
) -> None:
    """Whole calls, one after another: greeting, PIN, 2–4 menu keys, status callback."""
    rng = random.Random(seed)
    http = requests.Session()

    def post(path: str, params: dict[str, str]) -> str | None:
        started = time.monotonic()
        try:
            response = http.post(
                base + path,
                data=params,
                headers={"X-Twilio-Signature": sign(base + path, params, TOKEN)},
                timeout=(5, 30),
            )
        except requests.RequestException as exc:
            answers.add(started, "bad", repr(exc))
            return None
        category, detail = classify(response)
        answers.add(started, category, detail)
        return response.text if category == "normal" else None

    while not stop.is_set():
        common = {"CallSid": "CA" + uuid.uuid4().hex, "From": rng.choice(phones),
                  "To": "+35924001234"}  # fmt: skip
        body = post("/ivr/voice", {**common, "CallStatus": "ringing"})
        keys = [PIN] + [rng.choice("1234567") for _ in range(rng.randint(2, 4))]
        for key in keys:
            if body is None or 'action="' not in body or stop.is_set():
                break
            body = post(action_of(body), {**common, "Digits": key})
        post("/ivr/status", {**common, "CallStatus": "completed", "CallDuration": "40"})
        time.sleep(0.05)


# --- the teacher: outbox rows all the time ---------------------------------------------------------
class Teacher(threading.Thread):
    """Writes one urgent grade notification (the outbox rows of a saved grade) every ``pause``
    seconds in its own transaction; remembers the object ids whose commit succeeded."""

    def __init__(self, app: Any, students: list[tuple[int, int]], pause: float) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.students = students
        self.pause = pause
        self.stop = threading.Event()
        self.committed: list[int] = []
        self.refused = 0
        self.serial = 0

    def run(self) -> None:
        from models import NotifyEvent
        from models import db
        from notify.outbox import enqueue_for_students

        rng = random.Random(5)
        with self.app.app_context():
            while not self.stop.is_set():
                self.serial += 1
                object_id = 50_000_000 + self.serial
                school_id, student_id = rng.choice(self.students)
                try:
                    enqueue_for_students(
                        [student_id],
                        NotifyEvent.GRADE,
                        school_id=school_id,
                        object_type="grade",
                        object_id=object_id,
                        payload={
                            "subject": f"Предмет {self.serial}",
                            "value": "5.50",
                            "kind": "current",
                            "date": "2026-11-25",
                        },  # fmt: skip
                        urgent=True,  # due at once, whatever the hour (quiet hours)
                    )
                    db.session.commit()
                    self.committed.append(object_id)
                except Exception:  # noqa: BLE001 - the database is down: not saved, not lost
                    self.refused += 1
                    try:
                        db.session.rollback()
                    except Exception:  # noqa: BLE001
                        pass
                    db.session.remove()
                self.stop.wait(self.pause)
            db.session.remove()


def outbox_states(app: Any) -> Counter[str]:
    from models import NotificationOutbox
    from models import db

    with app.app_context():
        try:
            rows = db.session.execute(
                sa.select(NotificationOutbox.status, sa.func.count()).group_by(
                    NotificationOutbox.status
                )
            ).all()
            return Counter({status.value: n for status, n in rows})
        finally:
            db.session.remove()


# --- processes --------------------------------------------------------------------------------------
def start_worker(db_url: str, tmp: Path, fake_base: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_SMS_FROM": "Belezhnik",
        "TWILIO_API_BASE": fake_base,
        "SMS_BACKEND": "twilio",
        "EMAIL_BACKEND": "file",
        "OUTBOX_DIR": str(tmp / "outbox"),
        "INSTANCE_PATH": str(tmp),
        "NOTIFY_STALE_SECONDS": str(STALE_SECONDS),
        "NOTIFY_BATCH": "20",
        "NOTIFY_SEND_THREADS": "4",
    }
    with (tmp / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "notify", "worker", "--idle", "0.5"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
        )  # fmt: skip


def quietly(log: Path, start: Any) -> Any:
    """Call ``start()`` with this process's stderr pointed at ``log``, so that the child it
    starts logs there (the server logs each apology's exception: hundreds of lines)."""
    saved = os.dup(2)
    with log.open("ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            return start()
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def stop_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


def pg_cluster(name: str) -> tuple[str, str]:
    """(version, name) of the cluster to restart: the newest version in /etc/postgresql."""
    versions = sorted(
        (p.name for p in Path("/etc/postgresql").iterdir() if (p / name).is_dir()), key=int
    )
    if not versions:
        raise SystemExit(f"no cluster {name!r} in /etc/postgresql: cannot restart PostgreSQL")
    return versions[-1], name


def pg_ctl(cluster: tuple[str, str], action: str) -> None:
    subprocess.run(["pg_ctlcluster", *cluster, action], check=True, timeout=120)


def pg_online(cluster: tuple[str, str]) -> bool:
    status = subprocess.run(["pg_ctlcluster", *cluster, "status"], capture_output=True, timeout=30)
    return status.returncode == 0


def wait_for_db(url: str, seconds: float) -> float:
    engine = sa.create_engine(url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                return time.monotonic() - started
            except sa.exc.OperationalError:
                time.sleep(0.1)
    finally:
        engine.dispose()
    raise RuntimeError("PostgreSQL did not come back")


def wait_for_sending(app: Any, seconds: float) -> Counter[str]:
    """The outbox states once some rows are claimed and being sent (or after ``seconds``)."""
    started = time.monotonic()
    while True:
        states = outbox_states(app)
        if states.get("sending") or time.monotonic() - started > seconds:
            return states
        time.sleep(0.02)


def orphans(app: Any) -> dict[int, tuple[str, str]]:
    """Rows in ``sending`` (a dead worker's claims): id → (channel, body)."""
    from models import NotificationOutbox
    from models import OutboxStatus
    from models import db

    with app.app_context():
        rows = db.session.execute(
            sa.select(
                NotificationOutbox.id, NotificationOutbox.channel, NotificationOutbox.body
            ).where(NotificationOutbox.status == OutboxStatus.SENDING)
        ).all()
        db.session.remove()
    return {row_id: (channel.value, body) for row_id, channel, body in rows}


def reconciled(
    app: Any, left: dict[int, tuple[str, str]], at_provider: set[str]
) -> tuple[int, int]:
    """Of a dead worker's SMS rows, now sent: (found at the provider, sent by the new worker)."""
    from models import NotificationOutbox
    from models import OutboxStatus
    from models import db

    with app.app_context():
        sent = set(
            db.session.scalars(
                sa.select(NotificationOutbox.id).where(
                    NotificationOutbox.id.in_(list(left)),
                    NotificationOutbox.status == OutboxStatus.SENT,
                )
            )
        )
        db.session.remove()
    sms = {i: body for i, (channel, body) in left.items() if channel == "sms" and i in sent}
    found = sum(1 for body in sms.values() if body in at_provider)
    return found, len(sms) - found


def wait_settled(app: Any, seconds: float) -> tuple[float, Counter[str]]:
    """Seconds until no outbox row is pending/sending/unknown (or ``seconds`` ran out)."""
    started = time.monotonic()
    while True:
        states = outbox_states(app)
        open_rows = sum(n for s, n in states.items() if s not in FINAL)
        if not open_rows or time.monotonic() - started > seconds:
            return time.monotonic() - started, states


@dataclass
class Phase:
    name: str
    start: float
    end: float
    extra: str = ""


def restart_postgres(
    args: argparse.Namespace, url: str, cluster: tuple[str, str], phases: list[Phase], t0: float
) -> None:
    """Fault 1: restart the cluster (or stop it ``--pg-outage`` seconds); the phase ends when it
    accepts connections again."""
    if args.pg_outage > 0:
        pg_ctl(cluster, "stop")
        time.sleep(args.pg_outage)
        pg_ctl(cluster, "start")
        how = f"stop, {args.pg_outage:g} s, start"
    else:
        try:
            pg_ctl(cluster, "restart")
            how = "pg_ctlcluster restart"
        except subprocess.CalledProcessError:
            pg_ctl(cluster, "stop")
            time.sleep(3)
            pg_ctl(cluster, "start")
            how = "stop, 3 s, start (restart failed)"
    back = wait_for_db(url, 60)
    t1 = time.monotonic()
    phases.append(
        Phase(
            "PostgreSQL restart",
            t0,
            t1,
            f"{how}: {t1 - t0 - back:.1f} s, then accepting again after {back:.1f} s",
        )
    )


# --- the run ------------------------------------------------------------------------------------------
def run(
    args: argparse.Namespace, url: str, schema: str, cluster: tuple[str, str], tmp: Path
) -> None:
    from models import GuardianStudent
    from models import Student
    from models import db
    from notify.fake_twilio import FakeTwilio

    db_url = schema_url(url, schema)
    data = prepare(db_url, tmp)
    app = make_app(url, tmp, schema=schema, TWILIO_AUTH_TOKEN=TOKEN, NOW=None)
    with app.app_context():
        students = [
            (school_id, student_id)
            for school_id, student_id in db.session.execute(
                sa.select(Student.school_id, Student.id)
                .join(GuardianStudent, GuardianStudent.student_id == Student.id)
                .distinct()
            )
        ]
        db.session.remove()

    fake = FakeTwilio().start()
    fake.delay = 0.1  # Twilio answers a create in about 100–300 ms
    server = worker = None
    stop_callers = threading.Event()
    teacher = Teacher(app, students, pause=0.1)
    threads: list[threading.Thread] = []
    answers = Answers()
    phases: list[Phase] = []
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = quietly(tmp / "gunicorn.log", lambda: start_gunicorn(db_url, tmp, port, TOKEN))
        worker = start_worker(db_url, tmp, fake.base_url)
        teacher.start()
        threads = [
            threading.Thread(
                target=caller, args=(base, data["phones"], answers, stop_callers, i), daemon=True
            )
            for i in range(args.callers)
        ]
        for t in threads:
            t.start()
        calm = 4.0 if args.quick else 10.0
        warm_start = time.monotonic()
        time.sleep(calm)
        phases.append(Phase("steady load (no fault)", warm_start, time.monotonic()))

        # 1. PostgreSQL restarted
        t0 = time.monotonic()
        if args.no_restart:
            print("1. PostgreSQL restart skipped (--no-restart)", flush=True)
        else:
            print(f"1. restarting PostgreSQL {'/'.join(cluster)} …", flush=True)
            restart_postgres(args, url, cluster, phases, t0)
            time.sleep(calm)

        # 2. the worker killed
        print("2. SIGKILL of the notification worker …", flush=True)
        wait_for_sending(app, 20)  # a batch is claimed …
        posts = fake.posts
        deadline = time.monotonic() + 5
        while fake.posts < posts + 3 and time.monotonic() < deadline:
            time.sleep(0.005)  # … and Twilio has some of it (answers take 0.1 s): kill now
        t0 = time.monotonic()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        time.sleep(0.5)  # requests already on the wire reach the fake
        left = orphans(app)
        at_provider = set(fake.bodies())
        worker = start_worker(db_url, tmp, fake.base_url)
        t1 = time.monotonic()
        settle, states = wait_settled_while_writing(app, STALE_SECONDS + 20, teacher)
        found, resent = reconciled(app, left, at_provider)
        emails = sum(1 for channel, _ in left.values() if channel == "email")
        phases.append(
            Phase(
                "worker SIGKILL + restart",
                t0,
                t1,
                f"rows left in 'sending' by the dead worker: {len(left)} (SMS found at the "
                f"provider, not resent: {found}; SMS that never reached it, sent: {resent}; "
                f"e-mail sent again with the same Message-ID: {emails}); all "
                f"final {settle:.1f} s after the new worker started (stale after "
                f"{STALE_SECONDS} s)",
            )
        )

        # 3. provider 5xx burst
        print(f"3. fake Twilio answers 503 for {args.burst:g} s …", flush=True)
        failed_before, sent_before = fake.failed, len(fake.messages)
        t0 = time.monotonic()
        fake.fail_status = 503
        time.sleep(args.burst)
        fake.fail_status = None
        t1 = time.monotonic()
        burst_posts = fake.failed - failed_before
        sent_during = len(fake.messages) - sent_before
        settle, states = wait_settled_while_writing(app, 120, teacher)
        phases.append(
            Phase(
                f"provider 503 for {args.burst:g} s",
                t0,
                t1,
                f"requests answered 503: {burst_posts} ({burst_posts / args.burst:.1f}/s, "
                f"{sent_during} sent); backlog settled {settle:.1f} s after the burst "
                "(first retry after 30 s by design)",
            )
        )
        time.sleep(calm)
        stop_load(stop_callers, threads, teacher)
        settle, states = wait_settled(app, STALE_SECONDS + 90)
        report(args, answers, phases, teacher, fake, app, states, settle)
    finally:
        stop_load(stop_callers, threads, teacher)
        stop_group(worker)
        stop_group(server)
        fake.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def stop_load(stop: threading.Event, callers: list[threading.Thread], teacher: Teacher) -> None:
    stop.set()
    teacher.stop.set()
    for t in callers:
        t.join(40)
    if teacher.is_alive():
        teacher.join(40)


def wait_settled_while_writing(
    app: Any, seconds: float, teacher: Teacher
) -> tuple[float, Counter[str]]:
    """Like :func:`wait_settled`, but the teacher keeps writing: wait until every row committed
    before this call is final (newer rows may still be on their way)."""
    from models import NotificationOutbox
    from models import OutboxStatus
    from models import db

    with app.app_context():
        mark = db.session.scalar(sa.select(sa.func.max(NotificationOutbox.id))) or 0
        db.session.remove()
    started = time.monotonic()
    while True:
        with app.app_context():
            try:
                open_rows = db.session.scalar(
                    sa.select(sa.func.count()).where(
                        NotificationOutbox.id <= mark,
                        NotificationOutbox.status.in_(
                            [OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.UNKNOWN]
                        ),
                    )
                )
            finally:
                db.session.remove()
        elapsed = time.monotonic() - started
        if not open_rows or elapsed > seconds:
            return elapsed, outbox_states(app)
        time.sleep(0.2)


def report(
    args: argparse.Namespace,
    answers: Answers,
    phases: list[Phase],
    teacher: Teacher,
    fake: Any,
    app: Any,
    states: Counter[str],
    settle: float,
) -> None:
    from models import Channel
    from models import NotificationOutbox
    from models import OutboxStatus
    from models import db

    print(f"\nmachine: {machine()}")
    print(
        f"gunicorn -w 2 (gthread, config/gunicorn.py) on PostgreSQL, 127.0.0.1; {args.callers} phone callers; one "
        f"notification worker (batch 20, 4 threads) → local fake Twilio; a teacher writing "
        f"~{1 / teacher.pause:.0f} grade notifications/s"
    )
    print(
        f"\n{'phase':30} {'s':>5} {'answers':>8} {'normal':>7} {'apology':>8} {'bad':>4} "
        f"{'p50 ms':>7} {'first normal after (s)':>23}"
    )
    bad_total = 0
    for phase in phases:
        window_end = phase.end + (0 if phase.name.startswith("steady") else 1.0)
        counts = answers.between(phase.start, window_end)
        bad_total += counts["bad"]
        ms = [x * 1000 for x in answers.latencies(phase.start, window_end)]
        recovered = answers.first_normal_after(phase.end)
        print(
            f"{phase.name:30} {phase.end - phase.start:>5.1f} {sum(counts.values()):>8} "
            f"{counts['normal']:>7} {counts['apology']:>8} {counts['bad']:>4} "
            f"{(f'{pct(ms, 0.5):.0f}' if ms else '-'):>7} "
            f"{(f'{recovered:.2f}' if recovered is not None else '-'):>23}"
        )
        if phase.extra:
            print(f"{'':32}{phase.extra}")
    everything = answers.between(0, float("inf"))
    print(
        f"all answers: {sum(everything.values())}, normal {everything['normal']}, apology "
        f"{everything['apology']}, bad (HTTP ≠ 200, invalid TwiML, exception) {everything['bad']} "
        "(goal 0)"
    )
    for sample in answers.samples:
        print("  bad: " + sample.replace("\n", " "))
    logged = (args.tmp / "gunicorn.log").read_text(errors="replace")
    print(
        f"the server logged {logged.count('phone line step failed')} failed phone steps (each "
        f"answered with the apology) and {logged.count('status callback failed')} failed status "
        "callbacks (answered with an empty <Response/>); their causes:"
    )
    causes = Counter(
        line.split(" (Background")[0][:150]
        for line in logged.splitlines()
        if line.startswith(("sqlalchemy.exc.", "psycopg.", "Exception", "RuntimeError"))
    )
    for cause, n in causes.most_common(6):
        print(f"  {n:5} × {cause}")

    with app.app_context():
        present = set(
            db.session.scalars(
                sa.select(NotificationOutbox.object_id).where(
                    NotificationOutbox.object_id >= 50_000_000
                )
            )
        )
        sms_sent = db.session.scalars(
            sa.select(NotificationOutbox.provider_id).where(
                NotificationOutbox.channel == Channel.SMS,
                NotificationOutbox.status == OutboxStatus.SENT,
            )
        ).all()
        db.session.remove()
    lost = len(set(teacher.committed) - present)
    stuck = sum(n for s, n in states.items() if s not in FINAL)
    sids = [m["sid"] for m in fake.messages]
    twice = len(sids) - len(sms_sent)
    unmatched = len(set(sms_sent) - set(sids))
    print(
        f"\noutbox: {len(teacher.committed)} grade notifications committed, {teacher.refused} "
        f"refused while the database was down (the writer saw the error; nothing half-saved); "
        f"rows by state after settling {settle:.1f} s: {dict(sorted(states.items()))}"
    )
    print(
        f"lost (committed, no row): {lost} (goal 0); not final: {stuck} (goal 0); SMS the "
        f"provider got more than once: {twice} (goal 0); sent rows without a provider message: "
        f"{unmatched} (goal 0)"
    )
    if twice:
        show_duplicates(app, fake)
        print((args.tmp / "worker.log").read_text(errors="replace")[-6000:])
    ok = bad_total == 0 and everything["bad"] == 0 and lost == stuck == twice == unmatched == 0
    print(f"\nresult: {'OK' if ok else 'FAULTS FOUND'}")


def show_duplicates(app: Any, fake: Any) -> None:
    """Print the rows behind messages the provider got more than once (to find out why)."""
    from models import NotificationOutbox
    from models import db

    seen = Counter((m["to"], m["body"]) for m in fake.messages)
    with app.app_context():
        for (to, body), n in seen.items():
            if n < 2:
                continue
            rows = db.session.execute(
                sa.select(
                    NotificationOutbox.id,
                    NotificationOutbox.attempts,
                    NotificationOutbox.claimed_by,
                    NotificationOutbox.claimed_at,
                    NotificationOutbox.provider_id,
                ).where(NotificationOutbox.to_address == to, NotificationOutbox.body == body)
            ).all()
            times = [
                m["date_created"] for m in fake.messages if m["to"] == to and m["body"] == body
            ]
            print(f"  twice: {to} {body[:60]!r} at {times}; rows {[tuple(r) for r in rows]}")
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases, fewer callers")
    parser.add_argument("--callers", type=int, default=None, help="phone caller threads (8)")
    parser.add_argument("--burst", type=float, default=None, help="seconds of 503s (10)")
    parser.add_argument("--cluster", default="main",
                        help="the pg_ctlcluster name of the server TEST_DATABASE_URL points at")  # fmt: skip
    parser.add_argument("--no-restart", action="store_true",
                        help="skip fault 1 (PostgreSQL is shared with others right now)")  # fmt: skip
    parser.add_argument("--pg-outage", type=float, default=0.0,
                        help="stop PostgreSQL this many seconds instead of `restart`")  # fmt: skip
    args = parser.parse_args()
    args.callers = args.callers or (4 if args.quick else 8)
    args.burst = args.burst or (5.0 if args.quick else 10.0)
    if not 1 <= args.callers <= 64 or not 0 < args.burst <= 120 or not 0 <= args.pg_outage <= 30:
        parser.error("--callers 1–64, --burst up to 120 s, --pg-outage up to 30 s")
    url = postgres_url("faults.py")
    cluster = pg_cluster(args.cluster)

    def terminate(*_: Any) -> None:
        raise SystemExit("stopped by a signal")

    signal.signal(signal.SIGTERM, terminate)
    tmp = args.tmp = Path(tempfile.mkdtemp(prefix="belezhnik-faults-"))
    watchdog = threading.Timer(
        600 if args.quick else 900, lambda: os.kill(os.getpid(), signal.SIGTERM)
    )
    watchdog.daemon = True
    watchdog.start()
    started = time.monotonic()
    try:
        with private_schema(url, "bench_faults_") as schema:
            try:
                run(args, url, schema, cluster, tmp)
            finally:
                if not pg_online(cluster):  # never leave the cluster down
                    pg_ctl(cluster, "start")
                    wait_for_db(url, 60)
    finally:
        watchdog.cancel()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wall-clock time, set-up included: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
