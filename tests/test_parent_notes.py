"""Parents' notes end to end: a parent sends one in the portal (with a photo or PDF of a
medical note), the class teacher confirms or refuses it from the class's notes page, the
absences in the range are excused (now and as the register is taken later), the parent is told;
the limits of the school; the "not at school" question ``note_covers``; attackers' ids."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from gradebook import core
from gradebook import note_documents
from gradebook import parent_notes
from gradebook.core import Actor
from models import Absence
from models import AbsenceKind
from models import AuditLog
from models import Enrollment
from models import GuardianStudent
from models import NoteChannel
from models import NoteStatus
from models import NotificationOutbox
from models import NotifyEvent
from models import ParentNote
from models import School
from models import SchoolClass
from models import StaffUser
from models import Student
from models import TimetableSlot
from models import db
from tests.conftest import TODAY
from tests.conftest import csrf_from
from tests.conftest import login_staff
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"


def my_child() -> Student:
    student = db.session.get(Student, child_ids(ME)[0])
    assert student is not None
    return student


def class_of(student_id: int) -> SchoolClass:
    klass = core.student_class(student_id)
    assert klass is not None
    return klass


def class_teacher(student_id: int) -> StaffUser:
    teacher = db.session.get(StaffUser, class_of(student_id).class_teacher_id)
    assert teacher is not None
    return teacher


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, format="PNG")
    return out.getvalue()


def send(client: FlaskClient, student_id: int, **fields: object) -> object:
    page = client.get(f"/child/{student_id}/notes")
    assert page.status_code == 200
    data: dict[str, object] = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "starts_on": TODAY.isoformat(),
        "ends_on": "",
        "from_period": "",
        "reason": "family",
        "comment": "",
    }
    data.update(fields)
    return client.post(f"/child/{student_id}/notes", data=data, content_type="multipart/form-data")


def notes_of(student_id: int) -> list[ParentNote]:
    return list(
        db.session.scalars(
            sa.select(ParentNote).where(ParentNote.student_id == student_id).order_by(ParentNote.id)
        )
    )


def absence_today(student: Student, period: int) -> Absence:
    klass = class_of(student.id)
    absence = Absence(
        school_id=student.school_id,
        school_year_id=klass.school_year_id,
        student_id=student.id,
        date=TODAY,
        period=period,
        term=1,
        kind=AbsenceKind.UNEXCUSED,
    )
    db.session.add(absence)
    db.session.commit()
    return absence


def decide(client: FlaskClient, note: ParentNote, action: str, **extra: str) -> object:
    klass = class_of(note.student_id)
    page = client.get(f"/staff/classes/{klass.id}/parent-notes")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "version": str(note.version),
        "class_id": str(klass.id),
        **extra,
    }
    return client.post(f"/staff/notes/{note.id}/{action}", data=data)


def test_portal_note_confirmed_excuses_the_day_and_tells_the_parent(demo_app: Flask) -> None:
    parent_client = demo_app.test_client()
    login(parent_client, ME)
    child = my_child()
    earlier = absence_today(child, 1)
    left_before = parent_notes.days_left(child.id)
    response = send(parent_client, child.id, comment="Семейно пътуване")
    assert response.status_code == 302
    page = parent_client.get(f"/child/{child.id}/notes").get_data(as_text=True)
    assert "очаква потвърждение" in page
    assert f"Остават {left_before - 1} учебни дни за тази учебна година" in page
    assert f"можете да извините още {left_before - 1} учебни дни" in page
    (note,) = notes_of(child.id)
    assert note.status == NoteStatus.PENDING and note.channel == NoteChannel.PORTAL
    assert parent_notes.note_covers(child.id, TODAY, 3)
    assert not parent_notes.note_covers(child.id, TODAY + dt.timedelta(days=1), None)
    created = db.session.scalars(
        sa.select(AuditLog).where(
            AuditLog.object_type == "parent_note", AuditLog.object_id == note.id
        )
    ).one()
    assert created.actor_type == "guardian" and created.action == "create"

    staff = demo_app.test_client()
    login_staff(staff, class_teacher(child.id).email)
    listing = staff.get(f"/staff/classes/{class_of(child.id).id}/parent-notes").get_data(
        as_text=True
    )
    assert child.full_name in listing and "Семейно пътуване" in listing
    response = decide(staff, note, "confirm")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ParentNote, note.id).status == NoteStatus.CONFIRMED  # type: ignore[union-attr]
    excused = db.session.get(Absence, earlier.id)
    assert excused is not None and excused.kind == AbsenceKind.EXCUSED
    assert excused.excused_by_parent and excused.excuse_reason is not None
    assert excused.excuse_comment == "по уважителни причини, с бележка от родител"
    told = db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.object_type == "parent_note",
            NotificationOutbox.object_id == note.id,
        )
    ).all()
    assert told and all(row.event_type == NotifyEvent.EXCUSE for row in told)
    assert "потвърдена" in (told[0].body or told[0].payload.get("status", ""))
    assert parent_notes.days_left(child.id) == left_before - 1

    # a later absence in the confirmed range is excused as the register is taken
    slot = db.session.scalars(
        sa.select(TimetableSlot).where(
            TimetableSlot.class_id == class_of(child.id).id,
            TimetableSlot.weekday == TODAY.isoweekday(),
        )
    ).first()
    assert slot is not None
    register = staff.get(f"/staff/lesson/{slot.id}?date={TODAY.isoformat()}")
    assert register.status_code == 200, register.status_code
    assert "Бележки от родители за този час" in register.get_data(as_text=True)
    staff.post(
        f"/staff/lesson/{slot.id}?date={TODAY.isoformat()}",
        data={
            "csrf_token": csrf_from(register.get_data(as_text=True)),
            "date": TODAY.isoformat(),
            f"absent{child.id}": "1",
        },
    )
    taken = db.session.scalars(
        sa.select(Absence).where(
            Absence.student_id == child.id, Absence.date == TODAY, Absence.period == slot.period
        )
    ).one()
    assert taken.kind == AbsenceKind.EXCUSED and taken.excused_by_parent
    assert not db.session.scalars(
        sa.select(NotificationOutbox).where(
            NotificationOutbox.object_type == "absence", NotificationOutbox.object_id == taken.id
        )
    ).all()


def test_refused_note_tells_the_parent_and_leaves_the_absences(demo_app: Flask) -> None:
    parent_client = demo_app.test_client()
    login(parent_client, ME)
    child = my_child()
    earlier = absence_today(child, 2)
    send(parent_client, child.id, from_period="2", reason="other")
    (note,) = notes_of(child.id)
    assert note.from_period == 2
    staff = demo_app.test_client()
    login_staff(staff, class_teacher(child.id).email)
    response = decide(staff, note, "refuse", reason="")
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(ParentNote, note.id).status == NoteStatus.PENDING  # type: ignore[union-attr]
    decide(staff, note, "refuse", reason="Няма заявление преди отсъствието")
    db.session.expire_all()
    refused = db.session.get(ParentNote, note.id)
    assert refused is not None and refused.status == NoteStatus.REFUSED
    assert db.session.get(Absence, earlier.id).kind == AbsenceKind.UNEXCUSED  # type: ignore[union-attr]
    assert not parent_notes.note_covers(child.id, TODAY, 3)
    rows = db.session.scalars(
        sa.select(NotificationOutbox).where(NotificationOutbox.object_type == "parent_note")
    ).all()
    assert rows and rows[0].event_type == NotifyEvent.EXCUSE
    page = parent_client.get(f"/child/{child.id}/notes").get_data(as_text=True)
    assert "отказана" in page and "Няма заявление преди отсъствието" in page


def test_limits_of_the_school_are_kept(demo_app: Flask) -> None:
    parent_client = demo_app.test_client()
    login(parent_client, ME)
    child = my_child()
    school = db.session.get(School, child.school_id)
    assert school is not None
    school.parent_excuse_days_in_row = 2
    db.session.commit()
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    response = send(
        parent_client, child.id, starts_on=monday.isoformat(), ends_on=TODAY.isoformat()
    )
    assert response.status_code == 400
    assert "най-много 2 учебни дни наведнъж" in response.get_data(as_text=True)
    assert notes_of(child.id) == []
    school.parent_excuse_days_in_row = 5
    school.parent_excuse_days_year = 2
    db.session.commit()
    response = send(
        parent_client, child.id, starts_on=monday.isoformat(), ends_on=TODAY.isoformat()
    )
    assert response.status_code == 400
    assert "до 2 учебни дни в годината" in response.get_data(as_text=True)
    # a note for health reasons with a medical document does not use the parent's days
    response = send(
        parent_client,
        child.id,
        starts_on=monday.isoformat(),
        ends_on=TODAY.isoformat(),
        reason="health",
        document=(io.BytesIO(png()), "belejka.png"),
    )
    assert response.status_code == 302
    (note,) = notes_of(child.id)
    assert note.days_counted == 0 and note.document_type == "image/png"
    # overlapping notes are refused
    response = send(parent_client, child.id)
    assert response.status_code == 400 and "вече има подадена бележка" in response.get_data(
        as_text=True
    )


def test_documents_are_checked_cleaned_and_shown_only_to_the_class_teacher(
    demo_app: Flask,
) -> None:
    parent_client = demo_app.test_client()
    login(parent_client, ME)
    child = my_child()
    for payload, expected in (
        (b"MZ\x90\x00 not a picture", "Приемат се само снимки"),
        (b"%PDF-1.4 /JavaScript (app.alert(1))", "скриптове"),
        (b"\x89PNG\r\n\x1a\n broken", "не може да бъде прочетен"),
    ):
        response = send(
            parent_client, child.id, reason="health", document=(io.BytesIO(payload), "x.pdf")
        )
        assert response.status_code == 400
        assert expected in response.get_data(as_text=True)
    assert notes_of(child.id) == []
    # over the size limit (a whole request is bounded by MAX_CONTENT_LENGTH before this)
    with pytest.raises(note_documents.DocumentRefused) as refused:
        note_documents.clean(b"%PDF-1.4" + b"0" * (5 * 1024 * 1024))
    assert refused.value.key == "too_big" and refused.value.values == {"mb": 5}
    # a photo with EXIF (where it was taken) is stored without it
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "GPS somewhere"
    Image.new("RGB", (20, 20), "white").save(photo, format="JPEG", exif=exif)
    response = send(
        parent_client, child.id, reason="health", document=(io.BytesIO(photo.getvalue()), "a.jpg")
    )
    assert response.status_code == 302
    (note,) = notes_of(child.id)
    assert note.document_file and note.document_file.endswith(".jpg")
    assert parent_client.get(f"/staff/notes/{note.id}/document").status_code in (302, 403)

    teacher = class_teacher(child.id)
    staff = demo_app.test_client()
    login_staff(staff, teacher.email)
    response = staff.get(f"/staff/notes/{note.id}/document")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"GPS somewhere" not in response.data
    with Image.open(io.BytesIO(response.data)) as stored:
        assert stored.format == "JPEG"
    # a teacher who is not the pupil's class teacher: no document, no decision
    other = db.session.scalar(
        sa.select(StaffUser)
        .join(SchoolClass, SchoolClass.class_teacher_id == StaffUser.id)
        .where(SchoolClass.school_id == child.school_id, SchoolClass.id != class_of(child.id).id)
        .limit(1)
    )
    assert other is not None
    outsider = demo_app.test_client()
    login_staff(outsider, other.email)
    assert outsider.get(f"/staff/notes/{note.id}/document").status_code == 403
    assert outsider.get(f"/staff/classes/{class_of(child.id).id}/parent-notes").status_code == 403
    with pytest.raises(core.Forbidden):
        parent_notes.confirm_note(Actor.load(other.id, child.school_id), note.id)
    # parents withdraw a note not yet decided; its document goes with it
    page = parent_client.get(f"/child/{child.id}/notes").get_data(as_text=True)
    parent_client.post(
        f"/child/{child.id}/notes/{note.id}/withdraw", data={"csrf_token": csrf_from(page)}
    )
    db.session.expire_all()
    gone = db.session.get(ParentNote, note.id)
    assert gone is not None and gone.status == NoteStatus.WITHDRAWN and gone.document_file is None
    assert staff.get(f"/staff/notes/{note.id}/document").status_code == 404


def test_attackers_ids(demo_app: Flask) -> None:
    parent_client = demo_app.test_client()
    login(parent_client, ME)
    mine = set(child_ids(ME))
    strangers = [
        db.session.scalar(
            sa.select(Student.id)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .join(GuardianStudent, GuardianStudent.student_id == Student.id)
            .where(Student.school_id == school_id, Student.id.not_in(mine))
            .order_by(Student.id.desc())
            .limit(1)
        )
        for school_id in (1, 2)
    ]
    for sid in strangers:
        assert parent_client.get(f"/child/{sid}/notes").status_code == 404
        page = parent_client.get(f"/child/{min(mine)}/notes").get_data(as_text=True)
        response = parent_client.post(
            f"/child/{sid}/notes",
            data={
                "csrf_token": csrf_from(page),
                "starts_on": TODAY.isoformat(),
                "reason": "family",
            },
        )
        assert response.status_code == 404
        with pytest.raises(core.NotFound):
            parent_notes.submit_note(guardian(ME).id, int(sid or 0), starts_on=TODAY,
                                     ends_on=None, from_period=None, reason="family")  # fmt: skip
    # a note of the other school cannot be confirmed, refused or read by this school's staff
    other_student = db.session.get(Student, strangers[1])
    assert other_student is not None
    link_guardian = db.session.scalar(
        sa.text("SELECT guardian_id FROM guardian_student WHERE student_id = :s LIMIT 1"),
        {"s": other_student.id},
    )
    note, _left = parent_notes.submit_note(
        int(link_guardian), other_student.id, starts_on=TODAY + dt.timedelta(days=2), ends_on=None,
        from_period=None,
        reason="family",
    )  # fmt: skip
    admin = demo_app.test_client()
    login_staff(admin, "direktor@sou1.demo.bg")
    page = admin.get("/staff/").get_data(as_text=True)
    token = csrf_from(page)
    for action in ("confirm", "refuse"):
        response = admin.post(
            f"/staff/notes/{note.id}/{action}", data={"csrf_token": token, "reason": "x"}
        )
        assert response.status_code in (302, 303, 404)
    assert admin.get(f"/staff/notes/{note.id}/document").status_code == 404
    db.session.expire_all()
    assert db.session.get(ParentNote, note.id).status == NoteStatus.PENDING  # type: ignore[union-attr]


def test_use_cases_on_both_databases(school_app: Flask) -> None:
    """Send, confirm (the absences excused, the parent told), the limit at the 16th day, on
    SQLite and PostgreSQL."""
    link = db.session.scalars(
        sa.select(GuardianStudent)
        .join(Enrollment, Enrollment.student_id == GuardianStudent.student_id)
        .where(GuardianStudent.school_id == 1, Enrollment.left_on.is_(None))
        .order_by(GuardianStudent.id)
    ).first()
    assert link is not None
    student = db.session.get(Student, link.student_id)
    assert student is not None
    db.session.execute(sa.delete(ParentNote).where(ParentNote.student_id == student.id))
    db.session.commit()
    earlier = absence_today(student, 4)
    note, left = parent_notes.submit_note(
        link.guardian_id, student.id, starts_on=TODAY, ends_on=None, from_period="3", reason="2"
    )
    assert left == parent_notes.days_left(student.id)
    teacher = class_teacher(student.id)
    excused = parent_notes.confirm_note(Actor.load(teacher.id, 1), note.id, version=note.version)
    assert excused == 1
    db.session.expire_all()
    assert db.session.get(Absence, earlier.id).kind == AbsenceKind.EXCUSED  # type: ignore[union-attr]
    assert parent_notes.note_covers(student.id, TODAY, 3)
    assert not parent_notes.note_covers(student.id, TODAY, 2)
    school = db.session.get(School, 1)
    assert school is not None
    school.parent_excuse_days_year = 1
    db.session.commit()
    with pytest.raises(core.Invalid) as refused:
        parent_notes.submit_note(
            link.guardian_id, student.id, starts_on=TODAY + dt.timedelta(days=1), ends_on=None,
            from_period=None, reason="family",
        )  # fmt: skip
    assert "остават 0" in refused.value.message_bg
    with pytest.raises(core.Invalid):  # decided already: not twice
        parent_notes.refuse_note(Actor.load(teacher.id, 1), note.id, reason="x")


def test_the_school_admin_sets_the_limits(demo_app: Flask) -> None:
    child = my_child()
    klass = class_of(child.id)
    admin = demo_app.test_client()
    login_staff(admin, "direktor@sou1.demo.bg")
    page = admin.get(f"/staff/classes/{klass.id}/parent-notes").get_data(as_text=True)
    assert "Запиши лимитите на училището" in page
    token = csrf_from(page)
    bad = admin.post(
        "/staff/notes/limits",
        data={"csrf_token": token, "days_year": "99", "days_in_row": "5", "class_id": klass.id},
        follow_redirects=True,
    )
    assert "от 0 до 60" in bad.get_data(as_text=True)
    admin.post(
        "/staff/notes/limits",
        data={"csrf_token": token, "days_year": "10", "days_in_row": "3", "class_id": klass.id},
    )
    db.session.expire_all()
    school = db.session.get(School, child.school_id)
    assert school is not None
    assert (school.parent_excuse_days_year, school.parent_excuse_days_in_row) == (10, 3)
    assert db.session.scalars(
        sa.select(AuditLog).where(AuditLog.reason == "parent note limits")
    ).one().after == {"year": 10, "in_row": 3}
    teacher = demo_app.test_client()
    login_staff(teacher, class_teacher(child.id).email)
    page = teacher.get(f"/staff/classes/{klass.id}/parent-notes").get_data(as_text=True)
    assert "Запиши лимитите" not in page and "до 10 учебни дни" in page
    response = teacher.post(
        "/staff/notes/limits",
        data={"csrf_token": csrf_from(page), "days_year": "15", "days_in_row": "5"},
    )
    assert response.status_code == 403
