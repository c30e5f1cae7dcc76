"""Opaque keyset cursors: the last row's sort key, signed so a tampered cursor is refused.

A cursor is ``base64url(mac || json)``; the MAC (HMAC-SHA256, truncated to 16 bytes) covers the
route's scope and the values, so a cursor of one listing is refused by another and any edit is
caught. The key derives from the admin password: changing it invalidates old cursors, harmlessly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime

from common.errors import InvalidInput

__all__ = [
    "MAX_CURSOR_CHARS",
    "CursorCodec",
    "cursor_int",
    "cursor_str",
    "parse_time_key",
    "time_key",
]

MAX_CURSOR_CHARS = 512
_MAC_BYTES = 16
Value = str | int


def _bad(reason: str) -> InvalidInput:
    return InvalidInput(f"cursor: {reason}; use next_cursor from a previous answer", field="cursor")


class CursorCodec:
    """Encodes and checks keyset cursors with one secret key."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(b"ytdt admin cursor v1", secret.encode(), hashlib.sha256).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, scope: str, values: list[Value]) -> str:
        payload = json.dumps([scope, values], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._mac(payload) + payload).decode().rstrip("=")

    def decode(self, scope: str, cursor: str) -> list[Value]:
        """The values a cursor carries.

        Raises:
            InvalidInput: the cursor is malformed, tampered with, or from another listing.
        """
        if len(cursor) > MAX_CURSOR_CHARS:
            raise _bad("too long")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise _bad("not a cursor") from None
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, self._mac(payload)):
            raise _bad("not a cursor this server issued")
        try:
            found_scope, values = json.loads(payload)
        except (ValueError, TypeError):
            raise _bad("not a cursor") from None
        if found_scope != scope or not isinstance(values, list):
            raise _bad("issued for another listing")
        return values


def time_key(value: datetime) -> str:
    """A full-precision UTC instant for a cursor (isoformat keeps microseconds)."""
    return value.astimezone(UTC).isoformat()


def parse_time_key(value: object) -> datetime:
    if not isinstance(value, str):
        raise _bad("malformed")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad("malformed") from None
    if parsed.tzinfo is None:
        raise _bad("malformed")
    return parsed


def cursor_int(value: object) -> int:
    # bool is an int in Python; a signed cursor never holds one, but be exact anyway.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad("malformed")
    return value


def cursor_str(value: object) -> str:
    if not isinstance(value, str):
        raise _bad("malformed")
    return value
