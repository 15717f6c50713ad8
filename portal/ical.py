"""The parent's private calendar feed (``/calendar/<token>.ics``), built with ``icalendar``.

The token is ``Guardian.ical_token``: random, unique, shown only to the parent; regenerating it
revokes the old address at once (:func:`regenerate_ical_token`, :func:`revoke_ical_token`,
:func:`guardian_for_ical_token`, below). The feed holds the tests, events and parent meetings of
all the parent's children (from 30 days back to 180 days ahead), with no marks, names of other
children or any other personal data beyond the child's first name in the summary.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from icalendar import Calendar
from icalendar import Event as ICalEvent
from werkzeug.exceptions import NotFound

from config import TZ
from config import clock
from models import Guardian
from models import db
from portal.children import children
from portal.events import coming

PRODID = "-//Belezhnik//Parent portal//BG"


def build_feed(guardian_id: int, host: str = "belezhnik") -> bytes:
    today = clock.today()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Бележник")
    cal.add("x-wr-timezone", "Europe/Sofia")
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
            who = f" ({ctx.student.first_name})" if many and item["type"] == "event" else ""
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
    cal.add_missing_timezones()
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
