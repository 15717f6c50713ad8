"""Property-based fuzzing of every form (issue 8): every POST route of the staff web, the parent
portal, the account pages and onboarding gets random field values — text (unicode, empty, huge),
numbers out of range, malformed dates, injections — with a real CSRF token, signed in as the
role that owns the form. The answer is never a 500; a 4xx, or a 200/302 (a Bulgarian error on
the page) is fine; a rejected grade column leaves no rows behind.

The forms are found as a person finds them: by crawling the pages each role sees and reading
their ``<form method="post">`` (action, field names, the options of selects, hidden values).
Routes that no crawled page links to are posted to at a URL built from real ids.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from models import db
from tests.conftest import csrf_from

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PASSWORD = "demo1234"
ROLES = {
    "admin": ("staff", "direktor@sou1.demo.bg"),
    "teacher": ("staff", "uchitel1@sou1.demo.bg"),
    "operator": ("staff", "operator@belezhnik.local"),
    "parent": ("portal", "roditel1@sou1.demo.bg"),
    "anonymous": ("none", ""),
}
START = {
    "admin": [
        "/staff/",
        "/staff/admin/year",
        "/staff/admin/students/new",
        "/onboarding/asp",
        "/staff/password",
    ],
    "teacher": ["/staff/", "/staff/events/new", "/staff/meetings/new"],
    "operator": ["/staff/", "/onboarding/requests"],
    "parent": ["/", "/account/preferences", "/account/pin", "/account/children/add", "/calendar"],
    "anonymous": ["/login", "/staff/login", "/register", "/password/forgot", "/onboarding/signup"],
}
PREFIXES = ("/staff", "/onboarding", "/account", "/register", "/child", "/calendar", "/password",
            "/notify/admin", "/login", "/")  # fmt: skip
SKIP_GET = re.compile(r"logout|\.(pdf|csv|xlsx|ics|mp3|wav)$|/export|/download|/feed|/ical|/print")
# fuzzed separately: they end the session
NEVER_POST = {
    "portal.logout",
    "staff.logout",
    "portal.logout_everywhere",
    "staff.logout_everywhere",
}
MAX_PAGES = 140

# --- random values ------------------------------------------------------------------------------
NASTY = [
    "",
    " ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "31.02.2026",
    "2026-02-31",
    "99.99.9999",
    "-1",
    "0",
    "7",
    "2",
    "6.50",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "-99999999999999999999",
    "²",
    "١٢",
    "Иван Петров",
    "x" * 5000,
    "\u202eevil",
    "a@b",
    "%s%s%n",
    "../../etc/passwd",
    "0x10",
    "None",
    "true",
    "25:61",
    "2026-11-25T10:00",
    "a\x00b",  # PostgreSQL text cannot hold NUL: refused up front (400)
]
_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(_chars, max_size=60),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.dates().map(str),
    st.text(_chars, min_size=1000, max_size=3000),
)


# --- finding the forms ---------------------------------------------------------------------------
@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> known good values


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(a.get("action", ""))
                self.forms.append(self._form)
            else:
                self._form = None
        elif self._form is not None and tag in ("input", "textarea", "select", "button"):
            name = a.get("name")
            if not name or name == "csrf_token":
                return
            known = self._form.fields.setdefault(name, [])
            if tag == "select":
                self._select = name
            elif a.get("value") and a.get("type") != "password":
                known.append(a["value"])
        elif tag == "option" and self._form is not None and self._select:
            if a.get("value"):
                self._form.fields[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _path(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin("http://localhost" + base, href))
    if parts.netloc != "localhost":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(client: FlaskClient, role: str) -> None:
    kind, email = ROLES[role]
    if kind == "none":
        return
    url = "/staff/login" if kind == "staff" else "/login"
    page = client.get(url)
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(True))}
    response = client.post(url, data=data)
    assert response.status_code == 302, (role, response.status_code)


def crawl(client: FlaskClient, role: str, extra: list[str] = ()) -> tuple[list[Form], str]:  # type: ignore[assignment]
    """The post forms the role's pages show (deduplicated by action), and a CSRF token."""
    seen: set[str] = set()
    queue = deque(list(extra) + START[role])
    forms: dict[str, Form] = {}
    token = ""
    shapes: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if url in seen or SKIP_GET.search(url) or shapes.get(shape, 0) >= 2:
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, (role, url, response.status_code)
        if response.status_code in (301, 302, 303) and response.location:
            target = _path(url, response.location)
            if target and not target.startswith(("/login", "/staff/login")):
                queue.appendleft(target)
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = _Parser()
        parser.feed(response.get_data(as_text=True))
        if not token and 'name="csrf_token"' in response.get_data(as_text=True):
            token = csrf_from(response.get_data(as_text=True))
        for form in parser.forms:
            action = _path(url, form.action or url)
            if action is None:
                continue
            shape = re.sub(r"\d+", "N", action.split("?")[0])
            if (
                sum(1 for k in forms if re.sub(r"\d+", "N", k) == shape) >= 2
                and action not in forms
            ):
                continue
            known = forms.setdefault(action.split("?")[0], Form(action))
            for name, vals in form.fields.items():
                known.fields.setdefault(name, []).extend(
                    v for v in vals if v not in known.fields[name]
                )
        for href in parser.links:
            path = _path(url, href)
            if path and path.startswith(PREFIXES) and path not in seen:
                if role != "parent" and path == "/":
                    continue
                queue.append(path)
    return list(forms.values()), token


def endpoint_of(app: Flask, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(path).path, method="POST")
    except Exception:  # noqa: BLE001 - not a POST route
        return None
    return str(endpoint)


def fuzz_post(client: FlaskClient, form: Form, token: str, data: dict[str, Any]) -> Any:
    payload = dict(data)
    payload["csrf_token"] = token
    return client.post(form.action, data=payload)


ANSWERS = (200, 204, 302, 303, 400, 401, 403, 404, 405, 409, 413, 422, 429)


def assert_answer(response: Any, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code)
    assert response.status_code in ANSWERS, (where, response.status_code)


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def signed_in(demo_app: Flask, request: pytest.FixtureRequest) -> dict[str, Any]:
    role = request.param
    client = demo_app.test_client()
    sign_in(client, role)
    forms, token = crawl(client, role)
    forms = [f for f in forms if endpoint_of(demo_app, f.action) not in NEVER_POST]
    forms = [f for f in forms if endpoint_of(demo_app, f.action)]
    return {"role": role, "client": client, "forms": forms, "token": token, "app": demo_app}


# Routes no crawled page leads to in the demo (a token in an e-mail, a pending request, a thread
# not started yet): posted at a URL built from real ids, with the fields their forms have.
EXTRA: dict[str, list[tuple[str, list[str]]]] = {
    "admin": [
        ("/staff/school", ["school_id"]),
        ("/staff/password", ["current_password", "password", "confirm"]),
        ("/staff/messages/1", ["body"]),
        ("/onboarding/import/students/not-a-token/commit", ["confirm"]),
        ("/onboarding/import/students/not-a-token/leavers", ["student_ids", "leave_date"]),
        ("/onboarding/import/../../x", ["file"]),
        ("/staff/grid/1", ["kind", "date", "g1", "g2", "comment"]),
        ("/staff/grid/999999", ["kind", "date", "g1"]),
        ("/staff/admin/years/1/current", []),
        ("/staff/admin/years/1/transition", ["action", "carry_curriculum", "pupil-1"]),
        ("/staff/admin/invitations/1/revoke", []),
        ("/onboarding/import/students/not-a-token/cancel", []),
        ("/staff/students/1/phone-unlock", []),  # the button shows only while a child is locked
        ("/staff/admin/families/1/approve", []),
        ("/staff/admin/families/1/refuse", []),
        # first grade's overall result: the test demo has no first grade (a 404 page, fuzzed)
        ("/staff/classes/1/first-grade-results", ["result1"]),
    ],
    "teacher": [
        ("/staff/messages/1", ["body"]),
        ("/staff/admin/students/new", ["first_name"]),  # not the teacher's: 403
    ],
    "operator": [
        ("/staff/operator/schools/2/active", ["active"]),
        ("/onboarding/requests/1/approve", ["note"]),
        ("/onboarding/requests/1/reject", ["reason"]),
    ],
    "parent": [
        ("/calendar/revoke", []),
        ("/child/1/messages/1", ["body"]),
        ("/child/999999/messages/new", ["staff_id", "subject", "body"]),
        ("/account/links/1/confirm", []),
        ("/account/links/revoke/1", []),
        ("/logout", []),
    ],
    "anonymous": [
        ("/password/reset/not-a-token", ["password", "confirm"]),
        ("/register/verify", ["code"]),
        ("/register/finish", ["password", "confirm"]),
        ("/links/1/not-a-token", ["decision"]),
        ("/pin/set/1/not-a-token", ["pin", "pin2"]),
        ("/onboarding/welcome/1/not-a-token", ["password", "confirm"]),
        ("/staff/invitations/not-a-token", ["password", "confirm"]),
        ("/staff/invitations/not-a-token/decline", []),
        ("/staff/admin/year", ["starts_on"]),  # signed out: to the login page
        ("/staff/logout", []),
        ("/logout", []),
        ("/staff/logout/everywhere", []),
        ("/logout/everywhere", []),
    ],
}


def class_book_starts() -> list[str]:
    """The class-book page of an open class (the upload form) and of a finalised one (the
    unlock form): the last class of school 1 is sealed for it."""
    from models import SchoolClass
    from tests.book_seals import seal_without_signature

    first, last = (
        db.session.scalar(sa.select(SchoolClass).where(SchoolClass.school_id == 1).order_by(order))
        for order in (SchoolClass.id, SchoolClass.id.desc())
    )
    assert first is not None and last is not None
    seal_without_signature(last)
    return [f"/staff/classes/{first.id}/book", f"/staff/classes/{last.id}/book"]


def data_starts(role: str) -> list[str]:
    """Pages whose forms only show with data the demo has on some pupil or class (a sanction, a
    support measure, individual work, a health note, class notes, a parent's note waiting), and
    for the parent a note of their own and an urgent notice of today, so that those routes are
    fuzzed too, not only the ones the crawl happens to reach within MAX_PAGES."""
    from config import clock
    from gradebook.core import student_class
    from ivr import urgent
    from models import ClassNote
    from models import Enrollment
    from models import ExcuseReason
    from models import HealthNote
    from models import IndividualWork
    from models import NoteChannel
    from models import NoteStatus
    from models import NoticePurpose
    from models import ParentNote
    from models import Sanction
    from models import SchoolClass
    from models import SupportMeasure
    from tests.test_portal_web import child_ids
    from tests.test_portal_web import guardian

    if role == "admin":
        pupils = [
            db.session.scalar(sa.select(m.student_id).where(m.school_id == 1).order_by(m.id))
            for m in (Sanction, SupportMeasure, IndividualWork, HealthNote)
        ]
        classes = [
            db.session.scalar(sa.select(ClassNote.class_id).where(ClassNote.school_id == 1)),
            db.session.scalar(
                sa.select(ParentNote.student_id).where(
                    ParentNote.school_id == 1, ParentNote.status == NoteStatus.PENDING
                )
            ),
        ]
        pending_class = student_class(classes[1]) if classes[1] else None
        # the year's sections: a ПГ group's day and results, a fifth grade's annual results
        group = db.session.scalar(
            sa.select(SchoolClass.id).where(
                SchoolClass.school_id == 1, SchoolClass.grade_level == 0
            )
        )
        fifth = db.session.scalar(
            sa.select(SchoolClass.id).where(
                SchoolClass.school_id == 1, SchoolClass.grade_level == 5
            )
        )
        fifth_pupil = db.session.scalar(
            sa.select(Enrollment.student_id).where(Enrollment.class_id == fifth)
        )
        year_pages = [
            f"/staff/classes/{group}/attendance",
            f"/staff/classes/{group}/pg-results",
            f"/staff/classes/{fifth}/annual-results",
            f"/staff/classes/{fifth}/annual-results/{fifth_pupil}",
        ]
        return (
            year_pages
            + [f"/staff/students/{sid}" for sid in pupils if sid]
            + class_book_starts()
            + [
                url
                for url in (
                    f"/staff/classes/{classes[0]}/notes" if classes[0] else None,
                    f"/staff/classes/{pending_class.id}/parent-notes" if pending_class else None,
                )
                if url
            ]
        )
    if role == "parent":
        me = guardian(ROLES["parent"][1])
        sid = child_ids(ROLES["parent"][1])[0]
        klass = student_class(sid)
        assert klass is not None
        db.session.add(
            ParentNote(
                school_id=1, school_year_id=klass.school_year_id, student_id=sid,
                guardian_id=me.id, starts_on=clock.today() + dt.timedelta(days=1),
                ends_on=clock.today() + dt.timedelta(days=1), reason=ExcuseReason.FAMILY,
                channel=NoteChannel.PORTAL, status=NoteStatus.PENDING,
            )
        )  # fmt: skip
        urgent.start_notice(
            school_id=1, purpose=NoticePurpose.NOT_AT_SCHOOL, day=clock.today(),
            student_ids=[sid], guardian_ids=[me.id], payload={"sms": "Тест", "absent": []},
        )  # fmt: skip
        db.session.commit()
        return [f"/child/{sid}", f"/child/{sid}/notes"]
    return []


def role_forms(app: Flask, client: FlaskClient, role: str) -> tuple[list[Form], str]:
    sign_in(client, role)
    forms, token = crawl(client, role, data_starts(role))
    if not token:  # a page with a form gives the session's token
        token = csrf_from(client.get("/login").get_data(as_text=True))
    forms += [Form(url, {name: [] for name in names}) for url, names in EXTRA[role]]
    if role != "anonymous":
        forms = [f for f in forms if endpoint_of(app, f.action) not in NEVER_POST]
    return forms, token


def own_staff_id(email: str) -> int | None:
    from models import StaffUser

    return db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email))


def harmless(forms: list[Form], role: str) -> list[Form]:
    """Leave out what would sign the fuzzing user out (removing or re-passwording oneself)."""
    email = ROLES[role][1]
    me = own_staff_id(email) if ROLES[role][0] == "staff" else None
    keep = []
    for f in forms:
        if me is not None and re.search(rf"/staff/{me}/", f.action):
            continue
        if f.action.startswith(("/logout", "/staff/logout")):
            continue
        keep.append(f)
    return keep


EXTRA_KEYS = ["zzz", "id", "school_id", "student_id", "g999", "g²", "v²", "g" + "9" * 30]


def form_data(draw: Any, form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, known in form.fields.items():
        choice = draw(
            st.sampled_from(["known", "random", "missing"])
            if known
            else st.sampled_from(["random", "random", "missing"])
        )
        if choice == "known":
            data[name] = draw(st.sampled_from(known))
        elif choice == "random":
            data[name] = draw(values)
    if draw(st.booleans()):
        data[draw(st.sampled_from(EXTRA_KEYS))] = draw(values)
    return data


@pytest.fixture(params=list(ROLES))
def fuzzer(demo_app: Flask, request: pytest.FixtureRequest) -> dict[str, Any]:
    """One role signed in, its forms found (once per test; hypothesis reuses it)."""
    role = str(request.param)
    client = demo_app.test_client()
    forms, token = role_forms(demo_app, client, role)
    return {"role": role, "client": client, "forms": forms, "token": token, "app": demo_app}


@FUZZ
@given(data=st.data())
def test_random_values_in_every_form(fuzzer: dict[str, Any], data: st.DataObject) -> None:
    role = fuzzer["role"]
    form = data.draw(st.sampled_from(harmless(fuzzer["forms"], role)), label="form")
    fields = form_data(data.draw, form)
    response = fuzz_post(fuzzer["client"], form, fuzzer["token"], fields)
    assert_answer(response, f"{role} {form.action}")


def test_nasty_values_in_every_form_and_every_route_covered(fuzzer: dict[str, Any]) -> None:
    """Each form once with every field the same nasty value; the role's routes all reached."""
    role, client, token, app = fuzzer["role"], fuzzer["client"], fuzzer["token"], fuzzer["app"]
    by_endpoint = {endpoint_of(app, f.action): f for f in harmless(fuzzer["forms"], role)}
    forms = list(by_endpoint.values())
    failed: list[str] = []
    for value in ("<script>' OR 1=1 --", "31.02.2026", "", "x" * 5000, "-99999999999999999999",
                  "²"):  # fmt: skip
        for form in forms:
            where = f"{role} {form.action} {value[:20]!r}"
            try:
                response = fuzz_post(client, form, token, {name: value for name in form.fields})
            except Exception as exc:  # noqa: BLE001 - the app raised: a 500 in production
                db.session.rollback()
                failed.append(f"{where}: {exc!r}"[:300])
                continue
            if response.status_code >= 500:
                failed.append(f"{where}: {response.status_code}")
            else:
                assert_answer(response, where)
    assert not failed, "\n".join(failed)
    reached = {endpoint_of(app, f.action) for f in fuzzer["forms"]}
    COVERED.setdefault("reached", set()).update(reached)
    COVERED.setdefault("roles", set()).add(role)


COVERED: dict[str, set[str | None]] = {}


def test_unsubscribe_link_with_nasty_tokens(demo_app: Flask) -> None:
    """The one POST route no page links to (its link is in the e-mails): odd and forged tokens,
    as a mail client would post them (no cookie, no CSRF token), are a 404, never a 500."""
    client = demo_app.test_client()
    for token in ("<script>", "x" * 5000, "-99999999999999999999", "²", "eyJ0ZXN0IjoxfQ.abc"):
        for method in ("GET", "POST"):
            response = client.open(
                f"/account/unsubscribe/{token}", method=method,
                data={"List-Unsubscribe": "One-Click"},
            )  # fmt: skip
            assert response.status_code == 404, (token[:20], method, response.status_code)
    COVERED.setdefault("reached", set()).add("account.unsubscribe")


WEB_BLUEPRINTS = ("staff.", "portal.", "account.", "onboarding.", "notify.admin")


def test_zz_every_post_route_was_fuzzed(demo_app: Flask) -> None:
    """Runs after the sweeps above (file order): no POST route of the web was left out."""
    if COVERED.get("roles") != set(ROLES):
        pytest.skip("runs after the sweeps of every role (same process)")
    routes = {
        r.endpoint
        for r in demo_app.url_map.iter_rules()
        if "POST" in (r.methods or set()) and r.endpoint.startswith(WEB_BLUEPRINTS)
    }
    missing = sorted(routes - COVERED["reached"])
    assert missing == [], "\n".join(missing)


# --- nothing half-saved -------------------------------------------------------------------------
def _counts() -> tuple[int, ...]:
    from models import Absence
    from models import AuditLog
    from models import Grade
    from models import NotificationOutbox

    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0
        for m in (Grade, Absence, AuditLog, NotificationOutbox)
    )


@pytest.fixture
def grid(demo_app: Flask) -> dict[str, Any]:
    client = demo_app.test_client()
    sign_in(client, "admin")
    page = client.get("/staff/grid/1").get_data(as_text=True)
    parser = _Parser()
    parser.feed(page)
    (form,) = [f for f in parser.forms if any(re.fullmatch(r"g\d+", n) for n in f.fields)]
    form.action = _path("/staff/grid/1", form.action or "/staff/grid/1") or "/staff/grid/1"
    return {"client": client, "form": form, "token": csrf_from(page)}


@FUZZ
@given(
    grades=st.lists(st.one_of(st.sampled_from(["", "2", "6", "5.50", "4+"]), values), max_size=8),
    date=st.one_of(st.sampled_from(["31.02.2026", "2026-02-31", "", "25.11.2026"]), values),
    kind=st.one_of(st.sampled_from(["current", "control", "classwork", "test"]), values),
)
def test_a_rejected_grade_column_saves_nothing(
    grid: dict[str, Any], grades: list[str], date: str, kind: str
) -> None:
    form: Form = grid["form"]
    cells = sorted(n for n in form.fields if re.fullmatch(r"g\d+", n))
    data = {"date": date, "kind": kind, "comment": "<script>"}
    data.update(zip(cells, grades, strict=False))
    before = _counts()
    response = fuzz_post(grid["client"], form, grid["token"], data)
    assert_answer(response, form.action)
    db.session.expire_all()
    if response.status_code != 302:  # rejected (or nothing typed): no row, no audit, no notice
        assert _counts() == before, (response.status_code, data)


# --- regressions found by the fuzzing -------------------------------------------------------------
def _post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    token = csrf_from(client.get("/staff/password").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


@pytest.mark.parametrize(
    ("url", "data"),
    [
        # gradebook/views/absences.py class_absences: "²".isdigit() but int("²") fails
        ("/staff/classes/1/absences", {"absence": "²", "mode": "excuse"}),
        # gradebook/views/grades.py grid / final_grades: a cell named "g²"
        ("/staff/grid/1", {"g²": "5", "kind": "current", "date": "25.11.2026"}),
        ("/staff/grid/1/final?kind=annual", {"g²": "5", "v²": "1"}),
        # gradebook/views/grades.py final_grades: a term of 10**19 reached the query (overflow)
        ("/staff/grid/1/final?kind=annual", {"term": "-9999999999999999999"}),
        # gradebook/views/admin_*.py: teacher ids and the student to go back to, out of range
        ("/staff/admin/classes/1/teacher", {"teacher_id": "-9999999999999999999"}),
        ("/staff/admin/curriculum/1/teacher", {"teacher_id": "99999999999999999999"}),
        ("/staff/admin/guardians/2/pin", {"student_id": "99999999999999999999"}),
        # gradebook/core.py get_in_school: an id in the URL beyond INTEGER
        ("/staff/grades/99999999999999999999/edit", {"value": "5"}),
        ("/staff/school", {"school_id": "99999999999999999999"}),
        # notify/views.py admin_resend: "²" and an out-of-range id
        ("/notify/admin/resend", {"ids": "²"}),
        ("/notify/admin/resend", {"ids": "99999999999999999999"}),
    ],
)
def test_odd_numbers_in_staff_forms_are_refused_not_a_500(
    demo_app: Flask, url: str, data: dict[str, str]
) -> None:
    client = demo_app.test_client()
    sign_in(client, "admin")
    response = _post(client, url, data)
    assert_answer(response, url)


@pytest.mark.parametrize("term", ["99999999999999999999", "²", "3"])
def test_odd_term_in_the_query_string(demo_app: Flask, term: str) -> None:
    client = demo_app.test_client()
    sign_in(client, "admin")
    for url in ("/staff/grid/1", "/staff/classes/1/overview"):
        assert_answer(client.get(f"{url}?term={term}"), url)


def test_odd_subject_in_the_parent_comparison(demo_app: Flask) -> None:
    """portal/views.py compare: ``?subject=²`` was int()ed after isdigit()."""
    client = demo_app.test_client()
    sign_in(client, "parent")
    child = client.get("/").location or "/child/1"
    for subject in ("²", "99999999999999999999"):
        response = client.get(f"{urlsplit(child).path.rstrip('/')}/compare?subject={subject}")
        assert_answer(response, "compare")


# --- import files -------------------------------------------------------------------------------
IMPORT_KINDS = ("students", "teachers", "classes", "subjects", "curriculum", "timetable")


@pytest.fixture
def importer_client(demo_app: Flask) -> dict[str, Any]:
    client = demo_app.test_client()
    sign_in(client, "admin")
    examples = {
        kind: client.get(f"/onboarding/import/{kind}/example.csv").get_data(as_text=True)
        for kind in IMPORT_KINDS
    }
    token = csrf_from(client.get("/onboarding/asp").get_data(as_text=True))
    return {"client": client, "examples": examples, "token": token}


@st.composite
def import_file(draw: Any, example: str) -> tuple[str, bytes]:
    rows = [line.split(";") for line in example.lstrip("\ufeff").splitlines()]
    for _ in range(draw(st.integers(0, 6))):
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(values).replace(";", ",").replace("\n", " ").replace("\r", " ")
    if draw(st.booleans()):
        rows = rows[: draw(st.integers(0, len(rows)))]
    if draw(st.booleans()):
        rows.append([draw(values).replace("\n", " ") for _ in range(draw(st.integers(0, 25)))])
    text = "\r\n".join(";".join(row) for row in rows)
    encoding = draw(st.sampled_from(["utf-8-sig", "utf-8", "cp1251", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    shape = draw(st.sampled_from(["csv", "csv", "csv", "bytes", "xlsx-junk", "truncated"]))
    if shape == "bytes":
        return "x.csv", draw(st.binary(max_size=400))
    if shape == "xlsx-junk":
        return "x.xlsx", b"PK\x03\x04" + draw(st.binary(max_size=300))
    if shape == "truncated":
        return "x.csv", data[: draw(st.integers(0, len(data)))]
    return draw(st.sampled_from(["x.csv", "x.txt", "", "../../x.csv", "x.CSV"])), data


@settings(FUZZ, max_examples=15, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_random_import_files_preview_and_commit(
    importer_client: dict[str, Any], data: st.DataObject
) -> None:
    """Upload → preview → commit (→ leavers) of a mangled example file: never a 500."""
    import io

    client, token = importer_client["client"], importer_client["token"]
    kind = data.draw(st.sampled_from(IMPORT_KINDS), label="kind")
    filename, content = data.draw(import_file(importer_client["examples"][kind]), label="file")
    response = client.post(
        f"/onboarding/import/{kind}",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename or "f")},
        content_type="multipart/form-data",
    )
    assert_answer(response, f"upload {kind}")
    if response.status_code != 302 or "/import/" not in (response.location or ""):
        return
    preview = urlsplit(response.location).path
    if preview.rstrip("/").endswith("/import"):
        return
    assert_answer(client.get(preview), f"preview {kind}")
    commit = client.post(preview + "/commit", data={"csrf_token": token, "invite": ""})
    assert_answer(commit, f"commit {kind}")
    if kind == "students":
        token_part = preview.rstrip("/").rsplit("/", 1)[-1]
        leavers = client.post(
            f"/onboarding/import/students/{token_part}/leavers",
            data={"csrf_token": token, "on_date": data.draw(values), "student_id": "1"},
        )
        assert_answer(leavers, "leavers")


@settings(FUZZ, max_examples=20)
@given(
    content=st.one_of(
        st.binary(max_size=600),
        st.text(_chars, max_size=600).map(lambda t: t.encode("cp1251", errors="replace")),
    )
)
def test_random_asp_files(importer_client: dict[str, Any], content: bytes) -> None:
    import io

    client, token = importer_client["client"], importer_client["token"]
    response = client.post(
        "/onboarding/asp",
        data={"csrf_token": token, "file": (io.BytesIO(content), "asp.txt")},
        content_type="multipart/form-data",
    )
    assert_answer(response, "asp")


@pytest.mark.parametrize(
    "content",
    [
        "Предмет;Кратко име;Изговаряне\r\nМатематика\rМАТ;МАТ;\r\n".encode(),  # a lone \r
        ("Предмет;Кратко име\r\n" + "x" * 200_000 + "\r\n").encode(),  # over csv's field limit
    ],
    ids=["lone-cr", "huge-field"],
)
def test_odd_csv_is_a_bulgarian_error_not_a_500(
    importer_client: dict[str, Any], content: bytes
) -> None:
    """Regression (onboarding/tabular.py ``read_table``): csv.Error escaped as a 500."""
    import io

    client, token = importer_client["client"], importer_client["token"]
    response = client.post(
        "/onboarding/import/subjects",
        data={"csrf_token": token, "file": (io.BytesIO(content), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(urlsplit(response.location).path)
    assert preview.status_code in (200, 422)
    assert_answer(client.post(urlsplit(response.location).path + "/commit",
                              data={"csrf_token": token}), "commit")  # fmt: skip


# --- ids in the URL ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "teacher", "parent", "operator"])
def test_out_of_range_ids_in_every_url(demo_app: Flask, role: str) -> None:
    """Every route with an ``<int:…>`` part, with 10**20 there (werkzeug's int converter takes
    any size; INTEGER does not): GET and POST answer, never a 500."""
    client = demo_app.test_client()
    sign_in(client, role)
    token = csrf_from(
        client.get("/account/pin" if role == "parent" else "/staff/password").get_data(True)
    )
    failed = []
    for rule in demo_app.url_map.iter_rules():
        ints = [
            name
            for name, conv in rule._converters.items()
            if type(conv).__name__ == "IntegerConverter"
        ]
        if not ints or rule.endpoint.startswith("static"):
            continue
        args = {name: "" for name in rule.arguments}
        for name in rule.arguments:
            args[name] = 10**20 if name in ints else "x"
        if "kind" in rule.arguments:
            args["kind"] = "students"
        with demo_app.test_request_context():
            from flask import url_for

            try:
                url = url_for(rule.endpoint, **args)
            except Exception:  # noqa: BLE001 - an `any(...)` part: not worth building
                continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            if "logout" in rule.endpoint:
                continue
            try:
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": token, "reason": "x"})
            except Exception as exc:  # noqa: BLE001 - a 500 in production
                db.session.rollback()
                failed.append(f"{method} {url}: {exc!r}"[:200])
                continue
            if response.status_code >= 500:
                failed.append(f"{method} {url}: {response.status_code}")
    assert not failed, "\n".join(failed)


def test_a_nul_character_in_a_form_is_a_400(demo_app: Flask) -> None:
    """Regression (app.py ``refuse_nul_characters``): on PostgreSQL "a\\x00b" in any text field
    (login, forgot password, a subject's name, a delete reason…) was a DataError → 500."""
    client = demo_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"csrf_token": csrf_from(page), "email": "a\x00@b.bg", "password": "x"}
    )
    assert response.status_code == 400
    sign_in(client, "admin")
    before = _counts()
    assert (
        _post(client, "/staff/admin/subjects", {"name": "Мат\x00", "short_name": "М"}).status_code
        == 400
    )
    db.session.expire_all()
    assert _counts() == before
