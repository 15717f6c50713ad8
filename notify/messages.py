"""The catalogue of notification texts: short Bulgarian SMS, e-mail subject, text and HTML.

Every text is rendered from the outbox row's ``payload`` alone (the sender does no further reads).
Payload keys by event (all optional except ``student`` where a child is concerned):

* grade: ``student`` (first name), ``subject``, ``value`` ("5.50"), ``text`` (the grade as
  written, e.g. "Много добър 5,25" or a qualitative/СОП word; wins over ``value``), ``kind``
  (GradeKind value), ``date`` (ISO), ``final`` (term/annual), ``changed`` (a corrected grade)
  and ``previous`` (its text before the correction, which the parent was told)
* message: ``guardian_id`` restricts it to the parent of that thread
* absence / late: ``student``, ``date``, ``period``, ``subject``, ``kind`` (excused/unexcused/late),
  ``count`` (several lessons at once); ``whole_day`` for a ПГ child's day (no subject, no period)
* remark / praise: ``student``, ``subject``, ``text``, ``date``
* health: ``student``, ``date`` (the text is never sent: special-category data, read in the portal)
* event: ``student``, ``title``, ``date``, ``time``
* exam (the tests schedule): ``student``, ``title`` ("класна работа по математика"), ``date``,
  ``period`` (the lesson, or None), ``description``; ``cancelled`` when it is called off (then
  ``description`` is the reason)
* meeting / reminder: ``student``, ``date``, ``time``, ``place``, ``topic``
* school-wide event / meeting / reminder (one message per parent, ``Notice.per_guardian``): no
  ``student`` (the text names no child), ``school`` (the school's name, in the e-mail subject)
* message: ``student``, ``sender`` (teacher's name), ``subject``
* homework: ``student``, ``subject``, ``text``, ``date`` (given, ISO), ``due_on`` (ISO),
  ``changed`` (a corrected one)
* threshold: ``student``, ``month`` ("2026-11"), ``hours`` ("5.5"), ``limit`` ("5"); a ПГ
  child's alert has ``days`` (4) and ``limit`` (3) instead: unexcused days of the daily attendance
* digest: ``items`` (list of {"event_type", "payload"}), ``date``
* account: ``text`` (already written by the account use-case), ``subject``

SMS are written in Cyrillic and transliterated with :func:`notify.sms.fit_sms` when the parent
chose Latin (the default: GSM-7, 160 characters a segment). Single-event texts are kept short so
that they fit one segment; Cyrillic (UCS-2, 70 characters) may take two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from flask import current_app

from config.urls import link
from gradebook.rules import SANCTION_SHORT
from gradebook.rules import RuleError
from gradebook.rules import after_preposition
from gradebook.rules import format_date_bg
from gradebook.rules import format_decimal_bg
from gradebook.rules import grade_word
from gradebook.rules import homework_notice_line
from gradebook.rules import month_year_bg
from models import NotifyEvent
from notify.sms import fit_sms
from notify.sms import segments

BRAND = "Belezhnik"

GRADE_KINDS_BG = {
    "current": "текуща",
    "control": "контролна",
    "classwork": "класна",
    "test": "тест",
    "homework": "домашна",
    "project": "проект",
    "entry_level": "входно ниво",
    "exit_level": "изходно ниво",
    "term": "срочна",
    "annual": "годишна",
}

EVENT_LABELS_BG: dict[NotifyEvent, str] = {
    NotifyEvent.GRADE: "Оценки",
    NotifyEvent.ABSENCE: "Отсъствия",
    NotifyEvent.LATE: "Закъснения",
    NotifyEvent.REMARK: "Забележки",
    NotifyEvent.PRAISE: "Похвали",
    NotifyEvent.HEALTH: "Здравен статус",
    NotifyEvent.EVENT: "Събития",
    NotifyEvent.EXAM: "Контролни и класни работи",
    NotifyEvent.MEETING: "Родителски срещи",
    NotifyEvent.MESSAGE: "Съобщения от учители",
    NotifyEvent.THRESHOLD: "Праг на неуважителните отсъствия",
    NotifyEvent.HOMEWORK: "Домашни работи",
    NotifyEvent.EXCUSE: "Бележка за извиняване на отсъствие",
    NotifyEvent.SANCTION: "Санкции",
}


# the admin's notification log: every kind of notice, and what the provider last said of it
NOTICE_KINDS_BG: dict[NotifyEvent, str] = {
    **EVENT_LABELS_BG,
    NotifyEvent.DIGEST: "Дневно обобщение",
    NotifyEvent.REMINDER: "Напомняне за среща",
    NotifyEvent.ACCOUNT: "Профил (кодове, пароли)",
    NotifyEvent.NOT_AT_SCHOOL: "Отсъствие от първите часове",
    NotifyEvent.BROADCAST: "Съобщение до цялото училище",
}
PROVIDER_STATUS_BG: dict[str, str] = {
    "accepted": "приет от оператора",
    "scheduled": "насрочен",
    "queued": "на опашка",
    "sending": "изпраща се",
    "sent": "изпратен",
    "delivered": "доставен",
    "read": "прочетен",
    "failed": "неуспешен",
    "undelivered": "недоставен",
    "canceled": "отменен",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    segments: int | None = None


# --- small formatting helpers -----------------------------------------------------------------
def _date(value: Any, short: bool = False) -> str:
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day:02d}.{day.month:02d}" if short else format_date_bg(day)


def _iso_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _time(value: Any) -> str:
    return str(value)[:5] if value else ""


def _grade(payload: dict[str, Any]) -> str:
    if payload.get("text"):  # written by the staff web (qualitative words, СОП marks)
        return str(payload["text"])
    if payload.get("sop"):
        return str(payload["sop"])
    raw = payload.get("value")
    try:
        value = Decimal(str(raw))
        word, _ = grade_word(value)
    except (InvalidOperation, RuleError, ValueError):
        return str(raw or "")
    places = 0 if payload.get("final") or value == value.to_integral_value() else 2
    return f"{word} {format_decimal_bg(value, places)}"


def _month(value: Any) -> str:
    try:
        year, month = (int(p) for p in str(value).split("-")[:2])
        return month_year_bg(year, month)
    except (ValueError, IndexError):
        return str(value or "")


def _hours(value: Any) -> str:
    try:
        return format_decimal_bg(Decimal(str(value)), 1).removesuffix(",0")
    except (InvalidOperation, RuleError):
        return str(value)


# --- the one-line (SMS) catalogue --------------------------------------------------------------
def line(event_type: NotifyEvent | str, payload: dict[str, Any]) -> str:
    """The short Cyrillic text of one event (SMS body without the brand, digest line)."""
    p = payload
    who = p.get("student", "")
    event = NotifyEvent(event_type)
    if event is NotifyEvent.GRADE:
        kind = GRADE_KINDS_BG.get(str(p.get("kind", "")), "")
        kind = f" ({kind})" if kind and kind != "текуща" else ""
        what = "поправена оценка " if p.get("changed") else ""
        was = f" (вместо {p['previous']})" if p.get("changed") and p.get("previous") else ""
        return (
            f"{who}: {what}{_grade(p)}{was} по {after_preposition(p.get('subject', ''))}{kind}, "
            f"{_date(p.get('date'), True)}"
        )
    if event in (NotifyEvent.ABSENCE, NotifyEvent.LATE):
        kind = str(p.get("kind", "late" if event is NotifyEvent.LATE else "unexcused"))
        count = int(p.get("count") or 1)
        if kind == "late":
            what = "закъснение"
        elif kind == "excused":
            what = "уважително отсъствие" if count == 1 else f"{count} уважителни отсъствия"
        else:
            what = "неуважително отсъствие" if count == 1 else f"{count} неуважителни отсъствия"
        where = f" по {after_preposition(p['subject'])}" if p.get("subject") else ""
        if p.get("whole_day"):  # a ПГ child's day of the daily attendance
            where = " от подготвителната група"
        # "6. час" (the lesson), never "6 ч." (read as six o'clock)
        period = f", {p['period']}. час" if p.get("period") and count == 1 else ""
        return f"{who}: {what}{where}, {_date(p.get('date'), True)}{period}"
    if event in (NotifyEvent.REMARK, NotifyEvent.PRAISE):
        what = "похвала" if event is NotifyEvent.PRAISE else "забележка"
        where = f" по {after_preposition(p['subject'])}" if p.get("subject") else ""
        text = str(p.get("text", "")).strip()
        return f"{who}: {what}{where}" + (f": {text}" if text else "")
    if event is NotifyEvent.HEALTH:
        return f"{who}: нова бележка в здравния статус от {_date(p.get('date'), True)}"
    if event is NotifyEvent.EVENT:
        at = f" {_time(p.get('time'))}" if p.get("time") else ""
        text = f"{p.get('title', 'събитие')} на {_date(p.get('date'), True)}{at}"
        return f"{who}: {text}" if who else text  # school-wide: one message, no child named
    if event is NotifyEvent.EXAM:
        period = f", {p['period']}. час" if p.get("period") is not None else ""
        off = "ОТМЕНЕНА " if p.get("cancelled") else ""
        return f"{who}: {off}{p.get('title', 'контролна работа')} на {_date(p.get('date'), True)}{period}"
    if event in (NotifyEvent.MEETING, NotifyEvent.REMINDER):
        when = "Утре" if event is NotifyEvent.REMINDER else _date(p.get("date"), True)
        place = f", {p['place']}" if p.get("place") else ""
        lead = "Родителска среща" + (f" ({who})" if who else "")
        return f"{lead}: {when} {_time(p.get('time'))}{place}".rstrip()
    if event is NotifyEvent.MESSAGE:
        sender = f" от {p['sender']}" if p.get("sender") else ""
        return f"{who}: ново съобщение{sender}"
    if event is NotifyEvent.THRESHOLD and p.get("days") is not None:  # a ПГ child: days
        return (
            f"{who}: {p['days']} дни неуважителни отсъствия за {_month(p.get('month'))}"
            f" (над {p.get('limit', 3)})"
        )
    if event is NotifyEvent.THRESHOLD:
        return (
            f"{who}: {_hours(p.get('hours'))} неуважителни отсъствия за {_month(p.get('month'))}"
            f" (над {_hours(p.get('limit', 5))})"
        )
    if event is NotifyEvent.HOMEWORK:
        return homework_notice_line(
            who,
            str(p.get("subject", "")),
            _iso_date(p.get("due_on")),
            str(p.get("text", "")),
            changed=bool(p.get("changed")),
        )
    if event is NotifyEvent.EXCUSE:  # a parent's note confirmed or refused by the class teacher
        start, end = _date(p.get("from"), True), _date(p.get("to"), True)
        days = start if start == end else f"{start}–{end}"
        if p.get("status") == "confirmed":
            return f"{who}: бележката за {days} е потвърдена; остават {p.get('left', 0)} дни"
        why = f" ({p['why']})" if p.get("why") else ""
        return f"{who}: бележката за {days} е отказана{why}"
    if event is NotifyEvent.SANCTION:
        kind = SANCTION_SHORT.get(int(p.get("kind") or 0), "санкция")
        if p.get("cancelled"):
            return (
                f"{who}: отменена санкция „{kind}“ (заповед № {p.get('cancel_order_number', '')}"
                f" от {_date(p.get('cancel_date'), True)})"
            )
        return f"{who}: санкция „{kind}“ от {_date(p.get('date'), True)}, заповед № {p.get('order_number', '')}"
    if event is NotifyEvent.ACCOUNT:
        return str(p.get("text", ""))
    if event is NotifyEvent.DIGEST:
        return f"Обобщение за {_date(p.get('date'), True)}: {len(p.get('items', []))} новини"
    return str(p.get("text", ""))


def sms_text(event_type: NotifyEvent | str, payload: dict[str, Any], latin: bool = True) -> str:
    """The SMS as sent: the line plus the brand, transliterated for Latin, fitted to 1 segment
    (Latin, GSM-7) or 2 (Cyrillic, UCS-2)."""
    event = NotifyEvent(event_type)
    if event is NotifyEvent.DIGEST:
        items = payload.get("items", [])
        parts = [line(item["event_type"], item["payload"]) for item in items]
        text = f"{BRAND} {_date(payload.get('date'), True)}: " + "; ".join(parts)
        return fit_sms(text, latin=latin, max_segments=3)
    text = line(event, payload)
    if event is not NotifyEvent.ACCOUNT:
        text = f"{text}. {BRAND}" if not text.endswith((".", "!", "?")) else f"{text} {BRAND}"
    return fit_sms(text, latin=latin, max_segments=1 if latin else 2)


SUBJECTS_BG: dict[NotifyEvent, str] = {
    NotifyEvent.GRADE: "Нова оценка",
    NotifyEvent.ABSENCE: "Отсъствие",
    NotifyEvent.LATE: "Закъснение",
    NotifyEvent.REMARK: "Забележка",
    NotifyEvent.PRAISE: "Похвала",
    NotifyEvent.HEALTH: "Здравен статус",
    NotifyEvent.EVENT: "Предстоящо събитие",
    NotifyEvent.EXAM: "Контролна или класна работа",
    NotifyEvent.MEETING: "Родителска среща",
    NotifyEvent.REMINDER: "Напомняне: родителска среща утре",
    NotifyEvent.MESSAGE: "Ново съобщение",
    NotifyEvent.THRESHOLD: "Внимание: неуважителни отсъствия",
    NotifyEvent.HOMEWORK: "Домашна работа",
    NotifyEvent.SANCTION: "Санкция",
    NotifyEvent.DIGEST: "Дневно обобщение",
    NotifyEvent.ACCOUNT: "Профил в Бележник",
    NotifyEvent.EXCUSE: "Бележка за отсъствие",
}


def email_subject(event_type: NotifyEvent | str, payload: dict[str, Any]) -> str:
    event = NotifyEvent(event_type)
    if event is NotifyEvent.ACCOUNT and payload.get("subject"):
        return f"Бележник: {payload['subject']}"
    title = SUBJECTS_BG.get(event, "Известие")
    who = payload.get("student") or payload.get("school")
    if event is NotifyEvent.DIGEST:
        return f"Бележник: {title} за {_date(payload.get('date'))}"
    return f"Бележник: {title}" + (f" — {who}" if who else "")


def email_lines(event_type: NotifyEvent | str, payload: dict[str, Any]) -> list[str]:
    event = NotifyEvent(event_type)
    if event is NotifyEvent.DIGEST:
        return [line(i["event_type"], i["payload"]) for i in payload.get("items", [])]
    lines = [line(event, payload)]
    if event in (NotifyEvent.MEETING, NotifyEvent.REMINDER) and payload.get("topic"):
        lines.append(f"Тема: {payload['topic']}")
    if event is NotifyEvent.HOMEWORK and payload.get("date"):
        lines.append(f"Дадена в часа на {_date(payload.get('date'))}.")
    if event is NotifyEvent.EVENT and payload.get("description"):
        lines.append(str(payload["description"]))
    if event is NotifyEvent.EXAM and payload.get("description"):
        lead = "Причина" if payload.get("cancelled") else "Описание"
        lines.append(f"{lead}: {payload['description']}")
    return lines


def email_links() -> dict[str, str]:
    """The portal and its notification settings, on the public address (needs an app context)."""
    return {
        "portal_url": link("portal.index", portal=True),
        "preferences_url": link("account.preferences", portal=True),
    }


def email_text(event_type: NotifyEvent | str, payload: dict[str, Any]) -> str:
    lines = email_lines(event_type, payload)
    links = email_links()
    why = (
        "Получавате едно обобщение на ден, защото така сте избрали."
        if NotifyEvent(event_type) is NotifyEvent.DIGEST
        else "Бележник — електронен дневник."
    )
    footer = (
        f"\n\n--\n{why}\nПортал за родители: {links['portal_url']}\n"
        f"Известия (какво и как получавате): {links['preferences_url']}"
    )
    return "\n".join(lines) + footer


def email_html(event_type: NotifyEvent | str, payload: dict[str, Any]) -> str:
    """HTML part (needs an app context: Jinja templates in notify/templates/notify/email/)."""
    event = NotifyEvent(event_type)
    template = "digest.html" if event is NotifyEvent.DIGEST else "message.html"
    # jinja_env directly: no request context and no other part's context processors needed
    return current_app.jinja_env.get_template(f"notify/email/{template}").render(
        subject=email_subject(event, payload),
        lines=email_lines(event, payload),
        payload=payload,
        **email_links(),
    )


def render(
    event_type: NotifyEvent | str, channel: str, payload: dict[str, Any], latin: bool = True
) -> Rendered:
    """Subject and body stored in the outbox row (the e-mail's HTML is rendered when sent)."""
    if channel == "sms":
        body = sms_text(event_type, payload, latin)
        return Rendered(subject="", body=body, segments=segments(body)[1])
    return Rendered(
        subject=email_subject(event_type, payload), body=email_text(event_type, payload)
    )
