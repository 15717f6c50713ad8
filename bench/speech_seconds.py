"""Seconds of speech before a caller hears the child's average (issue 4 goals: ≤ 10 s for a known
caller, ≤ 20 s for an unknown one; typing time not counted).

Drives real calls on a demo school (SQLite, in a temporary folder) with the TwiML-following
client, renders every sentence the line says with espeak-ng (voice bg, default rate) and sums
the durations up to the start, and to the end, of the sentence that carries the average.

    .venv/bin/python bench/speech_seconds.py
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench._common import machine  # noqa: E402
from ivr.client import FlaskTransport, PhoneCall  # noqa: E402
from models import db  # noqa: E402

GOAL = {"known": 10.0, "unknown": 20.0}


def seconds(text: str, folder: Path, cache: dict[str, float]) -> float:
    if text not in cache:
        path = folder / f"s{len(cache)}.wav"
        subprocess.run(["espeak-ng", "-v", "bg", "-w", str(path), text], check=True)
        with wave.open(str(path)) as w:
            cache[text] = w.getnframes() / w.getframerate()
    return cache[text]


def measure(call: PhoneCall, keys: list[str], folder: Path, cache: dict[str, float]):  # type: ignore[no-untyped-def]
    """Speech heard until the average: (before it starts, when it ends, sentences)."""
    heard: list[str] = []
    turns = [call.start()] + [None] * len(keys)
    for i, key in enumerate(keys):
        heard += turns[i].said  # type: ignore[union-attr]
        turns[i + 1] = call.press(key)
    final = turns[-1]
    assert final is not None
    before = sum(seconds(t, folder, cache) for t in heard)
    average_line = next(t for t in final.said if "среден успех" in t.lower())
    return before, before + seconds(average_line, folder, cache), heard + [average_line]


def measure_from(call: PhoneCall, first, keys: list[str], folder: Path, cache) -> float:  # type: ignore[no-untyped-def]
    heard = list(first.said)
    turn = first
    for i, key in enumerate(keys):
        turn = call.press(key)
        if i < len(keys) - 1:
            heard += turn.said
    line = next(t for t in turn.said if "среден успех" in t.lower() or "няма оценки" in t)
    return sum(seconds(t, folder, cache) for t in heard) + seconds(line, folder, cache)


def main() -> None:
    print(f"machine: {machine()}")
    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng)")
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-speech-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(tmp),
            "PROMPTS_AUDIO_DIR": str(tmp / "audio"),
            "PUBLIC_BASE_URL": "",
            "NOW": "2026-11-25T10:00:00",
        }
    )
    with app.app_context():
        from gradebook.demo import build_demo

        db.create_all()
        result = build_demo(
            seed=7, schools=1, today=dt.date(2026, 11, 25), students_per_class=10, levels=(5, 9)
        )
        db.session.remove()
    known = result.phone_parents[0]
    with app.app_context():
        import sqlalchemy as sa

        from models import Guardian, GuardianStudent, Student

        others = db.session.execute(
            sa.select(Guardian.phone, Student.student_code)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .join(Student, Student.id == GuardianStudent.student_id)
            .order_by(Guardian.id)
            .limit(200)
        ).all()
        db.session.remove()
    transport = FlaskTransport(app)
    cache: dict[str, float] = {}
    rows = []
    call = PhoneCall(transport, from_number=known["phone"])
    rows.append(("known", *measure(call, [known["pin"] + "#"], tmp, cache)))
    call = PhoneCall(transport, from_number="+359888000999")
    rows.append(("unknown", *measure(call, [known["code"] + "#", known["pin"] + "#"], tmp, cache)))
    print("Speech before the average (espeak-ng, voice bg, default rate; typing not counted)")
    print(f"{'caller':8} {'until it starts':>16} {'until it ends':>14} {'goal':>6}  ok")
    for kind, start, end, heard in rows:
        ok = "yes" if end <= GOAL[kind] else ("start only" if start <= GOAL[kind] else "NO")
        print(f"{kind:8} {start:14.1f} s {end:12.1f} s {GOAL[kind]:5.0f} s  {ok}")
        for line in heard:
            print(f"    {seconds(line, tmp, cache):4.1f} s  {line}")

    # every parent of the school with one child: the spread over names and averages
    spread: dict[str, list[float]] = {"known": [], "unknown": []}
    seen: set[str] = set()
    for phone, code in others:
        if phone in seen:
            continue
        seen.add(phone)
        call = PhoneCall(transport, from_number=phone)
        first = call.start()
        if first.gather and first.gather.get("num_digits") == 1:
            continue  # several children: a choice comes first
        spread["known"].append(measure_from(call, first, ["2580#"], tmp, cache))
        call = PhoneCall(transport, from_number="+359888000998")
        spread["unknown"].append(
            measure_from(call, call.start(), [code + "#", "2580#"], tmp, cache)
        )
    print(f"\nOver {len(spread['known'])} parents (until the average has been said):")
    for kind, values in spread.items():
        values.sort()
        within = sum(v <= GOAL[kind] for v in values)
        print(
            f"  {kind:8} median {values[len(values) // 2]:.1f} s, max {values[-1]:.1f} s; "
            f"{within}/{len(values)} within {GOAL[kind]:.0f} s"
        )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
