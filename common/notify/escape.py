"""Slack text safety: untrusted text (titles, descriptions, channel names) can never ping or link.

Slack treats ``&``, ``<`` and ``>`` as control characters: ``<!channel>`` mentions everyone and
``<https://evil.example|prize>`` forges a link. Escaping those three makes such text render
literally. Bare ``@channel``/``@here``/``@everyone`` are also defused with an invisible word joiner,
in case a workspace or client parses them without brackets.

Lengths are Block Kit limits. Slack does not say whether it counts code points or UTF-16 units,
so ``slack_len`` counts UTF-16 units (never fewer than code points): a cut text always fits.
Cuts fall on character boundaries: never inside an escape entity (``&amp;``), never between a
character and its combining marks, variation selectors or zero-width joiners.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ELLIPSIS", "cut", "escape", "escape_cut", "slack_len", "unescape"]

ELLIPSIS = "…"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"
_JOINERS = {"\u200d", "\u2060"}


def escape(text: str) -> str:
    """Make untrusted text inert in Slack ``mrkdwn`` and ``plain_text``."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), escaped)


def unescape(text: str) -> str:
    """Inverse of the three entities (for console output)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_len(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _is_attached(char: str) -> bool:
    """True for a character that belongs to the one before it (mark, selector, joiner)."""
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or "\ufe00" <= char <= "\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tone modifiers
        or char in _JOINERS
    )


def _boundary(text: str, end: int) -> int:
    """The greatest boundary <= end that does not split a cluster or follow a joiner."""
    while 0 < end < len(text) and (_is_attached(text[end]) or text[end - 1] in _JOINERS):
        end -= 1
    return end


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` Slack characters, cut on a boundary and ended with ``…``.

    Use it on text that is already safe (escaped or trusted); ``escape_cut`` does both.
    """
    if slack_len(text) <= limit:
        return text
    budget = limit - slack_len(ELLIPSIS)
    end = 0
    used = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end = index + 1
    end = _boundary(text, end)
    # Never leave half an entity: "&am" would render as garbage.
    amp = text.rfind("&", max(0, end - 5), end)
    if amp != -1 and ";" not in text[amp:end]:
        end = amp
    return text[:end].rstrip() + ELLIPSIS


def escape_cut(text: str, limit: int) -> str:
    """Escape untrusted ``text`` and fit it in ``limit`` characters."""
    return cut(escape(text), limit)
