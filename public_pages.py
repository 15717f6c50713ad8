"""Pages for everyone, signed in or not, linked from every page's footer: the accessibility
statement (Закон за електронното управление, чл. 58в; EN 301 549 / WCAG 2.1 AA) and the privacy
notice (GDPR art. 13–14). Their text is in ``templates/pages/``; what they promise is what CI
checks (``docs/ACCESSIBILITY.md``, ``docs/PRIVACY.md``)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import render_template

bp = Blueprint("pages", __name__)


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy() -> str:
    config = current_app.config
    days = {
        "calls": config.get("RETAIN_CALLS_DAYS", 90),
        "notices": config.get("RETAIN_NOTICE_TEXT_DAYS", 90),
        "codes": config.get("RETAIN_CODES_DAYS", 7),
        "uploads": config.get("UPLOAD_RETENTION_HOURS", 24),
    }
    return render_template("pages/privacy.html", days=days)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
