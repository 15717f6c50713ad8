"""The monthly НЕИСПУО/АСП absences file: format, round trip, checks of a received file."""

from __future__ import annotations

import datetime as dt
import io
import random

import sqlalchemy as sa

from models import Absence
from models import Enrollment
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import db
from onboarding import asp
from tests._onboarding import login
from tests.conftest import csrf_from


def _student(school_id: int = 1) -> Student:
    return db.session.scalars(
        sa.select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(
            Student.school_id == school_id, SchoolClass.name == "9а", Enrollment.left_on.is_(None)
        )
        .order_by(Enrollment.class_number)
    ).first()


def _absent(student: Student, kinds: list[str], day: dt.date = dt.date(2026, 11, 3)) -> None:
    year = db.session.scalars(
        sa.select(SchoolYear).where(SchoolYear.school_id == student.school_id)
    ).one()
    for index, kind in enumerate(kinds):
        db.session.add(Absence(school_id=student.school_id, school_year_id=year.id, student_id=student.id,
                               date=day + dt.timedelta(days=index // 8), period=8 + index % 8, term=1,
                               kind=kind))  # fmt: skip
    db.session.commit()


def test_export_has_sixteen_fields_in_windows_1251(demo_app) -> None:  # type: ignore[no-untyped-def]
    student = _student()
    before = {r.personal_id: r for r in asp.build_records(1, 2026, 11)}[student.personal_id]
    _absent(student, ["unexcused"] * 5 + ["late"] * 2 + ["excused"] * 3)
    data = asp.export_month(1, 2026, 11)
    text = data.decode("cp1251")
    assert data.endswith(b"\r\n") and "\r\n" in text
    lines = text.splitlines()
    enrolled = db.session.scalar(sa.select(sa.func.count(Enrollment.id)).where(
        Enrollment.school_id == 1, Enrollment.left_on.is_(None)))  # fmt: skip
    assert len(lines) >= enrolled
    assert all(len(line.split("|")) == 16 for line in lines)
    line = next(x for x in lines if f"|{student.personal_id}|" in x).split("|")
    assert line[:4] == ["2200001", "2026", "11", ""]
    assert line[5:8] == [student.first_name, student.middle_name, student.last_name]
    assert line[8] == "09" and line[11] == "9а"
    assert line[14] == f"{before.excused + 3:.2f}"
    assert line[15] == f"{before.unexcused + 6:.2f}"  # 5 unexcused + 2 lates × ½
    assert line[12] == "0"  # above 5 weighted unexcused hours: not attending regularly
    assert all(len(x.split("|")[2]) == 2 and len(x.split("|")[8]) == 2 for x in lines)


def test_round_trip(demo_app) -> None:  # type: ignore[no-untyped-def]
    _absent(_student(), ["unexcused", "late", "excused"])
    records = asp.build_records(1, 2026, 11)
    data = asp.export_month(1, 2026, 11)
    parsed = asp.parse(data)
    assert parsed.errors == []
    assert parsed.encoding == "windows-1251"
    assert parsed.records == records
    checked = asp.import_file(1, data)
    assert checked.errors == [] and checked.differences == []
    assert checked.matching == len(records)
    assert asp.export_month(1, 2026, 11) == b"".join(
        r.line().encode("cp1251") + b"\r\n" for r in parsed.records
    )


def test_a_left_student_carries_the_deregistration_date(demo_app) -> None:  # type: ignore[no-untyped-def]
    from onboarding import importer

    student = _student()
    importer.confirm_leavers(1, [student.id], dt.date(2026, 11, 20), "преместен")
    november = {r.personal_id: r for r in asp.build_records(1, 2026, 11)}
    assert november[student.personal_id].deregistered_on == dt.date(2026, 11, 20)
    assert "|20.11.2026|" in asp.export_month(1, 2026, 11).decode("cp1251")
    assert student.personal_id not in {r.personal_id for r in asp.build_records(1, 2026, 12)}


def _export_with_hours(student: Student, hours: str) -> tuple[list[str], int, list[str]]:
    """School 1's November export with ``hours`` in the pupil's first line: the lines, the
    index of that line and its fields."""
    lines = asp.export_month(1, 2026, 11).decode("cp1251").splitlines()
    index = next(i for i, x in enumerate(lines) if f"|{student.personal_id}|" in x)
    fields = lines[index].split("|")
    fields[15] = hours
    lines[index] = "|".join(fields)
    return lines, index, fields


def test_differences_and_bad_lines_are_reported(demo_app) -> None:  # type: ignore[no-untyped-def]
    student = _student()
    lines, index, fields = _export_with_hours(student, "12.00")
    broken = list(lines[0].split("|"))
    broken[4] = "1234567890"  # bad ЕГН
    lines.append("|".join(broken))
    lines.append("2200001|2026|11||1")  # too few fields
    other = list(lines[1].split("|"))
    other[0] = "2200002"
    lines.append("|".join(other))
    result = asp.import_file(1, "\r\n".join(lines).encode("cp1251"))
    assert [(e.row, e.column) for e in result.errors] == [
        (len(lines) - 2, "идентификатор"),
        (len(lines) - 1, ""),
        (len(lines), "код на институцията"),
    ]
    assert len(result.differences) == 1
    assert student.first_name in result.differences[0] and "12.00" in result.differences[0]


def test_web_download_and_check_are_scoped(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    login(demo_client, demo_app, "direktor@sou2.demo.bg")
    response = demo_client.get("/onboarding/asp?download=1&month=11.2026")
    assert response.status_code == 200 and "windows-1251" in response.headers["Content-Type"]
    assert response.data.decode("cp1251").startswith("2200002|2026|11|")
    page = demo_client.get("/onboarding/asp").get_data(as_text=True)
    school1 = asp.export_month(1, 2026, 11)
    result = demo_client.post("/onboarding/asp", data={"csrf_token": csrf_from(page),
                              "file": (io.BytesIO(school1), "f.txt")}, content_type="multipart/form-data")  # fmt: skip
    html = result.get_data(as_text=True)
    assert "файлът е на друга институция (2200001)" in html
    assert "съвпадат: 0" in html
    mine = asp.export_month(2, 2026, 11)
    result = demo_client.post("/onboarding/asp", data={"csrf_token": csrf_from(page),
                              "file": (io.BytesIO(mine), "f.txt")}, content_type="multipart/form-data")  # fmt: skip
    assert "разлики: 0 · грешки: 0" in result.get_data(as_text=True)


def test_cli_export_and_check(demo_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = demo_app.test_cli_runner()
    target = tmp_path / "asp.txt"
    result = runner.invoke(
        args=["reports", "asp", "--school", "2200001", "--month", "11.2026", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["import", "asp", str(target), "--school", "2200001"])
    assert result.exit_code == 0, result.output
    assert "разлики 0" in result.output


def test_comparison_is_actionable_and_writes_nothing(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    from gradebook.demo import make_egn

    student = _student()
    lines, mine, fields = _export_with_hours(student, "7.50")
    flag = lines[mine + 1].split("|")
    flag[12] = "0" if flag[12] == "1" else "1"  # hours the same, "attends regularly" not
    lines[mine + 1] = "|".join(flag)
    dropped = lines.pop(mine + 2).split("|")
    stranger = list(fields)
    stranger[4] = make_egn(random.Random(5), dt.date(2012, 3, 4), female=False)
    stranger[5] = "Непознат"
    lines.append("|".join(stranger))
    absences = db.session.scalar(sa.select(sa.func.count(Absence.id)))
    result = asp.import_file(1, "\r\n".join(lines).encode("cp1251"))
    assert result.errors == []
    kinds = {d.kind: d for d in result.details}
    assert set(kinds) == {"hours", "regular", "missing", "unknown"}
    assert kinds["hours"].student_id == student.id and kinds["hours"].line == mine + 1
    klass = db.session.get(SchoolClass, kinds["hours"].class_id)
    assert klass is not None and klass.name == "9а"
    assert "7.50" in kinds["hours"].text and "11.2026" in kinds["hours"].text
    assert "посещава редовно" in kinds["regular"].text
    assert kinds["missing"].line is None and dropped[5] in kinds["missing"].text
    assert kinds["unknown"].student_id is None and "Непознат" in kinds["unknown"].text
    assert result.months == [(2026, 11)]
    assert db.session.scalar(sa.select(sa.func.count(Absence.id))) == absences  # nothing written
    login(demo_client, demo_app, "direktor@sou1.demo.bg")
    page = demo_client.get("/onboarding/asp").get_data(as_text=True)
    response = demo_client.post("/onboarding/asp", data={"csrf_token": csrf_from(page),
                                "file": (io.BytesIO("\r\n".join(lines).encode("cp1251")), "f.txt")},
                                content_type="multipart/form-data")  # fmt: skip
    html = response.get_data(as_text=True)
    assert f"/staff/students/{student.id}" in html
    assert f"/staff/classes/{klass.id}/absences" in html
    assert "download=1&amp;month=11.2026" in html
    assert "Бележник не записва часове от такъв файл" in html
