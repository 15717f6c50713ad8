"""Seconds of speech before a grade I–III caller has heard the headline: the term's marks counted
("Калина: този срок – четири Отличен и една Много добър."), never an average. The same
goals as ``bench/speech_seconds.py`` (≤ 10 s for a known caller, ≤ 20 s for an unknown one;
typing time not counted), on a demo school of grade III only.

    .venv/bin/python bench/speech_seconds_marks.py
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench._common import machine  # noqa: E402
from bench.speech_seconds import GOAL, seconds  # noqa: E402
from ivr.client import FlaskTransport, PhoneCall, Turn  # noqa: E402
from models import db  # noqa: E402


def until_headline(
    call: PhoneCall, keys: list[str], folder: Path, cache: dict[str, float]
) -> tuple[float, float, list[str]]:
    """Speech heard until the headline: (before it starts, when it ends, sentences)."""
    heard: list[str] = []
    turn: Turn = call.start()
    for key in keys:
        heard += turn.said
        turn = call.press(key)
    line = turn.said[0]
    assert "този срок" in line.lower() or "няма оценки" in line, line
    before = sum(seconds(t, folder, cache) for t in heard)
    return before, before + seconds(line, folder, cache), heard + [line]


def main() -> None:
    print(f"machine: {machine()}")
    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng)")
    tmp = Path(tempfile.mkdtemp(prefix="belezhnik-marks-"))
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
        from models import Guardian, GuardianStudent, Student

        db.create_all()
        result = build_demo(
            seed=7, schools=1, today=dt.date(2026, 11, 25), students_per_class=10, levels=(3,)
        )
        others = db.session.execute(
            sa.select(Guardian.phone, Student.student_code)
            .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
            .join(Student, Student.id == GuardianStudent.student_id)
            .order_by(Guardian.id)
            .limit(200)
        ).all()
        db.session.remove()
    known = result.phone_parents[0]
    transport = FlaskTransport(app)
    cache: dict[str, float] = {}
    rows = [
        (
            "known",
            *until_headline(
                PhoneCall(transport, from_number=known["phone"]),
                [known["pin"] + "#"],
                tmp,
                cache,
            ),
        ),
        (
            "unknown",
            *until_headline(
                PhoneCall(transport, from_number="+359888000999"),
                [known["code"] + "#", known["pin"] + "#"],
                tmp,
                cache,
            ),
        ),
    ]
    print("Grades I–III: speech until the counted marks (espeak-ng, voice bg, default rate)")
    print(f"{'caller':8} {'until it starts':>16} {'until it ends':>14} {'goal':>6}  ok")
    for kind, start, end, heard in rows:
        ok = "yes" if end <= GOAL[kind] else ("start only" if start <= GOAL[kind] else "NO")
        print(f"{kind:8} {start:14.1f} s {end:12.1f} s {GOAL[kind]:5.0f} s  {ok}")
        for line in heard:
            print(f"    {seconds(line, tmp, cache):4.1f} s  {line}")

    spread: dict[str, list[float]] = {"known": [], "unknown": []}
    seen: set[str] = set()
    longest = (0.0, "")
    for phone, code in others:
        if phone in seen:
            continue
        seen.add(phone)
        call = PhoneCall(transport, from_number=phone)
        first = call.start()
        if first.gather and first.gather.get("num_digits") == 1:
            continue  # several children: a choice comes first
        heard = list(first.said)
        line = call.press("2580#").said[0]
        spread["known"].append(sum(seconds(t, tmp, cache) for t in heard + [line]))
        longest = max(longest, (seconds(line, tmp, cache), line))
        spread["unknown"].append(
            until_headline(
                PhoneCall(transport, from_number="+359888000998"),
                [code + "#", "2580#"],
                tmp,
                cache,
            )[1]
        )
    print(f"\nOver {len(spread['known'])} parents (until the counted marks have been said):")
    for kind, values in spread.items():
        values.sort()
        within = sum(v <= GOAL[kind] for v in values)
        print(
            f"  {kind:8} median {values[len(values) // 2]:.1f} s, max {values[-1]:.1f} s; "
            f"{within}/{len(values)} within {GOAL[kind]:.0f} s"
        )
    print(f"  the longest headline: {longest[0]:.1f} s  {longest[1]}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
