"""Imports of the school lists: reading, validation (every bad row named), all-or-nothing commit,
idempotent re-import, leavers, CLI and web upload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from config import clock
from models import AuditLog
from models import Curriculum
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import School
from models import SchoolClass
from models import StaffMembership
from models import Student
from models import Subject
from models import db
from onboarding import import_students
from onboarding import importer
from onboarding.file_error import ImportFileError
from onboarding.import_students import STUDENT_COLUMNS
from onboarding.tabular import decode
from onboarding.tabular import normalize_class_name
from onboarding.tabular import parse_date
from onboarding.tabular import read_table
from onboarding.tabular import sniff_delimiter
from tests._onboarding import fixture
from tests._onboarding import load_lists
from tests._onboarding import login
from tests._onboarding import make_school
from tests._onboarding import post_file


# --- pure reading --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffКлас;Име".encode(), "utf-8-sig"),
        ("Клас;Име".encode(), "utf-8"),
        ("Клас;Име".encode("cp1251"), "windows-1251"),
        (b"class;name", "utf-8"),
    ],
)
def test_decode_detects_encoding(data: bytes, encoding: str) -> None:
    text, found = decode(data)
    assert found == encoding
    assert text.endswith(("Име", "name"))


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("Клас;Име;Фамилия", ";"), ("Клас,Име,Фамилия", ","), ("Клас\tИме\tФамилия", "\t"),
     ('"Клас, паралелка";Име', ";"), ("Клас", ";")],
)  # fmt: skip
def test_sniff_delimiter(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


def test_class_names_and_dates_normalise() -> None:
    assert normalize_class_name("8 Е") == normalize_class_name("8е") == normalize_class_name("8e")
    assert parse_date("05.03.2012").isoformat() == "2012-03-05"
    with pytest.raises(ValueError, match="дд.мм.гггг"):
        parse_date("2012-03-05")


@pytest.mark.parametrize(
    "name", ["students_ok.csv", "students_ok_cp1251.csv", "students_ok_tab.txt", "students_ok.xlsx"]
)
def test_the_same_list_reads_the_same_in_every_format(name: str) -> None:
    table = read_table(name, fixture(name), STUDENT_COLUMNS)
    reference = read_table("students_ok.csv", fixture("students_ok.csv"), STUDENT_COLUMNS)
    assert [v for _, v in table.rows] == [v for _, v in reference.rows]
    assert len(table.rows) == 11
    assert table.rows[0][0] == 2  # spreadsheet row numbers: header is row 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("students_utf16.csv", "UTF-16"),
        ("students_koi8r.csv", "Проверете кодирането"),
        ("students_missing_column.csv", "„ЕГН/ЛНЧ/ИДН“"),
    ],
)
def test_unreadable_files_say_why(name: str, message: str) -> None:
    with pytest.raises(ImportFileError) as info:
        read_table(name, fixture(name), STUDENT_COLUMNS)
    assert message in info.value.message_bg


def test_formula_cell_is_refused_with_its_row_and_column() -> None:
    table = read_table("students_formula.xlsx", fixture("students_formula.xlsx"), STUDENT_COLUMNS)
    assert [(e.row, e.column) for e in table.cell_errors] == [(6, "№ в клас")]
    assert "формула" in table.cell_errors[0].message


# --- validation against a school -------------------------------------------------------------------
@pytest.fixture(scope="session")
def lists_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the fixture school and its lists (no students), built once."""
    from tests.conftest import build_template

    return build_template(
        tmp_path_factory.mktemp("lists"), "lists.sqlite3", lambda: load_lists(make_school())
    )


@pytest.fixture
def app(
    request: pytest.FixtureRequest, tmp_path: Path, lists_template: Path, empty_template: Path
) -> Iterator[Flask]:
    """conftest's ``app``; tests that ask for ``school`` start from a copy of the lists."""
    from tests.conftest import app_on_copy

    template = lists_template if "school" in request.fixturenames else empty_template
    yield from app_on_copy(template, tmp_path, "test.sqlite3")


@pytest.fixture
def school(app: Flask) -> int:
    return db.session.scalars(sa.select(School.id).where(School.neispuo_code == "1234567")).one()


def test_valid_list_previews_without_writing(app, school) -> None:  # type: ignore[no-untyped-def]
    for name in (
        "students_ok.csv",
        "students_ok_cp1251.csv",
        "students_ok_tab.txt",
        "students_ok.xlsx",
    ):
        plan = importer.preview("students", school, name, fixture(name))
        assert plan.ok, [e.text() for e in plan.errors]
        assert plan.count("new") == 11
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("students_bad_egn.csv", [(3, "ЕГН/ЛНЧ/ИДН", "Невалидно ЕГН.")]),
        ("students_duplicate_number.csv", [(4, "№ в клас", "№ 1 в 5а се повтаря (ред 2)")]),
        ("students_unknown_class.csv", [(9, "Клас", "няма паралелка „8ж“")]),
        ("students_formula.xlsx", [(6, "№ в клас", "формула")]),
        ("students_koi8r.csv", [(0, "", "Липсват задължителни колони")]),
        ("students_utf16.csv", [(0, "", "UTF-16")]),
        ("students_missing_column.csv", [(0, "", "„ЕГН/ЛНЧ/ИДН“")]),
        (
            "students_many_errors.csv",
            [
                (2, "ЕГН/ЛНЧ/ИДН", "Невалидно ЕГН."),
                (5, "Дата на раждане", "няма такава дата"),
                (7, "Родител 1 – телефон", "невалиден телефонен номер"),
                (10, "Родител 1 – e-mail", "невалиден e-mail адрес"),
            ],
        ),
    ],
)
def test_broken_files_name_every_bad_row_and_write_nothing(app, school, name, expected) -> None:  # type: ignore[no-untyped-def]
    plan, counts = importer.commit("students", school, name, fixture(name))
    assert counts is None
    found = [(e.row, e.column, e.message) for e in plan.errors]
    assert len(found) == len(expected), found
    for (row, column, message), (want_row, want_column, want_message) in zip(
        found, expected, strict=True
    ):
        assert (row, column) == (want_row, want_column)
        assert want_message in message
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Guardian.id))) == 0


def _student(personal_id: str) -> Student:
    return db.session.scalars(sa.select(Student).where(Student.personal_id == personal_id)).one()


def _class_of(student: Student) -> tuple[str, int] | None:
    row = db.session.execute(
        sa.select(SchoolClass.name, Enrollment.class_number)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(Enrollment.student_id == student.id, Enrollment.left_on.is_(None))
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def test_commit_then_reimport_is_idempotent_and_updates(app, school) -> None:  # type: ignore[no-untyped-def]
    from gradebook import rules

    plan, counts = importer.commit(
        "students", school, "students_ok.csv", fixture("students_ok.csv")
    )
    assert counts is not None and counts["new"] == 11
    students = list(db.session.scalars(sa.select(Student)))
    assert len(students) == 11
    assert all(rules.is_valid_student_code(s.student_code) for s in students)
    assert len({s.student_code for s in students}) == 11
    viktoria = _student(plan.items[1]["personal_id"])
    assert viktoria.gender == "F" and viktoria.birth_date.isoformat() == "2014-07-01"
    links = db.session.scalars(
        sa.select(GuardianStudent).where(GuardianStudent.student_id == viktoria.id)
    ).all()
    assert {link.guardian.full_name for link in links} == {"Петър Димитров", "Ана Димитрова"}
    assert {link.guardian.phone for link in links} == {"+359877111202", None}
    assert {(link.guardian.full_name, str(link.relation)) for link in links} == {
        ("Петър Димитров", "father"),
        ("Ана Димитрова", "mother"),
    }
    anna = db.session.scalars(sa.select(Student).where(Student.last_name == "Мюлер")).one()
    assert str(anna.personal_id_type) == "lnch" and anna.sop is True
    codes = {s.id: s.student_code for s in students}

    # the same file again (another format): nothing new, nothing duplicated
    plan, counts = importer.commit(
        "students", school, "students_ok.xlsx", fixture("students_ok.xlsx")
    )
    assert counts == {
        **counts,
        "new": 0,
        "updated": 0,
        "unchanged": 11,
        "parents_new": 0,
        "links_new": 0,
    }
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 11
    assert db.session.scalar(sa.select(sa.func.count(Guardian.id))) == 13
    assert db.session.scalar(sa.select(sa.func.count(Enrollment.id))) == 11

    # a new list: a rename, a move to another class, one missing, one new
    plan = importer.preview(
        "students", school, "students_update.csv", fixture("students_update.csv")
    )
    assert plan.ok, [e.text() for e in plan.errors]
    assert (plan.count("new"), plan.count("update"), plan.count("same")) == (1, 2, 8)
    assert [(x.name, x.class_name, x.class_number) for x in plan.leavers] == [
        ("Даниел Илиев", "5а", 3)
    ]
    _, counts = importer.commit(
        "students", school, "students_update.csv", fixture("students_update.csv")
    )
    assert counts is not None and counts["moved"] == 1
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 12
    elena = db.session.scalars(sa.select(Student).where(Student.first_name == "Елена")).one()
    assert elena.last_name == "Колева-Петрова" and codes[elena.id] == elena.student_code
    boris = db.session.scalars(sa.select(Student).where(Student.first_name == "Борис")).one()
    assert _class_of(boris) == ("5а", 5)
    left = db.session.scalars(
        sa.select(Enrollment).where(
            Enrollment.student_id == boris.id, Enrollment.left_on.is_not(None)
        )
    ).one()
    assert left.left_reason == "преместен в 5а"
    daniel = db.session.scalars(sa.select(Student).where(Student.first_name == "Даниел")).one()
    assert _class_of(daniel) == ("5а", 3), "a missing student is never removed silently"

    # confirming the leaver closes the enrollment, keeps the student and the number
    assert (
        import_students.confirm_leavers(
            school, [daniel.id], clock.today(), "преместен в друго училище"
        )
        == 1
    )
    assert _class_of(daniel) is None
    assert db.session.get(Student, daniel.id) is not None
    assert (
        importer.preview(
            "students", school, "students_update.csv", fixture("students_update.csv")
        ).leavers
        == []
    )
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "leave"))
        == 1
    )


def test_number_of_a_missing_student_cannot_be_taken(app, school) -> None:  # type: ignore[no-untyped-def]
    importer.commit("students", school, "students_ok.csv", fixture("students_ok.csv"))
    text = fixture("students_update.csv").decode("utf-8-sig").replace("5а;5;Борис", "5а;3;Борис")
    plan = importer.preview("students", school, "x.csv", text.encode())
    assert [(e.row, e.column) for e in plan.errors] == [(5, "№ в клас")]
    assert "Даниел Илиев" in plan.errors[0].message and "напускането" in plan.errors[0].message


def test_renumbering_within_a_class_swaps_numbers(app, school) -> None:  # type: ignore[no-untyped-def]
    importer.commit("students", school, "students_ok.csv", fixture("students_ok.csv"))
    text = fixture("students_ok.csv").decode("utf-8-sig")
    text = text.replace("5а;1;Александър", "5а;X;Александър").replace(
        "5а;2;Виктория", "5а;1;Виктория"
    )
    text = text.replace("5а;X;Александър", "5а;2;Александър")
    plan, counts = importer.commit("students", school, "swap.csv", text.encode())
    assert counts is not None, [e.text() for e in plan.errors]
    assert counts["updated"] == 2
    alex = db.session.scalars(sa.select(Student).where(Student.first_name == "Александър")).one()
    assert _class_of(alex) == ("5а", 2)


def test_invite_writes_account_messages_to_listed_parents(app, school) -> None:  # type: ignore[no-untyped-def]
    _, counts = importer.commit(
        "students", school, "students_ok.csv", fixture("students_ok.csv"), invite=True
    )
    assert counts is not None and counts["invited"] == counts["links_new"] == 13
    rows = db.session.scalars(sa.select(NotificationOutbox)).all()
    assert {str(r.event_type) for r in rows} == {"account"}
    by_address = {r.to_address: r for r in rows}
    assert str(by_address["maria.georgieva@example.bg"].channel) == "email"
    assert str(by_address["+359888111204"].channel) == "sms"  # no e-mail: SMS
    code = db.session.scalars(
        sa.select(Student.student_code).where(Student.first_name == "Александър")
    ).one()
    assert code in by_address["maria.georgieva@example.bg"].body
    sms = by_address["+359888111204"]
    elena_code = db.session.scalars(
        sa.select(Student.student_code).where(Student.first_name == "Елена")
    ).one()
    assert elena_code in sms.body and sms.segments == 1 and sms.body.isascii()  # Latin, one SMS


def test_other_lists_import_idempotently(app) -> None:  # type: ignore[no-untyped-def]
    school_id = make_school()
    load_lists(school_id)
    load_lists(school_id)  # again: nothing duplicated
    classes = {c.name: c for c in db.session.scalars(sa.select(SchoolClass))}
    assert sorted(classes) == ["5а", "5б", "8е"]
    assert classes["8е"].grade_level == 8 and classes["5б"].shift == 2
    assert (
        classes["5а"].class_teacher is not None
        and classes["5а"].class_teacher.email == "r.petrova@test-sou.bg"
    )
    assert db.session.scalar(sa.select(sa.func.count(StaffMembership.id))) == 5  # test admin + 4
    assert db.session.scalar(sa.select(sa.func.count(Subject.id))) == 5  # 4 + "Физика и астрономия"
    rows = db.session.scalars(sa.select(Curriculum)).all()
    assert len(rows) == 7
    # a list with only the class names keeps the class teachers and shifts
    plan, counts = importer.commit("classes", school_id, "c.csv", "Клас\n5а\n5б\n".encode())
    assert counts == {"new": 0, "updated": 0, "unchanged": 2}, [e.text() for e in plan.errors]
    db.session.refresh(classes["5б"])
    assert classes["5б"].class_teacher is not None and classes["5б"].shift == 2
    bel = next(r for r in rows if r.subject.name.startswith("Български"))
    assert (str(bel.hours_term1), str(bel.hours_term2)) == ("5.0", "4.5")


def test_import_is_scoped_to_the_school(app) -> None:  # type: ignore[no-untyped-def]
    first = make_school("1234567")
    second = make_school("7654321", admin_email="admin2@test-sou.bg")
    load_lists(first)
    plan = importer.preview("students", second, "students_ok.csv", fixture("students_ok.csv"))
    assert not plan.ok and all("няма паралелка" in e.message for e in plan.errors)
    load_lists(second, with_students=True)
    load_lists(first, with_students=True)
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 22  # same ЕГН, two schools
    assert import_students.confirm_leavers(first, [s.id for s in db.session.scalars(
        sa.select(Student).where(Student.school_id == second))], clock.today()) == 0  # fmt: skip


# --- CLI -------------------------------------------------------------------------------------------
def test_cli_previews_then_commits(app, runner, school) -> None:  # type: ignore[no-untyped-def]
    from tests._onboarding import FIXTURES

    result = runner.invoke(
        args=["import", "students", str(FIXTURES / "students_bad_egn.csv"), "--school", "1234567"]
    )
    assert result.exit_code == 1
    assert "ред 3, колона „ЕГН/ЛНЧ/ИДН“: Невалидно ЕГН." in result.output
    result = runner.invoke(
        args=["import", "students", str(FIXTURES / "students_ok.xlsx"), "--school", "1234567"]
    )
    assert result.exit_code == 0, result.output
    assert "нови 11" in result.output and "Само преглед" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 0
    result = runner.invoke(
        args=[
            "import",
            "students",
            str(FIXTURES / "students_ok.xlsx"),
            "--school",
            "1234567",
            "--commit",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Записано: нови 11, променени 0" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 11
    result = runner.invoke(
        args=["import", "students", str(FIXTURES / "students_update.csv"), "--school", "1234567",
              "--commit", "--confirm-leavers"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5а № 3 Даниел Илиев" in result.output and "Отписани: 1" in result.output


def test_cli_template_round_trips_through_the_importer(app, runner, school, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"example.{fmt}"
        result = runner.invoke(
            args=["import", "template", "students", "--format", fmt, "--example", "-o", str(target)]
        )
        assert result.exit_code == 0, result.output
        plan = importer.preview("students", school, target.name, target.read_bytes())
        # the example uses 5а/5б, which the fixture school has
        assert plan.ok, [e.text() for e in plan.errors]
        assert plan.count("new") == 4


# --- web ------------------------------------------------------------------------------------------
def test_web_upload_preview_commit_and_leavers(app, client, school) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/onboarding/import").status_code in (302, 401, 403)
    login(client, app, "admin@test-sou.bg")
    page = client.get("/onboarding/import")
    assert page.status_code == 200 and "Ученици" in page.get_data(as_text=True)
    template = client.get("/onboarding/import/students/example.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"

    bad = post_file(client, "/onboarding/import", "/onboarding/import/students", "bad.csv",
                    fixture("students_many_errors.csv"))  # fmt: skip
    assert bad.status_code == 302
    preview = client.get(bad.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert "Файлът има 4 грешки" in html and "невалиден e-mail адрес" in html
    assert "Запиши всичко" not in html

    good = post_file(client, "/onboarding/import", "/onboarding/import/students", "ok.xlsx",
                     fixture("students_ok.xlsx"))  # fmt: skip
    preview_url = good.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "нови <strong>11</strong>" in html
    from tests.conftest import csrf_from

    done = client.post(preview_url + "/commit", data={"csrf_token": csrf_from(html)})
    assert done.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 11

    update = post_file(client, "/onboarding/import", "/onboarding/import/students", "new.csv",
                       fixture("students_update.csv"))  # fmt: skip
    url = update.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Даниел Илиев" in html and "Липсват в новия списък (1)" in html
    daniel = db.session.scalars(sa.select(Student).where(Student.first_name == "Даниел")).one()
    token = url.rsplit("/", 1)[1]
    response = client.post(
        f"/onboarding/import/students/{token}/leavers",
        data={"csrf_token": csrf_from(html), "student_id": str(daniel.id), "on_date": "25.11.2026",
              "reason": "преместен"},
    )  # fmt: skip
    assert response.status_code == 302
    assert _class_of(daniel) is None


def test_uploads_are_isolated_between_schools(app, client, school) -> None:  # type: ignore[no-untyped-def]
    make_school("7654321", admin_email="admin2@test-sou.bg")
    login(client, app, "admin@test-sou.bg")
    response = post_file(client, "/onboarding/import", "/onboarding/import/students", "ok.csv",
                         fixture("students_ok.csv"))  # fmt: skip
    url = response.headers["Location"]
    assert client.get(url).status_code == 200
    other = app.test_client()
    login(other, app, "admin2@test-sou.bg")
    assert other.get(url).status_code == 404
    page = other.get("/onboarding/import").get_data(as_text=True)
    from tests.conftest import csrf_from

    assert other.post(url + "/commit", data={"csrf_token": csrf_from(page)}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 0
    assert re.search(r"/onboarding/import/students/[A-Za-z0-9_-]{16,}$", url)


def test_timetable_import_replaces_per_class_and_finds_clashes(app, school) -> None:  # type: ignore[no-untyped-def]
    from models import TimetableSlot

    plan, counts = importer.commit("timetable", school, "timetable.csv", fixture("timetable.csv"))
    assert counts == {"new": 6, "replaced": 0, "classes": 3}, [e.text() for e in plan.errors]
    _, counts = importer.commit("timetable", school, "timetable.csv", fixture("timetable.csv"))
    assert counts == {"new": 6, "replaced": 6, "classes": 3}
    assert db.session.scalar(sa.select(sa.func.count(TimetableSlot.id))) == 6
    english = db.session.scalars(sa.select(TimetableSlot).where(TimetableSlot.room == "305")).one()
    assert (english.weekday, english.period, english.term) == (2, 3, 1)
    plan, counts = importer.commit("timetable", school, "bad.csv", fixture("timetable_broken.csv"))
    assert counts is None
    assert [(e.row, e.column) for e in plan.errors] == [
        (3, "Час"),
        (4, "Час"),
        (5, "Ден"),
        (6, "Предмет"),
    ]
    assert "5а вече има час" in plan.errors[0].message
    assert "учителят вече има час" in plan.errors[1].message
    assert "не е в учебния план на 5а" in plan.errors[3].message
    assert db.session.scalar(sa.select(sa.func.count(TimetableSlot.id))) == 6


@pytest.mark.postgres
def test_student_import_on_postgresql(pg_app) -> None:  # type: ignore[no-untyped-def]
    school_id = make_school()
    load_lists(school_id, with_students=True)
    plan, counts = importer.commit(
        "students", school_id, "students_update.csv", fixture("students_update.csv")
    )
    assert counts is not None, [e.text() for e in plan.errors]
    assert (counts["new"], counts["moved"]) == (1, 1)
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 12
    assert db.session.scalar(sa.select(sa.func.count(Guardian.id))) == 14


def test_teacher_import_can_send_set_password_links(app, client) -> None:  # type: ignore[no-untyped-def]
    import re as regex

    school_id = make_school()
    _, counts = importer.commit(
        "teachers", school_id, "t.csv", fixture("teachers.csv"), invite=True
    )
    assert counts is not None and (counts["new"], counts["invited"]) == (4, 4)
    mails = db.session.scalars(sa.select(NotificationOutbox)).all()
    assert {m.to_address for m in mails} == {"direktor@test-sou.bg", "r.petrova@test-sou.bg",
                                            "v.gospodinov@test-sou.bg", "s.ilieva@test-sou.bg"}  # fmt: skip
    petrova = next(m for m in mails if m.to_address == "r.petrova@test-sou.bg")
    path = regex.search(r"/onboarding/welcome/\d+/\S+", petrova.body).group(0)
    assert client.get(path).status_code == 200
    _, counts = importer.commit("teachers", school_id, "t.csv", fixture("teachers.csv"))
    assert counts == {"new": 0, "unchanged": 4, "invited": 0}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(AuditLog.object_type == "teachers_list")
        )
        == 2
    )


def test_old_uploads_are_deleted(app, client, school) -> None:  # type: ignore[no-untyped-def]
    import os
    import time
    from pathlib import Path

    login(client, app, "admin@test-sou.bg")
    folder = Path(app.instance_path) / "uploads" / str(school)
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "students-oldoldoldoldoldoldold.csv"
    old.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    response = post_file(client, "/onboarding/import", "/onboarding/import/students", "ok.csv",
                         fixture("students_ok.csv"))  # fmt: skip
    assert response.status_code == 302
    assert not old.exists()
    assert len(list(folder.iterdir())) == 1


def test_excel_numbers_dates_and_lost_leading_zeros(app, school) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import io

    from openpyxl import Workbook

    from gradebook.demo import make_egn

    egn = make_egn(__import__("random").Random(5), dt.date(2005, 1, 2), female=True)  # "0541…"
    assert egn.startswith("05")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Клас", "№ в клас", "Име", "Фамилия", "ЕГН", "Дата на раждане"])
    sheet.append(["8е", 5.0, "Мила", "Тонева", int(egn), dt.datetime(2005, 1, 2)])
    out = io.BytesIO()
    workbook.save(out)
    plan = importer.preview("students", school, "numbers.xlsx", out.getvalue())
    assert plan.ok, [e.text() for e in plan.errors]
    item = plan.items[0]
    assert (item["personal_id"], item["class_number"], item["gender"]) == (egn, 5, "F")


def test_quoted_csv_values_keep_their_delimiters(app, school) -> None:  # type: ignore[no-untyped-def]
    text = fixture("students_ok.csv").decode("utf-8-sig")
    text = text.replace("Мария Георгиева;майка", '"Георгиева; Мария";майка')
    plan = importer.preview("students", school, "q.csv", text.encode("cp1251"))
    assert plan.ok, [e.text() for e in plan.errors]
    assert plan.items[0]["parents"][0]["name"] == "Георгиева; Мария"


@pytest.mark.postgres
def test_two_concurrent_imports_never_duplicate(pg_app) -> None:  # type: ignore[no-untyped-def]
    import threading

    school_id = make_school()
    load_lists(school_id)
    data = fixture("students_ok.csv")
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        with pg_app.app_context():
            assert importer.preview("students", school_id, "a.csv", data).ok
            barrier.wait()  # both have validated against an empty list
            try:
                results.append(importer.commit("students", school_id, "a.csv", data))
            except Exception as exc:  # pragma: no cover - a failure is what the test reports
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = sorted(("saved" if counts else "refused") for _, counts in results)  # type: ignore[misc]
    assert outcomes in (["refused", "saved"], ["saved", "saved"])
    for plan, counts in results:  # type: ignore[misc]
        if counts is None:
            assert "друг импорт" in plan.errors[0].message
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 11
    assert db.session.scalar(sa.select(sa.func.count(Enrollment.id))) == 11
    assert db.session.scalar(sa.select(sa.func.count(GuardianStudent.id))) == 13
    assert db.session.scalar(sa.select(sa.func.count(Guardian.id))) == 13


def test_too_big_uploads_are_refused(app, client, school, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from onboarding import views

    monkeypatch.setattr(views, "MAX_UPLOAD", 1000)  # a small limit keeps the test body small
    login(client, app, "admin@test-sou.bg")
    response = post_file(client, "/onboarding/import", "/onboarding/import/students", "big.csv",
                         b"x" * 2000)  # fmt: skip
    assert response.status_code == 302
    assert "Файлът е твърде голям" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert not list((Path(app.instance_path) / "uploads" / str(school)).glob("*"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_filled_examples_import_in_order_into_a_new_school(app, fmt) -> None:  # type: ignore[no-untyped-def]
    from onboarding.templates_files import template_file

    school_id = make_school()
    for kind in sorted(importer.KINDS, key=lambda k: importer.KINDS[k].order):
        empty, _, _ = template_file(kind, fmt, example=False)
        plan = importer.preview(kind, school_id, f"t.{fmt}", empty)
        assert plan.ok and plan.rows == 0, (kind, [e.text() for e in plan.errors])
        content, _, _ = template_file(kind, fmt, example=True)
        plan, counts = importer.commit(kind, school_id, f"e.{fmt}", content)
        assert counts is not None, (kind, [e.text() for e in plan.errors])
        assert counts["new"] > 0
