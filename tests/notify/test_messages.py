"""Block Kit messages: every kind in both languages, within Slack's limits, untrusted text inert."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from common.models import EVENT_KINDS
from common.notify.escape import slack_len
from common.notify.messages import (
    EventView,
    Message,
    event_message,
    group_message,
    hello_message,
    render_text,
)
from common.notify.texts import LANGUAGES, Language

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
CHANNEL = "UC" + "x" * 22
VIDEO = "dQw4w9WgXcQ"
INJECTION = "<!channel> free <https://evil.example|prize>"


def view(kind: str, title: str = "A title", **kw: Any) -> EventView:
    video = None if kind.startswith("channel_") else VIDEO
    details: dict[str, Any] = {"title": title}
    details.update(kw.pop("details", {}))
    return EventView(
        event_id=kw.pop("event_id", 42),
        kind=kind,
        detected_at=NOW,
        channel_id=CHANNEL,
        channel_title=kw.pop("channel_title", "Some Channel"),
        channel_handle="@some",
        video_id=kw.pop("video_id", video),
        scan_id="scan1",
        details=details,
        video_title=title,
        video_description=kw.pop("description", "what the video was about"),
        published_at=datetime(2026, 1, 2, tzinfo=UTC),
        last_seen_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
        **kw,
    )


def assert_within_limits(message: Message) -> None:
    """Slack's limits, checked by slack-sdk's own models and by our UTF-16 count."""
    assert message.text.strip()
    assert 1 <= len(message.blocks) <= 50
    for block in message.blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        if block["type"] == "header":
            assert slack_len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert slack_len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(slack_len(f["text"]) <= 2000 for f in block.get("fields", []))
    json.dumps(message.payload())


def buttons(message: Message) -> dict[str, str]:
    return {
        e["action_id"]: e["url"]
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_kind_renders_in_both_languages(kind: str, language: Language) -> None:
    message = event_message(
        view(kind, details={"reason": "copyright", "regions": ["DE"]}), language
    )
    assert_within_limits(message)
    assert message.blocks[0]["type"] == "header"
    links = buttons(message)
    assert links["open_channel"] == f"https://www.youtube.com/channel/{CHANNEL}"
    if not kind.startswith("channel_"):
        assert links["open_video"] == f"https://www.youtube.com/watch?v={VIDEO}"
        assert (
            links["archive"]
            == f"https://web.archive.org/web/*/https://www.youtube.com/watch?v={VIDEO}"
        )
    else:
        assert (
            links["archive"]
            == f"https://web.archive.org/web/*/https://www.youtube.com/channel/{CHANNEL}"
        )


def test_a_deleted_video_message_holds_everything_a_person_needs() -> None:
    message = event_message(view("deleted", "Lost forever", details={"probe": "gone"}), "en")
    blob = json.dumps(message.blocks, ensure_ascii=False)
    assert message.blocks[0]["text"]["text"] == ":wastebasket: Video deleted: Lost forever"
    assert f"<https://www.youtube.com/watch?v={VIDEO}|Lost forever>" in blob
    assert "Some Channel" in blob and "@some" in blob
    for label in ("Published", "Last seen", "Detected", "oEmbed says gone"):
        assert label in blob
    assert "<!date^1767312000^{date_short_pretty}|2026-01-02>" in blob  # published
    assert "2026-12-01 10:30 UTC" in blob  # detected, as the fallback of a date token
    assert "what the video was about" in blob
    assert (
        message.text
        == f"Video deleted: Lost forever (Some Channel) https://www.youtube.com/watch?v={VIDEO}"
    )


def test_japanese_words() -> None:
    message = event_message(view("removed", "消えた動画", details={"reason": "copyright"}), "ja")
    blob = json.dumps(message.blocks, ensure_ascii=False)
    assert (
        message.blocks[0]["text"]["text"] == ":no_entry: YouTube が動画を削除しました: 消えた動画"
    )
    for words in (
        "公開日",
        "最終確認",
        "検出日時",
        "著作権侵害の申し立て",
        "動画を開く",
        "アーカイブを探す",
        "重要度: 高",
    ):
        assert words in blob
    assert message.text.startswith("YouTube が動画を削除しました: 消えた動画")


@pytest.mark.parametrize(
    ("language", "only", "nowhere", "blocked"),
    [
        ("en", "Only viewable in", ("Regions", "Viewable nowhere"), "Blocked in"),
        ("ja", "視聴可能な地域", ("地域制限", "どの地域でも視聴できません"), "ブロック地域"),
    ],
)
def test_an_allow_list_says_where_the_video_plays(
    language: Language, only: str, nowhere: tuple[str, str], blocked: str
) -> None:
    allowed = {"allowed_regions": ["JP", "US"], "added": ["JP", "US"], "removed": []}
    rendered = render_text(event_message(view("geo_blocked", details=allowed), language))
    assert f"{only}: JP, US" in rendered
    assert blocked not in rendered
    empty = {"allowed_regions": [], "added": [], "removed": ["JP"]}
    rendered = render_text(event_message(view("geo_blocked", details=empty), language))
    assert f"{nowhere[0]}: {nowhere[1]}" in rendered
    assert only not in rendered
    # An event that recorded neither list shows what the video row kept.
    kept = view("geo_blocked", allowed_regions=("GB",), blocked_regions=("DE",))
    assert f"{only}: GB" in render_text(event_message(kept, language))
    assert f"{blocked}: DE" in render_text(
        event_message(view("geo_blocked", blocked_regions=("DE",)), language)
    )


def test_allowed_regions_are_escaped() -> None:
    message = event_message(view("geo_blocked", details={"allowed_regions": [INJECTION]}), "en")
    blob = json.dumps(message.payload(), ensure_ascii=False)
    assert "<!channel>" not in blob and "&lt;!channel&gt;" in blob


def test_the_mention_injection_is_escaped_everywhere() -> None:
    message = event_message(
        view("deleted", INJECTION, channel_title=INJECTION, description=INJECTION), "en"
    )
    blob = json.dumps(message.payload(), ensure_ascii=False)
    assert "<!channel>" not in blob and "<https://evil" not in blob
    assert "&lt;!channel&gt; free &lt;https://evil.example|prize&gt;" in blob
    assert "&lt;!channel&gt;" in message.text
    assert all(t["verbatim"] for b in message.blocks for t in _texts(b) if t["type"] == "mrkdwn")


def _texts(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block["text"]] if isinstance(block.get("text"), dict) else []
    found += block.get("fields", []) + [
        e
        for e in block.get("elements", [])
        if "type" in e and "text" in e and e["type"] in ("mrkdwn", "plain_text")
    ]
    return found


def test_huge_text_is_cut_to_the_limits() -> None:
    title = "あ😀&<" * 2000
    message = event_message(
        view(
            "changed",
            title,
            description=title,
            channel_title=title,
            details={"changes": {"title": {"old": title, "new": title}}},
        ),
        "ja",
    )
    assert_within_limits(message)
    assert message.blocks[0]["text"]["text"].endswith("…")


def test_a_group_lists_the_events_and_counts_the_rest() -> None:
    views = [
        view("deleted" if i % 3 else "private", f"Video {i}", event_id=i, video_id=f"v{i:010d}")
        for i in range(300)
    ]
    message = group_message(views, "en")
    assert_within_limits(message)
    blob = json.dumps(message.blocks, ensure_ascii=False)
    assert message.blocks[0]["text"]["text"] == "300 changes on Some Channel"
    assert "Video deleted: 200" in blob and "Video made private: 100" in blob
    assert "…and 260 more" in blob
    assert blob.count("https://www.youtube.com/watch?v=") == 40
    ja = group_message(views, "ja")
    assert ja.blocks[0]["text"]["text"] == "Some Channel で 300 件の変化"
    assert "…ほか 260 件" in json.dumps(ja.blocks, ensure_ascii=False)


def test_the_console_rendering_is_readable() -> None:
    rendered = render_text(event_message(view("deleted", "Tom & Jerry <3"), "en"))
    assert "== :wastebasket: Video deleted: Tom & Jerry <3 ==" in rendered
    assert f"Tom & Jerry <3 (https://www.youtube.com/watch?v={VIDEO})" in rendered
    assert "Detected: 2026-12-01 10:30 UTC" in rendered
    assert "-> Archived copies: https://web.archive.org/web/*/" in rendered
    assert "&amp;" not in rendered and "<!date" not in rendered


def test_hello_message() -> None:
    for language in LANGUAGES:
        message = hello_message(language, NOW)
        assert_within_limits(message)
    assert "2026-12-01 10:30 UTC" in hello_message("en", NOW).text


def test_a_malformed_id_never_reaches_a_url() -> None:
    message = event_message(view("deleted", video_id="bad id|<x>"), "en")
    assert "open_video" not in buttons(message)
    assert "bad id" not in json.dumps(message.blocks)


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", "Thumbnail image changed (same URL)"),
        ("ja", "サムネイル画像が差し替えられました (URL は同じ)"),
    ],
)
def test_a_thumbnail_image_change_says_so_and_links_only_well_formed_hashes(
    language: Language, line: str
) -> None:
    old, new = "a" * 64, "b" * 64
    base = f"https://admin.example/videos/{VIDEO}/thumbnail"
    change = {"thumbnail_image": {"old": old, "new": new}}
    message = event_message(
        view("changed", details={"changes": change}, archived_thumbnail_url=base), language
    )
    assert_within_limits(message)
    assert line in json.dumps(message.blocks, ensure_ascii=False)
    links = buttons(message)
    assert links["previous_thumbnail"] == f"{base}?sha256={old}"
    assert links["new_thumbnail"] == f"{base}?sha256={new}"

    forged = {"thumbnail_image": {"old": "x>|<https://evil.example", "new": new}}
    message = event_message(
        view("changed", details={"changes": forged}, archived_thumbnail_url=base), language
    )
    assert "previous_thumbnail" not in buttons(message)
    # Without PUBLIC_BASE_URL: the words, no links.
    plain = event_message(view("changed", details={"changes": change}), language)
    assert not {"previous_thumbnail", "new_thumbnail"} & set(buttons(plain))
