"""The parent's private calendar feed (``/calendar/<token>.ics``), built with ``icalendar``.

The token is ``Guardian.ical_token``: random, unique, shown only to the parent; regenerating it
revokes the old address at once (:func:`regenerate_ical_token`, :func:`revoke_ical_token`,
:func:`guardian_for_ical_token`, below). The feed holds the planned tests (one all-day ``VEVENT``
each, ``UID`` ``exam-<id>@host``), events and parent meetings of
all the parent's children (from 30 days back to 180 days ahead), with no marks, names of other
children or any other personal data beyond the child's first name in the summary (always on a
parent meeting, which is about that child's class; on an event when the parent has several
children).

Two things a client trusts are written here, not generated:

* the ``VTIMEZONE`` of Europe/Sofia, as the EU rule (``RRULE``, last Sunday of March and of
  October, at 01:00 UTC). ``icalendar``'s ``add_missing_timezones`` dates every daylight period
  from the local time *after* the change (04:00 instead of 03:00: RFC 5545 §3.8.2.4 wants the time
  in ``TZOFFSETFROM``), so clients that use the embedded zone showed events an hour off around
  the change, and it stops in 2038;
* the ``UID``: ``<kind>-<id>@<the configured public host>``, never the request's ``Host``, so the
  same feed read under another name does not duplicate every event.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar
from icalendar import Event as ICalEvent
from icalendar import Timezone
from icalendar import TimezoneDaylight
from icalendar import TimezoneStandard
from werkzeug.exceptions import NotFound

from config import TZ
from config import clock
from config.urls import base_url
from models import Guardian
from models import db
from portal.children import children
from portal.events import coming

PRODID = "-//Belezhnik//Parent portal//BG"
TZID = "Europe/Sofia"
FALLBACK_UID_HOST = "belezhnik.localhost"


def sofia_vtimezone() -> Timezone:
    """Europe/Sofia as the EU has kept it since 1997: EEST from the last Sunday of March, 03:00
    local, to the last Sunday of October, 04:00 local (both 01:00 UTC)."""
    zone = Timezone()
    zone.add("tzid", TZID)
    for part, start, month, before, after, name in (
        (TimezoneDaylight(), dt.datetime(1997, 3, 30, 3), 3, "+0200", "+0300", "EEST"),
        (TimezoneStandard(), dt.datetime(1997, 10, 26, 4), 10, "+0300", "+0200", "EET"),
    ):
        part.add("dtstart", start)  # local time in TZOFFSETFROM, as RFC 5545 wants
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
        part.add("tzoffsetfrom", dt.timedelta(hours=int(before[:3])))
        part.add("tzoffsetto", dt.timedelta(hours=int(after[:3])))
        part.add("tzname", name)
        zone.add_component(part)
    return zone


def uid_host() -> str:
    """The deployment's public host name (``config.urls.base_url`` of the portal), the same
    whatever name a client reads the feed under."""
    return urlsplit(base_url(current_app.config, portal=True)).hostname or FALLBACK_UID_HOST


def build_feed(guardian_id: int) -> bytes:
    today = clock.today()
    host = uid_host()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Бележник")
    cal.add("x-wr-timezone", TZID)
    cal.add_component(sofia_vtimezone())
    stamp = clock.utc_naive().replace(tzinfo=dt.UTC, microsecond=0)
    kids = children(guardian_id)
    many = len(kids) > 1
    seen: set[str] = set()
    for ctx in kids:
        for item in coming(ctx, today, days=180, since=today - dt.timedelta(days=30)):
            uid = f"{item['type']}-{item['id']}@{host}"
            if uid in seen:  # a school-wide event shared by two children of one school
                continue
            seen.add(uid)
            ev = ICalEvent()
            ev.add("uid", uid)
            ev.add("dtstamp", stamp)
            named = item["type"] == "meeting" or (many and item["type"] in ("event", "exam"))
            who = f" ({ctx.student.first_name})" if named else ""
            ev.add("summary", f"{item['title']}{who}")
            if item["time"]:
                start = dt.datetime.combine(item["date"], item["time"], tzinfo=TZ)
                ev.add("dtstart", start)
                minutes = 60 if item["type"] == "meeting" else 40
                ev.add("dtend", start + dt.timedelta(minutes=minutes))
            else:
                ev.add("dtstart", item["date"])
                ev.add("dtend", item["date"] + dt.timedelta(days=1))
            description = " · ".join(
                p for p in (item["kind_label"], item["subject"], item["description"]) if p
            )
            ev.add("description", description)
            if item["place"]:
                ev.add("location", item["place"])
            ev.add("categories", [item["kind_label"]])
            if item["updated_at"]:
                ev.add("last-modified", item["updated_at"].replace(tzinfo=dt.UTC, microsecond=0))
            cal.add_component(ev)
    return cal.to_ical()


# --- the calendar token ------------------------------------------------------------------------
def regenerate_ical_token(guardian: Guardian) -> str:
    """A new private feed token; the old link stops working at once (regenerate = revoke)."""
    guardian.ical_token = secrets.token_urlsafe(32)
    db.session.commit()
    return guardian.ical_token


def revoke_ical_token(guardian: Guardian) -> None:
    guardian.ical_token = None
    db.session.commit()


def guardian_for_ical_token(token: str) -> Guardian:
    if not token or len(token) > 64:
        raise NotFound()
    guardian = db.session.scalar(sa.select(Guardian).where(Guardian.ical_token == token))
    if guardian is None or not guardian.active or guardian.ical_token != token:
        raise NotFound()
    return guardian
