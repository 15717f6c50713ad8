"""Issue #12, item 9 (the smaller trust boundaries), each replayed as an outsider would:

* the phone simulator as a caller-ID spoofer (only in development, only for signed-in staff);
* status callbacks that move a finished call back or store any string (forward only, Twilio's
  values only: ``notify.twilio_status``);
* a formula typed as a pupil's name in the CSV / XLSX exports (``onboarding.export_cells``);
* a huge ``?page=`` (``security.page_number``);
* HTML answers on Twilio's webhook paths (``ivr.views._twiml_on_webhook_paths``).

(E-mail sent twice after a worker is killed: ``tests/test_notify_email_once.py``.)
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from models import CallSession
from models import Channel
from models import Enrollment
from models import NotificationOutbox
from models import NotifyEvent
from models import OutboxStatus
from models import SchoolClass
from models import Student
from models import db
from notify.twilio_status import CALL
from notify.twilio_status import MESSAGE
from onboarding import report_base
from onboarding import report_render
from onboarding.export_cells import safe_cell
from security import page_number
from tests._helpers import signed_post
from tests.conftest import form_post
from tests.conftest import login_staff

PARENT_PHONE_SQL = sa.text("SELECT g.phone FROM guardian g WHERE g.email = 'roditel1@sou1.demo.bg'")


# --- a) the simulator is no caller-ID spoofer ------------------------------------------------------
def _start(client, number: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/ivr/simulator/api",
        data=json.dumps({"op": "start", "from": number}),
        content_type="application/json",
    )


def test_stranger_cannot_spoof_a_parents_caller_id_through_the_simulator(demo_app: Flask) -> None:
    """Old code: with TWILIO_ACCOUNT_SID unset (a voice-only deployment) anybody could POST to
    /ivr/simulator/api "from" a parent's number and be greeted with the child's name."""
    demo_app.config.update(IVR_SIMULATOR=True, TWILIO_ACCOUNT_SID="")
    number = db.session.execute(PARENT_PHONE_SQL).scalar_one()
    stranger = demo_app.test_client()
    response = _start(stranger, number)
    assert response.status_code == 403 and "said" not in response.get_json()
    page = stranger.get("/ivr/simulator")
    assert page.status_code == 302 and "/staff/login" in page.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(CallSession.id))) == 0
    # a parent signed in to the portal is no staff member either
    parent = demo_app.test_client()
    form_post(parent, "/login", {"email": "roditel1@sou1.demo.bg", "password": "demo1234"})
    assert _start(parent, number).status_code == 403
    # a signed-in staff member may try the line (that is what the simulator is for)
    staff = demo_app.test_client()
    login_staff(staff, "uchitel1@sou1.demo.bg")
    assert _start(staff, number).status_code == 200


def test_simulator_is_off_outside_development_even_for_staff(demo_app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Old code: on whenever TWILIO_ACCOUNT_SID was unset, production (a voice-only line)
    included."""
    from config.settings import load_settings

    production = {"SECRET_KEY": "x" * 32, "TWILIO_AUTH_TOKEN": "t"}  # no Twilio SID: voice-only
    assert load_settings(production)["IVR_SIMULATOR"] is False
    assert load_settings({**production, "IVR_SIMULATOR": "1"})["IVR_SIMULATOR"] is True
    laptop = {"INSTANCE_PATH": str(tmp_path)}
    assert load_settings(laptop)["IVR_SIMULATOR"] is True
    assert load_settings({**laptop, "TWILIO_ACCOUNT_SID": "AC1"})["IVR_SIMULATOR"] is False
    demo_app.config["IVR_SIMULATOR"] = False
    staff = demo_app.test_client()
    login_staff(staff, "direktor@sou1.demo.bg")
    assert staff.get("/ivr/simulator").status_code == 404
    assert _start(staff, "+359888000111").status_code == 404


# --- b) status callbacks only move forward ----------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        (None, "ringing", "ringing"),
        ("queued", "ringing", "ringing"),
        ("ringing", "in-progress", "in-progress"),
        ("in-progress", "completed", "completed"),
        ("in-progress", "ringing", None),  # earlier after later
        ("in-progress", "in-progress", None),  # a repeat
        ("completed", "ringing", None),  # a final state is never left
        ("completed", "busy", None),
        ("no-answer", "completed", None),
        ("unknown", "completed", "completed"),  # the lost end arrives after all
        ("unknown", "in-progress", None),
        ("in-progress", "hacked", None),  # not Twilio's
        ("in-progress", "", None),
        ("legacy-value", "completed", "completed"),
    ],
)
def test_call_status_moves_only_forward(current, incoming, expected) -> None:  # type: ignore[no-untyped-def]
    assert CALL.advance(current, incoming) == expected


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        (None, "queued", "queued"),
        ("accepted", "queued", "queued"),
        ("queued", "sent", "sent"),
        ("sent", "delivered", "delivered"),
        ("delivered", "read", "read"),
        ("sent", "failed", "failed"),
        ("sent", "undelivered", "undelivered"),
        ("delivered", "sent", None),
        ("delivered", "undelivered", "undelivered"),  # a carrier's late report
        ("read", "failed", None),
        ("failed", "delivered", None),
        ("undelivered", "sent", None),
        ("read", "delivered", None),
        ("sent", "received", None),  # an inbound value: known, never on an outbound row
        ("sent", "pwned", None),
    ],
)
def test_message_status_moves_only_forward(current, incoming, expected) -> None:  # type: ignore[no-untyped-def]
    assert MESSAGE.advance(current, incoming) == expected
    assert MESSAGE.known("received") and not MESSAGE.known("pwned") and CALL.known("canceled")


def _call(demo_app: Flask) -> CallSession:
    from ivr.client import FlaskTransport
    from ivr.client import PhoneCall

    number = db.session.execute(PARENT_PHONE_SQL).scalar_one()
    call = PhoneCall(FlaskTransport(demo_app), from_number=number, to_number="+35924001234")
    call.start()
    return db.session.scalars(sa.select(CallSession)).one()


def test_a_late_callback_cannot_reopen_a_finished_call(demo_app: Flask) -> None:
    """Old code: a (replayed or late) "ringing" after "completed" reopened the call; any string
    was stored as its status."""
    session = _call(demo_app)
    client = demo_app.test_client()
    sid = {"CallSid": session.call_sid, "AccountSid": "AC1"}
    done = signed_post(
        client, "/ivr/status", {**sid, "CallStatus": "completed", "CallDuration": "42"}
    )
    assert done.status_code == 200 and done.mimetype == "text/xml"
    for replay in ("ringing", "in-progress", "busy", "<script>", "x" * 200):
        response = signed_post(
            client, "/ivr/status", {**sid, "CallStatus": replay, "CallDuration": "9"}
        )
        assert response.status_code == 200 and response.mimetype == "text/xml"
    db.session.expire_all()
    session = db.session.get(CallSession, session.id)
    assert (session.status, session.duration_s) == ("completed", 42)


def test_an_unknown_call_status_is_ignored(demo_app: Flask) -> None:
    session = _call(demo_app)
    response = signed_post(
        demo_app.test_client(),
        "/ivr/status",
        {"CallSid": session.call_sid, "CallStatus": "owned", "CallDuration": "1"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    session = db.session.get(CallSession, session.id)
    assert session.status == "in-progress" and session.ended_at is None


def test_a_late_sms_report_cannot_undo_a_failure(demo_app: Flask) -> None:
    """Old code: "sent" after "undelivered" overwrote the provider status; any string was kept."""
    row = NotificationOutbox(
        school_id=1, channel=Channel.SMS, event_type=NotifyEvent.GRADE, to_address="+359888000222",
        body="x", status=OutboxStatus.SENT, provider_id="SM1", provider_status="queued",
    )  # fmt: skip
    db.session.add(row)
    db.session.commit()
    client = demo_app.test_client()
    for status in ("undelivered", "sent", "delivered", "bogus-status"):
        response = signed_post(
            client, "/notify/sms-status", {"MessageSid": "SM1", "MessageStatus": status}
        )
        assert response.status_code == 204
    db.session.expire_all()
    row = db.session.get(NotificationOutbox, row.id)
    assert (row.status, row.provider_status) == (OutboxStatus.FAILED, "undelivered")


# --- e) formulas in exports ---------------------------------------------------------------------------
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FORMULA, "'" + FORMULA),
        ("+359888", "'+359888"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Иван", "Иван"),
        ("", ""),
        (-1, -1),
        (Decimal("-1.50"), Decimal("-1.50")),
        (None, None),
    ],
)
def test_safe_cell(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert safe_cell(value) == expected


def _rename_a_pupil_to_a_formula(demo_app: Flask, client) -> SchoolClass:  # type: ignore[no-untyped-def]
    klass = db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_id == 1, SchoolClass.name == "5а")
    ).one()
    pupil = db.session.scalars(
        sa.select(Student).join(Enrollment).where(Enrollment.class_id == klass.id).limit(1)
    ).one()
    login_staff(client, "direktor@sou1.demo.bg")
    form = {
        "first_name": FORMULA,
        "middle_name": pupil.middle_name or "",
        "last_name": pupil.last_name,
        "personal_id_type": pupil.personal_id_type or "egn",
        "personal_id": pupil.personal_id or "",
        "class_id": "0",
    }
    response = form_post(client, f"/staff/admin/students/{pupil.id}", form)
    errors = re.findall(r"role=\"alert\">([^<]+)", response.get_data(as_text=True))
    assert response.status_code in (302, 303), errors
    db.session.expire_all()
    assert db.session.get(Student, pupil.id).first_name == FORMULA
    return klass


def test_a_formula_typed_as_a_pupils_name_is_text_in_the_xlsx_and_csv(demo_app: Flask) -> None:
    """Old code: the XLSX cell held a live formula (data_type 'f'), the CSV a bare ``=…``."""
    client = demo_app.test_client()
    klass = _rename_a_pupil_to_a_formula(demo_app, client)
    url = f"/onboarding/reports/class-sheet?class_id={klass.id}&term=1&format="
    xlsx = client.get(url + "xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert any(FORMULA in c.value and c.value.startswith("'") for c in cells)
    text = client.get(url + "csv").data.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text), delimiter=";") for f in row]
    assert any(FORMULA in f for f in fields)
    assert not any(f.startswith(("=", "+", "@")) for f in fields)


def test_numbers_stay_numbers_in_the_exports() -> None:
    report = report_base.Report(
        key="t", title="=T", school="S", subtitle="-sub", columns=["Име", "Разлика"],
        rows=[[FORMULA, Decimal("-1.50")], ["@x", -3]],
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(report_render.render_xlsx(report))).active
    assert sheet["A4"].value == "'" + FORMULA and sheet["A4"].data_type == "s"
    assert sheet["B4"].value == -1.5 and sheet["B4"].data_type == "n"
    assert sheet["B5"].value == -3 and sheet["A5"].value == "'@x"
    assert sheet["A2"].value == "'-sub"
    rows = list(
        csv.reader(io.StringIO(report_render.render_csv(report).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0] == ["'=T", "'-sub"]
    assert rows[2] == ["'" + FORMULA, "-1,50"] and rows[3] == ["'@x", "-3"]


# --- f) page numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("2", 2),
        ("0", 1),
        ("-5", 1),
        ("abc", 1),
        ("1e9", 1),
        ("²", 1),
        ("99999999999999999999", 10_000),
        ("10001", 10_000),
    ],
)
def test_page_number(raw, expected) -> None:  # type: ignore[no-untyped-def]
    assert page_number(raw) == expected


PAGINATED = ["/notify/admin", "/notify/admin?status=failed"]


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "abc", "0", "1" * 400])
@pytest.mark.parametrize("url", PAGINATED)
def test_a_huge_page_number_is_no_server_error(demo_app: Flask, url: str, page: str) -> None:
    """Old code: /notify/admin?page=99999999999999999999 overflowed the OFFSET → 500."""
    client = demo_app.test_client()
    login_staff(client, "direktor@sou1.demo.bg")
    sep = "&" if "?" in url else "?"
    response = client.get(f"{url}{sep}page={page}")
    assert response.status_code == 200


# --- g) TwiML on every webhook path ------------------------------------------------------------------
WEBHOOKS = ["/ivr/voice", "/ivr/step", "/ivr/status", "/notify/sms-status", "/notify/sms-inbound"]


def assert_twiml(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == "text/xml", response.get_data(as_text=True)[:200]
    assert ET.fromstring(response.data).tag == "Response"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_wrong_method_on_a_webhook_answers_twiml(app: Flask, path: str, method: str) -> None:
    """Old code: GET /ivr/voice answered Flask's HTML 405 page (Twilio reads out an English
    error)."""
    response = app.test_client().open(path, method=method)
    assert_twiml(response, 405)
    assert "POST" in response.headers["Allow"]


def test_get_voice_says_the_bulgarian_apology(app: Flask) -> None:
    from prompts.catalog import PROMPTS

    response = app.test_client().get("/ivr/voice")
    assert_twiml(response, 405)
    assert PROMPTS["error"] in response.get_data(as_text=True)


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_body_over_the_size_limit_answers_twiml(app: Flask, path: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    params = {"CallSid": "CA1", "Body": "x" * 4096}
    assert_twiml(signed_post(app.test_client(), path, params), 413)


@pytest.mark.parametrize("path", ["/ivr/nope", "/ivr/voice/x", "/ivr"])
def test_an_unknown_path_under_ivr_answers_twiml(app: Flask, path: str) -> None:
    assert_twiml(app.test_client().post(path), 404)


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_forged_signature_answers_twiml(app: Flask, path: str) -> None:
    response = app.test_client().post(
        path, data={"CallSid": "CA1"}, headers={"X-Twilio-Signature": "forged"}
    )
    assert_twiml(response, 403)


def test_human_pages_under_ivr_stay_html(app: Flask) -> None:
    client = app.test_client()
    app.config["IVR_SIMULATOR"] = False
    assert client.get("/ivr/simulator").mimetype == "text/html"  # 404 page
    calls = client.get("/ivr/calls")
    assert calls.status_code in (302, 303) and calls.mimetype == "text/html"
    assert client.post("/ivr/calls").mimetype == "text/html"  # 405 page
