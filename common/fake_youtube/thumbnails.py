"""Tiny deterministic JPEG thumbnails: one solid colour per video and thumbnail version."""

from __future__ import annotations

import functools
import hashlib
import struct

__all__ = ["THUMBNAIL_SIZES", "solid_jpeg", "thumbnail_jpeg"]

# The names and sizes YouTube serves under i.ytimg.com/vi/<id>/<name>.jpg.
THUMBNAIL_SIZES: dict[str, tuple[str, int, int]] = {
    "default": ("default", 120, 90),
    "medium": ("mqdefault", 320, 180),
    "high": ("hqdefault", 480, 360),
    "standard": ("sddefault", 640, 480),
    "maxres": ("maxresdefault", 1280, 720),
}

# Baseline JPEG, no subsampling, a quantisation table of ones: a solid 8x8 block then has only
# a DC coefficient, 8 * (level - 128), and every AC run is the end-of-block symbol.
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))


def _canonical_codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, str]:
    """Huffman codes (as bit strings) of a JPEG DHT table, in canonical order."""
    codes: dict[int, str] = {}
    code = 0
    index = 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[index]] = format(code, f"0{length}b")
            code += 1
            index += 1
        code <<= 1
    return codes


_DC_CODES = _canonical_codes(_DC_BITS, _DC_VALUES)
_EOB = "0"  # the AC table holds a single symbol, 0x00 (end of block), coded as one 0 bit


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _dc_bits(diff: int) -> str:
    """The Huffman category code and magnitude bits of one DC difference."""
    size = abs(diff).bit_length()
    if size == 0:
        return _DC_CODES[0]
    magnitude = diff if diff > 0 else diff + (1 << size) - 1
    return _DC_CODES[size] + format(magnitude, f"0{size}b")


@functools.lru_cache(maxsize=2048)
def solid_jpeg(rgb: tuple[int, int, int], width: int, height: int, comment: str = "") -> bytes:
    """A valid baseline JPEG of ``width`` x ``height`` pixels filled with one colour."""
    r, g, b = rgb
    levels = (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
    dcs = [round(8 * (min(max(level, 0.0), 255.0) - 128)) for level in levels]
    blocks = -(-width // 8) * -(-height // 8)
    first = "".join(_dc_bits(dc) + _EOB for dc in dcs)
    # Later blocks repeat the colour: a zero DC difference and end-of-block, per component.
    rest = (_DC_CODES[0] + _EOB) * 3 * (blocks - 1)
    bits = first + rest
    bits += "1" * (-len(bits) % 8)
    data = int(bits, 2).to_bytes(len(bits) // 8, "big").replace(b"\xff", b"\xff\x00")

    components = b"".join(bytes((index, 0x11, 0)) for index in (1, 2, 3))
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xFE, comment.encode()) if comment else b"",
            _segment(0xDB, b"\x00" + b"\x01" * 64),
            _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components),
            _segment(0xC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES)),
            _segment(0xC4, b"\x10" + bytes((1,) + (0,) * 15) + b"\x00"),
            _segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00"),
            data,
            b"\xff\xd9",
        )
    )


def thumbnail_jpeg(key: str, version: int, width: int, height: int) -> bytes:
    """The thumbnail of ``key`` (a video or channel id) at ``version``: same inputs, same bytes."""
    digest = hashlib.blake2b(f"{key}:{version}".encode(), digest_size=3).digest()
    rgb = (digest[0], digest[1], digest[2])
    return solid_jpeg(rgb, width, height, f"fake-youtube {key} v{version}")
