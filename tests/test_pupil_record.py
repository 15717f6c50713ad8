"""The pupil's record: sanctions, support (team, activities), individual work and class-book
notes, through the use-cases on SQLite and PostgreSQL (``school_app``) and the staff web with
CSRF (the SQLite demo, Wednesday 25.11.2026); the dropout-risk report and flag."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gradebook import class_notes
from gradebook import core
from gradebook import sanctions
from gradebook import summary
from gradebook import support
from models import AuditLog
from models import ClassNote
from models import Curriculum
from models import Enrollment
from models import IndividualWork
from models import NotificationOutbox
from models import NotifyEvent
from models import Sanction
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import SupportMeasure
from models import db
from tests._helpers import outbox_rows
from tests._helpers import subject_teacher_of
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

TODAY = dt.date(2026, 11, 25)


def a_class(level: int = 5, school_id: int = 1) -> SchoolClass:
    klass = db.session.scalar(
        sa.select(SchoolClass)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.grade_level == level,
            SchoolYear.is_current.is_(True),
        )
        .order_by(SchoolClass.id)
    )
    assert klass is not None
    return klass


def pupils(klass: SchoolClass) -> list[int]:
    return [e.student_id for e in core.active_enrollments(klass.id)]


def teacher_of(klass: SchoolClass) -> core.Actor:
    assert klass.class_teacher_id is not None
    return core.Actor.load(klass.class_teacher_id, klass.school_id)


def admin_of(school_id: int) -> core.Actor:
    staff_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == school_id, StaffMembership.role == "admin"
        )
    )
    return core.Actor.load(staff_id, school_id)


def audits(object_type: str, object_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditLog.action)
            .where(AuditLog.object_type == object_type, AuditLog.object_id == object_id)
            .order_by(AuditLog.id)
        )
    )


SANCTION = {
    "kind": "1",
    "order_number": "РД-09-77",
    "order_date": "2026-11-20",
    "start_date": "2026-11-20",
    "description": "Неуважителни отсъствия",
}


# --- sanctions -----------------------------------------------------------------------------------
def test_sanction_recorded_cancelled_and_audited(school_app) -> None:
    klass = a_class()
    me = teacher_of(klass)
    sid = pupils(klass)[0]
    with pytest.raises(core.Invalid) as bad:
        sanctions.save_sanction(
            me,
            student_id=sid,
            **{**SANCTION, "kind": "7", "start_date": "2026-11-19", "order_number": " "},
        )
    assert set(bad.value.errors) == {"kind", "order_number"}
    with pytest.raises(core.Invalid) as bad:
        sanctions.save_sanction(me, student_id=sid, **{**SANCTION, "start_date": "2026-11-19"})
    assert bad.value.errors == {
        "start_date": "Началната дата не може да е преди датата на заповедта."
    }
    row = sanctions.save_sanction(me, student_id=sid, **SANCTION)
    assert (row.kind, row.class_id, row.school_year_id) == (1, klass.id, klass.school_year_id)
    notices = outbox_rows("sanction", row.id)
    assert notices and {n.event_type for n in notices} == {NotifyEvent.SANCTION}
    # the phone's read model knows it
    assert summary.get_summary(sid, klass.school_year_id)["sanctions"] == [
        {"kind": 1, "date": "2026-11-20", "cancelled": False}
    ]
    with pytest.raises(core.Invalid):  # a cancelling order older than the sanction's
        sanctions.cancel_sanction(
            me, row.id, cancel_order_number="РД-09-80", cancel_order_date="2026-11-19"
        )
    sanctions.cancel_sanction(
        me, row.id, cancel_order_number="РД-09-80", cancel_order_date="2026-11-24",
        cancel_reason="Добро поведение", version=row.version,
    )  # fmt: skip
    db.session.expire_all()
    row = db.session.get(Sanction, row.id)
    assert row.cancel_order_number == "РД-09-80" and row.cancel_order_date == dt.date(2026, 11, 24)
    with pytest.raises(core.Invalid):
        sanctions.cancel_sanction(
            me, row.id, cancel_order_number="РД-09-81", cancel_order_date="2026-11-24"
        )
    assert summary.get_summary(sid, klass.school_year_id)["sanctions"][0]["cancelled"] is True
    cancelled = [n for n in outbox_rows("sanction", row.id) if n.payload.get("cancelled")]
    bodies = " ".join(n.body or "" for n in cancelled)
    assert "otmenena sanktsia" in bodies or "отменена санкция" in bodies
    with pytest.raises(core.Invalid):  # a correction needs a reason
        sanctions.save_sanction(
            me, student_id=sid, sanction_id=row.id, version=row.version, **SANCTION
        )
    sanctions.save_sanction(
        me, student_id=sid, sanction_id=row.id, version=row.version, reason="номер", **{**SANCTION, "order_number": "РД-09-78"}
    )  # fmt: skip
    sanctions.delete_sanction(me, row.id, version=None, reason="грешка")
    assert audits("sanction", row.id) == ["create", "update", "update", "delete"]
    assert db.session.get(Sanction, row.id) is None


def test_sanctions_only_by_class_teacher_or_admin_and_only_from_grade_four(school_app) -> None:
    klass = a_class()
    sid = pupils(klass)[0]
    other = core.Actor.load(subject_teacher_of(klass.id).id, klass.school_id)
    with pytest.raises(core.Forbidden):
        sanctions.save_sanction(other, student_id=sid, **SANCTION)
    row = sanctions.save_sanction(admin_of(klass.school_id), student_id=sid, **SANCTION)
    with pytest.raises(core.Forbidden):
        sanctions.cancel_sanction(
            other, row.id, cancel_order_number="1", cancel_order_date="2026-11-24"
        )
    with pytest.raises(core.Forbidden):
        sanctions.delete_sanction(other, row.id, version=None, reason="x")


def test_no_sanctions_in_a_third_grade_book(demo_app) -> None:
    klass = a_class(level=3)
    with pytest.raises(core.Invalid) as refused:
        sanctions.save_sanction(teacher_of(klass), student_id=pupils(klass)[0], **SANCTION)
    assert refused.value.key == "sanction.not_in_book"


def test_the_month_lock_holds_for_sanctions(demo_app) -> None:
    klass = a_class()
    sid = pupils(klass)[0]
    september = {**SANCTION, "order_date": "2026-09-20", "start_date": "2026-09-21"}
    with pytest.raises(core.Locked):
        sanctions.save_sanction(teacher_of(klass), student_id=sid, **september)
    with pytest.raises(core.Locked):  # a future order
        sanctions.save_sanction(
            teacher_of(klass),
            student_id=sid,
            **{**SANCTION, "order_date": "2026-11-26", "start_date": "2026-11-26"},
        )
    admin = admin_of(klass.school_id)
    row = sanctions.save_sanction(admin, student_id=sid, override_lock=True, **september)
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "override")
    )
    with pytest.raises(core.Locked):
        sanctions.delete_sanction(teacher_of(klass), row.id, version=None, reason="x")


# --- support and individual work -----------------------------------------------------------------
def test_support_with_team_activities_and_individual_work(school_app) -> None:
    klass = a_class()
    sid = pupils(klass)[1]
    me = teacher_of(klass)
    member = subject_teacher_of(klass.id)
    with pytest.raises(core.Invalid) as bad:
        support.save_support(
            me,
            student_id=sid,
            difficulties=[],
            team=[],
            start_date="2026-11-01",
            end_date="2026-10-01",
        )
    assert set(bad.value.errors) == {"difficulties", "team", "end_date"}
    with pytest.raises(core.Invalid):
        support.save_support(
            me,
            student_id=sid,
            difficulties=[9],
            team=[member.id],
            start_date="2026-11-01",
            end_date="2027-06-30",
        )
    measure = support.save_support(
        me, student_id=sid, difficulties=["3", "1", "1"], team=[member.id],
        start_date="2026-11-01", end_date="2027-06-30", description="Математика",
    )  # fmt: skip
    assert measure.difficulties == [1, 3] and [t.id for t in measure.team] == [member.id]
    team_actor = core.Actor.load(member.id, klass.school_id)
    assert support.can_see_support(team_actor, sid, klass.id)
    activity = support.add_activity(
        team_actor, measure.id, activity_type="13", date="2026-11-24", target="Звуци"
    )
    with pytest.raises(core.Invalid):
        support.add_activity(team_actor, measure.id, activity_type="23")
    with pytest.raises(core.Locked):
        support.add_activity(team_actor, measure.id, activity_type="3", date="2026-10-01")
    work = support.save_individual_work(
        team_actor, student_id=sid, date="2026-11-24", activity="Дроби"
    )
    assert work.teacher_id == member.id
    support.save_support(
        team_actor, student_id=sid, support_id=measure.id, version=measure.version, reason="екип",
        difficulties=[1], team=[member.id, me.staff_id], start_date="2026-11-01", end_date="2027-06-30",
    )  # fmt: skip
    support.delete_activity(team_actor, activity.id, reason="грешка")
    assert audits("support_activity", activity.id) == ["create", "delete"]
    assert audits("support_measure", measure.id) == ["create", "update"]
    assert audits("individual_work", work.id) == ["create"]
    assert not outbox_rows("support_measure", measure.id)  # nothing is sent about support


def test_support_is_not_for_other_teachers(school_app) -> None:
    klass = a_class()
    sid = pupils(klass)[1]
    me = teacher_of(klass)
    member = subject_teacher_of(klass.id)
    measure = support.save_support(
        me,
        student_id=sid,
        difficulties=[1],
        team=[me.staff_id],
        start_date="2026-11-01",
        end_date="2027-06-30",
    )
    outsider = core.Actor.load(member.id, klass.school_id)
    assert not support.can_see_support(outsider, sid, klass.id)
    with pytest.raises(core.Forbidden):
        support.add_activity(outsider, measure.id, activity_type=1)
    with pytest.raises(core.Forbidden):
        support.save_individual_work(outsider, student_id=sid, date="2026-11-24", activity="x")
    with pytest.raises(core.Forbidden):
        support.save_support(
            outsider,
            student_id=sid,
            difficulties=[1],
            team=[member.id],
            start_date="2026-11-01",
            end_date="2027-06-30",
        )
    with pytest.raises(core.Forbidden):
        support.delete_support(outsider, measure.id, version=None, reason="x")


# --- notes ----------------------------------------------------------------------------------------
def test_class_notes(school_app) -> None:
    klass = a_class()
    me = teacher_of(klass)
    note = class_notes.save_note(me, class_id=klass.id, date="2026-11-24", text="Екскурзия")
    about = class_notes.save_note(
        me,
        class_id=klass.id,
        date="2026-11-24",
        text="Участва в олимпиада",
        student_id=str(pupils(klass)[0]),
    )
    assert note.student_id is None and about.student_id == pupils(klass)[0]
    stranger = db.session.scalar(
        sa.select(Enrollment.student_id).where(
            Enrollment.class_id != klass.id, Enrollment.left_on.is_(None)
        )
    )
    with pytest.raises(core.Invalid):
        class_notes.save_note(
            me, class_id=klass.id, date="2026-11-24", text="x", student_id=stranger or 10**6
        )
    with pytest.raises(core.Forbidden):
        class_notes.save_note(
            core.Actor.load(subject_teacher_of(klass.id).id, klass.school_id),
            class_id=klass.id, date="2026-11-24", text="x",
        )  # fmt: skip
    with pytest.raises(core.Locked):
        class_notes.save_note(me, class_id=klass.id, date="2026-10-01", text="x")
    # the phone line's read model holds them: the class's note for every pupil, the other one
    # only for the pupil it is about; a note moved to another pupil leaves the first one
    first, second = pupils(klass)[0], pupils(klass)[1]

    def texts(sid: int) -> list[str]:
        return [n["text"] for n in summary.get_summary(sid, klass.school_year_id)["notes"]]

    assert {"Екскурзия", "Участва в олимпиада"} <= set(texts(first))
    assert "Екскурзия" in texts(second) and "Участва в олимпиада" not in texts(second)
    class_notes.save_note(
        me, class_id=klass.id, note_id=about.id, version=about.version, reason="друг ученик",
        date="2026-11-24", text="Участва в олимпиада", student_id=str(second),
    )  # fmt: skip
    assert "Участва в олимпиада" not in texts(first) and "Участва в олимпиада" in texts(second)
    class_notes.delete_note(me, note.id, version=None, reason="грешка")
    assert audits("class_note", note.id) == ["create", "delete"]
    assert "Екскурзия" not in texts(first) + texts(second)


# --- the staff web --------------------------------------------------------------------------------
def test_staff_pages_with_csrf(demo_client, demo_app) -> None:
    klass = a_class()
    sid = pupils(klass)[4]
    login_staff(demo_client, klass.class_teacher.email)
    url = f"/staff/students/{sid}/sanctions/new"
    assert demo_client.post(url, data=SANCTION).status_code == 400  # no CSRF token
    r = form_post(demo_client, url, {**SANCTION, "start_date": "2026-11-19"})
    assert r.status_code == 422 and "преди датата на заповедта" in r.get_data(as_text=True)
    assert form_post(demo_client, url, SANCTION).status_code == 302
    row = db.session.scalar(sa.select(Sanction).where(Sanction.order_number == "РД-09-77"))
    page = demo_client.get(f"/staff/students/{sid}").get_data(as_text=True)
    assert "Забележка" in page and "РД-09-77" in page
    edit = f"/staff/students/{sid}/sanctions/{row.id}"
    html = demo_client.get(edit).get_data(as_text=True)
    r = demo_client.post(
        f"/staff/sanctions/{row.id}/cancel",
        data={"csrf_token": csrf_from(html), "cancel_order_number": "РД-09-90",
              "cancel_order_date": "2026-11-25", "version": str(row.version)},
    )  # fmt: skip
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Sanction, row.id).cancel_order_number == "РД-09-90"
    assert "Отменена" in demo_client.get(f"/staff/students/{sid}").get_data(as_text=True)
    # support, individual work, notes
    member = subject_teacher_of(klass.id)
    r = form_post(
        demo_client, f"/staff/students/{sid}/support/new",
        {"difficulties": ["1", "2"], "team": [str(member.id)], "start_date": "2026-11-02",
         "end_date": "2027-06-30", "description": "Подкрепа по математика"},
    )  # fmt: skip
    assert r.status_code == 302
    measure = db.session.scalar(sa.select(SupportMeasure).where(SupportMeasure.student_id == sid))
    page = demo_client.get(f"/staff/students/{sid}").get_data(as_text=True)
    r = demo_client.post(
        f"/staff/support/{measure.id}/activities",
        data={"csrf_token": csrf_from(page), "activity_type": "3", "date": "2026-11-24"},
    )
    assert r.status_code == 302
    assert "Консултации" in demo_client.get(f"/staff/students/{sid}").get_data(as_text=True)
    assert (
        form_post(
            demo_client,
            f"/staff/students/{sid}/individual-work/new",
            {"date": "2026-11-24", "activity": "Дроби"},
        ).status_code
        == 302
    )
    assert (
        form_post(
            demo_client,
            f"/staff/classes/{klass.id}/notes",
            {"date": "2026-11-24", "text": "Бележка за класа"},
        ).status_code
        == 302
    )
    assert "Бележка за класа" in demo_client.get(f"/staff/classes/{klass.id}/notes").get_data(
        as_text=True
    )
    # a subject teacher: sees the sanctions and the notes, never the support
    other = demo_app.test_client()
    login_staff(other, subject_teacher_of(klass.id).email)
    # the support's team member sees it; another teacher of the class does not
    page = other.get(f"/staff/students/{sid}").get_data(as_text=True)
    assert "Подкрепа по математика" in page  # the subject teacher here is the team member
    assert other.post(f"/staff/students/{sid}/sanctions/new", data=SANCTION).status_code in (
        400,
        403,
    )
    assert other.get(f"/staff/students/{sid}/sanctions/new").status_code == 403
    assert other.get(f"/staff/classes/{klass.id}/notes").status_code == 200
    wid = db.session.scalar(sa.select(IndividualWork.id).where(IndividualWork.student_id == sid))
    assert other.get(f"/staff/history/individual_work/{wid}").status_code == 200


def test_subject_teacher_never_sees_support(demo_client, demo_app) -> None:
    klass = a_class()
    sid = pupils(klass)[3]
    me = teacher_of(klass)
    measure = support.save_support(
        me, student_id=sid, difficulties=[4], team=[me.staff_id], start_date="2026-11-01",
        end_date="2027-06-30", description="Тайна подкрепа",
    )  # fmt: skip
    work = support.save_individual_work(
        me, student_id=sid, date="2026-11-24", activity="Скрита работа"
    )
    login_staff(demo_client, subject_teacher_of(klass.id).email)
    page = demo_client.get(f"/staff/students/{sid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Тайна подкрепа" not in html and "Скрита работа" not in html
    for url in (
        f"/staff/students/{sid}/support/new",
        f"/staff/students/{sid}/support/{measure.id}",
        f"/staff/students/{sid}/individual-work/new",
        f"/staff/students/{sid}/individual-work/{work.id}",
        f"/staff/history/support_measure/{measure.id}",
        f"/staff/history/individual_work/{work.id}",
    ):
        assert demo_client.get(url).status_code == 403, url
    token = csrf_from(demo_client.get(f"/staff/classes/{klass.id}/notes").get_data(as_text=True))
    for url, data in (
        (f"/staff/support/{measure.id}/activities", {"activity_type": "1"}),
        (f"/staff/support/{measure.id}/delete", {"reason": "x"}),
        (f"/staff/individual-work/{work.id}/delete", {"reason": "x"}),
    ):
        assert demo_client.post(url, data={**data, "csrf_token": token}).status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(SupportMeasure, measure.id) is not None
    assert db.session.get(IndividualWork, work.id) is not None
    assert not db.session.get(SupportMeasure, measure.id).activities


def test_another_schools_ids_are_404(demo_client, demo_app) -> None:
    mine, theirs = a_class(school_id=1), a_class(school_id=2)
    their_pupil = pupils(theirs)[0]
    row = sanctions.save_sanction(teacher_of(theirs), student_id=their_pupil, **SANCTION)
    measure = support.save_support(
        teacher_of(theirs), student_id=their_pupil, difficulties=[1],
        team=[theirs.class_teacher_id], start_date="2026-11-01", end_date="2027-06-30",
    )  # fmt: skip
    note = class_notes.save_note(
        teacher_of(theirs), class_id=theirs.id, date="2026-11-24", text="x"
    )
    me = admin_of(1)
    for call in (
        lambda: sanctions.cancel_sanction(
            me, row.id, cancel_order_number="1", cancel_order_date="2026-11-24"
        ),
        lambda: sanctions.delete_sanction(me, row.id, version=None, reason="x"),
        lambda: sanctions.save_sanction(me, student_id=their_pupil, **SANCTION),
        lambda: support.add_activity(me, measure.id, activity_type=1),
        lambda: support.delete_support(me, measure.id, version=None, reason="x"),
        lambda: class_notes.save_note(me, class_id=theirs.id, date="2026-11-24", text="x"),
        lambda: class_notes.delete_note(me, note.id, version=None, reason="x"),
    ):
        with pytest.raises(core.NotFound):
            call()
    with pytest.raises(core.Invalid):  # another school's staff on a team
        support.save_support(
            teacher_of(mine), student_id=pupils(mine)[0], difficulties=[1],
            team=[theirs.class_teacher_id], start_date="2026-11-01", end_date="2027-06-30",
        )  # fmt: skip
    login_staff(demo_client, "direktor@sou1.demo.bg")
    for url in (
        f"/staff/students/{their_pupil}/sanctions/new",
        f"/staff/students/{pupils(mine)[0]}/sanctions/{row.id}",
        f"/staff/students/{pupils(mine)[0]}/support/{measure.id}",
        f"/staff/classes/{theirs.id}/notes",
        f"/staff/classes/{mine.id}/notes/{note.id}",
        f"/staff/history/sanction/{row.id}",
        f"/staff/history/support_measure/{measure.id}",
    ):
        assert demo_client.get(url).status_code == 404, url


# --- dropout risk ---------------------------------------------------------------------------------
def test_dropout_report_and_flag(demo_client, demo_app) -> None:
    from gradebook import dropout

    at_risk: list[int] = []
    for klass in db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1).order_by(SchoolClass.id)
    ):
        found = dropout.risks(1, klass.school_year_id, pupils(klass), TODAY)
        at_risk = [sid for sid, r in found.items() if r.at_risk]
        if at_risk:
            break
    assert at_risk, "the demo has pupils at risk"
    login_staff(demo_client, klass.class_teacher.email)
    page = demo_client.get(f"/staff/students/{at_risk[0]}").get_data(as_text=True)
    assert "В риск от отпадане" in page
    report = demo_client.get(f"/onboarding/reports/dropout-risk?class_id={klass.id}")
    assert report.status_code == 200 and "Ученици в риск от отпадане" in report.get_data(
        as_text=True
    )
    csv = demo_client.get(f"/onboarding/reports/dropout-risk?class_id={klass.id}&format=csv")
    assert csv.status_code == 200 and "Основание" in csv.get_data(as_text=True)
    xlsx = demo_client.get(f"/onboarding/reports/dropout-risk?class_id={klass.id}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    # another class's teacher may not read this class's report
    other = demo_app.test_client()
    login_staff(other, subject_teacher_of(klass.id).email)
    assert other.get(f"/onboarding/reports/dropout-risk?class_id={klass.id}").status_code == 403


def test_threshold_alert_still_monthly(demo_app) -> None:
    """The parents' alert stays the АСП monthly threshold (NotifyEvent.THRESHOLD), separate from
    the year's dropout risk: no THRESHOLD notice is made by the dropout rule."""
    before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(NotificationOutbox)
        .where(NotificationOutbox.event_type == NotifyEvent.THRESHOLD)
    )
    from gradebook import dropout

    klass = a_class()
    dropout.risks(1, klass.school_year_id, pupils(klass))
    after = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(NotificationOutbox)
        .where(NotificationOutbox.event_type == NotifyEvent.THRESHOLD)
    )
    assert before == after


def test_demo_has_the_record(demo_app) -> None:
    for model in (Sanction, SupportMeasure, IndividualWork, ClassNote):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)), model
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Sanction)
        .where(Sanction.cancel_order_date.is_not(None))
    )


def test_a_team_member_who_does_not_teach_the_class(demo_client, demo_app) -> None:
    """A member of the support team reaches the pupil's support through "Подкрепа" even when
    they do not teach the class; the pupil's other pages stay closed to them."""
    klass = a_class()
    sid = pupils(klass)[5]
    taught = set(
        db.session.scalars(sa.select(Curriculum.teacher_id).where(Curriculum.class_id == klass.id))
    )
    outsider = db.session.scalar(
        sa.select(StaffMembership.staff_id)
        .where(
            StaffMembership.school_id == 1,
            StaffMembership.role == "teacher",
            StaffMembership.staff_id.not_in(taught | {klass.class_teacher_id}),
        )
        .order_by(StaffMembership.staff_id)
    )
    measure = support.save_support(
        teacher_of(klass), student_id=sid, difficulties=[2], team=[outsider],
        start_date="2026-11-01", end_date="2027-06-30", description="Работа с психолог",
    )  # fmt: skip
    from models import StaffUser

    login_staff(demo_client, db.session.get(StaffUser, outsider).email)
    teams = demo_client.get("/staff/support-teams").get_data(as_text=True)
    assert "Подкрепа" in teams and f"/staff/students/{sid}/support/{measure.id}" in teams
    assert demo_client.get(f"/staff/students/{sid}").status_code == 403
    page = demo_client.get(f"/staff/students/{sid}/support/{measure.id}")
    assert page.status_code == 200 and "Работа с психолог" in page.get_data(as_text=True)
    r = demo_client.post(
        f"/staff/support/{measure.id}/activities",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "activity_type": "14"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/support/{measure.id}")
    r = form_post(
        demo_client,
        f"/staff/students/{sid}/individual-work/new",
        {"date": "2026-11-24", "activity": "Разговор"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/support-teams")
    db.session.expire_all()
    assert [a.activity_type for a in db.session.get(SupportMeasure, measure.id).activities] == [14]
