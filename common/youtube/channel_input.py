"""Turn what a user typed (id, @handle or channel URL) into a ``ChannelRef`` before any API call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from common.errors import InvalidInput

__all__ = ["ACCEPTED_FORMS", "MAX_INPUT_CHARS", "ChannelKind", "ChannelRef", "parse_channel_input"]

ChannelKind = Literal["id", "handle", "username", "custom"]

MAX_INPUT_CHARS = 300
ACCEPTED_FORMS = (
    "a channel id (UC followed by 22 letters, digits, _ or -), an @handle, "
    "or a youtube.com/channel/UC…, youtube.com/@handle, youtube.com/user/NAME "
    "or youtube.com/c/NAME address"
)

_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
# \w is Unicode-aware: YouTube handles may use letters of any script.
_HANDLE = re.compile(r"@[\w.-]{3,30}")
_NAME = re.compile(r"[\w.-]{1,100}")
_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"})
_NOT_A_CHANNEL = {
    "watch": "that is a video address, not a channel",
    "shorts": "that is a video address, not a channel",
    "live": "that is a video address, not a channel",
    "embed": "that is a video address, not a channel",
    "playlist": "that is a playlist address, not a channel",
}


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A parsed channel reference: which lookup to use and its value (handles keep their ``@``)."""

    kind: ChannelKind
    value: str


def _reject(problem: str) -> InvalidInput:
    return InvalidInput(f"{problem}; expected {ACCEPTED_FORMS}")


def _match(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.fullmatch(value):
        raise _reject(f"{what} is malformed")
    return value


def _from_path(path: str) -> ChannelRef:
    segments = [unquote(s) for s in path.split("/") if s]
    if not segments:
        raise _reject("the address names no channel")
    head, rest = segments[0], segments[1:]
    if head.startswith("@"):
        return ChannelRef("handle", _match(_HANDLE, head, "the @handle"))
    if head in _NOT_A_CHANNEL:
        raise _reject(_NOT_A_CHANNEL[head])
    if not rest and head in ("channel", "user", "c"):
        raise _reject(f"the /{head}/ address has no name after it")
    if head == "channel":
        return ChannelRef("id", _match(_CHANNEL_ID, rest[0], "the channel id"))
    if head == "user":
        return ChannelRef("username", _match(_NAME, rest[0], "the user name"))
    if head == "c":
        return ChannelRef("custom", _match(_NAME, rest[0], "the custom name"))
    raise _reject("the address is not a channel page")


def _from_url(text: str) -> ChannelRef:
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise _reject("only http and https addresses are accepted")
    # Comparing the whole netloc also rejects ports and user:password@ prefixes.
    if parts.netloc.lower() not in _HOSTS:
        raise _reject("the address is not on youtube.com")
    return _from_path(parts.path)


def parse_channel_input(text: str) -> ChannelRef:
    """Parse a channel id, ``@handle`` or youtube.com channel address.

    Raises:
        InvalidInput: the text is empty, too long or not one of the accepted forms.
    """
    if len(text) > MAX_INPUT_CHARS:
        raise _reject(f"the input is longer than {MAX_INPUT_CHARS} characters")
    value = text.strip()
    if not value:
        raise _reject("the input is empty")
    if any(ch.isspace() for ch in value):
        raise _reject("the input contains spaces")
    if value.startswith("@"):
        return ChannelRef("handle", _match(_HANDLE, value, "the @handle"))
    if _CHANNEL_ID.fullmatch(value):
        return ChannelRef("id", value)
    if value.upper().startswith("UC") and "/" not in value and "." not in value:
        raise _reject("the channel id is malformed")
    return _from_url(value)
