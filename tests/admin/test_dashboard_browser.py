"""The dashboard as a person sees it: loaded from a running admin function in headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from functions_framework import create_app
from werkzeug.serving import make_server

from common.settings import reset_settings
from tests.admin.support import PASSWORD, SCRIPT_TITLE, USER, seed
from tests.functions.conftest import FUNCTIONS
from tests.support import Tracker

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def admin_url(tracker: Tracker) -> Iterator[str]:
    """The admin function served over real HTTP on a free port (threaded werkzeug server)."""
    os.environ.update(ADMIN_USERNAME=USER, ADMIN_PASSWORD=PASSWORD)
    reset_settings()
    app: Any = create_app("admin", str(FUNCTIONS / "admin" / "main.py"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(10)


class _Visible(HTMLParser):
    """Collects the page's text and its elements, as the browser built them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def dump_dom(url: str, profile: Path) -> str:
    assert CHROMIUM is not None, "Chromium is not installed: .ci/run installs Debian's chromium"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    return result.stdout


# Skipped only on a developer's machine without Chromium: in CI (.ci/run installs it) it must run.
@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Chromium is not installed"
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_person_sees_the_preserved_title_and_reason_and_no_injected_script(
    tracker: Tracker, admin_url: str, tmp_path: Path
) -> None:
    seeded = seed(tracker)
    host = admin_url.removeprefix("http://")
    dom = dump_dom(f"http://{USER}:{PASSWORD.replace(' ', '%20')}@{host}", tmp_path / "profile")
    page = _Visible()
    page.feed(dom)
    text = " ".join(" ".join(page.text).split())
    # The disappeared videos, as they were, and why they went.
    assert SCRIPT_TITLE in text  # shown as text …
    assert "script" not in page.tags  # … never turned into an element, never run
    assert "pwned" not in dom.split("<title>")[1].split("</title>")[0]
    assert "Video removed by YouTube" in text
    assert "copyright claim" in text
    assert "Video deleted" in text
    assert "oEmbed says gone" in text
    assert seeded.deleted in text
    assert "Quota used today" in text
