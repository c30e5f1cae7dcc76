"""``ytdt video ID``: the whole recorded life of one video."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from common.archive import thumbnail_path
from common.cli.output import one_line, print_json
from common.history import VideoLife, validate_video_id, video_life
from common.runtime import database
from common.settings import get_settings

_FIELD_LABELS = {
    "title": "title",
    "description": "description",
    "thumbnail_url": "thumbnail",
    "duration": "duration",
    "thumbnail_image": "thumbnail image",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "video", help="show a video's life: first seen, every change, every transition"
    )
    parser.add_argument("video_id", metavar="VIDEO_ID")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    video_id = validate_video_id(args.video_id)
    with Session(database()) as session:
        life = video_life(session, video_id)
    if args.json:
        print_json(life.as_dict())
        return 0
    print("\n".join(_lines(life, get_settings().public_base_url)))
    return 0


def _short(value: Any, limit: int = 80) -> str:
    text = one_line(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _entry(entry: dict[str, Any]) -> str:
    if entry["type"] == "first_seen":
        return f"first seen: {_short(entry['title'])}"
    if entry["type"] == "changed":
        parts = []
        for name, change in entry["fields"].items():
            label = _FIELD_LABELS.get(name, name)
            if name == "description":
                parts.append(f"{label} changed")
            elif name == "thumbnail_image":
                # Same URL, new bytes: the archived images' hashes tell them apart.
                old, new = (str(change.get(k) or "")[:12] for k in ("old", "new"))
                parts.append(f"{label}: sha256 {old}… -> {new}…")
            else:
                parts.append(f"{label}: {_short(change['old'], 60)} -> {_short(change['new'], 60)}")
        return "changed: " + "; ".join(parts)
    line = str(entry["kind"])
    if entry.get("from"):
        line += f" (was {entry['from']})"
    reason = entry["details"].get("reason")
    if reason:
        line += f", reason: {_short(reason, 60)}"
    return line


def _lines(life: VideoLife, public_base_url: str | None) -> list[str]:
    video = life.video
    lines = [
        f"{video['id']}  {_short(video['title'])}",
        f"channel:    {video['channel_id']}  {_short(video['channel_title'])}",
        f"state:      {video['state']}"
        + (f" since {video['state_changed_at']}" if video["state_changed_at"] else ""),
        f"published:  {video['published_at'] or 'unknown'}",
        f"first seen: {video['first_seen_at']}   last seen: {video['last_seen_at'] or 'never'}",
    ]
    if len(life.titles) > 1:
        lines.append("titles:     " + " | ".join(_short(t, 60) for t in life.titles))
    if life.thumbnails:
        newest = life.thumbnails[-1]
        where = (
            f"{public_base_url}{thumbnail_path(video['id'])}"
            if public_base_url
            else f"sha256 {newest['sha256'][:12]}…"
        )
        lines.append(f"thumbnail:  {len(life.thumbnails)} archived, newest {where}")
    else:
        lines.append("thumbnail:  not archived")
    lines.append("")
    lines.append("history:")
    lines.extend(f"  {entry['at']}  {_entry(entry)}" for entry in life.timeline)
    return lines
