"""Справки and the rule of figures: a set term grade is the term's figure (общ успех is the mean of
the figures), and grades I–III are counted, never averaged, in every output (HTML, CSV, XLSX, PDF)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from gradebook import rules
from models import Curriculum
from models import Grade
from models import GradeKind
from models import SchoolYear
from models import Subject
from models import db
from onboarding import report_base
from onboarding import report_grades
from onboarding import reports
from tests._helpers import new_grade
from tests._onboarding import login
from tests.test_onboarding_reports import _class
from tests.test_onboarding_reports import _pupils
from tests.test_onboarding_reports import needs_pdf_font

D = Decimal
# a two-place number written the Bulgarian way ("5,25"): what an average looks like in a report
AVERAGE = re.compile(r"\b[2-6],\d\d\b")


def _math(klass_id: int) -> Curriculum:
    return db.session.scalars(
        sa.select(Curriculum)
        .join(Subject)
        .where(Curriculum.class_id == klass_id, Subject.name == "Математика")
    ).one()


def _only_grades(student_id: int, curriculum: Curriculum, currents: list[str]) -> None:
    """Replace the pupil's term-1 grades in the subject by ``currents``."""
    db.session.execute(
        sa.delete(Grade).where(
            Grade.student_id == student_id,
            Grade.curriculum_id == curriculum.id,
            Grade.term == 1,
        )
    )
    year = db.session.scalars(sa.select(SchoolYear).where(SchoolYear.school_id == 1)).one()
    for n, value in enumerate(currents):
        day = dt.date(2026, 10, 1) + dt.timedelta(days=n)
        db.session.add(new_grade(year, student_id, curriculum, D(value), date=day))
    db.session.commit()


def _set_term_grade(student_id: int, curriculum: Curriculum, value: str) -> Grade:
    year = db.session.scalars(sa.select(SchoolYear).where(SchoolYear.school_id == 1)).one()
    grade = new_grade(
        year, student_id, curriculum, D(value), kind=GradeKind.TERM, date=dt.date(2026, 11, 20)
    )
    db.session.add(grade)
    db.session.commit()
    return grade


def test_class_sheet_overall_uses_the_term_grade_not_the_forecast(demo_app) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "5а")
    first = _pupils(klass)[0]
    math = _math(klass.id)
    _only_grades(first.id, math, ["6", "6", "6"])
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    column = report.columns.index(
        "Математика" if "Математика" in report.columns else math.subject.short_name
    )
    assert report_base.cell_text(report.rows[0][column]) == "6,00"
    before = report.rows[0][-1]

    _set_term_grade(first.id, math, "5")
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    assert report.rows[0][column] == "6,00 / 5"
    # общ успех: the mean of the figures, with 5 (not 6,00) for mathematics
    figures = []
    for curriculum, _, _ in report_grades._curricula(1, [klass.id]):
        values = db.session.execute(
            sa.select(Grade.kind, Grade.value).where(
                Grade.student_id == first.id,
                Grade.curriculum_id == curriculum.id,
                Grade.term == 1,
                Grade.value.is_not(None),
            )
        ).all()
        currents = [v for k, v in values if k != GradeKind.TERM]
        finals = [v for k, v in values if k == GradeKind.TERM]
        figures.append(rules.term_figure(currents, finals[-1] if finals else None))
    expected = rules.overall_success(figures)
    assert expected is not None
    assert report.rows[0][-1] == rules.grade_text(expected)
    assert report.rows[0][-1] != before


def test_class_sheet_of_grades_one_to_three_counts_marks(demo_app) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "3а")
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    assert "Общ успех" not in report.columns
    cells = [c for row in report.rows for c in row[2:] if c]
    assert cells, "the demo gives pupils of 3а grades"
    for cell in cells:
        assert not AVERAGE.search(cell), cell
        assert re.fullmatch(r"(\w[\w ]* \(\d+\))(, \w[\w ]* \(\d+\))*", cell), cell
    # the counts are those of the pupil's marks
    first = _pupils(klass)[0]
    math = _math(klass.id)
    _only_grades(first.id, math, ["6", "5", "6", "2"])
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    column = report.columns.index(
        "Математика" if "Математика" in report.columns else math.subject.short_name
    )
    assert report.rows[0][column] == "Отличен (2), Много добър (1), Незадоволителен (1)"


def test_school_averages_and_success_do_not_average_grades_one_to_three(demo_app) -> None:  # type: ignore[no-untyped-def]
    report = reports.build("school-averages", 1, term=1)
    low = [r for r in report.rows if _class(1, r[0]).grade_level <= 3]
    high = [r for r in report.rows if _class(1, r[0]).grade_level > 3]
    assert low and high
    for row in low:
        assert row[4:7] == [None, None, None], row
        assert row[3] == 0 or "(" in row[7]
    assert all(r[7] is None for r in high)

    report = reports.build("success", 1, term=1)
    *classes, total = report.rows
    for row in classes:
        if _class(1, row[0]).grade_level <= 3:
            assert row[2:8] == [None] * 6
            assert row[8] and not AVERAGE.search(row[8])
        else:
            assert row[8] is None or AVERAGE.search(row[8])
    numeric_pupils = sum(r[1] for r in classes if _class(1, r[0]).grade_level > 3)
    assert total[1] == numeric_pupils


@needs_pdf_font
def test_every_output_of_a_grades_one_to_three_sheet_has_no_average(
    demo_app, demo_client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "3а")
    login(demo_client, demo_app, "direktor@sou1.demo.bg")
    url = f"/onboarding/reports/class-sheet?class_id={klass.id}&term=1"
    html = demo_client.get(url).get_data(as_text=True)
    assert "Отличен (" in html or "Много добър (" in html
    table = html[html.index("<table") : html.index("</table>")]
    assert not AVERAGE.search(table)

    csv_text = demo_client.get(url + "&format=csv").get_data().decode("utf-8-sig")
    assert "Общ успех" not in csv_text and not AVERAGE.search(csv_text)

    sheet = load_workbook(io.BytesIO(demo_client.get(url + "&format=xlsx").get_data())).active
    values = [c.value for row in sheet.iter_rows(min_row=4) for c in row if c.value is not None]
    assert not any(isinstance(v, float) and v != int(v) for v in values)
    assert not any(isinstance(v, str) and AVERAGE.search(v) for v in values)

    pdf = demo_client.get(url + "&format=pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text is not checked")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf.get_data())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Сводна ведомост на 3а клас" in text
    assert not AVERAGE.search(text)


def test_a_grade_report_of_a_preparatory_group_says_it_has_no_grades(demo_app) -> None:  # type: ignore[no-untyped-def]
    from models import SchoolClass
    from onboarding.report_base import ReportError

    group = db.session.scalar(
        sa.select(SchoolClass.id).where(SchoolClass.school_id == 1, SchoolClass.grade_level == 0)
    )
    with pytest.raises(ReportError) as refused:
        reports.build("class-sheet", 1, class_id=group, term=1)
    assert "Подготвителната група няма оценки" in refused.value.message_bg
    # the school's reports leave the group out instead
    names = {row[0] for row in reports.build("success", 1, term=1).rows}
    assert db.session.get(SchoolClass, group).name not in names
