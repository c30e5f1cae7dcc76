"""YouTube Data API v3 client over an injected ``httpx.Client``: typed answers, costs, retries."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from common.errors import ConfigError, InvalidInput, NotFound, UpstreamUnavailable
from common.logs import REDACTED, install_log_redaction, redact
from common.youtube.channel_input import parse_channel_input
from common.youtube.error_map import classify
from common.youtube.feed import parse_feed_video_ids
from common.youtube.models import Channel, ListResponse, PlaylistItem, SearchResult, Video

__all__ = ["BATCH_SIZE", "COSTS", "OembedStatus", "UploadsPage", "YouTubeClient"]

log = logging.getLogger(__name__)

# Quota units per request (https://developers.google.com/youtube/v3/determine_quota_cost).
COSTS = {"channels.list": 1, "playlistItems.list": 1, "videos.list": 1, "search.list": 100}
BATCH_SIZE = 50
MAX_RETRY_AFTER_S = 30.0
_MIN_KEY_CHARS = 8

OembedStatus = Literal["public", "private", "gone", "unknown"]
_OEMBED: dict[int, OembedStatus] = {
    200: "public",
    401: "private",
    403: "private",
    404: "gone",
    400: "gone",
}

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_PLAYLIST_ID = re.compile(r"[A-Za-z0-9_-]{2,64}")
# Failures raised before the request left this process: YouTube cannot have charged them.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class UploadsPage:
    """One page of a playlist; ``next_page_token`` is None on the last page."""

    items: list[PlaylistItem]
    next_page_token: str | None
    total_results: int | None


def _checked(ids: Sequence[str], pattern: re.Pattern[str], what: str) -> list[str]:
    """Deduplicate ids (keeping order) and refuse malformed ones before spending quota."""
    if isinstance(ids, str):
        raise InvalidInput(f"expected a sequence of {what}s, got a single string")
    unique = list(dict.fromkeys(ids))
    bad = [i for i in unique if not pattern.fullmatch(i)]
    if bad:
        raise InvalidInput(f"malformed {what}: {bad[0][:40]!r}")
    return unique


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


class YouTubeClient:
    """Calls YouTube for the tracker; thread-safe as long as the injected ``httpx.Client`` is.

    Every API request sends ``key=`` and reports its quota cost through ``on_cost(method, units)``
    as soon as its answer (or a failure after sending) comes back, before the answer is used.
    """

    def __init__(
        self,
        http: httpx.Client,
        api_key: str,
        *,
        base_url: str = "https://www.googleapis.com/youtube/v3",
        oembed_url: str = "https://www.youtube.com/oembed",
        feed_url: str = "https://www.youtube.com/feeds/videos.xml",
        max_retries: int = 3,
        backoff_s: float = 0.5,
        on_cost: Callable[[str, int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key.strip():
            raise ConfigError("a YouTube API key is required (YOUTUBE_API_KEY)")
        if max_retries < 0 or backoff_s < 0:
            raise ConfigError("max_retries and backoff_s must not be negative")
        self._http = http
        self._api_key = SecretStr(api_key)
        self._base_url = base_url.rstrip("/")
        self._oembed_url = oembed_url
        self._feed_url = feed_url
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._on_cost = on_cost
        self._sleep = sleep
        self._lock = threading.Lock()
        self._units_spent = 0
        install_log_redaction()

    def __repr__(self) -> str:
        return f"<YouTubeClient base_url={self._base_url!r} units_spent={self.units_spent}>"

    @property
    def units_spent(self) -> int:
        """Quota units charged by the requests this client has sent."""
        with self._lock:
            return self._units_spent

    # --- channels ----------------------------------------------------------------------------

    def channels(self, ids: Sequence[str]) -> list[Channel]:
        """Channels by id (50 per request); ids YouTube does not know are simply absent."""
        found: list[Channel] = []
        for batch in _batches(_checked(ids, _CHANNEL_ID, "channel id")):
            found += self._channel_list({"id": ",".join(batch)})
        return found

    def channel_by_handle(self, handle: str) -> Channel | None:
        """The channel with this ``@handle`` (the ``@`` is optional), or None."""
        value = handle.strip()
        if not value.lstrip("@"):
            raise InvalidInput("the handle is empty")
        return self._first_channel({"forHandle": value if value.startswith("@") else f"@{value}"})

    def channel_by_username(self, name: str) -> Channel | None:
        """The channel of a legacy ``/user/NAME`` user name, or None."""
        if not name.strip():
            raise InvalidInput("the user name is empty")
        return self._first_channel({"forUsername": name.strip()})

    def search_channel(self, query: str) -> Channel | None:
        """The top channel search result for ``query`` (costs 100 units, then 1), or None."""
        if not query.strip():
            raise InvalidInput("the search query is empty")
        params = {"part": "snippet", "type": "channel", "q": query.strip(), "maxResults": "1"}
        results = self._list(
            "search.list", "search", params, ListResponse[SearchResult], require_items=False
        )
        ids = [r.id.channel_id for r in results.items or [] if r.id.channel_id]
        found = self.channels(ids[:1]) if ids else []
        return found[0] if found else None

    def resolve_channel(self, text: str) -> Channel:
        """Find the channel a user typed (id, @handle or channel URL).

        Raises:
            InvalidInput: the text is not a channel reference (no API call is made).
            NotFound: YouTube has no such channel.
        """
        ref = parse_channel_input(text)
        channel: Channel | None
        if ref.kind == "id":
            found = self.channels([ref.value])
            channel = found[0] if found else None
        elif ref.kind == "handle":
            channel = self.channel_by_handle(ref.value)
        elif ref.kind == "username":
            channel = self.channel_by_username(ref.value)
        else:
            channel = self._custom_channel(ref.value)
        if channel is None:
            hint = (
                ": an old /c/ name is only found when it is also the channel's handle or its "
                "custom URL; paste the channel's @handle or /channel/UC… address instead"
                if ref.kind == "custom"
                else ""
            )
            raise NotFound(f"YouTube has no channel for {text.strip()[:200]!r}{hint}")
        return channel

    def _custom_channel(self, name: str) -> Channel | None:
        # No API looks up /c/NAME: most became handles; search is fuzzy, so its answer must match.
        channel = self.channel_by_handle(f"@{name}") if 3 <= len(name) <= 30 else None
        if channel is None:
            channel = self.search_channel(name)
        wanted = {name.lower(), f"@{name.lower()}"}
        if channel is None or (channel.custom_url or "").lower() not in wanted:
            return None
        return channel

    def _first_channel(self, params: dict[str, str]) -> Channel | None:
        found = self._channel_list(params)
        return found[0] if found else None

    def _channel_list(self, params: dict[str, str]) -> list[Channel]:
        params = {"part": "snippet,contentDetails,statistics", **params}
        # channels.list leaves out "items" altogether when nothing matches.
        answer = self._list(
            "channels.list", "channels", params, ListResponse[Channel], require_items=False
        )
        return answer.items or []

    # --- uploads and videos ------------------------------------------------------------------

    def uploads_page(self, playlist_id: str, page_token: str | None = None) -> UploadsPage:
        """One page (up to 50) of a playlist, newest first for an uploads playlist.

        Raises:
            UpstreamNotFound: the playlist does not exist (for ``UU…``: the channel is gone).
        """
        _checked([playlist_id], _PLAYLIST_ID, "playlist id")
        params = {
            "part": "snippet,contentDetails,status",
            "playlistId": playlist_id,
            "maxResults": str(BATCH_SIZE),
        }
        if page_token:
            params["pageToken"] = page_token
        answer = self._list(
            "playlistItems.list", "playlistItems", params, ListResponse[PlaylistItem]
        )
        total = answer.page_info.total_results if answer.page_info else None
        return UploadsPage(answer.items or [], answer.next_page_token or None, total)

    def iter_uploads(self, playlist_id: str) -> Iterator[UploadsPage]:
        """Every page of a playlist in order; a failure raises, it never ends the walk early."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.uploads_page(playlist_id, token)
            yield page
            token = page.next_page_token
            if token is None:
                return
            if token in seen:
                raise UpstreamUnavailable("YouTube playlistItems.list repeated a page token")
            seen.add(token)

    def videos(self, ids: Sequence[str]) -> list[Video]:
        """Videos by id (deduplicated, 50 per request); only what YouTube returned."""
        found: list[Video] = []
        for batch in _batches(_checked(ids, _VIDEO_ID, "video id")):
            params = {"part": "snippet,contentDetails,status,statistics", "id": ",".join(batch)}
            found += self._list("videos.list", "videos", params, ListResponse[Video]).items or []
        return found

    # --- zero-quota probes -------------------------------------------------------------------

    def oembed_probe(self, video_id: str) -> OembedStatus:
        """Ask oEmbed whether a video is public, private or gone (no key, no quota, no retry)."""
        _checked([video_id], _VIDEO_ID, "video id")
        params = {"url": f"https://www.youtube.com/watch?v={video_id}", "format": "json"}
        try:
            response = self._http.get(self._oembed_url, params=params)
        except httpx.HTTPError:
            return "unknown"
        return _OEMBED.get(response.status_code, "unknown")

    def feed_video_ids(self, channel_id: str) -> list[str] | None:
        """Video ids of the channel's Atom feed (newest uploads, no quota); None on 404.

        Raises:
            UpstreamUnavailable: after retries, or the feed is not well-formed XML.
            UpstreamError: any other failure.
        """
        _checked([channel_id], _CHANNEL_ID, "channel id")
        response = self._send(
            "feed", self._feed_url, {"channel_id": channel_id}, 0, frozenset({404})
        )
        if response.status_code == 404:
            return None
        try:
            return parse_feed_video_ids(response.content)
        except ValueError as exc:
            raise UpstreamUnavailable(f"YouTube feed unreadable: {exc}") from None

    # --- transport ---------------------------------------------------------------------------

    def _list(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        shape: type[ListResponse[M]],
        *,
        require_items: bool = True,
    ) -> ListResponse[M]:
        """Send one API request and parse the whole answer, or raise; never a partial answer."""
        params = {**params, "key": self._api_key.get_secret_value()}
        response = self._send(method, f"{self._base_url}/{path}", params, COSTS[method])
        try:
            answer = shape.model_validate_json(response.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise UpstreamUnavailable(
                f"YouTube {method} sent a malformed answer ({exc.error_count()} problems, "
                f"first at {where}: {first['msg']})"
            ) from None
        # An empty search or channels answer omits "items" but keeps "pageInfo"; an answer with
        # neither is not a real "nothing found" and must not be read as one.
        if answer.items is None and (require_items or answer.page_info is None):
            raise UpstreamUnavailable(f"YouTube {method} sent an answer without items")
        return answer

    def _send(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        cost: int,
        passthrough: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """GET with retries: a 2xx (or ``passthrough``) answer, else a typed error."""
        for attempt in range(self._max_retries + 1):
            retry_after: float | None = None
            try:
                response = self._http.get(url, params=params)
            except _NOT_SENT as exc:
                problem = self._describe(exc)
            except httpx.TransportError as exc:
                self._charge(method, cost)
                problem = self._describe(exc)
            else:
                self._charge(method, cost)
                status = response.status_code
                if response.is_success or status in passthrough:
                    return response
                failure = classify(method, status, response.content)
                if not failure.retryable:
                    raise failure.error(self._scrub(failure.message)) from None
                problem, retry_after = self._scrub(failure.message), _retry_after(response)
            if attempt == self._max_retries:
                break
            delay = self._delay(attempt, retry_after)
            log.warning(
                "YouTube %s failed, retrying in %.2fs: %s",
                method,
                delay,
                problem,
                extra={"youtube_method": method, "attempt": attempt + 1, "delay_s": delay},
            )
            self._sleep(delay)
        raise UpstreamUnavailable(
            f"YouTube {method} unavailable after {self._max_retries + 1} attempts: {problem}"
        )

    def _charge(self, method: str, units: int) -> None:
        if units <= 0:
            return
        with self._lock:
            self._units_spent += units
        if self._on_cost is not None:
            self._on_cost(method, units)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        # Full jitter: spreads the retries of parallel scans instead of synchronising them.
        delay = random.uniform(0, self._backoff_s * 2**attempt)  # noqa: S311 - jitter, not crypto
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_S))
        return delay

    def _describe(self, exc: httpx.HTTPError) -> str:
        # httpx messages may carry the request URL, key included: scrub before use.
        return self._scrub(f"{type(exc).__name__}: {exc}")

    def _scrub(self, text: str) -> str:
        key = self._api_key.get_secret_value()
        text = redact(text)
        # Belt and braces for a key echoed outside a query string; short test keys would
        # otherwise mangle ordinary words.
        return text.replace(key, REDACTED) if len(key) >= _MIN_KEY_CHARS else text


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
