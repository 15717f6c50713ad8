"""Справки: the data (against independent computations), the renderers (CSV, XLSX, PDF with the
expected names), access (admin, class teacher of the class only) and isolation between schools."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from gradebook import rules
from models import Absence
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeKind
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import Subject
from models import db
from onboarding import report_base
from onboarding import report_grades
from onboarding import report_render
from onboarding import reports
from tests._onboarding import login


def _has_pdf_font() -> bool:
    try:
        report_render.font_path()
    except report_base.ReportError:
        return False
    return True


needs_pdf_font = pytest.mark.skipif(
    not _has_pdf_font(),
    reason="no TTF font with Cyrillic on this machine (Debian: fonts-dejavu-core): PDFs not rendered",
)


def _class(school_id: int, name: str) -> SchoolClass:
    return db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.name == name)
    ).one()


def _pupils(klass: SchoolClass) -> list[Student]:
    return list(
        db.session.scalars(
            sa.select(Student)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .where(Enrollment.class_id == klass.id, Enrollment.left_on.is_(None))
            .order_by(Enrollment.class_number)
        )
    )


def _add_absences(student: Student, unexcused: int, lates: int, excused: int = 0) -> None:
    year = db.session.scalars(
        sa.select(SchoolYear).where(SchoolYear.school_id == student.school_id)
    ).one()
    kinds = ["unexcused"] * unexcused + ["late"] * lates + ["excused"] * excused
    day, period = dt.date(2026, 11, 2), 8
    for kind in kinds:
        db.session.add(Absence(school_id=student.school_id, school_year_id=year.id, student_id=student.id,
                               date=day, period=period, term=1, kind=kind))  # fmt: skip
        period += 1
        if period > 15:
            day, period = day + dt.timedelta(days=1), 8
    db.session.commit()


def test_class_sheet_matches_the_rules(demo_app) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "5а")
    pupils = _pupils(klass)
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    assert [row[1] for row in report.rows] == [p.full_name for p in pupils]
    math = db.session.scalars(
        sa.select(Curriculum)
        .join(Subject)
        .where(Curriculum.class_id == klass.id, Subject.name == "Математика")
    ).one()
    label = "Математика" if "Математика" in report.columns else math.subject.short_name
    column = report.columns.index(label)
    first = pupils[0]
    values = db.session.scalars(
        sa.select(Grade.value).where(Grade.student_id == first.id, Grade.curriculum_id == math.id,
                                     Grade.term == 1, Grade.kind != GradeKind.TERM)
    ).all()  # fmt: skip
    assert values, "the demo gives every pupil grades"
    assert report.rows[0][column] == rules.average(values)  # a number: the XLSX can sum it
    # a term grade appears beside the mean and counts in the overall result
    year = db.session.scalars(sa.select(SchoolYear).where(SchoolYear.school_id == 1)).one()
    db.session.add(Grade(school_id=1, school_year_id=year.id, student_id=first.id, curriculum_id=math.id,
                         subject_id=math.subject_id, term=1, kind=GradeKind.TERM, value=Decimal(6),
                         date=dt.date(2026, 11, 20)))  # fmt: skip
    db.session.commit()
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    assert report.rows[0][column].endswith(" / 6")
    assert report.rows[0][-1].split()[0] in rules.GRADE_WORDS.values()


def test_absences_and_at_risk_use_the_weighted_threshold(demo_app) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "9б")
    base = reports.build("absences", 1, class_id=klass.id, year=2026, month=11)
    before = {row[2]: row for row in base.rows}
    clean = [p for p in _pupils(klass) if before[p.full_name][3:6] == [0, 0, 0]]
    assert len(clean) >= 2, "the demo leaves some pupils without absences in November"
    over, exactly = clean[:2]
    _add_absences(over, unexcused=4, lates=3, excused=2)  # 5.5 weighted
    _add_absences(exactly, unexcused=3, lates=4)  # 5.0: not above 5
    report = reports.build("absences", 1, class_id=klass.id, year=2026, month=11)
    row = {r[2]: r for r in report.rows}[over.full_name]
    assert row[3:6] == [
        before[over.full_name][3] + 2,
        before[over.full_name][4] + 4,
        before[over.full_name][5] + 3,
    ]
    assert row[6] == rules.weighted_unexcused(row[4], row[5])
    risky = reports.build("at-risk", 1, class_id=klass.id, year=2026, month=11)
    names = [r[2] for r in risky.rows]
    assert over.full_name in names
    assert all(r[6] > Decimal(5) for r in risky.rows)
    assert exactly.full_name not in names  # exactly 5: not above the threshold
    # configurable per school
    db.session.get(School, 1).absence_threshold = Decimal("4.5")
    db.session.commit()
    names = [r[2] for r in reports.build("at-risk", 1, class_id=klass.id, year=2026, month=11).rows]
    assert exactly.full_name in names
    # another month: nothing of November
    december = reports.build("absences", 1, class_id=klass.id, year=2026, month=12)
    assert all(r[3:6] == [0, 0, 0] for r in december.rows)


def test_success_analysis_counts_every_student(demo_app) -> None:  # type: ignore[no-untyped-def]
    report = reports.build("success", 1, term=1)
    *classes, total = report.rows
    numeric = [r for r in classes if _class(1, r[0]).grade_level > 3]
    assert numeric and len(numeric) < len(classes), "the demo has classes I–III and IV–XII"
    for row in classes:
        assert row[1] == len(_pupils(_class(1, row[0])))
    for row in numeric:
        assert sum(row[2:8]) == row[1]
    assert total[0] == "Общо" and total[1] == sum(r[1] for r in numeric)
    assert total[2:8] == [sum(r[i] for r in numeric) for i in range(2, 8)]


def test_completeness_against_the_minimum(demo_app) -> None:  # type: ignore[no-untyped-def]
    report = reports.build("completeness", 1, term=1)
    assert report.rows
    teacher, class_name, subject, hours, minimum, pupils, short, percent = report.rows[0]
    assert minimum == rules.min_grades_per_term(hours)
    klass = _class(1, class_name)
    curriculum = db.session.scalars(
        sa.select(Curriculum)
        .join(Subject)
        .where(Curriculum.class_id == klass.id, Subject.name == subject)
    ).first()
    counts = [
        db.session.scalar(sa.select(sa.func.count(Grade.id)).where(
            Grade.student_id == p.id, Grade.curriculum_id == curriculum.id, Grade.term == 1,
            Grade.kind.in_(report_grades.CURRENT_KINDS)))
        for p in _pupils(klass)
    ]  # fmt: skip
    assert short == sum(1 for c in counts if c < minimum)
    assert pupils == len(counts)


def test_school_averages_use_official_rounding(demo_app) -> None:  # type: ignore[no-untyped-def]
    report = reports.build("school-averages", 1, term=1)
    row = next(r for r in report.rows if _class(1, r[0]).grade_level > 3)
    klass = _class(1, row[0])
    curriculum = next(c for c, name, _ in report_grades._curricula(1, [klass.id]) if name == row[1])
    values = db.session.scalars(sa.select(Grade.value).where(
        Grade.curriculum_id == curriculum.id, Grade.term == 1, Grade.kind != GradeKind.TERM)).all()  # fmt: skip
    assert row[3] == len(values)
    assert row[5] == rules.official_average(values)


@needs_pdf_font
def test_renderers_contain_the_names(demo_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "5а")
    report = reports.build("class-sheet", 1, class_id=klass.id, term=1)
    name = report.rows[0][1]
    content, filename, mimetype = report_render.render(report, "csv")
    assert content.startswith(b"\xef\xbb\xbf") and name in content.decode("utf-8-sig")
    assert filename.endswith(".csv") and mimetype.startswith("text/csv")
    content, _, _ = report_render.render(report, "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.cell(row=4, column=2).value == name
    assert [c.value for c in sheet[3]][: len(report.columns)] == report.columns
    content, filename, mimetype = report_render.render(report, "pdf")
    assert content.startswith(b"%PDF") and mimetype == "application/pdf"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text is not checked")
    path = tmp_path / filename
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Сводна ведомост на 5а клас" in text
    for row in report.rows:
        assert row[1] in " ".join(text.split()), row[1]


@needs_pdf_font
def test_every_report_renders_every_format(demo_app) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "3а")
    for key in reports.REPORTS:
        report = reports.build(key, 1, class_id=klass.id, term=1, year=2026, month=11)
        for fmt in ("csv", "xlsx", "pdf"):
            content, _, _ = report_render.render(report, fmt)
            assert content


# --- web -------------------------------------------------------------------------------------------
@needs_pdf_font
def test_admin_sees_reports_in_every_format(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "5а")
    login(demo_client, demo_app, "direktor@sou1.demo.bg")
    index = demo_client.get("/onboarding/reports")
    assert index.status_code == 200 and "Анализ на успеха" in index.get_data(as_text=True)
    page = demo_client.get(f"/onboarding/reports/class-sheet?class_id={klass.id}&term=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _pupils(klass)[0].full_name in html
    for fmt, mime in (
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxml"),
        ("pdf", "application/pdf"),
    ):
        response = demo_client.get(
            f"/onboarding/reports/class-sheet?class_id={klass.id}&term=1&format={fmt}"
        )
        assert response.status_code == 200 and response.mimetype.startswith(mime)
        assert "attachment" in response.headers["Content-Disposition"]
    assert demo_client.get("/onboarding/reports/success?format=pdf").status_code == 200
    assert demo_client.get("/onboarding/reports/absences?month=11.2026").status_code == 200
    assert demo_client.get("/onboarding/reports/absences?month=2026-11").status_code == 400
    assert demo_client.get("/onboarding/reports/nope").status_code == 404


def test_class_teacher_sees_only_their_class(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    klass, other = _class(1, "5а"), _class(1, "5б")
    assert klass.class_teacher is not None
    login(demo_client, demo_app, klass.class_teacher.email)
    assert (
        demo_client.get(f"/onboarding/reports/class-sheet?class_id={klass.id}").status_code == 200
    )
    assert demo_client.get(f"/onboarding/reports/absences?class_id={klass.id}").status_code == 200
    assert (
        demo_client.get(f"/onboarding/reports/class-sheet?class_id={other.id}").status_code == 403
    )
    assert demo_client.get("/onboarding/reports/success").status_code == 403  # the whole school
    assert demo_client.get("/onboarding/reports/school-averages").status_code == 403
    assert demo_client.get("/onboarding/import").status_code == 403


def test_reports_are_isolated_between_schools(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = _class(2, "5а"), _class(1, "5а")
    login(demo_client, demo_app, "direktor@sou2.demo.bg")
    assert (
        demo_client.get(f"/onboarding/reports/class-sheet?class_id={theirs.id}").status_code == 404
    )
    html = demo_client.get("/onboarding/reports/absences?month=11.2026").get_data(as_text=True)
    assert _pupils(mine)[0].full_name in html
    assert _pupils(theirs)[0].full_name not in html
    with pytest.raises(report_base.ReportError):
        reports.build("class-sheet", 2, class_id=theirs.id)


def test_cli_writes_a_report(demo_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = demo_app.test_cli_runner()
    target = tmp_path / "sheet.xlsx"
    result = runner.invoke(args=["reports", "show", "class-sheet", "--school", "2200001", "--class", "5 А",
                                 "--term", "1", "--format", "xlsx", "-o", str(target)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_workbook(target).active["A2"].value.startswith("2026/2027")
    result = runner.invoke(args=["reports", "show", "success", "--school", "2200001"])
    assert result.exit_code == 0 and "Анализ на успеха" in result.output


@needs_pdf_font
def test_absences_by_month_sum_to_the_monthly_reports(demo_app) -> None:  # type: ignore[no-untyped-def]
    klass = _class(1, "9б")
    student = _pupils(klass)[0]
    _add_absences(student, unexcused=4, lates=3, excused=1)
    report = reports.build("absences-months", 1, class_id=klass.id)
    assert report.columns[3:6] == ["IX", "X", "XI"]  # the year so far (clock: 25.11.2026)
    row = next(r for r in report.rows if r[2] == student.full_name)
    for offset, month in ((3, 9), (4, 10), (5, 11)):
        monthly = next(r for r in reports.build("absences", 1, class_id=klass.id, year=2026, month=month).rows
                       if r[2] == student.full_name)  # fmt: skip
        assert row[offset] == monthly[6]
    september_to_november = [
        next(
            r
            for r in reports.build("absences", 1, class_id=klass.id, year=2026, month=m).rows
            if r[2] == student.full_name
        )
        for m in (9, 10, 11)
    ]
    assert row[6:9] == [sum(r[i] for r in september_to_november) for i in (3, 4, 5)]
    assert report.rows.index(row) in report.highlight  # November is above 5
    content, _, _ = report_render.render(report, "pdf")
    assert content.startswith(b"%PDF")
