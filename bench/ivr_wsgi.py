"""WSGI entry for the phone-line benchmark: the real app plus a bare endpoint that returns
static TwiML (the yardstick: what this server does with no work at all)."""

from __future__ import annotations

from flask import Response

from app import create_app

STATIC_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/ivr/step?n=2" '
    'input="dtmf" numDigits="1"><Say language="bg-BG" voice="Google.bg-BG-Standard-B">'
    "Бележник, здравейте.</Say></Gather></Response>"
)

app = create_app()


@app.post("/bench/static-twiml")
def static_twiml() -> Response:
    return Response(STATIC_TWIML, mimetype="text/xml")


def _exempt() -> None:
    from extensions import csrf

    csrf.exempt(static_twiml)


_exempt()
