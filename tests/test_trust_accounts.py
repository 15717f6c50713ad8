"""Issue #12, item 1: staff accounts belong to their owners.

Replays, through the real staff web (CSRF on), the takeover that worked before: school A's
director "adds" school B's director, resets that account's password, is shown it, and signs in as
B. Now "add" only invites (gradebook/staff_accounts.py), the reset is refused for an account of
another school and never shows a password, and the owner is told of every change.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gradebook import staff_accounts
from models import AuditLog
from models import NotificationOutbox
from models import StaffInvitation
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import db
from onboarding import importer
from tests.conftest import csrf_from
from tests.conftest import form_post
from tests.conftest import login_staff

A_ADMIN, B_ADMIN, B_TEACHER = (
    "direktor@sou1.demo.bg",
    "direktor@sou2.demo.bg",
    "uchitel5@sou2.demo.bg",
)
STAFF = "/staff/admin/staff"


def _user(email: str) -> StaffUser:
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    return user


def _schools_of(email: str) -> set[int]:
    db.session.expire_all()
    return {m.school_id for m in _user(email).memberships}


def _mails_to(email: str) -> list[NotificationOutbox]:
    return list(
        db.session.scalars(
            sa.select(NotificationOutbox)
            .where(NotificationOutbox.to_address == email)
            .order_by(NotificationOutbox.id)
        )
    )


def _invitation_path(email: str) -> str:
    body = next(m.body for m in reversed(_mails_to(email)) if "/staff/invitations/" in m.body)
    return re.search(r"/staff/invitations/[A-Za-z0-9_\-]+", body).group(0)


def _add(client, email: str, role: str = "admin", name: str = "Някой Някой"):
    return form_post(client, STAFF, {"full_name": name, "email": email, "role": role})


def _a_admin(app):
    client = app.test_client()
    assert login_staff(client, A_ADMIN).status_code == 302
    return client


def test_takeover_of_another_schools_director_is_only_an_invitation(demo_app):
    """The attack of the issue, step by step: every step that used to work now fails."""
    a = _a_admin(demo_app)
    victim = _user(B_ADMIN)
    hash_before = victim.password_hash
    r = _add(a, B_ADMIN)
    assert r.status_code == 302
    page = a.get(STAFF).get_data(as_text=True)
    assert f"Поканата е изпратена на {B_ADMIN}" in page and "Временна парола" not in page
    assert _schools_of(B_ADMIN) == {2}  # no silent membership in A
    # A tries to reset the password of B's director: not A's staff, nothing changes
    r = form_post(a, STAFF, {}, post_url=f"{STAFF}/{victim.id}/password")
    assert r.status_code == 404
    db.session.expire_all()
    assert _user(B_ADMIN).password_hash == hash_before
    # signing in as B with anything but B's own password fails; B's own still works
    thief = demo_app.test_client()
    assert login_staff(thief, B_ADMIN, "guessed-by-A").status_code == 401
    # the invitation went to B's own address; A's page never had its link
    path = _invitation_path(B_ADMIN)
    assert path not in page
    # the owner accepts, signed in with their own password: only now the membership exists
    owner = demo_app.test_client()
    assert login_staff(owner, B_ADMIN).status_code == 302
    assert owner.get(path).status_code == 200
    assert form_post(owner, path, {}).status_code == 302
    assert _schools_of(B_ADMIN) == {1, 2}
    # now a shared account: A may still not reset it
    r = form_post(a, STAFF, {}, post_url=f"{STAFF}/{victim.id}/password")
    assert r.status_code == 302
    assert "собственикът сам сменя паролата си" in a.get(STAFF).get_data(as_text=True)
    db.session.expire_all()
    assert _user(B_ADMIN).password_hash == hash_before
    # A removes it: only A's membership goes, the account stays B's
    assert form_post(a, STAFF, {}, post_url=f"{STAFF}/{victim.id}/remove").status_code == 302
    assert _schools_of(B_ADMIN) == {2} and _user(B_ADMIN).active
    assert login_staff(demo_app.test_client(), B_ADMIN).status_code == 302
    # every change audited with the school, and the owner told each time
    actions = [
        (row.action, row.school_id)
        for row in db.session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action.in_(["staff_invite", "staff_invite_accept", "member_remove"]))
            .order_by(AuditLog.id)
        )
    ]
    assert actions == [("staff_invite", 1), ("staff_invite_accept", 1), ("member_remove", 1)]
    subjects = [m.subject for m in _mails_to(B_ADMIN)]
    assert len(subjects) == 3 and "покана" in subjects[0] and "вече не сте" in subjects[2]
    bodies = [m.body for m in _mails_to(B_ADMIN)]
    assert (
        "кани" in bodies[0] and "вече е свързан" in bodies[1] and "вече не е свързан" in bodies[2]
    )


def test_add_staff_answers_the_same_for_a_new_and_an_existing_email(demo_app):
    """Enumeration: the page after "add" must not tell whether the address had an account."""
    a = _a_admin(demo_app)

    def answer(email: str) -> tuple[str, str]:
        r = _add(a, email, role="teacher")
        location = r.headers["Location"]
        body = a.get(STAFF).get_data(as_text=True).replace(email, "E-MAIL")
        invitation = db.session.scalar(
            sa.select(StaffInvitation).where(StaffInvitation.email == email)
        )
        # withdraw it, so that the next page lists the same number of invitations
        form_post(a, STAFF, {}, post_url=f"/staff/admin/invitations/{invitation.id}/revoke")
        body = re.sub(r"/invitations/\d+/", "/invitations/N/", body)
        # every CSRF field, whichever way it is rendered (the macro or WTForms): its token carries
        # a timestamp, so two pages a second apart differ there and nowhere else
        return location, re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "CSRF", body)

    new, existing = answer("nobody-yet@example.bg"), answer(B_TEACHER)
    assert new == existing
    assert _schools_of(B_TEACHER) == {2}
    assert not _user("nobody-yet@example.bg").memberships


def test_teachers_import_invites_an_existing_account_instead_of_taking_it(demo_app):
    csv = (
        "Имена;E-mail;Телефон;Длъжност;Роля\n"
        f"Чужд Директор;{B_ADMIN};0888000000;директор;администратор\n"
        "Нова Учителка;nova.import@example.bg;;учител;учител\n"
    ).encode()
    admin_id = _user(A_ADMIN).id
    plan = importer.preview("teachers", 1, "t.csv", csv)
    assert {i["action"] for i in plan.items} == {"new"}  # the preview tells nothing apart
    _, counts = importer.commit("teachers", 1, "t.csv", csv, invite=True, actor_id=admin_id)
    assert counts == {"new": 2, "unchanged": 0, "invited": 2}
    assert _schools_of(B_ADMIN) == {2}
    assert _user(B_ADMIN).phone != "+359888000000"  # A does not edit B's account either
    invitation = db.session.scalar(
        sa.select(StaffInvitation).where(StaffInvitation.email == B_ADMIN)
    )
    assert invitation.status == "pending" and invitation.school_id == 1
    assert invitation.created_by_id == admin_id
    assert "/staff/invitations/" in _mails_to(B_ADMIN)[-1].body
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "staff_invite"))
    assert audit.school_id == 1 and audit.after["staff_id"] == _user(B_ADMIN).id


def test_revoked_invitation_cannot_be_accepted(demo_app):
    a = _a_admin(demo_app)
    _add(a, B_ADMIN)
    path = _invitation_path(B_ADMIN)
    invitation = db.session.scalar(sa.select(StaffInvitation))
    r = form_post(a, STAFF, {}, post_url=f"/staff/admin/invitations/{invitation.id}/revoke")
    assert r.status_code == 302
    assert B_ADMIN not in a.get(STAFF).get_data(as_text=True).split("Изпратени покани")[1]
    owner = demo_app.test_client()
    login_staff(owner, B_ADMIN)
    assert owner.get(path).status_code == 404
    assert _schools_of(B_ADMIN) == {2}
    assert (
        db.session.scalar(
            sa.select(AuditLog.school_id).where(AuditLog.action == "staff_invite_revoke")
        )
        == 1
    )
    # another school's admin cannot revoke A's invitations
    _add(a, B_ADMIN)
    pending = staff_accounts.pending_invitations(1)[0]
    b = demo_app.test_client()
    login_staff(b, B_ADMIN)
    r = form_post(b, STAFF, {}, post_url=f"/staff/admin/invitations/{pending.id}/revoke")
    assert r.status_code == 404


def _invited(app, signed_in_as: str):
    """A invites B's director; (the link, a client signed in as ``signed_in_as``)."""
    _add(_a_admin(app), B_ADMIN)
    client = app.test_client()
    assert login_staff(client, signed_in_as).status_code == 302
    return _invitation_path(B_ADMIN), client


def test_invitation_cannot_be_accepted_by_another_signed_in_account(demo_app):
    path, colleague = _invited(demo_app, B_TEACHER)
    assert colleague.get(path).status_code == 403
    token = csrf_from(colleague.get("/staff/password").get_data(as_text=True))
    assert colleague.post(path, data={"csrf_token": token}).status_code == 403
    assert colleague.post(f"{path}/decline", data={"csrf_token": token}).status_code == 403
    assert _schools_of(B_ADMIN) == {2} and _schools_of(B_TEACHER) == {2}
    # signed out, the link alone is not enough for an account in use: to the sign-in page
    anonymous = demo_app.test_client()
    r = anonymous.get(path)
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_expired_invitation_is_refused(demo_app):
    path, owner = _invited(demo_app, B_ADMIN)
    invitation = db.session.scalar(sa.select(StaffInvitation))
    invitation.expires_at = dt.datetime(2020, 1, 1)
    db.session.commit()
    assert owner.get(path).status_code == 404
    token = csrf_from(owner.get("/staff/password").get_data(as_text=True))
    assert owner.post(path, data={"csrf_token": token}).status_code == 404
    assert _schools_of(B_ADMIN) == {2}


def test_accepting_needs_the_csrf_token(demo_app):
    """A page elsewhere cannot make the signed-in owner accept (or decline) unawares."""
    path, owner = _invited(demo_app, B_ADMIN)
    assert owner.post(path, data={}).status_code == 400
    assert owner.post(f"{path}/decline", data={}).status_code == 400
    assert _schools_of(B_ADMIN) == {2}
    assert db.session.scalar(sa.select(StaffInvitation.status)) == "pending"
    # with the token: declined, audited, and the link is dead
    assert form_post(owner, path, {}, post_url=f"{path}/decline").status_code == 302
    assert db.session.scalar(sa.select(StaffInvitation.status)) == "declined"
    assert (
        db.session.scalar(
            sa.select(AuditLog.school_id).where(AuditLog.action == "staff_invite_decline")
        )
        == 1
    )
    assert owner.get(path).status_code == 404


def test_own_school_reset_sends_a_link_and_tells_the_owner(demo_app):
    a = _a_admin(demo_app)
    teacher = _user("uchitel3@sou1.demo.bg")
    assert form_post(a, STAFF, {}, post_url=f"{STAFF}/{teacher.id}/password").status_code == 302
    page = a.get(STAFF).get_data(as_text=True)
    assert "Временна парола" not in page and "изпратена връзка" in page
    mail = _mails_to(teacher.email)[-1]
    assert "Администратор на" in mail.body and "/onboarding/welcome/" in mail.body


def test_operator_adds_a_membership_directly_audited_and_told(demo_app):
    operator = db.session.scalar(sa.select(StaffUser).where(StaffUser.is_operator.is_(True)))
    staff_accounts.add_member_by_operator(operator, 1, _user(B_ADMIN), StaffRole.TEACHER)
    assert _schools_of(B_ADMIN) == {1, 2}
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "member_add_operator"))
    assert row.school_id == 1 and row.actor_id == operator.id
    assert "вече е свързан" in _mails_to(B_ADMIN)[-1].body
    with pytest.raises(staff_accounts.Forbidden):
        staff_accounts.add_member_by_operator(_user(A_ADMIN), 1, _user(B_TEACHER), StaffRole.ADMIN)


@pytest.mark.postgres
def test_invitation_round_trip_on_postgresql(pg_app):
    from gradebook.core import Actor
    from gradebook.core import Invalid
    from tests._onboarding import make_school

    first = make_school("1234567")
    second = make_school("7654321", admin_email="admin2@test-sou.bg")
    admin = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(StaffMembership.school_id == first)
    )
    outsider = _user("admin2@test-sou.bg")
    actor = Actor.load(admin, first)
    with pg_app.test_request_context():
        staff_accounts.add_staff(actor, email=outsider.email, full_name="X", role="teacher")
    assert _schools_of(outsider.email) == {second}
    invitation = staff_accounts.pending_invitations(first)[0]
    staff_accounts.accept_invitation(invitation, outsider)
    assert _schools_of(outsider.email) == {first, second}
    with pytest.raises(Invalid):
        staff_accounts.reset_password(actor, outsider.id)
