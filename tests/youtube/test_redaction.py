"""``redact`` hides key values and nothing else."""

from __future__ import annotations

import logging

import pytest

from common.logs import RedactingFilter
from common.youtube import redact

SECRET = "AIzaSySecretValue_123-xyz"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"https://www.googleapis.com/youtube/v3/videos?part=id&key={SECRET}&id=abc",
            "https://www.googleapis.com/youtube/v3/videos?part=id&key=REDACTED&id=abc",
        ),
        (f"GET /videos?key={SECRET}", "GET /videos?key=REDACTED"),
        (f"URL('https://x.test/v?KEY={SECRET}')", "URL('https://x.test/v?KEY=REDACTED')"),
        (f"https://x.test/?api_key={SECRET}#frag", "https://x.test/?api_key=REDACTED#frag"),
        (f'"url": "https://x.test/?key={SECRET}"', '"url": "https://x.test/?key=REDACTED"'),
        ("https://x.test/?part=snippet&id=1", "https://x.test/?part=snippet&id=1"),
        ("key words without equals", "key words without equals"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_filter_rewrites_formatted_message() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, "", 0, "HTTP Request: %s", (f"/v?key={SECRET}",), None
    )
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "HTTP Request: /v?key=REDACTED"
