"""Isolation: a parent never sees another family's child by any URL, id or feed token."""

from __future__ import annotations

import sqlalchemy as sa

import session_tokens
from models import Guardian
from models import GuardianStudent
from models import Message
from models import MessageThread
from models import StaffUser
from models import Student
from models import db
from tests.conftest import form_post
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"


def _strangers():
    """A child of another family in my school, and one in the other school."""
    mine = set(child_ids(ME))
    me = guardian(ME)
    result = []
    for school_id in (1, 2):
        sid = db.session.scalar(
            sa.select(Student.id)
            .where(Student.school_id == school_id, Student.id.not_in(mine))
            .order_by(Student.id.desc())
            .limit(1)
        )
        assert sid is not None
        assert not db.session.scalar(
            sa.select(GuardianStudent.id).where(
                GuardianStudent.guardian_id == me.id, GuardianStudent.student_id == sid
            )
        )
        result.append(sid)
    return result


def _someone_elses_thread():
    """A message thread of another guardian (about their child) with a teacher."""
    other = db.session.scalars(
        sa.select(GuardianStudent).join(Guardian).where(Guardian.email != ME).limit(1)
    ).one()
    staff = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.is_operator.is_(False)).limit(1)
    ).one()
    thread = MessageThread(
        school_id=other.school_id,
        student_id=other.student_id,
        guardian_id=other.guardian_id,
        staff_id=staff.id,
        subject="Чужд разговор",
    )
    thread.messages.append(Message(from_staff=True, body="Тайно съдържание"))
    db.session.add(thread)
    db.session.commit()
    return thread


def test_other_childrens_pages_are_404(demo_client):
    login(demo_client, ME)
    for sid in _strangers() + [999999]:
        for url in (
            f"/child/{sid}",
            f"/child/{sid}?term=2",
            f"/child/{sid}/compare",
            f"/child/{sid}/compare?subject=1",
            f"/child/{sid}/homework",
            f"/child/{sid}/messages",
            f"/child/{sid}/messages/new",
        ):
            response = demo_client.get(url)
            assert response.status_code == 404, url
            assert "Тайно" not in response.get_data(as_text=True)


def test_posting_about_another_child_is_404(demo_client):
    login(demo_client, ME)
    stranger = _strangers()[0]
    mine = child_ids(ME)[0]
    page = demo_client.get(f"/child/{mine}/messages/new")
    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    response = demo_client.post(
        f"/child/{stranger}/messages/new",
        data={"csrf_token": token, "staff_id": "1", "subject": "x", "body": "y"},
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(MessageThread.id))) == 0


def test_another_familys_thread_is_404_even_under_my_child(demo_client):
    thread = _someone_elses_thread()
    login(demo_client, ME)
    mine = child_ids(ME)[0]
    for url in (
        f"/child/{mine}/messages/{thread.id}",
        f"/child/{thread.student_id}/messages/{thread.id}",
    ):
        response = demo_client.get(url)
        assert response.status_code == 404, url
    page = demo_client.get(f"/child/{mine}/messages/new")
    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    response = demo_client.post(
        f"/child/{mine}/messages/{thread.id}", data={"csrf_token": token, "body": "hi"}
    )
    assert response.status_code == 404
    assert len(db.session.get(MessageThread, thread.id).messages) == 1
    # and the stranger's message was not marked read
    assert db.session.get(MessageThread, thread.id).messages[0].read_at is None


def test_my_thread_under_my_other_childs_id_is_404(demo_client):
    email = "roditel2@sou1.demo.bg"
    first, second = child_ids(email)
    login(demo_client, email)
    page = demo_client.get(f"/child/{first}/messages/new")
    html = page.get_data(as_text=True)
    import re

    staff_id = re.search(r'<option value="(\d+)"', html).group(1)
    form_post(
        demo_client,
        f"/child/{first}/messages/new",
        {"staff_id": staff_id, "subject": "Въпрос", "body": "Здравейте"},
    )
    thread = db.session.scalars(sa.select(MessageThread)).one()
    assert demo_client.get(f"/child/{first}/messages/{thread.id}").status_code == 200
    assert demo_client.get(f"/child/{second}/messages/{thread.id}").status_code == 404


def test_messages_only_to_the_childs_teachers(demo_client):
    login(demo_client, ME)
    mine = child_ids(ME)[0]
    # the director of the other school is nobody's teacher here
    outsider = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.email == "direktor@sou2.demo.bg")
    ).one()
    response = form_post(
        demo_client,
        f"/child/{mine}/messages/new",
        {"staff_id": str(outsider.id), "subject": "x", "body": "y"},
    )
    assert response.status_code == 400
    assert "Изберете учител от списъка." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MessageThread.id))) == 0


def test_feed_tokens_are_private_and_revocable(demo_client):
    login(demo_client, ME)
    assert demo_client.get("/calendar/not-a-token.ics").status_code == 404
    assert demo_client.get("/calendar/.ics").status_code == 404
    form_post(demo_client, "/calendar", {}, post_url="/calendar/regenerate")
    token = guardian(ME).ical_token
    assert token and len(token) >= 32
    form_post(demo_client, "/logout", {})
    assert demo_client.get(f"/calendar/{token}.ics").status_code == 200
    # a token is exactly that guardian's: another guardian's token gives their feed, not mine
    login(demo_client, ME)
    form_post(demo_client, "/calendar", {}, post_url="/calendar/regenerate")
    new = guardian(ME).ical_token
    assert new != token
    assert demo_client.get(f"/calendar/{token}.ics").status_code == 404
    form_post(demo_client, "/calendar", {}, post_url="/calendar/revoke")
    assert guardian(ME).ical_token is None
    assert demo_client.get(f"/calendar/{new}.ics").status_code == 404


def test_feed_holds_only_my_childrens_classes(demo_client):
    from portal import ical

    me = guardian(ME)
    body = ical.build_feed(me.id).decode()
    mine = set(child_ids(ME))
    from models import Enrollment
    from models import Exam
    from models import ParentMeeting

    my_classes = set(
        db.session.scalars(sa.select(Enrollment.class_id).where(Enrollment.student_id.in_(mine)))
    )
    for model, kind in ((Exam, "exam"), (ParentMeeting, "meeting")):
        foreign = db.session.scalars(
            sa.select(model).where(model.class_id.is_not(None), model.class_id.not_in(my_classes))
        ).all()
        assert foreign
        for row in foreign:
            assert f"UID:{kind}-{row.id}@" not in body


def test_export_holds_only_my_children(demo_client):
    login(demo_client, ME)
    data = demo_client.get("/my-data.json").get_json()
    assert {c["id"] for c in data["children"]} == set(child_ids(ME))
    assert data["guardian"]["email"] == ME
    text = demo_client.get("/my-data.json").get_data(as_text=True)
    assert "password_hash" not in text and "pbkdf2" not in text and "scrypt" not in text


def test_staff_session_is_not_a_parent(demo_client):
    staff = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.email == "direktor@sou1.demo.bg")
    ).one()
    with demo_client.session_transaction() as session:
        session["_user_id"] = session_tokens.issue(staff)  # a genuine staff sign-in
        session["_fresh"] = True
    sid = child_ids(ME)[0]
    response = demo_client.get(f"/child/{sid}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
