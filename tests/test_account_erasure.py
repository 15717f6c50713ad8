"""Issue 14 (GDPR art. 17): a parent erases their account; what the school must keep stays."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from models import AuditLog
from models import Grade
from models import GuardianStudent
from models import NotificationPreference
from models import db
from notify.account_messages import msg
from tests.conftest import form_post
from tests.test_portal_web import PASSWORD
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel2@sou1.demo.bg"  # two children


def test_a_parent_erases_their_account_and_the_school_keeps_its_record(
    demo_client: FlaskClient,
) -> None:
    login(demo_client, ME)
    other_device = demo_client.application.test_client()
    login(other_device, ME)
    assert other_device.get("/my-data").status_code == 200
    page = demo_client.get("/my-data").get_data(as_text=True)
    assert 'href="/account/erase"' in page
    me = guardian(ME)
    children = set(child_ids(ME))
    grades = db.session.scalar(
        sa.select(sa.func.count(Grade.id)).where(Grade.student_id.in_(children))
    )
    wrong = form_post(demo_client, "/account/erase", {"password": "not-mine"})
    assert wrong.status_code == 400 and guardian(ME).password_hash  # nothing erased
    assert msg("password.wrong") in wrong.get_data(as_text=True)
    done = form_post(demo_client, "/account/erase", {"password": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    db.session.expire_all()
    me = guardian(ME)
    assert me.password_hash is None and me.pin_hash is None and me.ical_token is None
    assert me.email_verified_at is None and me.phone_verified_at is None and me.stop_all
    assert not db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.guardian_id == me.id)
    ).all()
    # the school's record of the parent of its pupils and the class book stay
    assert set(child_ids(ME)) == children and me.email == ME
    kept = db.session.scalar(
        sa.select(sa.func.count(Grade.id)).where(Grade.student_id.in_(children))
    )
    assert kept == grades
    links = db.session.scalars(
        sa.select(GuardianStudent).where(GuardianStudent.guardian_id == me.id)
    )
    schools = {link.school_id for link in links}
    audited = db.session.scalars(
        sa.select(AuditLog.school_id).where(
            AuditLog.action == "erase_account", AuditLog.object_id == me.id
        )
    ).all()
    assert set(audited) == schools and len(audited) == len(children)
    # every session ended, and the password no longer signs in
    assert other_device.get("/my-data").status_code == 302  # to the sign-in page
    fresh = demo_client.application.test_client()
    login(fresh, ME)
    assert fresh.get("/my-data").status_code == 302
