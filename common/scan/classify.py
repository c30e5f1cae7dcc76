"""The scan's decisions, as a pure function of what was known and what YouTube said.

No I/O here: ``classify`` turns (known state, observation) into the rows to write and the events
to raise, which makes every rule testable and keeps the write phase a plain bulk write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from common.scan.fetch import Observation
from common.scan.state import GONE_STATES, ChannelState, KnownVideo
from common.timeutil import isoformat
from common.youtube import PlaylistItem, Video

__all__ = ["PlannedEvent", "ScanPlan", "classify", "state_of"]

_TRACKED_FIELDS = ("title", "description", "thumbnail_url", "duration")
_PROBE_TO_STATE = {"private": "private", "gone": "deleted", "unknown": "unavailable"}
_UPLOAD_STATUS_TO_STATE = {"rejected": "removed", "deleted": "deleted", "failed": "unavailable"}


@dataclass(slots=True)
class PlannedEvent:
    kind: str
    video_id: str | None
    details: dict[str, Any]


@dataclass(slots=True)
class ScanPlan:
    """Everything one scan will write, in one transaction."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # True when every tracked video was verified (so those not updated were seen unchanged).
    verified: bool = False
    events_by_key: dict[tuple[str, str | None], PlannedEvent] = field(default_factory=dict)
    channel: dict[str, Any] = field(default_factory=dict)
    videos_to_channel_gone: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def add_event(self, kind: str, video_id: str | None, details: dict[str, Any]) -> None:
        """Queue an event; a second one of the same kind for the same video merges into it."""
        event = self.events_by_key.get((kind, video_id))
        if event is None:
            self.events_by_key[kind, video_id] = PlannedEvent(kind, video_id, details)
            return
        for key, value in details.items():
            old = event.details.get(key, value)
            if old != value:
                value = [*(old if isinstance(old, list) else [old]), value]
            event.details[key] = value

    @property
    def events(self) -> list[PlannedEvent]:
        return list(self.events_by_key.values())


def state_of(video: Video) -> str:
    """The tracker's state for a video YouTube returned."""
    upload = _UPLOAD_STATUS_TO_STATE.get(video.upload_status or "")
    if upload is not None:
        return upload
    if video.privacy_status in ("unlisted", "private"):
        return video.privacy_status
    return "public"


def _row_from_video(video: Video, now: datetime) -> dict[str, Any]:
    return {
        "title": video.title,
        "description": video.description,
        "thumbnail_url": video.thumbnail_url,
        "published_at": video.published_at,
        "duration": video.duration,
        "view_count": video.view_count,
        "like_count": video.like_count,
        "comment_count": video.comment_count,
        "state": state_of(video),
        "rejection_reason": video.rejection_reason,
        "blocked_regions": sorted(video.blocked_regions) or None,
        # Kept apart from None: [] is an allow-list of no region (viewable nowhere).
        "allowed_regions": _allow_list(video.allowed_regions),
        "age_restricted": video.age_restricted,
        "embeddable": video.embeddable,
        "last_seen_at": now,
        "missing_since": None,
        "missing_strikes": 0,
    }


def _allow_list(regions: list[str] | tuple[str, ...] | None) -> list[str] | None:
    return None if regions is None else sorted(set(regions))


def _preserved(video: KnownVideo) -> dict[str, Any]:
    """What the tracker kept of a video, for the event that reports it gone."""
    return {
        "title": video.title,
        "published_at": isoformat(video.published_at),
        "last_seen_at": isoformat(video.last_seen_at),
        "thumbnail_url": video.thumbnail_url,
    }


def classify(
    channel: ChannelState,
    known: Mapping[str, KnownVideo],
    seen: Observation,
    *,
    now: datetime,
    confirm_scans: int,
    baseline: bool,
) -> ScanPlan:
    """Decide the rows and events of one successful scan."""
    plan = ScanPlan()
    plan.counts = {
        "pages": seen.pages,
        "listed": len(seen.listed),
        "verified": len(seen.verified),
        "rechecked": len(seen.rechecked),
    }
    if _classify_channel(plan, channel, known, seen, confirm_scans=confirm_scans):
        plan.counts["events"] = len(plan.events)
        return plan
    for video_id in seen.listed.keys() - known.keys():
        _new_video(plan, seen.listed[video_id], seen.found.get(video_id), now)
    for video_id in seen.verified & known.keys():
        old = known[video_id]
        found = seen.found.get(video_id)
        if found is not None:
            _present_video(plan, old, found, now)
        else:
            _absent_video(plan, old, seen, now, confirm_scans)
    for video_id in seen.rechecked & seen.found.keys():
        # A gone video YouTube answers again: restored, or changed to another state.
        _present_video(plan, known[video_id], seen.found[video_id], now)
    plan.verified = True
    if baseline:
        plan.events_by_key.clear()
    plan.counts.update(new=len(plan.inserts), events=len(plan.events))
    return plan


def _classify_channel(
    plan: ScanPlan,
    channel: ChannelState,
    known: Mapping[str, KnownVideo],
    seen: Observation,
    *,
    confirm_scans: int,
) -> bool:
    """Handle termination and restoration; answer True when the scan ends at the channel."""
    details = {"title": channel.title, "handle": channel.handle}
    if seen.channel is not None:
        plan.channel.update(title=seen.channel.title, handle=seen.channel.handle or channel.handle)
    if not seen.channel_gone:
        plan.channel["missing_strikes"] = 0
        if channel.state == "terminated":
            plan.channel["state"] = "active"
            plan.add_event("channel_restored", None, details)
        return False
    if channel.state == "terminated":
        return True
    strikes = channel.missing_strikes + 1
    plan.channel["missing_strikes"] = strikes
    plan.counts["channel_strikes"] = strikes
    if strikes >= confirm_scans:
        plan.channel["state"] = "terminated"
        plan.videos_to_channel_gone = True
        affected = sum(1 for video in known.values() if video.state not in GONE_STATES)
        plan.add_event("channel_terminated", None, {**details, "videos_affected": affected})
    return True


def _new_video(plan: ScanPlan, item: PlaylistItem, found: Video | None, now: datetime) -> None:
    if found is None:
        # Listed but not (yet) answered by videos.list: wait for a scan that sees both.
        return
    row = {"id": item.video_id, "first_seen_at": now, "state_changed_at": now}
    row.update(_row_from_video(found, now))
    plan.inserts.append(row)
    plan.add_event(
        "new",
        found.id,
        {
            "title": found.title,
            "published_at": isoformat(found.published_at),
            "state": row["state"],
            "thumbnail_url": found.thumbnail_url,
        },
    )


def _present_video(plan: ScanPlan, old: KnownVideo, found: Video, now: datetime) -> None:
    row = _row_from_video(found, now)
    new_state = row["state"]
    changes = {
        name: {"old": getattr(old, name), "new": row[name]}
        for name in _TRACKED_FIELDS
        if getattr(old, name) not in (None, "") and getattr(old, name) != row[name]
    }
    base = {"title": found.title}
    if changes:
        plan.add_event("changed", old.id, {**base, "changes": changes})
    if new_state != old.state:
        row["state_changed_at"] = now
        _state_event(plan, old, new_state, found, base)
    _flag_events(plan, old, row, base)
    if changes or new_state != old.state or old.missing_strikes or _flags_differ(old, row):
        plan.updates.append({"id": old.id, **row})


def _state_event(
    plan: ScanPlan, old: KnownVideo, new_state: str, found: Video, base: dict[str, Any]
) -> None:
    if old.state == "channel_gone":
        return  # the channel_restored event speaks for its videos
    details = {**base, "from": old.state}
    if new_state == "public":
        plan.add_event("restored", old.id, details)
    elif new_state == "removed":
        plan.add_event(
            "removed", old.id, {**details, "reason": found.rejection_reason or "unknown"}
        )
    else:
        plan.add_event(new_state, old.id, details)


def _flags_differ(old: KnownVideo, row: dict[str, Any]) -> bool:
    return (
        tuple(row["blocked_regions"] or ()) != old.blocked_regions
        or _allow_list(old.allowed_regions) != row["allowed_regions"]
        or row["age_restricted"] != old.age_restricted
    )


def _flag_events(
    plan: ScanPlan, old: KnownVideo, row: dict[str, Any], base: dict[str, Any]
) -> None:
    _region_events(plan, old, row, base)
    if row["age_restricted"] and not old.age_restricted:
        plan.add_event("age_restricted", old.id, base)
    elif old.age_restricted and not row["age_restricted"]:
        plan.add_event("restored", old.id, {**base, "from": "age_restricted"})


def _region_events(
    plan: ScanPlan, old: KnownVideo, row: dict[str, Any], base: dict[str, Any]
) -> None:
    """geo_blocked when a restriction appears or changes, restored when the last one goes.

    A block list (``regions``: viewable everywhere but there) and an allow-list
    (``allowed_regions``: viewable only there, [] nowhere) are told apart in the details;
    ``added`` and ``removed`` compare the new list with the old list of the same kind.
    """
    before, after = set(old.blocked_regions), set(row["blocked_regions"] or ())
    allowed_before = _allow_list(old.allowed_regions)
    allowed_after: list[str] | None = row["allowed_regions"]
    if allowed_after is not None:
        # The stricter list decides: were YouTube to send both, the allow-list is what plays.
        if allowed_after != allowed_before:
            was, now_allowed = set(allowed_before or ()), set(allowed_after)
            plan.add_event(
                "geo_blocked",
                old.id,
                {
                    **base,
                    "allowed_regions": allowed_after,
                    "added": sorted(now_allowed - was),
                    "removed": sorted(was - now_allowed),
                },
            )
    elif after and (after != before or allowed_before is not None):
        plan.add_event(
            "geo_blocked",
            old.id,
            {
                **base,
                "regions": sorted(after),
                "added": sorted(after - before),
                "removed": sorted(before - after),
            },
        )
    elif not after and (before or allowed_before is not None):
        plan.add_event("restored", old.id, {**base, "from": "geo_blocked"})


def _absent_video(
    plan: ScanPlan, old: KnownVideo, seen: Observation, now: datetime, confirm_scans: int
) -> None:
    left_with_channel = old.state == "channel_gone"
    if left_with_channel:
        # Verified only on the scan that sees its channel restored: a video that did not come
        # back with it went missing like any other (it was public or unlisted when the channel
        # went), so it becomes a suspect and is confirmed, probed and reported as usual.
        old = replace(old, state="public", missing_strikes=0, missing_since=None)
    strikes = old.missing_strikes + 1
    row: dict[str, Any] = {
        "id": old.id,
        "missing_strikes": strikes,
        "missing_since": old.missing_since or now,
    }
    if left_with_channel:
        row.update(state="public", state_changed_at=now)
    probe = seen.probes.get(old.id)
    if strikes >= confirm_scans and probe == "public":
        # oEmbed still serves it: videos.list lagged. Not gone; start counting again.
        row.update(missing_strikes=0, missing_since=None)
    elif strikes >= confirm_scans and probe is not None and old.state not in GONE_STATES:
        new_state = _PROBE_TO_STATE[probe]
        row.update(state=new_state, state_changed_at=now)
        plan.add_event(
            new_state,
            old.id,
            {
                **_preserved(old),
                "from": old.state,
                "missing_since": isoformat(row["missing_since"]),
                "probe": probe,
                "strikes": strikes,
            },
        )
    elif old.state in GONE_STATES:
        # A gone video listed again but absent from videos.list: still gone, no new strike.
        return
    plan.counts["suspects"] = plan.counts.get("suspects", 0) + (row["missing_strikes"] > 0)
    plan.updates.append(row)
