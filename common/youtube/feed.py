"""Read video ids from a channel's public Atom feed (15 newest uploads, no quota)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["parse_feed_video_ids"]

_YT_VIDEO_ID = "{http://www.youtube.com/xml/schemas/2015}videoId"
# defusedxml is not available: refusing any DTD blocks entity expansion and external entities.
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_feed_video_ids(body: bytes) -> list[str]:
    """The ``yt:videoId`` values of an Atom feed, in feed order, without duplicates.

    Raises:
        ValueError: the body is not UTF-8, declares a DTD or entities, or is not well-formed XML.
    """
    try:
        # Decoding first means the DTD check below cannot be dodged with another encoding.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("the feed is not UTF-8") from None
    if _DTD.search(text):
        raise ValueError("the feed declares a DOCTYPE or ENTITY, refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - DTDs refused above
    except ET.ParseError as exc:
        raise ValueError(f"the feed is not well-formed XML: {exc}") from None
    ids = (el.text.strip() for el in root.iter(_YT_VIDEO_ID) if el.text and el.text.strip())
    return list(dict.fromkeys(ids))
