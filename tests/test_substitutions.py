"""Teacher absences and substitutions end to end: the admin records an absence and assigns its
lessons (audited, the month lock, no double-booking, no overlapping absences); the substitute
takes the register and the grades of that lesson, the absent teacher and a third teacher do not,
a free hour has no register; "Днес" shows it; only admins assign; another school's ids are
missing. The demo school (``school_app``: SQLite, then PostgreSQL) has one teacher absent today
(25.11.2026) and tomorrow with every kind of substitution."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import absences as absences_uc
from gradebook import core
from gradebook import grades as grades_uc
from gradebook import substitutions as subs_uc
from gradebook.lessons import find_lesson
from gradebook.rules import substitutions as sub_rules
from models import AuditLog
from models import Curriculum
from models import Lesson
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Substitution
from models import TeacherAbsence
from models import TimetableSlot
from models import db
from tests.conftest import TODAY
from tests.conftest import csrf_from
from tests.conftest import login_staff


def _admin(school_id: int = 1) -> core.Actor:
    staff_id = db.session.scalar(
        sa.select(StaffMembership.staff_id)
        .where(StaffMembership.school_id == school_id, StaffMembership.role == StaffRole.ADMIN)
        .order_by(StaffMembership.staff_id)
    )
    return core.Actor.load(staff_id, school_id)


def _demo_absence(school_id: int = 1) -> TeacherAbsence:
    absence = db.session.scalar(
        sa.select(TeacherAbsence).where(TeacherAbsence.school_id == school_id)
    )
    assert absence is not None
    return absence


def _subs(absence: TeacherAbsence, kind: int | None = None) -> list[tuple[Substitution, Lesson]]:
    query = (
        sa.select(Substitution, Lesson)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(Substitution.absence_id == absence.id)
        .order_by(Lesson.date, Lesson.period)
    )
    if kind is not None:
        query = query.where(Substitution.kind == kind)
    return [(s, lesson) for s, lesson in db.session.execute(query)]


def _a_third_teacher(school_id: int, klass: SchoolClass, *not_ids: int) -> StaffUser:
    """A teacher of the school who neither teaches this class nor is its class teacher."""
    teaching = set(
        db.session.scalars(sa.select(Curriculum.teacher_id).where(Curriculum.class_id == klass.id))
    )
    admins = set(
        db.session.scalars(
            sa.select(StaffMembership.staff_id).where(
                StaffMembership.school_id == school_id, StaffMembership.role == StaffRole.ADMIN
            )
        )
    )
    for staff in db.session.scalars(
        sa.select(StaffUser)
        .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
        .where(StaffMembership.school_id == school_id)
        .order_by(StaffUser.id)
    ):
        if staff.id not in teaching | admins | set(not_ids) and staff.id != klass.class_teacher_id:
            return staff
    raise AssertionError("no third teacher")


def _slot(lesson: Lesson) -> TimetableSlot:
    slot = db.session.get(TimetableSlot, lesson.slot_id)
    assert slot is not None
    return slot


# --- the demo's absence -------------------------------------------------------------------------
def test_the_demo_has_an_absence_today_with_every_kind(school_app: Flask) -> None:
    absence = _demo_absence()
    assert absence.first_day == TODAY and absence.last_day > TODAY
    kinds = {s.kind for s, _lesson in _subs(absence)}
    assert kinds == {1, 2, 3, 4}
    assert len(_subs(absence, sub_rules.FREE_HOUR)) == 1
    assert all(lesson.teacher_id == absence.teacher_id for _s, lesson in _subs(absence))
    # every lesson it touches has its assignment
    lessons = subs_uc.absence_lessons(_admin(), absence)
    assert lessons and all(item.substitution is not None for item in lessons)


# --- the register and the grades ------------------------------------------------------------------
def test_the_substitute_takes_the_register_the_absent_and_a_third_teacher_do_not(
    school_app: Flask,
) -> None:
    absence = _demo_absence()
    sub, lesson = next(
        (s, lesson)
        for s, lesson in _subs(absence, sub_rules.NON_SPECIALIST)
        if lesson.date == TODAY
    )
    slot = _slot(lesson)
    substitute = core.Actor.load(sub.substitute_id, 1)
    assert absences_uc.can_take_register(substitute, slot, TODAY)
    pupil = core.active_enrollments(slot.class_id)[0].student_id
    counts = absences_uc.save_lesson_absences(
        substitute, slot.id, date=TODAY, marks={pupil: "absent"}
    )
    assert counts["created"] == 1
    absent_teacher = core.Actor.load(absence.teacher_id, 1)
    assert absences_uc.can_take_register(absent_teacher, slot)  # their slot on other days
    assert not absences_uc.can_take_register(absent_teacher, slot, TODAY)
    with pytest.raises(core.Forbidden):
        absences_uc.save_lesson_absences(absent_teacher, slot.id, date=TODAY, marks={pupil: ""})
    third = core.Actor.load(
        _a_third_teacher(1, slot.school_class, absence.teacher_id, sub.substitute_id).id, 1
    )
    with pytest.raises(core.Forbidden):
        absences_uc.save_lesson_absences(third, slot.id, date=TODAY, marks={pupil: ""})
    # the substitute has no right on that slot another week
    assert not absences_uc.can_take_register(substitute, slot, TODAY - dt.timedelta(days=7))


def test_a_free_hour_has_no_register(school_app: Flask) -> None:
    absence = _demo_absence()
    _sub, lesson = _subs(absence, sub_rules.FREE_HOUR)[0]
    slot = _slot(lesson)
    admin = _admin()
    assert not absences_uc.can_take_register(admin, slot, lesson.date)
    pupil = core.active_enrollments(slot.class_id)[0].student_id
    with pytest.raises(core.Invalid) as refused:
        absences_uc.save_lesson_absences(admin, slot.id, date=lesson.date, marks={pupil: "absent"})
    assert "свободен" in refused.value.message_bg


def test_the_substitute_enters_grades_of_that_lessons_day_only(school_app: Flask) -> None:
    absence = _demo_absence()
    sub, lesson = next(
        (s, lesson) for s, lesson in _subs(absence, sub_rules.SPECIALIST) if lesson.date == TODAY
    )
    substitute = core.Actor.load(sub.substitute_id, 1)
    curriculum = db.session.get(Curriculum, lesson.curriculum_id)
    if substitute.can_write_grades(curriculum):
        pytest.skip("the substitute teaches this row anyway")
    pupil = core.active_enrollments(lesson.class_id)[0].student_id
    saved = grades_uc.save_grade_column(
        substitute, curriculum.id, kind="current", date=TODAY, values={pupil: "5"}
    )
    assert saved[0].teacher_id == substitute.staff_id
    with pytest.raises(core.Forbidden):
        grades_uc.save_grade_column(
            substitute,
            curriculum.id,
            kind="current",
            date=TODAY - dt.timedelta(days=1),
            values={pupil: "5"},
        )


# --- recording and assigning ---------------------------------------------------------------------
def _teacher_with_lessons_on(day: dt.date, *not_ids: int) -> tuple[int, list[TimetableSlot]]:
    year = SchoolYear.current_for(1)
    slots = list(
        db.session.scalars(
            sa.select(TimetableSlot)
            .join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
            .where(
                TimetableSlot.school_id == 1,
                SchoolClass.school_year_id == year.id,
                TimetableSlot.weekday == day.isoweekday(),
                TimetableSlot.teacher_id.is_not(None),
                TimetableSlot.teacher_id.not_in(not_ids or (0,)),
            )
            .order_by(TimetableSlot.teacher_id, TimetableSlot.period)
        )
    )
    by_teacher: dict[int, list[TimetableSlot]] = {}
    for slot in slots:
        by_teacher.setdefault(slot.teacher_id, []).append(slot)
    teacher = max(by_teacher, key=lambda t: (len(by_teacher[t]), -t))
    return teacher, by_teacher[teacher]


NEXT_WEDNESDAY = TODAY + dt.timedelta(days=7)


def test_record_assign_correct_and_delete_an_absence(school_app: Flask) -> None:
    admin = _admin()
    demo = _demo_absence()
    teacher, own = _teacher_with_lessons_on(NEXT_WEDNESDAY, demo.teacher_id)
    absence = subs_uc.create_absence(
        admin,
        teacher_id=teacher,
        first_day=NEXT_WEDNESDAY.isoformat(),
        last_day=NEXT_WEDNESDAY.isoformat(),
        from_period=str(own[1].period),
        to_period="",
        reason="training",
        comment="обучение",
    )
    lessons = subs_uc.absence_lessons(admin, absence)
    assert [item.slot.period for item in lessons] == [s.period for s in own[1:]]
    target = lessons[0]
    subs_uc.assign_lesson(
        admin, absence.id, target.slot.id, day=NEXT_WEDNESDAY, kind=sub_rules.FREE_HOUR
    )
    assigned = db.session.scalar(
        sa.select(Substitution).where(Substitution.absence_id == absence.id)
    )
    assert assigned.kind == 1 and assigned.substitute_id is None
    assert find_lesson(target.slot, NEXT_WEDNESDAY).teacher_id == teacher  # the timetable's
    # an external lecturer by name, then back to waiting
    subs_uc.assign_lesson(
        admin,
        absence.id,
        target.slot.id,
        day=NEXT_WEDNESDAY,
        kind=sub_rules.EXTERNAL,
        external_name="Георги Иванов",
    )
    db.session.refresh(assigned)
    assert (assigned.kind, assigned.external_name) == (4, "Георги Иванов")
    actions = set(
        db.session.scalars(
            sa.select(AuditLog.action).where(
                AuditLog.object_type == "substitution", AuditLog.object_id == assigned.id
            )
        )
    )
    assert actions == {"create", "update"}
    # the corrected absence starts later: the assignment it no longer touches goes
    subs_uc.update_absence(
        admin,
        absence.id,
        version=absence.version,
        first_day=NEXT_WEDNESDAY.isoformat(),
        last_day=NEXT_WEDNESDAY.isoformat(),
        from_period=str(own[-1].period + 1),
        to_period="",
        reason="training",
        comment="",
    )
    assert (
        db.session.scalar(sa.select(Substitution).where(Substitution.absence_id == absence.id))
        is None
    )
    with pytest.raises(core.Invalid):
        subs_uc.delete_absence(admin, absence.id, reason=" ")
    subs_uc.delete_absence(admin, absence.id, reason="грешка")
    assert db.session.get(TeacherAbsence, absence.id) is None
    assert (
        db.session.scalar(
            sa.select(AuditLog.reason).where(
                AuditLog.object_type == "teacher_absence",
                AuditLog.object_id == absence.id,
                AuditLog.action == "delete",
            )
        )
        == "грешка"
    )


def test_an_overlapping_absence_is_refused(school_app: Flask) -> None:
    admin = _admin()
    demo = _demo_absence()
    fields = {
        "teacher_id": demo.teacher_id,
        "first_day": demo.last_day.isoformat(),
        "last_day": (demo.last_day + dt.timedelta(days=1)).isoformat(),
        "reason": "illness",
    }
    with pytest.raises(core.Conflict) as refused:
        subs_uc.create_absence(admin, **fields)
    teacher = db.session.get(StaffUser, demo.teacher_id)
    assert teacher.full_name in refused.value.message_bg
    assert "25.11.2026" in refused.value.message_bg
    fields["first_day"] = (demo.last_day + dt.timedelta(days=1)).isoformat()
    assert subs_uc.create_absence(admin, **fields).id  # the next day is free


def test_a_substitute_cannot_be_double_booked(school_app: Flask) -> None:
    admin = _admin()
    demo = _demo_absence()
    teacher, own = _teacher_with_lessons_on(NEXT_WEDNESDAY, demo.teacher_id)
    absence = subs_uc.create_absence(
        admin,
        teacher_id=teacher,
        first_day=NEXT_WEDNESDAY.isoformat(),
        last_day=NEXT_WEDNESDAY.isoformat(),
        reason="illness",
    )
    slot = own[0]
    # a teacher who has their own lesson at that period that day
    busy = db.session.scalar(
        sa.select(TimetableSlot.teacher_id).where(
            TimetableSlot.school_id == 1,
            TimetableSlot.weekday == NEXT_WEDNESDAY.isoweekday(),
            TimetableSlot.period == slot.period,
            TimetableSlot.teacher_id.not_in((teacher,)),
            TimetableSlot.class_id.in_(
                sa.select(SchoolClass.id).where(
                    SchoolClass.school_year_id == SchoolYear.current_for(1).id
                )
            ),
        )
    )
    assert busy is not None
    with pytest.raises(core.Conflict) as refused:
        subs_uc.assign_lesson(
            admin, absence.id, slot.id, day=NEXT_WEDNESDAY, kind=2, substitute_id=busy
        )
    name = db.session.get(StaffUser, busy).full_name
    assert name in refused.value.message_bg and f"{slot.period}. час" in refused.value.message_bg
    # a free teacher twice at the same period: the second lesson is refused
    if len(own) > 1 and own[1].period == slot.period:
        pytest.skip("two lessons at one period")
    free = _free_teacher(NEXT_WEDNESDAY, slot.period, teacher)
    subs_uc.assign_lesson(
        admin, absence.id, slot.id, day=NEXT_WEDNESDAY, kind=3, substitute_id=free
    )
    # assigning the same lesson again is an edit, not a clash
    subs_uc.assign_lesson(
        admin, absence.id, slot.id, day=NEXT_WEDNESDAY, kind=2, substitute_id=free
    )
    # the absent teacher does not substitute themselves
    with pytest.raises(core.Invalid):
        subs_uc.assign_lesson(
            admin, absence.id, slot.id, day=NEXT_WEDNESDAY, kind=2, substitute_id=teacher
        )
    # a free hour with a substitute makes no sense
    with pytest.raises(core.Invalid):
        subs_uc.assign_lesson(
            admin, absence.id, slot.id, day=NEXT_WEDNESDAY, kind=1, substitute_id=free
        )


def _free_teacher(day: dt.date, period: int, *not_ids: int) -> int:
    busy = set(
        db.session.scalars(
            sa.select(TimetableSlot.teacher_id).where(
                TimetableSlot.school_id == 1,
                TimetableSlot.weekday == day.isoweekday(),
                TimetableSlot.period == period,
            )
        )
    )
    for staff_id in db.session.scalars(
        sa.select(StaffMembership.staff_id)
        .where(StaffMembership.school_id == 1)
        .order_by(StaffMembership.staff_id)
    ):
        if staff_id not in busy and staff_id not in not_ids:
            return staff_id
    raise AssertionError("nobody is free")


def test_the_month_lock_holds_for_absences(school_app: Flask) -> None:
    admin = _admin()
    year = SchoolYear.current_for(1)
    year.month_lock_day = 5  # on 25.11 October is locked
    db.session.commit()
    demo = _demo_absence()
    teacher, _own = _teacher_with_lessons_on(dt.date(2026, 10, 7), demo.teacher_id)
    fields = {
        "teacher_id": teacher,
        "first_day": "07.10.2026",
        "last_day": "07.10.2026",
        "reason": "leave",
    }
    with pytest.raises(core.Locked):
        subs_uc.create_absence(admin, **fields)
    assert subs_uc.create_absence(admin, override_lock=True, **fields).id


def test_only_an_admin_records_and_assigns(school_app: Flask) -> None:
    demo = _demo_absence()
    _sub, lesson = _subs(demo)[0]
    teacher = core.Actor.load(demo.teacher_id, 1)
    assert not teacher.is_admin
    with pytest.raises(core.Forbidden):
        subs_uc.create_absence(
            teacher, teacher_id=demo.teacher_id, first_day="01.12.2026", last_day="01.12.2026",
            reason="other",
        )  # fmt: skip
    with pytest.raises(core.Forbidden):
        subs_uc.assign_lesson(teacher, demo.id, lesson.slot_id, day=lesson.date, kind=1)
    with pytest.raises(core.Forbidden):
        subs_uc.delete_absence(teacher, demo.id, reason="x")


def test_another_schools_ids_are_missing(demo_app: Flask) -> None:
    admin = _admin(1)
    mine, theirs = _demo_absence(1), _demo_absence(2)
    _s, their_lesson = _subs(theirs)[0]
    _s, my_lesson = _subs(mine)[0]
    for call in (
        lambda: subs_uc.assign_lesson(admin, theirs.id, my_lesson.slot_id, day=my_lesson.date, kind=1),
        lambda: subs_uc.assign_lesson(admin, mine.id, their_lesson.slot_id, day=their_lesson.date, kind=1),
        lambda: subs_uc.update_absence(admin, theirs.id, first_day="25.11.2026", last_day="25.11.2026", reason="other"),
        lambda: subs_uc.delete_absence(admin, theirs.id, reason="x"),
        lambda: subs_uc.clear_lesson(admin, theirs.id, their_lesson.slot_id, day=their_lesson.date),
        lambda: subs_uc.create_absence(admin, teacher_id=theirs.teacher_id, first_day="01.12.2026", last_day="01.12.2026", reason="other"),
    ):  # fmt: skip
        with pytest.raises(core.NotFound):
            call()
    # a substitute of the other school
    other_staff = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 2,
            StaffMembership.staff_id.not_in(
                sa.select(StaffMembership.staff_id).where(StaffMembership.school_id == 1)
            ),
        )
    )
    sub, lesson = _subs(mine, sub_rules.SPECIALIST)[0]
    with pytest.raises(core.NotFound):
        subs_uc.assign_lesson(
            admin, mine.id, lesson.slot_id, day=lesson.date, kind=3, substitute_id=other_staff
        )
    client = demo_app.test_client()
    login_staff(client, "direktor@sou1.demo.bg")
    assert client.get(f"/staff/admin/teacher-absences/{theirs.id}").status_code == 404


# --- the staff web --------------------------------------------------------------------------------
def test_the_admin_pages_record_and_assign_with_csrf(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login_staff(client, "direktor@sou1.demo.bg")
    page = client.get("/staff/admin/teacher-absences")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Отсъствия на учители и заместване" in html
    demo = _demo_absence()
    assert db.session.get(StaffUser, demo.teacher_id).full_name in html
    teacher, own = _teacher_with_lessons_on(NEXT_WEDNESDAY, demo.teacher_id)
    data = {
        "teacher_id": str(teacher),
        "first_day": NEXT_WEDNESDAY.isoformat(),
        "last_day": NEXT_WEDNESDAY.isoformat(),
        "reason": "illness",
        "comment": "",
    }
    assert client.post("/staff/admin/teacher-absences", data=data).status_code == 400  # no CSRF
    bad = client.post(
        "/staff/admin/teacher-absences",
        data={**data, "last_day": "2026-11-01", "csrf_token": csrf_from(html)},
    )
    assert bad.status_code == 422
    assert "Последният ден е преди първия." in bad.get_data(as_text=True)
    done = client.post(
        "/staff/admin/teacher-absences", data={**data, "csrf_token": csrf_from(html)}
    )
    assert done.status_code == 302
    absence = db.session.scalar(
        sa.select(TeacherAbsence).where(
            TeacherAbsence.teacher_id == teacher, TeacherAbsence.id != demo.id
        )
    )
    page = client.get(done.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "чака решение" in html
    assign = {
        "slot_id": str(own[0].id),
        "day": NEXT_WEDNESDAY.isoformat(),
        "kind": "1",
        "csrf_token": csrf_from(html),
    }
    url = f"/staff/admin/teacher-absences/{absence.id}/assign"
    assert (
        client.post(url, data={k: v for k, v in assign.items() if k != "csrf_token"}).status_code
        == 400
    )
    assert client.post(url, data=assign).status_code == 302
    html = client.get(f"/staff/admin/teacher-absences/{absence.id}").get_data(as_text=True)
    assert "свободен час" in html
    # a teacher gets 403 on every admin page
    other = demo_app.test_client()
    login_staff(other, "uchitel13@sou1.demo.bg")
    assert other.get("/staff/admin/teacher-absences").status_code == 403
    assert other.post(url, data=assign).status_code in (400, 403)


def test_today_shows_substitutions(demo_app: Flask) -> None:
    demo = _demo_absence()
    sub, lesson = next(
        (s, lesson) for s, lesson in _subs(demo, sub_rules.NON_SPECIALIST) if lesson.date == TODAY
    )
    absent_name = db.session.get(StaffUser, demo.teacher_id).full_name
    substitute = db.session.get(StaffUser, sub.substitute_id)
    director = db.session.get(StaffUser, _admin().staff_id)
    absent = db.session.get(StaffUser, demo.teacher_id)
    client = demo_app.test_client()
    login_staff(client, substitute.email)
    html = client.get("/staff/").get_data(as_text=True)
    assert "Заместване днес" in html and absent_name in html
    assert f"/staff/lesson/{lesson.slot_id}?date={TODAY.isoformat()}" in html
    client = demo_app.test_client()
    login_staff(client, absent.email)
    html = client.get("/staff/").get_data(as_text=True)
    assert "свободен час" in html and f"замества {substitute.full_name}" in html
    client = demo_app.test_client()
    login_staff(client, director.email)
    html = client.get("/staff/").get_data(as_text=True)
    assert "Заместване и свободни часове днес" in html and "свободен час" in html
    # the lesson page says who teaches it
    client = demo_app.test_client()
    login_staff(client, substitute.email)
    page = client.get(f"/staff/lesson/{lesson.slot_id}?date={TODAY.isoformat()}")
    assert page.status_code == 200
    assert f"{substitute.full_name} замества {absent_name}" in page.get_data(as_text=True)


def test_the_substitute_writes_the_topic_and_the_homework_of_that_lesson(school_app: Flask) -> None:
    """The lesson page's other parts follow the register: the substitute of today's lesson writes
    its topic and gives its homework; the absent teacher cannot, nor can anyone in a free hour."""
    from gradebook import homework as homework_uc
    from gradebook import topics as topics_uc

    absence = _demo_absence()
    sub, lesson = next(
        (s, lesson)
        for s, lesson in _subs(absence, sub_rules.NON_SPECIALIST)
        if lesson.date == TODAY
    )
    slot = _slot(lesson)
    substitute = core.Actor.load(sub.substitute_id, 1)
    counts = topics_uc.save_lesson_topics(
        substitute, slot.id, date=TODAY, topics=[("Преговор по време на заместване", None)]
    )
    assert counts["created"] + counts["updated"] == 1
    from models import LessonTopic

    titles = db.session.scalars(
        sa.select(LessonTopic.title).where(LessonTopic.lesson_id == lesson.id)
    )
    assert list(titles) == ["Преговор по време на заместване"]
    given = homework_uc.give_homework(
        substitute, slot.id, date=TODAY, text="Упражнение 3 на страница 40"
    )
    assert given.lesson_id == lesson.id
    absent_teacher = core.Actor.load(absence.teacher_id, 1)
    with pytest.raises(core.Forbidden):
        topics_uc.save_lesson_topics(absent_teacher, slot.id, date=TODAY, topics=[("x", None)])
    with pytest.raises(core.Forbidden):
        homework_uc.give_homework(absent_teacher, slot.id, date=TODAY, text="x")
    _free, free_lesson = _subs(absence, sub_rules.FREE_HOUR)[0]
    free_slot = _slot(free_lesson)
    with pytest.raises(core.Forbidden):
        homework_uc.give_homework(_admin(), free_slot.id, date=free_lesson.date, text="x")


def test_assigning_a_lesson_of_a_locked_month_needs_the_override(school_app: Flask) -> None:
    admin = _admin()
    demo = _demo_absence()
    day = dt.date(2026, 10, 7)  # a Wednesday of a past month
    teacher, own = _teacher_with_lessons_on(day, demo.teacher_id)
    year = SchoolYear.current_for(1)
    year.month_lock_day = None  # the absence recorded while October was open
    db.session.commit()
    absence = subs_uc.create_absence(
        admin, teacher_id=teacher, first_day=day, last_day=day, reason="illness"
    )
    year.month_lock_day = 5
    db.session.commit()
    with pytest.raises(core.Locked):
        subs_uc.assign_lesson(admin, absence.id, own[0].id, day=day, kind=sub_rules.FREE_HOUR)
    subs_uc.assign_lesson(
        admin, absence.id, own[0].id, day=day, kind=sub_rules.FREE_HOUR, override_lock=True
    )
    assert db.session.scalar(
        sa.select(AuditLog.id).where(AuditLog.action == "override", AuditLog.object_type == "lock")
    )


def test_the_class_teachers_day_shows_their_classes_substitutions(school_app: Flask) -> None:
    demo = _demo_absence()
    _sub, lesson = next((s, lesson) for s, lesson in _subs(demo) if lesson.date == TODAY)
    klass = db.session.get(SchoolClass, lesson.class_id)
    if klass.class_teacher_id in (None, demo.teacher_id):
        pytest.skip("no other class teacher")
    class_teacher = core.Actor.load(klass.class_teacher_id, 1)
    day = subs_uc.teacher_day(class_teacher, TODAY, [])
    assert day.school and {item.class_name for item in day.school} == {klass.name}
    assert all(item.cover.absent_teacher for item in day.school)
