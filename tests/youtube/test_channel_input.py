"""Every accepted and refused form of channel input, and that refusals cost no API call."""

from __future__ import annotations

import pytest
import respx

from common.errors import InvalidInput
from common.youtube import ChannelRef, YouTubeClient, parse_channel_input

CID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        (CID, "id", CID),
        (f"  {CID}\n", "id", CID),
        (f"https://www.youtube.com/channel/{CID}", "id", CID),
        (f"http://youtube.com/channel/{CID}/videos", "id", CID),
        (f"m.youtube.com/channel/{CID}?si=abc#top", "id", CID),
        ("@GoogleDevelopers", "handle", "@GoogleDevelopers"),
        ("@a.b-c_9", "handle", "@a.b-c_9"),
        ("@abc", "handle", "@abc"),
        ("@" + "x" * 30, "handle", "@" + "x" * 30),
        ("https://www.youtube.com/@googledevelopers", "handle", "@googledevelopers"),
        ("https://www.youtube.com/@googledevelopers/videos", "handle", "@googledevelopers"),
        ("https://www.youtube.com/@googledevelopers/featured", "handle", "@googledevelopers"),
        ("https://www.youtube.com/@googledevelopers?si=xyz", "handle", "@googledevelopers"),
        ("https://www.youtube.com/@googledevelopers#about", "handle", "@googledevelopers"),
        ("youtube.com/@google.dev", "handle", "@google.dev"),
        ("m.youtube.com/@google/shorts", "handle", "@google"),
        ("HTTPS://WWW.YOUTUBE.COM/@Google", "handle", "@Google"),
        ("https://www.youtube.com/@%E3%81%82%E3%81%84%E3%81%86", "handle", "@あいう"),
        ("https://www.youtube.com/user/GoogleDevelopers", "username", "GoogleDevelopers"),
        ("www.youtube.com/user/GoogleDevelopers/videos?view=0", "username", "GoogleDevelopers"),
        ("https://www.youtube.com/c/GoogleDevelopers", "custom", "GoogleDevelopers"),
        ("youtube.com/c/GoogleDevelopers/featured", "custom", "GoogleDevelopers"),
    ],
)
def test_accepted_forms(text: str, kind: str, value: str) -> None:
    assert parse_channel_input(text) == ChannelRef(kind, value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   \t", "empty"),
        ("x" * 301, "longer than 300"),
        ("@ab", "@handle is malformed"),
        ("@" + "x" * 31, "@handle is malformed"),
        ("@bad!handle", "@handle is malformed"),
        ("@bad handle", "spaces"),
        ("UC123", "channel id is malformed"),
        (CID + "X", "channel id is malformed"),
        ("googledevelopers", "not on youtube.com"),
        ("https://youtu.be/dQw4w9WgXcQ", "not on youtube.com"),
        ("https://vimeo.com/123456", "not on youtube.com"),
        ("https://youtube.com.evil.example/@google", "not on youtube.com"),
        ("https://evil.example/www.youtube.com/@google", "not on youtube.com"),
        ("https://user@www.youtube.com/@google", "not on youtube.com"),
        ("https://www.youtube.com:8443/@google", "not on youtube.com"),
        ("ftp://www.youtube.com/@google", "only http and https"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "video address"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "video address"),
        ("https://www.youtube.com/playlist?list=PLOU2XLYxmsIKpaV8h0AGE05so0fAwwfTw", "playlist"),
        ("https://www.youtube.com/results?search_query=google", "not a channel page"),
        ("https://www.youtube.com/", "names no channel"),
        ("https://www.youtube.com/channel/", "no name after it"),
        ("https://www.youtube.com/channel/UC123", "channel id is malformed"),
        ("https://www.youtube.com/channel/@google", "channel id is malformed"),
        ("https://www.youtube.com/@x", "@handle is malformed"),
        ("https://www.youtube.com/user/bad!name", "user name is malformed"),
    ],
)
def test_refused_forms_name_the_problem_and_the_accepted_forms(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_channel_input(text)
    message = str(caught.value)
    assert problem in message
    assert "@handle" in message
    assert "youtube.com/channel/" in message


def test_length_limit_is_inclusive() -> None:
    base = "https://www.youtube.com/@google?q="
    assert parse_channel_input(base + "x" * (300 - len(base))).value == "@google"
    with pytest.raises(InvalidInput):
        parse_channel_input(base + "x" * (301 - len(base)))


def test_resolve_refuses_bad_input_before_any_request(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    with pytest.raises(InvalidInput):
        client.resolve_channel("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert not api.calls
    assert client.units_spent == 0
