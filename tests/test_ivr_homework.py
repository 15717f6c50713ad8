"""The phone reads homework due on menu 6's day after its timetable: chosen when the summary is
read (what "tomorrow" is depends on the day of the call), one sentence a homework naming its
subject, abbreviations and numbers in words; and a whole call through the signed webhooks."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from gradebook import core
from gradebook import homework as homework_uc
from ivr import content
from ivr import speech
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import TimetableSlot
from models import db
from prompts import catalog

WED, THU, FRI = dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 27)


def _summary(*homework: dict) -> dict:  # type: ignore[type-arg]
    lesson = {"starts": "08:00", "ends": "08:40", "term": None, "period": 1}
    return {
        "term": 1,
        "timetable": {
            str(d): [{**lesson, "subject": "Математика", "spoken": "Математика"}]
            for d in range(1, 6)
        },
        "homework": list(homework),
    }


def _hw(subject: str, text: str, due: dt.date, spoken: str = "") -> dict:  # type: ignore[type-arg]
    return {"subject": subject, "spoken": spoken, "text": text, "date": "2026-11-24",
            "due_on": due.isoformat()}  # fmt: skip


CASES = [
    (
        WED,
        [_hw("Математика", "Зад. 3 и 4 на стр. 45", THU)],
        ["За утре: домашно по Математика: задача три и четири на страница четиридесет и пет."],
        "one for tomorrow, abbreviations read in full",
    ),
    (
        WED,
        [_hw("Математика", "Упр. 2", THU), _hw("Човекът и природата", "Прочетете урока", THU)],
        [
            "За утре: домашно по Математика: упражнение две.",
            "Домашно по Човека и природата: Прочетете урока.",
        ],
        "two: each names its subject, the short article after по",
    ),
    (
        THU,
        [_hw("Математика", "Упр. 2", THU)],
        ["За утре няма записано домашно."],
        "due today is no longer read on the day it is due",
    ),
    (
        FRI,
        [_hw("Английски език", "Ex. 5, p. 12", dt.date(2026, 11, 30), spoken="Английски")],
        ["За понеделник: домашно по Английски: Ex. пет, p. дванадесет."],
        "on Friday Monday's, with the spoken name",
    ),
    (
        WED,
        [_hw("Математика", "Упр. 2", FRI)],
        ["За утре няма записано домашно."],
        "due later is not read for tomorrow",
    ),
    (WED, [], ["За утре няма записано домашно."], "none: no count of zero"),
]


@pytest.mark.parametrize(
    ("today", "items", "expected"), [c[:3] for c in CASES], ids=[c[3] for c in CASES]
)
def test_homework_after_the_timetable(today, items, expected) -> None:  # type: ignore[no-untyped-def]
    lines = content.timetable(_summary(*items), today)
    assert lines[-len(expected) :] == expected
    for line in lines:
        speech.ensure_no_digits(line)


def test_the_menu_says_it() -> None:
    assert "За програмата и домашните за утре – шест." in catalog.text("menu")


def test_a_call_hears_the_homework_for_tomorrow(demo_app: Flask) -> None:
    guardian = db.session.scalars(
        sa.select(Guardian).where(Guardian.email == "roditel2@sou1.demo.bg")
    ).one()
    links = sorted(guardian.links, key=lambda link: link.id)
    child = links[0].student
    class_id = db.session.scalar(
        sa.select(Enrollment.class_id).where(
            Enrollment.student_id == child.id, Enrollment.left_on.is_(None)
        )
    )
    slot = db.session.scalar(
        sa.select(TimetableSlot)
        .where(
            TimetableSlot.class_id == class_id,
            TimetableSlot.weekday == 3,
            TimetableSlot.teacher_id.is_not(None),
        )
        .order_by(TimetableSlot.period)
    )
    me = core.Actor.load(slot.teacher_id, slot.school_id)
    homework_uc.give_homework(me, slot.id, date=WED, text="Упр. 7 на стр. 12", due_on=THU)
    call = PhoneCall(FlaskTransport(demo_app), from_number=guardian.phone or "")
    call.start()
    turn = call.press("2580#")
    if len(links) > 1:  # choose the child
        assert not turn.hung_up
        turn = call.press("1")
    turn = call.press("6")
    spoken = " ".join(turn.said)
    name = content.speakable(slot.subject.spoken_name or slot.subject.name)
    said = f"домашно по {content.after_preposition(name)}: упражнение седем на страница дванадесет."
    assert "За утре: домашно по " in spoken and said.casefold() in spoken.casefold()
    assert not any(ch.isdigit() for ch in spoken)
    assert db.session.scalar(sa.select(sa.func.count(GuardianStudent.id))) > 0
