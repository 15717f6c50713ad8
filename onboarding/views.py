"""Blueprint of the onboarding part (being built)."""

from flask import Blueprint, Flask

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
