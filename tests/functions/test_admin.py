"""The admin function over HTTP: auth and throttle, every route, bad input, exports, feed, page."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from common import runtime
from tests.admin.support import (
    ADMIN,
    FORMULA_TITLE,
    SCRIPT_TITLE,
    Seeded,
    admin_client,
    basic,
    seed,
)
from tests.conftest import REDIS_URL
from tests.functions.conftest import client_for
from tests.support import Tracker

CHANNEL = "UC" + "a" * 22
VIDEO = "abcdefghijk"
ROUTES = [
    ("GET", "/"),
    ("GET", "/channels"),
    ("POST", "/channels"),
    ("GET", f"/channels/{CHANNEL}"),
    ("PATCH", f"/channels/{CHANNEL}"),
    ("DELETE", f"/channels/{CHANNEL}"),
    ("POST", f"/channels/{CHANNEL}/scan"),
    ("GET", f"/channels/{CHANNEL}/videos"),
    ("GET", f"/videos/{VIDEO}"),
    ("GET", "/events"),
    ("GET", "/export/videos.csv"),
    ("GET", "/export/events.csv"),
    ("GET", "/feed.atom"),
]


@pytest.fixture
def client(tracker: Tracker) -> FlaskClient:
    return admin_client()


@pytest.fixture
def redis_prefix() -> str:
    return f"test:admin:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def seeded(tracker: Tracker) -> Seeded:
    return seed(tracker)


def error_of(answer: object) -> dict[str, str]:
    body = answer.get_json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]


# -- the gate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("admin", "wrong"),
        basic("someone", "correct horse battery staple"),
        {"Authorization": "Bearer correct horse battery staple"},
        {"Authorization": "Basic !!!not-base64"},
    ],
    ids=["missing", "wrong-password", "wrong-user", "bearer", "garbled"],
)
def test_every_route_refuses_missing_and_wrong_credentials(
    client: FlaskClient, method: str, path: str, headers: dict[str, str]
) -> None:
    answer = client.open(path, method=method, headers=headers, json={"input": "@x"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Basic realm="ytdt admin"')
    assert error_of(answer)["code"] == "unauthorized"


def test_unconfigured_credentials_refuse_everything(tracker: Tracker) -> None:
    app = client_for("admin")
    answer = app.get("/channels", headers=ADMIN)
    assert answer.status_code == 500
    assert "ADMIN_USERNAME" in error_of(answer)["message"]


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_throttle_engages_after_too_many_failures_across_processes(
    tracker: Tracker, backend: str, redis_prefix: str
) -> None:
    env = {"AUTH_MAX_FAILURES": "3", "CLIENT_IP_HEADER": "Fly-Client-IP"}
    if backend == "redis":
        env.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix)
    first, second = admin_client(**env), client_for("admin")  # two apps: two "processes"
    attacker = {"Fly-Client-IP": "203.0.113.7"}
    for app in (first, second, first):
        assert app.get(
            "/channels", headers={**attacker, **basic("admin", "guess")}
        ).status_code == (401)
    refused = second.get("/channels", headers={**attacker, **basic("admin", "guess")})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert error_of(refused)["code"] == "too_many_failures"
    # Locked out even with the right password: guessing it now tells nothing.
    assert first.get("/channels", headers={**attacker, **ADMIN}).status_code == 429
    # Other addresses are not affected.
    other = {"Fly-Client-IP": "198.51.100.1"}
    assert first.get("/channels", headers={**other, **ADMIN}).status_code == 200


def test_missing_credentials_do_not_count_as_failures(tracker: Tracker) -> None:
    client = admin_client(AUTH_MAX_FAILURES="1")
    for _ in range(3):
        assert client.get("/").status_code == 401
    assert client.get("/", headers=ADMIN).status_code == 200


def test_require_https_refuses_plain_http(tracker: Tracker) -> None:
    client = admin_client(REQUIRE_HTTPS="true")
    answer = client.get("/channels", headers={**ADMIN, "X-Forwarded-Proto": "http"})
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "https_required"
    # Without the proxy's header the request's own scheme (http here) counts.
    assert client.get("/channels", headers=ADMIN).status_code == 403
    assert (
        client.get("/channels", headers={**ADMIN, "X-Forwarded-Proto": "https"}).status_code == 200
    )


def test_unknown_route_and_wrong_method(client: FlaskClient) -> None:
    missing = client.get("/nowhere", headers=ADMIN)
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    wrong = client.put("/channels", headers=ADMIN)
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


# -- channels ------------------------------------------------------------------------------------


def test_add_list_show_change_and_remove_a_channel(client: FlaskClient, tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@newchannel", title="New Channel")
    world.generate_videos(channel.id, 3, seed=1)

    added = client.post("/channels", json={"input": "@newchannel"}, headers=ADMIN)
    assert added.status_code == 201
    assert added.json["id"] == channel.id
    assert added.json["title"] == "New Channel"

    again = client.post("/channels", json={"input": channel.id}, headers=ADMIN)
    assert again.status_code == 409
    assert error_of(again)["field"] == "input"

    listed = client.get("/channels", headers=ADMIN).json
    assert [c["id"] for c in listed["channels"]] == [channel.id]
    assert listed["next_cursor"] is None

    scanned = client.post(f"/channels/{channel.id}/scan", headers=ADMIN)
    assert scanned.status_code == 200
    assert scanned.json["outcome"] == "scanned"
    shown = client.get(f"/channels/{channel.id}", headers=ADMIN).json
    assert shown["videos"] == 3
    assert shown["videos_by_state"] == {"public": 3}
    assert shown["recent_scans"][0]["outcome"] == "scanned"

    patched = client.patch(
        f"/channels/{channel.id}",
        json={"active": False, "scan_interval_minutes": 15},
        headers=ADMIN,
    )
    assert patched.status_code == 200
    assert (patched.json["active"], patched.json["scan_interval_minutes"]) == (False, 15)
    # The next scan moved forward to last scan + 15 minutes.
    assert patched.json["next_scan_at"] <= shown["next_scan_at"]
    reset = client.patch(
        f"/channels/{channel.id}", json={"scan_interval_minutes": None}, headers=ADMIN
    )
    assert reset.json["scan_interval_minutes"] is None
    assert reset.json["active"] is False

    assert client.delete(f"/channels/{channel.id}", headers=ADMIN).status_code == 204
    gone = client.get(f"/channels/{channel.id}", headers=ADMIN)
    assert gone.status_code == 404
    assert client.delete(f"/channels/{channel.id}", headers=ADMIN).status_code == 404


def test_adding_a_channel_youtube_does_not_know_is_404(client: FlaskClient) -> None:
    answer = client.post("/channels", json={"input": "@nobodyhere"}, headers=ADMIN)
    assert answer.status_code == 404


def test_max_channels_is_enforced_before_asking_youtube(tracker: Tracker) -> None:
    world = tracker.fake.world
    first = world.add_channel(handle="@first")
    world.add_channel(handle="@second")
    client = admin_client(MAX_CHANNELS="1")
    assert client.post("/channels", json={"input": first.id}, headers=ADMIN).status_code == 201
    calls = tracker.fake.world.counts()
    over = client.post("/channels", json={"input": "@second"}, headers=ADMIN)
    assert over.status_code == 422
    assert "MAX_CHANNELS" in error_of(over)["message"]
    assert tracker.fake.world.counts() == calls


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "input"),
        ({"input": ""}, "input"),
        ({"input": 42}, "input"),
        ({"input": "not a channel"}, "input"),
        ({"input": "https://example.com/@x"}, "input"),
        ({"input": "@x", "extra": 1}, "extra"),
    ],
)
def test_adding_a_channel_with_bad_input_names_the_field(
    client: FlaskClient, body: dict[str, object], field: str
) -> None:
    answer = client.post("/channels", json=body, headers=ADMIN)
    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] == "invalid_input"
    assert error["field"] == field


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_bodies_are_400(client: FlaskClient, raw: bytes, fragment: str) -> None:
    answer = client.post(
        "/channels", data=raw, headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert fragment in error_of(answer)["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"active": "true"}, "active"),
        ({"active": None}, "active"),
        ({"scan_interval_minutes": "15"}, "scan_interval_minutes"),
        ({"scan_interval_minutes": 0}, "scan_interval_minutes"),
        ({"scan_interval_minutes": 10**12}, "scan_interval_minutes"),
        ({"state": "terminated"}, "state"),
    ],
)
def test_patch_refuses_bad_changes(
    client: FlaskClient, seeded: Seeded, body: dict[str, object], field: str
) -> None:
    answer = client.patch(f"/channels/{seeded.channel_id}", json=body, headers=ADMIN)
    assert answer.status_code == 400
    assert error_of(answer)["field"] == field


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/channels/UCnope", 400),
        ("GET", f"/channels/{CHANNEL}", 404),
        ("PATCH", f"/channels/{CHANNEL}", 404),
        ("DELETE", "/channels/nope", 400),
        ("POST", f"/channels/{CHANNEL}/scan", 404),
        ("GET", f"/channels/{CHANNEL}/videos", 404),
        ("GET", "/videos/short", 400),
        ("GET", f"/videos/{VIDEO}", 404),
    ],
)
def test_malformed_and_unknown_ids(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    body = {"active": True} if method == "PATCH" else None
    answer = client.open(path, method=method, json=body, headers=ADMIN)
    assert answer.status_code == status
    assert error_of(answer)["code"] in ("invalid_input", "not_found")


# -- videos and events ---------------------------------------------------------------------------


def test_a_channels_videos_filtered_searched_and_paged(client: FlaskClient, seeded: Seeded) -> None:
    base = f"/channels/{seeded.channel_id}/videos"
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = client.get(base, query_string=query, headers=ADMIN).json
        seen += [v["id"] for v in page["videos"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(seeded.video_ids)
    assert len(seen) == len(set(seen)) and pages == 3

    removed = client.get(base, query_string={"state": "removed"}, headers=ADMIN).json["videos"]
    assert [(v["id"], v["rejection_reason"]) for v in removed] == [(seeded.removed, "copyright")]
    found = client.get(base, query_string={"q": "injected"}, headers=ADMIN).json["videos"]
    assert [v["title"] for v in found] == [SCRIPT_TITLE]
    # LIKE wildcards are matched literally.
    assert client.get(base, query_string={"q": "%"}, headers=ADMIN).json["videos"] == []


def test_a_video_with_its_history(client: FlaskClient, seeded: Seeded) -> None:
    answer = client.get(f"/videos/{seeded.deleted}", headers=ADMIN)
    assert answer.status_code == 200
    video = answer.json
    assert video["state"] == "deleted"
    assert video["title"] == FORMULA_TITLE
    assert video["channel_title"] == "Admin Tests Channel"
    assert [e["kind"] for e in video["events"]] == ["deleted"]
    assert video["events"][0]["details"]["probe"] == "gone"


def test_events_filtered_and_paged(client: FlaskClient, seeded: Seeded) -> None:
    everything = client.get("/events", headers=ADMIN).json
    assert {e["kind"] for e in everything["events"]} == {"removed", "deleted"}
    first = client.get("/events", query_string={"limit": 1}, headers=ADMIN).json
    second = client.get(
        "/events", query_string={"limit": 1, "cursor": first["next_cursor"]}, headers=ADMIN
    ).json
    assert [e["id"] for e in first["events"] + second["events"]] == [
        e["id"] for e in everything["events"]
    ]
    assert second["next_cursor"] is None
    removed = client.get(
        "/events",
        query_string={"kind": "removed", "channel_id": seeded.channel_id},
        headers=ADMIN,
    ).json["events"]
    assert [e["video_id"] for e in removed] == [seeded.removed]
    future = client.get("/events", query_string={"since": "2999-01-01"}, headers=ADMIN).json
    assert future["events"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "10" * 40}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"kind": "exploded"}, "kind"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2024-13-45"}, "since"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since"),
        ({"channel_id": "UCshort"}, "channel_id"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "x" * 600}, "cursor"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_event_queries_name_the_parameter(
    client: FlaskClient, query: dict[str, str], field: str
) -> None:
    answer = client.get("/events", query_string=query, headers=ADMIN)
    assert answer.status_code == 400
    assert error_of(answer)["field"] == field


def test_repeated_parameters_are_refused(client: FlaskClient) -> None:
    answer = client.get("/events?limit=1&limit=2", headers=ADMIN)
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "limit"


def test_cursors_are_tamper_proof_and_bound_to_their_listing(
    client: FlaskClient, seeded: Seeded
) -> None:
    cursor = client.get("/events", query_string={"limit": 1}, headers=ADMIN).json["next_cursor"]
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    tampered = client.get("/events", query_string={"cursor": flipped}, headers=ADMIN)
    assert tampered.status_code == 400
    assert error_of(tampered)["field"] == "cursor"
    elsewhere = client.get(
        f"/channels/{seeded.channel_id}/videos", query_string={"cursor": cursor}, headers=ADMIN
    )
    assert elsewhere.status_code == 400
    assert "another listing" in error_of(elsewhere)["message"]
    # A cursor signed with another password (another deployment) is refused too.
    other = admin_client(ADMIN_PASSWORD="different")
    stolen = other.get(
        "/events", query_string={"cursor": cursor}, headers=basic("admin", "different")
    )
    assert stolen.status_code == 400


# -- exports, feed, dashboard --------------------------------------------------------------------


def read_csv(answer: object) -> list[dict[str, str]]:
    text = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_videos_csv_is_streamed_and_neutralises_formulas(
    client: FlaskClient, seeded: Seeded
) -> None:
    answer = client.get("/export/videos.csv", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.is_streamed
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = {row["video_id"]: row for row in read_csv(answer)}
    assert set(rows) == set(seeded.video_ids)
    assert rows[seeded.deleted]["title"] == "'" + FORMULA_TITLE
    assert rows[seeded.deleted]["state"] == "deleted"
    assert rows[seeded.removed]["title"] == SCRIPT_TITLE
    assert rows[seeded.removed]["rejection_reason"] == "copyright"
    only = read_csv(client.get("/export/videos.csv?state=removed", headers=ADMIN))
    assert [row["video_id"] for row in only] == [seeded.removed]


def test_events_csv(client: FlaskClient, seeded: Seeded) -> None:
    rows = read_csv(client.get("/export/events.csv", headers=ADMIN))
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["removed"]["reason"] == "copyright"
    assert by_kind["deleted"]["title"] == "'" + FORMULA_TITLE
    bad = client.get("/export/events.csv?kind=nope", headers=ADMIN)
    assert bad.status_code == 400


def test_atom_feed(client: FlaskClient, seeded: Seeded, tracker: Tracker) -> None:
    answer = client.get("/feed.atom", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.content_type.startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(answer.data)  # noqa: S314 (our own answer, in a test)
    entries = root.findall("a:entry", ns)
    titles = {e.findtext("a:title", namespaces=ns) for e in entries}
    assert f"Video removed by YouTube: {SCRIPT_TITLE}" in titles
    assert f"Video deleted: {FORMULA_TITLE}" in titles
    links = {e.find("a:link", ns).get("href") for e in entries}  # type: ignore[union-attr]
    assert f"https://www.youtube.com/watch?v={seeded.removed}" in links
    removed = next(e for e in entries if "removed" in (e.findtext("a:title", namespaces=ns) or ""))
    assert "copyright claim" in (removed.findtext("a:summary", namespaces=ns) or "")


def test_dashboard_shows_disappearances_and_quota(client: FlaskClient, seeded: Seeded) -> None:
    answer = client.get("/", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; Injected" in page
    assert "<script" not in page
    assert "copyright claim" in page
    assert "Admin Tests Channel" in page
    assert "Quota used today" in page
    head = client.head("/", headers=ADMIN)
    assert head.status_code == 200
    assert head.data == b""


def test_dashboard_quota_reflects_units_spent(client: FlaskClient, seeded: Seeded) -> None:
    used = runtime.ledger().used()
    assert used > 0
    page = client.get("/", headers=ADMIN).get_data(as_text=True)
    assert f"{used} / 10000" in page


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/channels/{channel}/videos", {"q": "a\x00b"}, None),
        ("GET", "/export/videos.csv", {"q": "\x00"}, None),
        ("POST", "/channels", {}, {"input": "@a\x00b"}),
        ("POST", "/channels", {}, {"input": "UC" + "\x00" * 22}),
        ("GET", "/events", {"cursor": "\x00"}, None),
    ],
)
def test_nul_characters_are_refused_not_crashed_on(
    client: FlaskClient,
    seeded: Seeded,
    method: str,
    path: str,
    query: dict[str, str],
    body: dict[str, str] | None,
) -> None:
    # PostgreSQL refuses NUL in text: it must never get that far.
    answer = client.open(
        path.format(channel=seeded.channel_id),
        method=method,
        query_string=query,
        json=body,
        headers=ADMIN,
    )
    assert answer.status_code == 400, answer.get_data(as_text=True)
