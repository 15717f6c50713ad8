"""What the families get of the pupil's record: the child's page in the portal (sanctions, support,
notes — never another child's), the phone line's menu 4 (signed webhooks), the SANCTION notices
by preference (SMS in one segment, e-mail)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from gradebook import class_notes
from gradebook import core
from gradebook import sanctions
from gradebook import support
from ivr import content
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import Guardian
from models import NotifyEvent
from models import SchoolClass
from notify import messages
from notify import outbox
from notify.sms import segments
from tests.conftest import form_post
from tests.test_pupil_record import SANCTION
from tests.test_pupil_record import pupils
from tests.test_pupil_record import teacher_of

WED = dt.date(2026, 11, 25)


def only_child_guardian(min_level: int = 4) -> tuple[Guardian, int, SchoolClass]:
    """A demo parent of school 1 with one child, in a class of IV–XII, with a phone."""
    for guardian in db_guardians():
        links = list(guardian.links)
        if len(links) != 1 or not guardian.phone:
            continue
        klass = core.student_class(links[0].student_id)
        if klass is not None and klass.grade_level >= min_level and klass.school_id == 1:
            return guardian, links[0].student_id, klass
    raise AssertionError("the demo has a parent of one child in IV–XII")


def db_guardians() -> list[Guardian]:
    from models import db

    return list(db.session.scalars(sa.select(Guardian).order_by(Guardian.id)))


def test_parent_sees_own_childs_record_and_no_other(demo_client, demo_app: Flask) -> None:
    guardian, sid, klass = only_child_guardian()
    me = teacher_of(klass)
    sanctions.save_sanction(me, student_id=sid, **SANCTION)
    support.save_support(
        me, student_id=sid, difficulties=[1], team=[me.staff_id], start_date="2026-11-01",
        end_date="2027-06-30", description="Подкрепа по четене",
    )  # fmt: skip
    support.save_individual_work(
        me, student_id=sid, date="2026-11-24", activity="Четене с разбиране"
    )
    class_notes.save_note(me, class_id=klass.id, date="2026-11-24", text="Класът е на екскурзия")
    classmate = next(p for p in pupils(klass) if p != sid)
    class_notes.save_note(
        me, class_id=klass.id, date="2026-11-24", text="Бележка за съученик", student_id=classmate
    )
    support.save_support(
        me, student_id=classmate, difficulties=[4], team=[me.staff_id], start_date="2026-11-01",
        end_date="2027-06-30", description="Чужда подкрепа",
    )  # fmt: skip
    form_post(demo_client, "/login", {"email": guardian.email, "password": "demo1234"})
    html = demo_client.get(f"/child/{sid}").get_data(as_text=True)
    for seen in ("Санкции", "Забележка", "РД-09-77", "Подкрепа по четене", "Четене с разбиране",
                 "Класът е на екскурзия", "Затруднения в обучението"):  # fmt: skip
        assert seen in html, seen
    for unseen in ("Бележка за съученик", "Чужда подкрепа", "Хронично заболяване"):
        assert unseen not in html, unseen
    assert demo_client.get(f"/child/{classmate}").status_code == 404


def test_phone_menu_four_names_the_sanction() -> None:
    summary = {
        "sanctions": [
            {"kind": 1, "date": "2026-11-25", "cancelled": False},
            {"kind": 3, "date": "2026-10-01", "cancelled": True},
        ],
        "remarks": [],
    }
    said = content.remarks(summary, WED)
    assert said[0] == "Наложена е санкция „забележка“ от днес."
    assert said[1].startswith("Санкцията „предупреждение за преместване в друго училище“ от ")
    assert said[1].endswith(" е отменена.")
    assert said[2] == "Няма забележки и похвали."
    assert content.remarks({"remarks": []}, WED) == ["Няма забележки и похвали."]


def test_a_call_hears_the_sanction(demo_app: Flask) -> None:
    guardian, sid, klass = only_child_guardian()
    sanctions.save_sanction(
        teacher_of(klass),
        student_id=sid,
        **{**SANCTION, "order_date": "2026-11-24", "start_date": "2026-11-24"},
    )
    call = PhoneCall(FlaskTransport(demo_app), from_number=guardian.phone)
    call.start()
    call.press("2580#")
    turn = call.press("4")
    assert turn.status == 200
    assert "Наложена е санкция „забележка“ от вчера." in turn.said
    assert not any(ch.isdigit() for line in turn.said for ch in line)


def test_sanction_notice_by_preference(demo_app: Flask) -> None:
    assert NotifyEvent.SANCTION in outbox.PREFERENCE_EVENTS
    assert messages.EVENT_LABELS_BG[NotifyEvent.SANCTION] == "Санкции"
    for kind in range(1, 6):
        payload = {"student": "Александра", "kind": kind, "date": "2026-11-25",
                   "order_number": "РД-09-123/25.11.2026"}  # fmt: skip
        assert segments(messages.sms_text(NotifyEvent.SANCTION, payload))[1] == 1
        cancelled = {**payload, "cancelled": True, "cancel_order_number": "РД-09-140",
                     "cancel_date": "2026-12-01"}  # fmt: skip
        assert segments(messages.sms_text(NotifyEvent.SANCTION, cancelled))[1] == 1
    line = messages.line(
        NotifyEvent.SANCTION,
        {"student": "Иван", "kind": 1, "date": "2026-11-25", "order_number": "12"},
    )
    assert line == "Иван: санкция „забележка“ от 25.11, заповед № 12"
    assert (
        messages.email_subject(NotifyEvent.SANCTION, {"student": "Иван"})
        == "Бележник: Санкция — Иван"
    )


def test_a_parent_who_turned_sanctions_off_gets_none(demo_app: Flask) -> None:
    from models import Channel
    from models import NotificationPreference
    from models import db

    guardian, sid, klass = only_child_guardian()
    for channel in (Channel.SMS, Channel.EMAIL):
        db.session.add(
            NotificationPreference(
                guardian_id=guardian.id,
                event_type=NotifyEvent.SANCTION,
                channel=channel,
                enabled=False,
            )
        )
    db.session.commit()
    row = sanctions.save_sanction(teacher_of(klass), student_id=sid, **SANCTION)
    from tests._helpers import outbox_rows

    assert not [n for n in outbox_rows("sanction", row.id) if n.guardian_id == guardian.id]
