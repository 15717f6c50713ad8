"""Blueprint of the ivr part (being built)."""

from flask import Blueprint, Flask

bp = Blueprint("ivr", __name__, url_prefix="/ivr")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
