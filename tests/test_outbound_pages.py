"""The admin's pages of the outbound calls on the demo school: settings, a school-wide voice
message (preview, send, live status), the delivery ledger, the contacts to fix; who may not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from ivr import outbound
from models import Enrollment
from models import NoticePurpose
from models import NotificationOutbox
from models import OutboundCall
from models import OutboundNotice
from models import OutboundSettings
from models import SchoolClass
from models import VoiceBroadcast
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff

PAGE = "/staff/admin/calls-out"


def _post(client: FlaskClient, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_admin_previews_sends_and_follows_a_voice_message(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    assert login_staff(demo_client, "direktor@sou1.demo.bg").status_code == 302
    page = demo_client.get(PAGE)
    assert page.status_code == 200 and "Гласово съобщение" in page.get_data(as_text=True)
    klass = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.school_id == 1).limit(1))
    assert klass is not None
    digits = _post(demo_client, f"{PAGE}/broadcast",
                   {"text": "Утре в 8 часа", "class_ids": klass.id, "action": "preview"})  # fmt: skip
    assert digits.status_code == 422 and "с думи" in digits.get_data(as_text=True)
    text = "Утре училището е затворено заради ремонт."
    demo_sent = db.session.scalar(sa.select(sa.func.count()).select_from(VoiceBroadcast))
    preview = _post(demo_client, f"{PAGE}/broadcast",
                    {"text": text, "class_ids": klass.id, "action": "preview"})  # fmt: skip
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "семейства" in body and "Изпрати на" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VoiceBroadcast)) == demo_sent
    sent = _post(demo_client, f"{PAGE}/broadcast",
                 {"text": text, "class_ids": klass.id, "action": "send"})  # fmt: skip
    assert sent.status_code == 302
    broadcast = _newest()
    assert broadcast is not None and broadcast.families > 0
    notices = db.session.scalars(
        sa.select(OutboundNotice).where(OutboundNotice.broadcast_id == broadcast.id)
    ).all()
    assert len(notices) == broadcast.families
    assert {n.purpose for n in notices} == {NoticePurpose.BROADCAST}
    in_class = set(
        db.session.scalars(sa.select(Enrollment.student_id).where(Enrollment.class_id == klass.id))
    )
    assert all(set(n.student_ids) <= in_class for n in notices)
    # no Twilio account in the demo: the worker "places" the calls in the phone simulator
    demo_app.config["OUTBOUND_CALLS_PER_SECOND"] = 1000
    outbound.run_pass("w1", limit=1000)
    db.session.expire_all()
    placed = sa.select(sa.func.count()).where(OutboundCall.notice_id.in_([n.id for n in notices]))
    assert db.session.scalar(placed) == len(notices)
    live = demo_client.get(f"{PAGE}/{broadcast.id}")
    html = live.get_data(as_text=True)
    assert live.status_code == 200 and "Как върви" in html and "звъни" in html
    assert 'data-refresh="10"' in html
    ledger = demo_client.get(f"{PAGE}/ledger")
    assert ledger.status_code == 200 and "обаждане" in ledger.get_data(as_text=True)
    student = notices[0].student_ids[0]
    assert demo_client.get(f"{PAGE}/ledger?student={student}").status_code == 200


def _newest() -> VoiceBroadcast | None:
    return db.session.scalar(sa.select(VoiceBroadcast).order_by(VoiceBroadcast.id.desc()).limit(1))


def test_the_demo_school_shows_past_calls_out(demo_app: Flask, demo_client: FlaskClient) -> None:
    """gradebook/demo/outbound.py: a "not at school" round (answers 1 and 2) and a school-wide
    message with every result, on the admin's pages and in that day's lesson register."""
    from ivr.absence_calls import answers

    login_staff(demo_client, "direktor@sou1.demo.bg")
    demo = db.session.scalar(
        sa.select(VoiceBroadcast).where(VoiceBroadcast.school_id == 1).order_by(VoiceBroadcast.id)
    )
    assert demo is not None and "водопровода" in demo.text
    page = demo_client.get(PAGE).get_data(as_text=True)
    assert "водопровода" in page and "Дежурен заместник-директор" in page
    live = demo_client.get(f"{PAGE}/{demo.id}").get_data(as_text=True)
    for label in ("чул съобщението", "телефонен секретар", "заето", "не вдига", "неуспешно"):
        assert label in live, label
    ledger = demo_client.get(f"{PAGE}/ledger").get_data(as_text=True)
    assert "обаждане" in ledger and "delivered" in ledger
    assert "+359" in demo_client.get(PAGE).get_data(as_text=True)  # the failed number to fix
    rounds = db.session.scalars(
        sa.select(OutboundNotice).where(
            OutboundNotice.school_id == 1, OutboundNotice.purpose == NoticePurpose.NOT_AT_SCHOOL
        )
    ).all()
    assert {n.answer for n in rounds} == {"1", "2", None}
    for notice in rounds:  # shown in that day's lesson register and class teacher's page
        (pupil,) = notice.student_ids
        assert answers(1, notice.day, [pupil])[pupil]["answer"] == notice.answer
    told = db.session.scalars(
        sa.select(NotificationOutbox.to_address).where(
            NotificationOutbox.object_type == "outbound",
            NotificationOutbox.guardian_id.is_(None),
            NotificationOutbox.school_id == 1,
        )
    ).all()
    assert "dejuren@sou1.demo.bg" in told  # key 2 told the duty contact


def test_settings_are_checked_and_saved(demo_app: Flask, demo_client: FlaskClient) -> None:
    login_staff(demo_client, "direktor@sou1.demo.bg")
    early = _post(demo_client, f"{PAGE}/settings",
                  {"absence_calls": "y", "absence_call_time": "07:00", "retry_rounds": 3,
                   "retry_minutes": 10})  # fmt: skip
    assert early.status_code == 422 and "08:00" in early.get_data(as_text=True)
    bad_phone = _post(demo_client, f"{PAGE}/settings",
                      {"absence_calls": "y", "absence_call_time": "10:00", "retry_rounds": 3,
                       "retry_minutes": 10, "duty_phone": "12"})  # fmt: skip
    assert bad_phone.status_code == 422
    saved = _post(demo_client, f"{PAGE}/settings",
                  {"absence_calls": "y", "absence_call_time": "10:15", "retry_rounds": 2,
                   "retry_minutes": 5, "duty_name": "Дежурен", "duty_phone": "0888 123 456",
                   "duty_email": "Dejuren@Example.bg", "duty_channel": "sms"})  # fmt: skip
    assert saved.status_code == 302
    row = db.session.scalar(sa.select(OutboundSettings).where(OutboundSettings.school_id == 1))
    assert row is not None and row.duty_phone == "+359888123456"
    assert row.duty_email == "dejuren@example.bg" and row.retry_rounds == 2
    assert row.duty_channel == "sms"
    page = demo_client.get(PAGE).get_data(as_text=True)
    assert '<option selected value="sms">' in page or 'value="sms" selected' in page
    unknown = _post(demo_client, f"{PAGE}/settings",
                    {"absence_calls": "y", "absence_call_time": "10:15", "retry_rounds": 2,
                     "retry_minutes": 5, "duty_channel": "fax"})  # fmt: skip
    assert unknown.status_code == 422


def test_teachers_and_other_schools_get_nothing(demo_app: Flask, demo_client: FlaskClient) -> None:
    broadcast = VoiceBroadcast(school_id=1, text="Тайно съобщение", families=1)
    db.session.add(broadcast)
    db.session.commit()
    login_staff(demo_client, "uchitel13@sou1.demo.bg")
    assert demo_client.get(PAGE).status_code == 403
    assert demo_client.get(f"{PAGE}/{broadcast.id}").status_code == 403
    demo_client.post("/staff/logout")
    login_staff(demo_client, "direktor@sou2.demo.bg")
    assert demo_client.get(f"{PAGE}/{broadcast.id}").status_code == 404
    pupil = db.session.scalar(sa.select(Enrollment.student_id).where(Enrollment.school_id == 1))
    assert demo_client.get(f"{PAGE}/ledger?student={pupil}").status_code == 404
    other_class = db.session.scalar(sa.select(SchoolClass.id).where(SchoolClass.school_id == 1))
    foreign = _post(demo_client, f"{PAGE}/broadcast",
                    {"text": "Опит", "class_ids": other_class, "action": "send"})  # fmt: skip
    assert foreign.status_code == 422  # not a choice of this school's form
    assert "Тайно съобщение" not in demo_client.get(PAGE).get_data(as_text=True)


def test_the_phone_simulator_rings_for_a_demo_parent(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    demo_app.config.update(IVR_SIMULATOR=True, OUTBOUND_CALLS_PER_SECOND=1000)
    assert demo_client.get("/ivr/simulator/outbound").status_code == 404  # signed out
    login_staff(demo_client, "direktor@sou1.demo.bg")
    klass = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.school_id == 1).limit(1))
    assert klass is not None
    text = "Утре учениците излизат по-рано."
    _post(demo_client, f"{PAGE}/broadcast", {"text": text, "class_ids": klass.id, "action": "send"})
    outbound.run_pass("w1", limit=1000)
    page = demo_client.get("/ivr/simulator")
    assert "Входящи обаждания от Бележник" in page.get_data(as_text=True)
    ringing = demo_client.get("/ivr/simulator/outbound").get_json()
    assert ringing and ringing[0]["status"] == "ringing"
    call_id = ringing[0]["id"]
    answered = demo_client.post(f"/ivr/simulator/outbound/{call_id}", json={"op": "answer"})
    said = " ".join(answered.get_json()["said"])
    assert text in said and "натиснете едно" in said
    pressed = demo_client.post(
        f"/ivr/simulator/outbound/{call_id}", json={"op": "press", "digits": "1"}
    ).get_json()
    assert pressed["hung_up"] and "Благодарим" in " ".join(pressed["said"])
    db.session.expire_all()
    call = db.session.get(OutboundCall, call_id)
    assert call is not None and call.status.value == "ended" and call.result == "reached"
    notice = db.session.get(OutboundNotice, call.notice_id)
    assert notice is not None and notice.state.value == "reached"
    # another school's staff sees none of it
    demo_client.post("/staff/logout")
    login_staff(demo_client, "direktor@sou2.demo.bg")
    assert demo_client.get("/ivr/simulator/outbound").get_json() == []
    other = demo_client.post(f"/ivr/simulator/outbound/{call_id}", json={"op": "busy"})
    assert other.status_code == 404


def _pages_with_data(demo_app: Flask, demo_client: FlaskClient) -> list[object]:
    """The outbound pages with rows in them (the crawl of test_standards_pages finds them
    empty): a sent message live, the ledger, the preview."""
    from tests.standards import Page

    demo_app.config["OUTBOUND_CALLS_PER_SECOND"] = 1000
    login_staff(demo_client, "direktor@sou1.demo.bg")
    klass = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.school_id == 1).limit(1))
    assert klass is not None
    data = {"text": "Утре училището е затворено.", "class_ids": klass.id}
    preview = _post(demo_client, f"{PAGE}/broadcast", {**data, "action": "preview"})
    _post(demo_client, f"{PAGE}/broadcast", {**data, "action": "send"})
    outbound.run_pass("w1", limit=1000)
    broadcast = _newest()
    assert broadcast is not None
    pages = [Page("admin", f"{PAGE}/broadcast", 200, preview.get_data(as_text=True),
                  dict(preview.headers))]  # fmt: skip
    for url in (f"{PAGE}/{broadcast.id}", f"{PAGE}/ledger", PAGE):
        response = demo_client.get(url)
        assert response.status_code == 200
        pages.append(
            Page("admin", url, 200, response.get_data(as_text=True), dict(response.headers))
        )
    return pages


def test_the_outbound_pages_with_data_are_valid_html(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    from tests.standards import describe_nu
    from tests.standards import nu_messages
    from tests.standards import vnu_jar

    if vnu_jar()[0] is None:
        pytest.skip(vnu_jar()[1])
    pages = _pages_with_data(demo_app, demo_client)
    errors = [describe_nu(p, m) for p, m in nu_messages(pages) if m.get("type") == "error"]  # type: ignore[arg-type]
    assert not errors, "\n".join(errors)


@pytest.mark.browser
def test_the_outbound_pages_with_data_pass_axe(demo_app: Flask, demo_client: FlaskClient) -> None:
    from tests.conftest import launch_chromium
    from tests.standards import axe_source
    from tests.standards import axe_violations

    axe, missing = axe_source()
    if axe is None:
        pytest.skip(missing)
    pages = _pages_with_data(demo_app, demo_client)
    with launch_chromium() as browser:
        found = axe_violations(browser, demo_client, pages, axe)  # type: ignore[arg-type]
    assert not found, "\n".join(found)
