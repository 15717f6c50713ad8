"""Flask-WTF forms of the parent portal (CSRF on every POST)."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from extensions import Form
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
