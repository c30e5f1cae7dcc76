"""The Atom feed of recent events (RFC 4287), built with ElementTree so every text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from common.admin.describe import event_headline, event_reason, event_url
from common.timeutil import isoformat, utcnow

__all__ = ["ATOM_TYPE", "atom_feed"]

ATOM_TYPE = "application/atom+xml; charset=utf-8"
_ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all (escaping does not help): drop them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom_feed(events: Sequence[dict[str, Any]], *, self_url: str) -> bytes:
    """The feed document for ``events`` (newest first, as ``event_dict`` shapes them)."""
    feed = ET.Element("feed", {"xmlns": _ATOM})
    _add(feed, "id", "urn:ytdt:events")
    _add(feed, "title", "YouTube Disappeared Video Tracker: events")
    _add(feed, "updated", events[0]["detected_at"] if events else isoformat(utcnow()))
    _add(feed, "link", rel="self", href=self_url)
    author = _add(feed, "author")
    _add(author, "name", "ytdt")
    _add(feed, "generator", "ytdt")
    for event in events:
        entry = _add(feed, "entry")
        _add(entry, "id", f"urn:ytdt:event:{event['id']}")
        _add(entry, "title", event_headline(event["kind"], event["title"]))
        _add(entry, "updated", event["detected_at"])
        url = event_url(event["kind"], event["video_id"], event["channel_id"])
        if url is not None:
            _add(entry, "link", rel="alternate", href=url)
        _add(entry, "category", term=event["kind"])
        lines = [f"Channel: {event['channel_title'] or event['channel_id']}"]
        reason = event_reason(event["kind"], event["details"])
        if reason:
            lines.append(f"Reason: {reason}")
        if event["video_id"]:
            lines.append(f"Video: {event['video_id']}")
        _add(entry, "summary", "\n".join(lines), type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
