"""The hourly monthly-threshold run (``notify.scheduler.threshold_checks``) works in batches: a
fixed number of statements per school whatever the number of pupils, and the same alerts as the
one-pupil-at-a-time check. On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from models import Absence
from models import AbsenceKind
from models import NotificationOutbox
from models import NotifyEvent
from models import SchoolYear
from models import db
from notify.outbox import check_threshold
from notify.scheduler import threshold_checks
from tests._helpers import counted_statements
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student
from tests.notify_helpers import rows

DAY = dt.date(2026, 11, 25)


def school_with_absent_pupils(pupils: int, *, over: int) -> list[int]:
    """A school of ``pupils`` children, each with a parent; the first ``over`` of them have 6
    unexcused hours this month (over the default limit of 5), the others 2."""
    school = make_school()
    year = db.session.scalar(sa.select(SchoolYear).where(SchoolYear.school_id == school.id))
    assert year is not None
    ids = []
    for n in range(pupils):
        student = make_student(school, first_name=f"Ученик{n}")
        make_guardian(student)
        for period in range(1, (7 if n < over else 3)):
            db.session.add(
                Absence(
                    school_id=school.id, school_year_id=year.id, student_id=student.id,
                    date=DAY - dt.timedelta(days=2), period=period, term=1,
                    kind=AbsenceKind.UNEXCUSED,
                )
            )  # fmt: skip
        ids.append(student.id)
    db.session.commit()
    return ids


def statements_for(pupils: int) -> int:
    school_with_absent_pupils(pupils, over=pupils)
    with counted_statements() as seen:
        written = threshold_checks(DAY)
    assert written == 2 * pupils  # an SMS and an e-mail per parent
    db.session.execute(sa.delete(NotificationOutbox))
    db.session.execute(sa.delete(Absence))
    db.session.commit()
    return len(seen)


def test_statements_do_not_grow_with_the_school(any_app: Any) -> None:
    small = statements_for(5)
    large = statements_for(25)
    assert small == large, (small, large)


def test_statements_grow_with_schools_not_pupils(any_app: Any) -> None:
    school_with_absent_pupils(5, over=5)
    with counted_statements() as one:
        threshold_checks(DAY)
    db.session.execute(sa.delete(NotificationOutbox))
    db.session.commit()
    school_with_absent_pupils(25, over=25)
    with counted_statements() as two:
        threshold_checks(DAY)
    # the run's first two queries, which find the pupils (lesson absences, ПГ days), are shared
    per_school = len(one) - 2
    assert len(two) == 2 + 2 * per_school, (len(one), len(two))


def _alerts() -> list[tuple[Any, ...]]:
    return sorted(
        (r.student_id, r.guardian_id, r.channel.value, r.to_address, r.body, r.subject, r.due_at)
        for r in rows(event_type=NotifyEvent.THRESHOLD)
    )


def test_same_alerts_as_one_pupil_at_a_time(any_app: Any) -> None:
    first = school_with_absent_pupils(8, over=3)
    second = school_with_absent_pupils(4, over=4)
    school_ids = {
        sid: db.session.scalar(sa.select(Absence.school_id).where(Absence.student_id == sid))
        for sid in first + second
    }
    # the old way: one check per pupil who has unexcused hours this month
    for sid in first + second:
        check_threshold(sid, school_ids[sid], DAY)
    db.session.commit()
    one_by_one = _alerts()
    assert {a[0] for a in one_by_one} == set(first[:3] + second)
    db.session.execute(sa.delete(NotificationOutbox))
    db.session.commit()

    assert threshold_checks(DAY) == len(one_by_one)
    assert _alerts() == one_by_one
    # once per child per month: the next hourly run writes nothing
    assert threshold_checks(DAY) == 0
