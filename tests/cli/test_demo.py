"""``ytdt demo`` exactly as the README runs it: a fresh folder, the embedded defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

YTDT = Path(sys.executable).parent / "ytdt"
EXPECTED = {
    "deleted": "One-pan lemon chicken in 30 minutes",
    "private": "Sourdough starter, day 1 to day 7",
    "unlisted": "Street food tour: Osaka night market",
    "removed": "Five sauces every cook should know",
    "changed": "Meal prep (2026)",
    "channel_terminated": "Gone Fishing",
}


def ytdt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # The README's command sets nothing: no DATABASE_URL, no keys, no Slack webhook.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "YOUTUBE_", "SLACK_", "SCAN_", "NOTIFY_", "REDIS_"))
    }
    return subprocess.run(
        [str(YTDT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_demo_detects_every_disappearance_shows_the_slack_messages_and_keeps_the_database(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    result = ytdt("demo", cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 60
    out = result.stdout
    assert "baseline: " in out and "nothing reported" in out
    assert "dispatch 1: scanned 4 channels" in out
    assert "dispatch 2: scanned 4 channels" in out
    assert "detected 6 events" in out
    for kind, title in EXPECTED.items():
        assert any(line.split()[:1] == [kind] and title in line for line in out.splitlines()), kind
    assert "6 Slack messages would be posted" in out
    assert "Video deleted: One-pan lemon chicken in 30 minutes" in out
    assert "Channel terminated: Gone Fishing" in out
    assert "Reason: copyright claim" in out
    assert (tmp_path / "ytdt.db").exists()

    events = ytdt("events", "--json", cwd=tmp_path)
    assert events.returncode == 0, events.stderr
    assert {e["kind"] for e in json.loads(events.stdout)} == set(EXPECTED)


def test_demo_runs_again_from_a_fresh_start_on_the_same_database(tmp_path: Path) -> None:
    assert ytdt("demo", cwd=tmp_path).returncode == 0
    again = ytdt("demo", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    events = json.loads(again.stdout)
    assert sorted(e["kind"] for e in events) == sorted(EXPECTED)
