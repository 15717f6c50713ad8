"""Property-based fuzzing of the Twilio webhooks (issue 8): whatever a signed request carries,
the answer is a valid one — 200 (204 for the SMS status callback) with ``text/xml`` whose root
is ``<Response>``; never a 500 and never an exception swallowed into an apology; unsigned or
forged → 403 with XML.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import CallSession
from models import Guardian
from models import NotificationOutbox
from models import School
from models import db
from security import sign
from tests import _helpers
from tests.conftest import login_staff

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOKEN = "test-twilio-token"
VOICE_PATHS = ("/ivr/voice", "/ivr/step", "/ivr/status")
SMS_PATHS = ("/notify/sms-status", "/notify/sms-inbound")
CALL_STATUSES = (
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"
)  # fmt: skip

# --- strategies -----------------------------------------------------------------------------
_printable = st.characters(blacklist_categories=("Cs",))
junk_text = st.one_of(
    st.text(_printable, max_size=40),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "]]>", "&amp;", "%00", "\u202e"]),
)
digits_text = st.one_of(
    st.text(alphabet="0123456789#*", max_size=12),
    st.text(alphabet="0123456789", min_size=1, max_size=2).map(lambda s: s + "#"),
    st.sampled_from(["²", "١٢", "٣", "①", "9" * 5000, "0" * 4400 + "1", "1" * 300 + "#"]),
    st.text(alphabet="0123456789#*abcXYZ", min_size=200, max_size=3000),
    junk_text,
)
e164 = st.from_regex(r"\+359[0-9]{8,9}", fullmatch=True)
phone_text = st.one_of(
    e164,
    st.just(""),
    st.from_regex(r"\+[0-9]{1,20}", fullmatch=True),
    st.sampled_from(
        ["anonymous", "Restricted", "+", "00359888", "client:Anonymous", "+" + "9" * 40]
    ),
    junk_text,
)
call_status = st.one_of(st.sampled_from(CALL_STATUSES), junk_text)
duration_text = st.one_of(
    st.integers(-5, 10**12).map(str),
    st.sampled_from(["²", "١٢", "9" * 30, "", "1.5", "-1", " 3"]),
    junk_text,
)


def signed_post(
    client: FlaskClient, path: str, params: dict[str, str], query: dict[str, str] | None = None
) -> Any:
    return _helpers.signed_post(client, path + ("?" + urlencode(query) if query else ""), params)


def has_nul(*parts: dict[str, str] | None) -> bool:
    return any("\x00" in k or "\x00" in v for part in parts if part for k, v in part.items())


def assert_twiml(response: Any, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return root


class Errors(logging.Handler):
    """Collects ERROR records of the app's loggers: a caught exception is still a bug here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def check(self) -> None:
        found, self.records = self.records, []
        assert not found, [r.getMessage() + " " + str(r.exc_info and r.exc_info[1]) for r in found]


@pytest.fixture
def errors() -> Any:
    handler = Errors()
    logger = logging.getLogger("belezhnik")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def line(demo_app: Flask) -> dict[str, Any]:
    """Known numbers and a few calls already in progress (existing CallSids)."""
    phones = [
        p
        for p in db.session.scalars(
            sa.select(Guardian.phone).where(Guardian.phone.is_not(None)).limit(5)
        )
        if p
    ]
    info = [p for p in db.session.scalars(sa.select(School.info_phone)) if p]
    transport = FlaskTransport(demo_app)
    sids = []
    for number in phones[:3] + ["+359888123456"]:
        call = PhoneCall(transport, from_number=number, to_number=(info or ["+35924001234"])[0])
        call.start()
        sids.append(call.call_sid)
    return {"phones": phones, "to": info or ["+35924001234"], "sids": sids}


def params_strategy(line: dict[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    sid = st.one_of(
        st.sampled_from(line["sids"]),
        st.from_regex(r"CA[0-9a-f]{32}", fullmatch=True),
        st.text(_printable, max_size=80),
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "CallSid": sid,
            "From": st.one_of(st.sampled_from(line["phones"] or ["+359888000000"]), phone_text),
            "To": st.one_of(st.sampled_from(line["to"]), phone_text),
            "Digits": digits_text,
            "CallStatus": call_status,
            "CallDuration": duration_text,
            "AccountSid": st.text(_printable, max_size=40),
            "Direction": st.sampled_from(["inbound", "outbound-api", ""]),
            "SpeechResult": junk_text,
            "Extra" + "x" * 3: junk_text,
        },
    )


# --- the voice webhooks -----------------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_voice_webhooks_always_answer_twiml(
    demo_client: FlaskClient, line: dict[str, Any], errors: Errors, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(VOICE_PATHS), label="path")
    params = data.draw(params_strategy(line), label="params")
    query = None
    if path == "/ivr/step":
        query = data.draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries({"n": st.integers(-3, 10**6).map(str)}),
                st.fixed_dictionaries({"n": junk_text, "x": junk_text}),
            ),
            label="query",
        )
    response = signed_post(demo_client, path, params, query)
    assert_twiml(response, 400 if has_nul(params, query) else 200)
    errors.check()


@FUZZ
@given(data=st.data())
def test_sms_webhooks_always_answer(
    demo_client: FlaskClient, line: dict[str, Any], errors: Errors, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(SMS_PATHS), label="path")
    params = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "MessageSid": st.one_of(
                    st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), junk_text
                ),
                "MessageStatus": st.one_of(
                    st.sampled_from(["queued", "sent", "delivered", "failed", "undelivered"]),
                    junk_text,
                ),
                "ErrorCode": st.one_of(st.integers(0, 99999).map(str), junk_text),
                "From": st.one_of(st.sampled_from(line["phones"] or ["+359888000000"]), phone_text),
                "To": phone_text,
                "Body": st.one_of(
                    st.sampled_from(["STOP", " stop ", "СТОП", "старт", "START", "stop all"]),
                    junk_text,
                    st.text(_printable, min_size=500, max_size=2000),
                ),
            },
        ),
        label="params",
    )
    query = data.draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "oid": st.one_of(
                        st.integers(-(10**20), 10**20).map(str),
                        st.sampled_from(["1", "2", "²", ""]),
                        junk_text,
                    )
                }
            ),
        ),
        label="query",
    )
    before = db.session.scalar(sa.select(sa.func.count(NotificationOutbox.id)))
    response = signed_post(demo_client, path, params, query)
    if has_nul(params, query):
        assert_twiml(response, 400)
    elif path == "/notify/sms-status":
        assert response.status_code in (200, 204), response.status_code
        body = response.get_data(as_text=True)
        if body:
            assert_twiml(response)
    else:
        assert_twiml(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(NotificationOutbox.id))) == before
    errors.check()


@FUZZ
@given(
    path=st.sampled_from(VOICE_PATHS + SMS_PATHS),
    params=st.dictionaries(
        st.sampled_from(["CallSid", "From", "Digits", "Body"]),
        st.one_of(junk_text, st.just("a\x00b")),
    ),
    signature=st.one_of(
        st.none(),
        junk_text.map(lambda t: t.translate({10: None, 13: None})),  # a header has no newline
        st.just("forged"),
    ),
    wrong_url=st.booleans(),
)
def test_unsigned_or_forged_is_403_xml(
    demo_client: FlaskClient,
    path: str,
    params: dict[str, str],
    signature: str | None,
    wrong_url: bool,
) -> None:
    headers = {}
    if wrong_url:  # a real signature, for another URL (or another token)
        headers["X-Twilio-Signature"] = sign("http://localhost/elsewhere", params, TOKEN)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    response = demo_client.post(path, data=params, headers=headers)
    assert_twiml(response, 403)


# --- whole calls ----------------------------------------------------------------------------
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_random_walks_through_the_menu(
    demo_app: Flask, line: dict[str, Any], errors: Errors, data: st.DataObject
) -> None:
    number = data.draw(st.one_of(st.sampled_from(line["phones"] or [""]), phone_text), "from")
    call = PhoneCall(FlaskTransport(demo_app), from_number=number, to_number=line["to"][0])
    turn = call.start()
    if "\x00" in number:
        assert turn.status == 400
        return
    assert turn.status == 200 and turn.said
    key = st.one_of(
        st.sampled_from(["2580#", "2580", "1", "2", "9", "0", "*", "#", ""]),
        st.text(alphabet="0123456789*#", max_size=8),
    )
    for keys in data.draw(st.lists(key, max_size=12), "keys"):
        if call.hung_up:
            break
        turn = call.silence() if not keys else call.press(keys)
        assert turn.status == 200 and (turn.said or turn.hung_up)
    errors.check()
    assert call.hang_up(duration=data.draw(st.integers(0, 5000), "duration")) == 200
    db.session.expire_all()
    row = db.session.scalars(
        sa.select(CallSession).where(CallSession.call_sid == call.call_sid)
    ).one()
    assert row.status == "completed"
    errors.check()


# --- regressions found by the fuzzing ----------------------------------------------------------
@pytest.mark.parametrize("digits", ["²", "0" * 4400 + "1", "01" * 3])
def test_choose_child_with_odd_digits_asks_again(
    demo_app: Flask, errors: Errors, digits: str
) -> None:
    """Regression (ivr/flow.py ``_choose_child``): ``"²".isdigit()`` is true but ``int("²")``
    fails, and Python refuses int() of more than 4300 digits: both hung up with an apology."""
    number = db.session.scalars(
        sa.select(Guardian.phone).where(Guardian.email == "roditel2@sou1.demo.bg")
    ).one()
    call = PhoneCall(FlaskTransport(demo_app), from_number=number or "")
    call.start()
    call.press("2580#")  # the children are offered only after the PIN
    assert call.gather is not None and call.gather["num_digits"] == 1  # choose a child
    turn = call._exchange(call.gather["action"], call._params({"Digits": digits}))
    assert turn.status == 200 and not turn.hung_up and turn.gather is not None
    errors.check()
    assert not call.press("2").hung_up  # the choice still works afterwards
    errors.check()


@pytest.mark.parametrize("duration", ["²", "9" * 30])
def test_status_callback_with_odd_duration(
    demo_app: Flask, line: dict[str, Any], errors: Errors, duration: str
) -> None:
    client = demo_app.test_client()
    sid = line["sids"][0]
    params = {"CallSid": sid, "CallStatus": "completed", "CallDuration": duration}
    assert_twiml(signed_post(client, "/ivr/status", params))
    errors.check()
    db.session.expire_all()
    row = db.session.scalars(sa.select(CallSession).where(CallSession.call_sid == sid)).one()
    assert row.status == "completed"


def test_sms_status_with_an_out_of_range_row_id(demo_app: Flask, errors: Errors) -> None:
    client = demo_app.test_client()
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    response = signed_post(client, "/notify/sms-status", params, {"oid": str(10**20)})
    assert response.status_code in (200, 204)
    errors.check()


# --- the simulator page's API (it drives the same webhooks) ------------------------------------
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), junk_text)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(junk_text, inner, max_size=3)
    ),
    max_leaves=6,
)


def sim_client(app: Flask) -> FlaskClient:
    """A teacher signed in: the simulator is for staff only, and on here (IVR_SIMULATOR)."""
    app.config["IVR_SIMULATOR"] = True
    client = app.test_client()
    login_staff(client, "uchitel1@sou1.demo.bg")
    return client


@FUZZ
@given(data=st.data())
def test_simulator_api_never_fails(
    demo_app: Flask, line: dict[str, Any], errors: Errors, data: st.DataObject
) -> None:
    client = sim_client(demo_app)
    start = client.post("/ivr/simulator/api", json={"op": "start", "from": line["phones"][0]})
    assert start.status_code == 200
    state = start.get_json()["state"]
    gather = state.get("gather") or {}
    state_value = st.one_of(
        st.just(state),
        st.fixed_dictionaries(
            {
                "call_sid": st.one_of(st.just(state["call_sid"]), junk_text, json_value),
                "from_number": st.one_of(phone_text, json_value),
                "gather": st.one_of(
                    st.none(),
                    st.just(gather),
                    st.fixed_dictionaries(
                        {
                            "action": st.one_of(st.just("/ivr/step?n=2"), junk_text),
                            "num_digits": json_value,
                            "finish_on_key": json_value,
                            "timeout": json_value,
                        }
                    ),
                    json_value,
                ),
            }
        ),
        json_value,
    )
    body = data.draw(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "op": st.one_of(
                        st.sampled_from(["press", "silence", "hangup", "start"]), json_value
                    ),
                    "state": state_value,
                    "digits": st.one_of(digits_text, json_value),
                    "from": st.one_of(phone_text, json_value),
                }
            ),
            json_value,
        ),
        label="body",
    )
    response = client.post("/ivr/simulator/api", json=body)
    assert response.status_code in (200, 400), response.status_code
    assert response.is_json
    errors.check()


@pytest.mark.parametrize(
    "body",
    [
        1,
        [],
        "press",
        {"op": "press", "state": True},
        {"op": "press", "state": {"call_sid": "SIM1", "from_number": "", "gather": "x"}},
        {"op": "press", "state": {"call_sid": "SIM1", "from_number": ""}, "digits": "1"},
        {"op": "silence", "state": {"call_sid": "SIM1", "from_number": "", "hung_up": True}},
    ],
    ids=["number", "list", "string", "bool-state", "str-gather", "no-gather", "hung-up"],
)
def test_simulator_api_odd_bodies_are_400(demo_app: Flask, errors: Errors, body: Any) -> None:
    """Regression (ivr/views.py ``simulator_api``): a JSON that is not the page's object, or a key
    press while the line is not gathering, raised (AttributeError, RuntimeError) → 500."""
    response = sim_client(demo_app).post("/ivr/simulator/api", json=body)
    assert response.status_code == 400 and "error" in response.get_json()
    errors.check()


@pytest.mark.parametrize("path", VOICE_PATHS + SMS_PATHS)
def test_a_nul_character_is_a_400_not_a_database_error(
    demo_app: Flask, errors: Errors, path: str
) -> None:
    """Regression (app.py ``refuse_nul_characters``): PostgreSQL text cannot hold NUL, so a
    signed request with one failed in the database (sms-inbound: a 500; the phone line: an
    apology after a logged error). Now refused up front, still with XML."""
    params = {"CallSid": "CA\x001", "From": "+359888\x00", "Body": "STOP\x00"}
    client = demo_app.test_client()
    assert_twiml(signed_post(client, path, params), 400)
    assert_twiml(client.post(path, data=params, headers={"X-Twilio-Signature": "forged"}), 403)
    errors.check()
