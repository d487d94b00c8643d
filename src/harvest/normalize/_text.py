"""Clean text scraped from HTML: entities, Unicode form, whitespace, invisibles.

``clean_text`` is the base every other normalizer builds on. It never raises and
returns ``None`` when nothing readable is left, so callers can write
``clean_text(node.text())`` without guarding.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

# Removed: zero-width and invisible formatting characters (ZWSP, ZWNJ, ZWJ, LRM,
# RLM, word joiner, BOM, soft hyphen) and the C0/C1 control characters other than
# the whitespace ones (tab, LF, VT, FF, CR, NEL).
_REMOVED = re.compile(
    "[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
)

_MAX_PASSES = 8


def _clean_once(text: str) -> str:
    # Fast paths matter: this runs on every text of every page (~100 a page).
    if "&" in text:
        text = html.unescape(text)
    text = _REMOVED.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    # str.split() splits on the same Unicode whitespace as the regex \s (NBSP,
    # thin spaces, line separators...), and drops leading and trailing runs.
    return " ".join(text.split())


def clean_text(text: str | None) -> str | None:
    """Return *text* with entities decoded, NFC-normalized and whitespace collapsed.

    Entities are decoded until none are left (double-escaped ``&amp;amp;`` too),
    so the function is idempotent. Zero-width and control characters are removed.

    >>> clean_text("  Fish &amp; Chips\\u00a0\\n today ")
    'Fish & Chips today'
    >>> clean_text("caf\\u0065\\u0301")
    'café'
    >>> clean_text("\\u200b \\t") is None
    True
    >>> clean_text(None) is None
    True
    """
    if not isinstance(text, str):
        return None
    plain = _clean_plain(text)
    return (plain or None) if plain is not None else clean_full(text)


def clean_full(text: str) -> str | None:
    """``clean_text`` the long way, for any text."""
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text)
        # Only decoding can leave work for another pass (``&amp;amp;``).
        done = cleaned == text or "&" not in cleaned
        text = cleaned
        if done:
            break
    return text or None


def _clean_plain(text: str) -> str | None:
    """What ``clean_text`` gives for a text that needs no more than its spacing fixed.

    None when the text needs the full path: it has an ``&`` (maybe an entity), a
    character ``_REMOVED`` deletes, or is not NFC. Most page text needs only its
    spacing fixed, and checking so is cheaper than ``_REMOVED``'s substitution.
    Every character ``_REMOVED`` deletes is non-printable: a printable text has none,
    and in a non-printable one, those the split would take for spaces are looked for
    before collapsing and the rest are left in the collapsed text, which is then
    non-printable too.
    """
    if "&" in text:
        return None
    if text.isprintable():
        # No whitespace but the ASCII space (any other kind is a separator or a control,
        # which isprintable refuses; so is every character _REMOVED deletes): with one
        # space a run and none at either end, split and join would give the text back.
        # Most page text is so (~80 % of the calls, of the characters too).
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            text_or_collapsed = " ".join(text.split())
        else:
            text_or_collapsed = text
    else:
        if _has_separator_control(text):
            return None
        text_or_collapsed = " ".join(text.split())
        if not text_or_collapsed.isprintable():
            return None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        return None
    return text_or_collapsed


def _has_separator_control(text: str) -> bool:
    """Whether the text has one of the characters that _REMOVED deletes and that
    str.split() takes for whitespace (it would turn them into a space)."""
    return "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text


def clean_paragraphs(parts: Iterable[str | None]) -> str | None:
    """Clean each part with :func:`clean_text`, drop empty ones, join with blank lines.

    >>> clean_paragraphs(["First  para.", None, " ", "Second&nbsp;para."])
    'First para.\\n\\nSecond para.'
    >>> clean_paragraphs([]) is None
    True
    """
    if isinstance(parts, str):
        parts = [parts]
    try:
        cleaned = [c for c in (clean_text(p) for p in parts) if c]
    except TypeError:
        return None
    return "\n\n".join(cleaned) or None
