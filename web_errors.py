"""Error pages in Bulgarian for every request the blueprints do not answer themselves.

A URL no route matches (404), a method a route does not take (405), an upload over the size
limit (413), a refused request (400, 403) and an unexpected failure (500) used to reach people as
Werkzeug's English pages. Here each becomes a Bulgarian page on the site's layout (with the
headers the error carries, such as ``Allow`` on a 405), or JSON for JSON requests; on the phone
and SMS webhook paths ``ivr.views`` turns whatever this answers into TwiML afterwards. The staff blueprint keeps its own
handler for what its views abort with (it links back to the staff home page); this one serves
the rest, including the staff URLs no route matches.

The texts are the catalogue :data:`HTTP_BG` (the staff blueprint uses it too); logs stay English.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask import send_from_directory
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

log = logging.getLogger("belezhnik.errors")

TITLE_BG = {
    400: "Невалидна заявка",
    403: "Няма достъп",
    404: "Не е намерено",
    405: "Непозволено действие",
    413: "Твърде голям файл",
    429: "Твърде много опити",
    500: "Грешка в системата",
}
HTTP_BG = {
    400: "Заявката не е валидна. Презаредете страницата и опитайте отново.",
    403: "Нямате права за тази страница.",
    404: "Страницата или записът не е намерен.",
    405: "Това действие не е позволено така.",
    413: "Файлът или формулярът е твърде голям.",
    429: "Твърде много опити. Опитайте отново след малко.",
    500: "Възникна неочаквана грешка. Нищо не е загубено от това, което вече е записано; "
    "опитайте отново след малко.",
}
GENERIC_BG = "Заявката не може да бъде изпълнена."


def title_for(code: int) -> str:
    return TITLE_BG.get(code, "Грешка")


def message_for(code: int) -> str:
    return HTTP_BG.get(code, GENERIC_BG)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or (
        best == "application/json" and not request.accept_mimetypes["text/html"]
    )


def error_response(code: int, headers: Any = ()) -> Response:
    if _wants_json():
        response = jsonify({"error": message_for(code)})
    else:
        home = "/staff/" if request.path.startswith(("/staff", "/onboarding")) else "/"
        response = Response(
            render_template(
                "error.html",
                code=code,
                title=title_for(code),
                message=message_for(code),
                home=home,
            ),
            mimetype="text/html",
        )
    response.status_code = code
    for name, value in headers:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if code < 400 or exc.response is not None:  # redirects, and responses already made
            return exc
        return error_response(code, exc.get_headers())

    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError) -> Any:
        original = getattr(exc, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return error_response(500)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return send_from_directory(
            app.static_folder or "static",
            "favicon.ico",
            mimetype="image/vnd.microsoft.icon",
            max_age=7 * 24 * 3600,
        )
