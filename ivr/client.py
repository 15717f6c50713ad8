"""A TwiML-following phone: plays the part of Twilio for the simulator page, the terminal
(``flask --app app ivr call``) and the tests.

``PhoneCall`` posts signed webhook requests (``security.sign`` with the auth token, against the
public URL exactly as Twilio would), reads the TwiML answer, collects what the line says (``<Say>``
text, or the catalogue text of a ``<Play>`` prompt), follows ``<Redirect>`` and stops at
``<Gather>`` (waiting for keys) or ``<Hangup>`` (or the end of the document, where Twilio hangs
up). Keys are sent as Twilio does: ``numDigits`` keys, or up to ``finishOnKey`` (not included);
silence posts an empty ``Digits`` (the gathers ask ``actionOnEmptyResult``).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol
from urllib.parse import urljoin
from urllib.parse import urlsplit

from security import sign

MAX_REDIRECTS = 10


class Transport(Protocol):
    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """POST form ``params`` to ``path`` (with query); returns (status, body)."""

    @property
    def sign_base(self) -> str:
        """Scheme and host the server validates signatures against."""

    @property
    def token(self) -> str: ...


class FlaskTransport:
    """In-process, through the app's test client (tests, simulator page, terminal)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()

    @property
    def sign_base(self) -> str:
        return self.app.config.get("PUBLIC_BASE_URL") or "http://localhost"

    @property
    def token(self) -> str:
        return str(self.app.config["TWILIO_AUTH_TOKEN"])

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = self.client.post(path, data=params, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class HttpTransport:
    """Over HTTP to a running server (``--url``), e.g. through a tunnel."""

    def __init__(self, base_url: str, token: str, timeout: float = 20) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    @property
    def sign_base(self) -> str:
        return self.base_url

    @property
    def token(self) -> str:
        return self._token

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        import requests

        response = requests.post(
            self.base_url + path, data=params, headers=headers, timeout=self.timeout
        )
        return response.status_code, response.text


@dataclass
class Turn:
    """What one exchange produced: the sentences heard and how the line waits now."""

    said: list[str] = field(default_factory=list)
    gather: dict[str, Any] | None = None
    hung_up: bool = False
    status: int = 200

    @property
    def text(self) -> str:
        return " ".join(self.said)


def _prompt_text(url: str) -> str:
    from prompts.audio import prompt_for_file
    from prompts.catalog import PROMPTS

    name = urlsplit(url).path.rsplit("/", 1)[-1]
    prompt_id = prompt_for_file(name)
    return PROMPTS[prompt_id] if prompt_id else "[звук]"


class PhoneCall:
    def __init__(
        self,
        transport: Transport,
        *,
        from_number: str,
        to_number: str = "+35924001234",
        call_sid: str | None = None,
        gather: dict[str, Any] | None = None,
        hung_up: bool = False,
    ) -> None:
        self.transport = transport
        self.from_number = from_number
        self.to_number = to_number
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.gather = gather
        self.hung_up = hung_up
        self.last_request: tuple[str, dict[str, str]] | None = None
        self.history: list[Turn] = []

    # --- state for the simulator page (kept by the browser between requests) ------------------
    def state(self) -> dict[str, Any]:
        return {
            "call_sid": self.call_sid,
            "from_number": self.from_number,
            "to_number": self.to_number,
            "gather": self.gather,
            "hung_up": self.hung_up,
        }

    @classmethod
    def from_state(cls, transport: Transport, state: dict[str, Any]) -> PhoneCall:
        gather = state.get("gather")
        if gather is not None:
            action = str(gather["action"])
            if not action.startswith("/ivr/"):
                raise ValueError("gather action outside the phone line")
            gather = {
                "action": action,
                "num_digits": int(gather["num_digits"]) if gather.get("num_digits") else None,
                "finish_on_key": str(gather.get("finish_on_key") or ""),
                "timeout": int(gather.get("timeout") or 5),
                "input": "dtmf speech" if "speech" in str(gather.get("input") or "") else "dtmf",
            }
        return cls(
            transport,
            from_number=str(state["from_number"])[:20],
            to_number=str(state.get("to_number") or "")[:20],
            call_sid=str(state["call_sid"])[:64],
            gather=gather,
            hung_up=bool(state.get("hung_up")),
        )

    # --- the phone ---------------------------------------------------------------------------
    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        params = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.from_number,
            "To": self.to_number,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        params.update(extra)
        return params

    def _send(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        url = self.transport.sign_base + path
        signature = sign(url, params, self.transport.token)
        self.last_request = (path, params)
        return self.transport.post(path, params, {"X-Twilio-Signature": signature})

    def _exchange(self, path: str, params: dict[str, str]) -> Turn:
        turn = Turn()
        for _ in range(MAX_REDIRECTS):
            status, body = self._send(path, params)
            turn.status = status
            if status != 200:
                turn.hung_up = True
                break
            redirect = self._read(body, turn)
            if redirect is None:
                break
            path = redirect
            params = self._params({})
        self.gather = turn.gather
        self.hung_up = turn.hung_up
        self.history.append(turn)
        return turn

    def _read(self, body: str, turn: Turn) -> str | None:
        """Collect speech; returns a redirect path to follow, or None when the line waits or
        hangs up."""
        root = ET.fromstring(body)
        if root.tag != "Response":
            raise ValueError(f"TwiML root is {root.tag!r}, not Response")
        for verb in root:
            if verb.tag in ("Say", "Play"):
                self._hear(verb, turn)
            elif verb.tag == "Gather":
                for child in verb:
                    self._hear(child, turn)
                num = verb.get("numDigits")
                turn.gather = {
                    "action": self._path(verb.get("action") or ""),
                    "num_digits": int(num) if num else None,
                    "finish_on_key": verb.get("finishOnKey", "#"),
                    "timeout": int(verb.get("timeout") or 5),
                    "input": verb.get("input", "dtmf"),
                }
                return None
            elif verb.tag == "Redirect":
                return self._path((verb.text or "").strip())
            elif verb.tag == "Hangup":
                turn.hung_up = True
                return None
        turn.hung_up = True  # the end of the document: Twilio hangs up
        return None

    @staticmethod
    def _hear(verb: ET.Element, turn: Turn) -> None:
        if verb.tag == "Say":
            turn.said.append((verb.text or "").strip())
        elif verb.tag == "Play":
            turn.said.append(_prompt_text((verb.text or "").strip()))

    @staticmethod
    def _path(url: str) -> str:
        parts = urlsplit(urljoin("http://x/ivr/", url))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def start(self) -> Turn:
        return self._exchange("/ivr/voice", self._params({}))

    def press(self, keys: str) -> Turn:
        """Type ``keys`` while the line gathers, as Twilio would deliver them."""
        if self.gather is None or self.hung_up:
            raise RuntimeError("the line is not waiting for keys")
        finish = self.gather.get("finish_on_key") or ""
        num = self.gather.get("num_digits")
        digits = ""
        for key in keys:
            if finish and key == finish:
                break
            digits += key
            if num and len(digits) >= num:
                break
        return self._exchange(self.gather["action"], self._params({"Digits": digits}))

    def say(self, text: str, confidence: float | None = 0.9) -> Turn:
        """Speak while the line gathers speech: Twilio posts the transcript (``SpeechResult``)
        and its ``Confidence`` instead of ``Digits``."""
        if self.gather is None or self.hung_up:
            raise RuntimeError("the line is not waiting")
        if "speech" not in str(self.gather.get("input") or ""):
            raise RuntimeError("the line takes keys only here")
        extra = {"SpeechResult": text}
        if confidence is not None:
            extra["Confidence"] = f"{confidence:.2f}"
        return self._exchange(self.gather["action"], self._params(extra))

    def silence(self) -> Turn:
        """Say nothing until the gather times out."""
        if self.gather is None or self.hung_up:
            raise RuntimeError("the line is not waiting for keys")
        return self._exchange(self.gather["action"], self._params({"Digits": ""}))

    def retry(self) -> Turn:
        """Send the last request again, exactly (a Twilio retry)."""
        assert self.last_request is not None
        path, params = self.last_request
        status, body = self._send(path, params)
        turn = Turn(status=status)
        if status == 200:
            self._read(body, turn)
        return turn

    def hang_up(self, duration: int | None = None) -> int:
        """The caller hangs up: Twilio posts the status callback."""
        extra = {"CallStatus": "completed"}
        if duration is not None:
            extra["CallDuration"] = str(duration)
        status, _ = self._send("/ivr/status", self._params(extra))
        self.hung_up = True
        self.gather = None
        return status
