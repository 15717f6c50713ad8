"""The outbox in batches and per parent, on SQLite and PostgreSQL.

* ``enqueue_many``: a grade column (or a lesson's register) writes exactly the rows that one call
  per grade writes (coalescing, quiet hours, digests, preferences), in a number of SQL
  statements that does not grow with the column.
* School-wide events and meetings: one message per parent and channel, naming no child, however
  many children the parent has in the school (one per school for a parent in two schools);
  editing, calling off and cancelling keep working.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import core
from gradebook import events as events_uc
from gradebook import grades as grades_uc
from models import Absence
from models import AbsenceKind
from models import Channel
from models import Curriculum
from models import Enrollment
from models import EventKind
from models import Guardian
from models import NotificationOutbox
from models import NotificationPreference
from models import NotifyEvent
from models import OutboxStatus
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import Student
from models import db
from notify import messages
from notify.outbox import Notice
from notify.outbox import cancel_for_objects
from notify.outbox import enqueue_for_students
from notify.outbox import enqueue_many
from notify.scheduler import meeting_reminders
from notify.sms import segments
from notify.sms import transliterate
from tests._helpers import counted_statements
from tests.conftest import TODAY
from tests.notify_helpers import grade_payload
from tests.notify_helpers import make_guardian
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student
from tests.notify_helpers import rows


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_any(request: pytest.FixtureRequest) -> Flask:
    """Two small demo schools: the session's SQLite copy, or built on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("demo_app")
    application = request.getfixturevalue("pg_app")
    from gradebook.demo import build_demo

    build_demo(seed=5, schools=2, today=TODAY, students_per_class=4, levels=(5, 9))
    return application


# --- helpers ---------------------------------------------------------------------------------------
def snapshot(row: NotificationOutbox, rename: dict[int, Any] | None = None) -> tuple[Any, ...]:
    """What a parent gets from a row, the object's id replaced through ``rename``."""
    rename = rename or {}
    key = row.coalesce_key or ""
    if row.object_id in rename:
        kind, _, rest = key.partition(":")
        key = f"{kind}:{rename[row.object_id]}:{rest.partition(':')[2]}"
    return (
        row.guardian_id,
        row.student_id,
        row.channel.value,
        row.event_type.value,
        row.object_type,
        rename.get(row.object_id, row.object_id),
        key,
        row.to_address,
        row.payload,
        row.subject,
        row.body,
        row.segments,
        row.urgent,
        row.status.value,
        row.due_at,
    )


def pupils(school: School, count: int) -> list[Student]:
    """``count`` pupils, each with one parent (phone and e-mail verified)."""
    out = []
    for n in range(count):
        student = make_student(school, f"Ученик{n}")
        make_guardian(student, phone=f"+35988800{n:04d}", email=f"p{n}@example.bg")
        out.append(student)
    return out


def prefer(guardian_id: int, event: NotifyEvent, channel: Channel, enabled: bool = True) -> None:
    db.session.add(
        NotificationPreference(
            guardian_id=guardian_id, event_type=event, channel=channel, enabled=enabled
        )
    )


def admin_of(school_id: int) -> core.Actor:
    staff_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == school_id, StaffMembership.role == StaffRole.ADMIN
        )
    )
    return core.Actor.load(staff_id, school_id)


def pupils_of_two_classes(school_id: int) -> tuple[Student, Student]:
    """The first pupil of two different classes of the school."""
    found: dict[int, int] = {}
    for student_id, class_id in db.session.execute(
        sa.select(Enrollment.student_id, Enrollment.class_id)
        .where(Enrollment.school_id == school_id, Enrollment.left_on.is_(None))
        .order_by(Enrollment.class_id, Enrollment.class_number)
    ):
        found.setdefault(class_id, student_id)
        if len(found) == 2:
            break
    first, second = (db.session.get(Student, sid) for sid in found.values())
    assert first is not None and second is not None
    return first, second


def class_of(student: Student) -> int:
    return db.session.scalar(
        sa.select(Enrollment.class_id).where(
            Enrollment.student_id == student.id, Enrollment.left_on.is_(None)
        )
    )


def parent_of(*students: Student) -> Guardian:
    """A parent of these children who chose SMS for events too (e-mail is on by default)."""
    guardian = make_guardian(*students, phone="+359877000111", email="dvama@example.bg")
    prefer(guardian.id, NotifyEvent.EVENT, Channel.SMS)
    db.session.commit()
    return guardian


def channels(found: list[NotificationOutbox]) -> list[str]:
    return sorted(r.channel.value for r in found)


# --- one batch, the same rows ------------------------------------------------------------------------
def test_a_batch_writes_what_one_call_per_notice_writes(any_app: Flask) -> None:
    school = make_school()
    kids = pupils(school, 5)
    make_guardian(kids[0], kids[1], phone="+359888111222", email="two@example.bg")
    muted = make_guardian(kids[2], phone="+359888111333", email="muted@example.bg")
    prefer(muted.id, NotifyEvent.GRADE, Channel.SMS, enabled=False)
    digest = make_guardian(kids[3], phone="+359888111444", email="d@example.bg", digest=True)
    make_guardian(kids[4], phone="+359888111555", email="gone@example.bg", active=False)
    make_guardian(kids[4], phone="+359888111666", email="new@example.bg", verified=False)
    orphan = make_student(school, "Сам")
    db.session.commit()
    # a message of grade 101 still waiting from a minute ago: both ways update it
    enqueue_for_students(
        [kids[0].id], NotifyEvent.GRADE, school_id=school.id, object_type="grade",
        object_id=101, payload=grade_payload("3"),
    )  # fmt: skip
    db.session.commit()
    any_app.config["NOW"] = "2026-11-25T21:30:00"  # quiet hours: SMS due at 08:00
    notices = [
        Notice("grade", 101 + n, (s.id,), NotifyEvent.GRADE, grade_payload(f"{2 + n % 5}"))
        for n, s in enumerate([*kids, orphan])
    ]
    # grade 102 corrected inside the same batch: one message with the final value
    notices.append(
        Notice("grade", 102, (kids[1].id,), NotifyEvent.GRADE, grade_payload("6") | {"changed": 1})
    )
    one_by_one = 0
    for n in notices:
        one_by_one += enqueue_for_students(
            n.student_ids, n.event, school_id=school.id, object_type=n.object_type,
            object_id=n.object_id, payload=n.payload,
        )  # fmt: skip
    db.session.flush()
    expected = [snapshot(r) for r in rows()]
    db.session.rollback()
    assert enqueue_many(notices, school_id=school.id) == one_by_one
    db.session.flush()
    assert [snapshot(r) for r in rows()] == expected
    db.session.rollback()
    # the rows are what they should be, not just equal
    # per pupil: own parent 2 + the parent of two 2 | 2 + 2 | 2 + muted 1 | 2 + digest 2 | 2
    assert len(expected) == 4 + 4 + 3 + 4 + 2
    sms_102 = [e for e in expected if e[6].startswith("grade:102:") and e[2] == "sms"]
    assert len(sms_102) == 2 and all("Otlichen 6" in e[10] for e in sms_102)
    assert all("popravena" not in e[10] for e in sms_102)  # never saw the first value
    new = [e for e in expected if e[5] != 101]
    due = {e[14] for e in new if e[2] == "sms" and e[0] != digest.id}
    assert due == {dt.datetime(2026, 11, 26, 6, 0)}  # 08:00 Sofia
    # the waiting message of grade 101 keeps its time (10:02 Sofia) and takes the new value
    assert {(e[14], "Slab 2" in e[10]) for e in expected if e[5] == 101 and e[2] == "sms"} == {
        (dt.datetime(2026, 11, 25, 8, 2), True)
    }
    assert {e[14] for e in expected if e[0] == digest.id} == {dt.datetime(2026, 11, 26, 16, 0)}


def test_outbox_statements_do_not_grow_with_the_column(any_app: Flask) -> None:
    school = make_school()
    kids = pupils(school, 25)
    db.session.commit()
    school_id, kid_ids = school.id, [k.id for k in kids]

    def statements_for(size: int) -> list[str]:
        notices = [
            Notice("grade", 1000 * size + n, (sid,), NotifyEvent.GRADE, grade_payload())
            for n, sid in enumerate(kid_ids[:size])
        ]
        with counted_statements() as statements:
            written = enqueue_many(notices, school_id=school_id)
            db.session.flush()  # the INSERTs too
        assert written == 2 * size  # SMS and e-mail for every grade
        db.session.rollback()
        return statements

    small, large = statements_for(5), statements_for(25)
    assert len(large) == len(small), "\n".join(large)
    assert len(small) <= 8


def test_a_register_of_absences_and_its_threshold_alerts_in_fixed_statements(
    any_app: Flask,
) -> None:
    school = make_school()
    kids = pupils(school, 25)
    year_id = db.session.scalar(sa.select(SchoolYear.id).where(SchoolYear.school_id == school.id))
    for kid in kids:  # 6 unexcused hours this month, the last today (being told now): over 5
        for period in range(1, 7):
            db.session.add(
                Absence(
                    school_id=school.id, school_year_id=year_id, student_id=kid.id,
                    date=TODAY - dt.timedelta(days=1 if period < 6 else 0), period=period,
                    term=1, kind=AbsenceKind.UNEXCUSED,
                )
            )  # fmt: skip
    db.session.commit()
    school_id, kid_ids = school.id, [k.id for k in kids]

    def register(size: int) -> tuple[list[str], list[tuple[Any, ...]]]:
        notices = [
            Notice("absence", 100 * size + n, (sid,), NotifyEvent.ABSENCE,
                   {"date": TODAY, "period": 6, "kind": "unexcused", "subject": "Физика"})
            for n, sid in enumerate(kid_ids[:size])
        ]  # fmt: skip
        with counted_statements() as statements:
            written = enqueue_many(notices, school_id=school_id)
            db.session.flush()
        assert written == 4 * size  # the absence and the alert, by SMS and e-mail
        found = [snapshot(r) for r in rows()]
        db.session.rollback()
        return statements, found

    (small, _), (large, found) = register(5), register(25)
    assert len(large) == len(small), "\n".join(large)
    alerts = [f for f in found if f[3] == "threshold"]
    assert len(alerts) == 50 and all("6 neuvazhitelni" in f[10] for f in alerts if f[2] == "sms")
    # ... and the same alerts as one call per absence
    for n, sid in enumerate(kid_ids):
        enqueue_for_students(
            [sid], NotifyEvent.ABSENCE, school_id=school_id, object_type="absence",
            object_id=2500 + n,
            payload={"date": TODAY, "period": 6, "kind": "unexcused", "subject": "Физика"},
        )  # fmt: skip
    db.session.flush()
    one_by_one = [snapshot(r) for r in rows(event_type=NotifyEvent.THRESHOLD)]
    db.session.rollback()
    assert sorted(one_by_one, key=repr) == sorted(alerts, key=repr)


def test_the_staff_column_writes_what_single_saves_write(demo_any: Flask) -> None:
    curriculum = db.session.scalar(
        sa.select(Curriculum)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(Curriculum.teacher_id.is_not(None), SchoolClass.grade_level == 9)
        .order_by(Curriculum.id)
    )
    actor = core.Actor.load(curriculum.teacher_id, curriculum.school_id)
    sids = [e.student_id for e in core.active_enrollments(curriculum.class_id)]
    typed = ["6", "5,50", "2", "4", "3,75"]
    values = {sid: typed[n % len(typed)] for n, sid in enumerate(sids)}

    def rows_of(grades: list[Any]) -> list[tuple[Any, ...]]:
        rename = {g.id: f"pupil{g.student_id}" for g in grades}
        found = db.session.scalars(
            sa.select(NotificationOutbox).where(
                NotificationOutbox.object_type == "grade",
                NotificationOutbox.object_id.in_(list(rename)),
            )
        ).all()
        return sorted((snapshot(r, rename) for r in found), key=repr)

    column = grades_uc.save_grade_column(
        actor, curriculum.id, kind="current", date="2026-11-25", values=values
    )
    singles = [
        grades_uc.record_grade(
            actor, curriculum.id, sid, kind="current", date="2026-11-25", value=value
        )
        for sid, value in values.items()
    ]
    assert len(column) == len(singles) == len(sids)
    by_column = rows_of(column)
    assert by_column and by_column == rows_of(singles)


def test_excusing_many_cancels_their_pending_messages_at_once(any_app: Flask) -> None:
    school = make_school()
    kids = pupils(school, 3)
    db.session.commit()
    for n, kid in enumerate(kids):
        enqueue_for_students(
            [kid.id], NotifyEvent.ABSENCE, school_id=school.id, object_type="absence",
            object_id=500 + n, payload={"date": "2026-11-25", "kind": "unexcused"},
        )  # fmt: skip
    db.session.commit()
    with counted_statements() as statements:
        assert cancel_for_objects("absence", [500, 501, 501]) == 4
    assert len(statements) == 1
    db.session.commit()
    by_object = {r.object_id: r.status for r in rows()}
    assert by_object == {
        500: OutboxStatus.CANCELLED,
        501: OutboxStatus.CANCELLED,
        502: OutboxStatus.PENDING,
    }


# --- school-wide: one message per parent ---------------------------------------------------------------
def test_a_parent_of_two_gets_one_sms_and_one_email_for_a_school_event(demo_any: Flask) -> None:
    first, second = pupils_of_two_classes(1)
    guardian = parent_of(first, second)
    event = events_uc.save_event(
        admin_of(1), kind=EventKind.OTHER.value, title="Патронен празник",
        date="2026-12-08", time="10:00", class_id=None,
    )  # fmt: skip
    mine = rows(guardian_id=guardian.id, object_type="event", object_id=event.id)
    assert channels(mine) == ["email", "sms"]
    for row in mine:
        assert row.student_id is None and "student" not in row.payload
        for name in (first.first_name, second.first_name):
            assert name not in row.body and name not in row.subject
            assert transliterate(name) not in row.body
    sms = next(r for r in mine if r.channel is Channel.SMS)
    assert sms.body == "Patronen praznik na 08.12 10:00. Belezhnik"
    assert segments(sms.body) == ("GSM-7", 1) and sms.segments == 1
    email = next(r for r in mine if r.channel is Channel.EMAIL)
    school_name = db.session.get(School, 1).name
    assert email.subject == f"Бележник: Предстоящо събитие — {school_name}"
    # nobody in the school hears of it twice on one channel
    every = rows(object_type="event", object_id=event.id)
    pairs = [(r.guardian_id, r.channel) for r in every]
    assert len(pairs) == len(set(pairs)) and len(every) > len(mine)
    # a class event stays per child: the child is named
    klass = events_uc.save_event(
        admin_of(1), kind=EventKind.OTHER.value, title="Контролна", date="2026-12-09",
        class_id=class_of(first),
    )  # fmt: skip
    told = rows(guardian_id=guardian.id, object_type="event", object_id=klass.id)
    assert channels(told) == ["email", "sms"]
    assert all(r.student_id == first.id and r.payload["student"] == first.first_name for r in told)


def test_a_parent_with_a_child_in_each_of_two_schools_gets_one_per_school(
    demo_any: Flask,
) -> None:
    here, _ = pupils_of_two_classes(1)
    there, _ = pupils_of_two_classes(2)
    guardian = parent_of(here, there)
    events = [
        events_uc.save_event(
            admin_of(school_id),
            kind=EventKind.HOLIDAY.value,
            title="Ден на народните будители",
            date="2026-12-01",
            class_id=None,
        )  # fmt: skip
        for school_id in (1, 2)
    ]
    for school_id, event in zip((1, 2), events, strict=True):
        mine = rows(guardian_id=guardian.id, object_type="event", object_id=event.id)
        assert channels(mine) == ["email", "sms"]
        assert {r.school_id for r in mine} == {school_id}
        name = db.session.get(School, school_id).name
        assert all(r.payload["school"] == name for r in mine)
    assert len(rows(guardian_id=guardian.id)) == 4


def test_a_school_meeting_and_its_reminder_once_per_parent(demo_any: Flask) -> None:
    first, second = pupils_of_two_classes(1)
    guardian = parent_of(first, second)
    meeting = events_uc.save_meeting(
        admin_of(1), class_id=None, date="2026-11-26", time="18:00", place="Актова зала"
    )
    mine = rows(guardian_id=guardian.id, object_type="meeting", object_id=meeting.id)
    assert channels(mine) == ["email", "sms"]
    sms = next(r for r in mine if r.channel is Channel.SMS)
    assert sms.body == "Roditelska sreshta: 26.11 18:00, Aktova zala. Belezhnik"
    meeting_reminders(TODAY)
    reminders = rows(guardian_id=guardian.id, object_type="meeting_reminder", object_id=meeting.id)
    assert channels(reminders) == ["email", "sms"]
    assert all(r.student_id is None for r in reminders)


def test_editing_and_calling_off_a_school_event(demo_any: Flask) -> None:
    first, second = pupils_of_two_classes(1)
    guardian = parent_of(first, second)
    admin = admin_of(1)

    def save(event_id: int | None = None, **changes: Any) -> Any:
        fields = {"kind": EventKind.SCHOOL_EVENT.value, "title": "Коледен концерт",
                  "date": "2026-12-18", "time": "17:00", "class_id": None, **changes}  # fmt: skip
        return events_uc.save_event(admin, event_id=event_id, **fields)

    def pending(event_id: int, **where: Any) -> list[NotificationOutbox]:
        return rows(object_type="event", object_id=event_id, status=OutboxStatus.PENDING, **where)

    event = save()
    before = len(rows(object_type="event", object_id=event.id))
    # a new time: the waiting messages are updated, not doubled
    save(event.id, time="18:00")
    assert len(rows(object_type="event", object_id=event.id)) == before
    mine = pending(event.id, guardian_id=guardian.id)
    assert channels(mine) == ["email", "sms"]
    assert all(r.payload["time"] == "18:00" for r in mine)
    # moved to the first child's class: told per child, nothing stale left for the others
    first_class = class_of(first)
    save(event.id, class_id=first_class)
    in_class = set(
        db.session.scalars(
            sa.select(Enrollment.student_id).where(
                Enrollment.class_id == first_class, Enrollment.left_on.is_(None)
            )
        )
    )
    waiting = pending(event.id)
    assert waiting and all(r.student_id in in_class for r in waiting)
    mine = pending(event.id, guardian_id=guardian.id)
    assert channels(mine) == ["email", "sms"]
    assert all(r.payload["student"] == first.first_name for r in mine)
    # back to the whole school: one message per parent again
    save(event.id)
    mine = pending(event.id, guardian_id=guardian.id)
    assert channels(mine) == ["email", "sms"] and all(r.student_id is None for r in mine)
    # called off before anything left: all cancelled, nobody told it is off
    events_uc.delete_event(admin, event.id, reason="Ремонт на залата")
    assert not pending(event.id)
    assert not rows(object_type="event-off", object_id=event.id)

    # the messages of a second one went out: calling it off is told once per parent too
    told = save(title="Благотворителен базар")
    db.session.execute(
        sa.update(NotificationOutbox)
        .where(NotificationOutbox.object_type == "event", NotificationOutbox.object_id == told.id)
        .values(status=OutboxStatus.SENT)
    )
    db.session.commit()
    events_uc.delete_event(admin, told.id, reason="Грипна ваканция")
    off = rows(object_type="event-off", object_id=told.id, guardian_id=guardian.id)
    assert channels(off) == ["email", "sms"]
    sms = next(r for r in off if r.channel is Channel.SMS)
    assert sms.student_id is None
    assert sms.body == "OTMENENO: Blagotvoritelen bazar na 18.12 17:00. Belezhnik"


# --- texts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "latin", "expected"),
    [
        ({"title": "Патронен празник", "date": "2026-12-08", "time": "10:00"}, True,
         "Patronen praznik na 08.12 10:00. Belezhnik"),
        ({"title": "Патронен празник", "date": "2026-12-08", "time": "10:00"}, False,
         "Патронен празник на 08.12 10:00. Belezhnik"),
        ({"student": "Иван", "title": "Контролна", "date": "2026-12-08"}, True,
         "Ivan: Kontrolna na 08.12. Belezhnik"),
    ],
)  # fmt: skip
def test_event_text_names_a_child_only_when_it_is_about_one(payload, latin, expected) -> None:  # type: ignore[no-untyped-def]
    text = messages.sms_text(NotifyEvent.EVENT, payload, latin)
    assert text == expected and segments(text)[1] == 1
    school = {**payload, "school": "СУ „Христо Ботев“"}
    subject = messages.email_subject(NotifyEvent.EVENT, school)
    assert subject.endswith(payload.get("student") or "СУ „Христо Ботев“")
