"""A school asks to join, the operator approves (school, year, admin, e-mail with a link) or
rejects with a reason; the new admin sets a password through the link."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from models import NotificationOutbox
from models import School
from models import SchoolYear
from models import SignupRequest
from models import SignupStatus
from models import StaffMembership
from models import StaffUser
from models import db
from tests._onboarding import login
from tests._onboarding import make_school
from tests.conftest import csrf_from
from tests.conftest import form_post

REQUEST = {
    "school_name": "ОУ „Христо Смирненски“",
    "neispuo_code": "1600123",
    "town": "Пловдив",
    "director_name": "Мария Петрова",
    "email": "Direktor@ou-smirnenski.bg",
    "phone": "032 123 456",
    "note": "Около 400 ученика.",
}


@pytest.fixture
def operator(app):  # type: ignore[no-untyped-def]
    user = StaffUser(email="operator@belezhnik.local", full_name="Оператор", is_operator=True,
                     password_hash=generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))  # fmt: skip
    db.session.add(user)
    db.session.commit()
    return user


def _submit(client, **changes):  # type: ignore[no-untyped-def]
    return form_post(client, "/onboarding/signup", {**REQUEST, **changes})


def test_public_request_is_stored_once(app, client) -> None:  # type: ignore[no-untyped-def]
    response = _submit(client)
    assert response.status_code == 200 and "Благодарим" in response.get_data(as_text=True)
    row = db.session.scalars(sa.select(SignupRequest)).one()
    assert (row.email, row.phone, row.status) == (
        "direktor@ou-smirnenski.bg",
        "+35932123456",
        SignupStatus.PENDING,
    )
    again = _submit(client)
    assert again.status_code == 400 and "Вече има заявка" in again.get_data(as_text=True)
    bad = _submit(client, neispuo_code="12345")
    assert bad.status_code == 400 and "Кодът е 7 цифри." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SignupRequest.id))) == 1


def test_only_operators_review(app, client, operator) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/onboarding/requests").status_code == 302  # to the sign-in page
    make_school()
    login(client, app, "admin@test-sou.bg")
    assert client.get("/onboarding/requests").status_code == 403


def test_approve_creates_school_admin_and_sends_a_link(app, client, operator) -> None:  # type: ignore[no-untyped-def]
    _submit(client)
    row = db.session.scalars(sa.select(SignupRequest)).one()
    login(client, app, "operator@belezhnik.local")
    page = client.get("/onboarding/requests")
    assert page.status_code == 200 and REQUEST["school_name"] in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(f"/onboarding/requests/{row.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    school = db.session.scalars(sa.select(School).where(School.neispuo_code == "1600123")).one()
    year = db.session.scalars(sa.select(SchoolYear).where(SchoolYear.school_id == school.id)).one()
    assert (year.name, year.starts_on.isoformat(), year.is_current) == (
        "2026/2027",
        "2026-09-15",
        True,
    )
    admin = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.email == "direktor@ou-smirnenski.bg")
    ).one()
    assert admin.must_change_password
    membership = db.session.scalars(
        sa.select(StaffMembership).where(StaffMembership.staff_id == admin.id)
    ).one()
    assert (membership.school_id, str(membership.role)) == (school.id, "admin")
    db.session.refresh(row)
    assert row.status == SignupStatus.APPROVED and row.school_id == school.id
    mail = db.session.scalars(sa.select(NotificationOutbox)).one()
    assert (str(mail.channel), str(mail.event_type), mail.to_address) == (
        "email",
        "account",
        admin.email,
    )
    link = re.search(r"https?://\S+/onboarding/welcome/\d+/\S+", mail.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    # twice: refused, nothing duplicated
    again = client.post(f"/onboarding/requests/{row.id}/approve", data={"csrf_token": token})
    assert "Заявката вече е разгледана." in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 1

    # the director follows the link
    director = app.test_client()
    form = director.get("/" + path)
    assert form.status_code == 200 and admin.email in form.get_data(as_text=True)
    short = form_post(director, "/" + path, {"password": "кратка", "confirm": "кратка"})
    assert "Поне 10 знака." in short.get_data(as_text=True)
    done = form_post(
        director, "/" + path, {"password": "дълга-парола-2026", "confirm": "дълга-парола-2026"}
    )
    assert done.status_code == 302
    db.session.refresh(admin)
    assert (
        check_password_hash(admin.password_hash, "дълга-парола-2026")
        and not admin.must_change_password
    )
    assert director.get("/" + path).status_code == 404  # used once
    assert (
        director.get(re.sub(r"/[^/]+$", "/wrong-token-xxxxxxxxxxxx", "/" + path)).status_code == 404
    )


def test_reject_needs_a_reason_and_tells_the_school(app, client, operator) -> None:  # type: ignore[no-untyped-def]
    _submit(client)
    row = db.session.scalars(sa.select(SignupRequest)).one()
    login(client, app, "operator@belezhnik.local")
    page = client.get("/onboarding/requests").get_data(as_text=True)
    client.post(
        f"/onboarding/requests/{row.id}/reject", data={"csrf_token": csrf_from(page), "reason": ""}
    )
    db.session.refresh(row)
    assert row.status == SignupStatus.PENDING
    client.post(f"/onboarding/requests/{row.id}/reject",
                data={"csrf_token": csrf_from(page), "reason": "Кодът по НЕИСПУО не отговаря на училището."})  # fmt: skip
    db.session.refresh(row)
    assert row.status == SignupStatus.REJECTED and row.reason.startswith("Кодът")
    mail = db.session.scalars(sa.select(NotificationOutbox)).one()
    assert mail.to_address == "direktor@ou-smirnenski.bg" and "Кодът по НЕИСПУО" in mail.body
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 0
