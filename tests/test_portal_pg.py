"""The portal's writes on PostgreSQL: read receipts (ON CONFLICT) and the aggregate cache."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from models import GroupSummary
from models import Guardian
from models import SeenItem
from models import db
from portal import stats
from portal.receipts import mark_seen
from tests.test_portal_stats import _report
from tests.test_portal_stats import _world

pytestmark = pytest.mark.postgres


def test_comparison_and_cache_on_postgres(pg_app):
    school, year, classes, students, math, bel = _world((6, 5))
    cls, child = students[2]
    first = _report(school, year, cls, child)
    assert first.overall.klass.average == stats.rules.average([3, 4, 5, 6, 3, 4])
    assert (
        db.session.scalar(
            sa.select(sa.func.count(GroupSummary.id)).where(GroupSummary.source == "portal")
        )
        == 3
    )
    again = _report(school, year, cls, child)
    assert again.overall.cohort.average == first.overall.cohort.average


def test_read_receipts_are_idempotent_under_concurrency(pg_app):
    guardian = Guardian(full_name="Родител", email="r@example.bg")
    db.session.add(guardian)
    db.session.commit()
    gid = guardian.id
    errors: list[BaseException] = []

    def view() -> None:
        try:
            with pg_app.app_context():
                mark_seen(gid, "grade", list(range(1, 200)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=view) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert db.session.scalar(sa.select(sa.func.count(SeenItem.id))) == 199
