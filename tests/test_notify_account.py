"""Parent registration with the student's code, PIN rules, preferences, adding a child, the
PIN page, the school creating a parent, Twilio's callbacks and the admin outbox view."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from models import Channel
from models import Guardian
from models import NotificationOutbox
from models import NotificationPreference
from models import NotifyEvent
from models import OutboxStatus
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import db
from notify.account_rules import AccountError
from notify.account_rules import pin_problem
from notify.contacts import normalize_phone
from notify.families import create_and_link_guardian
from security import check_pin
from tests._helpers import signed_post
from tests.conftest import form_post
from tests.notify_helpers import family
from tests.notify_helpers import make_school
from tests.notify_helpers import make_student
from tests.notify_helpers import rows


def latest(channel: Channel) -> NotificationOutbox:
    return rows(channel=channel, event_type=NotifyEvent.ACCOUNT)[-1]


def register(client, code: str, phone: str = "0888 123 456", email: str = "") -> object:  # type: ignore[no-untyped-def]
    return form_post(
        client,
        "/register",
        {"student_code": code, "full_name": "Мария Петрова", "phone": phone, "email": email},
    )


# --- rules -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pin", "ok"),
    [
        ("2580", True), ("7392", True), ("193847", True), ("55123", True),
        ("123", False), ("1234567", False), ("12a4", False), ("", False),
        ("0000", False), ("999999", False), ("1234", False), ("4321", False), ("012345", False),
        ("6789", False), ("1212", False), ("121212", False), ("123123", False), ("2000", False),
    ],
)  # fmt: skip
def test_pin_rules(pin: str, ok: bool) -> None:
    assert (pin_problem(pin) is None) is ok


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0888 123 456", "+359888123456"), ("+359 88 812 3456", "+359888123456"),
        ("00359888123456", "+359888123456"), ("02 987 6543", "+35929876543"),
        ("+44 20 7946 0958", "+442079460958"), ("12345", None), ("", None), ("абв", None),
    ],
)  # fmt: skip
def test_phone_numbers_are_stored_in_e164(raw: str, e164: str | None) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "valid", "possible", "parsed"),
    [
        ("0888 123 456", "+359888123456", "+359888123456", "+359888123456"),
        ("12345", None, "+35912345", "+35912345"),
        ("abc123", None, None, "+359123"),
        ("+359 1", None, None, None),
    ],
)  # fmt: skip
def test_phone_number_checks(
    raw: str, valid: str | None, possible: str | None, parsed: str | None
) -> None:
    assert normalize_phone(raw) == valid
    assert normalize_phone(raw, accept="possible") == possible
    assert normalize_phone(raw, accept="parsed") == parsed


# --- registration -------------------------------------------------------------------------------
def test_register_with_sms_code_then_password_and_pin(client) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    student = make_student(school, "Калина")
    # the second factor: the school recorded this phone for the pupil (a record, no credentials)
    record = create_and_link_guardian(
        school_id=school.id, student_id=student.id, full_name="", phone="0888 123 456"
    )
    db.session.commit()
    response = register(client, student.student_code[:3] + " " + student.student_code[3:])
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/verify")
    sms = latest(Channel.SMS)
    assert sms.to_address == "+359888123456" and sms.status is OutboxStatus.PENDING
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    bad = form_post(client, "/register/verify", {"code": wrong})
    assert bad.status_code == 400 and "Грешен код" in bad.get_data(as_text=True)
    ok = form_post(client, "/register/verify", {"code": code})
    assert ok.headers["Location"].endswith("/register/finish")
    trivial = form_post(
        client, "/register/finish",
        {"password": "dobra-parola", "password2": "dobra-parola", "pin": "1234", "pin2": "1234"},
    )  # fmt: skip
    assert trivial.status_code == 400 and "поредица" in trivial.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Guardian, record.id).password_hash is None  # nothing half-saved
    done = form_post(
        client, "/register/finish",
        {"password": "dobra-parola", "password2": "dobra-parola", "pin": "2580", "pin2": "2580"},
    )  # fmt: skip
    assert done.headers["Location"].endswith("/account/preferences")
    guardian = db.session.scalar(db.select(Guardian))
    assert guardian.id == record.id  # the account took over the school's record
    assert guardian.phone == "+359888123456" and guardian.phone_verified_at is not None
    assert guardian.email is None and check_pin(guardian.pin_hash, "2580")
    assert [link.student_id for link in guardian.links] == [student.id]
    page = client.get("/account/preferences")
    assert page.status_code == 200 and "Калина" in page.get_data(as_text=True)


def test_register_with_email_link(client) -> None:  # type: ignore[no-untyped-def]
    school, student, _ = family()
    other = make_student(school, "Никола")
    create_and_link_guardian(
        school_id=school.id, student_id=other.id, full_name="", email="tate@example.bg"
    )
    db.session.commit()
    response = register(client, other.student_code, phone="", email="Tate@Example.bg")
    assert response.status_code == 302
    mail = latest(Channel.EMAIL)
    assert mail.to_address == "tate@example.bg"
    link = mail.payload["link"]
    assert link in mail.body and "/register/email/" in link
    path = link.split("localhost", 1)[1]
    forged = client.get(path[: path.rindex("/") + 1] + "x" * 32)
    assert forged.headers["Location"].endswith("/register")
    opened = client.get(path)
    assert opened.headers["Location"].endswith("/register/finish")
    done = form_post(
        client, "/register/finish",
        {"password": "dobra-parola", "password2": "dobra-parola", "pin": "7392", "pin2": "7392"},
    )  # fmt: skip
    assert done.status_code == 302
    guardian = db.session.scalar(db.select(Guardian).where(Guardian.email == "tate@example.bg"))
    assert guardian.email_verified_at is not None and guardian.phone is None


def test_wrong_codes_are_throttled_and_bad_input_explained(client) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    student = make_student(school)
    db.session.commit()
    no_contact = register(client, student.student_code, phone="")
    assert no_contact.status_code == 400 and "телефон или електронна поща" in no_contact.get_data(
        as_text=True
    )
    bad_phone = register(client, student.student_code, phone="12")
    assert "Невалиден телефонен номер" in bad_phone.get_data(as_text=True)
    for _ in range(10):  # a wrong code is not told apart from a right one (issue #12, item 3)
        wrong = register(client, "1234567890")
        assert wrong.status_code == 302 and wrong.headers["Location"].endswith("/register/verify")
    blocked = register(client, student.student_code)
    assert blocked.status_code == 400 and "Твърде много опити" in blocked.get_data(as_text=True)
    assert not rows()


def test_existing_account_adds_a_child_after_the_school_approves(client) -> None:  # type: ignore[no-untyped-def]
    """A code alone links no child: with no contact of this parent on the pupil's record, the
    registration and the signed-in "add a child" both wait for the school (issue #12, item 3)."""
    from notify import families

    school, student, guardian = family()
    second = make_student(school, "Ема")
    db.session.commit()
    answer = register(client, second.student_code)
    assert answer.headers["Location"].endswith("/register/verify")
    assert not rows(channel=Channel.SMS)  # no code: the phone is not on Ема's record
    login = form_post(client, "/login", {"email": guardian.email, "password": "demo1234"})
    assert login.status_code == 302
    added = form_post(client, "/account/children/add", {"student_code": second.student_code})
    assert added.headers["Location"].endswith("/account/preferences")
    assert {link.student_id for link in guardian.links} == {student.id}  # not yet
    waiting = families.school_overview(school.id)[0]
    assert {r.kind for r in waiting} == {"registration", "add_child"}
    staff = StaffUser(email="dir@example.bg", full_name="Директор", password_hash="x")
    db.session.add(staff)
    db.session.commit()
    (request,) = [r for r in waiting if r.kind == "add_child"]
    with client.application.test_request_context():
        assert families.approve_request(school.id, staff.id, request.id) == "linked"
    db.session.expire_all()
    assert {link.student_id for link in guardian.links} == {student.id, second.id}
    again = form_post(client, "/account/children/add", {"student_code": second.student_code})
    assert "вече е добавено" in again.get_data(as_text=True)


# --- preferences and PIN ------------------------------------------------------------------------
def test_preferences_are_saved_explicitly(client) -> None:  # type: ignore[no-untyped-def]
    school, student, guardian = family()
    form_post(client, "/login", {"email": guardian.email, "password": "demo1234"})
    page = client.get("/account/preferences").get_data(as_text=True)
    assert 'name="grade:sms" value="1" aria-label="Оценки — SMS" checked' in page
    assert 'name="praise:sms" value="1" aria-label="Похвали — SMS">' in page
    response = form_post(
        client, "/account/preferences",
        {"grade:email": "1", "praise:sms": "1", "digest": "y", "sms_cyrillic": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    prefs = {
        (p.event_type.value, p.channel.value): p.enabled
        for p in db.session.scalars(db.select(NotificationPreference))
    }
    assert len(prefs) == 22 and prefs[("grade", "sms")] is False
    assert prefs[("grade", "email")] and prefs[("praise", "sms")]
    guardian = db.session.get(Guardian, guardian.id)
    assert guardian.digest and not guardian.sms_latin and not guardian.stop_all
    form_post(client, "/account/preferences", {"stop_all": "y"})
    db.session.expire_all()
    assert db.session.get(Guardian, guardian.id).stop_all


def test_change_pin(client) -> None:  # type: ignore[no-untyped-def]
    _, _, guardian = family()
    form_post(client, "/login", {"email": guardian.email, "password": "demo1234"})
    wrong = form_post(client, "/account/pin", {"password": "nope", "pin": "7392", "pin2": "7392"})
    assert "Грешна парола" in wrong.get_data(as_text=True)
    trivial = form_post(
        client, "/account/pin", {"password": "demo1234", "pin": "0000", "pin2": "0000"}
    )
    assert "една и съща цифра" in trivial.get_data(as_text=True)
    ok = form_post(client, "/account/pin", {"password": "demo1234", "pin": "7392", "pin2": "7392"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert check_pin(db.session.get(Guardian, guardian.id).pin_hash, "7392")


def test_account_pages_need_a_signed_in_parent(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/account/preferences", "/account/children/add", "/account/pin"):
        assert client.get(path).status_code == 302


# --- the school creates and links parents ----------------------------------------------------------
def test_create_and_link_guardian(app) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    first, second = make_student(school, "Ива"), make_student(school, "Боян")
    db.session.commit()
    guardian = create_and_link_guardian(
        school_id=school.id, student_id=first.id, full_name="Петя Колева", phone="0887 111 222",
        relation="mother",
    )  # fmt: skip
    same = create_and_link_guardian(
        school_id=school.id, student_id=second.id, full_name="Петя Колева", phone="+359887111222",
        email="petya@example.bg",
    )  # fmt: skip
    db.session.commit()
    assert same.id == guardian.id and guardian.phone == "+359887111222"
    assert guardian.email == "petya@example.bg" and guardian.phone_verified_at is not None
    assert {link.student_id for link in guardian.links} == {first.id, second.id}
    assert guardian.password_hash is None  # the parent sets it by registering with the code
    # a parent with an account (or children elsewhere) is invited, not linked
    _, _, account = family()
    with app.test_request_context():
        invited = create_and_link_guardian(
            school_id=school.id, student_id=first.id, full_name="X", email=account.email
        )
    assert invited is None and not any(link.student_id == first.id for link in account.links)
    other_school = make_school()
    with pytest.raises(AccountError):
        create_and_link_guardian(
            school_id=other_school.id, student_id=first.id, full_name="X", phone="0887111222"
        )
    with pytest.raises(AccountError):
        create_and_link_guardian(
            school_id=school.id, student_id=first.id, full_name="X", phone="12"
        )


# --- Twilio callbacks --------------------------------------------------------------------------------
def test_sms_status_callback(client) -> None:  # type: ignore[no-untyped-def]
    _, _, guardian = family()
    row = NotificationOutbox(
        channel=Channel.SMS, event_type=NotifyEvent.GRADE, to_address=guardian.phone,
        status=OutboxStatus.UNKNOWN, guardian_id=guardian.id,
    )  # fmt: skip
    db.session.add(row)
    db.session.commit()
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": guardian.phone}
    forged = client.post(
        f"/notify/sms-status?oid={row.id}", data=params, headers={"X-Twilio-Signature": "x"}
    )
    assert forged.status_code == 403
    assert signed_post(client, f"/notify/sms-status?oid={row.id}", params).status_code == 204
    db.session.expire_all()
    row = db.session.get(NotificationOutbox, row.id)
    assert row.status is OutboxStatus.SENT and row.provider_id == "SM" + "a" * 32
    assert row.provider_status == "delivered"
    failed = {"MessageSid": row.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    signed_post(client, "/notify/sms-status", failed)
    db.session.expire_all()
    row = db.session.get(NotificationOutbox, row.id)
    assert row.status is OutboxStatus.FAILED and row.last_error == "Twilio: undelivered 30003"


def test_sms_inbound_stop_and_start(client) -> None:  # type: ignore[no-untyped-def]
    _, _, guardian = family()
    forged = client.post("/notify/sms-inbound", data={"From": guardian.phone, "Body": "STOP"})
    assert forged.status_code == 403 and forged.mimetype == "text/xml"
    answer = signed_post(client, "/notify/sms-inbound", {"From": guardian.phone, "Body": " стоп "})
    assert answer.mimetype == "text/xml" and "<Message>" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Guardian, guardian.id).stop_all
    signed_post(client, "/notify/sms-inbound", {"From": guardian.phone, "Body": "START"})
    db.session.expire_all()
    assert not db.session.get(Guardian, guardian.id).stop_all


# --- admin view --------------------------------------------------------------------------------------
def test_admin_sees_own_school_and_resends_failed(client) -> None:  # type: ignore[no-untyped-def]
    school, _, guardian = family()
    other, _, _ = family()
    admin = StaffUser(
        email="dir@example.bg",
        full_name="Директор",
        password_hash=generate_password_hash("demo1234", method="pbkdf2:sha256:1000"),
    )
    teacher = StaffUser(
        email="uch@example.bg", full_name="Учител", password_hash=admin.password_hash
    )
    db.session.add_all([admin, teacher])
    db.session.flush()
    db.session.add(StaffMembership(staff_id=admin.id, school_id=school.id, role=StaffRole.ADMIN))
    db.session.add(
        StaffMembership(staff_id=teacher.id, school_id=school.id, role=StaffRole.TEACHER)
    )
    mine = NotificationOutbox(
        school_id=school.id, channel=Channel.SMS, event_type=NotifyEvent.GRADE, to_address="+359888000001",
        body="Ivan: Otlichen 6", segments=1, status=OutboxStatus.FAILED, attempts=8, last_error="Twilio 400",
    )  # fmt: skip
    theirs = NotificationOutbox(
        school_id=other.id, channel=Channel.SMS, event_type=NotifyEvent.GRADE, to_address="+359888000002",
        body="Drug uchenik", status=OutboxStatus.FAILED,
    )  # fmt: skip
    db.session.add_all([mine, theirs])
    db.session.commit()
    form_post(client, "/staff/login", {"email": "uch@example.bg", "password": "demo1234"})
    assert client.get("/notify/admin").status_code == 403
    fresh = client.application.test_client()
    form_post(fresh, "/staff/login", {"email": "dir@example.bg", "password": "demo1234"})
    page = fresh.get("/notify/admin?status=failed")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ivan: Otlichen 6" in text and "Twilio 400" in text
    assert "Drug uchenik" not in text
    assert "<td>Оценки</td>" in text and "<td>grade</td>" not in text  # issue 14: no English
    resend = form_post(
        fresh,
        "/notify/admin",
        {"ids": [str(mine.id), str(theirs.id)]},
        post_url="/notify/admin/resend",
    )
    assert resend.status_code == 302
    db.session.expire_all()
    assert db.session.get(NotificationOutbox, mine.id).status is OutboxStatus.PENDING
    assert db.session.get(NotificationOutbox, theirs.id).status is OutboxStatus.FAILED
    assert db.session.get(NotificationOutbox, mine.id).attempts == 0
    # "all failed" of this school only
    db.session.get(NotificationOutbox, mine.id).status = OutboxStatus.FAILED
    db.session.commit()
    form_post(fresh, "/notify/admin", {"all_failed": "1"}, post_url="/notify/admin/resend")
    db.session.expire_all()
    assert db.session.get(NotificationOutbox, mine.id).status is OutboxStatus.PENDING
    assert db.session.get(NotificationOutbox, theirs.id).status is OutboxStatus.FAILED
    assert guardian.id


def test_the_notification_log_names_kinds_and_provider_states_in_bulgarian() -> None:
    """Issue 14: "изпратено sent", "grade" reached the admin; every kind and every Twilio message
    state the log can show has a Bulgarian name."""
    from notify.messages import NOTICE_KINDS_BG
    from notify.messages import PROVIDER_STATUS_BG
    from notify.twilio_status import MESSAGE

    assert set(NOTICE_KINDS_BG) == set(NotifyEvent)
    assert set(MESSAGE.twilio) <= set(PROVIDER_STATUS_BG)
    for text in [*NOTICE_KINDS_BG.values(), *PROVIDER_STATUS_BG.values()]:
        assert re.search("[а-я]", text) and not re.search("[a-z]", text), text
