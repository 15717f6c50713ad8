"""The import of yearly topic plans (CSV and XLSX): all or nothing, every bad row named in
Bulgarian, re-import updates and never duplicates, through the importer and the staff web."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from models import AuditLog
from models import Curriculum
from models import PlanTopic
from models import SchoolClass
from models import Subject
from models import db
from onboarding import importer
from onboarding import templates_files
from tests._onboarding import load_lists
from tests._onboarding import login
from tests._onboarding import make_school
from tests._onboarding import post_file
from tests.conftest import csrf_from

GOOD = (
    "Клас;Предмет;№;Тема;Забележки\n"
    "5а;Математика;1;Входно ниво;\n"
    "5а;Математика;2;Обикновени дроби;нови знания\n"
    "5а;Математика;3.;Умножение на дроби;\n"
    "5б;Математика;1;Входно ниво;\n"
)
BAD = (
    "Клас;Предмет;№;Тема;Забележки\n"
    "5а;Математика;1;Входно ниво;\n"
    "5а;Математика;0;Нулева тема;\n"
    "5а;Математика;2;;\n"
    "5а;Рисуване;3;Натюрморт;\n"
    "9я;Математика;4;Тема;\n"
    "5а;Математика;1;Пак първа;\n"
)


def _plan(school_id: int, class_name: str = "5а") -> list[tuple[int, str, str]]:
    return [
        (p.number, p.title, p.note)
        for p in db.session.scalars(
            sa.select(PlanTopic)
            .join(Curriculum, Curriculum.id == PlanTopic.curriculum_id)
            .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
            .join(Subject, Subject.id == Curriculum.subject_id)
            .where(
                PlanTopic.school_id == school_id,
                SchoolClass.name == class_name,
                Subject.name == "Математика",
            )
            .order_by(PlanTopic.number)
        )
    ]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_good_csv_is_written_and_a_reimport_updates(app) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    load_lists(school)
    plan, counts = importer.commit("topic_plan", school, "plan.csv", GOOD.encode())
    assert counts == {"new": 4, "updated": 0, "unchanged": 0}, [e.text() for e in plan.errors]
    assert _plan(school) == [
        (1, "Входно ниво", ""),
        (2, "Обикновени дроби", "нови знания"),
        (3, "Умножение на дроби", ""),
    ]
    again = GOOD.replace("Обикновени дроби;нови знания", "Обикновени дроби;преговор")
    _plan_again, counts = importer.commit("topic_plan", school, "plan.csv", again.encode())
    assert counts == {"new": 0, "updated": 1, "unchanged": 3}
    assert _plan(school)[1] == (2, "Обикновени дроби", "преговор")
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(AuditLog.object_type == "topic_plan_list")
        )
        == 2
    )


def test_bad_rows_are_named_and_nothing_is_written(app) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    load_lists(school)
    plan, counts = importer.commit("topic_plan", school, "plan.csv", BAD.encode())
    assert counts is None
    errors = {(e.row, e.column): e.message for e in plan.errors}
    assert "от 1 до 1000" in errors[(3, "№")]
    assert "Въведете заглавие" in errors[(4, "Тема")]
    assert "не е в учебния план на 5а клас" in errors[(5, "Предмет")]
    assert "няма паралелка „9я“" in errors[(6, "Клас")]
    assert "се повтаря (ред 2)" in errors[(7, "№")]
    assert _plan(school) == []  # the good first row was not written either


def test_xlsx_with_number_cells_and_a_too_long_title(app) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    load_lists(school)
    header = ["Клас", "Предмет", "№", "Тема", "Забележки"]
    bad = _xlsx(
        [
            header,
            ["5а", "Математика", 1, "Входно ниво", None],
            ["5а", "Математика", 2, "а" * 1001, None],
        ]
    )
    plan, counts = importer.commit("topic_plan", school, "plan.xlsx", bad)
    assert counts is None
    assert [(e.row, e.column) for e in plan.errors] == [
        (3, "Тема")
    ] and "1001 знака" in plan.errors[0].message
    assert _plan(school) == []
    good = _xlsx(
        [
            header,
            ["5а", "Математика", 1, "Входно ниво", None],
            ["5а", "Математика", 2.0, "Дроби", "с упражнения"],
        ]
    )
    plan, counts = importer.commit("topic_plan", school, "plan.xlsx", good)
    assert counts == {"new": 2, "updated": 0, "unchanged": 0}, [e.text() for e in plan.errors]
    assert _plan(school) == [(1, "Входно ниво", ""), (2, "Дроби", "с упражнения")]


def test_the_template_and_the_example_import_through_the_web(app, client) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    load_lists(school)
    assert (
        templates_files.template_csv("topic_plan")
        .decode("utf-8-sig")
        .startswith("Клас;Предмет;Група;№;Тема")
    )
    login(client, app, "admin@test-sou.bg")
    index = client.get("/onboarding/import").get_data(as_text=True)
    assert "Тематично разпределение" in index
    example = client.get("/onboarding/import/topic_plan/example.xlsx")
    assert example.status_code == 200
    response = post_file(
        client, "/onboarding/import", "/onboarding/import/topic_plan", "plan.xlsx", example.data
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    page = client.get(url)
    assert page.status_code == 200
    done = client.post(url + "/commit", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert [n for n, _t, _c in _plan(school)] == [1, 2, 3]
    # without the CSRF token nothing is uploaded
    bare = client.post(
        "/onboarding/import/topic_plan",
        data={"file": (io.BytesIO(GOOD.encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    assert bare.status_code == 400


def test_another_schools_lists_are_not_matched(app) -> None:  # type: ignore[no-untyped-def]
    first = make_school()
    load_lists(first)
    second = make_school("7654321", admin_email="admin2@test-sou.bg")
    plan, counts = importer.commit("topic_plan", second, "plan.csv", GOOD.encode())
    assert counts is None and all("няма паралелка" in e.message for e in plan.errors)
    assert _plan(first) == []
