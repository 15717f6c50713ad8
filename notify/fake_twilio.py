"""A local fake of Twilio's Messages REST API, for the drain benchmark and the worker-kill test.

Development tooling only: point a worker at it with ``TWILIO_API_BASE=http://127.0.0.1:<port>``
(never set in production). It creates a Message resource for each POST (like Twilio, before it
answers), lists them (``GET …/Messages.json?To=…``, newest first), and can hold the answer to the
n-th POST to simulate a worker dying while the provider already has the message.

Faults (the fault tests and ``bench/faults.py``): while ``fail_status`` is set (in-process, or
``POST /_fail?status=503`` / ``POST /_fail?status=0`` from outside), every POST and GET is answered
with that HTTP status and a Twilio error body, and no message is created; ``failed`` counts them.
``delay`` holds each answer that many seconds after the message was created (Twilio's latency).

Calls (``POST …/Calls.json``, ``GET …/Calls.json?To=…&From=…``, ``GET …/Calls/<sid>.json``): a call
is created ``queued`` and then played by :meth:`FakeTwilio.play` as Twilio would: the status
callbacks ``initiated`` and ``ringing``, then by the scenario of the called number
(``scenarios[to]``, one entry per call, default ``human``): ``busy``, ``no-answer`` or ``failed``
end it there; ``human:<keys>`` or ``machine`` answer it (``AnsweredBy`` human or
machine_end_beep): the ``Url`` is posted, the TwiML followed (``<Say>`` heard, ``<Gather>``
answered with the next of the comma-separated ``keys``, empty = silence), and ``completed`` is
posted with a duration. Requests go through ``post(url, params)``: in tests the Flask test client
signed like Twilio; with ``auto=True`` (the benchmark, ``--auto``) each call is played at once in a
thread over HTTP, signed with ``auth_token``. ``created_at`` keeps the monotonic time of each
create, for rate checks (``GET /_calls`` gives them to another process: the benchmark).

    python -m notify.fake_twilio --port 8765
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlparse
from xml.etree import ElementTree

Poster = Callable[[str, dict[str, str]], tuple[int, str]]


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted POST parameters."""
    data = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client went away before its answer (a killed worker): expected here
        super().handle_error(request, client_address)


class FakeTwilio:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, auth_token: str = "", auto: bool = False
    ) -> None:
        self.messages: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.scenarios: dict[str, list[str]] = {}  # called number → scenario of each next call
        self.created_at: list[float] = []  # monotonic time of each call created
        self.auth_token = auth_token
        self.auto = auto
        self.lock = threading.Lock()
        self.hold_from: int | None = None  # POST number (1-based) from which answers are held
        self.release = threading.Event()
        self.held = threading.Event()
        self.posts = 0
        self.fail_status: int | None = None  # answer every request with this status (a 5xx burst)
        self.failed = 0
        self.delay = 0.0  # seconds before each created message is answered (a provider's latency)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body leave in two writes: without this, Nagle + delayed ACK
                # add ~40 ms to every answer on a kept-alive connection
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _failing(self) -> bool:
                status = fake.fail_status
                if not status:
                    return False
                with fake.lock:
                    fake.failed += 1
                self._json(status, {"code": 20000 + status, "message": "Fake outage",
                                    "more_info": "", "status": status})  # fmt: skip
                return True

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(length)
                if len(data) < length:  # the client died while writing: Twilio would drop it too
                    self.close_connection = True
                    return
                raw = data.decode()
                url = urlparse(self.path)
                if url.path == "/_fail":  # control: start (status=503) or end (status=0) a burst
                    status = int(parse_qs(url.query).get("status", ["0"])[0])
                    fake.fail_status = status or None
                    self._json(200, {"fail_status": status})
                    return
                if self._failing():
                    return
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if url.path.endswith("/Calls.json"):
                    call = fake._create_call(form)
                    with fake.lock:
                        fake.posts += 1
                        number = fake.posts
                    if fake.hold_from is not None and number >= fake.hold_from:
                        fake.held.set()  # Twilio has the call; its answer never comes
                        fake.release.wait(60)
                    self._json(201, fake.public(call))
                    if fake.auto:
                        threading.Thread(target=fake.play, args=(call["sid"],), daemon=True).start()
                    return
                message = fake._create(form)
                with fake.lock:
                    fake.posts += 1
                    number = fake.posts
                if fake.hold_from is not None and number >= fake.hold_from:
                    fake.held.set()
                    fake.release.wait(60)
                if fake.delay:
                    time.sleep(fake.delay)
                self._json(201, message)

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                if url.path == "/_count":  # for the benchmark
                    with fake.lock:
                        counts = {"count": len(fake.messages), "failed": fake.failed}
                    self._json(200, counts)
                    return
                if url.path == "/_calls":  # for the calls benchmark: when each call was created
                    brief = "count" in parse_qs(url.query)  # ?count=1: the number alone
                    with fake.lock:
                        times = {"count": len(fake.calls),
                                 "created_at": [] if brief else list(fake.created_at)}  # fmt: skip
                    self._json(200, times)
                    return
                if self._failing():
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if "/Calls" in url.path:
                    self._calls_get(url.path, query)
                    return
                with fake.lock:
                    found = [m for m in fake.messages if m["to"] == query.get("To", m["to"])]
                page_size = int(query.get("PageSize", "50"))
                found = list(reversed(found))[:page_size]
                self._json(
                    200,
                    {
                        "messages": found,
                        "next_page_uri": None,
                        "previous_page_uri": None,
                        "first_page_uri": url.path,
                        "uri": url.path,
                        "page": 0,
                        "page_size": page_size,
                        "start": 0,
                        "end": len(found),
                    },
                )

            def _calls_get(self, path: str, query: dict[str, str]) -> None:
                if path.endswith("/Calls.json"):
                    with fake.lock:
                        found = [
                            fake.public(c)
                            for c in reversed(fake.calls)
                            if c["to"] == query.get("To", c["to"])
                            and c["from"] == query.get("From", c["from"])
                        ]
                    page_size = int(query.get("PageSize", "50"))
                    self._json(200, {"calls": found[:page_size], "next_page_uri": None,
                                     "previous_page_uri": None, "first_page_uri": path,
                                     "uri": path, "page": 0, "page_size": page_size})  # fmt: skip
                    return
                sid = path.rsplit("/", 1)[-1].removesuffix(".json")
                call = fake.call(sid)
                if call is None:
                    self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                    return
                self._json(200, fake.public(call))

        self.server = QuietServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _create(self, form: dict[str, str]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "to": form.get("To", ""),
            "from": form.get("From", ""),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "date_created": format_datetime(now, usegmt=True),
            "date_updated": format_datetime(now, usegmt=True),
            "date_sent": None,
            "status_callback": form.get("StatusCallback"),
        }
        with self.lock:
            self.messages.append(message)
        return message

    # --- calls --------------------------------------------------------------------------------
    def _create_call(self, form: dict[str, str]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        to = form.get("To", "")
        with self.lock:
            queue = self.scenarios.get(to) or []
            scenario = queue.pop(0) if queue else "human"
            call = {
                "sid": "CA" + uuid.uuid4().hex,
                "to": to,
                "from": form.get("From", ""),
                "status": "queued",
                "url": form.get("Url", ""),
                "status_callback": form.get("StatusCallback", ""),
                "machine_detection": form.get("MachineDetection"),
                "timeout": form.get("Timeout"),
                "scenario": scenario,
                "answered_by": None,
                "duration": None,
                "heard": [],
                "date_created": format_datetime(now, usegmt=True),
            }
            self.calls.append(call)
            self.created_at.append(time.monotonic())
        return call

    @staticmethod
    def public(call: dict[str, Any]) -> dict[str, Any]:
        """The Call resource as Twilio's REST API shows it."""
        keys = ("sid", "to", "from", "status", "answered_by", "duration", "date_created")
        return {k: call[k] for k in keys} | {"start_time": None, "end_time": None}

    def call(self, sid: str) -> dict[str, Any] | None:
        with self.lock:
            return next((c for c in self.calls if c["sid"] == sid), None)

    def http_post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        """POST to our server as Twilio does, signed with ``auth_token``."""
        import urllib.request

        data = urlencode(params).encode()
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("X-Twilio-Signature", twilio_signature(self.auth_token, url, params))
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.read().decode()
        except Exception as exc:  # noqa: BLE001 - the server's answer is what Twilio would log
            return getattr(exc, "code", 0) or 0, ""

    def play(self, sid: str, post: Poster | None = None) -> dict[str, Any]:
        """Ring, answer (or not) and end the call ``sid`` by its scenario (module docstring)."""
        post = post or self.http_post
        call = self.call(sid)
        assert call is not None, sid
        base = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": call["from"],
                "To": call["to"], "Direction": "outbound-api", "ApiVersion": "2010-04-01"}  # fmt: skip

        def status(value: str, **extra: str) -> None:
            call["status"] = value
            if call["status_callback"]:
                post(call["status_callback"], {**base, "CallStatus": value, **extra})

        status("initiated")
        status("ringing")
        kind, _, keys = str(call["scenario"]).partition(":")
        if kind in ("busy", "no-answer", "failed"):
            status(kind, CallDuration="0")
            return call
        call["answered_by"] = "human" if kind == "human" else "machine_end_beep"
        call["status"] = "in-progress"
        answered = {**base, "CallStatus": "in-progress", "AnsweredBy": call["answered_by"]}
        url = str(call["url"])
        code, body = post(url, answered)
        status("in-progress", AnsweredBy=call["answered_by"])
        presses = keys.split(",") if keys else []
        turns = 1
        while code == 200 and turns < 20:
            action = self._follow(call, body)
            if action is None:
                break
            url = urljoin(url, action)
            digits = presses.pop(0) if presses else ""
            code, body = post(url, {**base, "CallStatus": "in-progress", "Digits": digits})
            turns += 1
        call["duration"] = str(turns * 8)
        status("completed", CallDuration=call["duration"])
        return call

    @staticmethod
    def _follow(call: dict[str, Any], body: str) -> str | None:
        """Hear the TwiML; the gather's action when it waits for keys, else None (hang-up)."""
        root = ElementTree.fromstring(body)
        for verb in root:
            if verb.tag == "Say":
                call["heard"].append((verb.text or "").strip())
            elif verb.tag == "Gather":
                call["heard"].extend((s.text or "").strip() for s in verb if s.tag == "Say")
                return verb.get("action") or ""
            elif verb.tag == "Hangup":
                return None
        return None

    def play_all(self, post: Poster | None = None) -> list[dict[str, Any]]:
        """Play every call still queued, in order."""
        with self.lock:
            queued = [c["sid"] for c in self.calls if c["status"] == "queued"]
        return [self.play(sid, post) for sid in queued]

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwilio:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[str]:
        with self.lock:
            return [m["body"] for m in self.messages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--auto", action="store_true", help="play each call at once over HTTP")
    parser.add_argument("--auth-token", default="", help="signs the calls' webhooks")
    args = parser.parse_args()
    fake = FakeTwilio(port=args.port, auth_token=args.auth_token, auto=args.auto)
    print(f"fake Twilio on {fake.base_url}", flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
