"""The school's own settings page (``/staff/admin/settings``, gradebook.school_settings): the
admin saves name, contacts, absence warnings, quiet hours, digest time and the parents' excuse
limits; every wrong field is named in Bulgarian and nothing is saved; a teacher, another school's
admin and a forged form are refused; the NEISPUO code and the information number stay the
operator's; the save is audited and the notification timing follows it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gradebook.core import snapshot
from models import AuditLog
from models import School
from models import db
from tests.conftest import csrf_from
from tests.conftest import login_staff

URL = "/staff/admin/settings"
GOOD = {
    "name": "СУ „Васил Левски“",
    "town": "Пловдив",
    "address": "ул. „Гладстон“ 5",
    "email": "Office@Levski.example.BG",
    "absence_threshold": "3,5",
    "pg_absence_threshold_days": "2",
    "quiet_start": "21:00",
    "quiet_end": "07:30",
    "digest_time": "17:15",
    "parent_excuse_days_year": "10",
    "parent_excuse_days_in_row": "3",
}


def _school(name_part: str) -> School:
    return db.session.scalars(sa.select(School).where(School.name.contains(name_part))).first()


def _post(client: FlaskClient, data: dict[str, str], **kw: Any) -> Any:
    page = client.get(URL)
    assert page.status_code == 200
    return client.post(
        URL, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))}, **kw
    )


def _sou1() -> School:
    school = db.session.scalars(sa.select(School).order_by(School.id)).first()
    assert school is not None
    return school


def test_admin_saves_every_setting_and_it_is_audited(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    login_staff(demo_client, "direktor@sou1.demo.bg")
    school = _sou1()
    code, phone = school.neispuo_code, school.info_phone
    page = demo_client.get(URL).get_data(as_text=True)
    assert "Настройки на училището" in page and school.neispuo_code in page
    assert 'value="5,0"' in page  # the threshold with a decimal comma
    assert "Над 5 неизвинени часа" in page and "над 3 неизвинени дни" in page  # the law's limits
    assert 'max="15"' in page and 'max="5"' in page and 'max="3"' in page
    response = _post(demo_client, {**GOOD, "neispuo_code": "9999999", "info_phone": "+35929999999"})
    assert response.status_code == 302
    db.session.expire_all()
    school = _sou1()
    assert school.name == GOOD["name"] and school.town == "Пловдив"
    assert school.email == "office@levski.example.bg"
    assert school.absence_threshold == Decimal("3.5")
    assert school.pg_absence_threshold_days == 2
    assert (school.quiet_start, school.quiet_end) == (dt.time(21, 0), dt.time(7, 30))
    assert school.digest_time == dt.time(17, 15)
    assert (school.parent_excuse_days_year, school.parent_excuse_days_in_row) == (10, 3)
    # the operator's fields are not the school admin's, whatever the form posts
    assert (school.neispuo_code, school.info_phone) == (code, phone)
    entry = db.session.scalars(
        sa.select(AuditLog)
        .where(AuditLog.object_type == "school", AuditLog.object_id == school.id)
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry is not None and entry.school_id == school.id
    assert entry.after["absence_threshold"] == "3.5" and entry.before["absence_threshold"] == "5.0"
    assert "Настройките на училището са записани." in demo_client.get(URL).get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Въведете името на училището."),
        ("name", "я" * 201, "Името е твърде дълго"),
        ("town", "я" * 101, "до 100 знака"),
        ("address", "я" * 201, "до 200 знака"),
        ("email", "not-an-address", "Невалиден имейл адрес."),
        ("absence_threshold", "0", "от 0,5 до 5"),  # below the smallest step
        ("absence_threshold", "5,5", "от 0,5 до 5"),  # above the law's 5 hours
        ("absence_threshold", "3,3", "през половин час"),  # not a half hour
        ("absence_threshold", "NaN", "от 0,5 до 5"),
        ("absence_threshold", "три", "от 0,5 до 5"),
        ("pg_absence_threshold_days", "4", "от 1 до 3"),  # above the law's 3 days
        ("pg_absence_threshold_days", "0", "от 1 до 3"),
        ("parent_excuse_days_year", "16", "от 0 до 15"),  # above the ordinance's 15
        ("parent_excuse_days_in_row", "6", "от 0 до 5"),  # above the ordinance's 5
        ("quiet_start", "25:00", ""),
        ("digest_time", "22:00", "е в тихите часове (21:00–07:30)"),  # inside, across midnight
        ("digest_time", "07:00", "е в тихите часове"),
    ],
)
def test_a_wrong_field_is_named_in_bulgarian_and_nothing_is_saved(
    demo_app: Flask, demo_client: FlaskClient, field: str, value: str, message: str
) -> None:
    login_staff(demo_client, "direktor@sou1.demo.bg")
    before = snapshot(_sou1())
    response = _post(demo_client, {**GOOD, field: value})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body and message in body
    assert f'id="{field}-error"' in body  # the message sits at its field
    db.session.expire_all()
    assert snapshot(_sou1()) == before  # nothing of the other fields saved


def test_more_days_in_a_row_than_in_the_year_is_refused(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    login_staff(demo_client, "direktor@sou1.demo.bg")
    response = _post(
        demo_client, {**GOOD, "parent_excuse_days_year": "2", "parent_excuse_days_in_row": "3"}
    )
    assert response.status_code == 422
    assert "не повече от дните за годината" in response.get_data(as_text=True)


def test_equal_quiet_hours_mean_none_so_any_digest_time_is_fine(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    login_staff(demo_client, "direktor@sou1.demo.bg")
    data = {**GOOD, "quiet_start": "20:00", "quiet_end": "20:00", "digest_time": "23:30"}
    assert _post(demo_client, data).status_code == 302


def test_a_teacher_and_the_anonymous_are_refused(demo_app: Flask, demo_client: FlaskClient) -> None:
    assert demo_client.get(URL).status_code in (302, 401)
    login_staff(demo_client, "uchitel1@sou1.demo.bg")
    assert demo_client.get(URL).status_code == 403
    name = _sou1().name
    forged = demo_client.post(URL, data=GOOD)  # no CSRF token either
    assert forged.status_code in (400, 403)
    db.session.expire_all()
    assert _sou1().name == name


def test_another_schools_admin_changes_only_their_own_school(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    first = _sou1()
    first_name = first.name
    login_staff(demo_client, "direktor@sou2.demo.bg")
    assert _post(demo_client, {**GOOD, "name": "Второ училище"}).status_code == 302
    db.session.expire_all()
    assert _sou1().name == first_name  # sou1 untouched
    assert _school("Второ училище") is not None


def test_a_post_without_the_csrf_token_is_refused(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    login_staff(demo_client, "direktor@sou1.demo.bg")
    name = _sou1().name
    response = demo_client.post(URL, data=GOOD)
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert _sou1().name == name


def test_the_notification_timing_follows_the_saved_quiet_hours(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    from notify import timing

    login_staff(demo_client, "direktor@sou1.demo.bg")
    assert (
        _post(demo_client, {**GOOD, "quiet_start": "19:00", "quiet_end": "09:00"}).status_code
        == 302
    )
    db.session.expire_all()
    school = _sou1()
    info = timing.school_info(school.id)
    assert info.quiet == (dt.time(19, 0), dt.time(9, 0)) and info.digest_time == dt.time(17, 15)
    # an SMS due at 19:30 Sofia (17:30 UTC in winter) now waits until 09:00 Sofia (07:00 UTC)
    due = timing.defer_quiet(dt.datetime(2026, 12, 3, 17, 30), info.quiet)
    assert due == dt.datetime(2026, 12, 4, 7, 0)
