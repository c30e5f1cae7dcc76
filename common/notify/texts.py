"""The words of every message, in English and Japanese (``SLACK_NOTIFICATION_LANGUAGE``)."""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGUAGES", "Language", "kind_label", "reason_label", "state_label", "text"]

Language = Literal["en", "ja"]
LANGUAGES: tuple[Language, ...] = ("en", "ja")

_KINDS: dict[str, tuple[str, str, str]] = {
    # kind: (emoji, en, ja)
    "deleted": (":wastebasket:", "Video deleted", "動画が削除されました"),
    "removed": (":no_entry:", "Video removed by YouTube", "YouTube が動画を削除しました"),
    "channel_terminated": (":skull:", "Channel terminated", "チャンネルが停止されました"),
    "private": (":lock:", "Video made private", "動画が非公開になりました"),
    "unavailable": (":warning:", "Video unavailable", "動画が視聴できません"),
    "unlisted": (":see_no_evil:", "Video unlisted", "動画が限定公開になりました"),
    "geo_blocked": (
        ":earth_asia:",
        "Video blocked in regions",
        "動画が一部の地域でブロックされました",
    ),
    "age_restricted": (":underage:", "Video age-restricted", "動画に年齢制限がかかりました"),
    "restored": (":white_check_mark:", "Video back", "動画が復活しました"),
    "changed": (":pencil2:", "Video changed", "動画が変更されました"),
    "channel_restored": (":white_check_mark:", "Channel back", "チャンネルが復活しました"),
    "new": (":new:", "New upload", "新しい動画"),
}

_STATES: dict[str, tuple[str, str]] = {
    "public": ("public", "公開"),
    "unlisted": ("unlisted", "限定公開"),
    "private": ("private", "非公開"),
    "deleted": ("deleted", "削除"),
    "removed": ("removed by YouTube", "YouTube により削除"),
    "unavailable": ("unavailable", "視聴不可"),
    "channel_gone": ("channel gone", "チャンネル消滅"),
    "geo_blocked": ("region-blocked", "地域ブロック"),
    "age_restricted": ("age-restricted", "年齢制限"),
}

# YouTube's status.rejectionReason values.
_REASONS: dict[str, tuple[str, str]] = {
    "claim": ("claimed", "申し立て"),
    "copyright": ("copyright claim", "著作権侵害の申し立て"),
    "duplicate": ("duplicate", "重複"),
    "inappropriate": ("inappropriate content", "不適切なコンテンツ"),
    "legal": ("legal reasons", "法的な理由"),
    "length": ("too long", "長さの超過"),
    "termsOfUse": ("terms of use violation", "利用規約違反"),
    "trademark": ("trademark claim", "商標権の申し立て"),
    "uploaderAccountClosed": ("uploader account closed", "投稿者のアカウント閉鎖"),
    "uploaderAccountSuspended": ("uploader account suspended", "投稿者のアカウント停止"),
    "unknown": ("not given", "不明"),
}

_TEXTS: dict[str, tuple[str, str]] = {
    "severity_info": ("info", "重要度: 情報"),
    "severity_low": ("low", "重要度: 低"),
    "severity_medium": ("medium", "重要度: 中"),
    "severity_high": ("high", "重要度: 高"),
    "channel": ("Channel", "チャンネル"),
    "published": ("Published", "公開日"),
    "last_seen": ("Last seen", "最終確認"),
    "detected": ("Detected", "検出日時"),
    "reason": ("Reason", "理由"),
    "regions": ("Blocked in", "ブロック地域"),
    "allowed_regions": ("Only viewable in", "視聴可能な地域"),
    "restriction": ("Regions", "地域制限"),
    "viewable_nowhere": ("Viewable nowhere", "どの地域でも視聴できません"),
    "previous": ("Was", "以前の状態"),
    "probe": ("Check", "確認方法"),
    "probe_gone": ("oEmbed says gone", "oEmbed で消失を確認"),
    "probe_private": ("oEmbed says private", "oEmbed で非公開を確認"),
    "probe_unknown": ("oEmbed could not tell", "oEmbed で判定不可"),
    "videos_affected": ("Videos affected", "影響を受けた動画"),
    "changes": ("Changes", "変更点"),
    "title_changed": ("Title", "タイトル"),
    "description_changed": ("Description changed", "説明文が変更されました"),
    "thumbnail_changed": ("Thumbnail changed", "サムネイルが変更されました"),
    "thumbnail_image_changed": (
        "Thumbnail image changed (same URL)",
        "サムネイル画像が差し替えられました (URL は同じ)",
    ),
    "previous_thumbnail": ("Previous thumbnail", "以前のサムネイル"),
    "new_thumbnail": ("New thumbnail", "新しいサムネイル"),
    "duration_changed": ("Duration", "長さ"),
    "open_video": ("Open video", "動画を開く"),
    "open_channel": ("Open channel", "チャンネルを開く"),
    "archive": ("Archived copies", "アーカイブを探す"),
    "archived_thumbnail": ("Archived thumbnail", "保存したサムネイル"),
    "unknown": ("unknown", "不明"),
    "untitled": ("(no title kept)", "(タイトル不明)"),
    "group_header": ("{count} changes on {channel}", "{channel} で {count} 件の変化"),
    "group_more": ("…and {count} more", "…ほか {count} 件"),
    "group_summary": ("In one scan:", "1 回のスキャンで:"),
    "digest_header": ("Digest: {since} to {until}", "ダイジェスト: {since} 〜 {until}"),
    "digest_events": ("Events by kind", "種類別のイベント"),
    "digest_none": ("No events in this period.", "この期間のイベントはありません。"),
    "digest_deliveries": ("Notifications", "通知"),
    "digest_sent": ("sent", "送信済み"),
    "digest_failed": ("failed", "失敗"),
    "digest_pending": ("pending", "保留中"),
    "digest_suppressed_severity": ("below severity floor", "重要度が閾値未満"),
    "digest_suppressed_flapping": ("held back (flapping)", "抑制 (繰り返し変化)"),
    "digest_channels": ("Most active channels", "イベントの多いチャンネル"),
    "digest_flapping": ("Flapping videos", "状態が繰り返し変わる動画"),
    "digest_flapping_line": ("{count} messages held back", "{count} 件の通知を抑制"),
    "test_header": ("ytdt test message", "ytdt テストメッセージ"),
    "test_body": (
        "If you can read this, YouTube Disappeared Video Tracker can post here. Sent {when}.",
        "このメッセージが見えていれば、YouTube Disappeared Video Tracker は"
        "ここに投稿できます。送信: {when}",
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    """A fixed phrase, formatted with ``values``."""
    en, ja = _TEXTS[key]
    phrase = ja if language == "ja" else en
    return phrase.format(**values) if values else phrase


def kind_label(kind: str, language: Language, *, emoji: bool = True) -> str:
    """``:wastebasket: Video deleted`` (a kind this code does not know is shown as is)."""
    icon, en, ja = _KINDS.get(kind, (":grey_question:", kind, kind))
    label = ja if language == "ja" else en
    return f"{icon} {label}" if emoji else label


def state_label(state: str, language: Language) -> str:
    en, ja = _STATES.get(state, (state, state))
    return ja if language == "ja" else en


def reason_label(reason: str, language: Language) -> str:
    en, ja = _REASONS.get(reason, (reason, reason))
    return ja if language == "ja" else en
