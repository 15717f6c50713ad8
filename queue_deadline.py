"""Requests that waited too long before a worker took them are answered at once, not served.

Once the web server is overloaded, its queue fills with requests whose people have already given
up (a teacher who clicked again, a caller Twilio has cut off after 15 s): serving them in turn
keeps every later request waiting as long, and useful throughput collapses (docs/PERFORMANCE.md,
"Overload"). The reverse proxy stamps each request with the time it arrived (nginx:
``proxy_set_header X-Request-Start "t=${msec}";``); this WSGI middleware, the outermost layer of
the app, compares the stamp with the clock when a worker takes the request and, past
``REQUEST_QUEUE_DEADLINE_MS``, answers without running the app (no session, no database):

* the phone steps that Twilio reads out (``/ivr/voice``, ``/ivr/step``, ``/ivr/out/answer``,
  ``/ivr/out/step``): the line's Bulgarian apology and a hang-up, the TwiML of a frozen database,
  with status 200 (Twilio reads any other status out in English);
* the other Twilio webhooks (status callbacks, SMS): an empty ``<Response/>``, 503 (a lost call
  status is looked up at Twilio later: ``ivr/reconcile.py``);
* every other page: the "try again" page (``unavailable.html``), 503 with ``Retry-After``.

Without the header (development, tests, no proxy) nothing changes. The stamp may be seconds
(``t=1733281200.123``, nginx), milliseconds (Heroku) or microseconds (``t=1733281200123456``,
Apache's ``%t``); a stamp in the future counts as no wait. A client can only shed its own request
with a forged stamp: the proxy must overwrite the header.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask import Response
from flask import request

log = logging.getLogger("belezhnik.overload")

HEADER = "HTTP_X_REQUEST_START"  # X-Request-Start in the WSGI environ
SPOKEN = ("/ivr/voice", "/ivr/step", "/ivr/out/answer", "/ivr/out/step")
_MICROSECONDS = 1e14  # a stamp above this is in microseconds (1e14 µs is 1973, 1e14 s is never)
_MILLISECONDS = 1e11


def queued_seconds(value: str | None, now: float) -> float | None:
    """Seconds between the proxy's stamp ``value`` and ``now`` (Unix time), at least 0; ``None``
    when there is no stamp or it is not a number."""
    if not value:
        return None
    text = value.strip()
    text = text[2:] if text.startswith("t=") else text
    try:
        stamp = float(text)
    except ValueError:
        return None
    if not math.isfinite(stamp) or stamp <= 0:
        return None
    if stamp > _MICROSECONDS:
        stamp /= 1e6
    elif stamp > _MILLISECONDS:
        stamp /= 1e3
    return max(0.0, now - stamp)


def overloaded_response(app: Flask) -> Response:
    """The answer to a request that waited too long (inside its request context)."""
    import web_headers
    from ivr import twiml
    from ivr.views import apology_twiml
    from ivr.views import is_webhook_path

    path = request.path
    if path in SPOKEN:
        return Response(apology_twiml(), status=200, mimetype="text/xml")
    if is_webhook_path(path):
        return Response(twiml.empty(), status=503, mimetype="text/xml")
    body = app.jinja_env.get_template("unavailable.html").render(overloaded=True)
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return web_headers.add_headers(response)


class QueueDeadline:
    """WSGI middleware: :func:`overloaded_response` for a request stamped more than ``limit``
    seconds ago, the wrapped app otherwise."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]], limit: float) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        waited = queued_seconds(environ.get(HEADER), time.time())
        if waited is None or waited <= self.limit:
            return self.wsgi_app(environ, start_response)
        with self.app.request_context(environ):
            log.warning(
                "shed %s %s: waited %.1f s in the queue", request.method, request.path, waited
            )
            response = overloaded_response(self.app)
        return response(environ, start_response)


def init_app(app: Flask) -> None:
    """Wrap the app (call last, so that the deadline is checked before anything else runs)."""
    limit_ms = app.config.get("REQUEST_QUEUE_DEADLINE_MS") or 0
    if limit_ms > 0:
        app.wsgi_app = QueueDeadline(app, app.wsgi_app, limit_ms / 1000)  # type: ignore[method-assign]
