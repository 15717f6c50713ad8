"""Flask extensions that the application factory and the blueprints both need, and the base of
every form (:class:`Form`).

``app.create_app`` initialises them; a blueprint imports them from here (never from ``app``), so
that no view module imports the application module that imports it."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect

import form_messages

csrf = CSRFProtect()


class Form(FlaskForm):
    """The base of every form: Flask-WTF's CSRF, WTForms' own messages in Bulgarian."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return form_messages.TRANSLATIONS
