"""Web tests of the comparison, messages, calendar, my-data and password pages, and the charts."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import sqlalchemy as sa
from icalendar import Calendar

from models import Channel
from models import Guardian
from models import Message
from models import MessageThread
from models import NotificationOutbox
from models import NotifyEvent
from models import db
from portal import charts
from tests.conftest import form_post
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"  # one child, in grade III
NUMERIC = "roditel2@sou1.demo.bg"  # a child in grade V (and one in grade III)


def numeric_child() -> int:
    """roditel2's child in grades IV–XII, whose grades are numbers."""
    from portal.children import children

    kids = [k for k in children(guardian(NUMERIC).id) if k.school_class.grade_level >= 4]
    assert kids
    return kids[0].id


# --- comparison ------------------------------------------------------------------------------------
def test_compare_page_shows_averages_bands_and_chart(demo_client):
    login(demo_client, NUMERIC)
    sid = numeric_child()
    page = demo_client.get(f"/child/{sid}/compare")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Сравнителна справка" in html and "Випуск" in html
    assert re.search(r"в горната четвърт|над средата|под средата|в долната четвърт", html)
    # issue 14: the child's place is said as the child's, never beside the class's average
    assert re.search(r"<dt>Клас [^<]+</dt><dd>[^<]*</dd>", html)
    assert re.search(
        r"<dt>Мястото на [^<]+</dt><dd><span class=\"badge [^\"]+\">[^<]+ на класа</span>", html
    )
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-distribution"' in html
    assert "вашето дете" in html
    assert "<title" in html and "<desc" in html
    assert re.search(r"\d,\d\d", html)  # decimal comma


def test_compare_for_one_subject(demo_client):
    login(demo_client, NUMERIC)
    sid = numeric_child()
    html = demo_client.get(f"/child/{sid}/compare").get_data(as_text=True)
    subject_id = re.search(r'<option value="(\d+)"', html).group(1)
    page = demo_client.get(f"/child/{sid}/compare?subject={subject_id}")
    assert page.status_code == 200
    assert f'<option value="{subject_id}" selected' in page.get_data(as_text=True)


def test_compare_hides_small_classes(demo_client):
    """Moving all but three pupils out of the child's class hides the class aggregates."""
    from models import Enrollment

    login(demo_client, NUMERIC)
    sid = numeric_child()
    class_id = db.session.scalar(sa.select(Enrollment.class_id).where(Enrollment.student_id == sid))
    # the grades stay with the class's curriculum; remove the others' grades to shrink the class
    from models import Curriculum
    from models import Grade

    others = db.session.scalars(
        sa.select(Enrollment.student_id).where(
            Enrollment.class_id == class_id, Enrollment.student_id != sid
        )
    ).all()
    keep = others[:3]
    db.session.execute(
        sa.delete(Grade).where(
            Grade.student_id.in_([o for o in others if o not in keep]),
            Grade.curriculum_id.in_(
                sa.select(Curriculum.id).where(Curriculum.class_id == class_id)
            ),
        )
    )
    db.session.commit()
    html = demo_client.get(f"/child/{sid}/compare").get_data(as_text=True)
    assert "Разпределението е скрито" in html
    assert "chart-distribution" not in html
    assert "скрито" in html


def test_compare_in_grades_one_to_three_counts_marks_without_averages(demo_client):
    login(demo_client, ME)
    sid = child_ids(ME)[0]
    html = demo_client.get(f"/child/{sid}/compare?term=1").get_data(as_text=True)
    assert "не се осредняват" in html and "Качествени оценки по предмети" in html
    assert re.search(r"(Отличен|Много добър|Добър|Среден|Незадоволителен) \(\d+\)", html)
    assert not re.search(r"\d,\d\d", html), "no average, band or histogram of qualitative marks"
    assert "chart-distribution" not in html and "portal-band-" not in html


# --- messages --------------------------------------------------------------------------------------
def test_start_thread_read_and_reply(demo_client):
    login(demo_client, ME)
    sid = child_ids(ME)[0]
    page = demo_client.get(f"/child/{sid}/messages/new")
    html = page.get_data(as_text=True)
    assert "класен ръководител" in html
    staff_id = re.search(r'<option value="(\d+)"', html).group(1)
    response = form_post(
        demo_client,
        f"/child/{sid}/messages/new",
        {"staff_id": staff_id, "subject": "Домашна работа", "body": "Какво е за утре?"},
    )
    assert response.status_code == 302
    thread = db.session.scalars(sa.select(MessageThread)).one()
    assert thread.student_id == sid and thread.guardian_id == guardian(ME).id
    assert thread.staff_id == int(staff_id)
    # the teacher answers in the staff web; here we add the answer directly
    db.session.add(
        Message(
            thread_id=thread.id,
            from_staff=True,
            body="Упражнение 5 на стр. 32.",
            created_at=dt.datetime(2026, 11, 25, 8, 0),  # UTC: the frozen clock's now
        )
    )
    db.session.commit()
    listing = demo_client.get(f"/child/{sid}/messages").get_data(as_text=True)
    assert "Домашна работа" in listing and "1 нови" in listing
    dashboard = demo_client.get(f"/child/{sid}").get_data(as_text=True)
    assert "непрочетено съобщение" in dashboard
    url = f"/child/{sid}/messages/{thread.id}"
    html = demo_client.get(url).get_data(as_text=True)
    assert "Упражнение 5 на стр. 32." in html
    assert "25.11.2026 10:00" in html  # stored UTC, shown in Sofia time
    assert "12:00" not in html and "08:00" not in html
    answer = db.session.scalars(sa.select(Message).where(Message.from_staff.is_(True))).one()
    assert answer.read_at is not None
    response = form_post(demo_client, url, {"body": "Благодаря!"})
    assert response.status_code == 302
    bodies = [
        m.body
        for m in db.session.scalars(
            sa.select(Message).where(Message.thread_id == thread.id).order_by(Message.id)
        )
    ]
    assert bodies == ["Какво е за утре?", "Упражнение 5 на стр. 32.", "Благодаря!"]


def test_empty_reply_is_refused(demo_client):
    login(demo_client, ME)
    sid = child_ids(ME)[0]
    html = demo_client.get(f"/child/{sid}/messages/new").get_data(as_text=True)
    staff_id = re.search(r'<option value="(\d+)"', html).group(1)
    response = form_post(
        demo_client, f"/child/{sid}/messages/new", {"staff_id": staff_id, "subject": "", "body": ""}
    )
    assert response.status_code == 400
    assert "Попълнете полето." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MessageThread.id))) == 0


# --- calendar ----------------------------------------------------------------------------------------
def test_calendar_feed(demo_client):
    login(demo_client, ME)
    page = demo_client.get("/calendar")
    assert "Създай адрес на календара" in page.get_data(as_text=True)
    form_post(demo_client, "/calendar", {}, post_url="/calendar/regenerate")
    html = demo_client.get("/calendar").get_data(as_text=True)
    token = guardian(ME).ical_token
    assert f"/calendar/{token}.ics" in html
    feed = demo_client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    cal = Calendar.from_ical(feed.data)
    events = list(cal.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert any(s.startswith("Родителска среща") for s in summaries)
    assert any(s.startswith(("Контролна работа", "Класна работа")) for s in summaries)
    assert any("Коледен концерт" in s for s in summaries)
    meeting = next(e for e in events if str(e["SUMMARY"]).startswith("Родителска среща"))
    start = meeting.decoded("DTSTART")
    assert isinstance(start, dt.datetime) and start.hour == 18
    assert str(start.tzinfo) == "Europe/Sofia"
    assert list(cal.walk("VTIMEZONE")), "the time zone is described in the feed"
    assert len({str(e["UID"]) for e in events}) == len(events)


# --- my data -----------------------------------------------------------------------------------------
def test_my_data_page_and_json(demo_client):
    login(demo_client, ME)
    page = demo_client.get("/my-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Моите данни" in html and ME in html
    assert 'href="/account/preferences"' in html  # the notification preferences page
    # issue 14: dates as dd.mm.yyyy and times in Sofia, never raw ISO or UTC
    assert not re.search(r"\d{4}-\d{2}-\d{2}", html), re.findall(r"\S*\d{4}-\d{2}-\d{2}\S*", html)
    assert re.search(r"<dt>Профил от</dt><dd>\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}</dd>", html)
    assert re.search(r"<dt>Дата на раждане</dt><dd>\d{2}\.\d{2}\.\d{4}</dd>", html)
    sid = child_ids(ME)[0]
    demo_client.get(f"/child/{sid}")  # writes read receipts
    data = demo_client.get("/my-data.json")
    assert data.mimetype == "application/json"
    assert "attachment" in data.headers["Content-Disposition"]
    body = data.get_json()
    child = body["children"][0]
    assert child["grades"] and {"date", "subject", "value", "kind"} <= set(child["grades"][0])
    assert "absences" in child and "remarks" in child and "health_notes" in child
    # issue 18: the pupil's record, the year's sections and the parent's notes are data too
    assert {"sanctions", "supports", "works", "notes"} <= set(child["pupil_record"])
    assert isinstance(child["year_results"], dict) and isinstance(child["parent_notes"], list)
    json.dumps(body)  # plain JSON types only
    assert body["seen_items"], "read receipts are data about the parent too"


# --- password reset ----------------------------------------------------------------------------------
def _reset_link(email: str) -> str:
    return re.search(r"http://\S+/password/reset/\S+", reset_mail_body(email)).group(0)


def reset_mail_body(email: str) -> str:
    """The body of the last password e-mail to ``email``."""
    row = db.session.scalars(
        sa.select(NotificationOutbox)
        .where(NotificationOutbox.to_address == email)
        .order_by(NotificationOutbox.id.desc())
    ).first()
    assert row is not None
    assert row.channel == Channel.EMAIL and row.event_type == NotifyEvent.ACCOUNT
    assert row.subject == "Бележник: нова парола" and row.guardian_id == guardian(email).id
    return row.body


def test_password_reset_flow(demo_client):
    response = form_post(demo_client, "/password/forgot", {"email": ME})
    assert response.status_code == 302
    link = _reset_link(ME)
    path = link.split("localhost", 1)[1]
    response = form_post(
        demo_client, path, {"password": "нова-парола-1", "confirm": "нова-парола-1"}
    )
    assert response.status_code == 302
    assert login(demo_client, ME, "demo1234").status_code == 400
    assert login(demo_client, ME, "нова-парола-1").status_code == 302
    # the link is single-use: the password changed, so it no longer matches
    form_post(demo_client, "/logout", {})
    again = demo_client.get(path)
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]


def _outbox_rows() -> int:
    """Rows of the outbox (the demo school has some already: its past calls out)."""
    return db.session.scalar(sa.select(sa.func.count(NotificationOutbox.id))) or 0


def test_password_reset_unknown_email_answers_the_same(demo_client):
    before = _outbox_rows()
    response = form_post(demo_client, "/password/forgot", {"email": "nobody@example.bg"})
    assert response.status_code == 302
    assert _outbox_rows() == before
    page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ако има профил с този e-mail" in page


def test_password_reset_is_throttled(demo_client):
    before = _outbox_rows()
    for _ in range(5):
        form_post(demo_client, "/password/forgot", {"email": ME})
    response = form_post(demo_client, "/password/forgot", {"email": ME})
    assert response.status_code == 429
    assert _outbox_rows() == before + 5


def test_password_reset_rejects_forged_and_short(demo_client):
    response = demo_client.get("/password/reset/forged.token.value")
    assert response.status_code == 302
    form_post(demo_client, "/password/forgot", {"email": ME})
    path = _reset_link(ME).split("localhost", 1)[1]
    response = form_post(demo_client, path, {"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "Паролата трябва да е поне 8 знака." in response.get_data(as_text=True)


def test_password_reset_link_expires(demo_client, monkeypatch):
    from portal import accounts

    form_post(demo_client, "/password/forgot", {"email": ME})
    path = _reset_link(ME).split("localhost", 1)[1]
    monkeypatch.setattr(accounts, "RESET_MAX_AGE", -1)
    response = demo_client.get(path)
    assert response.status_code == 302
    assert "изтекла" in demo_client.get(response.headers["Location"]).get_data(as_text=True)


# --- charts ------------------------------------------------------------------------------------------
def test_trend_svg_is_accessible_and_escaped():
    svg = str(
        charts.trend_svg(
            "Човек & природа <б>",
            [(dt.date(2026, 10, 1), Decimal("4")), (dt.date(2026, 10, 8), Decimal("5.50"))],
            dt.date(2026, 9, 15),
            dt.date(2026, 11, 25),
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "&amp;" in svg and "<б>" not in svg
    assert "01.10.2026 — 4,00" in svg and "5,50" in svg
    assert svg.count("<circle") == 2


def test_distribution_svg_marks_the_child_not_only_by_colour():
    svg = str(charts.distribution_svg([("Слаб (под 3)", 1), ("Среден (3–3,49)", 4)], 1))
    assert 'class="bar child"' in svg and "▲ вашето дете" in svg
    assert "Вашето дете е в групата „Среден (3–3,49)“" in svg
    none = str(charts.distribution_svg([("Слаб (под 3)", 5)], None))
    assert "вашето дете" not in none and "още няма оценки" in none


def test_no_external_resources_in_portal_pages(demo_client):
    login(demo_client, ME)
    sid = child_ids(ME)[0]
    for url in (f"/child/{sid}", f"/child/{sid}/compare", "/calendar", "/my-data", "/"):
        html = demo_client.get(url, follow_redirects=True).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html), url


def test_parent_without_children(demo_client):
    from werkzeug.security import generate_password_hash

    db.session.add(
        Guardian(
            full_name="Нов Родител",
            email="nov@example.bg",
            password_hash=generate_password_hash("parola-123"),
        )
    )
    db.session.commit()
    login(demo_client, "nov@example.bg", "parola-123")
    page = demo_client.get("/")
    assert page.status_code == 200
    assert "още няма свързано дете" in page.get_data(as_text=True)
    assert demo_client.get("/my-data.json").get_json()["children"] == []


def test_comparison_svg_says_what_it_shows():
    svg = str(
        charts.comparison_svg(
            [("Математика", Decimal("5.25"), Decimal("4.80"), None), ("Музика", None, None, None)]
        )
    )
    assert 'role="img"' in svg
    assert "Математика: дете 5,25, клас 4,80, випуск няма данни" in svg
    assert svg.count("<rect") == 3 + 2  # the legend's three squares and two bars


def test_every_parent_page_has_the_whole_menu(demo_client):
    """Issue 14: the calendar and "my data" pages dropped "Сравнение" and "Съобщения"."""
    login(demo_client, ME)
    sid = child_ids(ME)[0]
    for path in (f"/child/{sid}", "/calendar", "/my-data"):
        html = demo_client.get(path).get_data(as_text=True)
        nav = html[html.index('<nav aria-label="Основно меню">') :].split("</nav>", 1)[0]
        for label in ("Дневник", "Сравнение", "Съобщения", "Календар", "Моите данни"):
            assert f">{label}" in nav, (path, label)


def test_my_data_holds_a_pg_childs_days(demo_client):
    login(demo_client, "roditel.pg@sou1.demo.bg")
    body = demo_client.get("/my-data.json").get_json()
    year = body["children"][0]["year_results"]
    assert set(year["attendance"]["counts"]) == {"present", "excused", "unexcused"}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["date"]) for d in year["attendance"]["absent"])
