"""Every page each role reaches meets the standards its users' software applies (issue 14):
0 errors of the W3C Nu HTML validator and 0 serious or critical axe-core violations of WCAG 2.1
A/AA in Debian's Chromium.

The pages are crawled (:mod:`tests.standards`), not listed, so a new page is checked as soon as
a link leads to it: signed out, as a parent, a teacher, a class teacher, the school's admin
(director) and the platform operator of the demo school. The checkers are the project's pinned
npm packages (``tools/package.json``): without java, the jar, axe-core or Chromium the test
skips, saying which is missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from models import Curriculum
from models import Enrollment
from models import ParentNote
from models import Relation
from models import SchoolClass
from models import StaffUser
from models import db
from tests.conftest import app_on_copy
from tests.conftest import csrf_from
from tests.conftest import launch_chromium
from tests.standards import Page
from tests.standards import axe_source
from tests.standards import axe_violations
from tests.standards import crawl
from tests.standards import describe_nu
from tests.standards import error_problems
from tests.standards import error_states
from tests.standards import nu_messages
from tests.standards import shape
from tests.standards import sign_in
from tests.standards import vnu_jar
from tests.test_portal_web import guardian

OPERATOR = "operator@belezhnik.local"
ADMIN = "direktor@sou1.demo.bg"
PARENT = "roditel1@sou1.demo.bg"
# a canary the checkers must fail (two unlabelled inputs of one id), so neither check can pass
# on nothing: a checker that runs but sees nothing is caught
CANARY = Page(
    "canary", "/canary", 200,
    '<!DOCTYPE html><html lang="bg"><head><meta charset="utf-8"><title>Канарче</title></head>'
    '<body><main><form><input id="x" name="a"><input id="x" name="b"></form></main></body></html>',
    {"Content-Type": "text/html; charset=utf-8"},
)  # fmt: skip
# an error state the check must fail three times: English, a message no field names, a field
# that names no message
ERROR_CANARY = (
    '<form method="post"><input name="a" aria-invalid="true"><p class="field-error">This field'
    ' is required.</p><input name="b"><p class="field-error" id="b-error">Въведете име.</p></form>'
)
PHONE = 390  # px, the viewport of a common phone
# at least this many pages a role reaches, so a broken sign-in cannot pass the checks on nothing
LEAST_PAGES = {"anonymous": 5, "parent": 6, "teacher": 8, "class teacher": 8, "admin": 15,
               "operator": 3}  # fmt: skip


def role_emails() -> dict[str, str]:
    """Who signs in as each role in the demo school (school 1)."""
    class_teacher = db.session.scalars(
        sa.select(SchoolClass.class_teacher_id)
        .where(SchoolClass.school_id == 1, SchoolClass.class_teacher_id.is_not(None))
        .order_by(SchoolClass.id)
    ).first()
    heads = sa.select(SchoolClass.class_teacher_id).where(SchoolClass.class_teacher_id.is_not(None))
    teacher = db.session.scalars(
        sa.select(Curriculum.teacher_id)
        .where(Curriculum.school_id == 1, Curriculum.teacher_id.not_in(heads))
        .order_by(Curriculum.id)
    ).first()

    def email(staff_id: int | None) -> str:
        user = db.session.get(StaffUser, staff_id)
        assert user is not None
        return user.email

    return {
        "anonymous": "",
        "parent": PARENT,
        "teacher": email(teacher),
        "class teacher": email(class_teacher),
        "admin": ADMIN,
        "operator": OPERATOR,
    }


def year_pages() -> tuple[str, ...]:
    """The year's sections, which the admin's crawl may not reach in its page budget: a ПГ
    group's day, month and results, a fifth grade's annual results and one pupil's."""
    group = db.session.scalar(
        sa.select(SchoolClass.id).where(SchoolClass.school_id == 1, SchoolClass.grade_level == 0)
    )
    fifth = db.session.scalar(
        sa.select(SchoolClass.id).where(SchoolClass.school_id == 1, SchoolClass.grade_level == 5)
    )
    pupil = db.session.scalar(sa.select(Enrollment.student_id).where(Enrollment.class_id == fifth))
    noted = db.session.scalar(  # the day of the demo's ПГ parent's note: the notes are listed
        sa.select(ParentNote.starts_on)
        .join(Enrollment, Enrollment.student_id == ParentNote.student_id)
        .where(Enrollment.class_id == group)
    )
    return (
        f"/staff/classes/{group}/attendance",
        f"/staff/classes/{group}/attendance?date={noted}",
        f"/staff/classes/{group}/attendance/month",
        f"/staff/classes/{group}/pg-results",
        f"/staff/classes/{fifth}/annual-results",
        f"/staff/classes/{fifth}/annual-results/{pupil}",
    )


def mailed_links(anonymous: FlaskClient) -> tuple[str, ...]:
    """Pages reached only through a token in an e-mail or SMS, the tokens made the way the app
    makes them and the links read back from the outbox: a parent's password reset and e-mail
    unsubscribe, a registration's steps (started on ``anonymous``, whose session then holds
    it: the code page, the e-mail link, the password-and-PIN page), a family invitation, the
    school's set-PIN link, a staff invitation and a new school's welcome."""
    from gradebook.core import Actor
    from gradebook.staff_accounts import add_staff
    from models import NotificationOutbox
    from models import Student
    from notify import families
    from notify.email_headers import unsubscribe_token
    from onboarding.signup import approve
    from onboarding.signup import submit_request

    first = db.session.scalar(sa.select(sa.func.max(NotificationOutbox.id))) or 0
    admin = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == ADMIN))
    operator = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == OPERATOR))
    parent = guardian(PARENT)
    pupils = db.session.scalars(
        sa.select(Student).where(Student.school_id == 1).order_by(Student.id.desc()).limit(2)
    ).all()
    # the school records a parent; the parent registers with the child's code
    families.create_and_link_guardian(
        school_id=1, student_id=pupils[0].id, full_name="Рада Нова",
        phone="+359888700111", email="rada.nova@example.bg", actor_id=admin,
    )  # fmt: skip
    db.session.commit()
    form = anonymous.get("/register").get_data(as_text=True)
    registered = anonymous.post("/register", data={
        "student_code": pupils[0].student_code, "full_name": "Рада Нова",
        "phone": "+359888700111", "email": "rada.nova@example.bg", "csrf_token": csrf_from(form),
    })  # fmt: skip
    assert registered.status_code == 302, registered.status_code
    form = anonymous.get("/password/forgot").get_data(as_text=True)
    anonymous.post("/password/forgot", data={"email": PARENT, "csrf_token": csrf_from(form)})
    families.invite(student=pupils[1], guardian=parent, relation=Relation.OTHER,
                    actor_id=admin, contact=PARENT)  # fmt: skip
    families.send_pin_link(1, admin, parent)
    db.session.commit()
    add_staff(Actor.load(admin, 1), email="nov.uchitel@sou1.demo.bg", full_name="Нов Учител",
              role="teacher")  # fmt: skip
    request = submit_request({
        "neispuo_code": "2209999", "school_name": "ОУ „Васил Априлов“", "town": "Габрово",
        "email": "direktor@ou-gabrovo.example.bg", "phone": "", "director_name": "Мина Попова",
    })  # fmt: skip
    approve(request.id, operator)
    db.session.commit()
    links = ["/register/verify", f"/account/unsubscribe/{unsubscribe_token(parent.id)}"]
    for body, payload in db.session.execute(
        sa.select(NotificationOutbox.body, NotificationOutbox.payload).where(
            NotificationOutbox.id > first
        )
    ):
        for link in re.findall(r"https?://[^/\s]+(/[^\s\"<>]+)", f"{body} {payload}"):
            links.append(link.rstrip(".,)'"))
    tokens = {shape(link) for link in links}
    assert len(tokens) >= 8, sorted(tokens)  # every kind above made its link
    return tuple(dict.fromkeys(links))


@dataclass
class Crawl:
    clients: dict[str, FlaskClient]  # signed in as each role
    pages: list[Page]  # the error states too
    errors: list[Page] = field(default_factory=list)  # the forms posted empty


@pytest.fixture(scope="module")
def crawled(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """The demo school's pages for every role, crawled once for both checks."""
    for demo_app in app_on_copy(
        demo_template, tmp_path_factory.mktemp("standards"), "demo.sqlite3"
    ):
        demo_app.config["IVR_SIMULATOR"] = True  # the staff's phone simulator is a page too
        emails = role_emails()
        result = Crawl({}, [])
        started = time.monotonic()
        for role, email in emails.items():
            client = result.clients[role] = demo_app.test_client()
            sign_in(client, role, email)
            more = mailed_links(client) if role == "anonymous" else ()
            if role == "admin":
                more = year_pages()
            found = crawl(client, role, more)
            assert len(found) >= LEAST_PAGES[role], (role, [p.url for p in found])
            result.pages += found
            errors = error_states(client, role, found)
            result.errors += errors
            result.pages += errors
        counts = {r: sum(1 for p in result.pages if p.role == r) for r in emails}
        errors = {r: sum(1 for p in result.errors if p.role == r) for r in emails}
        print(f"\ncrawled {len(result.pages)} pages in {time.monotonic() - started:.1f}s: {counts};"
              f" of them error states: {errors}")  # fmt: skip
        yield result


def test_every_page_is_valid_html(request: pytest.FixtureRequest) -> None:
    jar, missing = vnu_jar()
    if jar is None:
        pytest.skip(missing)
    crawled: Crawl = request.getfixturevalue("crawled")  # only once the checker is there
    messages = nu_messages([*crawled.pages, CANARY])
    assert any(p is CANARY and "Duplicate ID" in m["message"] for p, m in messages), messages
    errors = [
        describe_nu(p, m) for p, m in messages if m.get("type") == "error" and p is not CANARY
    ]
    for page, message in messages:
        if message.get("type") != "error" and page is not CANARY:
            print("warning:", describe_nu(page, message))
    assert not errors, f"{len(errors)} Nu validator errors:\n" + "\n".join(errors)


@pytest.mark.browser
def test_every_page_passes_axe(request: pytest.FixtureRequest) -> None:
    axe, missing = axe_source()
    if axe is None:
        pytest.skip(missing)
    crawled: Crawl = request.getfixturevalue("crawled")
    found: list[str] = []
    with launch_chromium() as browser:
        for role, client in crawled.clients.items():
            pages = [p for p in crawled.pages if p.role == role]
            found += axe_violations(browser, client, pages, axe)
            # many come on a phone (parents mostly, teachers in the classroom): at 390 px too,
            # one page of each route shape (the error states are their forms' pages again)
            phone = {shape(p.url): p for p in reversed(pages) if p not in crawled.errors}
            found += axe_violations(browser, client, list(phone.values()), axe, width=PHONE)
        canary = axe_violations(browser, crawled.clients["anonymous"], [CANARY], axe)
    assert any(" label (critical)" in f for f in canary), canary
    assert not found, f"{len(found)} serious/critical axe violations:\n" + "\n".join(found)


def test_every_form_shows_its_errors_in_bulgarian_by_its_fields(
    request: pytest.FixtureRequest,
) -> None:
    """Issue 14: each crawled form posted empty comes back with its errors in Bulgarian, each
    field's message named by the field (``aria-describedby``); the error pages themselves are
    among the pages both checkers see."""
    canary = Page("canary", "/canary", 200, ERROR_CANARY, {})
    assert len(error_problems(canary)) == 3, error_problems(canary)  # the check sees them
    crawled: Crawl = request.getfixturevalue("crawled")
    assert {p.role for p in crawled.errors} >= {"anonymous", "parent", "teacher", "admin"}
    problems = [problem for page in crawled.errors for problem in error_problems(page)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
