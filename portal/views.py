"""Blueprint of the parent portal (being built)."""

from flask import Blueprint, Flask, render_template

bp = Blueprint("portal", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/login")
def login() -> str:
    return render_template("index.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
