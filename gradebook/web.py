"""Blueprint of the staff part (being built)."""

from flask import Blueprint, Flask

bp = Blueprint("staff", __name__, url_prefix="/staff")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
