"""The phone line's webhooks, audio, simulator and call log (blueprint "ivr", prefix /ivr).

* ``POST /ivr/voice`` — the URL pasted into Twilio for the number (a call comes in);
* ``POST /ivr/step?n=…`` — every further step (the Gather action); ``n`` numbers the steps so
  that a Twilio retry is recognised as the same request;
* ``POST /ivr/status`` — the call status callback;
* ``GET /ivr/audio/<file>`` — pre-rendered prompts, cached for a year (names are content hashes);
* ``GET /ivr/simulator`` + ``POST /ivr/simulator/api`` — try the line in a browser;
* ``GET /ivr/calls`` — the call log for the school admin.

Every webhook is validated against ``PUBLIC_BASE_URL`` + path (or the request URL) with the
Twilio auth token: unsigned or forged → 403. Every answer is ``text/xml`` with a ``<Response>``
root; any failure inside (the database included) becomes a Bulgarian apology and a hang-up.
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for

from config import urls
from gradebook.access import admin_required
from gradebook.access import current_school_id
from gradebook.access import current_staff
from ivr import flow
from ivr import service
from ivr import twiml
from ivr.content import MENU_TITLES
from models import db
from prompts import audio
from prompts.catalog import PROMPTS
from security import twilio_signed

log = logging.getLogger("belezhnik.ivr")

bp = Blueprint(
    "ivr", __name__, url_prefix="/ivr", template_folder="templates", static_folder="static"
)

_AUDIO_NAME = re.compile(r"^[0-9a-f]{16}\.(mp3|wav)$")


def init_app(app: Flask) -> None:
    from extensions import csrf

    csrf.exempt(bp)  # Twilio signatures protect the webhooks; the simulator API signs too
    app.register_blueprint(bp)
    app.after_request(_twiml_on_webhook_paths)


# Pages for people (and files) under /ivr/; every other path there is Twilio's, as are the two SMS
# webhooks of notify/.
_HUMAN_PREFIXES = ("/ivr/simulator", "/ivr/calls", "/ivr/static/", "/ivr/audio/")
_SMS_WEBHOOKS = ("/notify/sms-status", "/notify/sms-inbound")
_SPOKEN = ("/ivr/voice", "/ivr/step")


def is_webhook_path(path: str) -> bool:
    if path in _SMS_WEBHOOKS:
        return True
    return (path == "/ivr" or path.startswith("/ivr/")) and not path.startswith(_HUMAN_PREFIXES)


def _twiml_on_webhook_paths(response: Response) -> Response:
    """Whatever goes wrong on a webhook path (405 for a GET, 413 for a body over
    MAX_CONTENT_LENGTH, 404, 400…), Twilio gets TwiML with the same status: the phone steps
    apologise in Bulgarian, the rest answer an empty ``<Response/>``. Changed in place, so the
    headers other hooks set stay."""
    if (
        request.method == "HEAD"
        or response.status_code in (204, 304)
        or response.mimetype == "text/xml"
        or not is_webhook_path(request.path)
    ):
        return response
    if request.path in _SPOKEN and response.status_code != 403:
        body = apology_twiml()
    else:
        body = twiml.empty()
    response.set_data(body)
    response.mimetype = "text/xml"
    return response


def _xml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/xml")


def _forbidden() -> Response:
    return _xml(twiml.empty(), 403)


def _voice() -> tuple[str, str]:
    cfg = current_app.config
    return cfg.get("TTS_VOICE") or twiml.DEFAULT_VOICE, cfg.get(
        "TTS_LANGUAGE"
    ) or twiml.DEFAULT_LANGUAGE


def _absolute(path: str) -> str:
    return urls.absolute(path)


def _audio_url(prompt_id: str) -> str | None:
    """The pre-rendered prompt's address, or None: then it is <Say>. With ``TTS_ONE_VOICE`` (the
    default) always None: gTTS cannot speak in Twilio's voice, so one voice says everything."""
    if current_app.config.get("TTS_ONE_VOICE", True):
        return None
    name = audio.audio_name(prompt_id, current_app.config["PROMPTS_AUDIO_DIR"])
    return _absolute(url_for("ivr.audio_file", name=name)) if name else None


def apology_twiml() -> str:
    """The line's Bulgarian apology and a hang-up (a failed step, a frozen database, a request
    that waited too long in the queue: ``queue_deadline``)."""
    voice, language = _voice()
    return twiml.say_and_hang_up(PROMPTS["error"], voice=voice, language=language)


def _apology() -> Response:
    return _xml(apology_twiml())


def _run(event: flow.Event) -> Response:
    params = request.form.to_dict(flat=True)
    try:
        if not params.get("CallSid"):
            return _apology()
        key = service.request_key(request.full_path, params)
        voice, language = _voice()

        def render(reply: flow.Reply, next_step: int) -> str:
            return twiml.render(
                reply,
                url_for("ivr.step", n=next_step),
                voice=voice,
                language=language,
                audio_url=_audio_url,
            )

        return _xml(service.handle_step(params, key, event, render))
    except Exception:  # never a 500: Twilio would read it out in English
        log.exception("phone line step failed (CallSid %s)", params.get("CallSid"))
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database may be gone altogether
            log.exception("rollback failed")
        return _apology()


@bp.post("/voice")
@twilio_signed(_forbidden)
def voice() -> Response:
    """A call comes in (the URL configured on the Twilio number)."""
    return _run(flow.Start())


@bp.post("/step")
@twilio_signed(_forbidden)
def step() -> Response:
    """The caller pressed keys (or said nothing: Digits empty)."""
    digits = request.form.get("Digits", "")
    said = (request.form.get("SpeechResult") or "").strip()
    event: flow.Event = flow.Digits(digits) if digits else flow.Silence()
    if said and not digits:  # keys win when both arrive
        event = flow.Spoken(said[:300], _confidence(request.form.get("Confidence")))
    return _run(event)


def _confidence(raw: str | None) -> float | None:
    """Twilio's ``Confidence`` (0–1), or None when it sent none or nonsense."""
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


@bp.post("/status")
@twilio_signed(_forbidden)
def status() -> Response:
    try:
        service.finish_call(request.form.to_dict(flat=True))
    except Exception:
        log.exception("status callback failed")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            log.exception("rollback failed")
    return _xml(twiml.empty())


@bp.get("/audio/<name>")
def audio_file(name: str) -> Response:
    if not _AUDIO_NAME.match(name):
        abort(404)
    folder = Path(current_app.config["PROMPTS_AUDIO_DIR"])
    response = send_from_directory(
        folder, name, mimetype=audio.MIME[Path(name).suffix], max_age=31536000
    )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


# --- simulator ------------------------------------------------------------------------------------
# The simulator signs its requests with the Twilio auth token, so it can claim any caller ID: it
# exists only where IVR_SIMULATOR is on (by default development without a Twilio account, see
# config/settings.py), and only for a signed-in staff member.
def _simulator_enabled() -> bool:
    return bool(current_app.config.get("IVR_SIMULATOR"))


@bp.get("/simulator")
def simulator() -> Any:
    if not _simulator_enabled():
        abort(404)
    if current_staff() is None:
        return redirect(url_for("staff.login", next=request.path))
    return render_template(
        "ivr/simulator.html",
        info_phone=current_app.config.get("INFO_PHONE_NUMBER", ""),
    )


@bp.post("/simulator/api")
def simulator_api() -> Response:
    """The page's keypad: one signed request through the TwiML-following client."""
    if not _simulator_enabled():
        abort(404)
    if current_staff() is None:
        return jsonify({"error": "Влезте като служител на училището."}), 403  # type: ignore[return-value]
    from ivr.client import FlaskTransport
    from ivr.client import PhoneCall

    data: Any = request.get_json(silent=True)
    if not isinstance(data, dict):  # a JSON number, list or string: no operation
        data = {}
    op = data.get("op")
    state = data.get("state") or {}
    if op == "start":
        state = {
            "call_sid": "SIM" + uuid.uuid4().hex,
            "from_number": str(data.get("from") or "")[:20],
            "to_number": current_app.config.get("INFO_PHONE_NUMBER", ""),
        }
    try:
        call = PhoneCall.from_state(FlaskTransport(current_app), state)
    except (AttributeError, KeyError, TypeError, ValueError):  # a bool, a list: not a state
        return jsonify({"error": "Невалидно състояние на симулатора."}), 400  # type: ignore[return-value]
    if op in ("press", "silence", "say") and (call.gather is None or call.hung_up):
        return jsonify({"error": "Линията не очаква клавиши."}), 400  # type: ignore[return-value]
    if op == "start":
        turn = call.start()
    elif op == "press":
        turn = call.press(str(data.get("digits") or ""))
    elif op == "silence":
        turn = call.silence()
    elif op == "say":
        try:
            turn = call.say(str(data.get("text") or "")[:300])
        except RuntimeError:
            return jsonify({"error": "Тук линията приема само клавиши."}), 400  # type: ignore[return-value]
    elif op == "hangup":
        call.hang_up()
        return jsonify({"said": [], "hung_up": True, "state": call.state()})
    else:
        return jsonify({"error": "Непозната операция."}), 400  # type: ignore[return-value]
    return jsonify(
        {"said": turn.said, "hung_up": turn.hung_up, "gather": turn.gather, "state": call.state()}
    )


# --- call log -------------------------------------------------------------------------------------
@bp.get("/calls")
@admin_required
def calls() -> str:
    """The school's call log: when, caller, student, menus, duration (never grades)."""
    school_id = current_school_id()
    if school_id is None:
        abort(403)
    menus = {
        "9": "друго дете",
        flow.NOTE_KEY: "бележка за отсъствие",
        "0": "повтори",
        "*": "меню",
        **MENU_TITLES,
    }
    return render_template(
        "ivr/calls.html",
        calls=service.call_log(school_id),
        lockouts=service.lockouts(school_id),
        menus=menus,
        note_problems={
            "year_limit": "няма оставащи дни",
            "in_row": "повече дни наведнъж от допустимото",
            "overlap": "вече има бележка",
            "no_school_day": "неучебен ден",
            "other": "не може да бъде приета",
        },
    )
