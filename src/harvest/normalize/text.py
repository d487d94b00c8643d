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

# Zero-width and invisible formatting characters: ZWSP, ZWNJ, ZWJ, LRM, RLM,
# word joiner, BOM and the soft hyphen.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad]")
# C0/C1 control characters other than the whitespace ones (tab, LF, VT, FF, CR, NEL).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Any run of Unicode whitespace (NBSP, thin spaces, line separators, tabs...).
_WHITESPACE = re.compile(r"\s+")

_MAX_PASSES = 8


def _clean_once(text: str) -> str:
    text = html.unescape(text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return _WHITESPACE.sub(" ", text).strip()


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
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text or None


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
