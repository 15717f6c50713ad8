"""A parent's note in the browser (Debian's Chromium, Playwright): the parent sends one with a
photo of a medical note, the class teacher confirms it on the class's notes page, the parent sees
it confirmed. Screenshots go to ``test-artifacts/notes/``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from gradebook import core
from models import StaffUser
from models import Student
from models import db
from tests.conftest import chromium_page
from tests.test_browser_staff import sign_in as staff_sign_in
from tests.test_portal_web import child_ids

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "notes"
ME = "roditel1@sou1.demo.bg"


@pytest.fixture
def page(live_url):  # type: ignore[no-untyped-def]
    with chromium_page(390, 844) as tab:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield tab


def test_parent_sends_teacher_confirms(page, live_url, tmp_path):  # type: ignore[no-untyped-def]
    child = db.session.get(Student, child_ids(ME)[0])
    klass = core.student_class(child.id)
    teacher = db.session.get(StaffUser, klass.class_teacher_id)
    photo = tmp_path / "belejka.png"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())

    page.goto(live_url + "/login")
    page.get_by_label("E-mail").fill(ME)
    page.get_by_label("Парола").fill("demo1234")
    page.get_by_role("button", name="Вход").click()
    page.get_by_role("link", name="Бележка за отсъствие").first.click()
    page.wait_for_url(f"**/child/{child.id}/notes")
    page.get_by_label("Причина").select_option("health")
    page.get_by_label("Коментар (по желание, без диагноза)").fill("Температура")
    page.get_by_label("Медицинска бележка: снимка (JPEG, PNG) или PDF, по желание").set_input_files(
        str(photo)
    )
    page.get_by_role("button", name="Изпрати бележката").click()
    page.wait_for_selector("text=Бележката е изпратена на класния ръководител")
    assert "очаква потвърждение" in page.content()
    page.screenshot(path=str(ARTIFACTS / "01-sent.png"), full_page=True)
    page.get_by_role("button", name="Изход").click()

    staff_sign_in(page, live_url, teacher.email)
    page.goto(live_url + f"/staff/classes/{klass.id}/parent-notes")
    assert "Медицински документ (файл)" in page.content()
    mine = page.locator("section.card", has_text=child.full_name).filter(has_text="Температура")
    mine.get_by_role("button", name="Потвърди").click()
    page.wait_for_selector("text=Бележката е потвърдена")
    page.screenshot(path=str(ARTIFACTS / "02-confirmed.png"), full_page=True)
