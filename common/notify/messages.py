"""Block Kit messages for events, groups of events and the test message, in English or Japanese.

Every untrusted string (video title and description, channel name and handle) passes through
``escape`` before it reaches a block; ids are checked against YouTube's id alphabet before they
reach a URL. Every message has a plain ``text`` fallback and respects Block Kit's limits (header
150 characters, section text 3000, field 2000, button label 75, at most 50 blocks, 10 fields).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common.notify.escape import cut, escape, escape_cut, slack_len, unescape
from common.notify.severity import severity_of
from common.notify.texts import Language, kind_label, reason_label, state_label, text
from common.timeutil import parse_iso

__all__ = [
    "CHANNEL_KINDS",
    "EventView",
    "Message",
    "actions",
    "archive_url",
    "channel_url",
    "context",
    "event_message",
    "fields_section",
    "fit_blocks",
    "format_time",
    "group_message",
    "header",
    "hello_message",
    "render_text",
    "section",
    "video_url",
]

HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
BLOCKS_MAX = 50
BUTTON_MAX = 75
CONTEXT_MAX = 2000
TEXT_MAX = 3000
TITLE_MAX = 300
DESCRIPTION_MAX = 300
GROUP_LINES_MAX = 40
# Channel-level events are always a message of their own, never a line in a group.
CHANNEL_KINDS = frozenset({"channel_terminated", "channel_restored"})
# What a video that flaps (gone, back, gone) repeats: its changes of state. The flapping cap
# counts only these, so that title edits or a new upload never hold back a later deletion.
FLAP_KINDS = frozenset(
    {"unlisted", "private", "deleted", "removed", "unavailable", "geo_blocked"}
    | {"age_restricted", "restored"}
)
# Events after which YouTube no longer serves the video's thumbnail: link the archived copy.
GONE_KINDS = frozenset({"private", "deleted", "removed", "unavailable"})

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]*)>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as a message shows it: the event, its video's preserved metadata, its channel."""

    event_id: int
    kind: str
    detected_at: datetime
    channel_id: str
    channel_title: str = ""
    channel_handle: str | None = None
    video_id: str | None = None
    scan_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    video_title: str | None = None
    video_description: str | None = None
    published_at: datetime | None = None
    last_seen_at: datetime | None = None
    rejection_reason: str | None = None
    blocked_regions: tuple[str, ...] = ()
    # The video's allow-list: None when it has none, () when it is viewable nowhere.
    allowed_regions: tuple[str, ...] | None = None
    # Where people can see the thumbnail the tracker archived (PUBLIC_BASE_URL), if any.
    archived_thumbnail_url: str | None = None

    @property
    def title(self) -> str:
        """The preserved title: what the event recorded, else what the videos row kept."""
        recorded = self.details.get("title")
        if isinstance(recorded, str) and recorded:
            return recorded
        return self.video_title or ""

    @property
    def channel_name(self) -> str:
        if self.channel_title:
            return self.channel_title
        recorded = self.details.get("title") if self.kind in CHANNEL_KINDS else None
        return recorded if isinstance(recorded, str) and recorded else self.channel_id


@dataclass(frozen=True, slots=True)
class Message:
    """One Slack message: the notification ``text`` fallback and its Block Kit ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        """The JSON body posted to the webhook."""
        return {
            "text": self.text,
            "blocks": self.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }


# --- URLs -------------------------------------------------------------------------------------


def video_url(video_id: str | None) -> str | None:
    if video_id is None or not _VIDEO_ID.match(video_id):
        return None
    return f"https://www.youtube.com/watch?v={video_id}"


def channel_url(channel_id: str) -> str | None:
    if not _CHANNEL_ID.match(channel_id):
        return None
    return f"https://www.youtube.com/channel/{channel_id}"


def archive_url(url: str | None) -> str | None:
    """The Wayback Machine's list of captures of ``url``."""
    return None if url is None else f"https://web.archive.org/web/*/{url}"


# --- blocks -----------------------------------------------------------------------------------


def header(safe_text: str) -> dict[str, Any]:
    """A header block; ``safe_text`` is already escaped."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": cut(safe_text, HEADER_MAX), "emoji": True},
    }


def section(safe_mrkdwn: str) -> dict[str, Any]:
    """A section of mrkdwn; ``verbatim`` stops Slack from auto-linking names and mentions."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": cut(safe_mrkdwn, SECTION_MAX), "verbatim": True},
    }


def fields_section(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A section of at most 10 ``*label*\\nvalue`` fields (values already escaped)."""
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": cut(f"*{label}*\n{value}", FIELD_MAX), "verbatim": True}
            for label, value in pairs[:FIELDS_MAX]
        ],
    }


def context(safe_mrkdwn: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(safe_mrkdwn, CONTEXT_MAX), "verbatim": True}],
    }


def actions(buttons: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """Link buttons from ``(action_id, label, url)``."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "text": {"type": "plain_text", "text": cut(label, BUTTON_MAX), "emoji": True},
                "url": url,
            }
            for action_id, label, url in buttons
        ],
    }


def fit_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most 50 blocks: the tail is replaced by a note of how many were left out."""
    if len(blocks) <= BLOCKS_MAX:
        return blocks
    kept = blocks[: BLOCKS_MAX - 1]
    return [*kept, context(f"… +{len(blocks) - len(kept)}")]


def format_time(
    value: datetime | str | None, language: Language, *, date_only: bool = False
) -> str:
    """A Slack date token that each reader sees in their own time zone, with a UTC fallback."""
    if isinstance(value, str):
        raw = value
        try:
            value = parse_iso(raw)
        except ValueError:
            return escape_cut(raw, 100)
    if value is None:
        return text("unknown", language)
    stamp = int(value.timestamp())
    if date_only:
        return f"<!date^{stamp}^{{date_short_pretty}}|{value:%Y-%m-%d}>"
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{value:%Y-%m-%d %H:%M} UTC>"


def _link(url: str | None, safe_label: str) -> str:
    return f"<{url}|{safe_label}>" if url else safe_label


def _channel_line(view: EventView, language: Language) -> str:
    name = escape_cut(view.channel_name, TITLE_MAX)
    line = f"{text('channel', language)}: {_link(channel_url(view.channel_id), name)}"
    handle = view.channel_handle or view.details.get("handle")
    if isinstance(handle, str) and handle:
        line += f" ({escape_cut(handle, 100)})"
    return line


def _safe_title(view: EventView, language: Language, limit: int = TITLE_MAX) -> str:
    title = view.title
    return escape_cut(title, limit) if title else text("untitled", language)


# --- one event --------------------------------------------------------------------------------


def _reason_fields(view: EventView, language: Language) -> list[tuple[str, str]]:
    details = view.details
    pairs: list[tuple[str, str]] = []
    reason = details.get("reason") or (view.rejection_reason if view.kind == "removed" else None)
    if reason:
        pairs.append((text("reason", language), escape(reason_label(str(reason), language))))
    pairs.extend(_region_fields(view, language))
    previous = details.get("from")
    if isinstance(previous, str) and previous:
        pairs.append((text("previous", language), escape(state_label(previous, language))))
    probe = details.get("probe")
    if isinstance(probe, str) and probe in ("gone", "private", "unknown"):
        pairs.append((text("probe", language), text(f"probe_{probe}", language)))
    affected = details.get("videos_affected")
    if isinstance(affected, int):
        pairs.append((text("videos_affected", language), str(affected)))
    return pairs


def _region_fields(view: EventView, language: Language) -> list[tuple[str, str]]:
    """Where a geo_blocked video is blocked, or where only it plays (an allow-list)."""
    details = view.details
    regions = details.get("regions")
    allowed = details.get("allowed_regions")
    if view.kind == "geo_blocked" and "regions" not in details and "allowed_regions" not in details:
        # An event that recorded neither list: show what the video row kept.
        regions = list(view.blocked_regions)
        allowed = None if view.allowed_regions is None else list(view.allowed_regions)
    if isinstance(allowed, list):
        if not allowed:
            return [(text("restriction", language), text("viewable_nowhere", language))]
        joined = ", ".join(map(str, allowed))
        return [(text("allowed_regions", language), escape_cut(joined, 500))]
    if regions:
        return [(text("regions", language), escape_cut(", ".join(map(str, regions)), 500))]
    return []


def _change_lines(view: EventView, language: Language) -> list[str]:
    changes = view.details.get("changes")
    if not isinstance(changes, dict):
        return []
    lines = []
    title = changes.get("title")
    if isinstance(title, dict):
        old = escape_cut(str(title.get("old") or ""), 500)
        new = escape_cut(str(title.get("new") or ""), 500)
        lines.append(f"{text('title_changed', language)}: {old} → {new}")
    if "description" in changes:
        lines.append(text("description_changed", language))
    if "thumbnail_url" in changes:
        lines.append(text("thumbnail_changed", language))
    if "thumbnail_image" in changes:
        lines.append(text("thumbnail_image_changed", language))
    duration = changes.get("duration")
    if isinstance(duration, dict):
        old = escape_cut(str(duration.get("old") or ""), 50)
        new = escape_cut(str(duration.get("new") or ""), 50)
        lines.append(f"{text('duration_changed', language)}: {old} → {new}")
    return lines


def _swapped_thumbnail_buttons(view: EventView, language: Language) -> list[tuple[str, str, str]]:
    """Links to both archived images of a thumbnail swapped at the same URL."""
    changes = view.details.get("changes")
    image = changes.get("thumbnail_image") if isinstance(changes, dict) else None
    if view.kind != "changed" or not view.archived_thumbnail_url or not isinstance(image, dict):
        return []
    buttons = []
    for key, action in (("old", "previous_thumbnail"), ("new", "new_thumbnail")):
        sha256 = image.get(key)
        # Checked before it reaches a URL, like every id.
        if isinstance(sha256, str) and _SHA256.match(sha256):
            url = f"{view.archived_thumbnail_url}?sha256={sha256}"
            buttons.append((action, text(action, language), url))
    return buttons


def event_message(view: EventView, language: Language) -> Message:
    """The message for one event."""
    label = kind_label(view.kind, language)
    is_channel = view.kind in CHANNEL_KINDS or view.video_id is None
    subject = view.channel_name if is_channel else (view.title or text("untitled", language))
    blocks: list[dict[str, Any]] = [header(f"{label}: {escape_cut(subject, HEADER_MAX)}")]

    v_url = video_url(view.video_id)
    c_url = channel_url(view.channel_id)
    lines = [] if is_channel else [f"*{_link(v_url, _safe_title(view, language))}*"]
    lines.append(_channel_line(view, language))
    lines.extend(_change_lines(view, language))
    blocks.append(section("\n".join(lines)))

    pairs: list[tuple[str, str]] = []
    if not is_channel:
        published = view.details.get("published_at") or view.published_at
        last_seen = view.details.get("last_seen_at") or view.last_seen_at
        pairs.append(
            (text("published", language), format_time(published, language, date_only=True))
        )
        pairs.append((text("last_seen", language), format_time(last_seen, language)))
    pairs.append((text("detected", language), format_time(view.detected_at, language)))
    pairs.extend(_reason_fields(view, language))
    blocks.append(fields_section(pairs))

    if not is_channel and view.video_description:
        blocks.append(context(escape_cut(view.video_description, DESCRIPTION_MAX)))

    buttons = []
    if v_url is not None:
        buttons.append(("open_video", text("open_video", language), v_url))
    if c_url is not None:
        buttons.append(("open_channel", text("open_channel", language), c_url))
    archived = archive_url(v_url if not is_channel else c_url)
    if archived is not None:
        buttons.append(("archive", text("archive", language), archived))
    if view.kind in GONE_KINDS and view.archived_thumbnail_url:
        # A link, not an image block: Slack could not fetch an image behind the admin's auth.
        label = text("archived_thumbnail", language)
        buttons.append(("archived_thumbnail", label, view.archived_thumbnail_url))
    buttons.extend(_swapped_thumbnail_buttons(view, language))
    if buttons:
        blocks.append(actions(buttons))
    severity = text(f"severity_{severity_of(view.kind).name}", language)
    blocks.append(context(f"ytdt · #{view.event_id} · {severity}"))

    plain_label = kind_label(view.kind, language, emoji=False)
    fallback = f"{plain_label}: {escape(subject)} ({escape(view.channel_name)})"
    if v_url:
        fallback += f" {v_url}"
    return Message(text=cut(fallback, TEXT_MAX), blocks=fit_blocks(blocks))


# --- many events of one channel and scan ------------------------------------------------------


def group_message(views: Sequence[EventView], language: Language) -> Message:
    """One message listing the events of one channel in one scan (the rest counted)."""
    first = views[0]
    channel = escape_cut(first.channel_name, HEADER_MAX)
    title = text("group_header", language, count=len(views), channel=channel)
    blocks: list[dict[str, Any]] = [header(title)]

    counts = Counter(v.kind for v in views)
    ordered = sorted(counts, key=lambda k: (-severity_of(k), k))
    summary = ", ".join(f"{kind_label(k, language, emoji=False)}: {counts[k]}" for k in ordered)
    blocks.append(
        section(f"{text('group_summary', language)} {summary}\n{_channel_line(first, language)}")
    )

    listed = sorted(views, key=lambda v: (-severity_of(v.kind), v.event_id))[:GROUP_LINES_MAX]
    chunk: list[str] = []
    size = 0
    for view in listed:
        linked = _link(video_url(view.video_id), _safe_title(view, language, 200))
        line = f"• {kind_label(view.kind, language)} — {linked}"
        if chunk and size + slack_len(line) + 1 > SECTION_MAX:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += slack_len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if len(views) > len(listed):
        blocks.append(context(text("group_more", language, count=len(views) - len(listed))))

    blocks.append(
        fields_section([(text("detected", language), format_time(first.detected_at, language))])
    )
    c_url = channel_url(first.channel_id)
    if c_url is not None:
        blocks.append(actions([("open_channel", text("open_channel", language), c_url)]))
    ids = ", ".join(f"#{v.event_id}" for v in views[:5])
    blocks.append(context(f"ytdt · {ids}{' …' if len(views) > 5 else ''}"))

    fallback = f"{title}: {summary}"
    return Message(text=cut(fallback, TEXT_MAX), blocks=fit_blocks(blocks))


# --- test message -----------------------------------------------------------------------------


def hello_message(language: Language, now: datetime) -> Message:
    """A harmless message that proves the webhook works."""
    when = format_time(now, language)
    body = text("test_body", language, when=when)
    return Message(
        text=text("test_body", language, when=f"{now:%Y-%m-%d %H:%M} UTC"),
        blocks=[header(f":wave: {text('test_header', language)}"), section(body)],
    )


# --- console ----------------------------------------------------------------------------------


def _plain(mrkdwn: str) -> str:
    plain = _DATE.sub(lambda m: m.group(1), mrkdwn)
    plain = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", plain)
    return unescape(plain.replace("\u2060", ""))


def _unbold(line: str) -> str:
    """``*whole line*`` → ``whole line`` (our own bold markers, not asterisks inside titles)."""
    return line[1:-1] if len(line) > 2 and line[0] == line[-1] == "*" else line


def render_text(message: Message) -> str:
    """The message as readable lines, for the log or the console when no webhook is set."""
    lines: list[str] = []
    for block in message.blocks:
        kind = block["type"]
        if kind == "header":
            lines.append(f"== {_plain(block['text']['text'])} ==")
        elif kind == "section" and "text" in block:
            text_lines = _plain(block["text"]["text"]).split("\n")
            lines.extend(_unbold(line) for line in text_lines)
        elif kind == "section":
            for item in block["fields"]:
                label, _, value = item["text"].partition("\n")
                lines.append(f"{label.strip('*')}: {_plain(value)}")
        elif kind == "context":
            lines.append("  " + " ".join(_plain(e["text"]) for e in block["elements"]))
        elif kind == "actions":
            lines.extend(f"-> {e['text']['text']}: {e['url']}" for e in block["elements"])
    return "\n".join(lines)
