"""Query parameters of the Data API, checked the way YouTube checks them (400 with its body)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qs, urlsplit

from common.fake_youtube.errors import ApiError, google_error
from common.fake_youtube.httpio import Request
from common.fake_youtube.model import VIDEO_ID_RE

__all__ = [
    "decode_page_token",
    "encode_page_token",
    "id_list",
    "max_results",
    "missing_filter",
    "parts",
    "video_id_from_url",
]

MAX_IDS = 50
_TOKEN_RE = re.compile(r"PT:(\d{1,9})")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
_PATH_ID_RE = re.compile(r"/(?:shorts|embed|live|v)/([A-Za-z0-9_-]{11})/?")


def parts(request: Request, allowed: frozenset[str]) -> frozenset[str]:
    """The requested ``part`` values; 400 when missing or naming an unknown part."""
    raw = request.joined("part")
    wanted = frozenset(part.strip() for part in (raw or "").split(",") if part.strip())
    if not wanted:
        body = google_error(400, "Required parameter: part", "required", location="part")
        raise ApiError(400, body)
    unknown = sorted(wanted - allowed)
    if unknown:
        message = f"'{unknown[0]}'"
        body = google_error(400, message, "unknownPart", domain="youtube.part", location="part")
        raise ApiError(400, body)
    return wanted


def missing_filter(expected: str) -> ApiError:
    """The 400 for a list call without any of its filters."""
    return ApiError.bad_parameter(
        f"No filter selected. Expected one of: {expected}",
        "missingRequiredParameter",
        "parameters.",
    )


def max_results(request: Request, default: int = 5) -> int:
    """``maxResults`` in [0, 50]; 400 otherwise."""
    raw = request.arg("maxResults")
    if raw is None:
        return default
    value = int(raw) if raw.isdigit() else -1
    if not 0 <= value <= MAX_IDS:
        message = f"Invalid value '{raw}'. Values must be within the range: [0, 50]"
        raise ApiError(400, google_error(400, message, "invalid", location="maxResults"))
    return value


def id_list(raw: str) -> list[str]:
    """Comma-separated ids, at most 50; more is YouTube's invalidFilters 400."""
    ids = [value.strip() for value in raw.split(",") if value.strip()]
    if len(ids) > MAX_IDS:
        raise ApiError.bad_parameter(
            "The request specifies an invalid filter parameter.", "invalidFilters", "parameters."
        )
    return ids


def encode_page_token(offset: int) -> str:
    """An opaque page token for a list position."""
    return base64.urlsafe_b64encode(f"PT:{offset}".encode()).decode().rstrip("=")


def decode_page_token(raw: str | None) -> int:
    """The position a page token stands for (0 without one); 400 invalidPageToken otherwise."""
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _TOKEN_RE.fullmatch(text)
    if match is None:
        raise ApiError.bad_parameter(
            "The request specifies an invalid page token.", "invalidPageToken", "pageToken"
        )
    return int(match.group(1))


def video_id_from_url(url: str | None) -> str | None:
    """The video id of a YouTube watch, short, embed or youtu.be URL; None if it is not one."""
    if not url:
        return None
    parts_ = urlsplit(url)
    host = (parts_.hostname or "").lower()
    candidate: str | None = None
    if host == "youtu.be":
        candidate = parts_.path.strip("/")
    elif host in _YOUTUBE_HOSTS:
        if parts_.path == "/watch":
            candidate = (parse_qs(parts_.query).get("v") or [""])[0]
        elif match := _PATH_ID_RE.fullmatch(parts_.path):
            candidate = match.group(1)
    if candidate and VIDEO_ID_RE.fullmatch(candidate):
        return candidate
    return None
