"""Belezhnik: the one place that wires the application.

``create_app(config)`` builds a Flask app from the environment's settings (``config/``), overridden
by ``config`` (tests pass a dict). Each part registers itself: blueprints for the staff web
(``gradebook``), the parent portal (``portal``), the phone line (``ivr``), notifications
(``notify``) and school onboarding (``onboarding``); CLI commands for the demo school, the
notification worker and scheduler, prompts and imports.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import Response
from flask import abort
from flask import request
from flask_login import LoginManager
from flask_migrate import Migrate
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import public_pages
import queue_deadline
import session_tokens
import web_errors
import web_headers
from config import database
from config import load_settings
from config import replica
from config.settings import pin_key
from config.settings import production_problems
from extensions import csrf
from models import db

login_manager = LoginManager()
migrate = Migrate()
log = logging.getLogger("belezhnik")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite leaves foreign keys off unless asked; WAL lets the web and the worker share it."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # busy time-out: config/database.engine_options
        cursor.close()


TWILIO_WEBHOOKS = {"ivr.voice", "ivr.step", "ivr.status", "notify.sms_status", "notify.sms_inbound"}
TWILIO_WEBHOOKS |= {"outbound.answer", "outbound.step", "outbound.status"}  # ivr/outbound_views


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most PostgreSQL's INTEGER, so that ``/grades/10**20`` is a
    404 and never an overflow in the query (werkzeug's own takes any size)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_settings()
    if config:
        settings.update(config)
    problems = production_problems(settings)
    if problems:
        raise RuntimeError(
            "Belezhnik refuses to start in production (BELEZHNIK_ENV=production): "
            + "; ".join(problems)
            + ". See .env.example and the README's production section."
        )
    settings["PIN_KEY"] = pin_key(settings)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its routes
    app.config.update(settings)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", database.engine_options(app.config))
    if app.config["TRUST_PROXY"]:
        # Behind a reverse proxy: trust one hop of X-Forwarded-For/Proto/Host, so that the URL
        # Twilio signed is the URL we validate (or set PUBLIC_BASE_URL instead).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    database.init_app(app, db)  # before db.init_app: the deadline outlives the session teardown
    db.init_app(app)
    database.guard_engines(app, db)
    replica.init_app(app)  # DATABASE_REPLICA_URL: the comparison report's engine, else nothing
    migrate.init_app(app, db, directory=str(_root() / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "portal.login"
    login_manager.login_message = "Моля, влезте в профила си."
    login_manager.session_protection = "strong"
    session_tokens.init_app(app, login_manager)  # the user loader: revocable, expiring sign-ins
    web_headers.init_app(app)  # CSP, nosniff, Referrer-Policy, no framing, HSTS on https
    web_errors.init_app(app)  # Bulgarian error pages, empty TwiML for webhooks, the favicon
    public_pages.init_app(app)  # the accessibility statement and the privacy notice

    from gradebook import book_lock
    from gradebook import views as gradebook_views
    from ivr import outbound_views
    from ivr import views as ivr_views
    from notify import views as notify_views
    from onboarding import views as onboarding_views
    from portal import note_views  # noqa: F401  (the parents' notes: routes on the portal's bp)
    from portal import urgent_views  # noqa: F401  ("Видях" on an urgent notice: the portal's bp)
    from portal import views as portal_views

    for part in (portal_views, gradebook_views, ivr_views, notify_views, onboarding_views):
        part.init_app(app)
    book_lock.init_app(app)  # no write to a finalised (signed) class book, on any path
    outbound_views.init_app(app)  # the outbound calls' webhooks (/ivr/out/…)

    from cli import register_cli

    register_cli(app)

    @app.before_request
    def refuse_nul_characters() -> Any:
        """PostgreSQL text cannot hold NUL (0x00): a request whose query or form carries one is
        refused here (400; XML for the Twilio webhooks) rather than failing in the database (500).
        No browser form or Twilio request sends one."""
        fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
        if not any("\x00" in key or "\x00" in value for key, value in fields):
            return None
        if request.endpoint in TWILIO_WEBHOOKS:  # XML; unsigned stays a 403, as without NUL
            from security import signature_valid

            body = '<?xml version="1.0" encoding="UTF-8"?><Response />'
            return Response(body, status=400 if signature_valid() else 403, mimetype="text/xml")
        abort(400)

    queue_deadline.init_app(app)  # outermost: a request that waited too long is answered at once

    @app.get("/healthz")
    def healthz() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"Content-Type": "text/plain"}

    return app


def _root():  # type: ignore[no-untyped-def]
    from config.settings import ROOT

    return ROOT
