"""Issue #12, items 2 and 3: a family's credentials belong to the family, and no stranger becomes a
parent. Each test replays an attack as an outsider would, through the real endpoints (CSRF on,
signed Twilio webhooks), and would have passed the attacker on the old code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import AuditLog
from models import Channel
from models import Enrollment
from models import Guardian
from models import GuardianLinkRequest
from models import GuardianStudent
from models import NotificationOutbox
from models import Student
from models import db
from security import check_pin
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

PIN = "2580"
A_ADMIN = "direktor@sou1.demo.bg"
B_PARENT = "roditel1@sou2.demo.bg"


# --- helpers --------------------------------------------------------------------------------------
def guardian_by(email: str) -> Guardian:
    return db.session.scalars(sa.select(Guardian).where(Guardian.email == email)).one()


def children_of(guardian_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(GuardianStudent.student_id).where(GuardianStudent.guardian_id == guardian_id)
        )
    )


def pupil_of_school(school_id: int, *, without_guardians: bool = False) -> Student:
    query = (
        sa.select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Student.school_id == school_id, Enrollment.left_on.is_(None))
        .order_by(Student.id)
    )
    if without_guardians:
        query = query.where(~sa.exists().where(GuardianStudent.student_id == Student.id))
    student = db.session.scalars(query).first()
    assert student is not None
    return student


def parent_login(client: FlaskClient, email: str, password: str = "demo1234") -> None:
    assert form_post(client, "/login", {"email": email, "password": password}).status_code == 302


def last_to(address: str) -> NotificationOutbox | None:
    return db.session.scalars(
        sa.select(NotificationOutbox)
        .where(NotificationOutbox.to_address == address)
        .order_by(NotificationOutbox.id.desc())
    ).first()


def path_of(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", text)
    assert match, text
    return match.group(1)


def flashes(client: FlaskClient, url: str) -> str:
    return client.get(url).get_data(as_text=True)


def without_tokens(html: str) -> str:
    return re.sub(r'<input[^>]*name="csrf_token"[^>]*>|value="[^"]{40,}"', "", html)


# --- item 2: school A reaches school B's parent -------------------------------------------------------
def test_attack_school_a_links_b_parent_and_resets_the_pin(demo_app: Flask) -> None:
    b_parent = guardian_by(B_PARENT)
    (b_child,) = children_of(b_parent.id)
    b_child_name = db.session.get(Student, b_child).first_name
    a_pupil = pupil_of_school(1)
    admin = demo_app.test_client()
    assert login_staff(admin, A_ADMIN).status_code == 302
    url = f"/staff/admin/students/{a_pupil.id}"
    # A's admin links B's parent's phone to A's pupil: an invitation, not a link
    form_post(
        admin,
        url,
        {"contact": b_parent.phone.replace("+359", "0"), "relation": "mother"},
        post_url=f"{url}/guardians",
    )
    assert "Изпратена е покана до родителя." in flashes(admin, url)
    assert children_of(b_parent.id) == {b_child}
    # "new PIN" for B's parent: not A's parent, nothing shown, nothing sent
    before = db.session.scalar(sa.select(sa.func.count(NotificationOutbox.id)))
    token = csrf_from(admin.get(url).get_data(as_text=True))
    reset = admin.post(
        f"/staff/admin/guardians/{b_parent.id}/pin",
        data={"csrf_token": token, "student_id": a_pupil.id},
    )
    assert reset.status_code == 404
    page = admin.get(url).get_data(as_text=True)
    assert "Нов ПИН за телефонната линия:" not in page
    invite_sms = db.session.scalar(sa.select(sa.func.count(NotificationOutbox.id)))
    assert invite_sms == before
    db.session.expire_all()
    assert check_pin(guardian_by(B_PARENT).pin_hash, PIN)  # the real parent's PIN still works
    # calling from that number with the parent's PIN reaches only B's child
    call = PhoneCall(FlaskTransport(demo_app), from_number=b_parent.phone)
    turn = call.start()  # caller ID: nothing about the children before the PIN
    assert b_child_name not in " ".join(turn.said)
    turn = call.press(PIN + "#")
    assert not turn.hung_up and b_child_name in " ".join(turn.said)
    assert a_pupil.first_name not in " ".join(turn.said) or a_pupil.first_name == b_child_name
    # only when the parent confirms does the link exist, and still A cannot reset the PIN
    parent = demo_app.test_client()
    parent_login(parent, B_PARENT)
    invite = db.session.scalars(
        sa.select(GuardianLinkRequest).where(GuardianLinkRequest.guardian_id == b_parent.id)
    ).one()
    assert "Покани от училища" in parent.get("/account/links").get_data(as_text=True)
    confirmed = form_post(
        parent, "/account/links", {}, post_url=f"/account/links/{invite.id}/confirm"
    )
    assert confirmed.status_code == 302
    assert children_of(b_parent.id) == {b_child, a_pupil.id}
    token = csrf_from(admin.get(url).get_data(as_text=True))
    refused = admin.post(
        f"/staff/admin/guardians/{b_parent.id}/pin",
        data={"csrf_token": token, "student_id": a_pupil.id},
    )
    assert refused.status_code == 302
    assert "има деца и в друго училище" in admin.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert check_pin(guardian_by(B_PARENT).pin_hash, PIN)
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "link_confirm"))


def test_confirmation_by_the_wrong_guardian_is_refused(demo_app: Flask) -> None:
    b_parent = guardian_by(B_PARENT)
    a_pupil = pupil_of_school(1)
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    url = f"/staff/admin/students/{a_pupil.id}"
    form_post(admin, url, {"contact": B_PARENT, "relation": "father"}, post_url=f"{url}/guardians")
    invite = db.session.scalars(sa.select(GuardianLinkRequest)).one()
    mail = last_to(B_PARENT)
    assert mail is not None and mail.channel is Channel.EMAIL
    link = path_of(mail.payload["link"])
    other = demo_app.test_client()
    parent_login(other, "roditel2@sou2.demo.bg")
    by_id = form_post(
        other, "/account/preferences", {}, post_url=f"/account/links/{invite.id}/confirm"
    )
    assert by_id.status_code == 302
    assert "не е за вашия профил" in other.get("/account/links").get_data(as_text=True)
    by_token = other.get(link)
    assert by_token.status_code == 404 and "не е за вашия профил" in by_token.get_data(True)
    assert a_pupil.id not in children_of(guardian_by("roditel2@sou2.demo.bg").id)
    assert a_pupil.id not in children_of(b_parent.id)
    # the right parent, through the e-mail's link (no sign-in needed: the token is the proof)
    anonymous = demo_app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200 and a_pupil.first_name in page.get_data(as_text=True)
    done = form_post(anonymous, link, {"decision": "confirm"})
    assert done.status_code == 200
    assert a_pupil.id in children_of(b_parent.id)
    assert anonymous.get(link).status_code == 404  # used


def test_expired_invitation_and_pin_link_are_refused(demo_app: Flask) -> None:
    a_parent = guardian_by("roditel1@sou1.demo.bg")
    a_pupil = pupil_of_school(1, without_guardians=True)
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    url = f"/staff/admin/students/{a_pupil.id}"
    form_post(
        admin, url, {"contact": a_parent.email, "relation": "mother"}, post_url=f"{url}/guardians"
    )
    link = path_of(last_to(a_parent.email).payload["link"])
    (own_child,) = children_of(a_parent.id)
    form_post(
        admin,
        f"/staff/admin/students/{own_child}",
        {"student_id": own_child},
        post_url=f"/staff/admin/guardians/{a_parent.id}/pin",
    )
    pin_path = path_of(last_to(a_parent.phone).payload["text"])
    db.session.execute(sa.update(GuardianLinkRequest).values(expires_at=dt.datetime(2000, 1, 1)))
    from models import VerificationCode

    db.session.execute(sa.update(VerificationCode).values(expires_at=dt.datetime(2000, 1, 1)))
    db.session.commit()
    client = demo_app.test_client()
    expired = client.get(link)
    assert expired.status_code == 404 and "Поканата е изтекла" in expired.get_data(as_text=True)
    assert client.get(pin_path).status_code == 404
    assert a_pupil.id not in children_of(a_parent.id)
    db.session.expire_all()
    assert check_pin(guardian_by("roditel1@sou1.demo.bg").pin_hash, PIN)


def test_new_pin_needs_a_verified_phone(demo_app: Flask) -> None:
    a_parent = guardian_by("roditel1@sou1.demo.bg")
    a_parent.phone_verified_at = None
    db.session.commit()
    (child,) = children_of(a_parent.id)
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    url = f"/staff/admin/students/{child}"
    form_post(
        admin, url, {"student_id": child}, post_url=f"/staff/admin/guardians/{a_parent.id}/pin"
    )
    assert "няма потвърден мобилен телефон" in admin.get(url).get_data(as_text=True)
    assert last_to(a_parent.phone) is None


# --- item 3: registration with a code alone ------------------------------------------------------------
def register(client: FlaskClient, code: str, *, email: str = "", phone: str = "") -> object:
    return form_post(
        client,
        "/register",
        {"student_code": code, "full_name": "Непознат", "phone": phone, "email": email},
    )


def test_attack_wrong_and_right_code_give_the_same_answer(demo_app: Flask) -> None:
    pupil = pupil_of_school(1)
    wrong_code = "0000000000"
    answers = []
    for code in (wrong_code, pupil.student_code):
        client = demo_app.test_client()
        response = register(client, code, email="stranger@example.org")
        assert response.status_code == 302
        answers.append(
            (
                response.headers["Location"],
                without_tokens(client.get(response.headers["Location"]).get_data(as_text=True)),
            )
        )
        assert client.get("/register/finish").status_code == 302  # nothing to finish
    assert answers[0] == answers[1]
    assert "Ако данните съвпадат с записаните от училището" in answers[0][1]
    # a valid code and an unknown e-mail: no account, no message to that e-mail, no link
    assert last_to("stranger@example.org") is None
    assert (
        db.session.scalar(sa.select(Guardian).where(Guardian.email == "stranger@example.org"))
        is None
    )
    request = db.session.scalars(sa.select(GuardianLinkRequest)).one()
    assert request.kind == "registration" and request.student_id == pupil.id


def test_stranger_reaches_the_child_only_after_the_school_approves(demo_app: Flask) -> None:
    pupil = pupil_of_school(1)
    stranger = demo_app.test_client()
    register(stranger, pupil.student_code, email="nov@example.org")
    request = db.session.scalars(sa.select(GuardianLinkRequest)).one()
    # the school sees it and approves (after checking in person)
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    listing = admin.get("/staff/admin/families").get_data(as_text=True)
    assert "nov@example.org" in listing and "регистрация без записан" in listing
    approved = form_post(
        admin, "/staff/admin/families", {}, post_url=f"/staff/admin/families/{request.id}/approve"
    )
    assert approved.status_code == 302
    mail = last_to("nov@example.org")
    assert mail is not None and "/register" in mail.body  # told only now, at the contact given
    # registering again now sends the link there (a recorded contact), and the account is made
    register(stranger, pupil.student_code, email="nov@example.org")
    link = path_of(last_to("nov@example.org").payload["link"])
    assert stranger.get(link).headers["Location"].endswith("/register/finish")
    done = form_post(
        stranger,
        "/register/finish",
        {"password": "dobra-parola", "password2": "dobra-parola", "pin": "7392", "pin2": "7392"},
    )
    assert done.status_code == 302
    guardian = guardian_by("nov@example.org")
    assert pupil.id in children_of(guardian.id) and guardian.password_hash


def test_new_registration_is_told_to_the_school_and_the_existing_parents(demo_app: Flask) -> None:
    """The school recorded a second parent's phone; that parent registers: the first parent
    hears of it by e-mail and SMS, the school sees it, and either can take it back."""
    first = guardian_by("roditel1@sou1.demo.bg")
    (child_id,) = children_of(first.id)
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    url = f"/staff/admin/students/{child_id}"
    form_post(
        admin, url, {"contact": "0887 654 321", "relation": "father"}, post_url=f"{url}/guardians"
    )
    newcomer = demo_app.test_client()
    register(newcomer, db.session.get(Student, child_id).student_code, phone="0887654321")
    sms = last_to("+359887654321")
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    form_post(newcomer, "/register/verify", {"code": code})
    form_post(
        newcomer,
        "/register/finish",
        {"password": "dobra-parola", "password2": "dobra-parola", "pin": "7392", "pin2": "7392"},
    )
    second = db.session.scalars(sa.select(Guardian).where(Guardian.phone == "+359887654321")).one()
    assert second.password_hash and child_id in children_of(second.id)
    assert "Нов родител" in (last_to(first.email).subject or "")
    assert "svarzan nov roditel" in last_to(first.phone).body.lower()
    assert "нова регистрация на родител" in admin.get("/staff/admin/families").get_data(True)
    # the newcomer cannot remove the first parent; the first parent removes the newcomer
    new_client, old_client = newcomer, demo_app.test_client()
    old_link = db.session.scalar(
        sa.select(GuardianStudent.id).where(GuardianStudent.guardian_id == first.id)
    )
    new_link = db.session.scalar(
        sa.select(GuardianStudent.id).where(GuardianStudent.guardian_id == second.id)
    )
    form_post(new_client, "/account/preferences", {}, post_url=f"/account/links/revoke/{old_link}")
    assert child_id in children_of(first.id)
    parent_login(old_client, first.email)
    page = old_client.get("/account/links").get_data(as_text=True)
    assert "Премахни връзката" in page
    form_post(old_client, "/account/links", {}, post_url=f"/account/links/revoke/{new_link}")
    assert child_id not in children_of(second.id)
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "link_revoke"))


def test_school_revokes_a_link_from_the_students_page(demo_app: Flask) -> None:
    first = guardian_by("roditel1@sou1.demo.bg")
    (child_id,) = children_of(first.id)
    link_id = db.session.scalar(
        sa.select(GuardianStudent.id).where(GuardianStudent.guardian_id == first.id)
    )
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    url = f"/staff/admin/students/{child_id}"
    form_post(admin, url, {}, post_url=f"/staff/admin/guardian-links/{link_id}/delete")
    assert child_id not in children_of(first.id)
    assert db.session.scalar(
        sa.select(AuditLog).where(AuditLog.action == "delete", AuditLog.student_id == child_id)
    )


def test_add_a_child_with_a_code_alone_waits_for_the_school(demo_app: Flask) -> None:
    parent = guardian_by(B_PARENT)
    a_pupil = pupil_of_school(1)
    client = demo_app.test_client()
    parent_login(client, B_PARENT)
    answers = []
    for code in ("0000000000", a_pupil.student_code):
        response = form_post(client, "/account/children/add", {"student_code": code})
        assert response.status_code == 302
        answers.append(without_tokens(client.get(response.headers["Location"]).get_data(True)))
    assert answers[0] == answers[1] and "Заявката е приета" in answers[0]
    assert a_pupil.id not in children_of(parent.id)
    health = client.get(f"/child/{a_pupil.id}")
    assert health.status_code in (403, 404)
    request = db.session.scalars(sa.select(GuardianLinkRequest)).one()
    assert request.kind == "add_child" and request.guardian_id == parent.id


@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_another_school_cannot_decide_a_request(demo_app: Flask, decision: str) -> None:
    pupil = pupil_of_school(2)
    register(demo_app.test_client(), pupil.student_code, email="x@example.org")
    request = db.session.scalars(sa.select(GuardianLinkRequest)).one()
    admin = demo_app.test_client()
    login_staff(admin, A_ADMIN)
    form_post(
        admin,
        "/staff/admin/families",
        {},
        post_url=f"/staff/admin/families/{request.id}/{decision}",
    )
    db.session.expire_all()
    assert db.session.get(GuardianLinkRequest, request.id).status == "pending"


def test_the_class_teacher_sees_and_approves_requests_of_their_class(demo_app: Flask) -> None:
    from models import SchoolClass
    from models import StaffUser

    klass = db.session.scalars(
        sa.select(SchoolClass).where(
            SchoolClass.school_id == 1, SchoolClass.class_teacher_id.is_not(None)
        )
    ).first()
    pupil = db.session.scalars(
        sa.select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == klass.id, Enrollment.left_on.is_(None))
    ).first()
    other = pupil_of_school(1)
    register(demo_app.test_client(), pupil.student_code, email="a@example.org")
    if other.id != pupil.id:
        register(demo_app.test_client(), other.student_code, email="b@example.org")
    teacher = demo_app.test_client()
    login_staff(teacher, db.session.get(StaffUser, klass.class_teacher_id).email)
    assert "Нови родители" in teacher.get("/staff/").get_data(as_text=True)
    listing = teacher.get("/staff/admin/families").get_data(as_text=True)
    assert "a@example.org" in listing
    mine = db.session.scalars(
        sa.select(GuardianLinkRequest).where(GuardianLinkRequest.student_id == pupil.id)
    ).one()
    form_post(
        teacher, "/staff/admin/families", {}, post_url=f"/staff/admin/families/{mine.id}/approve"
    )
    db.session.expire_all()
    assert db.session.get(GuardianLinkRequest, mine.id).status == "confirmed"
