"""A parent's note by phone (menu key 8), through the signed webhooks: by keys and by speech,
read back before it is sent, refused at the school's limit, cancelled; it covers the day for the
outbound "not at school" call (``note_covers``) and shows in the call log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from gradebook import parent_notes
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from ivr.speech import number_words
from models import AuditLog
from models import CallSession
from models import NoteChannel
from models import NoteStatus
from models import ParentNote
from models import School
from models import db
from tests.conftest import TODAY
from tests.conftest import login_staff
from tests.test_ivr_calls import PIN
from tests.test_ivr_calls import parent

PARENT = "roditel1@sou1.demo.bg"
OFFER = "За да съобщите на училището, че {name} отсъства днес, натиснете осем."


def _dial(demo_app: Flask) -> tuple[PhoneCall, object]:
    number, (child,) = parent(PARENT)
    call = PhoneCall(FlaskTransport(demo_app), from_number=number)
    call.start()
    turn = call.press(PIN + "#")
    assert OFFER.format(name=child.first_name) in turn.said
    return call, child


def test_a_note_for_today_by_keys(demo_app: Flask) -> None:
    call, child = _dial(demo_app)
    left_before = parent_notes.days_left(child.id)  # type: ignore[attr-defined]
    assert left_before >= 3  # the demo child has days left (some may be used already)
    turn = call.press("8")
    assert turn.said == [
        "Ако детето отсъства днес, натиснете едно. Ако ще отсъства утре – две. За менюто – звездичка."
    ]
    assert call.press("1").said[0].startswith("За целия ден натиснете едно.")
    assert call.press("1").said[0].startswith("Причината: здравословни")
    turn = call.press("2")
    assert turn.said[0] == (
        f"{child.first_name} отсъства днес, сряда, двадесет и пети ноември, целия ден, "  # type: ignore[attr-defined]
        "по семейни причини."
    )
    assert turn.said[1].startswith("За да изпратите бележката, натиснете едно.")
    turn = call.press("1")
    assert turn.said[0].startswith("Бележката е изпратена на класния ръководител.")
    assert turn.said[1] == (
        f"За тази учебна година остават {number_words(left_before - 1)} дни "
        "за извиняване с бележка."
    )
    assert not any(ch.isdigit() for line in turn.said for ch in line)
    note = db.session.scalars(sa.select(ParentNote).where(ParentNote.student_id == child.id)).one()  # type: ignore[attr-defined]
    assert note.channel == NoteChannel.PHONE and note.status == NoteStatus.PENDING
    assert note.starts_on == note.ends_on == TODAY and note.from_period is None
    session = db.session.scalars(sa.select(CallSession)).one()
    assert note.call_session_id == session.id and "8" in session.menus
    assert session.data["notes"][0]["id"] == note.id
    assert (
        db.session.scalars(sa.select(AuditLog).where(AuditLog.object_type == "parent_note"))
        .one()
        .reason
        == "parent note (phone)"
    )
    # the outbound "not at school" call asks this before calling the family
    assert parent_notes.note_covers(child.id, TODAY, 1)  # type: ignore[attr-defined]
    assert parent_notes.note_covers(child.id, TODAY, None)  # type: ignore[attr-defined]
    # the same day again: refused, the call goes on
    call.press("8")
    call.press("1")
    call.press("1")
    call.press("3")
    turn = call.press("1")
    assert turn.said[0] == "За този ден вече има изпратена бележка."
    # the admin's call log shows the note and what was said
    admin = demo_app.test_client()
    login_staff(admin, "direktor@sou1.demo.bg")
    page = admin.get("/ivr/calls").get_data(as_text=True)
    assert "25.11.2026, целия ден, семейни — очаква потвърждение" in page
    assert "вече има бележка" in page and "бележка за отсъствие" in page


def test_a_note_for_tomorrow_by_speech_from_a_lesson_on(demo_app: Flask) -> None:
    call, child = _dial(demo_app)
    assert call.say("искам да извиня отсъствие").said[0].startswith("Ако детето отсъства днес")
    assert call.say("утре").said[0].startswith("За целия ден")
    assert call.say("от определен час").said[0].startswith("Натиснете от кой час")
    assert call.say("от третия час").said[0].startswith("Причината")
    turn = call.say("по семейни причини")
    assert turn.said[0] == (
        f"{child.first_name} отсъства утре, четвъртък, двадесет и шести ноември, "  # type: ignore[attr-defined]
        "от трети час нататък, по семейни причини."
    )
    turn = call.say("да")
    assert turn.said[0].startswith("Бележката е изпратена")
    note = db.session.scalars(sa.select(ParentNote).where(ParentNote.student_id == child.id)).one()  # type: ignore[attr-defined]
    tomorrow = TODAY + dt.timedelta(days=1)
    assert note.starts_on == tomorrow and note.from_period == 3
    assert not parent_notes.note_covers(child.id, tomorrow, 2)  # type: ignore[attr-defined]
    assert parent_notes.note_covers(child.id, tomorrow, 3)  # type: ignore[attr-defined]
    said = db.session.scalars(sa.select(CallSession)).one().data["said"]
    assert [s["key"] for s in said] == ["8", "2", "2", "3", "2", "1"]


def test_limit_reached_and_cancel(demo_app: Flask) -> None:
    call, child = _dial(demo_app)
    school = db.session.get(School, child.school_id)  # type: ignore[attr-defined]
    assert school is not None
    school.parent_excuse_days_year = 0
    db.session.commit()
    for key in "8112":
        call.press(key)
    turn = call.press("1")
    assert turn.said[0] == (
        "Бележката не е изпратена: за тази учебна година остават само нула дни за извиняване "
        "с бележка. Обърнете се към класния ръководител."
    )
    assert (
        db.session.scalars(sa.select(ParentNote).where(ParentNote.student_id == child.id)).all()
        == []
    )  # type: ignore[attr-defined]
    for key in "8112":
        call.press(key)
    turn = call.press("*")
    assert turn.said[0] == "Бележката не е изпратена."
    assert turn.said[-1].startswith("За последните оценки")
    assert (
        db.session.scalars(sa.select(ParentNote).where(ParentNote.student_id == child.id)).all()
        == []
    )  # type: ignore[attr-defined]


def test_a_note_for_a_preparatory_group_child_is_for_the_day(demo_app: Flask) -> None:
    number, (child,) = parent("roditel.pg@sou1.demo.bg")
    call = PhoneCall(FlaskTransport(demo_app), from_number=number)
    call.start()
    call.press(PIN + "#")
    call.press("8")
    # no "the whole day or from a lesson on": a ПГ group has no lessons
    assert call.press("1").said[0].startswith("Причината: здравословни")
    turn = call.press("1")
    assert "целия ден" in turn.said[0]
    assert call.press("1").said[0].startswith("Бележката е изпратена на класния ръководител.")
    note = db.session.scalars(
        sa.select(ParentNote).where(
            ParentNote.student_id == child.id, ParentNote.channel == NoteChannel.PHONE
        )
    ).one()
    assert note.from_period is None and note.starts_on == TODAY
