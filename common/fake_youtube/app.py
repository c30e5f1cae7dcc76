"""Routing of the fake: the Data API (key, quota and faults first), oEmbed, feeds, thumbnails
and the control endpoints; every raised answer is turned into a response in ``handle``."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from common.errors import AppError, http_error
from common.fake_youtube import params
from common.fake_youtube.control import ControlApi
from common.fake_youtube.errors import ApiError, FakeHttpError, PlainError, google_error
from common.fake_youtube.faults import FaultTarget
from common.fake_youtube.httpio import Request, Response
from common.fake_youtube.render import (
    CHANNEL_PARTS,
    PLAYLIST_ITEM_PARTS,
    QUOTA_EXCEEDED,
    SEARCH_PARTS,
    VIDEO_PARTS,
    channel_item,
    fault_body,
    feed_xml,
    key_invalid,
    key_missing,
    list_body,
    oembed_body,
    playlist_item,
    search_channel_item,
    video_item,
)
from common.fake_youtube.thumbnails import THUMBNAIL_SIZES, thumbnail_jpeg
from common.fake_youtube.world import World

__all__ = ["FakeYouTubeApp"]

logger = logging.getLogger("common.fake_youtube")

_PLAYLIST_NOT_FOUND = (
    "The playlist identified with the request's <code>playlistId</code> parameter cannot be found."
)
_THUMBNAIL_NAMES = {name: (width, height) for name, width, height in THUMBNAIL_SIZES.values()}
_Route = Callable[[Request, dict[str, str]], Response]
_ApiHandler = Callable[[Request, str], dict[str, Any]]


class FakeYouTubeApp:
    """Answers requests from a ``World``; the server layer only moves bytes."""

    def __init__(self, world: World, *, public_url: str | None = None) -> None:
        self.world = world
        # Where thumbnail URLs point; by default the Host the client used to reach us.
        self.public_url = public_url.rstrip("/") if public_url else None
        self._control = ControlApi(world)
        self._closing = threading.Event()
        api: dict[str, tuple[str, _ApiHandler]] = {
            "channels": ("channels.list", self._channels),
            "playlistItems": ("playlistItems.list", self._playlist_items),
            "videos": ("videos.list", self._videos),
            "search": ("search.list", self._search),
        }
        self._api = api
        self._routes: list[tuple[re.Pattern[str], _Route]] = [
            (re.compile(r"/youtube/v3/(?P<method>[A-Za-z]+)"), self._api_call),
            (re.compile(r"/oembed"), self._oembed),
            (re.compile(r"/feeds/videos\.xml"), self._feed),
            (re.compile(r"/vi/(?P<id>[A-Za-z0-9_-]{11})/(?P<name>\w+)\.jpg"), self._thumbnail),
            (
                re.compile(r"/ytc/(?P<id>UC[A-Za-z0-9_-]{22})=s(?P<size>\d{1,4})[\w-]*"),
                self._avatar,
            ),
        ]

    def close(self) -> None:
        """Wake requests sleeping in a slow fault, so that a server can stop promptly."""
        self._closing.set()

    def reopen(self) -> None:
        """Let slow faults sleep again (the server starts anew)."""
        self._closing.clear()

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        try:
            if request.path.startswith("/_control/"):
                return self._control.handle(request)
            return self._route(request)
        except FakeHttpError as exc:
            return exc.response
        except AppError as exc:
            body, status = http_error(exc)
            return Response.json(body, status)
        except Exception:
            # The one place that catches everything: a bug in the fake must not kill a thread.
            logger.exception("fake YouTube failed on %s %s", request.method, request.path)
            return Response.json(fault_body(500), 500)

    def _route(self, request: Request) -> Response:
        for pattern, route in self._routes:
            match = pattern.fullmatch(request.path)
            if match is not None:
                if request.method not in ("GET", "HEAD"):
                    raise PlainError(405)
                return route(request, match.groupdict())
        raise PlainError(404)

    def _base(self, request: Request) -> str:
        return self.public_url or f"http://{request.header('host') or 'localhost'}"

    def _fault(self, target: FaultTarget, error: Callable[[int], FakeHttpError]) -> bool:
        """Apply the next injected fault, if any; True when the request was faulted (slowed)."""
        fault = self.world.faults.draw(target)
        if fault is None:
            return False
        if fault.delay > 0:
            self._closing.wait(fault.delay)
        if fault.status is not None:
            raise error(fault.status)
        return True

    # -- Data API ------------------------------------------------------------------------------

    def _api_call(self, request: Request, match: dict[str, str]) -> Response:
        entry = self._api.get(match["method"])
        if entry is None:
            raise ApiError(404, google_error(404, "Not Found", "notFound", status="NOT_FOUND"))
        method, handler = entry
        faulted = self._fault("api", lambda status: ApiError(status, fault_body(status)))
        key = request.arg("key") or request.header("x-goog-api-key")
        if not key:
            raise ApiError(403, key_missing())
        if not self.world.accepts_key(key):
            raise ApiError(400, key_invalid())
        # Injected faults never cost quota; invalid requests do, as on YouTube.
        if not self.world.quota.try_spend(method, charge=not faulted):
            raise ApiError(403, QUOTA_EXCEEDED)
        body = handler(request, self._base(request))
        return Response.json(body, pretty=request.arg("prettyPrint") == "true")

    def _channels(self, request: Request, base: str) -> dict[str, Any]:
        parts = params.parts(request, CHANNEL_PARTS)
        filters = [
            name
            for name in ("id", "forHandle", "forUsername", "mine", "managedByMe")
            if request.arg(name) is not None
        ]
        if not filters:
            raise params.missing_filter("forUsername, managedByMe, mine, forHandle, id")
        if len(filters) > 1:
            raise ApiError.bad_parameter(
                f"Incompatible parameters specified in the request: {', '.join(filters)}",
                "incompatibleParameters",
                "parameters.",
            )
        per_page = params.max_results(request)
        ids: list[str] = []
        if filters[0] == "id":
            ids = params.id_list(request.joined("id") or "")
        elif filters[0] in ("mine", "managedByMe"):
            message = "Request is missing required authentication credential."
            raise ApiError(401, google_error(401, message, "required", status="UNAUTHENTICATED"))
        else:
            name = request.arg(filters[0]) or ""
            if filters[0] == "forHandle":
                found = self.world.channel_id_by_name("handle", "@" + name.removeprefix("@"))
            else:
                found = self.world.channel_id_by_name("username", name)
            ids = [found] if found else []
        quoted = self.world.quoted_etags
        items = [
            channel_item(
                summary.channel,
                parts,
                public_videos=summary.public_videos,
                views=summary.views,
                base=base,
                quoted=quoted,
            )
            for summary in self.world.live_channels(ids)
        ]
        return list_body(
            "youtube#channelListResponse",
            items,
            total=len(items),
            per_page=per_page,
            quoted=quoted,
            omit_empty=self.world.omit_empty_items,
        )

    def _playlist_items(self, request: Request, base: str) -> dict[str, Any]:
        parts = params.parts(request, PLAYLIST_ITEM_PARTS)
        playlist_id = request.arg("playlistId")
        if not playlist_id:
            raise params.missing_filter("id, playlistId")
        limit = params.max_results(request)
        offset = params.decode_page_token(request.arg("pageToken"))
        page = self.world.playlist_page(playlist_id, offset, limit)
        if page is None:
            body = google_error(
                404,
                _PLAYLIST_NOT_FOUND,
                "playlistNotFound",
                domain="youtube.playlistItem",
                location="playlistId",
            )
            raise ApiError(404, body)
        quoted = self.world.quoted_etags
        items = [
            playlist_item(video, page.channel, offset + index, parts, base=base, quoted=quoted)
            for index, video in enumerate(page.videos)
        ]
        more = limit > 0 and offset + limit < page.end
        return list_body(
            "youtube#playlistItemListResponse",
            items,
            total=page.total,
            per_page=limit,
            quoted=quoted,
            next_token=params.encode_page_token(offset + limit) if more else None,
            prev_token=params.encode_page_token(max(offset - limit, 0)) if offset else None,
        )

    def _videos(self, request: Request, base: str) -> dict[str, Any]:
        parts = params.parts(request, VIDEO_PARTS)
        raw = request.joined("id")
        if raw is None:
            raise params.missing_filter("chart, id, myRating")
        quoted = self.world.quoted_etags
        items = [
            video_item(video, channel, parts, base=base, quoted=quoted)
            for video, channel in self.world.listed_videos(params.id_list(raw))
        ]
        return list_body(
            "youtube#videoListResponse",
            items,
            total=len(items),
            per_page=len(items),
            quoted=quoted,
        )

    def _search(self, request: Request, base: str) -> dict[str, Any]:
        parts = params.parts(request, SEARCH_PARTS)
        limit = params.max_results(request)
        offset = params.decode_page_token(request.arg("pageToken"))
        types = (request.arg("type") or "video,channel,playlist").split(",")
        # Only channels are indexed: the tracker searches to resolve /c/NAME style inputs.
        ids = self.world.search_channels(request.arg("q") or "") if "channel" in types else []
        quoted = self.world.quoted_etags
        items = [
            search_channel_item(summary.channel, parts, base=base, quoted=quoted)
            for summary in self.world.live_channels(ids[offset : offset + limit])
        ]
        more = limit > 0 and offset + limit < len(ids)
        return list_body(
            "youtube#searchListResponse",
            items,
            total=len(ids),
            per_page=limit,
            quoted=quoted,
            next_token=params.encode_page_token(offset + limit) if more else None,
            prev_token=params.encode_page_token(max(offset - limit, 0)) if offset else None,
            region_code="US",
        )

    # -- web endpoints (no key, no quota) ----------------------------------------------------

    def _oembed(self, request: Request, _: dict[str, str]) -> Response:
        self._fault("oembed", PlainError)
        video_id = params.video_id_from_url(request.arg("url"))
        if video_id is None:
            raise PlainError(400)
        if (request.arg("format") or "json") != "json":
            raise PlainError(501)
        found = self.world.find_video(video_id)
        if found is None or found[1].terminated:
            raise PlainError(404)
        video, channel = found
        if video.state == "private":
            raise PlainError(401)
        if video.state in ("deleted", "rejected"):
            raise PlainError(404)
        if not video.embeddable:
            raise PlainError(401)
        return Response.json(oembed_body(video, channel, base=self._base(request)))

    def _feed(self, request: Request, _: dict[str, str]) -> Response:
        self._fault("feed", PlainError)
        channel_id = request.arg("channel_id")
        playlist_id = request.arg("playlist_id")
        if channel_id is None and playlist_id and playlist_id.startswith("UU"):
            channel_id = "UC" + playlist_id[2:]
        if not channel_id:
            raise PlainError(400)
        found = self.world.feed(channel_id)
        if found is None:
            raise PlainError(404)
        channel, videos = found
        xml = feed_xml(channel, videos, base=self._base(request))
        return Response(200, xml.encode(), "text/xml; charset=UTF-8")

    def _thumbnail(self, request: Request, match: dict[str, str]) -> Response:
        self._fault("thumbnail", PlainError)
        size = _THUMBNAIL_NAMES.get(match["name"])
        found = self.world.find_video(match["id"])
        if size is None or found is None:
            raise PlainError(404)
        video, channel = found
        if video.state in ("private", "deleted") or channel.terminated:
            raise PlainError(404)
        image = thumbnail_jpeg(video.id, video.thumbnail_version, *size)
        return Response(200, image, "image/jpeg")

    def _avatar(self, request: Request, match: dict[str, str]) -> Response:
        self._fault("thumbnail", PlainError)
        size = int(match["size"])
        found = self.world.live_channels([match["id"]])
        if not found or not 1 <= size <= 2560:
            raise PlainError(404)
        return Response(200, thumbnail_jpeg(match["id"], 0, size, size), "image/jpeg")
