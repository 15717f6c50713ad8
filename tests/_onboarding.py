"""Helpers shared by the onboarding tests: a fresh school with its lists, staff sign-in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

import session_tokens
from gradebook.demo import school_year_bounds
from models import School
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import db

FIXTURES = Path(__file__).parent / "fixtures" / "import"
TODAY = dt.date(2026, 11, 25)
ADMIN_EMAIL = "admin@test-sou.bg"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_school(code: str = "1234567", admin_email: str = ADMIN_EMAIL) -> int:
    """A new school with its current year and an admin (password demo1234)."""
    school = School(name="Тестово СУ „Иван Вазов“", neispuo_code=code, town="Пловдив")
    db.session.add(school)
    db.session.flush()
    first, start, term2, end = school_year_bounds(TODAY)
    db.session.add(SchoolYear(school_id=school.id, name=f"{first}/{first + 1}", starts_on=start,
                              term2_starts_on=term2, ends_on=end, is_current=True))  # fmt: skip
    admin = StaffUser(email=admin_email, full_name="Админ Тестов",
                      password_hash=generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))  # fmt: skip
    db.session.add(admin)
    db.session.flush()
    db.session.add(StaffMembership(staff_id=admin.id, school_id=school.id, role=StaffRole.ADMIN))
    db.session.commit()
    return school.id


def load_lists(school_id: int, with_students: bool = False) -> None:
    """Teachers, classes, subjects and curriculum from the fixtures (and students)."""
    from onboarding import importer

    files = [("teachers", "teachers.csv"), ("classes", "classes.csv"),
             ("subjects", "subjects.txt"), ("curriculum", "curriculum.csv")]  # fmt: skip
    if with_students:
        files.append(("students", "students_ok.csv"))
    for kind, name in files:
        plan, counts = importer.commit(kind, school_id, name, fixture(name))
        assert counts is not None, [e.text() for e in plan.errors]
        if kind == "teachers":  # accounts of another school: their owners accept the invitations
            accept_invitations(school_id)


def accept_invitations(school_id: int) -> None:
    from gradebook import staff_accounts

    for invitation in staff_accounts.pending_invitations(school_id):
        staff_accounts.accept_invitation(invitation, invitation.staff)


def login(client: FlaskClient, app: Flask, email: str, password: str = "demo1234") -> None:
    """Sign in through the staff web's form when it exists, else set the session directly."""
    from tests.conftest import form_post

    page = client.get("/staff/login")
    if page.status_code == 200:
        response = form_post(client, "/staff/login", {"email": email, "password": password})
        assert response.status_code in (302, 303), response.status_code
        return
    from flask_login.utils import _create_identifier

    user = db.session.query(StaffUser).filter_by(email=email).one()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = session_tokens.issue(user)
        session["_fresh"] = True
        session["_id"] = identifier


def post_file(client: FlaskClient, form_url: str, post_url: str, filename: str, data: bytes,
              **extra: Any) -> Any:  # fmt: skip
    import io

    from tests.conftest import csrf_from

    page = client.get(form_url)
    assert page.status_code == 200, page.status_code
    payload = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "file": (io.BytesIO(data), filename),
    }
    payload.update(extra)
    return client.post(post_url, data=payload, content_type="multipart/form-data")
