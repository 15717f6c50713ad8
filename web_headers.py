"""Security headers on every response (portal, staff web, phone pages, notifications,
onboarding, errors, static files, TwiML).

* ``Content-Security-Policy``: scripts, styles, images, fonts and requests from this origin only;
  no inline script or style, no event-handler attribute, no plugin, no ``<base>``; forms post
  here only; nobody may frame a page (``frame-ancestors 'none'``). The templates comply: their
  behaviour is in ``static/*.js`` and ``ivr/static/simulator.js``, their looks in
  ``static/app.css`` (the charts are inline SVG with classes, which ``'self'`` allows). The
  browser tests (tests/test_browser_csp.py) fail on any reported violation.
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: strict-origin-when-cross-origin`` (a
  reset or calendar link in a URL never leaves in a Referer to another site).
* ``Strict-Transport-Security`` once the public address is https (or in production).

A dozen lines instead of Flask-Talisman: it would add a dependency for the same headers, and its
HTTPS redirect belongs to the proxy in front of us.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the school's other hosts are not ours

_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def wants_hsts() -> bool:
    cfg = current_app.config
    return cfg.get("BELEZHNIK_ENV") == "production" or str(
        cfg.get("PUBLIC_BASE_URL") or ""
    ).startswith("https://")


def add_headers(response: Response) -> Response:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if wants_hsts():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
