"""WTForms' own messages in Bulgarian: the catalogue every form of the project uses.

A field a person fills in wrongly ("Field cannot be longer than 1000 characters.") used to
answer in English; WTForms' bundled Bulgarian file is incomplete and misspelt ("не моде"), so the
texts are kept here, one per message WTForms and Flask-WTF can raise. A message not listed falls
back to the generic :data:`FALLBACK_BG` rather than to English (``tests/test_form_messages.py``
checks every one of WTForms' message ids against this catalogue).
"""

from __future__ import annotations

FALLBACK_BG = "Стойността не е приета."
CSRF_EXPIRED_BG = "Формулярът е изтекъл. Презаредете страницата и опитайте отново."

MESSAGES_BG: dict[str, str] = {
    "Invalid field name '%s'.": "Неизвестно поле „%s“.",
    "Field must be equal to %(other_name)s.": "Полето трябва да съвпада с „%(other_name)s“.",
    "Field must be between %(min)d and %(max)d characters long.": (
        "Полето трябва да е между %(min)d и %(max)d знака."
    ),
    "Number must be at least %(min)s.": "Числото трябва да е поне %(min)s.",
    "Number must be at most %(max)s.": "Числото трябва да е най-много %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Числото трябва да е между %(min)s и %(max)s.",
    "Date must be at least %(min)s.": "Датата трябва да е не по-рано от %(min)s.",
    "Date must be at most %(max)s.": "Датата трябва да е не по-късно от %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Датата трябва да е между %(min)s и %(max)s.",
    "This field is required.": "Полето е задължително.",
    "Invalid input.": "Невалидна стойност.",
    "Invalid email address.": "Невалиден имейл адрес.",
    "Invalid IP address.": "Невалиден IP адрес.",
    "Invalid Mac address.": "Невалиден MAC адрес.",
    "Invalid URL.": "Невалиден адрес (URL).",
    "Invalid UUID.": "Невалиден идентификатор (UUID).",
    "Invalid value, must be one of: %(values)s.": ("Невалидна стойност; позволени са: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": (
        "Невалидна стойност; не може да е никоя от: %(values)s."
    ),
    "This field cannot be edited.": "Полето не може да се променя.",
    "This field is disabled and cannot have a value.": "Полето е изключено и не приема стойност.",
    # Flask-WTF's CSRF failures all read the same to a person: the page is too old.
    **dict.fromkeys(
        (
            "Invalid CSRF Token.",
            "CSRF token missing.",
            "CSRF failed.",
            "CSRF token expired.",
            "The CSRF token is missing.",
            "The CSRF token is invalid.",
            "The CSRF token has expired.",
            "The CSRF tokens do not match.",
        ),
        CSRF_EXPIRED_BG,
    ),
    "Invalid Choice: could not coerce.": "Невалиден избор.",
    "Choices cannot be None.": "Няма възможности за избор.",
    "Not a valid choice.": "Невалиден избор.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Невалиден избор.",
    "Not a valid datetime value.": "Невалидни дата и час.",
    "Not a valid date value.": "Невалидна дата.",
    "Not a valid time value.": "Невалиден час.",
    "Not a valid week value.": "Невалидна седмица.",
    "Not a valid integer value.": "Въведете цяло число.",
    "Not a valid decimal value.": "Въведете число.",
    "Not a valid float value.": "Въведете число.",
}

# (singular, plural) → (one, many): Bulgarian has the same two forms.
PLURALS_BG: dict[tuple[str, str], tuple[str, str]] = {
    (
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ): ("Полето трябва да е поне %(min)d знак.", "Полето трябва да е поне %(min)d знака."),
    (
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ): ("Полето може да е най-много %(max)d знак.", "Полето може да е най-много %(max)d знака."),
    (
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ): ("Полето трябва да е точно %(max)d знак.", "Полето трябва да е точно %(max)d знака."),
    (
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ): ("„%(value)s“ не е възможен избор.", "„%(value)s“ не са възможен избор."),
}


class BulgarianTranslations:
    """The ``gettext``/``ngettext`` pair WTForms asks a form's ``Meta`` for."""

    def gettext(self, string: str) -> str:
        return MESSAGES_BG.get(string, FALLBACK_BG)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        one, many = PLURALS_BG.get((singular, plural), (FALLBACK_BG, FALLBACK_BG))
        return one if n == 1 else many


TRANSLATIONS = BulgarianTranslations()
