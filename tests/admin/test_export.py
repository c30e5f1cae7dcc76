"""CSV cells neutralised against formula injection; the CSV streamed in chunks."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from common.admin.export import csv_cell, csv_lines
from common.admin.feed import atom_feed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (-5, -5),
        (12, 12),
    ],
)
def test_csv_cell(value: object, expected: object) -> None:
    assert csv_cell(value) == expected


def test_csv_lines_stream_one_string_per_chunk() -> None:
    chunks = [[["a", "=x"], ["line\nbreak", 3]], [], [["last", None]]]
    parts = list(csv_lines(["name", "value"], chunks))
    assert len(parts) == 3  # header, first chunk, last chunk (the empty one yields nothing)
    assert parts[0] == "\ufeffname,value\r\n"
    rows = list(csv.reader(io.StringIO("".join(parts)[1:])))
    assert rows == [["name", "value"], ["a", "'=x"], ["line\nbreak", "3"], ["last", ""]]


def test_feed_drops_characters_xml_cannot_hold() -> None:
    event = {
        "id": 1,
        "kind": "deleted",
        "channel_id": "UC" + "a" * 22,
        "channel_title": "Chan\x01nel",
        "video_id": "abcdefghijk",
        "title": "bad\x00title <b>&",
        "detected_at": "2024-01-01T00:00:00Z",
        "details": {},
    }
    document = atom_feed([event], self_url="http://x/feed.atom?a=1&b=2")
    root = ET.fromstring(document)  # noqa: S314 (our own output)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.findtext("a:entry/a:title", namespaces=ns) == "Video deleted: badtitle <b>&"
