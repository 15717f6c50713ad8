"""Security headers on every response (issue #12, item 9): no page of any part can be framed
(clickjacking of the portal, the call log, the notification log, onboarding), nothing is
MIME-sniffed, no link with a token leaks in a Referer, HSTS once the address is https; and the
templates keep to the CSP (no inline script, style or event handler)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from security import sign
from tests.conftest import login_staff

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "direktor@sou1.demo.bg"

# one or more pages of every blueprint, for the visitor who can open them
ANONYMOUS = [
    "/",
    "/login",
    "/register",
    "/password/forgot",
    "/staff/login",
    "/onboarding/signup",
    "/static/app.css",
    "/static/page.js",
    "/healthz",
    "/no-such-page",
    "/staff/no-such-page",
]
ADMIN_PAGES = ["/staff/", "/staff/admin/staff", "/ivr/calls", "/notify/admin", "/staff/password"]
PARENT_PAGES = ["/", "/calendar", "/account/preferences", "/account/pin", "/logout"]


def _assert_headers(response, path: str) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, path
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", path


def test_anonymous_pages_cannot_be_framed_or_sniffed(demo_client: FlaskClient) -> None:
    for path in ANONYMOUS:
        response = demo_client.get(path)
        _assert_headers(response, path)
        response.close()  # static files are streamed from an open file


def test_admin_pages_of_every_part_cannot_be_framed(demo_client: FlaskClient) -> None:
    login_staff(demo_client, ADMIN)
    for path in ADMIN_PAGES:
        response = demo_client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response, path)


def test_portal_pages_cannot_be_framed(demo_client: FlaskClient) -> None:
    from tests.test_portal_web import login

    login(demo_client)
    for path in PARENT_PAGES:
        _assert_headers(demo_client.get(path), path)


def test_twilio_answers_carry_the_headers_too(demo_client: FlaskClient) -> None:
    params = {"CallSid": "CA1", "From": "+359888000111", "To": "+35924001234"}
    signature = sign("http://localhost/ivr/voice", params, "test-twilio-token")
    signed = demo_client.post("/ivr/voice", data=params, headers={"X-Twilio-Signature": signature})
    assert signed.mimetype == "text/xml"
    _assert_headers(signed, "/ivr/voice")
    _assert_headers(demo_client.post("/ivr/voice", data=params), "/ivr/voice unsigned")


@pytest.mark.parametrize(
    ("config", "hsts"),
    [
        ({"PUBLIC_BASE_URL": "http://localhost"}, False),
        ({"PUBLIC_BASE_URL": "https://diary.example.bg"}, True),
        ({"BELEZHNIK_ENV": "production"}, True),
    ],
)
def test_hsts_once_the_address_is_https(
    demo_app: Flask, config: dict[str, str], hsts: bool
) -> None:
    demo_app.config.update(config)
    response = demo_app.test_client().get("/login")
    assert ("max-age=31536000" in response.headers.get("Strict-Transport-Security", "")) is hsts


# --- the templates keep to the policy -------------------------------------------------------------
WEB_TEMPLATES = [
    p
    for p in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in p.parts and "email" not in p.parts  # e-mails are not served pages
]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_script_style_or_handler() -> None:
    assert len(WEB_TEMPLATES) > 50
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in WEB_TEMPLATES
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
