"""The Makefile's runbook targets, with a stand-in flyctl that records what it is asked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RELEASES = [
    {"Version": 3, "Status": "complete", "ImageRef": "registry.fly.io/ytdt:deployment-v3"},
    {"Version": 4, "Status": "complete", "ImageRef": "registry.fly.io/ytdt:deployment-v4"},
    {"Version": 5, "Status": "failed", "ImageRef": "registry.fly.io/ytdt:deployment-v5"},
    {"Version": 6, "Status": "complete", "ImageRef": "registry.fly.io/ytdt:deployment-v6"},
]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.fixture
def flyctl(tmp_path: Path) -> Path:
    """A flyctl that answers `releases … --json` and logs every call to calls.log."""
    (tmp_path / "releases.json").write_text(json.dumps(RELEASES))
    script = tmp_path / "flyctl"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {tmp_path}/calls.log\n'
        f'case "$1" in releases) cat {tmp_path}/releases.json ;; esac\n'
    )
    script.chmod(0o755)
    return script


def make(*args: str, flyctl: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", *args, f"FLY={flyctl}", f"PYTHON={sys.executable}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(flyctl: Path) -> list[str]:
    log = flyctl.parent / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_rollback_deploys_the_image_of_the_newest_complete_release_before_the_current(
    flyctl: Path,
) -> None:
    result = make("rollback", flyctl=flyctl)
    assert result.returncode == 0, result.stderr
    assert calls(flyctl)[-1] == "deploy --app ytdt --image registry.fly.io/ytdt:deployment-v4"


def test_rollback_to_a_version_and_to_one_that_does_not_exist(flyctl: Path) -> None:
    assert make("rollback-to", "VERSION=3", flyctl=flyctl).returncode == 0
    assert calls(flyctl)[-1] == "deploy --app ytdt --image registry.fly.io/ytdt:deployment-v3"
    missing = make("rollback-to", "VERSION=99", flyctl=flyctl)
    assert missing.returncode != 0
    assert "no release 99" in missing.stderr
    assert not any(call.startswith("deploy") and "v99" in call for call in calls(flyctl))
    usage = make("rollback-to", flyctl=flyctl)
    assert usage.returncode != 0 and "usage: make rollback-to VERSION=" in usage.stdout


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("deploy", "deploy --app ytdt --remote-only"),
        ("status", "checks list --app ytdt"),
        ("logs", "logs --app ytdt"),
        ("list-releases", "releases --app ytdt --image"),
    ],
)
def test_fly_targets_call_flyctl_for_the_app_in_fly_toml(
    flyctl: Path, target: str, expected: str
) -> None:
    assert make(target, flyctl=flyctl).returncode == 0
    assert expected in calls(flyctl)


def test_every_runbook_target_exists() -> None:
    targets = ["test", "lint", "deploy", "status", "health", "logs", "rollback", "list-releases"]
    result = subprocess.run(
        ["make", "-n", *targets, "rollback-to", "VERSION=1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
