"""A local fake of Twilio's Messages REST API, for the drain benchmark and the worker-kill test.

Development tooling only: point a worker at it with ``TWILIO_API_BASE=http://127.0.0.1:<port>``
(never set in production). It creates a Message resource for each POST (like Twilio, before it
answers), lists them (``GET …/Messages.json?To=…``, newest first), and can hold the answer to the
n-th POST to simulate a worker dying while the provider already has the message.

Faults (the fault tests and ``bench/faults.py``): while ``fail_status`` is set (in-process, or
``POST /_fail?status=503`` / ``POST /_fail?status=0`` from outside), every POST and GET is answered
with that HTTP status and a Twilio error body, and no message is created; ``failed`` counts them.
``delay`` holds each answer that many seconds after the message was created (Twilio's latency).

    python -m notify.fake_twilio --port 8765
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import sys
import threading
import time
import uuid
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlparse


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client went away before its answer (a killed worker): expected here
        super().handle_error(request, client_address)


class FakeTwilio:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.messages: list[dict[str, Any]] = []
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
                if self._failing():
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
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
    args = parser.parse_args()
    fake = FakeTwilio(port=args.port)
    print(f"fake Twilio on {fake.base_url}", flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
