"""The threaded HTTP/1.1 server of the fake (keep-alive, quiet) and ``serve_forever`` for the CLI.

The standard library's server is used rather than werkzeug's development server, which
closes every connection and waits 10 ms after each answer: too slow for the benchmarks.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from common.fake_youtube.app import FakeYouTubeApp
from common.fake_youtube.httpio import Request, Response
from common.fake_youtube.scenario import demo_scenario, read_scenario
from common.fake_youtube.world import World

__all__ = ["FakeYouTube", "serve_forever"]

logger = logging.getLogger("common.fake_youtube")


class _Handler(BaseHTTPRequestHandler):
    """Moves bytes between a socket and ``FakeYouTubeApp.handle``; keeps connections alive."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and delayed ACKs
    # can hold the body back for 40 ms.
    disable_nagle_algorithm = True
    # An idle keep-alive connection gives its thread back after this many seconds.
    timeout = 120
    server: _Server

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send(Response.text("Length Required", 411))
            return
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self.close_connection = True
            self._send(Response.text("Bad Request", 400))
            return
        body = self.rfile.read(int(length)) if int(length) else b""
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(split.path),
            query=parse_qs(split.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        self._send(self.server.app.handle(request))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Quiet by default: one line per request only at DEBUG.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %s", self.command, self.path.split("?", 1)[0], code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


class _Server(ThreadingHTTPServer):
    """One daemon thread per connection; remembers them so that ``stop`` can end them."""

    daemon_threads = True
    # socketserver's default backlog of 5 drops bursts of parallel connects (1 s SYN retries).
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], app: FakeYouTubeApp) -> None:
        self.app = app
        self._guard = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        worker = threading.Thread(
            target=self._work, args=(request, client_address), daemon=True, name="fake-youtube"
        )
        with self._guard:
            self._connections.add(request)
            self._workers.add(worker)
        worker.start()

    def _work(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._guard:
                self._connections.discard(request)
                self._workers.discard(threading.current_thread())

    def close_connections(self, timeout: float) -> None:
        """End every open connection and wait for its thread."""
        with self._guard:
            connections = list(self._connections)
            workers = list(self._workers)
        for connection in connections:
            # Its worker may have closed it meanwhile: nothing left to end then.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for worker in workers:
            worker.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s failed", client_address, exc_info=True)


class FakeYouTube:
    """The fake YouTube server: ``start`` it on a port (0 picks a free one), use, ``stop``.

    ``world`` is the live state: change it from Python or through ``/_control/…``.
    """

    def __init__(self, world: World | None = None, *, public_url: str | None = None) -> None:
        self.world = world or World()
        self.app = FakeYouTubeApp(self.world, public_url=public_url)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Listen on ``host:port`` in a background thread; returns self once accepting."""
        if self._server is not None:
            raise RuntimeError("the fake YouTube server is already running")
        self.app.reopen()
        server = _Server((host, port), self.app)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
            name="fake-youtube-accept",
        )
        self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, end open connections (and slow faults), close the socket."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        self.app.close()
        server.shutdown()
        thread.join(timeout)
        server.close_connections(timeout)
        server.server_close()

    @property
    def running(self) -> bool:
        """Whether the server is started."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("the fake YouTube server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server (a wildcard host reads as loopback)."""
        if self._server is None:
            raise RuntimeError("the fake YouTube server is not running")
        host = str(self._server.server_address[0])
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """What ``YOUTUBE_API_BASE_URL`` should be."""
        return self.base_url + "/youtube/v3"

    @property
    def oembed_url(self) -> str:
        """What ``YOUTUBE_OEMBED_URL`` should be."""
        return self.base_url + "/oembed"

    @property
    def feed_url(self) -> str:
        """What ``YOUTUBE_FEED_URL`` should be."""
        return self.base_url + "/feeds/videos.xml"

    @property
    def thumbnail_base_url(self) -> str:
        """Root of thumbnail images: ``{thumbnail_base_url}/{video_id}/hqdefault.jpg``."""
        return self.base_url + "/vi"

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    host: str,
    port: int,
    scenario_path: str | None,
    *,
    ready: Callable[[FakeYouTube], None] | None = None,
) -> None:
    """Serve the fake until Ctrl-C; the bundled demo scenario when no file is given.

    ``ready`` is called once the server accepts connections (the CLI may print the URL; a
    test may make requests and then raise KeyboardInterrupt to stop it).
    """
    scenario = read_scenario(scenario_path) if scenario_path else demo_scenario()
    world = World.from_scenario(scenario)
    with FakeYouTube(world).start(host, port) as fake:
        counts = world.counts()
        logger.info(
            "fake YouTube API listening on %s (%d channels, %d videos; Ctrl-C stops)",
            fake.base_url,
            counts["channels"],
            counts["videos"],
            extra={"url": fake.base_url, "scenario": scenario_path or "demo"},
        )
        try:
            if ready is not None:
                ready(fake)
            forever = threading.Event()
            while not forever.wait(3600):
                pass
        except KeyboardInterrupt:
            logger.info("fake YouTube API stopping")
