"""A local HTTP endpoint that records POSTs and answers a fixed status (stands in for notify)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Endpoint:
    url: str
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"sent": 0})
    calls: list[tuple[dict[str, str], Any]] = field(default_factory=list)


@contextmanager
def endpoint(status: int = 200) -> Iterator[Endpoint]:
    """Serve on a free port; every POST is recorded (headers, JSON body) and answered."""
    state = Endpoint(url="", status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            state.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
            payload = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
