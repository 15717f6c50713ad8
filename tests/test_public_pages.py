"""Issue 14: the accessibility statement (ЗЕУ чл. 58в) and the privacy notice, linked from every
page's footer, true to the settings."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        pytest.param("/accessibility", "Декларация за достъпност", id="accessibility"),
        pytest.param("/privacy", "Как Бележник обработва лични данни", id="privacy"),
    ],
)
def test_public_pages_answer_signed_out(client: FlaskClient, path: str, heading: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and f"<h1>{heading}</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/staff/login", "/register", "/no-such-page"])
def test_every_footer_links_both(client: FlaskClient, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    assert 'href="/accessibility"' in html and 'href="/privacy"' in html


def test_the_privacy_notice_states_the_configured_periods(app: Flask) -> None:
    app.config.update(RETAIN_CALLS_DAYS=30, RETAIN_NOTICE_TEXT_DAYS=60)
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert "(номер, избрани менюта) — 30 дни" in html and "имейли — 60 дни" in html


def test_the_privacy_notice_says_pupils_have_no_accounts(client: FlaskClient) -> None:
    html = client.get("/privacy").get_data(as_text=True)
    assert "Учениците нямат профили" in html and "под 14 години" in html
