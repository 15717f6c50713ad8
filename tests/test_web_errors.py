"""Issue 14: no English reaches people from an error; webhooks still get XML; a favicon."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

ENGLISH = ("Not Found", "Method Not Allowed", "Internal Server Error", "The requested URL")


@pytest.mark.parametrize(
    ("method", "path", "code", "title"),
    [
        pytest.param("GET", "/no-such-page", 404, "Не е намерено", id="portal-unknown-url"),
        pytest.param("GET", "/staff/no-such-page", 404, "Не е намерено", id="staff-unknown-url"),
        pytest.param(
            "GET", "/onboarding/nothing", 404, "Не е намерено", id="onboarding-unknown-url"
        ),
        pytest.param("DELETE", "/login", 405, "Непозволено действие", id="method-not-allowed"),
    ],
)
def test_error_pages_are_bulgarian_on_the_site_layout(
    client: FlaskClient, method: str, path: str, code: int, title: str
) -> None:
    response = client.open(path, method=method)
    html = response.get_data(as_text=True)
    assert response.status_code == code and response.mimetype == "text/html"
    assert f"<h1>{title}</h1>" in html and 'lang="bg"' in html
    assert not any(word in html for word in ENGLISH), html


def test_a_staff_url_links_back_to_the_staff_home(client: FlaskClient) -> None:
    html = client.get("/staff/no-such-page").get_data(as_text=True)
    assert 'href="/staff/">Към началото' in html


def test_json_clients_get_json_in_bulgarian(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "Страницата или записът не е намерен."}


def test_an_unknown_twilio_webhook_path_answers_xml(client: FlaskClient) -> None:
    response = client.post("/ivr/voice/extra")
    assert response.status_code in (403, 404, 405) and response.mimetype == "text/xml"
    assert response.get_data(as_text=True).endswith("<Response />")


def test_an_unexpected_failure_is_a_bulgarian_page_and_an_english_log(
    app,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    @app.get("/_boom")
    def boom() -> str:
        raise RuntimeError("boom for the test")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "<h1>Грешка в системата</h1>" in html
    assert "boom" not in html
    assert any("unhandled error on GET /_boom" in r.getMessage() for r in caplog.records)


def test_favicon(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
