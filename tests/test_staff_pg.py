"""Staff use-cases on PostgreSQL: optimistic locking under a real concurrent commit, and a
column saved in one transaction (nothing of it when one row fails)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from gradebook import absences
from gradebook import core
from gradebook import grades
from gradebook.demo import build_demo
from models import AuditLog
from models import Curriculum
from models import Grade
from models import GradeKind
from models import SchoolClass
from models import db

pytestmark = pytest.mark.postgres

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def pg_demo(pg_app):
    build_demo(seed=3, schools=1, today=TODAY, students_per_class=6, levels=(9,))
    return pg_app


def teacher_curriculum() -> Curriculum:
    return db.session.scalar(
        sa.select(Curriculum)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(Curriculum.teacher_id.is_not(None), SchoolClass.grade_level == 9)
        .order_by(Curriculum.id)
    )


def test_concurrent_edit_is_a_conflict_not_a_lost_update(pg_demo):
    # the first current grade of November in a grade-9 curriculum that has a teacher (which
    # curriculum has one depends on the demo's timetable and absences, so pick by the grade)
    grade = db.session.scalar(
        sa.select(Grade)
        .join(Curriculum, Curriculum.id == Grade.curriculum_id)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(Curriculum.teacher_id.is_not(None), SchoolClass.grade_level == 9)
        .where(Grade.kind == GradeKind.CURRENT, Grade.date >= dt.date(2026, 11, 1))
        .order_by(Curriculum.id, Grade.id)
    )
    assert grade is not None
    curriculum = db.session.get(Curriculum, grade.curriculum_id)
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    assert grade is not None and grade.version == 1
    # another request commits a change after this one read the row (same version in hand)
    other = sa.create_engine(db.engine.url)
    with other.begin() as conn:
        conn.execute(
            sa.update(Grade.__table__)
            .where(Grade.__table__.c.id == grade.id)
            .values(value=Decimal("3.00"), version=2)
        )
    other.dispose()
    with pytest.raises(core.Conflict) as info:
        grades.update_grade(actor, grade.id, value="2", version=1, reason="second editor")
    assert "междувременно е променен" in info.value.message_bg
    db.session.expire_all()
    assert db.session.get(Grade, grade.id).value == Decimal("3.00")
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.reason == "second editor")) is None


def test_column_is_all_or_nothing(pg_demo):
    curriculum = teacher_curriculum()
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    sids = [e.student_id for e in core.active_enrollments(curriculum.class_id)]
    count = sa.select(sa.func.count(Grade.id)).where(Grade.curriculum_id == curriculum.id)
    before = db.session.scalar(count)
    with pytest.raises(core.Invalid) as info:
        grades.save_grade_column(
            actor, curriculum.id, kind="current", date=TODAY, values={sids[0]: "6", sids[1]: "9"}
        )
    assert set(info.value.errors) == {f"g{sids[1]}"}
    assert db.session.scalar(count) == before
    saved = grades.save_grade_column(
        actor, curriculum.id, kind="current", date=TODAY, values={s: "5" for s in sids}
    )
    assert len(saved) == len(sids)
    assert db.session.scalar(count) == before + len(sids)


def test_the_same_lesson_registered_twice_at_once_is_a_conflict(pg_demo):
    """Two teachers save the register of one lesson at the same moment: the second gets the
    clear conflict message (no error page), and the first one's marks stand."""
    from models import Absence
    from models import AbsenceKind
    from models import TeacherAbsence
    from models import TimetableSlot

    slot = db.session.scalar(
        sa.select(TimetableSlot)
        .where(
            TimetableSlot.weekday == 3,
            TimetableSlot.teacher_id.is_not(None),
            # not the demo's teacher absent today: a substitute takes that register
            TimetableSlot.teacher_id.not_in(sa.select(TeacherAbsence.teacher_id)),
        )
        .order_by(TimetableSlot.id)
    )
    actor = core.Actor.load(slot.teacher_id, slot.school_id)
    sid = core.active_enrollments(slot.class_id)[0].student_id
    year_id = db.session.get(SchoolClass, slot.class_id).school_year_id

    def racing(session, flush_context, instances):  # the other teacher commits first
        other = sa.create_engine(db.engine.url)
        with other.begin() as conn:
            conn.execute(
                sa.insert(Absence.__table__).values(
                    school_id=slot.school_id,
                    school_year_id=year_id,
                    student_id=sid,
                    date=TODAY,
                    period=slot.period,
                    term=1,
                    kind="late",
                    excuse_comment="",
                    excused_by_parent=False,
                    version=1,
                    created_at=dt.datetime(2026, 11, 25, 8),
                    updated_at=dt.datetime(2026, 11, 25, 8),
                )
            )
        other.dispose()

    session = db.session()
    sa.event.listen(session, "before_flush", racing, once=True)
    with pytest.raises(core.Conflict):
        absences.save_lesson_absences(actor, slot.id, date=TODAY, marks={sid: "absent"})
    kinds = db.session.scalars(
        sa.select(Absence.kind).where(
            Absence.student_id == sid, Absence.date == TODAY, Absence.period == slot.period
        )
    ).all()
    assert kinds == [AbsenceKind.LATE]
