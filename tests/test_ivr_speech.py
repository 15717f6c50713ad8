"""Speech as well as keys on the phone line: the matching table (ivr/speech_input.py: inflected
forms, fillers, Twilio's mis-hearings, low confidence, noise, a word of another menu), the
TwiML of every menu gather (speech and keys; codes and PINs keys only), and whole calls driven by
speech only and by keys only giving the same answers (signed webhooks)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from flask import Flask

from ivr import speech_input as si
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import CallSession
from models import db
from tests.test_ivr_calls import PIN
from tests.test_ivr_calls import parent


@pytest.mark.parametrize(
    ("case", "text", "confidence", "key"),
    [
        ("plain word", "оценки", 0.9, "1"),
        ("inflected: the grades", "оценките", 0.9, "1"),
        ("inflected: the absences", "Отсъствията", 0.9, "2"),
        ("inflected: the average", "успеха", 0.9, "3"),
        ("inflected: the remarks", "забележките", 0.9, "4"),
        ("inflected: the timetable", "програмата", 0.9, "6"),
        ("inflected: the homework", "домашното", 0.9, "6"),
        ("fillers before the word", "ами искам да чуя оценките моля", 0.9, "1"),
        ("a sentence around the word", "Кажете ми отсъствията, моля.", 0.8, "2"),
        ("two words: another child", "друго дете", 0.9, "9"),
        ("repeat", "повтори", 0.9, "0"),
        ("excuse an absence", "искам да извиня отсъствие", 0.9, "8"),
        ("ill child", "детето е болно", 0.9, "8"),
        ("misheard: split word", "от съствия", 0.9, "2"),
        ("misheard: preposition split", "за бележки", 0.9, "4"),
        ("misheard: near sound", "потвори", 0.9, "0"),
        ("a digit as digits", "8", 0.9, "8"),
        ("a digit as a word", "осем", 0.9, "8"),
        ("pressed in words", "натиснете едно", 0.9, "1"),
        ("back to the menu", "меню", 0.9, "*"),
        ("low confidence is not trusted", "оценки", 0.2, None),
        ("at the threshold it is", "оценки", 0.4, "1"),
        ("no confidence sent: the words decide", "оценки", None, "1"),
        ("noise", "шшш бррр", 0.9, None),
        ("only fillers", "ами ъъ моля", 0.9, None),
        ("two menus at once: ambiguous", "оценки и отсъствия", 0.9, None),
        ("empty", "", 0.9, None),
    ],
)
def test_menu_words(case: str, text: str, confidence: float | None, key: str | None) -> None:
    assert si.match(text, si.MENU_WORDS, confidence) == key, case


@pytest.mark.parametrize(
    ("case", "text", "vocabulary", "key"),
    [
        ("today", "днес", si.NOTE_DAY_WORDS, "1"),
        ("today, colloquial", "днеска", si.NOTE_DAY_WORDS, "1"),
        ("tomorrow misheard", "утри", si.NOTE_DAY_WORDS, "2"),
        ("a word of another menu is not understood", "оценки", si.NOTE_DAY_WORDS, None),
        ("whole day", "целия ден", si.NOTE_SPAN_WORDS, "1"),
        ("from a lesson", "от определен час", si.NOTE_SPAN_WORDS, "2"),
        ("third lesson, ordinal", "от третия час", si.NOTE_PERIOD_WORDS, "3"),
        ("fifth lesson, cardinal", "пет", si.NOTE_PERIOD_WORDS, "5"),
        ("fifth lesson, as digits", "5", si.NOTE_PERIOD_WORDS, "5"),
        ("family reasons", "по семейни причини", si.NOTE_REASON_WORDS, "2"),
        ("health: he is ill", "болен е", si.NOTE_REASON_WORDS, "1"),
        ("yes", "да", si.CONFIRM_WORDS, "1"),
        ("yes, send it", "да, изпратете", si.CONFIRM_WORDS, "1"),
        ("no", "не", si.CONFIRM_WORDS, "*"),
        ("more grades", "още", si.MORE_GRADES_WORDS, "1"),
        ("a child by name", "Мария", si.names_vocabulary(["Иван", "Мария"]), "2"),
        ("a child by a pet name", "за Иванчо", si.names_vocabulary(["Иван", "Мария"]), "1"),
        ("a name that is not a child's", "Петър", si.names_vocabulary(["Иван", "Мария"]), None),
    ],
)
def test_state_words(case: str, text: str, vocabulary: si.Vocabulary, key: str | None) -> None:
    assert si.match(text, vocabulary, 0.9) == key, case


def test_hints_list_the_phrases_once() -> None:
    hints = si.hints(si.MENU_WORDS)
    assert "оценки" in hints and "извини отсъствие" in hints and "друго дете" in hints
    assert len(hints.split(", ")) == len(set(hints.split(", ")))


# --- the TwiML ------------------------------------------------------------------------------------
def _gathers(call: PhoneCall) -> list[ET.Element]:
    path, params = call.last_request  # type: ignore[misc]
    _status, body = call._send(path, params)  # noqa: SLF001 - the same request again (a retry)
    return [v for v in ET.fromstring(body) if v.tag == "Gather"]


def test_menus_take_speech_codes_and_pins_keys_only(demo_app: Flask) -> None:
    number, _ = parent("roditel1@sou1.demo.bg")
    call = PhoneCall(FlaskTransport(demo_app), from_number=number)
    call.start()
    (pin_gather,) = _gathers(call)
    assert pin_gather.get("input") == "dtmf" and pin_gather.get("hints") is None
    call.press(PIN + "#")
    (menu,) = _gathers(call)
    assert menu.get("input") == "dtmf speech"
    assert menu.get("language") == "bg-BG" and menu.get("speechTimeout") == "auto"
    assert "оценки" in (menu.get("hints") or "")
    # a code typed by an unknown caller: keys only, and speech there is not understood
    stranger = PhoneCall(FlaskTransport(demo_app), from_number="+359899999999")
    stranger.start()
    (code,) = _gathers(stranger)
    assert code.get("input") == "dtmf"
    with pytest.raises(RuntimeError):
        stranger.say("едно две три")


# --- whole calls ----------------------------------------------------------------------------------
KEYS = ["1", "2", "3", "4", "5", "6", "7", "0", "*"]
WORDS = [
    "оценките",
    "ами отсъствията",
    "искам да чуя успеха",
    "забележки",
    "контролни",
    "програмата",
    "сравнение с класа",
    "повтори",
    "меню",
]


def _call(demo_app: Flask, number: str, inputs: list[str], speak: bool) -> list[list[str]]:
    call = PhoneCall(FlaskTransport(demo_app), from_number=number, call_sid=None)
    heard = [call.start().said, call.press(PIN + "#").said]
    for value in inputs:
        turn = call.say(value) if speak else call.press(value)
        assert not turn.hung_up
        heard.append(turn.said)
    return heard


def test_a_call_by_speech_only_sounds_like_a_call_by_keys_only(demo_app: Flask) -> None:
    number, _ = parent("roditel1@sou1.demo.bg")
    by_keys = _call(demo_app, number, KEYS, speak=False)
    by_speech = _call(demo_app, number, WORDS, speak=True)
    # the headline after the PIN tells what is new since the last call: the rest is the same
    assert by_speech[2:] == by_keys[2:]
    assert by_speech[1][-1] == by_keys[1][-1]
    sessions = db.session.scalars(sa.select(CallSession).order_by(CallSession.id)).all()
    assert sessions[0].menus == sessions[1].menus
    said = sessions[1].data["said"]
    assert [s["text"] for s in said] == WORDS and [s["key"] for s in said] == KEYS


def test_not_understood_asks_again_and_the_keys_still_work(demo_app: Flask) -> None:
    number, _ = parent("roditel1@sou1.demo.bg")
    call = PhoneCall(FlaskTransport(demo_app), from_number=number)
    call.start()
    call.press(PIN + "#")
    turn = call.say("шшш", 0.9)
    assert turn.said[0] == "Не разбрах. Кажете го отново или натиснете цифрата от менюто."
    assert turn.said[-1].startswith("За последните оценки натиснете едно.")
    turn = call.say("оценки", 0.1)  # low confidence
    assert turn.said[0].startswith("Не разбрах.")
    by_key = call.press("2")
    again = call.say("отсъствия")
    assert again.said == by_key.said
    session = db.session.scalars(sa.select(CallSession)).one()
    assert [s["key"] for s in session.data["said"]] == [None, None, "2"]
