"""A new school year: promotion (5а → 6а), graduation of XII, repeaters with an uncorrected annual
2, the curriculum and the timetable carried to the new classes, a preview that writes nothing, an
all-or-nothing commit that does nothing twice, and the phone line and the portal after it (the new
class, and none of the previous year's grades in the new year's figures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import core
from gradebook import events
from gradebook import school_year
from gradebook import summary
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import AuditLog
from models import Curriculum
from models import Enrollment
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import Guardian
from models import GuardianStudent
from models import SchoolClass
from models import StaffUser
from models import Student
from models import StudentSummary
from models import TimetableSlot
from models import db
from tests._helpers import new_grade
from tests.book_seals import seal_without_signature
from tests.conftest import form_post
from tests.conftest import login_staff

OLD_END = dt.date(2027, 6, 30)


def admin_actor() -> core.Actor:
    return core.Actor.load(_admin_id(), 1)


def _admin_id() -> int:
    from models import StaffMembership
    from models import StaffRole

    return db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 1, StaffMembership.role == StaffRole.ADMIN
        )
    )


def _classes(year_id: int) -> dict[str, SchoolClass]:
    return {
        k.name: k
        for k in db.session.scalars(
            sa.select(SchoolClass).where(SchoolClass.school_year_id == year_id)
        )
    }


def _annual(student_id: int, curriculum: Curriculum, value: str, day: dt.date) -> None:
    year = curriculum.school_class.school_year
    assert year.school_id == 1
    db.session.add(
        new_grade(
            year,
            student_id,
            curriculum,
            Decimal(value),
            kind=GradeKind.ANNUAL,
            term=None,
            category=GradeCategory.QUANTITATIVE,
            date=day,
        )
    )


@pytest.fixture
def school(demo_app: Flask):  # type: ignore[no-untyped-def]
    """School 1 of the demo with a XII class, one pupil with an uncorrected annual 2 in a V class,
    one whose annual 2 was corrected to 3, and the next year created (not current)."""
    return _prepare()


@pytest.fixture
def pg_school(pg_app: Flask):  # type: ignore[no-untyped-def]
    from gradebook.demo import build_demo

    build_demo(seed=3, schools=1, today=dt.date(2026, 11, 25), students_per_class=6, levels=(5, 9))
    return _prepare()


def _finalise_books(year_id: int) -> None:
    """The year's class books finalised (the transition closes no year otherwise)."""
    for klass in _classes(year_id).values():
        seal_without_signature(klass)


def _prepare() -> dict[str, Any]:
    old = core.current_year(1)
    classes = _classes(old.id)
    fifth = next(k for k in classes.values() if k.grade_level == 5)
    ninth = next(k for k in classes.values() if k.grade_level == 9)
    ninth.grade_level, ninth.name = 12, "12" + ninth.name.lstrip("0123456789")  # a XII class
    math = db.session.scalars(sa.select(Curriculum).where(Curriculum.class_id == fifth.id)).first()
    failing, corrected = core.active_enrollments(fifth.id)[:2]
    _annual(failing.student_id, math, "2", dt.date(2027, 6, 25))
    _annual(corrected.student_id, math, "2", dt.date(2027, 6, 25))
    _annual(corrected.student_id, math, "3", dt.date(2027, 8, 30))  # the correction exam
    db.session.commit()
    _finalise_books(old.id)
    new = school_year.create_school_year(
        admin_actor(),
        name="2027/2028",
        starts_on=dt.date(2027, 9, 15),
        term2_starts_on=dt.date(2028, 2, 3),
        ends_on=dt.date(2028, 6, 30),
    )
    return {
        "old": old,
        "new": new,
        "fifth": fifth,
        "twelfth": ninth,
        "failing": failing.student_id,
        "corrected": corrected.student_id,
        "math": math,
    }


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (SchoolClass, Enrollment, Curriculum, TimetableSlot, AuditLog)
    )


def test_preview_writes_nothing_and_names_the_repeater(school) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    plan = school_year.year_transition(
        admin_actor(), school["new"].id, carry_curriculum=True, carry_timetable=True
    )
    assert _counts() == before and not plan.committed
    assert plan.source.id == school["old"].id
    [repeater] = plan.repeaters
    assert repeater.student_id == school["failing"] and repeater.action == school_year.REPEAT
    assert repeater.to_class == school["fifth"].name and repeater.failed == [
        school["math"].subject.name
    ]
    twelfth = len(core.active_enrollments(school["twelfth"].id))
    assert plan.count(school_year.GRADUATE) == twelfth
    assert plan.count(school_year.PROMOTE) + plan.count(school_year.REPEAT) + twelfth == len(
        plan.moves
    )
    assert plan.curriculum_rows > 0 and plan.timetable_slots > 0
    assert "13" + school["twelfth"].name[2:] not in plan.new_classes  # XII has no next class


def test_commit_promotes_graduates_keeps_repeaters_and_old_year(school) -> None:  # type: ignore[no-untyped-def]
    old, new, fifth = school["old"], school["new"], school["fifth"]
    old_fifth = {e.student_id: e.class_number for e in core.active_enrollments(fifth.id)}
    old_twelfth = [e.student_id for e in core.active_enrollments(school["twelfth"].id)]
    old_grades = db.session.scalar(sa.select(sa.func.count()).where(Grade.school_year_id == old.id))
    plan = school_year.year_transition(
        admin_actor(), new.id, carry_curriculum=True, carry_timetable=True, commit=True
    )
    assert plan.committed
    db.session.expire_all()
    assert core.current_year(1).id == new.id
    classes = _classes(new.id)
    sixth = classes["6" + fifth.name[1:]]
    promoted = {e.student_id: e.class_number for e in core.active_enrollments(sixth.id)}
    # everyone but the repeater moved up, with the same № in the class
    assert set(promoted) == set(old_fifth) - {school["failing"]}
    assert all(promoted[s] == old_fifth[s] for s in promoted)
    assert school["corrected"] in promoted  # a corrected 2 is not a repeater
    # the repeater is in the new year's V class of the same name, after its pupils
    repeat = db.session.scalars(
        sa.select(Enrollment).where(
            Enrollment.student_id == school["failing"], Enrollment.left_on.is_(None)
        )
    ).one()
    assert repeat.school_class.school_year_id == new.id
    assert repeat.school_class.name == fifth.name and repeat.school_class.grade_level == 5
    assert repeat.enrolled_on == new.starts_on
    # XII finished: no open enrollment, the old one closed at the year's end
    for sid in old_twelfth:
        rows = db.session.scalars(sa.select(Enrollment).where(Enrollment.student_id == sid)).all()
        assert [(e.class_id, e.left_on, e.left_reason) for e in rows] == [
            (school["twelfth"].id, old.ends_on, "завършил")
        ]
    # the old year's enrollments keep their class and number, closed on its last day
    for sid, number in old_fifth.items():
        e = db.session.scalars(
            sa.select(Enrollment).where(
                Enrollment.student_id == sid, Enrollment.class_id == fifth.id
            )
        ).one()
        assert e.class_number == number and e.left_on == old.ends_on
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Grade.school_year_id == old.id))
        == old_grades
    )
    # curriculum and timetable followed the class
    old_rows = db.session.scalars(sa.select(Curriculum).where(Curriculum.class_id == fifth.id))
    new_rows = {
        (c.subject_id, c.teacher_id, c.hours_term1, c.hours_term2)
        for c in db.session.scalars(sa.select(Curriculum).where(Curriculum.class_id == sixth.id))
    }
    assert {(c.subject_id, c.teacher_id, c.hours_term1, c.hours_term2) for c in old_rows} == (
        new_rows
    )
    old_slots = {
        (s.weekday, s.period, s.subject_id, s.term)
        for s in db.session.scalars(
            sa.select(TimetableSlot).where(TimetableSlot.class_id == fifth.id)
        )
    }
    new_slots = db.session.scalars(
        sa.select(TimetableSlot).where(TimetableSlot.class_id == sixth.id)
    ).all()
    assert old_slots and {(s.weekday, s.period, s.subject_id, s.term) for s in new_slots} == (
        old_slots
    )
    assert all(s.curriculum.class_id == sixth.id for s in new_slots)
    # the read model of the new year exists for the promoted pupils
    assert db.session.get(StudentSummary, (next(iter(promoted)), new.id)) is not None


def test_running_it_twice_does_nothing_twice(school) -> None:  # type: ignore[no-untyped-def]
    school_year.year_transition(
        admin_actor(), school["new"].id, carry_curriculum=True, carry_timetable=True, commit=True
    )
    db.session.expire_all()
    before = _counts()
    again = school_year.year_transition(
        admin_actor(), school["new"].id, carry_curriculum=True, carry_timetable=True
    )
    assert again.nothing_to_do and again.already_moved > 0
    school_year.year_transition(
        admin_actor(), school["new"].id, carry_curriculum=True, carry_timetable=True, commit=True
    )
    assert _counts() == before  # classes, enrollments, curriculum, slots, audit: nothing new


def test_repeater_decisions_and_leaving_without_carrying(school) -> None:  # type: ignore[no-untyped-def]
    plan = school_year.year_transition(
        admin_actor(),
        school["new"].id,
        decisions={school["failing"]: school_year.PROMOTE, school["corrected"]: school_year.LEAVE},
        commit=True,
    )
    assert plan.count(school_year.REPEAT) == 0 and plan.count(school_year.LEAVE) == 1
    db.session.expire_all()
    promoted = core.student_class(school["failing"])
    assert promoted is not None and promoted.grade_level == 6
    assert core.student_class(school["corrected"]) is None
    left = db.session.scalars(
        sa.select(Enrollment).where(Enrollment.student_id == school["corrected"])
    ).one()
    assert left.left_on == school["old"].ends_on
    new_classes = [k.id for k in _classes(school["new"].id).values()]
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(Curriculum.class_id.in_(new_classes))
    )
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(TimetableSlot.class_id.in_(new_classes))
    )
    with pytest.raises(core.Invalid):
        school_year.year_transition(
            admin_actor(), school["old"].id, commit=True
        )  # no year before the first


def test_a_failure_leaves_nothing_behind(school, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = _counts()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(school_year, "_make_current", broken)
    with pytest.raises(RuntimeError):
        school_year.year_transition(
            admin_actor(), school["new"].id, carry_curriculum=True, carry_timetable=True,
            commit=True,
        )  # fmt: skip
    db.session.expire_all()
    assert _counts() == before
    assert core.current_year(1).id == school["old"].id


def test_only_an_admin_of_the_school(school, demo_client) -> None:  # type: ignore[no-untyped-def]
    teacher = db.session.scalar(
        sa.select(SchoolClass.class_teacher_id).where(SchoolClass.id == school["fifth"].id)
    )
    with pytest.raises(core.Forbidden):
        school_year.year_transition(core.Actor.load(teacher, 1), school["new"].id)
    other = demo_client.application.test_client()
    login_staff(other, "direktor@sou2.demo.bg")
    assert other.get(f"/staff/admin/years/{school['new'].id}/transition").status_code == 404


def test_admin_pages_preview_then_commit(school, demo_client) -> None:  # type: ignore[no-untyped-def]
    assert login_staff(demo_client, "direktor@sou1.demo.bg").status_code == 302
    url = f"/staff/admin/years/{school['new'].id}/transition"
    assert url in demo_client.get("/staff/admin/year").get_data(as_text=True)
    page = demo_client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ученици с годишна оценка Слаб 2" in html
    assert f'name="pupil-{school["failing"]}"' in html
    # a missing CSRF token is refused and writes nothing
    assert demo_client.post(url, data={"action": "commit"}).status_code == 400
    assert core.current_year(1).id == school["old"].id
    r = form_post(
        demo_client,
        url,
        {
            "action": "commit",
            "carry_curriculum": "1",
            f"pupil-{school['failing']}": "leave",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert core.current_year(1).id == school["new"].id
    assert core.student_class(school["failing"]) is None
    # the timetable was not carried: offered still; once carried there is nothing left to do
    html = demo_client.get(url).get_data(as_text=True)
    assert "Няма какво да се направи" not in html and "Вече са в 2027/2028" in html
    r = form_post(
        demo_client, url, {"action": "commit", "carry_curriculum": "1", "carry_timetable": "1"}
    )
    assert r.status_code == 302
    assert "Няма какво да се направи" in demo_client.get(url).get_data(as_text=True)
    r = form_post(demo_client, url, {"action": "commit", f"pupil-{school['failing']}": "nope"})
    assert r.status_code == 400


def test_phone_and_portal_show_the_new_class_and_no_old_grades(school, demo_app) -> None:  # type: ignore[no-untyped-def]
    guardian = db.session.scalars(
        sa.select(Guardian).where(Guardian.email == "roditel1@sou1.demo.bg")
    ).one()
    [link] = guardian.links
    child: Student = link.student
    old_class = core.student_class(child.id)
    assert old_class is not None
    old_summary = summary.get_summary(child.id, school["old"].id)
    assert old_summary["overall"] is not None  # the demo child has grades this year
    school_year.year_transition(admin_actor(), school["new"].id, commit=True)
    db.session.expire_all()
    new_class = core.student_class(child.id)
    assert new_class is not None and new_class.school_year_id == school["new"].id
    assert new_class.grade_level == old_class.grade_level + (child.id != school["failing"])
    payload = summary.get_summary(child.id, school["new"].id)
    assert payload["student"]["class_name"] == new_class.name
    assert payload["overall"] is None and payload["latest_grades"] == []
    assert all(s["count"] == 0 for s in payload["subjects"])
    # the old year's read model is still there and unchanged in its figures
    again = summary.get_summary(child.id, school["old"].id)
    assert again["overall"] == old_summary["overall"]
    # the phone line: the child of the new year, no grades yet this term
    call = PhoneCall(FlaskTransport(demo_app), from_number=guardian.phone or "")
    call.start()
    turn = call.press("2580#")
    assert turn.said[0] == f"{child.first_name} все още няма оценки този срок."
    # the portal: the new class and the new year
    client = demo_app.test_client()
    form_post(client, "/login", {"email": "roditel1@sou1.demo.bg", "password": "demo1234"})
    html = client.get(f"/child/{child.id}").get_data(as_text=True)
    assert f"{new_class.name} клас" in html and "2027/2028" in html
    assert db.session.scalar(
        sa.select(sa.func.count()).where(GuardianStudent.student_id == child.id)
    )


def test_asp_file_after_the_transition(school) -> None:  # type: ignore[no-untyped-def]
    from onboarding import asp

    graduates = {
        db.session.get(Student, e.student_id).personal_id
        for e in core.active_enrollments(school["twelfth"].id)
    }
    school_year.year_transition(admin_actor(), school["new"].id, commit=True)
    db.session.expire_all()
    june = {r.personal_id: r for r in asp.build_records(1, 2027, 6)}
    assert graduates and all(june[p].deregistered_on == OLD_END for p in graduates)
    others = [r for p, r in june.items() if p not in graduates]
    assert others and all(r.deregistered_on is None for r in others)  # promoted: not deregistered
    assert all(r.school_year == 2026 for r in june.values())
    september = {r.personal_id: r for r in asp.build_records(1, 2027, 9)}
    assert set(september) == set(june) - graduates
    assert all(r.school_year == 2027 for r in september.values())
    failing = db.session.get(Student, school["failing"]).personal_id
    assert september[failing].grade_level == 5 and june[failing].grade_level == 5
    # (1: the demo's preparatory group goes on to the first grade)
    assert {r.grade_level for p, r in september.items() if p != failing} <= {1, 4, 6, 10}


def test_a_graduate_on_the_phone_and_in_the_portal(school, demo_app) -> None:  # type: ignore[no-untyped-def]
    graduate_ids = [e.student_id for e in core.active_enrollments(school["twelfth"].id)]
    link = db.session.scalars(
        sa.select(GuardianStudent)
        .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
        .where(
            GuardianStudent.student_id.in_(graduate_ids),
            Guardian.email.is_not(None),
            Guardian.password_hash.is_not(None),
            Guardian.phone.is_not(None),
            Guardian.pin_hash.is_not(None),
        )
    ).first()
    assert link is not None
    school_year.year_transition(admin_actor(), school["new"].id, commit=True)
    db.session.expire_all()
    payload = summary.get_summary(link.student_id, school["new"].id)
    assert payload.get("overall") is None and not payload.get("latest_grades")
    guardian = db.session.get(Guardian, link.guardian_id)
    client = demo_app.test_client()
    r = form_post(client, "/login", {"email": guardian.email, "password": "demo1234"})
    assert r.status_code == 302
    assert client.get(f"/child/{link.student_id}").status_code == 200
    call = PhoneCall(FlaskTransport(demo_app), from_number=guardian.phone)
    assert call.start().status == 200
    turn = call.press("2580#")
    assert turn.status == 200 and turn.said


@pytest.mark.postgres
def test_transition_on_postgresql(pg_school) -> None:  # type: ignore[no-untyped-def]
    from onboarding import asp

    before = _counts()
    plan = school_year.year_transition(
        admin_actor(), pg_school["new"].id, carry_curriculum=True, carry_timetable=True
    )
    assert _counts() == before and [m.student_id for m in plan.repeaters] == [pg_school["failing"]]
    school_year.year_transition(
        admin_actor(), pg_school["new"].id, carry_curriculum=True, carry_timetable=True,
        commit=True,
    )  # fmt: skip
    db.session.expire_all()
    after = _counts()
    assert after[1] == before[1] + plan.count(school_year.PROMOTE) + plan.count(school_year.REPEAT)
    assert after[2] == before[2] + plan.curriculum_rows
    assert after[3] == before[3] + plan.timetable_slots
    again = school_year.year_transition(
        admin_actor(), pg_school["new"].id, carry_curriculum=True, carry_timetable=True,
        commit=True,
    )  # fmt: skip
    assert again.nothing_to_do and _counts() == after
    repeater = core.student_class(pg_school["failing"])
    assert repeater is not None and repeater.grade_level == 5
    september = asp.build_records(1, 2027, 9)
    assert len(september) == plan.count(school_year.PROMOTE) + plan.count(school_year.REPEAT)
    checked = asp.import_file(1, asp.export_month(1, 2027, 6))
    assert checked.errors == [] and checked.details == []


def test_staff_grid_and_school_notices_after_the_transition(school, demo_client) -> None:  # type: ignore[no-untyped-def]
    from models import NotificationOutbox

    graduates = {e.student_id for e in core.active_enrollments(school["twelfth"].id)}
    school_year.year_transition(admin_actor(), school["new"].id, carry_curriculum=True, commit=True)
    db.session.expire_all()
    sixth = _classes(school["new"].id)["6" + school["fifth"].name[1:]]
    row = db.session.scalars(
        sa.select(Curriculum).where(
            Curriculum.class_id == sixth.id, Curriculum.teacher_id.is_not(None)
        )
    ).first()
    teacher = db.session.get(StaffUser, row.teacher_id)
    assert login_staff(demo_client, teacher.email).status_code == 302
    html = demo_client.get(f"/staff/grid/{row.id}").get_data(as_text=True)
    names = [
        db.session.get(Student, e.student_id).last_name for e in core.active_enrollments(sixth.id)
    ]
    assert names and all(n in html for n in names)
    assert db.session.get(Student, school["failing"]).full_name not in html
    # a school-wide notice reaches this year's pupils only: not the graduates
    before = set(db.session.scalars(sa.select(NotificationOutbox.id)))
    events.save_event(
        admin_actor(),
        kind="school_event",
        title="Откриване",
        date=dt.date(2027, 9, 15),
        class_id=None,
    )
    told = {
        m.student_id
        for m in db.session.scalars(
            sa.select(NotificationOutbox).where(NotificationOutbox.id.not_in(before))
        )
    }
    assert told and not told & graduates


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [("8е", 9, "9е"), ("11", 12, "12"), ("ПГ б", 1, "1б"), ("Пчелички", 2, "Пчелички")],
)
def test_next_class_name(name: str, level: int, expected: str) -> None:
    assert school_year.next_class_name(name, level) == expected
