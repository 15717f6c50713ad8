"""A realistic, deterministic demo school (or N of them) for trying and benchmarking Belezhnik.

``build_demo(seed, schools, today)`` creates, per school: the current school year with its terms,
vacations and ends of classes; grades I–XII in two or three sections of about 25 pupils with
plausible Bulgarian names and valid ЕГН; teachers and a curriculum per grade band; bell times for
two shifts and a clash-free weekly timetable; a term of current grades with a realistic spread;
absences and lates on real lessons; remarks and praises; a few health notes; coming tests, events
and parent meetings; parent accounts. Rows go in with bulk inserts so that 100 schools stay fast.

Everything random comes from ``random.Random(seed)``: the same seed gives the same schools.

The package: :mod:`.data` (names, curricula, bells, texts, the calendar, ЕГН), :mod:`.classes`
(staff, subjects, the year, classes, curricula, timetable), :mod:`.year` (a year's grades and
absences, past years), :mod:`.school` (one whole school), :mod:`.outbound` (past calls out: a
"not at school" round, a school-wide voice message), :mod:`.loader` (ids, COPY, bulk mode); :func:`build_demo` here builds the schools and commits.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections.abc import Callable
from collections.abc import Iterator

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from gradebook.demo.data import DEMO_PASSWORD
from gradebook.demo.data import DEMO_PIN
from gradebook.demo.data import FAMILY
from gradebook.demo.data import FEMALE_FIRST
from gradebook.demo.data import MALE_FIRST
from gradebook.demo.data import OPERATOR_EMAIL
from gradebook.demo.data import feminine
from gradebook.demo.data import make_egn
from gradebook.demo.data import school_year_bounds
from gradebook.demo.exams import build_exams
from gradebook.demo.homework import add_homework
from gradebook.demo.loader import OWN_IDS
from gradebook.demo.loader import Ids
from gradebook.demo.loader import advance_sequences
from gradebook.demo.loader import bulk_mode
from gradebook.demo.loader import drop_for_bulk
from gradebook.demo.loader import restore_after_bulk
from gradebook.demo.pupil_record import build_pupil_record
from gradebook.demo.school import DemoResult
from gradebook.demo.school import build_school
from gradebook.demo.substitutions import add_substitutions
from gradebook.demo.topics import add_topics
from gradebook.demo.year import PAST_YEAR_LEFT_REASON
from gradebook.demo.year_results import build_year_results
from models import School
from models import StaffUser
from models import Student
from models import db
from security import hash_pin

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PIN",
    "FAMILY",
    "FEMALE_FIRST",
    "MALE_FIRST",
    "OPERATOR_EMAIL",
    "PAST_YEAR_LEFT_REASON",
    "DemoResult",
    "build_demo",
    "feminine",
    "make_egn",
    "school_year_bounds",
]


def build_demo(
    seed: int = 1,
    schools: int = 1,
    today: dt.date | None = None,
    students_per_class: int = 25,
    levels: tuple[int, ...] = tuple(range(1, 13)),
    progress: Callable[[Iterator[int], int, str], Iterator[int]] | None = None,
    history_years: int = 0,
    bulk: bool | None = None,
) -> DemoResult:
    """Create ``schools`` demo schools in the current database session and commit.

    ``history_years`` (the CLI's ``--past-years``) adds that many finished school years before
    the current one, each the year before the next: the same pupils a grade lower for each year
    back (so the current first graders have none), every current grade of both
    terms, the term and annual grades, and absences; their enrolments have ended. The current
    year's data does not depend on it (the history draws from a random stream of its own), so a
    test can check that nothing of a past year leaks into the current year's figures.

    ``progress(iterable, length, label)`` may wrap the loops over schools (the CLI passes a
    progress bar). On PostgreSQL the big tables go in with COPY, everything else with multi-row
    inserts. Each school is committed with its summaries, except in ``bulk`` mode (by default on
    PostgreSQL from five schools on): the foreign keys and indexes of the grade and absence
    tables are dropped, every school is loaded, they are put back, the summaries are built, and
    all of it is one transaction (an interrupted load leaves nothing behind).
    """
    from config import TZ

    today = today or dt.datetime.now(TZ).date()
    rng = random.Random(seed)
    result = DemoResult()
    ids = Ids()
    for model in OWN_IDS:
        table = model.__table__
        current = db.session.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        ids.next[table.name] = current + 1
    ids.codes.update(db.session.scalars(sa.select(Student.student_code)))
    password_hash = generate_password_hash(DEMO_PASSWORD)
    pin_hash = hash_pin(DEMO_PIN)

    if (
        db.session.execute(sa.select(StaffUser.id).where(StaffUser.email == OPERATOR_EMAIL)).first()
        is None
    ):
        db.session.execute(
            sa.insert(StaffUser),
            [
                dict(
                    id=ids.take("staff_user"),
                    email=OPERATOR_EMAIL,
                    full_name="Оператор на платформата",
                    password_hash=password_hash,
                    is_operator=True,
                )
            ],
        )
        result.logins.append(("оператор", OPERATOR_EMAIL, DEMO_PASSWORD))

    existing = db.session.execute(sa.select(sa.func.count(School.id))).scalar() or 0
    counter = iter(range(existing + 1, existing + schools + 1))
    loop = progress(counter, schools, "Училища") if progress else counter
    from gradebook import summary
    from gradebook.demo.outbound import add_outbound_calls
    from gradebook.demo.parent_notes import add_parent_notes

    bulk = bulk_mode(schools) if bulk is None else bulk
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived rows: the cyclic collector only slows the build down
    try:
        if bulk:
            drop_for_bulk()
        for number in loop:
            history = random.Random(f"{seed}/{number}/history")
            grades = build_school(
                number,
                rng,
                history,
                ids,
                today,
                students_per_class,
                levels,
                history_years,
                password_hash,
                pin_hash,
                result,
            )
            add_topics(result.schools[-1], today, result.counts)
            build_exams(result.schools[-1], today, link_grades=not bulk)
            add_substitutions(result.schools[-1], today, bulk)
            add_parent_notes(result.schools[-1], today)
            add_outbound_calls(result.schools[-1], number, today, bulk)
            build_pupil_record(result.schools[-1], today)
            build_year_results(result.schools[-1], today, ids, result.counts, grades)
            del grades
            advance_sequences(ids)
            add_homework(result.schools[-1], today, random.Random(f"{seed}/{number}/homework"))
            if not bulk:
                db.session.flush()
                summary.rebuild_school(result.schools[-1])
                db.session.commit()
            gc.collect()
        if bulk:
            # indexes and foreign keys back (each checked in one pass), then the summaries,
            # which read through those indexes; all of it one transaction with the rows
            restore_after_bulk(progress)
            steps = iter(result.schools)
            for school_id in (
                progress(steps, len(result.schools), "Обобщения") if progress else steps
            ):
                summary.rebuild_school(school_id)
                gc.collect()
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if collecting:
            gc.enable()
    if history_years:
        from gradebook.demo.book_signing import signer
        from gradebook.demo.class_book import DEMO_SIGNER
        from gradebook.demo.class_book import finalise_demo_book

        demo_signer = signer(DEMO_SIGNER)  # one demo certificate for the load
        for school_id in result.schools:
            finalise_demo_book(school_id, demo_signer)  # a signed, finalised book of last year
    return result
