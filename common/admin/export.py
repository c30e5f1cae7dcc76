"""CSV exports, streamed chunk by chunk, with cells neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from common.models import Video
from common.timeutil import isoformat

__all__ = [
    "EVENT_COLUMNS",
    "NOWHERE",
    "VIDEO_COLUMNS",
    "allowed_cell",
    "csv_cell",
    "csv_lines",
    "event_rows",
    "video_rows",
]

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The allowed_regions cell of a video whose allow-list is empty (an empty cell means no list).
NOWHERE = "nowhere"

VIDEO_COLUMNS = (
    "video_id",
    "channel_id",
    "channel_title",
    "title",
    "state",
    "rejection_reason",
    "blocked_regions",
    "allowed_regions",
    "age_restricted",
    "published_at",
    "first_seen_at",
    "last_seen_at",
    "missing_since",
    "state_changed_at",
    "duration",
    "view_count",
    "like_count",
    "comment_count",
    "thumbnail_url",
    "description",
)

EVENT_COLUMNS = (
    "event_id",
    "detected_at",
    "kind",
    "channel_id",
    "channel_title",
    "video_id",
    "title",
    "reason",
    "from_state",
    "scan_id",
)


def csv_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading ``'``; numbers pass."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], chunks: Iterable[Iterable[Sequence[Any]]]) -> Iterator[str]:
    """The CSV text: a UTF-8 BOM (so spreadsheets read non-ASCII titles), then one string per
    chunk of rows, so memory stays bounded whatever the table's size."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_cell(cell) for cell in row] for row in rows)
        text = buffer.getvalue()
        if text:
            yield text


def allowed_cell(regions: list[str] | None) -> str:
    """The allow-list as a cell: codes apart by spaces, '' for none, ``nowhere`` when empty."""
    if regions is None:
        return ""
    return " ".join(regions) if regions else NOWHERE


def video_rows(chunk: Sequence[tuple[Video, str]]) -> list[list[Any]]:
    return [
        [
            video.id,
            video.channel_id,
            channel_title,
            video.title,
            video.state,
            video.rejection_reason,
            " ".join(video.blocked_regions or ()),
            allowed_cell(video.allowed_regions),
            video.age_restricted,
            isoformat(video.published_at),
            isoformat(video.first_seen_at),
            isoformat(video.last_seen_at),
            isoformat(video.missing_since),
            isoformat(video.state_changed_at),
            video.duration,
            video.view_count,
            video.like_count,
            video.comment_count,
            video.thumbnail_url,
            video.description,
        ]
        for video, channel_title in chunk
    ]


def event_rows(chunk: Sequence[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for event in chunk:
        details = event["details"]
        rows.append(
            [
                event["id"],
                event["detected_at"],
                event["kind"],
                event["channel_id"],
                event["channel_title"],
                event["video_id"],
                event["title"],
                details.get("reason"),
                details.get("from"),
                event["scan_id"],
            ]
        )
    return rows
