"""The outbound calls' Twilio webhooks (blueprint "outbound", prefix /ivr/out), named in each
``calls.create`` with the call's row id:

* ``POST /ivr/out/answer?oc=<id>`` — the call was answered (``AnsweredBy`` from machine
  detection): the greeting and the message, or the short message for a machine;
* ``POST /ivr/out/step?oc=<id>&n=<k>`` — a key (or silence) in the menu; ``n`` numbers the steps,
  so that a Twilio retry of the same request gets the same answer and counts nothing twice;
* ``POST /ivr/out/status?oc=<id>`` — the status callbacks (initiated, ringing, answered,
  completed / busy / no-answer / failed), taken forward only.

Every request is signature-checked (403 otherwise), names a row whose CallSid it carries (else
a polite hang-up or an empty answer), and is answered with TwiML, also when anything inside
fails (an apology and a hang-up).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask import url_for
from twilio.twiml.voice_response import VoiceResponse

from ivr import outbound
from ivr import outbound_flow as flow
from ivr import twiml
from ivr import urgent
from ivr.speech import ensure_no_digits
from models import db
from prompts.catalog import PROMPTS
from security import twilio_signed

log = logging.getLogger("belezhnik.ivr.outbound")

bp = Blueprint("outbound", __name__, url_prefix="/ivr/out")
WEBHOOKS = {"outbound.answer", "outbound.step", "outbound.status"}
GATHER_SECONDS = 6


def init_app(app: Flask) -> None:
    from extensions import csrf

    csrf.exempt(bp)  # Twilio signatures protect these
    app.register_blueprint(bp)
    csrf.exempt(sim)  # JSON from the signed-in staff's simulator page, as /ivr/simulator/api
    app.register_blueprint(sim)
    from ivr.absence_calls import answers_for_page

    # the lesson register and the class teacher's page show the day's calls and answers
    app.add_template_global(answers_for_page, "outbound_answers")


def _xml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/xml")


def _voice() -> tuple[str, str]:
    cfg = current_app.config
    return (cfg.get("TTS_VOICE") or twiml.DEFAULT_VOICE, cfg.get("TTS_LANGUAGE") or "bg-BG")


def _forbidden() -> Response:
    return _xml(twiml.empty(), 403)


def _apology() -> Response:
    voice, language = _voice()
    return _xml(twiml.say_and_hang_up(PROMPTS["error"], voice=voice, language=language))


def render(answer: flow.Step, action: str) -> str:
    """The TwiML of one flow step: speech inside a one-key gather (keys interrupt it), or
    speech and a hang-up."""
    voice, language = _voice()
    response = VoiceResponse()
    target: Any = response
    if answer.gather:
        target = response.gather(
            input="dtmf",
            num_digits=1,
            timeout=GATHER_SECONDS,
            action=action,
            method="POST",
            action_on_empty_result=True,
        )
    for text in answer.speech:
        target.say(ensure_no_digits(text), voice=voice, language=language)
    if not answer.gather:
        response.hangup()
    return str(response.to_xml())


def _call_id() -> int | None:
    value = request.args.get("oc", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _run(event: flow.Event, step_no: int) -> Response:
    params = request.form.to_dict(flat=True)
    call_id = _call_id()
    try:
        row = outbound.matching_call(call_id, params) if call_id is not None else None
        if row is None:
            log.warning("outbound webhook for unknown call %s (%s)", call_id, params.get("CallSid"))
            db.session.rollback()
            return _apology()
        if step_no <= row.flow_step and row.last_twiml:  # Twilio repeated a request
            db.session.rollback()
            return _xml(row.last_twiml)
        if isinstance(event, flow.Answered) and params.get("AnsweredBy"):
            row.answered_by = params["AnsweredBy"][:30]
        state = dict(row.flow_state or {})
        answer = flow.step(urgent.script_for(row), state, event)
        body = render(answer, url_for("outbound.step", oc=row.id, n=step_no + 1))
        new_state = dict(answer.state)
        if answer.outcome:
            new_state["outcome"] = answer.outcome
            if answer.outcome != flow.MACHINE:
                urgent.keypad_answer(row, answer.outcome)
        elif state.get("outcome"):
            new_state["outcome"] = state["outcome"]
        row.flow_state = new_state
        row.flow_step = step_no
        row.last_twiml = body
        if row.call_status in (None, "queued", "initiated", "ringing"):
            row.call_status = "in-progress"
        db.session.commit()
        return _xml(body)
    except Exception:  # never a 500: Twilio would read it out in English
        log.exception("outbound call step failed (call %s)", call_id)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            log.exception("rollback failed")
        return _apology()


@bp.post("/answer")
@twilio_signed(_forbidden)
def answer() -> Response:
    return _run(flow.Answered(request.form.get("AnsweredBy", "")), 1)


@bp.post("/step")
@twilio_signed(_forbidden)
def step() -> Response:
    value = request.args.get("n", "")
    number = int(value) if value.isascii() and value.isdigit() and len(value) < 6 else 0
    if number < 2:
        return _apology()
    digits = request.form.get("Digits", "")
    event: flow.Event = flow.Key(digits) if digits else flow.Quiet()
    return _run(event, number)


@bp.post("/status")
@twilio_signed(_forbidden)
def status() -> Response:
    params = request.form.to_dict(flat=True)
    call_id = _call_id()
    try:
        row = outbound.matching_call(call_id, params) if call_id is not None else None
        if row is None:
            log.warning("status callback for unknown call %s (%s)", call_id, params.get("CallSid"))
            db.session.rollback()
        else:
            outbound.record_status(row, params)
            db.session.commit()
    except Exception:
        log.exception("outbound status callback failed")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            log.exception("rollback failed")
    return _xml(twiml.empty())


# --- the phone simulator rings for outbound calls (development; staff only) ----------------------
sim = Blueprint("outbound_sim", __name__, url_prefix="/ivr/simulator/outbound")
SIM_OPS = {"answer", "machine", "press", "silence", "busy", "no-answer", "hangup"}


def _sim_allowed() -> bool:
    from gradebook.access import current_staff

    return bool(current_app.config.get("IVR_SIMULATOR")) and current_staff() is not None


def _ringing_query(school_id: int | None) -> Any:
    import sqlalchemy as sa

    from models import OutboundCall

    return sa.select(OutboundCall).where(
        OutboundCall.school_id == school_id,
        OutboundCall.call_sid.startswith(outbound.SIMULATED_PREFIX),
        OutboundCall.status == "placed",
    )


@sim.get("")
def sim_ringing() -> Any:
    """The school's simulated calls that ring or are in progress (the page polls this)."""
    from flask import abort
    from flask import jsonify

    from gradebook.access import current_school_id

    if not _sim_allowed():
        abort(404)
    rows = db.session.scalars(_ringing_query(current_school_id()).limit(20)).all()
    return jsonify(
        [{"id": r.id, "to": r.to_number, "status": r.call_status, "round": r.round} for r in rows]
    )


@sim.post("/<int:call_id>")
def sim_call(call_id: int) -> Any:
    """Play Twilio's part for one simulated outbound call: answer it (a person or a machine),
    press keys, stay silent, or end it (busy, no answer, hang up) — signed webhooks, as Twilio."""
    from flask import abort
    from flask import jsonify

    from gradebook.access import current_school_id
    from ivr.client import FlaskTransport
    from ivr.client import PhoneCall
    from models import OutboundCall

    if not _sim_allowed():
        abort(404)
    row = db.session.scalar(_ringing_query(current_school_id()).where(OutboundCall.id == call_id))
    data: Any = request.get_json(silent=True)
    op = data.get("op") if isinstance(data, dict) else None
    if row is None or op not in SIM_OPS:
        return jsonify({"error": "Няма такова обаждане."}), 404
    phone = PhoneCall(
        FlaskTransport(current_app),
        from_number=str(current_app.config.get("INFO_PHONE_NUMBER") or ""),
        to_number=row.to_number,
        call_sid=row.call_sid,
    )
    status_path = url_for("outbound.status", oc=row.id)
    if op in ("busy", "no-answer", "hangup"):
        final = "completed" if op == "hangup" else op
        phone._send(status_path, phone._params({"CallStatus": final}))
        return jsonify({"said": [], "hung_up": True})
    if op in ("answer", "machine"):
        by = "human" if op == "answer" else "machine_end_beep"
        phone._send(status_path, phone._params({"CallStatus": "in-progress", "AnsweredBy": by}))
        turn = phone._exchange(
            url_for("outbound.answer", oc=row.id), phone._params({"AnsweredBy": by})
        )
    else:
        digits = str(data.get("digits") or "")[:1] if op == "press" else ""
        path = url_for("outbound.step", oc=row.id, n=row.flow_step + 1)
        db.session.rollback()
        turn = phone._exchange(path, phone._params({"Digits": digits}))
    if turn.hung_up:
        phone._send(status_path, phone._params({"CallStatus": "completed", "CallDuration": "20"}))
    return jsonify({"said": turn.said, "hung_up": turn.hung_up, "gather": turn.gather is not None})
