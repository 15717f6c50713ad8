"""``flask demo --past-years K``: K finished school years before the current one, one after the
other, with the same pupils a grade lower each year back, classes named per year and a whole year
of grades in each (issue 19)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import Enrollment
from models import FirstGradeResult
from models import Grade
from models import GradeKind
from models import GradeResult
from models import SchoolClass
from models import SchoolYear
from models import db


def test_past_years_builds_three_consecutive_years(app):
    result = app.test_cli_runner().invoke(
        args=[
            "demo",
            "--schools",
            "1",
            "--students-per-class",
            "3",
            "--today",
            "25.11.2026",
            "--past-years",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    years = db.session.scalars(sa.select(SchoolYear).order_by(SchoolYear.starts_on)).all()
    assert [y.name for y in years] == ["2024/2025", "2025/2026", "2026/2027"]
    assert [y.is_current for y in years] == [False, False, True]
    for before, after in zip(years, years[1:], strict=False):  # one after the other, no overlap
        assert before.starts_on < before.ends_on < after.starts_on < after.ends_on

    # each year: its own classes, named for that year's grade level; every pupil is in one class
    # a year and one grade level lower for each year back
    place: dict[int, dict[int, tuple[int, str]]] = {y.id: {} for y in years}
    for year_id, sid, level, name, left_on in db.session.execute(
        sa.select(
            SchoolClass.school_year_id,
            Enrollment.student_id,
            SchoolClass.grade_level,
            SchoolClass.name,
            Enrollment.left_on,
        ).join(Enrollment, Enrollment.class_id == SchoolClass.id)
    ):
        year = next(y for y in years if y.id == year_id)
        assert sid not in place[year_id], "a pupil in two classes of one year"
        place[year_id][sid] = (level, name)
        assert name.startswith(str(level)) or level == 0, name
        assert (left_on is None) == year.is_current
        if left_on is not None:
            assert year.starts_on < left_on <= year.ends_on
    now, last, first = place[years[2].id], place[years[1].id], place[years[0].id]
    assert first and last and now
    for sid, (level, _name) in last.items():
        assert now[sid][0] == level + 1
    for sid, (level, _name) in first.items():
        assert last[sid][0] == level + 1 and now[sid][0] == level + 2
    # first graders of two years ago are third graders now; nobody was in a class before I
    assert {lv for lv, _ in first.values()} == set(range(1, 11))
    assert {lv for lv, _ in last.values()} == set(range(1, 12))

    # every year's pupils have grades of that year, dated within it; the past years are finished
    for year in years:
        graded = {
            sid: (low, high)
            for sid, low, high in db.session.execute(
                sa.select(Grade.student_id, sa.func.min(Grade.date), sa.func.max(Grade.date))
                .where(Grade.school_year_id == year.id)
                .group_by(Grade.student_id)
            )
        }
        pupils = {sid for sid, (level, _n) in place[year.id].items() if level >= 1}
        assert pupils and pupils <= set(graded), year.name
        assert all(year.starts_on <= low <= high <= year.ends_on for low, high in graded.values())
        annual = db.session.scalar(
            sa.select(sa.func.count(Grade.id)).where(
                Grade.school_year_id == year.id, Grade.kind == GradeKind.ANNUAL
            )
        )
        assert bool(annual) == (not year.is_current), year.name
    # each finished year has its own year results (first grade's, and V–XII's)
    for year in years[:2]:
        for model in (FirstGradeResult, GradeResult):
            assert db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.school_year_id == year.id)
            ), (model.__name__, year.name)
    assert dt.date(2026, 11, 25) >= years[2].starts_on
