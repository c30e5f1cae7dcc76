"""The scenario file: a validated description of channels, videos, quota, keys and faults.

Example (every field is optional)::

    {
      "daily_quota": 10000,
      "api_keys": ["demo-key"],            # absent or null: any non-empty key is accepted
      "clock": {"start": "2024-05-01T12:00:00Z", "frozen": false},
      "faults": {"error_rate": 0.0, "slow_rate": 0.0, "slow_seconds": 0.0, "seed": 0},
      "omit_empty_items": true,            # channels.list with no match has no "items" key
      "quoted_etags": true,
      "channels": [
        {"id": "UC…22 chars", "handle": "@alice", "username": "alicevids",
         "custom_url": "alicecooks", "title": "Alice Cooks", "description": "",
         "published_at": "2015-01-01T00:00:00Z", "country": "US",
         "subscriber_count": 1200, "terminated": false,
         "generate": 100, "seed": 7,        # 100 synthetic public uploads, older than "videos"
         "videos": [                        # newest first, like the uploads playlist
           {"id": "11charsId_-", "title": "…", "description": "…",
            "published_at": "2024-04-30T10:00:00Z", "duration": "PT4M13S",
            "view_count": 10, "like_count": 1, "comment_count": 0,
            "state": "public", "rejection_reason": null,
            "blocked_regions": ["DE"], "allowed_regions": null,   # allowed: ["JP"] (not both)
            "age_restricted": false, "embeddable": true,
            "tags": ["cooking"]}
         ]}
      ]
    }
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from common.errors import InvalidInput
from common.fake_youtube.model import (
    CHANNEL_ID_RE,
    DURATION_RE,
    HANDLE_RE,
    REGION_RE,
    VIDEO_ID_RE,
    RejectionReason,
    VideoState,
)

__all__ = [
    "ChannelSpec",
    "ClockSpec",
    "FaultsSpec",
    "Scenario",
    "ScenarioError",
    "VideoSpec",
    "demo_scenario",
    "describe_validation_error",
    "parse_scenario",
    "read_scenario",
]

VideoIdStr = Annotated[str, StringConstraints(pattern=f"^{VIDEO_ID_RE.pattern}$")]
ChannelIdStr = Annotated[str, StringConstraints(pattern=f"^{CHANNEL_ID_RE.pattern}$")]
HandleStr = Annotated[str, StringConstraints(pattern=f"^{HANDLE_RE.pattern}$")]
RegionStr = Annotated[str, StringConstraints(pattern=f"^{REGION_RE.pattern}$")]
NameStr = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}$")]
DurationStr = Annotated[str, StringConstraints(pattern=f"^{DURATION_RE.pattern}$")]
Count = Annotated[int, Field(ge=0)]


class ScenarioError(InvalidInput):
    """A scenario (file or dict) that cannot be loaded; the message names every bad field."""


class _Spec(BaseModel):
    # python-re: the duration pattern needs look-arounds, which the Rust engine lacks.
    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")


class VideoSpec(_Spec):
    """One upload; omitted fields get deterministic defaults when the world builds it."""

    id: VideoIdStr | None = None
    title: str | None = None
    description: str = ""
    published_at: AwareDatetime | None = None
    duration: DurationStr = "PT4M13S"
    view_count: Count = 0
    like_count: Count = 0
    comment_count: Count = 0
    state: VideoState = "public"
    rejection_reason: RejectionReason | None = None
    blocked_regions: list[RegionStr] = Field(default_factory=list)
    # None: no allow-list; a list (possibly empty): viewable only there.
    allowed_regions: list[RegionStr] | None = None
    age_restricted: bool = False
    embeddable: bool = True
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reason_matches_state(self) -> Self:
        if self.state == "rejected" and self.rejection_reason is None:
            raise ValueError("rejection_reason is required when state is 'rejected'")
        if self.state != "rejected" and self.rejection_reason is not None:
            raise ValueError("rejection_reason is only allowed when state is 'rejected'")
        return self

    @model_validator(mode="after")
    def _one_region_list(self) -> Self:
        # YouTube's regionRestriction carries blocked or allowed, never both.
        if self.blocked_regions and self.allowed_regions is not None:
            raise ValueError("a video has blocked_regions or allowed_regions, not both")
        return self


class ChannelSpec(_Spec):
    """One channel, its explicit uploads (newest first) and how many synthetic ones to add."""

    id: ChannelIdStr | None = None
    handle: HandleStr | None = None
    username: NameStr | None = None
    custom_url: NameStr | None = None
    title: Annotated[str, StringConstraints(min_length=1)] | None = None
    description: str = ""
    published_at: AwareDatetime | None = None
    country: RegionStr | None = None
    subscriber_count: Count = 0
    terminated: bool = False
    videos: list[VideoSpec] = Field(default_factory=list)
    generate: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    seed: int = 0


class ClockSpec(_Spec):
    """Where the fake's clock starts and whether it stands still until advanced."""

    start: AwareDatetime | None = None
    frozen: bool = False


class FaultsSpec(_Spec):
    """Random fault rates of the Data API at start-up."""

    error_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    slow_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    slow_seconds: Annotated[float, Field(ge=0, le=600)] = 0.0
    seed: int = 0


class Scenario(_Spec):
    """A whole world to start from."""

    daily_quota: Count = 10_000
    api_keys: list[Annotated[str, StringConstraints(min_length=1)]] | None = None
    clock: ClockSpec = ClockSpec()
    faults: FaultsSpec = FaultsSpec()
    omit_empty_items: bool = True
    quoted_etags: bool = True
    channels: list[ChannelSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        seen: dict[str, str] = {}
        for index, channel in enumerate(self.channels):
            names = [
                ("id", channel.id),
                ("handle", channel.handle and channel.handle.lower()),
                ("username", channel.username and channel.username.lower()),
                ("custom_url", channel.custom_url and channel.custom_url.lower()),
            ]
            names += [("video id", video.id) for video in channel.videos]
            for kind, value in names:
                if value is None:
                    continue
                where = f"channels[{index}]"
                key = f"{kind}:{value}"
                if key in seen:
                    raise ValueError(f"{kind} {value!r} is used twice ({seen[key]} and {where})")
                seen[key] = where
        return self


def describe_validation_error(error: ValidationError) -> tuple[str, str | None]:
    """One readable line per problem (``channels[0].videos[2].state: …``) and the first field."""
    lines: list[str] = []
    fields: list[str] = []
    for problem in error.errors():
        where = ""
        for part in problem["loc"]:
            where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
        fields.append(where)
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines), (fields[0] or None) if fields else None


def parse_scenario(data: Any) -> Scenario:
    """Validate a decoded scenario; raises ScenarioError naming every bad field."""
    if isinstance(data, Scenario):
        return data
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        message, field = describe_validation_error(exc)
        raise ScenarioError(f"invalid scenario: {message}", field=field) from exc


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario JSON file; raises ScenarioError with the file name."""
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {source}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"scenario {source} is not valid JSON: {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno})"
        ) from exc
    try:
        return parse_scenario(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: {exc.message}", field=exc.field) from exc


def demo_scenario() -> Scenario:
    """The bundled ``scenarios/demo.json``: a few channels with videos in every state."""
    text = (files("common.fake_youtube") / "scenarios" / "demo.json").read_text(encoding="utf-8")
    return parse_scenario(json.loads(text))
