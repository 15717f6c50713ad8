"""Flask-WTF forms of the parent portal (CSRF on every POST)."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import DateField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional

from extensions import Form
from gradebook.rules import parent_notes as note_rules
from portal.accounts import MIN_PASSWORD_LENGTH
from portal.conversations import MESSAGE_MAX

REQUIRED = "Попълнете полето."


class LoginForm(Form):
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=200)])
    password = PasswordField("Парола", validators=[DataRequired(REQUIRED), Length(max=200)])
    remember = BooleanField("Запомни ме на това устройство")


class ForgotPasswordForm(Form):
    email = EmailField("E-mail", validators=[DataRequired(REQUIRED), Length(max=200)])


class ResetPasswordForm(Form):
    password = PasswordField(
        "Нова парола",
        validators=[
            DataRequired(REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Паролата трябва да е поне {MIN_PASSWORD_LENGTH} знака.",
            ),
        ],
    )
    confirm = PasswordField(
        "Повторете паролата",
        validators=[DataRequired(REQUIRED), EqualTo("password", "Паролите не съвпадат.")],
    )


def message_body(label: str) -> Any:
    """The text of a message to a teacher: required, at most ``MESSAGE_MAX`` characters (the
    use-case checks the same, ``portal.conversations``)."""
    return TextAreaField(
        label,
        validators=[
            DataRequired("Напишете текст на съобщението."),
            Length(max=MESSAGE_MAX, message=f"Най-много {MESSAGE_MAX} знака."),
        ],
    )


class ReplyForm(Form):
    body = message_body("Отговор")


class NewMessageForm(Form):
    staff_id = SelectField("До", validate_choice=False)  # checked by the use-case
    subject = StringField(
        "Тема", validators=[DataRequired(REQUIRED), Length(max=200, message="Най-много 200 знака.")]
    )
    body = message_body("Съобщение")


class ActionForm(Form):
    """A button that only needs the CSRF token (sign out, new calendar link…)."""


PERIODS = [("", "целия ден")] + [(str(n), f"от {n}. час нататък") for n in range(0, 11)]
REASONS = [("health", "здравословни"), ("family", "семейни"), ("other", "други")]


class NoteForm(Form):
    starts_on = DateField("От", validators=[DataRequired("Въведете дата.")])
    ends_on = DateField("До (включително)", validators=[Optional()])
    from_period = SelectField(
        "Първия ден", choices=[SelectChoice(v, label) for v, label in PERIODS], default=""
    )
    reason = SelectField(
        "Причина",
        choices=[SelectChoice("", "— изберете —")]
        + [SelectChoice(v, label) for v, label in REASONS],
        validators=[DataRequired("Изберете.")],
    )
    comment = TextAreaField(
        "Коментар (по желание, без диагноза)",
        validators=[
            Length(max=note_rules.NOTE_COMMENT_MAX, message="Най-много 500 знака."),
        ],
    )
    document = FileField("Медицинска бележка: снимка (JPEG, PNG) или PDF, по желание")
