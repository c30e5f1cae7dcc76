"""``/_control/…``: JSON endpoints that change the world, the clock, quota and faults.

Bad input answers 400 and unknown ids 404, with the project's error body
``{"error": {"code", "message", "field"?}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from common.errors import AppError, InvalidInput, NotFound
from common.fake_youtube.faults import FaultTarget
from common.fake_youtube.httpio import Request, Response
from common.fake_youtube.model import RejectionReason, Video
from common.fake_youtube.scenario import (
    ChannelSpec,
    RegionStr,
    VideoSpec,
    describe_validation_error,
)
from common.fake_youtube.world import World, channel_record, iso_z, video_record

__all__ = ["ControlApi", "MethodNotAllowed"]

_Model = TypeVar("_Model", bound=BaseModel)


class MethodNotAllowed(AppError):
    """The path exists but not for this HTTP method."""

    code = "method_not_allowed"
    status = 405


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Empty(_Body):
    pass


class _Reject(_Body):
    reason: RejectionReason


class _Geoblock(_Body):
    regions: Annotated[list[RegionStr], Field(min_length=1)]


class _Unblock(_Body):
    regions: list[RegionStr] | None = None


class _AllowOnly(_Body):
    # Empty is meaningful: viewable nowhere.
    regions: list[RegionStr]


class _Retitle(_Body):
    title: Annotated[str, Field(min_length=1)]
    description: str | None = None


class _Embeddable(_Body):
    embeddable: bool


class _Counts(_Body):
    view_count: Annotated[int, Field(ge=0)] | None = None
    like_count: Annotated[int, Field(ge=0)] | None = None
    comment_count: Annotated[int, Field(ge=0)] | None = None


class _Generate(_Body):
    count: Annotated[int, Field(ge=1, le=1_000_000)]
    seed: int = 0


class _FailNext(_Body):
    count: Annotated[int, Field(ge=1)] = 1
    status: Annotated[int, Field(ge=400, le=599)] | None = 500
    delay: Annotated[float, Field(ge=0, le=600)] = 0.0
    target: FaultTarget = "api"

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        if self.status is None and self.delay == 0:
            raise ValueError("a one-shot fault needs a status, a delay, or both")
        return self


class _Faults(_Body):
    error_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    slow_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    slow_seconds: Annotated[float, Field(ge=0, le=600)] | None = None
    seed: int | None = None
    fail_next: _FailNext | None = None
    clear: bool = False


class _Quota(_Body):
    daily_quota: Annotated[int, Field(ge=0)]


class _Advance(_Body):
    seconds: float


class _SetClock(_Body):
    now: datetime

    @model_validator(mode="after")
    def _aware(self) -> Self:
        if self.now.tzinfo is None:
            raise ValueError("now needs a time zone, e.g. 2024-05-01T12:00:00Z")
        return self


def _body(request: Request, model: type[_Model]) -> _Model:
    raw = request.body.strip() or b"{}"
    try:
        data = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an int past 4300 digits
        raise InvalidInput(f"the request body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise InvalidInput("the request body is nested too deeply") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message, field = describe_validation_error(exc)
        raise InvalidInput(message, field=field) from exc


_Handler = Callable[[Request, dict[str, str]], Response]


class ControlApi:
    """Routes ``/_control/…`` requests to the world; errors are raised as ``AppError``."""

    def __init__(self, world: World) -> None:
        self.world = world
        # Actions without a body (an empty JSON object is accepted) and actions with one.
        self._plain_actions: dict[str, Callable[[str], Video]] = {
            "delete": world.delete,
            "privatize": world.privatize,
            "unlist": world.unlist,
            "publish": world.publish,
            "age_restrict": world.age_restrict,
            "unage": lambda video_id: world.age_restrict(video_id, on=False),
            "set_thumbnail": world.set_thumbnail,
            "allow_everywhere": world.allow_everywhere,
        }
        self._body_actions: dict[str, Callable[[str, Request], Video]] = {
            "reject": lambda vid, req: world.reject(vid, _body(req, _Reject).reason),
            "geoblock": lambda vid, req: world.geoblock(vid, _body(req, _Geoblock).regions),
            "unblock": lambda vid, req: world.unblock(vid, _body(req, _Unblock).regions),
            "allow_only": lambda vid, req: world.allow_only(vid, _body(req, _AllowOnly).regions),
            "retitle": self._retitle,
            "set_embeddable": lambda vid, req: world.set_embeddable(
                vid, _body(req, _Embeddable).embeddable
            ),
            "set_counts": lambda vid, req: world.set_counts(
                vid, **_body(req, _Counts).model_dump(exclude_none=True)
            ),
        }
        self._routes: list[tuple[re.Pattern[str], dict[str, _Handler]]] = [
            (re.compile(r"/_control/ping"), {"GET": self._ping}),
            (re.compile(r"/_control/state"), {"GET": self._state}),
            (re.compile(r"/_control/channels"), {"POST": self._add_channel}),
            (re.compile(r"/_control/channels/(?P<id>[^/]+)/upload"), {"POST": self._upload}),
            (re.compile(r"/_control/channels/(?P<id>[^/]+)/generate"), {"POST": self._generate}),
            (re.compile(r"/_control/channels/(?P<id>[^/]+)/terminate"), {"POST": self._terminate}),
            (re.compile(r"/_control/channels/(?P<id>[^/]+)/restore"), {"POST": self._restore}),
            (
                re.compile(r"/_control/videos/(?P<id>[^/]+)/(?P<action>[^/]+)"),
                {"POST": self._video_action},
            ),
            (re.compile(r"/_control/faults"), {"GET": self._faults, "POST": self._set_faults}),
            (re.compile(r"/_control/quota"), {"GET": self._quota, "POST": self._set_quota}),
            (re.compile(r"/_control/quota/reset"), {"POST": self._reset_quota}),
            (re.compile(r"/_control/clock"), {"GET": self._clock}),
            (re.compile(r"/_control/clock/advance"), {"POST": self._advance}),
            (re.compile(r"/_control/clock/set"), {"POST": self._set_clock}),
        ]

    def handle(self, request: Request) -> Response:
        """Answer one control request; raises AppError for bad input and unknown ids."""
        for pattern, methods in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                raise MethodNotAllowed(f"{request.method} is not allowed; use {', '.join(methods)}")
            return handler(request, match.groupdict())
        raise NotFound(f"no control endpoint {request.path}")

    # -- world ------------------------------------------------------------------------------

    def _ping(self, request: Request, _: dict[str, str]) -> Response:
        return Response.json({"ok": True, **self.world.counts()})

    def _state(self, request: Request, _: dict[str, str]) -> Response:
        return Response.json(self.world.state(request.arg("channel_id")))

    def _add_channel(self, request: Request, _: dict[str, str]) -> Response:
        channel = self.world.add_channel_spec(_body(request, ChannelSpec))
        return Response.json(self.world.state(channel.id)["channels"][0], 201)

    def _upload(self, request: Request, match: dict[str, str]) -> Response:
        video = self.world.upload_spec(match["id"], _body(request, VideoSpec))
        return Response.json(video_record(video), 201)

    def _generate(self, request: Request, match: dict[str, str]) -> Response:
        body = _body(request, _Generate)
        ids = self.world.generate_videos(match["id"], body.count, seed=body.seed)
        return Response.json({"video_ids": ids}, 201)

    def _terminate(self, request: Request, match: dict[str, str]) -> Response:
        _body(request, _Empty)
        return Response.json(channel_record(self.world.terminate(match["id"])))

    def _restore(self, request: Request, match: dict[str, str]) -> Response:
        _body(request, _Empty)
        return Response.json(channel_record(self.world.restore(match["id"])))

    def _video_action(self, request: Request, match: dict[str, str]) -> Response:
        name, video_id = match["action"], match["id"]
        if name in self._plain_actions:
            _body(request, _Empty)
            video = self._plain_actions[name](video_id)
        elif name in self._body_actions:
            video = self._body_actions[name](video_id, request)
        else:
            known = ", ".join(sorted([*self._plain_actions, *self._body_actions]))
            raise NotFound(f"unknown video action {name!r}; one of {known}")
        return Response.json(video_record(video))

    def _retitle(self, video_id: str, request: Request) -> Video:
        body = _body(request, _Retitle)
        return self.world.retitle(video_id, body.title, body.description)

    # -- faults, quota, clock ---------------------------------------------------------------

    def _faults(self, request: Request, _: dict[str, str]) -> Response:
        return Response.json(self.world.faults.snapshot())

    def _set_faults(self, request: Request, _: dict[str, str]) -> Response:
        body = _body(request, _Faults)
        faults = self.world.faults
        if body.clear:
            faults.clear()
        faults.configure(
            error_rate=body.error_rate,
            slow_rate=body.slow_rate,
            slow_seconds=body.slow_seconds,
            seed=body.seed,
        )
        if body.fail_next is not None:
            shot = body.fail_next
            faults.fail_next(shot.count, status=shot.status, delay=shot.delay, target=shot.target)
        return Response.json(faults.snapshot())

    def _quota(self, request: Request, _: dict[str, str]) -> Response:
        return Response.json(self.world.quota.snapshot())

    def _set_quota(self, request: Request, _: dict[str, str]) -> Response:
        self.world.quota.daily_quota = _body(request, _Quota).daily_quota
        return Response.json(self.world.quota.snapshot())

    def _reset_quota(self, request: Request, _: dict[str, str]) -> Response:
        _body(request, _Empty)
        self.world.quota.reset()
        return Response.json(self.world.quota.snapshot())

    def _clock_body(self) -> dict[str, Any]:
        clock = self.world.clock
        return {
            "now": iso_z(clock.now()),
            "quota_day": clock.pacific_day().isoformat(),
            "quota_resets_at": iso_z(clock.next_quota_reset()),
        }

    def _clock(self, request: Request, _: dict[str, str]) -> Response:
        return Response.json(self._clock_body())

    def _advance(self, request: Request, _: dict[str, str]) -> Response:
        self.world.clock.advance(_body(request, _Advance).seconds)
        return Response.json(self._clock_body())

    def _set_clock(self, request: Request, _: dict[str, str]) -> Response:
        self.world.clock.set(_body(request, _SetClock).now)
        return Response.json(self._clock_body())
