"""Tokens, keys and passwords never reach the logs, even at DEBUG with httpx's request lines.

scan_channel, notify and dispatch run as functions-framework processes with LOG_LEVEL=DEBUG and
known secret values; YouTube fails some requests and Slack refuses some posts (so error paths
log too), callers send wrong and right credentials, and ``ytdt dispatch`` runs in-process at
DEBUG. Then every line every process wrote is searched for every secret.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from bench.soak import BIN, REPO, drop_redis_prefix, function, track_channels, tracker_env
from common import runtime
from common.db import get_engine
from common.fake_youtube import FakeYouTube, World
from common.logs import configure_logging
from common.migrate import migrate
from common.notify import Notifier
from common.settings import get_settings, reset_settings
from tests.conftest import PostgresDatabases, _truncate
from tests.notify.slack_stub import SlackStub
from tests.support import point_at

API_KEY = "AIzaSyKEY-secret-value-0123456789abcdef"
SERVICE_TOKEN = "svc-TOKEN-secret-value-4f2a9d"
DISPATCH_TOKEN = "dsp-TOKEN-secret-value-8c1e77"
ADMIN_PASSWORD = "adm-PASSWORD-secret-value-51b0"
DB_PASSWORD = "pg-PASSWORD-secret-value-9e3d"
WEBHOOK_SECRET = "xoxwebhook-secret-value-6a7b8c"  # the secret part of a webhook URL is its path
WRONG_TOKEN = "attacker-guess-secret-value-3d4e"
SECRETS = (API_KEY, SERVICE_TOKEN, DISPATCH_TOKEN, ADMIN_PASSWORD, DB_PASSWORD, WEBHOOK_SECRET)


def _post(url: str, token: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120)


@pytest.fixture
def logs(postgres_databases: PostgresDatabases, tmp_path: Path) -> str:
    """Everything the processes logged during a scan/dispatch/notify workout."""
    plain = postgres_databases.create()
    migrate(plain)
    # PostgreSQL trusts local connections here, so the password is sent nowhere but is set.
    url = make_url(plain).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    world = World(daily_quota=1_000_000)
    channels = []
    for index in range(3):
        channel = world.add_channel(handle=f"@secrets{index}")
        world.generate_videos(channel.id, 60, seed=index)
        channels.append(channel.id)
    prefix = f"secrets:{tmp_path.name}:"
    with FakeYouTube(world).start() as fake, SlackStub() as slack:
        webhook = f"http://127.0.0.1:{slack.port}/services/T0A1B2C3/B0D4E5F6/{WEBHOOK_SECRET}"
        env = tracker_env(
            url,
            prefix,
            fake,
            YOUTUBE_API_KEY=API_KEY,
            SERVICE_TOKEN=SERVICE_TOKEN,
            DISPATCH_TOKEN=DISPATCH_TOKEN,
            ADMIN_USERNAME="admin",
            ADMIN_PASSWORD=ADMIN_PASSWORD,
            SLACK_WEBHOOK_URL=webhook,
            CONFIRM_SCANS="1",
            HTTP_MAX_RETRIES="1",
            LOG_LEVEL="DEBUG",
        )
        track_channels(get_engine(plain), channels)
        with (
            function("scan_channel", env, tmp_path) as scan,
            function("notify", env, tmp_path) as notify,
            function(
                "dispatch", {**env, "SCAN_URL": scan.url, "NOTIFY_URL": notify.url}, tmp_path
            ) as dispatch,
        ):
            for token, expected in ((WRONG_TOKEN, 401), (SERVICE_TOKEN, 401)):
                assert _post(dispatch.url, token, {}).status_code == expected
                assert _post(scan.url, WRONG_TOKEN, {"channel_id": channels[0]}).status_code == 401
            world.faults.configure(error_rate=0.3, seed=3)
            slack.answer_next(2, 500, "server_error")
            for round_ in range(4):
                if round_ == 1:
                    for channel_id in channels:
                        for video in world.uploads(channel_id)[:2]:
                            world.delete(video.id)
                summary = _post(dispatch.url, DISPATCH_TOKEN, {}).json()
                assert "counts" in summary, summary
                get_engine(plain).dispose()
                with get_engine(plain).begin() as conn:
                    conn.exec_driver_sql("UPDATE channels SET next_scan_at = now() - interval '1s'")
                    conn.exec_driver_sql(
                        "UPDATE deliveries SET next_attempt_at = now() WHERE status = 'pending'"
                    )
            world.faults.clear()
            # The admin's basic auth works on notify too; the test message goes to the webhook.
            answer = httpx.post(
                notify.url, json={"mode": "test"}, auth=("admin", ADMIN_PASSWORD), timeout=60
            )
            assert answer.status_code == 200, answer.text
        cli = subprocess.run(
            [str(BIN / "ytdt"), "dispatch", "--json"],
            env={**env, "SCAN_URL": "", "NOTIFY_URL": ""},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert cli.returncode == 0, cli.stderr[-2000:]
        assert slack.delivered, "nothing reached the webhook: the workout did too little"
    drop_redis_prefix(prefix)
    return (
        "\n".join(path.read_text(errors="replace") for path in sorted(tmp_path.glob("*.log")))
        + cli.stderr
        + cli.stdout
    )


def test_no_secret_appears_in_any_log_line(logs: str) -> None:
    # The logs are the DEBUG kind: HTTP requests to YouTube and Slack, scans, errors.
    assert "DEBUG" in logs
    assert "scan aborted" in logs and "scan finished" in logs
    leaks = {
        secret: [line[:300] for line in logs.splitlines() if secret in line][:3]
        for secret in (*SECRETS, WRONG_TOKEN)
        if secret in logs
    }
    assert not leaks, leaks


def test_no_secret_in_logs_with_httpx_at_debug_in_process(
    migrated_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator who turns httpx and httpcore up to DEBUG still sees no key or webhook."""
    _truncate(get_engine(migrated_postgres))
    url = make_url(migrated_postgres).set(password=DB_PASSWORD).render_as_string(False)
    world = World(daily_quota=1_000_000)
    channel = world.add_channel(handle="@inprocess")
    world.generate_videos(channel.id, 120, seed=5)
    with FakeYouTube(world).start() as fake, SlackStub() as slack:
        webhook = f"http://127.0.0.1:{slack.port}/services/T0A1B2C3/B0D4E5F6/{WEBHOOK_SECRET}"
        point_at(fake)
        os.environ.update(
            DATABASE_URL=url,
            YOUTUBE_API_KEY=API_KEY,
            SERVICE_TOKEN=SERVICE_TOKEN,
            SLACK_WEBHOOK_URL=webhook,
            CONFIRM_SCANS="1",
            HTTP_MAX_RETRIES="2",
        )
        reset_settings()
        configure_logging("DEBUG", "text")
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        captured = io.StringIO()
        monkeypatch.setattr(sys, "stderr", captured)
        settings = get_settings()
        track_channels(get_engine(url), [channel.id])
        runtime.dispatcher(settings).dispatch()
        for video in world.uploads(channel.id)[:3]:
            world.delete(video.id)
        world.faults.fail_next(2, status=503)
        slack.answer_next(1, 500, "server_error")
        with get_engine(url).begin() as conn:
            conn.exec_driver_sql("UPDATE channels SET next_scan_at = now() - interval '1s'")
        runtime.dispatcher(settings).dispatch()
        for _ in range(2):
            Notifier.from_settings(settings, runtime.database(settings)).run("deliver", None)
            with get_engine(url).begin() as conn:
                conn.exec_driver_sql("UPDATE deliveries SET next_attempt_at = now()")
        assert slack.delivered
    output = captured.getvalue()
    assert "HTTP Request: GET" in output, "httpx request lines were not captured"
    assert "key=REDACTED" in output
    leaks = [secret for secret in SECRETS if secret in output]
    assert not leaks, [line for line in output.splitlines() if any(s in line for s in leaks)][:5]
