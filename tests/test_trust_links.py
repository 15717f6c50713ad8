"""Links follow the configured address, never the request's Host (issue #12, item 6), and a
production deployment refuses to start without that address and real secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import urls
from config.settings import load_settings
from config.settings import production_problems
from tests.conftest import csrf_from
from tests.conftest import make_app
from tests.test_portal_pages import reset_mail_body

PARENT = "roditel1@sou1.demo.bg"
EVIL = {"Host": "evil.example"}


def _forged_post(client: FlaskClient, url: str, data: dict[str, str]) -> int:
    """GET the form and POST it, both with a forged Host header (as an attacker's script would)."""
    page = client.get(url, headers=EVIL)
    assert page.status_code == 200
    payload = {**data, "csrf_token": csrf_from(page.get_data(as_text=True))}
    return client.post(url, data=payload, headers=EVIL).status_code


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param({}, "http://127.0.0.1:5000/password/reset/", id="nothing-set"),
        pytest.param(
            {"PUBLIC_BASE_URL": "https://diary.example.bg"},
            "https://diary.example.bg/password/reset/",
            id="public",
        ),
        pytest.param(
            {"PUBLIC_BASE_URL": "https://api.example.bg", "PORTAL_BASE_URL": "https://p.example"},
            "https://p.example/password/reset/",
            id="portal",
        ),
    ],
)
def test_forged_host_never_reaches_the_reset_email(
    demo_app: Flask, config: dict[str, str], expected: str
) -> None:
    demo_app.config.update({"PUBLIC_BASE_URL": "", "PORTAL_BASE_URL": "", **config})
    client = demo_app.test_client()
    assert _forged_post(client, "/password/forgot", {"email": PARENT}) == 302
    body = reset_mail_body(PARENT)
    assert "evil.example" not in body
    assert expected in body


def test_forged_host_never_reaches_the_parent_labels(demo_app: Flask) -> None:
    demo_app.config.update({"PUBLIC_BASE_URL": "", "PORTAL_BASE_URL": "https://diary.example.bg"})
    client = demo_app.test_client()
    signed_in = {"email": "direktor@sou1.demo.bg", "password": "demo1234"}
    assert _forged_post(client, "/staff/login", signed_in) == 302
    html = client.get("/staff/admin/classes/6/labels", headers=EVIL).get_data(as_text=True)
    assert "Портал:" in html and "diary.example.bg" in html
    assert "evil.example" not in html


def test_links_outside_a_request_use_the_configured_address(demo_app: Flask) -> None:
    """The worker and the CLI (welcome e-mails, registration links) build the same links."""
    demo_app.config.update({"PUBLIC_BASE_URL": "https://diary.example.bg", "PORTAL_BASE_URL": ""})
    assert urls.link("portal.login", portal=True) == "https://diary.example.bg/login"
    with demo_app.test_request_context("/", headers=EVIL):
        assert urls.link("portal.login") == "https://diary.example.bg/login"
        assert urls.absolute("/ivr/audio/x.mp3") == "https://diary.example.bg/ivr/audio/x.mp3"
    demo_app.config.update({"PUBLIC_BASE_URL": "", "HOST": "0.0.0.0", "PORT": "8080"})
    with demo_app.test_request_context("/", headers=EVIL):
        assert urls.link("portal.login") == "http://0.0.0.0:8080/login"


# --- production refuses to start ------------------------------------------------------------------
GOOD = {
    "BELEZHNIK_ENV": "production",
    "PUBLIC_BASE_URL": "https://diary.example.bg",
    "SECRET_KEY": "s" * 48,
    "PIN_KEY": "p" * 48,
    "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
}


def test_a_complete_production_configuration_starts(tmp_path: Path) -> None:
    settings = load_settings({**GOOD, "INSTANCE_PATH": str(tmp_path)})
    assert production_problems(settings) == []
    assert settings["SESSION_COOKIE_SECURE"] is True, "Secure cookies by default in production"
    assert not (tmp_path / "dev-secrets.json").exists(), "no generated secrets in production"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL is not set"),
        ({"PUBLIC_BASE_URL": "http://diary.example.bg"}, "PUBLIC_BASE_URL must be an https"),
        ({"PORTAL_BASE_URL": "http://portal.example.bg"}, "PORTAL_BASE_URL must be an https"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY is a placeholder"),
        ({"PIN_KEY": ""}, "PIN_KEY is not set"),
        ({"PIN_KEY": "short"}, "PIN_KEY is a placeholder or shorter"),
        ({"PIN_KEY": "s" * 48}, "PIN_KEY must differ from SECRET_KEY"),
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN is not set"),
        ({"SESSION_COOKIE_SECURE": "0"}, "SESSION_COOKIE_SECURE is off"),
    ],
)
def test_production_without_its_settings_refuses_to_start(
    tmp_path: Path, change: dict[str, str], named: str
) -> None:
    env = {**GOOD, **change, "INSTANCE_PATH": str(tmp_path)}
    assert any(named in problem for problem in production_problems(load_settings(env)))
    overrides = {
        key: value
        for key, value in load_settings(env).items()
        if key in (*GOOD, "PORTAL_BASE_URL", "SESSION_COOKIE_SECURE")
    }
    with pytest.raises(RuntimeError, match=named):
        make_app("sqlite://", tmp_path, **overrides)


def test_development_needs_none_of_it(tmp_path: Path) -> None:
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert settings["BELEZHNIK_ENV"] == "development"
    assert production_problems(settings) == []
    assert settings["SECRET_KEY"] and settings["SESSION_COOKIE_SECURE"] is False
