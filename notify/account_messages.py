"""The catalogue of what the parent-account use-cases say: stable English key → Bulgarian text.

:mod:`notify.operations` (registration, children, PINs, school-created parents) refers to its
refusals by key through :func:`msg`; :class:`notify.operations.AccountError` carries the text
and its key. ``notify/messages.py`` is the other catalogue of this package: the notification
texts themselves (SMS, e-mail), which also covers the verification e-mail.
"""

from __future__ import annotations

from typing import Any

from gradebook.messages import Text, lookup

MESSAGES: dict[str, str] = {
    "pin.length": "ПИН кодът трябва да е от 4 до 6 цифри.",
    "pin.one_digit": "ПИН кодът не може да е една и съща цифра (напр. 0000).",
    "pin.run": "ПИН кодът не може да е поредица (напр. 1234).",
    "pin.pattern": "ПИН кодът е твърде лесен (напр. 1212).",
    "pin.common": "ПИН кодът е твърде лесен за отгатване.",
    "password.too_short": "Паролата трябва да е поне 8 знака.",
    "password.wrong": "Грешна парола.",
    "throttle.too_many": "Твърде много опити. Опитайте отново след час.",
    "ivr.pin_locked_sms": (
        "Бележник: телефонният достъп до {name} е спрян след {count} грешни ПИН кода. "
        "Сменете ПИН кода в портала или се обърнете към училището."
    ),
    "contact.invalid_phone": "Невалиден телефонен номер.",
    "contact.invalid_email": "Невалиден адрес на електронна поща.",
    "contact.required": "Въведете телефон или електронна поща (или и двете).",
    "registration.unknown_code": "Няма ученик с този ИД код. Проверете кода от класния ръководител.",
    "registration.codes_sent": "Изпратихме вече няколко кода на този адрес. Опитайте след час.",
    "registration.code_expired": "Кодът е изтекъл. Започнете регистрацията отначало.",
    "registration.code_wrong": "Грешен код. Проверете SMS съобщението.",
    "registration.no_sms_code": "Няма изпратен код по SMS за тази регистрация.",
    "registration.link_invalid": (
        "Връзката е невалидна или е изтекла. Започнете регистрацията отначало."
    ),
    "registration.unconfirmed": "Потвърдете телефона или електронната си поща.",
    "registration.student_gone": "Ученикът вече не е в системата.",
    "registration.profile_exists": (
        "Вече имате профил с този телефон или поща. Влезте в него и добавете детето от "
        "„Деца → Добави дете“."
    ),
    "registration.contacts_split": (
        "Телефонът и пощата принадлежат на различни профили. Обадете се в училище."
    ),
    "child.already_added": "Това дете вече е добавено към профила ви.",
    "school_guardian.no_student": "Няма такъв ученик в училището.",
    "school_guardian.contact_required": "Въведете телефон или електронна поща на родителя.",
    "school_guardian.contacts_split": "Телефонът и пощата са на различни родители.",
}


def msg(key: str, **values: Any) -> Text:
    """The Bulgarian text of ``key`` with ``values`` filled in (KeyError for an unknown key)."""
    return lookup(MESSAGES, key, **values)
