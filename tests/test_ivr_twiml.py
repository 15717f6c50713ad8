"""TwiML rendering of flow replies, and the short spoken form of an average."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from ivr import content
from ivr import twiml
from ivr.flow import Gather
from ivr.flow import Hangup
from ivr.flow import Prompt
from ivr.flow import Redirect
from ivr.flow import Reply
from ivr.flow import Say
from prompts.catalog import PROMPTS


def parse(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return root


def test_gather_holds_the_speech_and_posts_on_silence() -> None:
    reply = Reply([Prompt("menu"), Say("Иван.")], Gather(num_digits=1, finish_on_key=""))
    root = parse(twiml.render(reply, "/ivr/step?n=3"))
    (gather,) = list(root)
    assert gather.tag == "Gather"
    assert gather.attrib == {
        "action": "/ivr/step?n=3",
        "actionOnEmptyResult": "true",
        "finishOnKey": "",
        "input": "dtmf",
        "method": "POST",
        "numDigits": "1",
        "timeout": "6",
    }
    assert [(c.tag, c.text) for c in gather] == [("Say", PROMPTS["menu"]), ("Say", "Иван.")]
    assert all(c.get("voice") == "Google.bg-BG-Standard-B" for c in gather)
    assert all(c.get("language") == "bg-BG" for c in gather)


def test_cached_prompt_plays_and_voice_is_configurable() -> None:
    reply = Reply([Prompt("goodbye"), Say("Довиждане, Иван.")], Hangup())
    xml = twiml.render(
        reply,
        "/ivr/step?n=2",
        voice="Google.bg-BG-Wavenet-B",
        language="bg-BG",
        audio_url=lambda pid: "https://x/ivr/audio/ab.mp3" if pid == "goodbye" else None,
    )
    root = parse(xml)
    assert [c.tag for c in root] == ["Play", "Say", "Hangup"]
    assert root[0].text == "https://x/ivr/audio/ab.mp3"
    assert root[1].get("voice") == "Google.bg-BG-Wavenet-B"


def test_redirect_and_empty() -> None:
    root = parse(twiml.render(Reply([Say("Момент.")], Redirect()), "/ivr/step?n=4"))
    assert [c.tag for c in root] == ["Say", "Redirect"]
    assert root[1].text == "/ivr/step?n=4" and root[1].get("method") == "POST"
    assert list(parse(twiml.empty())) == []


def test_digits_never_reach_tts() -> None:
    with pytest.raises(ValueError):
        twiml.render(Reply([Say("Оценка 6")], Hangup()), "/x")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param("4.72", "Много добър, четири цяло и седемдесет и две стотни", id="4.72"),
        pytest.param("5.21", "Много добър, пет цяло и двадесет и една стотни", id="5.21"),
        pytest.param("3.10", "Среден, три цяло и десет стотни", id="3.10"),
        pytest.param("4.05", "Добър, четири цяло и пет стотни", id="small-hundredths"),
        pytest.param("3.01", "Среден, три цяло и една стотна", id="one-hundredth"),
        pytest.param("6.00", "Отличен шест", id="whole"),
        pytest.param("5.495", "Отличен, пет цяло и петдесет стотни", id="rounded-half-up"),
    ],
)
def test_one_reading_of_an_average_in_the_headline_and_the_menu(value: str, words: str) -> None:
    """Issue 14: one decimal is read one way in a call, whatever its hundredths."""
    today = dt.date(2026, 11, 25)
    summary = {"student": {"first_name": "Иван"}, "overall": {"average": value}, "subjects": []}
    assert content.headline(summary, today, None)[0] == f"Иван: среден успех {words}."
    assert content.averages(summary, today)[0] == f"Среден успех: {words}."
