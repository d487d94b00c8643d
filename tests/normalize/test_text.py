"""Table tests for harvest.normalize._text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harvest.normalize._text import clean_full, clean_paragraphs, clean_text

# (function, input, expected)
ROWS: list[tuple[Callable[[Any], str | None], Any, str | None]] = [
    (clean_text, "Fish &amp; Chips", "Fish & Chips"),
    (clean_text, "Research&nbsp;Report", "Research Report"),
    (clean_text, "  Research   Report \n\t RR-1234  ", "Research Report RR-1234"),
    (clean_text, "RAND\u00a0Corporation", "RAND Corporation"),
    (clean_text, "10\u202f000 copies", "10 000 copies"),
    (clean_text, "thin\u2009space", "thin space"),
    (clean_text, "zero\u200bwidth\u200c join\u200d\ufeff", "zerowidth join"),
    (clean_text, "bell\x07 and\x00 null\x7f", "bell and null"),
    (clean_text, "cafe\u0301", "café"),
    (clean_text, "Double escaped &amp;amp; entity", "Double escaped & entity"),
    (clean_text, "&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"),
    (clean_text, "Line one\r\nLine two\u2028three", "Line one Line two three"),
    (clean_text, "Jürgen Müller", "Jürgen Müller"),
    (clean_text, "李明", "李明"),
    (clean_text, "&#8220;Quoted&#8221; &mdash; text", "“Quoted” — text"),
    (clean_text, "", None),
    (clean_text, "   \n\t ", None),
    (clean_text, "\u200b\ufeff", None),
    (clean_text, "&nbsp;", None),
    (clean_text, None, None),
    (clean_text, "file\x1cseparator and\x1f unit", "fileseparator and unit"),
    (clean_text, "next\x85line\u00a0and e\u0301\ttab", "next line and é tab"),
    (
        clean_paragraphs,
        ["First  para.", None, " ", "Second&nbsp;para."],
        "First para.\n\nSecond para.",
    ),
    (clean_paragraphs, ["Only one"], "Only one"),
    (clean_paragraphs, [], None),
    (clean_paragraphs, [None, "", "\u200b"], None),
]


@pytest.mark.parametrize(
    ("func", "raw", "expected"), ROWS, ids=[f"{f.__name__}:{r!r}"[:60] for f, r, _ in ROWS]
)
def test_text(func: Callable[[Any], str | None], raw: Any, expected: str | None) -> None:
    assert func(raw) == expected


# Text as pages give it (runs of spaces and newlines, entities, controls, NBSP,
# combining accents, characters split() takes for spaces), and any text at all.
PAGE_TEXT = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from([" ", "  \n\t", "a", "Zo", "\u00e9", "e\u0301", "\u00a0", "\u2028"])
        | st.sampled_from(["\u2009", "\x1c", "\x1f", "\x85", "\x07", "\u200b", "\u00ad", "\ufeff"])
        | st.sampled_from(["&amp;", "&amp;amp;", "&", "&#233;", "\ue000", "\U0001f600", "\ud800"]),
        max_size=20,
    ).map("".join),
)


@settings(max_examples=1000, deadline=None)
@given(PAGE_TEXT)
# The edges of the fast path for text that needs no collapsing: always tried.
@example(" a")
@example("a ")
@example("a  b")
@example("a\u2009b")
@example("a b")
def test_clean_text_fast_path_agrees_with_the_full_path(text: str) -> None:
    assert clean_text(text) == clean_full(text)
