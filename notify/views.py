"""Blueprint of the notify part (being built)."""

from flask import Blueprint, Flask

bp = Blueprint("notify", __name__, url_prefix="/notify")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
