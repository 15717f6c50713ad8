"""Browser tests of the staff web in Debian's Chromium (Playwright): the grade grid and the
lesson register typed with the keyboard only. Screenshots go to ``test-artifacts/staff/``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Absence
from models import AbsenceKind
from models import Grade
from models import db
from tests.conftest import chromium_page
from tests.test_staff_diary import pupils
from tests.test_staff_diary import wednesday_slot
from tests.test_staff_web import curriculum_at
from tests.test_staff_web import students_of

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "staff"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def page(live_url):  # type: ignore[no-untyped-def]
    with chromium_page(1100, 900) as tab:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield tab


def sign_in(page, live_url, email):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/staff/login")
    page.get_by_label("Имейл").fill(email)
    page.get_by_label("Парола").fill("demo1234")
    page.keyboard.press("Enter")
    page.wait_for_url(live_url + "/staff/")


def test_grade_grid_by_keyboard(page, live_url):
    curriculum = curriculum_at(9)
    sids = students_of(curriculum)
    sign_in(page, live_url, curriculum.teacher.email)
    page.goto(f"{live_url}/staff/grid/{curriculum.id}")
    page.locator(f"#g{sids[0]}").focus()
    # one keystroke per grade: each digit moves to the next student
    page.keyboard.type("654")
    assert page.evaluate("document.activeElement.id") == f"g{sids[3]}"
    # an impossible grade is caught as typed, next to the field, and focus stays
    page.keyboard.press("1")
    error = page.locator(f"#g{sids[3]}-error")
    assert error.is_visible() and "3,00 до 6,00" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == f"g{sids[3]}"
    page.keyboard.press("Delete")
    assert not error.is_visible()
    # a decimal grade: switch off quick entry, type it, come back with the arrow keys
    page.locator("#quick").uncheck()
    page.locator(f"#g{sids[3]}").focus()
    page.keyboard.type("5,50")
    forecast = page.locator(f"#g{sids[3]} >> xpath=ancestor::tr").locator(".forecast")
    assert "," in forecast.inner_text()
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == f"g{sids[2]}"
    page.screenshot(path=str(ARTIFACTS / "01-grid-typed.png"), full_page=True)
    page.keyboard.press("Enter")  # one request saves the column
    page.wait_for_selector(".flash-success")
    assert "Записани оценки: 4." in page.locator(".flash-success").inner_text()
    page.screenshot(path=str(ARTIFACTS / "02-grid-saved.png"), full_page=True)
    db.session.expire_all()
    saved = db.session.scalars(
        sa.select(Grade)
        .where(Grade.curriculum_id == curriculum.id, Grade.date == TODAY)
        .order_by(Grade.id.desc())
        .limit(4)
    ).all()
    assert {g.student_id: g.value for g in saved} == {
        sids[0]: Decimal("6.00"),
        sids[1]: Decimal("5.00"),
        sids[2]: Decimal("4.00"),
        sids[3]: Decimal("5.50"),
    }


def test_lesson_register_by_keyboard(page, live_url):
    slot = wednesday_slot()
    sids = pupils(slot.class_id)
    sign_in(page, live_url, slot.teacher.email)
    page.goto(f"{live_url}/staff/lesson/{slot.id}?date={TODAY.isoformat()}")
    # the first row has the focus: 1 = absent, 2 = late, 0 = present, each moves down
    assert page.evaluate("document.activeElement.id") == f"absent{sids[0]}"
    page.keyboard.press("1")
    page.keyboard.press("0")
    page.keyboard.press("2")
    assert page.evaluate("document.activeElement.id") == f"absent{sids[3]}"
    page.keyboard.press("1")
    assert page.locator(f"#absent{sids[0]}").is_checked()
    assert page.locator(f"#late{sids[2]}").is_checked()
    page.screenshot(path=str(ARTIFACTS / "03-register-typed.png"), full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    marks = {
        a.student_id: a.kind
        for a in db.session.scalars(
            sa.select(Absence).where(
                Absence.date == TODAY,
                Absence.period == slot.period,
                Absence.student_id.in_(sids[:4]),
            )
        )
    }
    assert marks == {
        sids[0]: AbsenceKind.UNEXCUSED,
        sids[2]: AbsenceKind.LATE,
        sids[3]: AbsenceKind.UNEXCUSED,
    }
    # the saved marks come back ticked
    assert page.locator(f"#absent{sids[3]}").is_checked()
    page.screenshot(path=str(ARTIFACTS / "04-register-saved.png"), full_page=True)


def test_a_text_field_counts_its_characters(page, live_url):  # type: ignore[no-untyped-def]
    """Issue 14: a pasted remark the browser cut at its limit went unnoticed; now the field
    says how much of its limit is used, and when it is reached."""
    from tests.test_staff_diary import class_teacher_email

    sid = pupils(6)[0]
    sign_in(page, live_url, class_teacher_email(6))
    page.goto(f"{live_url}/staff/students/{sid}/remarks/new")
    area = page.locator("textarea[name=text]")
    counter = page.locator(".field-counter")
    assert counter.inner_text() == "0 от 1000 знака"
    area.fill("Отлично представяне")
    assert counter.inner_text() == "19 от 1000 знака"
    area.fill("а" * 1200)  # pasted: the browser keeps 1000
    assert counter.inner_text() == "1000 от 1000 знака — достигнахте границата"
    assert counter.get_attribute("aria-live") == "polite"
