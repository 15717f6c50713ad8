"""TwiML for the phone line: the only module that imports twilio's ``VoiceResponse``.

``render(reply, action_url, ...)`` turns a ``flow.Reply`` into the XML Twilio reads. Speech goes
inside ``<Gather>`` so that the caller's keys interrupt it; fixed prompts are ``<Play>`` of the
pre-rendered audio when it exists and the one-voice setting (``TTS_ONE_VOICE``) is off, otherwise
``<Say>`` with the configured Bulgarian voice. Menu gathers take speech as well as keys.
"""

from __future__ import annotations

from collections.abc import Callable

from twilio.twiml.voice_response import Gather as TwimlGather
from twilio.twiml.voice_response import VoiceResponse

from ivr.flow import Gather
from ivr.flow import Hangup
from ivr.flow import Prompt
from ivr.flow import Redirect
from ivr.flow import Reply
from ivr.flow import Say
from ivr.speech import ensure_no_digits
from prompts.catalog import PROMPTS

DEFAULT_VOICE = "Google.bg-BG-Standard-B"
"""A Bulgarian voice Twilio lists today (Google's; Amazon Polly has none). The older name
``Google.bg-BG-Standard-A`` is gone from Twilio's and Google's current lists: see docs/PHONE.md."""
DEFAULT_LANGUAGE = "bg-BG"


def _speak(
    target: VoiceResponse | TwimlGather,
    reply: Reply,
    voice: str,
    language: str,
    audio_url: Callable[[str], str | None],
) -> None:
    for item in reply.speech:
        if isinstance(item, Prompt):
            url = audio_url(item.id)
            if url:
                target.play(url)
                continue
            text = PROMPTS[item.id]
        else:
            assert isinstance(item, Say)
            text = item.text
        target.say(ensure_no_digits(text), voice=voice, language=language)


def render(
    reply: Reply,
    action_url: str,
    *,
    voice: str = DEFAULT_VOICE,
    language: str = DEFAULT_LANGUAGE,
    audio_url: Callable[[str], str | None] = lambda _id: None,
) -> str:
    """The TwiML document of one step; ``action_url`` is where the next keys (or the redirect)
    go."""
    response = VoiceResponse()
    end = reply.end
    if isinstance(end, Gather):
        speech: dict[str, str] = {"input": "dtmf"}
        if end.hints is not None:  # a menu: Bulgarian speech as well as keys (never a code or PIN)
            speech = {
                "input": "dtmf speech",
                "language": language,
                "speech_timeout": "auto",
                "hints": end.hints,
            }
        gather = response.gather(
            action=action_url,
            method="POST",
            timeout=end.timeout,
            num_digits=end.num_digits,
            finish_on_key=end.finish_on_key,
            action_on_empty_result=True,
            **speech,
        )
        _speak(gather, reply, voice, language, audio_url)
    else:
        _speak(response, reply, voice, language, audio_url)
        if isinstance(end, Redirect):
            response.redirect(action_url, method="POST")
        else:
            assert isinstance(end, Hangup)
            response.hangup()
    return str(response.to_xml())


def say_and_hang_up(
    text: str, *, voice: str = DEFAULT_VOICE, language: str = DEFAULT_LANGUAGE
) -> str:
    """A fixed sentence and a polite hang-up (errors; never fails)."""
    response = VoiceResponse()
    response.say(text, voice=voice, language=language)
    response.hangup()
    return str(response.to_xml())


def empty() -> str:
    return str(VoiceResponse().to_xml())
