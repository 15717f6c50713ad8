"""Staff web: sign-in, the grade grid, final grades, edits with optimistic locking, locks, audit
and the outbox hook (SQLite demo school, clock frozen at Wednesday 25.11.2026 10:00)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from gradebook import core
from gradebook import summary
from models import AttemptCounter
from models import AuditLog
from models import Curriculum
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import GuardianStudent
from models import NotificationOutbox
from models import OutboxStatus
from models import SchoolClass
from models import SchoolYear
from models import SeenItem
from models import StaffUser
from models import StudentSummary
from models import db
from notify import outbox
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff


# --- helpers ------------------------------------------------------------------------------------
def curriculum_at(level: int, school_id: int = 1) -> Curriculum:
    """A curriculum row with a teacher in a class of this grade level."""
    return db.session.scalar(
        sa.select(Curriculum)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(
            SchoolClass.grade_level == level,
            SchoolClass.school_id == school_id,
            Curriculum.teacher_id.is_not(None),
        )
        .order_by(Curriculum.id)
    )


def students_of(curriculum: Curriculum) -> list[int]:
    return [e.student_id for e in core.active_enrollments(curriculum.class_id)]


def login_teacher_of(client, curriculum: Curriculum):
    response = login_staff(client, curriculum.teacher.email)
    assert response.status_code == 302
    return response


def grade_count(curriculum_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Grade.id)).where(Grade.curriculum_id == curriculum_id)
    )


def post_column(client, curriculum_id: int, values: dict[int, str], **extra):
    data = {"kind": "current", "date": "2026-11-25"}
    data.update({f"g{sid}": v for sid, v in values.items()})
    data.update(extra)
    return form_post(client, f"/staff/grid/{curriculum_id}", data)


@pytest.fixture
def calls(monkeypatch):
    """Record the outbox and read-model hooks (they still run for real)."""
    seen: dict[str, list] = {"enqueue": [], "cancel": [], "refresh": [], "group": []}
    real_enqueue = outbox.enqueue_many
    real_cancel = outbox.cancel_for_object
    real_refresh = summary.refresh_student
    real_group = summary.refresh_class_group

    def enqueue(notices, *, school_id):
        # every outbox write goes through enqueue_many (enqueue_for_students is one notice of it)
        notices = list(notices)
        for n in notices:
            kw = {"school_id": school_id, "object_type": n.object_type, "object_id": n.object_id}
            seen["enqueue"].append((list(n.student_ids), n.event, {**kw, "payload": n.payload}))
        return real_enqueue(notices, school_id=school_id)

    def cancel(object_type, object_id):
        seen["cancel"].append((object_type, object_id))
        return real_cancel(object_type, object_id)

    def refresh(student_id, year_id):
        seen["refresh"].append((student_id, year_id))
        return real_refresh(student_id, year_id)

    def group(year, payload, fresh=None):
        seen["group"].append((year.id, payload["student"]["class_id"]))
        return real_group(year, payload, fresh)

    monkeypatch.setattr(outbox, "enqueue_many", enqueue)
    monkeypatch.setattr(outbox, "cancel_for_object", cancel)
    monkeypatch.setattr(summary, "refresh_student", refresh)
    monkeypatch.setattr(summary, "refresh_class_group", group)
    return seen


# --- sign-in ---------------------------------------------------------------------------------------
def test_sign_in_and_out(demo_client):
    assert demo_client.get("/staff/").status_code == 302
    page = demo_client.get("/staff/login")
    assert page.status_code == 200 and "Вход за учители" in page.get_data(as_text=True)
    r = login_staff(demo_client, "direktor@sou1.demo.bg")
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = demo_client.get("/staff/")
    assert home.status_code == 200 and "Администрация" in home.get_data(as_text=True)
    assert demo_client.get("/staff/logout").status_code == 405  # sign-out is a POST with CSRF
    token = csrf_from(home.get_data(as_text=True))
    assert demo_client.post("/staff/logout", data={}).status_code == 400
    assert demo_client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert demo_client.get("/staff/").status_code == 302


def test_wrong_password_is_throttled(demo_client):
    for _ in range(5):
        r = login_staff(demo_client, "uchitel1@sou1.demo.bg", "wrong-password")
        assert r.status_code == 401
        assert "Грешен имейл или парола." in r.get_data(as_text=True)
    r = login_staff(demo_client, "uchitel1@sou1.demo.bg")  # right password, but too many tries
    assert r.status_code == 429
    assert "Твърде много неуспешни опити" in r.get_data(as_text=True)
    assert demo_client.get("/staff/").status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.sum(AttemptCounter.attempts)).where(
                AttemptCounter.scope == "staff_login"
            )
        )
        >= 5
    )


def test_unknown_email_gets_the_same_answer(demo_client):
    r = login_staff(demo_client, "nobody@sou1.demo.bg")
    assert r.status_code == 401 and "Грешен имейл или парола." in r.get_data(as_text=True)


def test_login_without_csrf_token_fails(demo_client):
    r = demo_client.post(
        "/staff/login", data={"email": "direktor@sou1.demo.bg", "password": "demo1234"}
    )
    assert r.status_code == 400


def test_next_only_inside_the_staff_web(demo_client):
    data = {"email": "direktor@sou1.demo.bg", "password": "demo1234"}
    r = form_post(demo_client, "/staff/login", data, post_url="/staff/login?next=//evil.example/")
    assert r.headers["Location"].endswith("/staff/")
    demo_client.post(
        "/staff/logout",
        data={"csrf_token": csrf_from(demo_client.get("/staff/").get_data(as_text=True))},
    )
    r = form_post(demo_client, "/staff/login", data, post_url="/staff/login?next=/staff/events")
    assert r.headers["Location"].endswith("/staff/events")


def test_admin_password_reset_forces_a_change(demo_app):
    admin = demo_app.test_client()
    login_staff(admin, "direktor@sou1.demo.bg")
    teacher = db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == "uchitel3@sou1.demo.bg")
    )
    r = form_post(
        admin, "/staff/admin/staff", {}, post_url=f"/staff/admin/staff/{teacher.id}/password"
    )
    assert r.status_code == 302
    flashed = admin.get("/staff/admin/staff").get_data(as_text=True)
    assert "Временна парола" not in flashed  # the admin sees no password (issue #12)
    db.session.refresh(teacher)
    assert teacher.must_change_password
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "password_reset"))
    assert entry is not None and entry.object_id == teacher.id
    client = demo_app.test_client()
    assert login_staff(client, teacher.email).status_code == 401  # old password gone
    mail = db.session.scalar(
        sa.select(NotificationOutbox).where(NotificationOutbox.to_address == teacher.email)
    )
    path = re.search(r"/onboarding/welcome/\d+/\S+", mail.body).group(0)
    assert (
        form_post(client, path, {"password": "собствена-1", "confirm": "собствена-1"}).status_code
        == 302
    )
    assert login_staff(client, teacher.email, "собствена-1").status_code == 302
    r = form_post(client, "/staff/password", {"password": "short", "confirm": "short"})
    assert "Поне 10 знака." in r.get_data(as_text=True)
    r = form_post(
        client, "/staff/password", {"password": "a-new-secret-1", "confirm": "a-new-secret-1"}
    )
    assert r.status_code == 302
    assert client.get("/staff/").status_code == 200


# --- the grade grid ---------------------------------------------------------------------------------
def test_grid_renders_rows_forecast_and_inputs(demo_client):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    page = demo_client.get(f"/staff/grid/{curriculum.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for sid in students_of(curriculum):
        assert f'name="g{sid}"' in html
    assert "Прогноза" in html and "Запиши колоната" in html
    assert 'aria-label="Оценка за 1.' in html  # labelled for screen readers
    assert "grid.js" in html


def test_save_a_column_in_one_request(demo_client, calls):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    sids = students_of(curriculum)[:4]
    before = grade_count(curriculum.id)
    r = post_column(
        demo_client, curriculum.id, {sids[0]: "6", sids[1]: "5,50", sids[2]: "2", sids[3]: ""}
    )
    assert r.status_code == 302
    assert grade_count(curriculum.id) == before + 3
    saved = db.session.scalars(
        sa.select(Grade)
        .where(Grade.curriculum_id == curriculum.id)
        .order_by(Grade.id.desc())
        .limit(3)
    ).all()
    values = {g.student_id: g.value for g in saved}
    assert values[sids[1]] == Decimal("5.50") and values[sids[2]] == Decimal("2.00")
    assert all(g.term == 1 and g.kind == GradeKind.CURRENT for g in saved)
    assert all(g.category == GradeCategory.QUANTITATIVE for g in saved)
    audits = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.object_type == "grade", AuditLog.action == "create")
    ).all()
    assert {a.object_id for a in audits} >= {g.id for g in saved}
    entry = next(a for a in audits if a.object_id == saved[0].id)
    assert entry.actor_id == curriculum.teacher_id and entry.before is None
    assert entry.after["value"] in ("6.00", "5.50", "2.00")
    assert len(calls["enqueue"]) == 3
    ids, event, kw = calls["enqueue"][0]
    assert event.value == "grade" and kw["object_type"] == "grade" and kw["school_id"] == 1
    assert kw["payload"]["subject"] == curriculum.subject.name
    # the read model of the three pupils is rebuilt in the same transaction (batched), and is
    # exactly what a fresh build gives
    year = db.session.get(SchoolYear, saved[0].school_year_id)
    fresh = summary.build_payloads(year, sids[:3])
    for sid in sids[:3]:
        row = db.session.get(StudentSummary, (sid, year.id))
        assert row is not None and row.payload == fresh[sid]
    # the class aggregate is rebuilt once for the class, with no second build of a pupil's payload
    assert len(calls["group"]) == 1 and calls["refresh"] == []
    page = demo_client.get(r.headers["Location"])
    assert "Записани оценки: 3." in page.get_data(as_text=True)


def test_outbox_rows_are_written_with_the_grade(demo_client):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    sid = next(
        s
        for s in students_of(curriculum)
        if db.session.scalar(sa.select(GuardianStudent.id).where(GuardianStudent.student_id == s))
    )
    r = post_column(demo_client, curriculum.id, {sid: "4"})
    assert r.status_code == 302
    grade = db.session.scalar(
        sa.select(Grade)
        .where(Grade.student_id == sid, Grade.date == dt.date(2026, 11, 25))
        .order_by(Grade.id.desc())
    )
    rows = db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.object_type == "grade", NotificationOutbox.object_id == grade.id
        )
    ).all()
    assert rows, "a parent with a verified contact should hear of the grade"
    assert all(row.student_id == sid for row in rows)


def test_bad_value_saves_nothing_and_keeps_what_was_typed(demo_client, calls):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    sids = students_of(curriculum)
    before = grade_count(curriculum.id)
    r = post_column(demo_client, curriculum.id, {sids[0]: "5", sids[1]: "2,50", sids[2]: "7"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert grade_count(curriculum.id) == before
    assert calls["enqueue"] == []
    assert "Текущата оценка трябва да е 2 или число от 3,00 до 6,00." in html
    assert "Нищо не е записано" in html
    assert f'id="g{sids[1]}-error"' in html and 'aria-invalid="true"' in html
    assert 'value="2,50"' in html and 'value="5"' in html and 'value="7"' in html


@pytest.mark.parametrize(
    ("values", "kind", "date", "message"),
    [
        ({}, "current", "2026-11-25", "Не сте въвели нито една оценка."),
        ({0: "5"}, "nonsense", "2026-11-25", "Изберете вид на оценката."),
        ({0: "5"}, "current", "25.13.2026", "Въведете дата във вида дд.мм.гггг."),
        ({0: "5"}, "current", "2026-11-26", "Не може да се въвеждат данни за бъдеща дата."),
        ({0: "5"}, "current", "2026-10-15", "Месецът е заключен"),
        ({0: "5"}, "current", "2025-11-25", "Датата е извън учебната година."),
        ({0: "3,333"}, "current", "2026-11-25", "най-много два знака"),
    ],
)
def test_column_rules(demo_client, values, kind, date, message):
    curriculum = curriculum_at(5)
    login_teacher_of(demo_client, curriculum)
    sids = students_of(curriculum)
    before = grade_count(curriculum.id)
    data = {"kind": kind, "date": date}
    data.update({f"g{sids[i]}": v for i, v in values.items()})
    r = form_post(demo_client, f"/staff/grid/{curriculum.id}", data)
    assert r.status_code in (409, 422)
    assert message in r.get_data(as_text=True)
    assert grade_count(curriculum.id) == before


def test_admin_may_override_the_month_lock_and_it_is_audited(demo_client):
    curriculum = curriculum_at(9)
    login_staff(demo_client, "direktor@sou1.demo.bg")
    sid = students_of(curriculum)[0]
    r = post_column(demo_client, curriculum.id, {sid: "5"}, date="2026-10-15")
    assert r.status_code == 409
    r = post_column(demo_client, curriculum.id, {sid: "5"}, date="2026-10-15", override_lock="1")
    assert r.status_code == 302
    override = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "override"))
    assert override is not None and override.before["date"] == "2026-10-15"
    # the future lock has no override
    r = post_column(demo_client, curriculum.id, {sid: "5"}, date="2026-12-01", override_lock="1")
    assert r.status_code == 409


def test_teacher_cannot_override_a_lock(demo_client):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    sid = students_of(curriculum)[0]
    r = post_column(demo_client, curriculum.id, {sid: "5"}, date="2026-10-15", override_lock="1")
    assert r.status_code == 409
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "override")) is None


def test_month_lock_follows_the_school_year_setting(demo_client):
    year = db.session.scalar(sa.select(SchoolYear).where(SchoolYear.school_id == 1))
    year.month_lock_day = None
    db.session.commit()
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    r = post_column(
        demo_client, curriculum.id, {students_of(curriculum)[0]: "5"}, date="2026-10-15"
    )
    assert r.status_code == 302


def test_qualitative_grades_in_grades_one_to_three(demo_client):
    curriculum = curriculum_at(3)
    login_teacher_of(demo_client, curriculum)
    sids = students_of(curriculum)
    r = post_column(demo_client, curriculum.id, {sids[0]: "5,50"})
    assert r.status_code == 422
    assert "качествена" in r.get_data(as_text=True)
    r = post_column(demo_client, curriculum.id, {sids[0]: "5"})
    assert r.status_code == 302
    grade = db.session.scalar(
        sa.select(Grade)
        .where(Grade.student_id == sids[0], Grade.date == dt.date(2026, 11, 25))
        .order_by(Grade.id.desc())
    )
    assert grade.category == GradeCategory.QUALITATIVE and grade.value == Decimal("5.00")


def test_teacher_of_another_subject_gets_403(demo_client):
    curriculum = curriculum_at(9)
    other = db.session.scalar(
        sa.select(Curriculum).where(
            Curriculum.class_id == curriculum.class_id,
            Curriculum.teacher_id.is_not(None),
            Curriculum.teacher_id != curriculum.teacher_id,
        )
    )
    login_teacher_of(demo_client, other)
    assert demo_client.get(f"/staff/grid/{curriculum.id}").status_code == 403


# --- edits, deletes, optimistic locking -------------------------------------------------------
def a_grade(curriculum: Curriculum) -> Grade:
    return db.session.scalar(
        sa.select(Grade)
        .where(
            Grade.curriculum_id == curriculum.id,
            Grade.kind == GradeKind.CURRENT,
            Grade.date >= dt.date(2026, 11, 1),
        )
        .order_by(Grade.id)
    )


def test_edit_needs_a_reason_and_is_audited(demo_client, calls):
    curriculum = curriculum_at(9)
    grade = a_grade(curriculum)
    login_teacher_of(demo_client, curriculum)
    url = f"/staff/grades/{grade.id}/edit"
    old_value = str(grade.value)
    page = demo_client.get(url)
    assert page.status_code == 200 and "Още не е видяна" in page.get_data(as_text=True)
    data = {
        "value": "3",
        "kind": "current",
        "date": grade.date.isoformat(),
        "version": grade.version,
    }
    r = form_post(demo_client, url, {**data, "reason": ""})
    assert r.status_code == 422 and "Посочете причина." in r.get_data(as_text=True)
    r = form_post(demo_client, url, {**data, "reason": "грешка при въвеждане"})
    assert r.status_code == 302
    db.session.refresh(grade)
    assert grade.value == Decimal("3.00") and grade.version == 2
    entry = db.session.scalar(
        sa.select(AuditLog).where(AuditLog.object_id == grade.id, AuditLog.action == "update")
    )
    assert entry.before["value"] == old_value and entry.after["value"] == "3.00"
    assert entry.reason == "грешка при въвеждане"
    assert calls["enqueue"][-1][2]["payload"]["changed"] is True
    assert calls["enqueue"][-1][2]["payload"]["previous"]  # what the parent was told before
    history = demo_client.get(f"/staff/history/grade/{grade.id}").get_data(as_text=True)
    assert "грешка при въвеждане" in history and "промяна" in history


def test_the_second_of_two_conflicting_edits_gets_a_clear_message(demo_app):
    curriculum = curriculum_at(9)
    grade = a_grade(curriculum)
    first, second = demo_app.test_client(), demo_app.test_client()
    login_teacher_of(first, curriculum)
    login_staff(second, "direktor@sou1.demo.bg")
    url = f"/staff/grades/{grade.id}/edit"
    page1 = first.get(url).get_data(as_text=True)
    page2 = second.get(url).get_data(as_text=True)
    common = {"kind": "current", "date": grade.date.isoformat(), "version": str(grade.version)}
    r1 = first.post(
        url, data={**common, "value": "4", "reason": "първа", "csrf_token": csrf_from(page1)}
    )
    assert r1.status_code == 302
    r2 = second.post(
        url, data={**common, "value": "6", "reason": "втора", "csrf_token": csrf_from(page2)}
    )
    assert r2.status_code == 409
    assert "междувременно е променен" in r2.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Grade, grade.id).value == Decimal("4.00")


def test_delete_cancels_pending_messages_and_is_audited(demo_client, calls):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    sid = students_of(curriculum)[0]
    post_column(demo_client, curriculum.id, {sid: "2"})
    grade = db.session.scalar(
        sa.select(Grade)
        .where(Grade.student_id == sid, Grade.date == dt.date(2026, 11, 25))
        .order_by(Grade.id.desc())
    )
    url = f"/staff/grades/{grade.id}/delete"
    r = form_post(
        demo_client,
        f"/staff/grades/{grade.id}/edit",
        {"reason": "", "version": grade.version},
        post_url=url,
    )
    assert r.status_code == 302 and db.session.get(Grade, grade.id) is not None
    r = form_post(
        demo_client,
        f"/staff/grades/{grade.id}/edit",
        {"reason": "не е на този ученик", "version": grade.version},
        post_url=url,
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Grade, grade.id) is None
    assert ("grade", grade.id) in calls["cancel"]
    assert not db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.object_type == "grade",
            NotificationOutbox.object_id == grade.id,
            NotificationOutbox.status == OutboxStatus.PENDING,
        )
    ).all()
    entry = db.session.scalar(
        sa.select(AuditLog).where(AuditLog.object_id == grade.id, AuditLog.action == "delete")
    )
    assert entry.before["value"] == "2.00" and entry.after is None


def test_outbox_failure_rolls_back_the_grade(demo_client, monkeypatch):
    """The outbox rows and the grade are one transaction: if writing the rows fails, no grade."""
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    before = grade_count(curriculum.id)

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(outbox, "enqueue_many", broken)
    with pytest.raises(RuntimeError):
        post_column(demo_client, curriculum.id, {students_of(curriculum)[0]: "5"})
    db.session.rollback()
    assert grade_count(curriculum.id) == before
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0


def test_read_receipts_show_which_parent_saw_the_grade(demo_client):
    curriculum = curriculum_at(9)
    grade = a_grade(curriculum)
    link = db.session.scalar(
        sa.select(GuardianStudent).where(GuardianStudent.student_id == grade.student_id)
    )
    if link is None:
        pytest.skip("demo student without a parent")
    db.session.add(SeenItem(guardian_id=link.guardian_id, object_type="grade", object_id=grade.id))
    db.session.commit()
    login_teacher_of(demo_client, curriculum)
    html = demo_client.get(f"/staff/grades/{grade.id}/edit").get_data(as_text=True)
    assert "Видяна от" in html and (link.guardian.full_name or "родител") in html
    html = demo_client.get(f"/staff/students/{grade.student_id}").get_data(as_text=True)
    assert "видяна от родител" in html


# --- term and annual grades -----------------------------------------------------------------------
def test_term_grades_are_whole_numbers(demo_client, calls):
    curriculum = curriculum_at(9)
    login_teacher_of(demo_client, curriculum)
    sids = students_of(curriculum)
    url = f"/staff/grid/{curriculum.id}/final?kind=term&term=1"
    page = demo_client.get(url)
    assert page.status_code == 200 and "Срочни оценки" in page.get_data(as_text=True)
    r = form_post(
        demo_client, url, {"kind": "term", "term": "1", f"g{sids[0]}": "5,5", f"g{sids[1]}": "6"}
    )
    assert r.status_code == 422
    assert "цяло число от 2 до 6" in r.get_data(as_text=True)
    assert not db.session.scalars(
        sa.select(Grade).where(Grade.kind == GradeKind.TERM, Grade.curriculum_id == curriculum.id)
    ).all()
    r = form_post(
        demo_client, url, {"kind": "term", "term": "1", f"g{sids[0]}": "5", f"g{sids[1]}": "6"}
    )
    assert r.status_code == 302
    finals = db.session.scalars(
        sa.select(Grade).where(Grade.kind == GradeKind.TERM, Grade.curriculum_id == curriculum.id)
    ).all()
    assert sorted(g.value for g in finals) == [Decimal("5.00"), Decimal("6.00")]
    assert all(calls_kw[2]["payload"]["final"] for calls_kw in calls["enqueue"])
    # changing one is an audited update, not a second row
    r = form_post(
        demo_client,
        url,
        {"kind": "term", "term": "1", f"g{sids[0]}": "4", "reason": "поправителен"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert (
        len(
            db.session.scalars(
                sa.select(Grade).where(
                    Grade.kind == GradeKind.TERM, Grade.curriculum_id == curriculum.id
                )
            ).all()
        )
        == 2
    )
    assert db.session.scalar(
        sa.select(AuditLog).where(AuditLog.action == "update", AuditLog.reason == "поправителен")
    )


def test_no_term_grades_in_grade_three(demo_client):
    curriculum = curriculum_at(3)
    login_teacher_of(demo_client, curriculum)
    url = f"/staff/grid/{curriculum.id}/final?kind=term&term=1"
    sid = students_of(curriculum)[0]
    r = form_post(demo_client, url, {"kind": "term", "term": "1", f"g{sid}": "5"})
    assert r.status_code == 422
    assert "В I–III клас не се поставят срочни оценки." in r.get_data(as_text=True)
