"""The parent portal's homework: the child's page (due soon first, then recent; subject, given
when, due when), "for tomorrow" on the child's page, the include of one lesson's homework, and
nobody else's homework (SQLite demo, Wednesday 25.11.2026)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template

from gradebook import core
from gradebook import homework as homework_uc
from gradebook import lesson_cover
from models import Enrollment
from models import Homework
from models import TimetableSlot
from models import db
from portal import homework as portal_homework
from portal.children import children
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel2@sou1.demo.bg"
WED, THU = dt.date(2026, 11, 25), dt.date(2026, 11, 26)


def _class_of(student_id: int) -> int:
    return db.session.scalar(
        sa.select(Enrollment.class_id).where(
            Enrollment.student_id == student_id, Enrollment.left_on.is_(None)
        )
    )


def _give(class_id: int, text: str, due: dt.date | None = THU) -> Homework:
    # the first Wednesday lesson its own teacher holds (not one of the demo's absent teacher)
    slot = next(
        s
        for s in db.session.scalars(
            sa.select(TimetableSlot)
            .where(
                TimetableSlot.class_id == class_id,
                TimetableSlot.weekday == 3,
                TimetableSlot.teacher_id.is_not(None),
            )
            .order_by(TimetableSlot.period)
        )
        if lesson_cover.cover_of(s, WED) is None
    )
    me = core.Actor.load(slot.teacher_id, slot.school_id)
    return homework_uc.give_homework(me, slot.id, date=WED, text=text, due_on=due)


def test_the_homework_page_and_tomorrow_on_the_childs_page(demo_client):
    sid = child_ids(ME)[0]
    hw = _give(_class_of(sid), "Зад. 11 на стр. 70")
    login(demo_client, ME)
    page = demo_client.get(f"/child/{sid}/homework")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Зад. 11 на стр. 70" in html and hw.subject.name in html
    assert "за 26.11.2026" in html and "Дадена на 25.11.2026" in html
    assert html.index("Предстоящи") < html.index("Зад. 11 на стр. 70") < html.index("Последните")
    child = demo_client.get(f"/child/{sid}").get_data(as_text=True)
    assert "Домашни за утре" in child and "Зад. 11 на стр. 70" in child
    assert f'href="/child/{sid}/homework"' in child


def test_due_soon_first_then_recent(demo_app):
    sid = child_ids(ME)[0]
    class_id = _class_of(sid)
    _give(class_id, "По-късно", due=dt.date(2026, 12, 2))
    _give(class_id, "Скоро", due=THU)
    ctx = next(k for k in children(guardian(ME).id) if k.id == sid)
    coming, recent = portal_homework.child_homework(ctx, WED)
    texts = [h.text for h in coming]
    assert texts.index("Скоро") < texts.index("По-късно")
    assert all(h.due_on >= WED for h in coming) and all(h.due_on < WED for h in recent)
    assert [h.due_on for h in recent] == sorted((h.due_on for h in recent), reverse=True)
    day, tomorrow = portal_homework.due_next(ctx, dt.date(2026, 11, 27))  # a Friday
    assert day == dt.date(2026, 11, 30) and all(h.due_on == day for h in tomorrow)


def test_the_include_of_one_lessons_homework(demo_app):
    sid = child_ids(ME)[0]
    hw = _give(_class_of(sid), "Научете думите")
    ctx = next(k for k in children(guardian(ME).id) if k.id == sid)
    by_lesson = portal_homework.of_lessons(ctx, [hw.lesson_id, 10**9])
    assert [h.text for h in by_lesson[hw.lesson_id]] == ["Научете думите"]
    with demo_app.test_request_context():
        html = render_template(
            "portal/_lesson_homework.html", lesson_homework=by_lesson[hw.lesson_id]
        )
    assert "Научете думите" in html and "26.11.2026" in html


def test_another_childs_homework_is_not_shown(demo_client):
    mine = child_ids(ME)
    other = db.session.scalar(
        sa.select(Enrollment.class_id)
        .where(
            Enrollment.student_id.not_in(mine),
            Enrollment.class_id.not_in([_class_of(s) for s in mine]),
        )
        .order_by(Enrollment.id)
    )
    _give(other, "Тайно домашно")
    login(demo_client, ME)
    for sid in mine:
        for url in (f"/child/{sid}/homework", f"/child/{sid}"):
            assert "Тайно домашно" not in demo_client.get(url).get_data(as_text=True)
    ctx = next(k for k in children(guardian(ME).id) if k.id == mine[0])
    lessons = db.session.scalars(sa.select(Homework.lesson_id).where(Homework.class_id == other))
    assert portal_homework.of_lessons(ctx, list(lessons)) == {}
