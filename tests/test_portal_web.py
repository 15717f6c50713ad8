"""Web tests of the parent portal: sign-in, throttling, every page and section of the diary."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import AttemptCounter
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import Remark
from models import SeenItem
from models import Student
from models import db
from portal.children import children
from portal.receipts import seen_by
from tests.conftest import form_post

PASSWORD = "demo1234"


def login(client, email="roditel1@sou1.demo.bg", password=PASSWORD):
    return form_post(client, "/login", {"email": email, "password": password})


def guardian(email="roditel1@sou1.demo.bg") -> Guardian:
    return db.session.scalars(sa.select(Guardian).where(Guardian.email == email)).one()


def child_ids(email="roditel1@sou1.demo.bg") -> list[int]:
    return list(
        db.session.scalars(
            sa.select(GuardianStudent.student_id)
            .join(Guardian, Guardian.id == GuardianStudent.guardian_id)
            .where(Guardian.email == email)
            .order_by(GuardianStudent.student_id)
        )
    )


def test_welcome_for_anonymous(demo_client):
    page = demo_client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="bg"' in html and "Вход за родители" in html and "/login" in html
    assert "/register" in html and "/onboarding/signup" in html and "/staff/" in html


def test_login_redirects_to_first_child(demo_client):
    response = login(demo_client)
    assert response.status_code == 302
    home = demo_client.get("/")
    assert home.status_code == 302 and re.search(r"/child/\d+$", home.headers["Location"])
    page = demo_client.get(home.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for heading in (
        "Последни оценки",
        "Оценки по предмети",
        "Отсъствия",
        "Седмична програма",
        "Забележки и похвали",
        "Здравни бележки",
        "Предстоящи",
    ):
        assert heading in html, heading


def test_wrong_password_same_message_and_counted(demo_client):
    page = login(demo_client, password="wrong-one")
    assert page.status_code == 400
    assert "Грешен e-mail или парола." in page.get_data(as_text=True)
    page = login(demo_client, email="nobody@example.bg", password="x")
    assert "Грешен e-mail или парола." in page.get_data(as_text=True)
    keys = set(
        db.session.scalars(
            sa.select(AttemptCounter.key).where(
                AttemptCounter.scope == "parent_login", AttemptCounter.attempts > 0
            )
        )
    )
    assert "roditel1@sou1.demo.bg" in keys and "nobody@example.bg" in keys


def test_login_is_throttled_even_with_the_right_password(demo_app, demo_client):
    demo_app.config["LOGIN_FAILS_PER_HOUR"] = 3
    for _ in range(3):
        login(demo_client, password="wrong")
    page = login(demo_client)
    assert page.status_code == 400
    assert "Твърде много неуспешни опита" in page.get_data(as_text=True)
    assert demo_client.get("/").status_code == 200  # still the anonymous welcome


def test_login_without_csrf_is_refused(demo_client):
    page = demo_client.post("/login", data={"email": "roditel1@sou1.demo.bg", "password": PASSWORD})
    assert page.status_code == 400
    assert demo_client.get("/").status_code == 200


def test_login_next_is_only_local(demo_client):
    form = demo_client.get("/login?next=//evil.example/x")
    assert form.status_code == 200
    from tests.conftest import csrf_from

    token = csrf_from(form.get_data(as_text=True))
    response = demo_client.post(
        "/login?next=//evil.example/x",
        data={"email": "roditel1@sou1.demo.bg", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_protected_pages_redirect_to_login(demo_client):
    sid = child_ids()[0]
    for url in (
        f"/child/{sid}",
        f"/child/{sid}/compare",
        f"/child/{sid}/messages",
        "/calendar",
        "/my-data",
        "/my-data.json",
    ):
        response = demo_client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_logout(demo_client):
    login(demo_client)
    sid = child_ids()[0]
    assert demo_client.get(f"/child/{sid}").status_code == 200
    response = form_post(demo_client, "/logout", {})
    assert response.status_code == 302
    assert demo_client.get(f"/child/{sid}").status_code == 302


def test_dashboard_shows_grades_with_word_and_marks_them_seen(demo_client):
    login(demo_client)
    sid = child_ids()[0]
    html = demo_client.get(f"/child/{sid}?term=1").get_data(as_text=True)
    grade = db.session.scalars(
        sa.select(Grade).where(Grade.student_id == sid, Grade.term == 1).limit(1)
    ).first()
    assert grade is not None
    assert grade.subject.name in html
    from gradebook import rules

    kind_and_date = f"{rules.GRADE_KINDS[grade.kind]}, {rules.format_date_bg(grade.date)}"
    assert kind_and_date in html, "each grade's kind and date are readable without hovering"
    # this child is in grade III: marks are counted ("Отличен (3)"), never averaged (DOMAIN.md)
    assert re.search(r"(Незадоволителен|Среден|Добър|Много добър|Отличен) \(\d+\)", html)
    grades_table = html[html.index('id="grades"') : html.index('id="absences"')]
    grades_text = re.sub(r"<svg.*?</svg>", "", grades_table, flags=re.S)  # chart coordinates
    assert not re.search(r"\d,\d\d", grades_text), "no average of qualitative marks"
    assert "Среден:" not in grades_table and "Прогноза (средно)" not in grades_table
    assert "Среден успех" not in html[: html.index('id="latest"')]
    assert "Cache-Control" in demo_client.get(f"/child/{sid}").headers
    g = guardian()
    seen = set(
        db.session.scalars(
            sa.select(SeenItem.object_id).where(
                SeenItem.guardian_id == g.id, SeenItem.object_type == "grade"
            )
        )
    )
    assert grade.id in seen
    receipts = seen_by("grade", [grade.id])
    assert [r["guardian"] for r in receipts[grade.id]] == [g.full_name]
    # viewing again writes nothing new (idempotent)
    before = db.session.scalar(sa.select(sa.func.count(SeenItem.id)))
    demo_client.get(f"/child/{sid}?term=1")
    assert db.session.scalar(sa.select(sa.func.count(SeenItem.id))) == before


def test_dashboard_of_grades_four_to_twelve_shows_forecast_with_word(demo_client):
    email = "roditel2@sou1.demo.bg"
    login(demo_client, email=email)
    kids = [k for k in children(guardian(email).id) if k.school_class.grade_level >= 4]
    html = demo_client.get(f"/child/{kids[0].id}?term=1").get_data(as_text=True)
    assert re.search(r"(Слаб|Среден|Добър|Много добър|Отличен) \d,\d\d", html), "forecast with word"
    assert "Среден успех за I срок" in html


def test_remarks_are_marked_seen(demo_client):
    remark = db.session.scalars(sa.select(Remark).order_by(Remark.id).limit(1)).one()
    link = db.session.scalars(
        sa.select(GuardianStudent).where(GuardianStudent.student_id == remark.student_id)
    ).first()
    if link is None:  # give the first demo parent this child too
        g = guardian()
        db.session.add(
            GuardianStudent(
                guardian_id=g.id, student_id=remark.student_id, school_id=remark.school_id
            )
        )
        db.session.commit()
        email = g.email
    else:
        email = link.guardian.email
    login(demo_client, email=email)
    page = demo_client.get(f"/child/{remark.student_id}")
    assert remark.text in page.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(SeenItem.id)).where(
                SeenItem.object_type == "remark", SeenItem.object_id == remark.id
            )
        )
        == 1
    )


def test_timetable_marks_today_and_bells(demo_client):
    login(demo_client)
    sid = child_ids()[0]
    html = demo_client.get(f"/child/{sid}").get_data(as_text=True)
    # 25.11.2026 is a Wednesday: the column of Сряда is marked
    assert re.search(r'aria-current="date">Сряда', html)
    assert re.search(r"\d\d:\d\d–\d\d:\d\d", html), "bell times"


def test_two_children_switch(demo_client):
    email = "roditel2@sou1.demo.bg"
    ids = child_ids(email)
    assert len(ids) == 2
    login(demo_client, email=email)
    for sid in ids:
        student = db.session.get(Student, sid)
        html = demo_client.get(f"/child/{sid}").get_data(as_text=True)
        assert student.full_name in html
        other = db.session.get(Student, [i for i in ids if i != sid][0])
        assert f"/child/{other.id}" in html, "the switcher links the other child"


def test_term_two_view(demo_client):
    login(demo_client)
    sid = child_ids()[0]
    page = demo_client.get(f"/child/{sid}?term=2")
    assert page.status_code == 200 and "II срок" in page.get_data(as_text=True)


def _link(email: str, student_id: int) -> None:
    g = guardian(email)
    student = db.session.get(Student, student_id)
    if student_id in child_ids(email):
        return
    db.session.add(
        GuardianStudent(guardian_id=g.id, student_id=student.id, school_id=student.school_id)
    )
    db.session.commit()


def test_children_in_two_schools(demo_client):
    other_school_child = db.session.scalar(
        sa.select(Student.id).where(Student.school_id == 2).order_by(Student.id).limit(1)
    )
    _link("roditel1@sou1.demo.bg", other_school_child)
    login(demo_client)
    for sid in child_ids():
        student = db.session.get(Student, sid)
        page = demo_client.get(f"/child/{sid}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and student.full_name in html
        assert "2 СУ" in html and "1 СУ" in html  # the switcher names each child's school
    html = demo_client.get(f"/child/{other_school_child}/compare").get_data(as_text=True)
    assert "Сравнителна справка" in html


def test_health_notes_and_coming_meetings(demo_client):
    from models import HealthNote

    note = db.session.scalars(sa.select(HealthNote).order_by(HealthNote.id).limit(1)).one()
    _link("roditel1@sou1.demo.bg", note.student_id)
    login(demo_client)
    html = demo_client.get(f"/child/{note.student_id}").get_data(as_text=True)
    assert note.text in html
    assert "Родителска среща" in html  # every demo class has a meeting within two weeks
    assert re.search(r"(Контролна работа|Класна работа)</span>", html)  # the tests schedule


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/child/5", "/child/5"),
        ("/child/5?term=2", "/child/5?term=2"),
        ("//evil.example/x", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
        ("child/5", None),
        ("", None),
    ],
)
def test_safe_next(target, safe):
    from portal.views import _safe_next

    assert _safe_next(target) == safe


def test_term_and_annual_grades_are_shown_once_set(demo_client):
    sid = child_ids()[0]
    current = db.session.scalars(
        sa.select(Grade).where(Grade.student_id == sid, Grade.term == 1).limit(1)
    ).one()
    base = dict(
        school_id=current.school_id,
        school_year_id=current.school_year_id,
        student_id=sid,
        curriculum_id=current.curriculum_id,
        subject_id=current.subject_id,
        category=current.category,
        date=current.date,
    )
    db.session.add_all(
        [
            Grade(**base, term=1, kind="term", value=5),
            Grade(**base, term=None, kind="annual", value=6),
        ]
    )
    db.session.commit()
    login(demo_client)
    html = demo_client.get(f"/child/{sid}?term=1").get_data(as_text=True)
    row = re.search(
        rf'<th scope="row">{re.escape(current.subject.name)}</th>(.*?)</tr>', html, re.S
    ).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)  # cells carry data-label
    assert len(cells) == 5
    final = [re.sub(r"<[^>]+>", "", c).strip() for c in cells[2:]]
    words = {5: "Много добър", 6: "Отличен"}  # grades I–III are written in words
    assert final[0] in ("5", words[5]) and final[1] == "" and final[2] in ("6", words[6])
