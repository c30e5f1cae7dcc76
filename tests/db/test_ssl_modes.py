"""libpq's sslmode, as pg8000 gets it: the SSL context both the engine and health's probe use."""

from __future__ import annotations

import ssl

import pytest

from common.db import ssl_context_for


@pytest.mark.parametrize(
    ("mode", "verify", "hostname"),
    [
        ("require", ssl.CERT_NONE, False),  # encrypted, the certificate not checked
        ("verify-ca", ssl.CERT_REQUIRED, False),  # the CA checked, not the name
        ("verify-full", ssl.CERT_REQUIRED, True),
    ],
)
def test_each_sslmode_checks_what_libpq_checks(mode: str, verify: int, hostname: bool) -> None:
    context = ssl_context_for(mode)
    assert (context.verify_mode, context.check_hostname) == (verify, hostname)
