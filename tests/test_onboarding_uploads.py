"""Uploaded list files expire: deleted on commit and on cancel (a student list with pupils left to
confirm as leavers stays until the admin is done), and those left behind after
UPLOAD_RETENTION_HOURS by the scheduler's job; a school never touches another's file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from models import StaffUser
from models import db
from onboarding import uploads
from tests._onboarding import fixture
from tests._onboarding import load_lists
from tests._onboarding import login
from tests._onboarding import make_school
from tests._onboarding import post_file
from tests.conftest import csrf_from


def _folder(app: Flask, school_id: int) -> Path:
    return Path(app.instance_path) / "uploads" / str(school_id)


def _uploads(app: Flask, school_id: int) -> list[Path]:
    """The uploaded files, without their kept parsed forms (``….parsed.json``)."""
    return [p for p in _folder(app, school_id).iterdir() if not p.name.endswith(".parsed.json")]


def _upload(client, kind: str, name: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    response = post_file(client, "/onboarding/import", f"/onboarding/import/{kind}", name,
                         fixture(name))  # fmt: skip
    assert response.status_code == 302
    url = response.headers["Location"]
    return url, url.rsplit("/", 1)[1]


def test_commit_deletes_the_file(app, client) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    login(client, app, "admin@test-sou.bg")
    url, _token = _upload(client, "teachers", "teachers.csv")
    assert len(_uploads(app, school)) == 1
    page = client.get(url)
    assert page.status_code == 200
    done = client.post(url + "/commit", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200 and "Каченият файл е изтрит." in done.get_data(as_text=True)
    assert list(_folder(app, school).iterdir()) == []
    assert client.get(url).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(StaffUser.id))) > 1


def test_cancel_deletes_only_the_schools_own_file(app, client) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    make_school("7654321", admin_email="admin2@test-sou.bg")
    login(client, app, "admin@test-sou.bg")
    url, _token = _upload(client, "teachers", "teachers.csv")
    html = client.get(url).get_data(as_text=True)
    assert "Откажи и изтрий качения файл" in html
    other = app.test_client()
    login(other, app, "admin2@test-sou.bg")
    page = other.get("/onboarding/import").get_data(as_text=True)
    assert other.post(url + "/cancel", data={"csrf_token": csrf_from(page)}).status_code == 404
    assert client.post(url + "/cancel").status_code == 400  # no CSRF token
    assert len(_uploads(app, school)) == 1
    response = client.post(url + "/cancel", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/onboarding/import"
    )
    assert list(_folder(app, school).iterdir()) == []
    assert client.get(url).status_code == 404


def test_student_list_with_leavers_is_kept_until_done(app, client) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    load_lists(school, with_students=True)
    login(client, app, "admin@test-sou.bg")
    url, _token = _upload(client, "students", "students_update.csv")
    html = client.get(url).get_data(as_text=True)
    assert "Липсват в новия списък (1)" in html
    done = client.post(url + "/commit", data={"csrf_token": csrf_from(html)})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Готово: изтрий качения файл" in page
    assert len(_uploads(app, school)) == 1  # the leavers form still needs it
    response = client.post(url + "/cancel", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert list(_folder(app, school).iterdir()) == []


def test_files_left_behind_expire_after_the_retention(app) -> None:  # type: ignore[no-untyped-def]
    from notify.scheduler import background_scheduler

    app.config["UPLOAD_RETENTION_HOURS"] = 2
    now = time.time()
    files = {}
    for school, age_hours in ((1, 3), (1, 1), (2, 5), (3, 0)):
        folder = _folder(app, school)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"students-{'x' * 20}{school}{age_hours}.csv"
        path.write_bytes(b"egn")
        os.utime(path, (now - age_hours * 3600, now - age_hours * 3600))
        files[(school, age_hours)] = path
    job = next(j for j in background_scheduler(app).get_jobs() if j.id == "purge_uploads")
    job.func()  # the scheduler's job, in its own app context
    assert {k for k, p in files.items() if p.exists()} == {(1, 1), (3, 0)}
    app.config["UPLOAD_RETENTION_HOURS"] = 0.5
    assert uploads.purge_expired(now=now) == 1  # the one of an hour ago
    assert uploads.purge_expired(now=now) == 0
    assert files[(3, 0)].exists()
