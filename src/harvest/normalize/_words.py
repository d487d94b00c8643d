"""Shared helper: search a case-insensitive regex only from where a match can begin.

Private to harvest. ``re`` tries a pattern that starts with ``\\b``, a group or a
lookbehind at every position of a text, and IGNORECASE turns off its scan for a
literal prefix: a few µs for a sentence. When every match holds one of a few words,
the first of them (``str.find`` on the lowercased text, a C scan) says where a match
can begin, or that there is none.
"""

from __future__ import annotations

import re


def first_word(text: str, words: tuple[str, ...]) -> int | None:
    """Where the first of ``words`` (lowercase ASCII) begins in ``text``, in any case;
    None when there is none.

    0 for a non-ASCII text, to be searched whole: lowercasing can change its length,
    and IGNORECASE matches more than ASCII there ("ſ" for "s", "K" for "k").

    >>> first_word("Sponsored by X, funded by Y", ("funded", "sponsored"))
    0
    >>> first_word("A report.", ("funded",)) is None
    True
    """
    if not text.isascii():
        return 0
    lower = text.lower()
    found = [i for i in map(lower.find, words) if i >= 0]
    return min(found) if found else None


def search_from_words(
    pattern: re.Pattern[str], text: str, words: tuple[str, ...], lead: int = 0
) -> re.Match[str] | None:
    """``pattern.search(text)``, for a pattern whose every match holds one of ``words``
    and begins at most ``lead`` characters before it.

    The search starts ``lead`` characters before the first of the words: no match can
    begin earlier, so it finds the match a search from 0 finds (``\\b`` and lookbehinds
    still see the characters before the start).
    """
    start = first_word(text, words)
    if start is None:
        return None
    return pattern.search(text, max(start - lead, 0))
