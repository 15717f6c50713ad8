"""Closing the class book: the PDF of a demo class (rendered with pdftoppm, read with pdftotext),
the director's signature made here with a self-signed certificate and uploaded back, the
refusals (unsigned, tampered, appended, another book, changed since printed, not a PDF, too
big), the lock on every class-book table, the audited unlock, the school-year transition and who
may do any of it."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gradebook import book_lock
from gradebook import book_seal
from gradebook import class_book_print
from gradebook import core
from gradebook import school_year
from gradebook.demo import book_signing
from models import AuditLog
from models import ClassBookPrint
from models import ClassNote
from models import Curriculum
from models import Enrollment
from models import Event
from models import EventKind
from models import FirstGradeResult
from models import GradeResult
from models import GradeResultSubject
from models import SchoolClass
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import db
from tests.book_seals import seal_without_signature
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

DIRECTOR = "direktor@sou1.demo.bg"
CLASS_TEACHER = "uchitel1@sou1.demo.bg"
SUBJECT_TEACHER = "uchitel13@sou1.demo.bg"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")


def _staff(email: str) -> StaffUser:
    found = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
    assert found is not None
    return found


def _class_of_teacher(email: str) -> SchoolClass:
    found = db.session.scalar(
        sa.select(SchoolClass)
        .where(SchoolClass.class_teacher_id == _staff(email).id)
        .order_by(SchoolClass.id)
    )
    assert found is not None
    return found


def _admin() -> core.Actor:
    return core.Actor.load(_staff(DIRECTOR).id, 1)


def _signed(data: bytes, name: str = "Мария Директорова") -> bytes:
    return book_signing.sign(data, book_signing.signer(name))


def _upload(client: FlaskClient, class_id: int, data: bytes) -> Any:
    page = client.get(f"/staff/classes/{class_id}/book")
    assert page.status_code == 200
    return client.post(
        f"/staff/classes/{class_id}/book/signed",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "file": (io.BytesIO(data), "d.pdf"),
        },
        content_type="multipart/form-data",
    )


@pytest.fixture
def director(demo_client: FlaskClient) -> FlaskClient:
    login_staff(demo_client, DIRECTOR)
    return demo_client


# --- the PDF ----------------------------------------------------------------------------------
@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed")
def test_class_book_pdf_renders_every_section_in_order_with_cyrillic_and_page_numbers(
    director: FlaskClient, tmp_path: Path
) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    response = director.get(f"/staff/classes/{klass.id}/book.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "2", "-png", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    assert sorted(path.name for path in tmp_path.glob("p-*.png")) == ["p-01.png", "p-02.png"]
    words = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    titles = [section.title for section in class_book_print.sections_for(klass.grade_level)]
    # every section starts a page with its title: the pages' first lines, in order, are the titles
    firsts = [page.strip().splitlines()[0] for page in words.split("\f")[1:] if page.strip()]
    assert [line for line in firsts if line in titles] == titles
    school = db.session.get(SchoolClass, klass.id).school_year.school  # type: ignore[union-attr]
    assert school.name in words and school.neispuo_code in words
    assert f"Дневник на {klass.name} клас" in words
    row = db.session.scalar(sa.select(ClassBookPrint).where(ClassBookPrint.class_id == klass.id))
    assert row is not None and row.document_id in words
    assert f"Страница 1 от {row.pages}" in words and f"Страница {row.pages} от {row.pages}" in words
    assert "Директор" in words


def test_sections_are_chosen_by_grade_level() -> None:
    keys = {level: [s.key for s in class_book_print.sections_for(level)] for level in (0, 3, 5)}
    assert "sanctions" not in keys[3] and "sanctions" in keys[5]
    assert "term1" not in keys[0] and "notes" in keys[0] and "support" not in keys[0]
    assert keys[5].index("pupils") < keys[5].index("lessons") < keys[5].index("final")


# --- signing and uploading --------------------------------------------------------------------
def test_signed_upload_finalises_the_book_and_the_admin_downloads_it(director: FlaskClient) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    unsigned = director.get(f"/staff/classes/{klass.id}/book.pdf").data
    signed = _signed(unsigned)
    response = _upload(director, klass.id, signed)
    assert response.status_code == 302, response.get_data(as_text=True)
    seal = book_seal.seal_of(klass.id, klass.school_year_id)
    assert (
        seal is not None and seal.signer_name == "Мария Директорова" and len(seal.cert_sha256) == 64
    )
    page = director.get(f"/staff/classes/{klass.id}/book").get_data(as_text=True)
    assert "Приключен" in page and "Мария Директорова" in page
    download = director.get(f"/staff/classes/{klass.id}/book/signed.pdf")
    assert download.status_code == 200 and download.data == signed
    assert db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.object_type == "class_book_seal", AuditLog.action == "create"
        )
    )
    again = _upload(director, klass.id, signed)
    assert again.status_code == 409


def _refusal(director: FlaskClient, klass: SchoolClass, data: bytes) -> str:
    response = _upload(director, klass.id, data)
    assert response.status_code == 422, response.status_code
    assert book_seal.seal_of(klass.id, klass.school_year_id) is None
    return response.get_data(as_text=True)


def test_unsigned_tampered_appended_and_foreign_files_are_refused(director: FlaskClient) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    unsigned = director.get(f"/staff/classes/{klass.id}/book.pdf").data
    signed = _signed(unsigned)
    assert "няма електронен подпис" in _refusal(director, klass, unsigned)
    middle = len(unsigned) // 2
    tampered = signed[:middle] + bytes([signed[middle] ^ 0x20]) + signed[middle + 1 :]
    assert "не отговаря на съдържанието" in _refusal(director, klass, tampered)
    assert "не обхваща целия документ" in _refusal(director, klass, signed + b"\n%% more\n")
    assert "не е PDF" in _refusal(director, klass, b"just text, not a PDF")
    other = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1, SchoolClass.id != klass.id)
    )
    assert other is not None
    foreign = _signed(director.get(f"/staff/classes/{other.id}/book.pdf").data)
    assert f"дневникът на {other.name} клас" in _refusal(director, klass, foreign)
    stranger = class_book_print.render(klass, "f" * 32, book_seal.clock.utc_naive()).data
    assert "не е дневник, изготвен от Бележник" in _refusal(director, klass, _signed(stranger))


def test_too_big_and_changed_since_printed_are_refused(
    director: FlaskClient, demo_app: Flask
) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    signed = _signed(director.get(f"/staff/classes/{klass.id}/book.pdf").data)
    demo_app.config["CLASS_BOOK_MAX_MB"] = 0
    assert "твърде голям" in _refusal(director, klass, signed)
    demo_app.config["CLASS_BOOK_MAX_MB"] = 10
    db.session.add(
        ClassNote(
            school_id=1,
            school_year_id=klass.school_year_id,
            class_id=klass.id,
            date=book_seal.clock.today(),
            text="Бележка след отпечатването.",
        )
    )
    db.session.commit()
    assert "правени промени" in _refusal(director, klass, signed)


def _year_results_of(klass: SchoolClass) -> None:
    """A first-grade result, an annual result and its retake subject for a pupil of ``klass``
    (the demo's current year is in November: the class teacher has entered none yet)."""
    pupil = db.session.scalar(
        sa.select(Enrollment.student_id).where(Enrollment.class_id == klass.id).limit(1)
    )
    curriculum = db.session.scalar(
        sa.select(Curriculum.id).where(Curriculum.class_id == klass.id).limit(1)
    )
    common = {
        "school_id": klass.school_id,
        "school_year_id": klass.school_year_id,
        "class_id": klass.id,
        "student_id": pupil,
    }
    db.session.add(FirstGradeResult(**common, qualitative=5))
    result = GradeResult(**common, initial=2)
    db.session.add(result)
    db.session.flush()
    db.session.add(
        GradeResultSubject(
            school_id=klass.school_id, grade_result_id=result.id, curriculum_id=curriculum
        )
    )


# --- the lock -----------------------------------------------------------------------------------
@pytest.mark.parametrize("model", list(book_lock.CLASS_OF), ids=lambda model: model.__name__)
def test_every_class_book_table_is_locked_when_the_book_is_sealed(
    demo_app: Flask, model: type
) -> None:
    classes = db.session.scalars(sa.select(SchoolClass).where(SchoolClass.school_id == 1)).all()
    db.session.add(  # the small demo has no class event
        Event(
            school_id=1,
            school_year_id=classes[0].school_year_id,
            class_id=classes[0].id,
            kind=EventKind.EXCURSION,
            title="Екскурзия",
            date=book_seal.clock.today(),
        )
    )
    _year_results_of(classes[0])  # nor, in November, any result of the year
    db.session.commit()
    for klass in classes:
        seal_without_signature(klass)
    rows = db.session.scalars(sa.select(model)).all()
    row = next((r for r in rows if book_lock.CLASS_OF[model](db.session, r)[0] is not None), None)
    assert row is not None, f"no {model.__name__} of a class: add one above, the lock must be tried"
    db.session.delete(row)
    with pytest.raises(core.Locked) as refused:
        db.session.flush()
    assert "е приключен" in refused.value.message_bg
    db.session.rollback()


def test_a_use_case_write_to_a_sealed_book_is_refused_in_bulgarian(director: FlaskClient) -> None:
    from gradebook import class_notes

    klass = _class_of_teacher(CLASS_TEACHER)
    seal_without_signature(klass)
    with pytest.raises(core.Locked) as refused:
        class_notes.save_note(_admin(), class_id=klass.id, date=book_seal.clock.today(), text="x")
    assert f"Дневникът на {klass.name} клас" in refused.value.message_bg
    other = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1, SchoolClass.id != klass.id)
    )
    assert other is not None and not book_lock.is_sealed(other.id, other.school_year_id)


def test_unlock_is_audited_and_opens_the_book(director: FlaskClient) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    signed = _signed(director.get(f"/staff/classes/{klass.id}/book.pdf").data)
    assert _upload(director, klass.id, signed).status_code == 302
    page = director.get(f"/staff/classes/{klass.id}/book")
    token = csrf_from(page.get_data(as_text=True))
    empty = director.post(
        f"/staff/classes/{klass.id}/book/unlock", data={"csrf_token": token, "reason": ""}
    )
    assert empty.status_code == 422
    done = director.post(
        f"/staff/classes/{klass.id}/book/unlock",
        data={"csrf_token": token, "reason": "Поправка на годишна оценка"},
    )
    assert done.status_code == 302
    assert book_seal.seal_of(klass.id, klass.school_year_id) is None
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "unlock"))
    assert entry is not None and entry.reason == "Поправка на годишна оценка"
    assert entry.before and entry.before["signer_name"] == "Мария Директорова"
    book_lock.check_book_open(klass.id, klass.school_year_id)  # open again


# --- the school-year transition ---------------------------------------------------------------
def test_the_transition_lists_and_refuses_open_books(demo_app: Flask) -> None:
    admin = _admin()
    old = core.current_year(1)
    new = school_year.create_school_year(
        admin,
        name="2027/2028",
        starts_on=book_seal.clock.today().replace(year=2027, month=9, day=15),
        term2_starts_on=book_seal.clock.today().replace(year=2028, month=2, day=3),
        ends_on=book_seal.clock.today().replace(year=2028, month=6, day=30),
    )
    classes = db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_year_id == old.id)
    ).all()
    plan = school_year.year_transition(admin, new.id)
    assert sorted(plan.open_books) == sorted(k.name for k in classes)
    with pytest.raises(core.Invalid) as refused:
        school_year.year_transition(admin, new.id, commit=True)
    assert (
        "не са приключени" in refused.value.message_bg
        and classes[0].name in refused.value.message_bg
    )
    for klass in classes:
        seal_without_signature(klass)
    assert school_year.year_transition(admin, new.id, commit=True).committed


# --- who may ----------------------------------------------------------------------------------
def test_the_class_teacher_prints_their_own_class_only(demo_client: FlaskClient) -> None:
    own = _class_of_teacher(CLASS_TEACHER)
    other = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1, SchoolClass.id != own.id)
    )
    assert other is not None
    login_staff(demo_client, CLASS_TEACHER)
    assert demo_client.get(f"/staff/classes/{own.id}/book.pdf").status_code == 200
    assert demo_client.get(f"/staff/classes/{other.id}/book.pdf").status_code == 403
    page = demo_client.get(f"/staff/classes/{own.id}/book").get_data(as_text=True)
    assert "Качване на подписания дневник" not in page
    token = csrf_from(page)
    upload = demo_client.post(
        f"/staff/classes/{own.id}/book/signed",
        data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4"), "d.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    assert demo_client.get(f"/staff/classes/{own.id}/book/signed.pdf").status_code == 403


def test_strangers_get_nothing(demo_client: FlaskClient) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    paths = [f"/staff/classes/{klass.id}/book", f"/staff/classes/{klass.id}/book.pdf",
             f"/staff/classes/{klass.id}/book/signed.pdf"]  # fmt: skip
    login_staff(demo_client, SUBJECT_TEACHER)
    for path in paths:
        assert demo_client.get(path).status_code in (403, 404), path
    demo_client.get("/staff/logout")
    other_admin = db.session.scalar(
        sa.select(StaffUser)
        .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
        .where(StaffMembership.school_id == 2, StaffMembership.role == StaffRole.ADMIN)
    )
    assert other_admin is not None
    login_staff(demo_client, other_admin.email)
    for path in paths:
        assert demo_client.get(path).status_code == 404, path
    page = demo_client.get("/staff/")
    token = (
        csrf_from(page.get_data(as_text=True))
        if 'name="csrf_token"' in page.get_data(as_text=True)
        else ""
    )
    for action in ("signed", "unlock"):
        response = demo_client.post(
            f"/staff/classes/{klass.id}/book/{action}", data={"csrf_token": token, "reason": "x"}
        )
        assert response.status_code in (400, 404), action
    demo_client.get("/staff/logout")
    parent = {"email": "roditel1@sou1.demo.bg", "password": "demo1234"}
    assert form_post(demo_client, "/login", parent).status_code == 302  # signed in to the portal
    for path in paths:
        assert demo_client.get(path).status_code in (302, 403, 404), path


def test_sign_upload_lock_and_unlock_through_the_use_cases(school_app: Flask) -> None:
    """The same flow on SQLite and PostgreSQL: print, sign, upload, a write refused, unlock."""
    from gradebook import class_notes

    admin_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 1, StaffMembership.role == StaffRole.ADMIN
        )
    )
    admin = core.Actor.load(admin_id, 1)
    klass = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1).order_by(SchoolClass.id)
    )
    assert klass is not None
    unsigned, name = book_seal.print_book(admin, klass.id)
    assert name.endswith(".pdf") and unsigned.startswith(b"%PDF-")
    seal = book_seal.upload_signed(admin, klass.id, _signed(unsigned))
    assert book_lock.is_sealed(klass.id, klass.school_year_id) and seal.size > len(unsigned)
    with pytest.raises(core.Locked):
        class_notes.save_note(admin, class_id=klass.id, date=book_seal.clock.today(), text="x")
    assert not book_lock.open_books(1, klass.school_year_id) or klass.id not in {
        row.id for row in book_lock.open_books(1, klass.school_year_id)
    }
    with pytest.raises(core.Invalid):
        book_seal.unlock(admin, klass.id, "  ")
    book_seal.unlock(admin, klass.id, "Поправка")
    class_notes.save_note(admin, class_id=klass.id, date=book_seal.clock.today(), text="x")
    assert klass.id in {row.id for row in book_lock.open_books(1, klass.school_year_id)}


def test_a_book_changed_before_signing_is_refused(director: FlaskClient) -> None:
    """An incremental update that replaces a page's contents, then the signature over it all:
    the signature is sound and covers the file, but the signed document is not our print."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    klass = _class_of_teacher(CLASS_TEACHER)
    unsigned = director.get(f"/staff/classes/{klass.id}/book.pdf").data
    writer = IncrementalPdfFileWriter(io.BytesIO(unsigned))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
    writer.update_container(page)
    changed = io.BytesIO()
    writer.write(changed)
    assert "съдържанието му е променено" in _refusal(director, klass, _signed(changed.getvalue()))


def test_the_page_shows_the_lock_on_a_write(director: FlaskClient) -> None:
    klass = _class_of_teacher(CLASS_TEACHER)
    seal_without_signature(klass)
    page = director.get(f"/staff/classes/{klass.id}/notes")
    response = director.post(
        f"/staff/classes/{klass.id}/notes",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "date": book_seal.clock.today().isoformat(),
            "text": "Бележка",
        },
    )
    assert response.status_code in (409, 422), response.status_code
    assert f"Дневникът на {klass.name} клас" in response.get_data(as_text=True)


def test_the_printed_book_says_nothing_inline() -> None:
    """Its Bulgarian words live in class_book_print/texts.py, the PDF's catalogue."""
    import ast
    import re

    data = {"директор%": "the position that names the director (matched, not shown)"}
    folder = Path(class_book_print.__file__).parent
    for path in folder.glob("*.py"):
        if path.name == "texts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                docstring_like = len(node.value) > 60
                assert (
                    docstring_like
                    or node.value in data
                    or not re.search("[\u0400-\u04ff]", node.value)
                ), (
                    path.name,
                    node.value,
                )
