"""Keyset cursors: round trip, and every kind of tampering refused as a 400 naming the cursor."""

from __future__ import annotations

import base64

import pytest

from common.admin.cursors import CursorCodec
from common.errors import InvalidInput

codec = CursorCodec("secret")


def test_round_trip() -> None:
    cursor = codec.encode("events", ["2024-05-01T00:00:00.123456+00:00", 42])
    assert codec.decode("events", cursor) == ["2024-05-01T00:00:00.123456+00:00", 42]
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor


def test_every_flipped_byte_is_refused() -> None:
    raw = bytearray(base64.urlsafe_b64decode(codec.encode("videos", ["t", "abc"]) + "=="))
    for index in range(len(raw)):
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        text = base64.urlsafe_b64encode(bytes(tampered)).decode().rstrip("=")
        with pytest.raises(InvalidInput) as caught:
            codec.decode("videos", text)
        assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "a", "x" * 513, base64.urlsafe_b64encode(b"short").decode()]
)
def test_garbage_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        codec.decode("events", cursor)


def test_scope_and_key_are_bound() -> None:
    cursor = codec.encode("events", ["t", 1])
    with pytest.raises(InvalidInput, match="another listing"):
        codec.decode("videos", cursor)
    with pytest.raises(InvalidInput, match="not a cursor this server issued"):
        CursorCodec("other secret").decode("events", cursor)
