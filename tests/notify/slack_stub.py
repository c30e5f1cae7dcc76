"""A local HTTP server standing in for a Slack incoming webhook.

It records every request (JSON body, headers, the status it answered) and answers from a script:
``200 ok`` by default, or whatever ``answer_next`` / ``answer_always`` say (429 with Retry-After,
500, 404 ``no_service`` …); ``refuse`` stops listening so connections are refused, ``resume``
listens again on the same port. slack-sdk posts with urllib, which respx cannot see: a real
server is the honest fake.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]
    status: int

    @property
    def blob(self) -> str:
        """The raw JSON of the payload (for substring checks)."""
        return json.dumps(self.payload, ensure_ascii=False)


class SlackStub:
    """Start with ``with SlackStub() as slack:``; ``slack.url`` is the webhook URL."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.delay_s = 0.0
        self._script: deque[Answer] = deque()
        self._default = Answer()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- control -------------------------------------------------------------------------

    def answer_next(self, count: int, status: int, body: str = "", **headers: str) -> None:
        with self._lock:
            self._script.extend(Answer(status, body, headers) for _ in range(count))

    def answer_always(self, status: int, body: str = "", **headers: str) -> None:
        with self._lock:
            self._script.clear()
            self._default = Answer(status, body, headers)

    def heal(self) -> None:
        self.answer_always(200, "ok")

    def refuse(self) -> None:
        """Stop listening: every post now fails with 'connection refused'."""
        self._stop()

    def resume(self) -> None:
        self._start(self.port)

    # --- reading ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/T000/B000/secret"

    @property
    def delivered(self) -> list[Recorded]:
        """Requests that were answered 2xx: the messages Slack would show."""
        return [r for r in self.requests if 200 <= r.status < 300]

    # --- plumbing --------------------------------------------------------------------------

    def _next_answer(self) -> Answer:
        with self._lock:
            return self._script.popleft() if self._script else self._default

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                answer = stub._next_answer()
                stub._record(
                    Recorded(self.path, dict(self.headers.items()), json.loads(raw), answer.status)
                )
                body = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                for name, value in answer.headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def _start(self, port: int) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> SlackStub:
        self._start(0)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()
