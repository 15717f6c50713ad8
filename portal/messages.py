"""The catalogue of what the parent portal's use-cases say: stable English key → Bulgarian text.

The portal's use-cases (``portal.accounts``, ``portal.conversations``, ``portal.dashboard`` …)
refer to their refusals (:class:`PortalError`, below, which carries the text and its key) and to
the labels they put on the diary by key, through :func:`msg`; the mechanism (:class:`gradebook.messages.Text`) is the staff catalogue's. The
password-reset e-mail is a notification text and stays with its sender.
"""

from __future__ import annotations

from typing import Any

from gradebook.messages import Text
from gradebook.messages import lookup

MESSAGES: dict[str, str] = {
    # --- refusals ---------------------------------------------------------------------------------
    "login.throttled": "Твърде много неуспешни опита. Опитайте отново след един час.",
    "login.wrong": "Грешен e-mail или парола.",
    "reset.throttled": "Твърде много заявки. Опитайте отново след един час.",
    "reset.link_expired": "Връзката е изтекла. Поискайте нова.",
    "reset.link_invalid": "Връзката е невалидна.",
    "reset.link_used": "Връзката вече е използвана или е невалидна.",
    "password.too_short": "Паролата трябва да е поне {length} знака.",
    "message.body_required": "Напишете текст на съобщението.",
    "message.body_too_long": "Съобщението е твърде дълго (най-много {limit} знака).",
    "message.choose_teacher": "Изберете учител от списъка.",
    "message.subject_required": "Напишете тема на съобщението.",
    # --- confirmations ----------------------------------------------------------------------------
    "note.sent": (
        "Бележката е изпратена на класния ръководител. Тази учебна година с бележка от родител "
        "можете да извините още {days}."
    ),
    "note.sent_none_left": (
        "Бележката е изпратена на класния ръководител. Дните за извиняване с бележка от родител "
        "за тази учебна година са изчерпани."
    ),
    "note.withdrawn": "Бележката е оттеглена.",
    "urgent.seen": "Благодарим! Училището знае, че сте видели съобщението.",
    # --- labels -----------------------------------------------------------------------------------
    "label.child_class": ", {name} клас",
    "label.praise": "Похвала",
    "label.remark": "Забележка",
    "label.event_test": "Тест",
    "label.event_classwork": "Класна работа",
    "label.exam_period": ", {period}. час",
    "label.event": "Събитие",
    "label.event_excursion": "Екскурзия",
    "label.event_holiday": "Празник",
    "label.meeting": "Родителска среща",
    "label.class_teacher": "класен ръководител",
    "label.you": "Вие",
    "label.urgent_not_at_school": "Училището ви търси",
    "label.urgent_school": "Съобщение от училището",
}


def msg(key: str, **values: Any) -> Text:
    """The Bulgarian text of ``key`` with ``values`` filled in (KeyError for an unknown key)."""
    return lookup(MESSAGES, key, **values)


class PortalError(ValueError):
    """A refusal with a Bulgarian message for the parent; ``key`` is its key in
    :data:`MESSAGES` (for logs and tests)."""

    def __init__(self, message_bg: str) -> None:
        super().__init__(message_bg)
        self.message_bg = message_bg
        self.key: str | None = message_bg.key if isinstance(message_bg, Text) else None
