"""Property test: random paths, query strings and bodies on every admin route never give a 500."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.admin.support import ADMIN, Seeded, admin_client, seed
from tests.support import Tracker

ROUTES = [
    ("GET", "/"),
    ("GET", "/channels"),
    ("POST", "/channels"),
    ("GET", "/channels/{channel}"),
    ("PATCH", "/channels/{channel}"),
    ("DELETE", "/channels/{channel}"),
    ("POST", "/channels/{channel}/scan"),
    ("GET", "/channels/{channel}/videos"),
    ("GET", "/videos/{video}"),
    ("GET", "/events"),
    ("GET", "/export/videos.csv"),
    ("GET", "/export/events.csv"),
    ("GET", "/feed.atom"),
]
PARAMS = ["limit", "cursor", "state", "q", "kind", "since", "channel_id", "input", "active"]
FIELDS = ["input", "active", "scan_interval_minutes", "limit", "x"]

text = st.text(max_size=40)
numbers = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
values = st.one_of(
    text,
    numbers,
    st.sampled_from(
        [
            "",
            "0",
            "501",
            "removed",
            "deleted",
            "2024-02-30",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "UC" + "a" * 22,
            "%",
            "_",
            "\x00",
            "true",
        ]
    ),
)
queries = st.dictionaries(st.one_of(st.sampled_from(PARAMS), text), values, max_size=4)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=8,
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=64),
    st.dictionaries(st.one_of(st.sampled_from(FIELDS), text), json_values, max_size=3).map(
        lambda body: json.dumps(body).encode()
    ),
    json_values.map(lambda value: json.dumps(value).encode()),
)


@pytest.fixture
def world(tracker: Tracker) -> tuple[FlaskClient, Seeded]:
    return admin_client(), seed(tracker, videos=4)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    channel=st.one_of(st.just("known"), text),
    video=st.one_of(st.just("known"), text),
    query=queries,
    body=bodies,
)
def test_no_input_makes_any_route_fail_with_500(
    world: tuple[FlaskClient, Seeded],
    route: tuple[str, str],
    channel: str,
    video: str,
    query: dict[str, str],
    body: bytes | None,
) -> None:
    client, seeded = world
    method, template = route
    channel_id = seeded.channel_id if channel == "known" else quote(channel, safe="") or "x"
    video_id = seeded.removed if video == "known" else quote(video, safe="") or "x"
    path = template.format(channel=channel_id, video=video_id)
    answer = client.open(
        path,
        method=method,
        query_string=urlencode(query),
        data=body,
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert answer.status_code < 500, (method, path, query, body, answer.get_data(as_text=True))
    if answer.status_code >= 400:
        error = answer.get_json()["error"]
        assert error["code"] and error["message"]
