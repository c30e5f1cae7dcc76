"""``ytdt export videos|events``: the admin function's CSV exports, from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from common.admin.export import EVENT_COLUMNS, VIDEO_COLUMNS, csv_lines, event_rows, video_rows
from common.admin.params import EventFilter, ExportVideos
from common.admin.queries import iter_events, iter_videos
from common.errors import InvalidInput
from common.models import EVENT_KINDS, VIDEO_STATES
from common.runtime import database

T = TypeVar("T")

# The admin's query parameters, as this command's flags name them in an error.
_FLAGS = {
    "channel_id": "--channel",
    "kind": "--kind",
    "since": "--since",
    "state": "--state",
    "q": "--search",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "export",
        help="write every tracked video or every event as CSV",
        description=(
            "The same CSV as the admin function's /export/videos.csv and /export/events.csv: "
            "streamed in bounded chunks, cells that a spreadsheet would run as a formula "
            "neutralised. Written to stdout, or to FILE (replaced only when complete)."
        ),
    )
    parser.add_argument("table", choices=("videos", "events"))
    parser.add_argument("--output", "-o", metavar="FILE", type=Path, help="default: stdout")
    parser.add_argument("--channel", metavar="ID", help="only this channel (UC…)")
    parser.add_argument("--kind", choices=EVENT_KINDS, help="events: only this kind")
    parser.add_argument("--since", metavar="ISO", help="events: detected at or after this time")
    parser.add_argument("--state", choices=VIDEO_STATES, help="videos: only in this state")
    parser.add_argument("--search", metavar="TEXT", help="videos: title contains TEXT")
    parser.set_defaults(handler=run)


def _validated(model: type[BaseModel], given: dict[str, Any]) -> Any:
    try:
        return model.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "filter"
        raise InvalidInput(f"{_FLAGS.get(name, name)}: {first['msg']}", field=name) from None


def _counted(chunks: Iterable[list[T]], count: list[int]) -> Iterator[list[T]]:
    for chunk in chunks:
        count[0] += len(chunk)
        yield chunk


def _lines(args: argparse.Namespace, count: list[int]) -> Iterator[str]:
    """The CSV text of the chosen table; ``count[0]`` counts its rows as they are read."""
    engine = database()
    if args.table == "videos":
        if args.kind or args.since:
            raise InvalidInput("--kind and --since filter events, not videos")
        videos = _validated(
            ExportVideos, {"channel_id": args.channel, "state": args.state, "q": args.search}
        )
        chunks = iter_videos(engine, channel_id=videos.channel_id, state=videos.state, q=videos.q)
        return csv_lines(VIDEO_COLUMNS, map(video_rows, _counted(chunks, count)))
    if args.state or args.search:
        raise InvalidInput("--state and --search filter videos, not events")
    events = _validated(
        EventFilter, {"channel_id": args.channel, "kind": args.kind, "since": args.since}
    )
    chunks_of_events = iter_events(
        engine, channel_id=events.channel_id, kind=events.kind, since=events.since
    )
    return csv_lines(EVENT_COLUMNS, map(event_rows, _counted(chunks_of_events, count)))


def run(args: argparse.Namespace) -> int:
    count = [0]
    lines = _lines(args, count)
    if args.output is None:
        # No byte-order mark on a pipe: it is for spreadsheets opening a file.
        sys.stdout.write(next(lines).removeprefix("\ufeff"))
        sys.stdout.writelines(lines)
        return 0
    target: Path = args.output
    if target.is_dir():
        raise InvalidInput(f"--output {str(target)!r} is a folder, not a file")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(f"--output {str(target)!r}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    print(f"wrote {count[0]} {args.table} to {target}", file=sys.stderr)
    return 0
