"""The year's sections of the class book end to end on the SQLite demo (Wednesday 25.11.2026):
the ПГ group's daily attendance (locks, the school-day rule, audit, the dropout risk, the report,
the portal, the phone; the use-cases also on PostgreSQL), the ПГ results, first grade's overall result, the annual results of V–XII
with a retake; and who may see and write them (another school's staff, a teacher who is not the
class teacher, a parent of another child)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from gradebook import core
from gradebook import dropout
from gradebook import pg_attendance
from gradebook import rules
from gradebook import summary
from gradebook import year_results
from gradebook.pg_attendance import Mark
from ivr import content
from models import AuditLog
from models import Curriculum
from models import FirstGradeResult
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import GradeResult
from models import PgAttendance
from models import SchoolClass
from models import StaffUser
from models import Subject
from models import db
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff
from tests.test_pupil_record import TODAY
from tests.test_pupil_record import a_class
from tests.test_pupil_record import admin_of
from tests.test_pupil_record import pupils
from tests.test_pupil_record import teacher_of
from tests.test_trust_families import parent_login

DAY = "2026-11-25"


def pg_group(school_id: int = 1) -> SchoolClass:
    return a_class(0, school_id)


def another_teacher(klass: SchoolClass) -> core.Actor:
    """A teacher of the school who is not this class's class teacher nor teaches it."""
    staff_id = db.session.scalar(
        sa.select(Curriculum.teacher_id).where(
            Curriculum.school_id == klass.school_id,
            Curriculum.teacher_id.is_not(None),
            Curriculum.teacher_id != klass.class_teacher_id,
            Curriculum.class_id != klass.id,
        )
    )
    return core.Actor.load(staff_id, klass.school_id)


# --- ПГ daily attendance ---------------------------------------------------------------------------
def test_a_day_of_the_group_saved_audited_and_read(school_app) -> None:
    klass = pg_group()
    me = teacher_of(klass)
    kids = pupils(klass)
    marks = {kids[0]: Mark("excused", "health", "болен"), kids[1]: Mark("unexcused")}
    assert pg_attendance.save_day(me, klass.id, DAY, marks) == len(kids)  # all present by default
    rows = pg_attendance.day_marks(1, klass.id, dt.date(2026, 11, 25))
    assert {pg_attendance.kind_of(r) for r in rows.values()} == {"present", "excused", "unexcused"}
    assert rows[kids[0]].excuse_reason.value == "health" and rows[kids[0]].excuse_comment == "болен"
    assert pg_attendance.save_day(me, klass.id, DAY, marks) == 0  # nothing changed
    assert pg_attendance.save_day(me, klass.id, DAY, {kids[1]: Mark("excused", "family")}) == 2
    actions = list(
        db.session.scalars(
            sa.select(AuditLog.action).where(
                AuditLog.object_type == "pg_attendance", AuditLog.object_id == rows[kids[0]].id
            )
        )
    )
    assert actions == ["create", "update"]
    with pytest.raises(core.Invalid) as bad:  # a reason is needed, and only when excused
        pg_attendance.save_day(
            me, klass.id, DAY, {kids[0]: Mark("excused"), kids[1]: Mark("present", "family")}
        )
    assert set(bad.value.errors) == {f"reason_{kids[0]}", f"reason_{kids[1]}"}
    # the phone's read model: the group's days
    days = summary.get_summary(kids[1], klass.school_year_id)["pg_days"]
    assert days["recent"][0] == {"date": DAY, "kind": "excused"}
    spoken = content.absences(summary.get_summary(kids[1], klass.school_year_id), TODAY)
    assert spoken[0] == "Днес детето отсъства по уважителни причини."
    assert spoken[1].startswith("От началото на годината:")


def test_locks_and_school_days_hold(school_app) -> None:
    klass = pg_group()
    me = teacher_of(klass)
    with pytest.raises(core.Locked):  # the future lock
        pg_attendance.save_day(me, klass.id, "2026-11-26", {})
    with pytest.raises(core.Invalid):  # a Sunday without lessons
        pg_attendance.save_day(me, klass.id, "2026-11-22", {})
    year = db.session.get(SchoolClass, klass.id).school_year
    year.month_lock_day = 5
    db.session.commit()
    with pytest.raises(core.Locked):  # October is locked after the 5th of November
        pg_attendance.save_day(me, klass.id, "2026-10-20", {})
    admin = admin_of(1)
    assert pg_attendance.save_day(admin, klass.id, "2026-10-20", {}, override_lock=True) >= 0
    assert db.session.scalar(
        sa.select(AuditLog.id).where(AuditLog.action == "override", AuditLog.object_type == "lock")
    )


def test_only_the_group_s_teacher_and_admins_write_and_only_in_a_pg_book(demo_app) -> None:
    klass = pg_group()
    with pytest.raises(core.Forbidden):
        pg_attendance.save_day(another_teacher(klass), klass.id, DAY, {})
    with pytest.raises(core.NotFound):  # another school's admin
        pg_attendance.save_day(admin_of(2), klass.id, DAY, {})
    fifth = a_class(5)
    with pytest.raises(core.Invalid):
        pg_attendance.save_day(teacher_of(fifth), fifth.id, DAY, {})
    with pytest.raises(core.Invalid):  # another group's child
        pg_attendance.save_day(teacher_of(klass), klass.id, DAY, {pupils(fifth)[0]: Mark()})


def test_unexcused_days_make_the_dropout_risk(school_app) -> None:
    klass = pg_group()
    found = dropout.risks(1, klass.school_year_id, pupils(klass), TODAY)
    at_risk = [sid for sid, r in found.items() if r.at_risk]
    assert at_risk and all(found[s].by_days and found[s].days == 4 for s in at_risk)
    assert all(r.hours == Decimal(0) for r in found.values())


def test_the_pupil_page_flags_a_child_of_the_group(demo_client, demo_app) -> None:
    klass = pg_group()
    found = dropout.risks(1, klass.school_year_id, pupils(klass), TODAY)
    child = next(sid for sid, r in found.items() if r.at_risk)
    login_staff(demo_client, klass.class_teacher.email)
    page = demo_client.get(f"/staff/students/{child}").get_data(as_text=True)
    assert "В риск от отпадане" in page and "4 неуважителни дни в групата" in page


def test_staff_pages_of_the_group(demo_client, demo_app) -> None:
    klass = pg_group()
    kids = pupils(klass)
    login_staff(demo_client, klass.class_teacher.email)
    page = demo_client.get(f"/staff/classes/{klass.id}").get_data(as_text=True)
    assert "Присъствие днес" in page and "Отсъствия и извиняване" not in page
    assert "Резултати от предучилищното образование" in page
    url = f"/staff/classes/{klass.id}/attendance?date={DAY}"
    assert demo_client.post(url, data={"date": DAY}).status_code == 400  # no CSRF token
    r = form_post(demo_client, url, {"date": DAY, f"kind{kids[2]}": "excused"})
    assert r.status_code == 422 and "Посочете причината" in r.get_data(as_text=True)
    r = form_post(
        demo_client, url, {"date": DAY, f"kind{kids[2]}": "excused", f"reason{kids[2]}": "other"}
    )
    assert r.status_code == 302
    month = demo_client.get(f"/staff/classes/{klass.id}/attendance/month?month=2026-11")
    assert month.status_code == 200 and "Н" in month.get_data(as_text=True)
    report = demo_client.get(f"/onboarding/reports/pg-attendance?class_id={klass.id}&month=11.2026")
    assert report.status_code == 200 and "Присъствие в подготвителните групи" in report.get_data(
        as_text=True
    )
    csv = demo_client.get(
        f"/onboarding/reports/pg-attendance?class_id={klass.id}&month=11.2026&format=csv"
    )
    assert csv.status_code == 200 and "Дете" in csv.get_data(as_text=True)
    results = f"/staff/classes/{klass.id}/pg-results"
    html = demo_client.get(results).get_data(as_text=True)
    assert "В началото на учебната година" in html
    subject_id = year_results.class_subjects(klass.id)[0].subject_id
    r = form_post(
        demo_client,
        results,
        {"subject_id": subject_id, f"start{kids[0]}": "Разказва.", f"end{kids[0]}": "Чете букви."},
    )
    assert r.status_code == 302
    row = year_results.pg_results_of(1, klass.id)[(kids[0], subject_id)]
    assert (row.start_result, row.end_result) == ("Разказва.", "Чете букви.")
    # the phone's menu 3 says it at once (the save refreshed the child's read model)
    subject = db.session.get(Subject, subject_id)
    said = content.averages(summary.get_summary(kids[0], klass.school_year_id), TODAY)
    assert said[0] == "Резултати от подготвителната група."
    assert f"{subject.spoken_name or subject.name}, в края на годината: Чете букви." in said
    assert not any(line.startswith("Среден успех") for line in said)
    # a ПГ group has no lesson register and no absences page
    assert demo_client.get(f"/staff/classes/{klass.id}/absences").status_code == 404
    # a teacher of another class sees none of it
    other = demo_app.test_client()
    login_staff(other, db.session.get(StaffUser, another_teacher(klass).staff_id).email)
    for path in (url, f"/staff/classes/{klass.id}/attendance/month", results):
        assert other.get(path).status_code == 403, path
    assert other.post(url, data={"date": DAY}).status_code in (400, 403)
    # another school's director: 404
    theirs = demo_app.test_client()
    login_staff(theirs, "direktor@sou2.demo.bg")
    assert theirs.get(url).status_code == 404
    assert theirs.get(f"/onboarding/reports/pg-attendance?class_id={klass.id}").status_code in (
        403,
        404,
    )


def test_parents_see_their_own_child_only(demo_client, demo_app) -> None:
    klass = pg_group()
    kids = pupils(klass)
    pg_attendance.save_day(teacher_of(klass), klass.id, DAY, {kids[0]: Mark("excused", "health")})
    parent_login(demo_client, "roditel.pg@sou1.demo.bg")
    page = demo_client.get(f"/child/{kids[0]}").get_data(as_text=True)
    assert "Присъствие в групата" in page and "по уважителни причини (здравословни)" in page
    assert "Резултати от предучилищното образование" in page
    assert demo_client.get(f"/child/{kids[1]}").status_code == 404  # another child of the group


# --- first grade -----------------------------------------------------------------------------------
def test_first_grade_overall_result(demo_client, demo_app) -> None:
    klass = a_class(3)
    me = teacher_of(klass)
    kids = pupils(klass)
    with pytest.raises(core.Invalid):  # a third grade has annual grades instead
        year_results.save_first_grade_results(me, klass.id, {kids[0]: "q6"})
    klass.grade_level = 1
    db.session.commit()
    assert year_results.save_first_grade_results(me, klass.id, {kids[0]: "q6", kids[1]: "s2"}) == 2
    with pytest.raises(core.Invalid) as bad:
        year_results.save_first_grade_results(me, klass.id, {kids[0]: "s3", kids[2]: "q9"})
    assert set(bad.value.errors) == {f"result_{kids[0]}", f"result_{kids[2]}"}
    assert year_results.save_first_grade_results(me, klass.id, {kids[0]: "q5"}) == 1
    assert year_results.save_first_grade_results(me, klass.id, {kids[1]: ""}) == 1
    rows = db.session.scalars(
        sa.select(FirstGradeResult).where(FirstGradeResult.class_id == klass.id)
    )
    assert {(r.student_id, r.qualitative, r.special) for r in rows} == {(kids[0], 5, None)}
    with pytest.raises(core.Forbidden):
        year_results.save_first_grade_results(another_teacher(klass), klass.id, {kids[0]: "q3"})
    login_staff(demo_client, klass.class_teacher.email)
    url = f"/staff/classes/{klass.id}/first-grade-results"
    assert "Общ годишен резултат" in demo_client.get(f"/staff/classes/{klass.id}").get_data(
        as_text=True
    )
    assert form_post(demo_client, url, {f"result{kids[3]}": "q4"}).status_code == 302
    assert "Добър" in demo_client.get(url).get_data(as_text=True)


# --- annual results --------------------------------------------------------------------------------
def _annual(klass: SchoolClass, grades: dict[int, int]) -> None:
    """Every pupil's annual grade 5 in every subject, except ``grades`` (pupil index → 2 in the
    first subject)."""
    curricula = year_results.class_subjects(klass.id)
    for i, sid in enumerate(pupils(klass)):
        for n, c in enumerate(curricula):
            value = grades.get(i, 5) if n == 0 else 5
            db.session.add(
                Grade(
                    school_id=klass.school_id,
                    school_year_id=klass.school_year_id,
                    student_id=sid,
                    curriculum_id=c.id,
                    subject_id=c.subject_id,
                    term=None,
                    kind=GradeKind.ANNUAL,
                    category=GradeCategory.QUANTITATIVE,
                    value=Decimal(value),
                    date=TODAY,
                )
            )
    db.session.commit()


def test_annual_results_suggested_confirmed_and_retaken(demo_client, demo_app) -> None:
    klass = a_class(5)
    kids = pupils(klass)
    first = year_results.class_subjects(klass.id)[0]
    _annual(klass, {1: 2})
    found = year_results.suggestions(1, klass.id)
    assert found[kids[0]].result == rules.RESULT_COMPLETES
    assert (found[kids[1]].result, found[kids[1]].retake) == (rules.RESULT_RETAKE, (first.id,))
    me = teacher_of(klass)
    assert year_results.confirm_suggestions(me, klass.id) == len(kids)
    assert year_results.confirm_suggestions(me, klass.id) == 0
    row = year_results.grade_results_of(1, klass.id)[kids[1]]
    assert [s.curriculum_id for s in row.subjects] == [first.id]
    with pytest.raises(core.Invalid):  # a reason is needed to change a result
        year_results.save_grade_result(
            me, klass.id, kids[1], initial=2, retake=[first.id], version=row.version
        )
    with pytest.raises(core.Invalid):  # the second session before the first
        year_results.save_grade_result(
            me, klass.id, kids[1], initial=2, retake=[first.id],
            sessions={first.id: [rules.Session(), rules.Session(4)]},
            version=row.version, reason="сесия",
        )  # fmt: skip
    year_results.save_grade_result(
        me, klass.id, kids[1], initial=2, retake=[first.id],
        sessions={first.id: [rules.Session(4)]}, final=1, version=row.version, reason="сесия",
    )  # fmt: skip
    db.session.expire_all()
    row = db.session.get(GradeResult, row.id)
    assert (row.final, row.subjects[0].session1_grade) == (1, 4)
    assert year_results.suggested_final(row) == rules.RESULT_COMPLETES
    audit = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.object_type == "grade_result", AuditLog.object_id == row.id)
        .order_by(AuditLog.id)
    ).all()  # fmt: skip
    assert [a.action for a in audit] == ["create", "update", "update"][: len(audit)]
    assert audit[-1].after["final"] == 1 and audit[-1].reason == "сесия"
    # forbidden to a teacher who is not the class teacher; another school's admin: not found
    with pytest.raises(core.Forbidden):
        year_results.confirm_suggestions(another_teacher(klass), klass.id)
    with pytest.raises(core.NotFound):
        year_results.save_grade_result(admin_of(2), klass.id, kids[0], initial=1, retake=[])
    with pytest.raises(core.Invalid):  # a fourth grade has no annual results
        year_results.confirm_suggestions(admin_of(1), a_class(3).id)
    # the staff pages and the portal
    login_staff(demo_client, klass.class_teacher.email)
    page = demo_client.get(f"/staff/classes/{klass.id}/annual-results").get_data(as_text=True)
    assert "Полага изпити" in page and first.subject.name in page
    url = f"/staff/classes/{klass.id}/annual-results/{kids[2]}"
    html = demo_client.get(url).get_data(as_text=True)
    r = demo_client.post(
        url,
        data={"csrf_token": csrf_from(html), "initial": "3", "version": "1", "reason": "решение"},
    )
    assert r.status_code == 302
    # what the school-year transition takes as each pupil's default
    found = year_results.outcomes(1, klass.school_year_id)
    assert (found[kids[0]], found[kids[1]], found[kids[2]]) == ("promote", "promote", "repeat")
    other = demo_app.test_client()
    login_staff(other, db.session.get(StaffUser, another_teacher(klass).staff_id).email)
    assert other.get(f"/staff/classes/{klass.id}/annual-results").status_code == 403
    theirs = demo_app.test_client()
    login_staff(theirs, "direktor@sou2.demo.bg")
    assert theirs.get(url).status_code == 404
    assert theirs.get(f"/staff/history/grade_result/{row.id}").status_code == 404


def test_demo_has_the_group(demo_app) -> None:
    klass = pg_group()
    days = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(PgAttendance.date))).where(
            PgAttendance.class_id == klass.id
        )
    )
    assert days >= 20  # more than a month of school days
    assert year_results.pg_results_of(1, klass.id)


def test_a_finished_year_s_results_are_listed_for_the_admin(demo_app) -> None:
    klass = a_class(9)
    _annual(klass, {})
    assert year_results.confirm_suggestions(teacher_of(klass), klass.id) == len(pupils(klass))
    klass.school_year.is_current = False  # as once the next year is current
    db.session.commit()
    listed = year_results.past_result_classes(1)
    assert [(k.id, section) for _y, k, section in listed] == [(klass.id, "grade_results")]
    assert year_results.past_result_classes(2) == []


# --- the phone line: menu 3 says the year's result ----------------------------------------------
def test_the_phone_says_the_year_s_result(demo_app) -> None:
    first_grade = a_class(3)
    first_grade.grade_level = 1
    db.session.commit()
    kid = pupils(first_grade)[0]
    year_results.save_first_grade_results(teacher_of(first_grade), first_grade.id, {kid: "q5"})
    said = content.averages(summary.get_summary(kid, first_grade.school_year_id), TODAY)
    assert said[0] == "Общ годишен резултат: Много добър."
    klass = a_class(5)
    kids = pupils(klass)
    first = year_results.class_subjects(klass.id)[0]
    _annual(klass, {1: 2})
    me = teacher_of(klass)
    year_results.confirm_suggestions(me, klass.id)
    got = summary.get_summary(kids[0], klass.school_year_id)
    assert got["v"] == summary.PAYLOAD_VERSION == 11
    assert content.averages(got, TODAY)[0] == "Годишен резултат: завършва класа."
    name = first.subject.spoken_name or first.subject.name
    said = content.averages(summary.get_summary(kids[1], klass.school_year_id), TODAY)
    assert (
        said[0]
        == content.year_result({"kind": "annual", "initial": 2, "final": None, "subjects": [name]})[
            0
        ]
    )
    assert said[0].startswith("Годишен резултат: полага поправителни изпити по ")
    row = year_results.grade_results_of(1, klass.id)[kids[1]]
    year_results.save_grade_result(
        me, klass.id, kids[1], initial=2, retake=[first.id],
        sessions={first.id: [rules.Session(2), rules.Session(2), rules.Session(2)]}, final=3,
        version=row.version, reason="сесии",
    )  # fmt: skip
    said = content.averages(summary.get_summary(kids[1], klass.school_year_id), TODAY)
    assert said[1] == "След поправителните изпити: повтаря класа."
    db.session.expire_all()
    row = db.session.get(GradeResult, row.id)
    year_results.delete_grade_result(me, row.id, version=row.version, reason="грешка")
    assert summary.get_summary(kids[1], klass.school_year_id)["year_result"] is None
