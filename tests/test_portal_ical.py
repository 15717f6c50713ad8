"""Issue 14: the parent's calendar feed, checked with parsers nobody here wrote.

* vobject (a calendar parser that builds its time zone from the feed's own ``VTIMEZONE``, as
  Outlook and older clients do) must give Europe/Sofia's offset on both sides of every change,
  including the hours next to it and years past 2038;
* the same feed under another host name has the same UIDs (no duplicated events);
* a parent meeting names the child.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from models import Student
from models import db
from portal import ical
from tests.conftest import form_post
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian
from tests.test_portal_web import login

ME = "roditel1@sou1.demo.bg"
SOFIA = ZoneInfo("Europe/Sofia")


def embedded_zone() -> dt.tzinfo:
    """The tzinfo vobject builds from our VTIMEZONE alone (no system zone data)."""
    text = ical.sofia_vtimezone().to_ical().decode()
    wrapped = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{text}END:VCALENDAR\r\n"
    component = vobject.readOne(wrapped)
    return component.vtimezone.gettzinfo()


@pytest.mark.parametrize(
    "utc",
    [
        pytest.param(dt.datetime(2026, 3, 29, 0, 59), id="2026-last-minute-of-winter-time"),
        pytest.param(dt.datetime(2026, 3, 29, 1, 0), id="2026-first-minute-of-summer-time"),
        pytest.param(dt.datetime(2026, 3, 29, 1, 30), id="2026-the-hour-clients-got-wrong"),
        pytest.param(dt.datetime(2026, 10, 25, 0, 59), id="2026-last-minute-of-summer-time"),
        pytest.param(dt.datetime(2026, 10, 25, 1, 0), id="2026-back-to-winter-time"),
        pytest.param(dt.datetime(2026, 10, 25, 1, 30), id="2026-the-repeated-hour"),
        pytest.param(dt.datetime(2027, 3, 28, 1, 30), id="2027-march"),
        pytest.param(dt.datetime(2026, 11, 25, 16, 0), id="a-winter-parent-meeting"),
        pytest.param(dt.datetime(2027, 5, 20, 15, 0), id="a-summer-event"),
        pytest.param(dt.datetime(2040, 3, 25, 1, 30), id="past-2038"),
        pytest.param(dt.datetime(2040, 10, 28, 0, 30), id="past-2038-october"),
    ],
)
def test_embedded_time_zone_matches_europe_sofia(utc: dt.datetime) -> None:
    moment = utc.replace(tzinfo=dt.UTC)
    expected = moment.astimezone(SOFIA).utcoffset()
    ours = moment.astimezone(embedded_zone()).utcoffset()
    assert ours == expected, (utc, ours, expected)


def feed_of(client, host: str) -> Calendar:  # type: ignore[no-untyped-def]
    token = guardian(ME).ical_token
    response = client.get(f"/calendar/{token}.ics", base_url=f"http://{host}")
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def test_uids_do_not_depend_on_the_host_name_the_feed_is_read_under(demo_client) -> None:  # type: ignore[no-untyped-def]
    login(demo_client, ME)
    form_post(demo_client, "/calendar", {}, post_url="/calendar/regenerate")
    demo_client.application.config["PORTAL_BASE_URL"] = "https://portal.example.bg"
    one = [str(e["UID"]) for e in feed_of(demo_client, "localhost").walk("VEVENT")]
    other = [str(e["UID"]) for e in feed_of(demo_client, "192.168.1.5").walk("VEVENT")]
    assert one and one == other
    assert all(uid.endswith("@portal.example.bg") for uid in one)


def test_a_parent_meeting_names_the_child_and_the_feed_has_one_correct_zone(demo_client) -> None:  # type: ignore[no-untyped-def]
    login(demo_client, ME)
    form_post(demo_client, "/calendar", {}, post_url="/calendar/regenerate")
    cal = feed_of(demo_client, "localhost")
    (child_id,) = child_ids(ME)
    first_name = db.session.get(Student, child_id).first_name
    meetings = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]).startswith("Родителска среща")]
    assert meetings
    for meeting in meetings:
        assert str(meeting["SUMMARY"]).endswith(f" ({first_name})"), meeting["SUMMARY"]
    zones = list(cal.walk("VTIMEZONE"))
    assert len(zones) == 1 and str(zones[0]["TZID"]) == "Europe/Sofia"
    daylight = zones[0].walk("DAYLIGHT")[0]
    assert daylight.decoded("DTSTART") == dt.datetime(1997, 3, 30, 3, 0)
