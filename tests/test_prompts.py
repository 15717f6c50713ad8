"""The prompt catalogue and its audio: gTTS (HTTP mocked with ``responses``), backoff on 429,
espeak-ng offline, content-hash names, <Play> when cached, long caching when served."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
import responses
from flask import Flask

from ivr import flow
from ivr.speech import ensure_no_digits
from prompts import audio
from prompts.catalog import PROMPTS
from tests._helpers import signed_post

GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
FAKE_MP3 = b"ID3\x03\x00fake-mp3-frames"


def gtts_body() -> str:
    encoded = base64.b64encode(FAKE_MP3).decode("ascii")
    return ')]}\'\n\n[["wrb.fr","jQ1olc","[\\"' + encoded + '\\"]",null,null,null,"generic"]]'


@pytest.mark.parametrize("prompt_id", sorted(PROMPTS))
def test_every_prompt_is_speakable_bulgarian(prompt_id: str) -> None:
    text = PROMPTS[prompt_id]
    ensure_no_digits(text)
    assert any("а" <= ch <= "я" for ch in text.lower())
    flow.Prompt(prompt_id)  # the flow accepts every id


@responses.activate
def test_build_renders_each_prompt_with_gtts_into_hash_named_files(tmp_path: Path) -> None:
    responses.add(responses.POST, GTTS_URL, body=gtts_body(), status=200)
    result = audio.build(tmp_path, sleep=lambda s: None)
    assert sorted(result.rendered) == sorted(PROMPTS)
    for prompt_id, text in PROMPTS.items():
        path = tmp_path / f"{audio.text_hash(text)}.mp3"
        assert path.read_bytes().startswith(b"ID3")
        assert audio.audio_name(prompt_id, tmp_path) == path.name
    sent = responses.calls[0].request.body
    assert "bg" in str(sent)
    again = audio.build(tmp_path, sleep=lambda s: None)
    assert again.rendered == [] and sorted(again.cached) == sorted(PROMPTS)


@responses.activate
def test_build_backs_off_on_429(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio, "PROMPTS", {"goodbye": PROMPTS["goodbye"]})
    monkeypatch.setattr("prompts.catalog.PROMPTS", {"goodbye": PROMPTS["goodbye"]})
    responses.add(responses.POST, GTTS_URL, status=429)
    responses.add(responses.POST, GTTS_URL, status=429)
    responses.add(responses.POST, GTTS_URL, body=gtts_body(), status=200)
    waits: list[float] = []
    result = audio.build(tmp_path, sleep=waits.append)
    assert result.rendered == ["goodbye"]
    assert waits == [1.0, 2.0]


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
@responses.activate
def test_build_falls_back_to_espeak_when_google_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only = {"goodbye": PROMPTS["goodbye"], "no_input": PROMPTS["no_input"]}
    monkeypatch.setattr(audio, "PROMPTS", only)
    monkeypatch.setattr("prompts.catalog.PROMPTS", only)
    # no response registered: `responses` refuses the connection as a network failure would
    result = audio.build(tmp_path, sleep=lambda s: None)
    assert sorted(result.fallback) == ["goodbye", "no_input"]
    wav = tmp_path / f"{audio.text_hash(PROMPTS['goodbye'])}.wav"
    assert wav.read_bytes()[:4] == b"RIFF"
    assert len(responses.calls) == 1  # gave up on Google after the first failure


def test_fixed_prompts_play_cached_audio_else_say(demo_app: Flask) -> None:
    from ivr.client import FlaskTransport
    from ivr.client import PhoneCall

    folder = Path(demo_app.config["PROMPTS_AUDIO_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{audio.text_hash(PROMPTS['welcome'])}.mp3"
    (folder / name).write_bytes(FAKE_MP3)
    client = demo_app.test_client()
    # one voice (the default): every sentence is <Say> in that voice, the audio is not played
    one = signed_post(client, "/ivr/voice", {"CallSid": "CAone", "From": "+359888000001"})
    assert "<Play>" not in one.get_data(as_text=True)
    assert 'voice="Google.bg-BG-Standard-B"' in one.get_data(as_text=True)
    demo_app.config["TTS_ONE_VOICE"] = False
    call = PhoneCall(FlaskTransport(demo_app), from_number="+359888000001")
    turn = call.start()
    assert turn.said[0] == PROMPTS["welcome"]  # the simulator shows the played text
    params = {"CallSid": "CAplay", "From": "+359888000001"}
    body = signed_post(client, "/ivr/voice", params).get_data(as_text=True)
    assert f"<Play>http://localhost/ivr/audio/{name}</Play>" in body
    assert "<Say" in body  # the prompt without audio is still said
    served = client.get(f"/ivr/audio/{name}")
    assert served.status_code == 200 and served.data == FAKE_MP3
    assert served.mimetype == "audio/mpeg"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    served.close()
    assert client.get("/ivr/audio/../../etc.mp3").status_code == 404


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
def test_cli_build_offline(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    only = {"goodbye": PROMPTS["goodbye"]}
    monkeypatch.setattr(audio, "PROMPTS", only)
    monkeypatch.setattr("prompts.catalog.PROMPTS", only)
    result = app.test_cli_runner().invoke(args=["prompts", "build", "--offline"])
    assert result.exit_code == 0, result.output
    assert "1 с espeak-ng" in result.output
    folder = Path(app.config["PROMPTS_AUDIO_DIR"])
    assert (folder / f"{audio.text_hash(PROMPTS['goodbye'])}.wav").is_file()
