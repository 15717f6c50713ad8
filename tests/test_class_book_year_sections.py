"""Issue 18: the printed class book holds the year's sections of its class-book type: a ПГ
group's daily attendance and results, first grade's overall result, the annual results of V–XII
with their retake exams (read back from the PDF with pdftotext)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import class_book_print
from gradebook import core
from models import Curriculum
from models import Enrollment
from models import FirstGradeResult
from models import GradeResult
from models import GradeResultSubject
from models import PgAttendance
from models import SchoolClass
from models import db
from tests.book_seals import seal_without_signature

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"
)
MOMENT = dt.datetime(2026, 12, 4, 9, 0)


def _text(klass: SchoolClass, tmp_path: Path) -> str:
    printed = class_book_print.render(klass, "TEST-1", MOMENT)
    pdf = tmp_path / f"{klass.id}.pdf"
    pdf.write_bytes(printed.data)
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def _class(level: int) -> SchoolClass:
    found = db.session.scalars(
        sa.select(SchoolClass)
        .where(SchoolClass.school_id == 1, SchoolClass.grade_level == level)
        .order_by(SchoolClass.school_year_id.desc(), SchoolClass.id)
    ).first()
    if found is None:
        pytest.skip(f"the demo school has no class of grade {level}")
    return found


def _pupil(klass: SchoolClass) -> int:
    return db.session.scalars(
        sa.select(Enrollment.student_id)
        .where(Enrollment.class_id == klass.id)
        .order_by(Enrollment.class_number)
    ).first()


def test_a_pg_groups_book_prints_its_days_and_results_and_no_grades(
    demo_app: Flask, tmp_path: Path
) -> None:
    group = _class(0)
    days = db.session.scalar(
        sa.select(sa.func.count(PgAttendance.id)).where(PgAttendance.class_id == group.id)
    )
    words = _text(group, tmp_path)
    assert "Присъствие на децата по дни" in words
    assert "Резултати от предучилищното образование" in words
    assert "Срочни и годишни оценки" not in words and "Годишни резултати" not in words
    assert days, "the demo's group has the year's attendance"
    # the month tables name its children
    child = db.session.get(Enrollment, _enrollment_id(group)).student.full_name
    assert child in words and "Присъствия" in words


def _enrollment_id(klass: SchoolClass) -> int:
    return db.session.scalars(
        sa.select(Enrollment.id).where(Enrollment.class_id == klass.id)
    ).first()


def test_first_grade_prints_the_overall_result(demo_app: Flask, tmp_path: Path) -> None:
    # the small demo has no first grade: its lowest school class becomes one
    first = db.session.scalars(
        sa.select(SchoolClass)
        .where(SchoolClass.school_id == 1, SchoolClass.grade_level > 0)
        .order_by(SchoolClass.grade_level, SchoolClass.id)
    ).first()
    first.grade_level = 1
    sid = _pupil(first)
    db.session.execute(sa.delete(FirstGradeResult).where(FirstGradeResult.student_id == sid))
    db.session.add(
        FirstGradeResult(
            school_id=1, school_year_id=first.school_year_id, class_id=first.id,
            student_id=sid, qualitative=5,
        )
    )  # fmt: skip
    db.session.commit()
    words = _text(first, tmp_path)
    assert "Общ годишен резултат (I клас)" in words and "Много добър" in words
    assert "Годишни резултати и поправителни изпити" not in words
    # a finalised book locks the result too
    seal_without_signature(first)
    db.session.get(FirstGradeResult, _first_result(sid)).qualitative = 6
    with pytest.raises(core.Locked):
        db.session.flush()
    db.session.rollback()


def _first_result(student_id: int) -> int:
    return db.session.scalar(
        sa.select(FirstGradeResult.id).where(FirstGradeResult.student_id == student_id)
    )


def test_fifth_grade_prints_annual_results_with_the_retake_sessions(
    demo_app: Flask, tmp_path: Path
) -> None:
    fifth = _class(5)
    sid = _pupil(fifth)
    maths = db.session.scalars(
        sa.select(Curriculum).where(Curriculum.class_id == fifth.id).order_by(Curriculum.id)
    ).first()
    db.session.execute(sa.delete(GradeResult).where(GradeResult.student_id == sid))
    result = GradeResult(
        school_id=1, school_year_id=fifth.school_year_id, class_id=fifth.id, student_id=sid,
        initial=2, final=1,
    )  # fmt: skip
    result.subjects.append(
        GradeResultSubject(
            school_id=1, curriculum_id=maths.id, session1_no_show=True, session2_grade=4
        )
    )
    db.session.add(result)
    db.session.commit()
    words = " ".join(_text(fifth, tmp_path).split())
    assert "Годишни резултати и поправителни изпити" in words
    assert "Полага изпити" in words and "Завършва" in words
    assert f"{maths.subject.name}: не се явил, 4" in words
    assert "Общ годишен резултат (I клас)" not in words and "Присъствие на децата" not in words
    # a finalised book locks the result and its retake sessions
    seal_without_signature(fifth)
    for change in (
        lambda: setattr(db.session.get(GradeResult, result.id), "final", 3),
        lambda: setattr(db.session.get(GradeResult, result.id).subjects[0], "session3_grade", 5),
    ):
        change()
        with pytest.raises(core.Locked):
            db.session.flush()
        db.session.rollback()


def test_the_year_sections_follow_the_class_book_type() -> None:
    keys = {level: [s.key for s in class_book_print.sections_for(level)] for level in (0, 1, 2, 5)}
    assert {"pg_attendance", "pg_results"} <= set(keys[0])
    assert "first_grade_result" in keys[1] and "first_grade_result" not in keys[2]
    assert "grade_results" in keys[5] and "grade_results" not in keys[2]
    assert keys[5].index("final") < keys[5].index("grade_results")
