"""The catalogue of what the parent-account use-cases say: stable English key → Bulgarian text.

:mod:`notify.operations` (registration, children, PINs, school-created parents),
:mod:`notify.account_rules`, :mod:`notify.families` and :mod:`onboarding.contacts` (a contact typed
into a class list or the school sign-up) refer to their refusals by key through :func:`msg`;
:class:`notify.account_rules.AccountError` carries the text and its key. ``notify/messages.py``
is the other catalogue of this package: the notification texts themselves (SMS, e-mail), which
also covers the verification e-mail.
"""

from __future__ import annotations

from typing import Any

from gradebook.messages import Text
from gradebook.messages import lookup

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
    # the class-list import's row and the school sign-up's field (onboarding/contacts.py)
    "contact.invalid_phone_short": "невалиден телефонен номер",
    "contact.invalid_email_short": "невалиден e-mail адрес",
    "registration.code_expired": "Кодът е изтекъл. Започнете регистрацията отначало.",
    "registration.code_wrong": "Грешен код. Проверете SMS съобщението.",
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
    # --- families: invitations, approvals, notices (notify/families.py) -------------------------
    "invite.subject": "Потвърдете връзка с дете в Бележник",
    "invite.email": (
        "Здравейте! {school} иска да ви свърже като родител на ученик в Бележник. Ако очаквате "
        "това, потвърдете връзката (валидна 7 дни):\n{link}\n\nАко не я очаквате, откажете я "
        "или не правете нищо: без ваше потвърждение връзка няма."
    ),
    "invite.sms": "Бележник: потвърдете връзката с дете: {link}",
    "invite.invalid": "Поканата е невалидна или вече е използвана.",
    "invite.expired": "Поканата е изтекла. Помолете училището за нова.",
    "invite.other_guardian": "Тази покана не е за вашия профил.",
    "notice.someone": "родител",
    "notice.subject": "Нов родител към профила на детето ви",
    "notice.email": (
        "Здравейте! Към {child} в Бележник е свързан нов родител: {name}. Ако не знаете за "
        "това, премахнете връзката в портала и се обадете в училището:\n{link}"
    ),
    "notice.sms": "Бележник: към {child} е свързан нов родител. Ако не е вярно: {link}",
    "request.not_found": "Няма такава заявка.",
    "request.decided": "Заявката вече е разгледана.",
    "approved.subject": "Заявката ви в Бележник е одобрена",
    "approved.child": "Училището одобри заявката ви: детето е добавено към профила ви.",
    "approved.registration": (
        "Здравейте! Училището потвърди данните ви. Довършете регистрацията със същия ИД код:"
        "\n{link}"
    ),
    "approved.registration_sms": "Бележник: училището потвърди данните ви. Регистрация: {link}",
    "revoke.refused": "Тази връзка не може да бъде премахната от вас.",
    "pin_link.elsewhere": (
        "Родителят има деца и в друго училище: само той може да смени ПИН кода си (в портала "
        "или с възстановяване през потвърдения си телефон)."
    ),
    "pin_link.no_phone": (
        "Родителят няма потвърден мобилен телефон: ПИН кодът не може да бъде изпратен."
    ),
    "pin_link.sms": "Бележник: нов ПИН за телефонната линия задайте тук (24 ч.): {link}",
    "pin_link.invalid": "Връзката е невалидна или е изтекла. Помолете училището за нова.",
}


def msg(key: str, **values: Any) -> Text:
    """The Bulgarian text of ``key`` with ``values`` filled in (KeyError for an unknown key)."""
    return lookup(MESSAGES, key, **values)
