"""Words for events in the admin's views (feed, dashboard): headline, reason and link."""

from __future__ import annotations

from typing import Any

from common.notify.texts import kind_label, reason_label, state_label, text

__all__ = ["DISAPPEARANCE_KINDS", "event_headline", "event_reason", "event_url", "safe_url"]

# What the dashboard lists as a disappearance (a video or channel gone, hidden or restricted).
DISAPPEARANCE_KINDS = (
    "deleted",
    "removed",
    "private",
    "unavailable",
    "unlisted",
    "geo_blocked",
    "age_restricted",
    "channel_terminated",
)


def event_headline(kind: str, title: str | None) -> str:
    label = kind_label(kind, "en", emoji=False)
    return f"{label}: {title}" if title else label


def event_reason(kind: str, details: dict[str, Any]) -> str:
    """Why the tracker raised the event, in a few words ('' when there is nothing to add)."""
    if kind == "removed":
        return reason_label(str(details.get("reason") or "unknown"), "en")
    if kind == "geo_blocked":
        allowed = details.get("allowed_regions")
        if isinstance(allowed, list):
            if not allowed:
                return text("viewable_nowhere", "en").lower()
            return "only viewable in " + ", ".join(str(r) for r in allowed)
        regions = details.get("regions") or []
        return "blocked in " + ", ".join(str(r) for r in regions) if regions else ""
    if kind == "channel_terminated":
        affected = details.get("videos_affected")
        return f"channel gone; {affected} videos affected" if affected is not None else ""
    if kind in ("deleted", "private", "unavailable"):
        parts = [kind_label(kind, "en", emoji=False)]
        strikes = details.get("strikes")
        if strikes:
            parts.append(f"missing from the API in {strikes} scans")
        probe = details.get("probe")
        if probe in ("gone", "private", "unknown"):
            parts.append(text(f"probe_{probe}", "en"))
        previous = details.get("from")
        if previous:
            parts.append(f"was {state_label(str(previous), 'en')}")
        return "; ".join(parts)
    if kind in ("unlisted", "age_restricted"):
        return kind_label(kind, "en", emoji=False)
    if kind == "changed":
        return _changes(details.get("changes"))
    return ""


_CHANGE_WORDS = {
    "title": "title",
    "description": "description",
    "thumbnail_url": "thumbnail URL",
    "thumbnail_image": "thumbnail image (same URL)",
    "duration": "duration",
}


def _changes(changes: object) -> str:
    """'changed: title, thumbnail image (same URL)' for a ``changed`` event's details."""
    if not isinstance(changes, dict) or not changes:
        return ""
    return "changed: " + ", ".join(_CHANGE_WORDS.get(str(name), str(name)) for name in changes)


def event_url(kind: str, video_id: str | None, channel_id: str) -> str | None:
    if video_id:
        return f"https://www.youtube.com/watch?v={video_id}"
    if kind.startswith("channel_"):
        return f"https://www.youtube.com/channel/{channel_id}"
    return None


def safe_url(url: object) -> str | None:
    """``url`` when it is a plain http(s) address (never ``javascript:`` or ``data:``)."""
    if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) < 2048:
        return url
    return None
