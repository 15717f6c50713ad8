"""A portal "seen" stops an urgent notice (issue 15): the child's page of a guardian the notice is
meant for shows it with a "Видях съобщението" button; pressing it marks the notice reached by
that guardian ("portal"), so no more calls, SMS or e-mails follow. Another family's guardian
neither sees nor acknowledges it; a notice of another child does not show."""

from __future__ import annotations

import sqlalchemy as sa

from config import clock
from ivr import urgent
from models import NoticePurpose
from models import NoticeState
from models import OutboundNotice
from models import db
from tests.conftest import csrf_from
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"
OTHER = "roditel2@sou1.demo.bg"
TEXT = "Иван не е на училище днес (1. и 2. час)"


def _notice(student_id: int, guardian_ids: list[int]) -> OutboundNotice:
    notice = urgent.start_notice(
        school_id=1,
        purpose=NoticePurpose.NOT_AT_SCHOOL,
        day=clock.today(),
        student_ids=[student_id],
        guardian_ids=guardian_ids,
        payload={"sms": TEXT, "absent": []},
    )
    assert notice is not None, "the demo parent can be reached"
    db.session.commit()
    return notice


def test_the_parent_sees_the_notice_and_seen_stops_it(demo_client) -> None:
    me = guardian(ME)
    sid = child_ids(ME)[0]
    notice = _notice(sid, [me.id])
    login(demo_client, ME)
    page = demo_client.get(f"/child/{sid}").get_data(as_text=True)
    assert "Училището ви търси" in page and TEXT in page
    response = demo_client.post(
        f"/child/{sid}/urgent/{notice.id}/seen", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    seen = db.session.get(OutboundNotice, notice.id)
    assert seen is not None and seen.state is NoticeState.REACHED
    assert (seen.reached_guardian_id, seen.reached_how) == (me.id, "portal")
    assert TEXT not in demo_client.get(f"/child/{sid}").get_data(as_text=True)


def test_no_csrf_another_family_or_another_child_changes_nothing(demo_app) -> None:
    me = guardian(ME)
    mine = child_ids(ME)
    notice = _notice(mine[0], [me.id])
    other = demo_app.test_client()
    login(other, OTHER)
    theirs = child_ids(OTHER)[0]
    page = other.get(f"/child/{theirs}").get_data(as_text=True)
    assert TEXT not in page
    token = csrf_from(page)
    # their own child's URL with my notice's id, and my child's URL
    assert (
        other.post(
            f"/child/{theirs}/urgent/{notice.id}/seen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        other.post(
            f"/child/{mine[0]}/urgent/{notice.id}/seen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    client = demo_app.test_client()
    login(client, ME)
    assert client.post(f"/child/{mine[0]}/urgent/{notice.id}/seen").status_code == 400  # no CSRF
    if len(mine) > 1:
        assert TEXT not in client.get(f"/child/{mine[1]}").get_data(as_text=True)
    db.session.expire_all()
    state = db.session.scalar(sa.select(OutboundNotice.state).where(OutboundNotice.id == notice.id))
    assert state is NoticeState.ACTIVE
