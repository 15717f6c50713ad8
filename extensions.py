"""Flask extensions that the application factory and the blueprints both need.

``app.create_app`` initialises them; a blueprint imports them from here (never from ``app``), so
that no view module imports the application module that imports it."""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
