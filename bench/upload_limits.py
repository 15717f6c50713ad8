"""Seconds and peak memory to refuse the hostile uploads of tests/test_trust_upload_limits.py,
beside reading a normal 300-row subject list in the same run (the yardstick), so the figures
read as ratios. Goals (issue 12): every refusal ≤ 5 s and ≤ 30 MB above the yardstick's peak.

    .venv/bin/python bench/upload_limits.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from bench._common import machine  # noqa: E402
from onboarding.file_error import ImportFileError  # noqa: E402
from onboarding.import_subjects import SUBJECT_COLUMNS  # noqa: E402
from onboarding.tabular import read_table  # noqa: E402
from tests.upload_bombs import empty_cells  # noqa: E402
from tests.upload_bombs import huge_shared_string  # noqa: E402


def normal_list(rows: int = 300) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Предмет", "Кратко име"])
    for number in range(rows):
        sheet.append([f"Предмет {number}", f"П{number}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(data: bytes) -> str:
    try:
        read_table("list.xlsx", data, SUBJECT_COLUMNS)
    except ImportFileError as refused:
        return "refused: " + refused.message_bg
    return "read"


def measure(data: bytes, repeat: int) -> tuple[float, float, str]:
    """Best of ``repeat`` seconds (untraced), then the peak MB of one traced run."""
    best = float("inf")
    outcome = ""
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = read(data)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    try:
        read(data)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return best, peak, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("yardstick: 300-row list", normal_list),
        ("300 MB shared string", lambda: huge_shared_string(300)),
        ("4 MB shared string", lambda: huge_shared_string(4)),
        ("600,000 empty cells", lambda: empty_cells(rows=150, per_row=4000)),
        ("570,000 empty cells after the data", lambda: empty_cells(rows=5700, per_row=100)),
    ]
    print(machine())
    print(f"{'file':38} {'seconds':>8} {'× yardstick':>12} {'peak MB':>8}  outcome")
    yardstick = 0.0
    for name, build in cases:
        seconds, peak, outcome = measure(build(), args.repeat)
        yardstick = yardstick or seconds
        print(f"{name:38} {seconds:8.3f} {seconds / yardstick:12.1f} {peak:8.1f}  {outcome[:60]}")


if __name__ == "__main__":
    main()
