"""Notify benchmark: time and messages posted to deliver 1,000 pending events to a local webhook.

Run: ``python -m bench.notify`` (PostgreSQL on 127.0.0.1:5432; ``--db sqlite``: embedded).
Two shapes of the same 1,000 events: one event per scan (1,000 messages) and ten events per scan
of 100 channels (grouped: 100 messages). The webhook is a local HTTP server answering ``ok``.
"""

from __future__ import annotations

import argparse
import platform
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine, insert

from bench.harness import fresh_database, table
from common.db import get_engine
from common.models import Channel, Delivery, Event, Video
from common.notify import DeliveryPolicy, Outbox
from common.notify.senders import SlackWebhookSender
from common.timeutil import utcnow


class _Counter(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with _Counter.lock:
            _Counter.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def local_webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/services/T/B/bench"
    finally:
        server.shutdown()
        server.server_close()


def seed(engine: Engine, channels: int, per_scan: int, scans_per_channel: int) -> int:
    """Pending events as scans write them: ``channels * scans * per_scan`` deleted videos."""
    now = utcnow()
    channel_rows, video_rows, event_rows = [], [], []
    n = 0
    for c in range(channels):
        cid = f"UC{c:022d}"
        channel_rows.append(
            {
                "id": cid,
                "title": f"Channel {c}",
                "uploads_playlist_id": f"UU{c:022d}",
                "created_at": now,
            }
        )
        for _ in range(scans_per_channel):
            scan = uuid.uuid4().hex
            for _ in range(per_scan):
                vid = f"v{n:010d}"
                n += 1
                video_rows.append(
                    {
                        "id": vid,
                        "channel_id": cid,
                        "title": f"Video {n} <with> & entities",
                        "description": "a description " * 20,
                        "published_at": now - timedelta(days=100),
                        "last_seen_at": now - timedelta(hours=2),
                        "first_seen_at": now - timedelta(days=100),
                        "state": "deleted",
                    }
                )
                event_rows.append(
                    {
                        "dedupe_key": f"{scan}:deleted:{vid}",
                        "kind": "deleted",
                        "channel_id": cid,
                        "video_id": vid,
                        "details": {"title": f"Video {n}", "probe": "gone", "from": "public"},
                        "detected_at": now,
                        "scan_id": scan,
                    }
                )
    with engine.begin() as conn:
        conn.execute(insert(Channel), channel_rows)
        conn.execute(insert(Video), video_rows)
        ids = list(
            conn.scalars(
                insert(Event).returning(Event.id, sort_by_parameter_order=True), event_rows
            )
        )
        conn.execute(
            insert(Delivery),
            [
                {
                    "event_id": i,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for i in ids
            ],
        )
    return len(ids)


def measure(kind: str, channels: int, per_scan: int, scans_per_channel: int) -> dict[str, float]:
    with fresh_database(kind) as url, local_webhook() as webhook:
        engine = get_engine(url)
        events = seed(engine, channels, per_scan, scans_per_channel)
        _Counter.received = 0
        outbox = Outbox(
            engine,
            SlackWebhookSender.for_url(webhook, timeout_s=10),
            DeliveryPolicy(max_messages=100_000),
        )
        started = time.perf_counter()
        report = outbox.deliver()
        seconds = time.perf_counter() - started
        assert report.sent == events and report.failed == report.retried == 0, report
        return {
            "events": events,
            "messages": report.messages,
            "received": _Counter.received,
            "seconds": seconds,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    shapes = [
        ("1 event per scan", 1000, 1, 1),
        ("10 events per scan (grouped)", 100, 10, 1),
    ]
    rows = []
    for label, channels, per_scan, scans in shapes:
        m = measure(args.db, channels, per_scan, scans)
        rows.append(
            [
                label,
                int(m["events"]),
                int(m["messages"]),
                int(m["received"]),
                f"{m['seconds']:.2f}",
                f"{m['messages'] / m['seconds']:.0f}",
            ]
        )
    print(f"notify benchmark on {args.db}, {platform.machine()} {platform.python_version()}")
    print(
        table(["shape", "events", "messages posted", "requests received", "s", "messages/s"], rows)
    )


if __name__ == "__main__":
    main()
