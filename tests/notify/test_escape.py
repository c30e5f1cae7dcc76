"""Untrusted text is made inert and cut safely: no mention, no forged link, no half character."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from common.notify.escape import ELLIPSIS, cut, escape, escape_cut, slack_len, unescape

INJECTION = "<!channel> free <https://evil.example|prize>"


def test_the_mention_injection_title_is_inert() -> None:
    safe = escape(INJECTION)
    assert safe == "&lt;!channel&gt; free &lt;https://evil.example|prize&gt;"
    assert "<" not in safe and ">" not in safe
    assert unescape(safe) == INJECTION


def test_ampersands_are_escaped_first() -> None:
    assert escape("Tom & Jerry <3 &lt;") == "Tom &amp; Jerry &lt;3 &amp;lt;"


def test_bare_broadcast_words_are_defused() -> None:
    safe = escape("hey @channel and @HERE, not @channels or mail@here.example")
    assert "@channel " not in safe and "@HERE" not in safe
    assert "@\u2060channel" in safe and "@\u2060HERE" in safe
    assert "@channels" in safe  # only the whole words


def test_short_text_is_left_alone() -> None:
    assert cut("short", 10) == "short"


def test_cut_never_leaves_half_an_entity() -> None:
    text = escape("a" * 8 + "<b")  # aaaaaaaa&lt;b
    for limit in range(1, len(text)):
        result = cut(text, limit)
        assert slack_len(result) <= limit
        assert re.search(r"&(?!amp;|lt;|gt;)", result) is None, result


def test_cut_keeps_combining_marks_and_emoji_sequences_whole() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one family emoji, joined
    text = "ab" + family + "cd"
    for limit in range(1, slack_len(text)):
        result = cut(text, limit).removesuffix(ELLIPSIS)
        assert not result.endswith("\u200d")
        assert family in result or result == "ab"[: len(result)] or result == "a"
    accented = "e\u0301" * 10  # é as e + combining acute
    for limit in range(2, 12):
        result = cut(accented, limit).removesuffix(ELLIPSIS)
        assert not result.startswith("\u0301") and result.count("e") == result.count("\u0301")


def test_length_counts_utf16_units_so_astral_characters_count_twice() -> None:
    assert slack_len("😀") == 2
    result = cut("😀" * 100, 10)
    assert slack_len(result) <= 10


@given(st.text(), st.integers(min_value=1, max_value=400))
def test_escape_cut_always_fits_and_stays_inert(text: str, limit: int) -> None:
    result = escape_cut(text, limit)
    assert slack_len(result) <= limit
    assert "<" not in result and ">" not in result
    assert re.search(r"&(?!amp;|lt;|gt;)", result) is None
    body = result.removesuffix(ELLIPSIS)
    assert escape(text).startswith(body.rstrip()) or escape(text).rstrip().startswith(body)
