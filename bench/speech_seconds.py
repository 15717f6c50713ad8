"""Seconds of speech before a caller hears the child's headline figure: the average for grades
IV–XII, the counted marks for grades I–III (which are never averaged). Goals (issue 8): ≤ 10 s
for a known caller, ≤ 20 s for an unknown one; typing time not counted.

Drives real calls on a demo school with grades III, V and IX (SQLite, in a temporary folder) with
the TwiML-following client, renders every sentence the line says with espeak-ng (voice bg,
default rate) and sums the durations up to the start, and to the end, of the headline sentence.
First the two demo parents in detail, then every parent of the school with one child, per band.

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
from ivr.client import FlaskTransport  # noqa: E402
from ivr.client import PhoneCall  # noqa: E402
from models import db  # noqa: E402

GOAL = {"known": 10.0, "unknown": 20.0}


def seconds(text: str, folder: Path, cache: dict[str, float]) -> float:
    if text not in cache:
        path = folder / f"s{len(cache)}.wav"
        subprocess.run(["espeak-ng", "-v", "bg", "-w", str(path), text], check=True)
        with wave.open(str(path)) as w:
            cache[text] = w.getnframes() / w.getframerate()
    return cache[text]


def is_headline(sentence: str) -> bool:
    """The sentence with the child's figure: the average (IV–XII) or the term's marks (I–III)."""
    text = sentence.lower()
    return "среден успех" in text or "този срок" in text or "няма оценки" in text


def until_headline(
    call: PhoneCall, keys: list[str], folder: Path, cache: dict[str, float]
) -> tuple[float, float, list[str]]:
    """Speech heard until the headline: (before it starts, when it ends, sentences)."""
    heard: list[str] = []
    turn = call.start()
    for key in keys:
        heard += turn.said
        turn = call.press(key)
    line = next(t for t in turn.said if is_headline(t))
    heard += turn.said[: turn.said.index(line)]
    before = sum(seconds(t, folder, cache) for t in heard)
    return before, before + seconds(line, folder, cache), heard + [line]


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
        import sqlalchemy as sa

        from gradebook.demo import build_demo
        from models import Enrollment
        from models import Guardian
        from models import GuardianStudent
        from models import SchoolClass
        from models import Student

        db.create_all()
        result = build_demo(
            seed=7, schools=1, today=dt.date(2026, 11, 25), students_per_class=10, levels=(3, 5, 9)
        )
        others = db.session.execute(
            sa.select(Guardian.phone, Student.student_code, SchoolClass.grade_level)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .join(Student, Student.id == GuardianStudent.student_id)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Enrollment.left_on.is_(None))
            .order_by(Guardian.id)
        ).all()
        db.session.remove()
    transport = FlaskTransport(app)
    cache: dict[str, float] = {}
    known = result.phone_parents[0]
    rows = [
        ("known", until_headline(PhoneCall(transport, from_number=known["phone"]),
                                 [known["pin"] + "#"], tmp, cache)),
        ("unknown", until_headline(PhoneCall(transport, from_number="+359888000999"),
                                   [known["code"] + "#", known["pin"] + "#"], tmp, cache)),
    ]  # fmt: skip
    print(f"The demo parent ({known['child']}), espeak-ng voice bg, default rate:")
    print(f"{'caller':8} {'until it starts':>16} {'until it ends':>14} {'goal':>6}  ok")
    for kind, (start, end, heard) in rows:
        ok = "yes" if end <= GOAL[kind] else ("start only" if start <= GOAL[kind] else "NO")
        print(f"{kind:8} {start:14.1f} s {end:12.1f} s {GOAL[kind]:5.0f} s  {ok}")
        for line in heard:
            print(f"    {seconds(line, tmp, cache):4.1f} s  {line}")

    # every parent of the school with one child, per band: the spread over names and figures
    spread: dict[tuple[str, str], list[tuple[float, float]]] = {}
    seen: set[str] = set()
    longest = (0.0, "")
    for phone, code, level in others:
        if phone in seen:
            continue
        seen.add(phone)
        band = "I–III" if level <= 3 else "IV–XII"
        call = PhoneCall(transport, from_number=phone)
        if (call.start().gather or {}).get("num_digits") == 1:
            continue  # several children: a choice comes first
        for kind, number, keys in (
            ("known", phone, ["2580#"]),
            ("unknown", "+359888000998", [code + "#", "2580#"]),
        ):
            start, end, heard = until_headline(
                PhoneCall(transport, from_number=number), keys, tmp, cache
            )
            spread.setdefault((band, kind), []).append((start, end))
            longest = max(longest, (end - start, heard[-1]))
    print("\nEvery parent with one child (seconds until the headline has been said):")
    for (band, kind), values in sorted(spread.items()):
        ends = sorted(end for _start, end in values)
        within = sum(v <= GOAL[kind] for v in ends)
        starts = sum(start <= GOAL[kind] for start, _end in values)
        print(
            f"  {band:7} {kind:8} median {ends[len(ends) // 2]:4.1f} s, max {ends[-1]:4.1f} s; "
            f"{within}/{len(ends)} heard in full within {GOAL[kind]:.0f} s, "
            f"{starts}/{len(ends)} begun"
        )
    print(f"  the longest headline: {longest[0]:.1f} s  {longest[1]}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
