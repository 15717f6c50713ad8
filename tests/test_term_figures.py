"""The term's figure is the term grade once the teacher sets it, and the year's the annual grade:
the same number in the phone line's read model, the parent's dashboard, the comparison with the
class and the year group, and its charts; removing the grade brings the forecast back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from gradebook import core
from gradebook import grades
from gradebook import rules
from gradebook import summary
from ivr import content
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeKind
from models import SchoolClass
from models import StaffUser
from models import Subject
from models import db
from portal import stats
from portal.child_grades import SubjectRow
from portal.child_grades import child_figures
from portal.child_grades import child_grades
from portal.child_grades import overall_average
from portal.child_grades import subject_rows
from portal.children import ChildContext
from portal.children import children
from portal.dashboard import dashboard
from tests._helpers import new_grade
from tests.test_portal_stats import _ctx
from tests.test_portal_stats import _world
from tests.test_portal_web import guardian
from tests.test_portal_web import login

D = Decimal
PARENT = "roditel2@sou1.demo.bg"


def _admin() -> core.Actor:
    staff_id = db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou1.demo.bg")
    )
    assert staff_id is not None
    return core.Actor.load(staff_id, 1)


def _child_ctx() -> ChildContext:
    """The demo parent's first child in grades IV–XII (numeric grades)."""
    kids = [
        k
        for k in children(guardian(PARENT).id)
        if k.school_class is not None and k.school_class.grade_level >= 4
    ]
    assert kids, "the demo parent has a child in grades IV–XII"
    return kids[0]


def _math(ctx: ChildContext) -> Curriculum:
    assert ctx.school_class is not None
    return db.session.scalars(
        sa.select(Curriculum)
        .join(Subject)
        .where(Curriculum.class_id == ctx.school_class.id, Subject.name == "Математика")
    ).one()


def _currents_six_six_six(ctx: ChildContext, curriculum: Curriculum) -> None:
    """The child's term-1 grades in the subject become exactly 6, 6, 6 (and the read model
    follows, as every use-case makes it)."""
    assert ctx.school_year is not None
    db.session.execute(
        sa.delete(Grade).where(
            Grade.student_id == ctx.id, Grade.curriculum_id == curriculum.id, Grade.term == 1
        )
    )
    for n in range(3):
        day = dt.date(2026, 10, 5) + dt.timedelta(days=n)
        db.session.add(new_grade(ctx.school_year, ctx.id, curriculum, D(6), date=day))
    core.refresh_summaries([(ctx.id, ctx.school_year.id)])
    db.session.commit()


def _phone_math(ctx: ChildContext, curriculum: Curriculum) -> dict[str, Any]:
    assert ctx.school_year is not None
    payload = summary.get_summary(ctx.id, ctx.school_year.id)
    return next(s for s in payload["subjects"] if s["subject_id"] == curriculum.subject_id)


def _portal_math(ctx: ChildContext, curriculum: Curriculum) -> SubjectRow:
    rows = subject_rows(ctx, child_grades(ctx), 1)
    return next(r for r in rows if r.subject_id == curriculum.subject_id)


def _comparison(ctx: ChildContext) -> stats.Comparison:
    rows = subject_rows(ctx, child_grades(ctx), 1)
    figures = {r.subject_id: r.figure.value for r in rows if r.figure is not None}
    finals = {r.subject_id for r in rows if r.figure is not None and r.figure.final}
    report = stats.comparison(ctx, 1, figures, None, finals)
    assert report is not None
    return report


def test_term_grade_is_the_terms_figure_everywhere_and_removing_it_brings_the_forecast_back(
    demo_app,
) -> None:  # type: ignore[no-untyped-def]
    ctx = _child_ctx()
    assert ctx.school_year is not None and ctx.school_class is not None
    math = _math(ctx)
    _currents_six_six_six(ctx, math)

    # before: the forecast 6,00 everywhere
    phone = _phone_math(ctx, math)
    assert (phone["average"], phone["final"], phone["forecast"]) == ("6.00", False, "6.00")
    portal = _portal_math(ctx, math)
    assert portal.figure == rules.Figure(D("6.00"), False)

    # the teacher sets the term grade 5
    (grade,) = grades.save_final_grades(
        _admin(), math.id, kind="term", term=1, values={ctx.id: "5"}
    )
    phone = _phone_math(ctx, math)
    assert phone["average"] == "5.00" and phone["word"] == "Много добър"
    assert phone["final"] is True and phone["forecast"] == "6.00" and phone["term_grade"] == "5.00"
    payload = summary.get_summary(ctx.id, ctx.school_year.id)
    expected_overall = rules.overall_success(D(s["average"]) for s in payload["subjects"])
    assert payload["overall"]["average"] == f"{expected_overall:.2f}"
    spoken = " ".join(content.averages(payload, dt.date(2026, 11, 25)))
    assert "Много добър пет" in spoken and "Отличен шест" not in spoken

    portal = _portal_math(ctx, math)
    assert portal.figure == rules.Figure(D("5.00"), True)
    assert portal.figure.text == "Много добър 5"
    assert portal.forecast == D("6.00")  # still shown as the forecast beside it
    board = dashboard(guardian(PARENT).id, ctx, 1)
    assert board["overall"] == rules.overall_success(r.figure for r in board["subjects"])

    # the comparison: the child's figure and the class's list of figures both hold 5, not 6
    report = _comparison(ctx)
    row = next(r for r in report.rows if r.subject_id == math.subject_id)
    assert row.child == D("5.00") and row.final
    group = stats.group_payloads(ctx.school.id, ctx.school_year.id, ctx.school_class.grade_level, 1)
    class_values = group[ctx.school_class.id]["subjects"][str(math.subject_id)]
    classmates = _class_figures(ctx, math)
    assert sorted(class_values, key=Decimal) == sorted(classmates, key=Decimal)
    assert "5.00" in classmates
    # the phone line's class aggregate averages the same figures
    phone_group = summary.get_class_summary(ctx.school_class.id, ctx.school_year.id, 1)
    assert phone_group is not None
    if str(math.subject_id) in phone_group["subjects"]:
        assert phone_group["subjects"][str(math.subject_id)] == f"{rules.average(classmates):.2f}"

    # the teacher removes the term grade: back to the forecast everywhere
    db.session.refresh(grade)
    grades.delete_grade(_admin(), grade.id, version=grade.version, reason="грешка")
    phone = _phone_math(ctx, math)
    assert (phone["average"], phone["final"], phone["term_grade"]) == ("6.00", False, None)
    assert _portal_math(ctx, math).figure == rules.Figure(D("6.00"), False)
    row = next(r for r in _comparison(ctx).rows if r.subject_id == math.subject_id)
    assert row.child == D("6.00") and not row.final
    group = stats.group_payloads(ctx.school.id, ctx.school_year.id, ctx.school_class.grade_level, 1)
    assert sorted(
        group[ctx.school_class.id]["subjects"][str(math.subject_id)], key=Decimal
    ) == sorted(_class_figures(ctx, math), key=Decimal)


def _classmates_grades(ctx: ChildContext, curriculum: Curriculum) -> list[list[Any]]:
    """Each classmate's grades (kind, term, value) in the subject that have a value."""
    assert ctx.school_class is not None
    return [
        db.session.execute(
            sa.select(Grade.kind, Grade.term, Grade.value).where(
                Grade.student_id == student_id,
                Grade.curriculum_id == curriculum.id,
                Grade.value.is_not(None),
            )
        ).all()
        for (student_id,) in db.session.execute(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id == ctx.school_class.id, Enrollment.left_on.is_(None)
            )
        )
    ]


def _term_figure(rows: list[Any], term: int) -> Any:
    """The term's figure of one pupil's ``rows``, computed independently from the rule."""
    currents = [v for k, t, v in rows if t == term and k in rules.CURRENT_KINDS]
    finals = [v for k, t, v in rows if t == term and k == GradeKind.TERM]
    return rules.term_figure(currents, finals[-1] if finals else None)


def _class_figures(ctx: ChildContext, curriculum: Curriculum) -> list[str]:
    """Each classmate's term-1 figure in the subject, computed independently from the rule."""
    figures = (_term_figure(rows, 1) for rows in _classmates_grades(ctx, curriculum))
    return [str(figure.value) for figure in figures if figure is not None]


def test_annual_grade_reaches_the_read_model_when_set_and_removed(demo_app) -> None:  # type: ignore[no-untyped-def]
    ctx = _child_ctx()
    assert ctx.school_year is not None
    math = _math(ctx)
    _currents_six_six_six(ctx, math)
    (grade,) = grades.save_final_grades(
        _admin(), math.id, kind="annual", term=None, values={ctx.id: "4"}
    )
    assert _phone_math(ctx, math)["annual_grade"] == "4.00"
    db.session.refresh(grade)
    grades.delete_grade(_admin(), grade.id, version=grade.version, reason="грешка")
    assert _phone_math(ctx, math)["annual_grade"] is None


def test_dashboard_and_comparison_pages_show_the_term_grade(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    ctx = _child_ctx()
    math = _math(ctx)
    _currents_six_six_six(ctx, math)
    grades.save_final_grades(_admin(), math.id, kind="term", term=1, values={ctx.id: "5"})
    login(demo_client, email=PARENT)
    html = demo_client.get(f"/child/{ctx.id}/compare?term=1").get_data(as_text=True)
    math_row = html[html.index('<th scope="row">Математика</th>') :].split("</tr>")[0]
    assert '5 <span class="muted">(срочна)</span>' in math_row and "6,00" not in math_row
    page = demo_client.get(f"/child/{ctx.id}?term=1").get_data(as_text=True)
    assert "Среден успех за I срок" in page
    assert "Срочна оценка: Много добър 5" in page  # the trend chart names the term grade


# --- grades I–III: counted, never averaged -------------------------------------------------------
def lower_grade_child(sizes: tuple[int, ...], level: int, pupil: int = 0) -> tuple[Any, ...]:
    """``_world(sizes)`` with every class made a grade-``level`` class (I–III: marks counted):
    its school, year and mathematics, and the context of the ``pupil``-th child."""
    school, year, classes, students, math, _bel = _world(sizes)
    for cls in classes:
        cls.grade_level = level
    db.session.commit()
    cls, child = students[pupil]
    return school, year, math, _ctx(school, year, cls, child)


def test_grades_one_to_three_compare_counted_marks_not_averages(app) -> None:  # type: ignore[no-untyped-def]
    # 7а has 6 pupils with marks 3, 4, 5, 6, 3, 4 in both subjects; make it a 2nd grade
    school, year, math, ctx = lower_grade_child((6, 5), 2, pupil=2)  # marks 5
    rows = subject_rows(ctx, child_grades(ctx), 1)
    assert all(r.forecast is None and r.figure is None for r in rows)
    assert {r.forecast_text for r in rows} == {"Много добър (1)"}
    assert overall_average(rows) is None
    report = stats.comparison(ctx, 1, {}, None)
    assert report is not None and report.qualitative and not report.rows
    math_row = next(m for m in report.marks if m.subject_id == math.id)
    assert math_row.child == "Много добър (1)"
    assert math_row.klass == (("Отличен", 1), ("Много добър", 1), ("Добър", 2), ("Среден", 2))
    assert math_row.cohort == (("Отличен", 2), ("Много добър", 2), ("Добър", 3), ("Среден", 4))
    for payload in stats.group_payloads(school.id, year.id, 2, 1).values():
        assert payload["overall"] == [] and payload["subjects"] == {}


def test_grades_one_to_three_marks_of_a_small_class_are_hidden(app) -> None:  # type: ignore[no-untyped-def]
    *_, ctx = lower_grade_child((4, 6), 3)
    report = stats.comparison(ctx, 1, {}, None)
    assert report is not None
    assert all(m.klass is None and m.cohort is not None for m in report.marks)


def test_the_level_of_a_class_is_what_makes_it_qualitative(app) -> None:  # type: ignore[no-untyped-def]
    school, year, classes, students, math, bel = _world((5,))
    level = db.session.scalar(
        sa.select(SchoolClass.grade_level).where(SchoolClass.id == classes[0].id)
    )
    assert level == 7
    cls, child = students[0]
    report = stats.comparison(_ctx(school, year, cls, child), 1, {math.id: D(3)}, None)
    assert report is not None and not report.qualitative and report.rows


# --- the year: the annual grade once set ---------------------------------------------------------
def test_year_comparison_uses_the_annual_grade_once_set(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    ctx = _child_ctx()
    assert ctx.school_year is not None and ctx.school_class is not None
    math = _math(ctx)
    _currents_six_six_six(ctx, math)
    level, year_id = ctx.school_class.grade_level, ctx.school_year.id

    def year_row() -> stats.ComparisonRow:
        figures = child_figures(ctx, None)
        report = stats.comparison(
            ctx,
            stats.YEAR,
            {k: f.value for k, f in figures.items()},
            None,
            {k for k, f in figures.items() if f.final},
        )
        assert report is not None
        return next(r for r in report.rows if r.subject_id == math.subject_id)

    # no annual grade: the forecast from the terms (only term 1 has grades so far)
    row = year_row()
    assert row.child == D("6.00") and not row.final
    (term_grade,) = grades.save_final_grades(
        _admin(), math.id, kind="term", term=1, values={ctx.id: "5"}
    )
    assert year_row().child == D("5.00") and not year_row().final  # still a forecast
    (annual,) = grades.save_final_grades(
        _admin(), math.id, kind="annual", term=None, values={ctx.id: "4"}
    )
    row = year_row()
    assert row.child == D("4.00") and row.final
    cohort = stats.group_payloads(ctx.school.id, year_id, level, stats.YEAR)
    assert "4.00" in cohort[ctx.school_class.id]["subjects"][str(math.subject_id)]

    login(demo_client, email=PARENT)
    html = demo_client.get(f"/child/{ctx.id}/compare?term=year").get_data(as_text=True)
    math_row = html[html.index('<th scope="row">Математика</th>') :].split("</tr>")[0]
    assert '4 <span class="muted">(годишна)</span>' in math_row
    assert 'aria-current="page">Годишно</a>' in html

    # removing the annual grade brings the forecast back (the cache notices)
    db.session.refresh(annual)
    grades.delete_grade(_admin(), annual.id, version=annual.version, reason="грешка")
    row = year_row()
    assert row.child == D("5.00") and not row.final
    cohort = stats.group_payloads(ctx.school.id, year_id, level, stats.YEAR)
    values = cohort[ctx.school_class.id]["subjects"][str(math.subject_id)]
    assert sorted(values, key=Decimal) == sorted(_class_year_figures(ctx, math), key=Decimal)
    assert term_grade.id is not None


def _class_year_figures(ctx: ChildContext, curriculum: Curriculum) -> list[str]:
    """Each classmate's year figure in the subject, computed independently from the rule."""
    out = []
    for rows in _classmates_grades(ctx, curriculum):
        terms = [_term_figure(rows, t) for t in (1, 2)]
        annual = [v for k, _t, v in rows if k == GradeKind.ANNUAL]
        figure = rules.year_figure(terms, annual[-1] if annual else None)
        if figure is not None:
            out.append(str(figure.value))
    return out


def test_year_group_figures_follow_the_rule(demo_app) -> None:  # type: ignore[no-untyped-def]
    ctx = _child_ctx()
    assert ctx.school_year is not None and ctx.school_class is not None
    math = _math(ctx)
    grades.save_final_grades(_admin(), math.id, kind="annual", term=None, values={ctx.id: "3"})
    cohort = stats.group_payloads(
        ctx.school.id, ctx.school_year.id, ctx.school_class.grade_level, stats.YEAR
    )
    got = cohort[ctx.school_class.id]["subjects"][str(math.subject_id)]
    assert sorted(got, key=Decimal) == sorted(_class_year_figures(ctx, math), key=Decimal)
    assert "3.00" in got
