"""Benchmark: import of a generated 1,500-student school (goal: median ≤ 5 s).

    .venv/bin/python bench/import_school.py [--students 1500] [--runs 3] [--database-url URL]

Each run starts from an empty database (SQLite file in a temporary folder unless a URL is given;
a PostgreSQL URL is reset, so never point it at real data), creates the school, its year and
60 classes, then times the CSV student list with two parents a student: read + validate +
commit (codes, enrollments, guardians, links), and a second, unchanged re-import. Prints the
figures and the median.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import machine  # noqa: E402


def make_csv(students: int, per_class: int = 25, seed: int = 1) -> tuple[bytes, list[str]]:
    from gradebook.demo import FAMILY
    from gradebook.demo import FEMALE_FIRST
    from gradebook.demo import MALE_FIRST
    from gradebook.demo import make_egn
    from onboarding.import_students import STUDENT_COLUMNS

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in STUDENT_COLUMNS])
    classes: list[str] = []
    letters = "абвгде"
    for index in range(students):
        level = 1 + (index // per_class) % 12
        section = index // (per_class * 12)
        name = f"{level}{letters[section]}"
        if name not in classes:
            classes.append(name)
        number = index % per_class + 1
        female = rng.random() < 0.5
        first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
        family = rng.choice(FAMILY)
        last = family + "а" if female else family
        father = rng.choice(MALE_FIRST)
        birth = dt.date(2019 - level, rng.randrange(1, 13), rng.randrange(1, 29))
        egn = make_egn(rng, birth, female)
        phone1 = f"088{index:07d}"
        phone2 = f"087{index:07d}"
        writer.writerow([name, number, first, father + "ов" + ("а" if female else ""), last, "ЕГН", egn,
                         birth.strftime("%d.%m.%Y"), "Ж" if female else "М", "не",
                         f"Мама {family}а", "майка", phone1, f"parent{index}@example.bg",
                         f"Татко {family}", "баща", phone2, ""])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8"), classes


def run_once(url: str | None, data: bytes, classes: list[str]) -> tuple[float, float, float]:
    from app import create_app
    from gradebook.demo import school_year_bounds
    from models import School
    from models import SchoolClass
    from models import SchoolYear
    from models import db
    from onboarding import importer
    from onboarding.tabular import class_grade_level

    with tempfile.TemporaryDirectory() as folder:
        database = url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": database, "INSTANCE_PATH": folder,
                          "NOW": "2026-11-25T10:00:00", "SECRET_KEY": "bench"})  # fmt: skip
        with app.app_context():
            db.drop_all()
            db.create_all()
            school = School(name="Бенчмарк СУ", neispuo_code="9999999", town="София")
            db.session.add(school)
            db.session.flush()
            first, start, term2, end = school_year_bounds(dt.date(2026, 11, 25))
            year = SchoolYear(school_id=school.id, name=f"{first}/{first + 1}", starts_on=start,
                              term2_starts_on=term2, ends_on=end)  # fmt: skip
            db.session.add(year)
            db.session.flush()
            for name in classes:
                db.session.add(SchoolClass(school_id=school.id, school_year_id=year.id, name=name,
                                           grade_level=class_grade_level(name) or 1))  # fmt: skip
            db.session.commit()
            started = time.perf_counter()
            plan = importer.preview("students", school.id, "list.csv", data)
            validated = time.perf_counter() - started
            assert plan.ok, [e.text() for e in plan.errors[:5]]
            started = time.perf_counter()
            _, counts = importer.commit("students", school.id, "list.csv", data)
            first_import = time.perf_counter() - started
            assert counts is not None
            started = time.perf_counter()
            _, again = importer.commit("students", school.id, "list.csv", data)
            second_import = time.perf_counter() - started
            assert again is not None and again["new"] == 0
            db.session.remove()
            if url:
                db.drop_all()
            db.engine.dispose()
    return validated, first_import, second_import


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    data, classes = make_csv(args.students)
    print(f"Файл: {args.students} ученици, {len(classes)} паралелки, {len(data) / 1024:.0f} KiB")
    results = []
    for run in range(1, args.runs + 1):
        validated, first, second = run_once(args.database_url, data, classes)
        results.append((validated, first, second))
        print(
            f"  опит {run}: преглед {validated:.2f} s, импорт {first:.2f} s, повторен импорт {second:.2f} s"
        )
    median_first = statistics.median(r[1] for r in results)
    print(f"Медиана на импорта (четене + проверка + запис): {median_first:.2f} s (цел ≤ 5 s)")
    print(f"Медиана на повторния импорт: {statistics.median(r[2] for r in results):.2f} s")
    print(f"Медиана на прегледа: {statistics.median(r[0] for r in results):.2f} s")


if __name__ == "__main__":
    main()
