"""Split image captions into (caption, credit), and clean stand-alone credits.

rand.org topic pages show one string such as "..., July 15, 2018, photo by Umit
Bektas/Reuters". The credit is found, in this order, as:

1. a trailing parenthetical that mentions a photo or credit: "caption (Photo by X)";
2. a marker after punctuation or at the start: ", photo by X", ". Photo: X",
   ". Image by X", ", photo courtesy of X", "Credit: X"; the marker is dropped;
3. a trailing segment containing the word photo: ", U.S. Navy Photo" or
   ", U.S. Army photo by Sgt. Jane Doe"; kept whole, losslessly.

Text that matches none of these is all caption.
"""

from __future__ import annotations

import re

from harvest.normalize._text import clean_text
from harvest.normalize._words import first_word

_BY_MARKER = (
    r"(?:(?:photo(?:graph)?s?|images?|(?:photo\s+)?illustrations?|graphics?)\s+"
    r"(?:by|courtesy(?:\s+of)?)|courtesy\s+of)\s*:?"
)
_COLON_MARKER = r"(?:(?:photo(?:graph)?s?|images?)(?:\s+credits?)?|credits?|source)\s*:"
_MARKER = rf"(?:{_BY_MARKER}|{_COLON_MARKER})"

_LEADING_MARKERS = re.compile(rf"^(?:[\s,;:|(\[-]*{_MARKER}\s*)+", re.IGNORECASE)
_INLINE_MARKER = re.compile(
    rf"(?P<lead>^|[.,;:!?]\s+|\s+[-–—|]\s+)(?P<marker>{_MARKER})\s*(?=\S)", re.IGNORECASE
)
_CREDIT_WORD = re.compile(r"\b(?:photo(?:graph)?s?|images?|courtesy|credits?)\b", re.IGNORECASE)
_CLOSING = {")": "(", "]": "["}
_PHOTO_WORD = re.compile(r"\bphoto(?:graph)?s?\b", re.IGNORECASE)
_BOUNDARY = re.compile(r"[,;]\s+|(?<=[a-z0-9)\]\"'’”]{2}[.!?])\s+|\s+[-–—|]\s+")
_CREDIT_SHAPE = re.compile(
    r"\bphoto(?:graph)?s?(?:\s+(?:by|courtesy\s+of)\s+\S.*|\.?)$", re.IGNORECASE
)
# A credit that ends in "photo" names its source: "U.S. Navy Photo", "DoD photo".
_NAMED_SOURCE = re.compile(r"(?:^|\s)[A-Z0-9][\w.&'’-]*\s+(?i:photo)")
_BRACKET = re.compile(r"[()\[\]]")
# Every marker, and every credit ``_segment_credit`` takes, starts with one of these
# words; the regexes above try each position of a text, so a text without any of them
# is settled by a few substring searches (most alt texts: ~10 µs less each).
_MARKER_WORDS = ("photo", "image", "illustration", "graphic", "courtesy", "credit", "source")
# The longest lead before a marker in clean text (single spaces): " - ", ", ".
_LONGEST_LEAD = 3
_CAPTION_TAIL = " ,;:-–—|([\t"
_CREDIT_EDGES = " ,;:-–—|\t"


def clean_credit(text: str | None) -> str | None:
    """Return a credit line without its "Photo by"/"Credit:"-style lead-in.

    >>> clean_credit("Photo by He Penglei/China News Service/VC")
    'He Penglei/China News Service/VC'
    >>> clean_credit("Photo credit: Reuters")
    'Reuters'
    >>> clean_credit("Photo by") is None
    True
    """
    cleaned = clean_text(text)
    while cleaned:
        if cleaned[0] in "([" and cleaned[-1] in ")]" and not _BRACKET.search(cleaned[1:-1]):
            stripped = cleaned[1:-1]
        else:
            stripped = _LEADING_MARKERS.sub("", cleaned, count=1)
        stripped = stripped.strip(_CREDIT_EDGES)
        if stripped == cleaned:
            break
        cleaned = stripped
    return cleaned or None


def _caption(text: str) -> str | None:
    return clean_text(text.rstrip(_CAPTION_TAIL))


def _paren_credit(text: str) -> tuple[str | None, str | None] | None:
    """A final "(...)" or "[...]" group that mentions a photo or credit."""
    opening = _CLOSING.get(text[-1])
    start = text.rfind(opening) if opening else -1
    inner = text[start + 1 : -1]
    if start < 0 or _BRACKET.search(inner) or not _CREDIT_WORD.search(inner):
        return None
    return _caption(text[:start]), clean_credit(inner)


def _segment_credit(text: str) -> tuple[str | None, str | None] | None:
    """A trailing segment such as "U.S. Navy Photo", or None if there is none."""
    words = list(_PHOTO_WORD.finditer(text))
    if not words:
        return None
    start = 0
    for boundary in _BOUNDARY.finditer(text, 0, words[-1].start()):
        start = boundary.end()
    credit = text[start:]
    if not _CREDIT_SHAPE.search(credit) or not _NAMED_SOURCE.search(credit):
        return None
    caption = text[:start]
    return _caption(caption), clean_credit(credit)


def split_caption(text: str | None) -> tuple[str | None, str | None]:
    """Split an image caption into ``(caption, credit)``.

    >>> split_caption("Ankara, July 15, 2018, photo by Umit Bektas/Reuters")
    ('Ankara, July 15, 2018', 'Umit Bektas/Reuters')
    >>> split_caption("Sydney July 15, 2013, U.S. Navy Photo")
    ('Sydney July 15, 2013', 'U.S. Navy Photo')
    >>> split_caption("Photo by Jane Doe")
    (None, 'Jane Doe')
    >>> split_caption("A quiet street")
    ('A quiet street', None)
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None, None
    paren = _paren_credit(cleaned)
    if paren:
        return paren
    start = first_word(cleaned, _MARKER_WORDS)
    if start is None:  # no marker, no credit segment: all caption
        return _caption(cleaned), None
    # No match can begin before the first marker word's lead (``search_from_words``).
    inline = _INLINE_MARKER.search(cleaned, max(start - _LONGEST_LEAD, 0))
    if inline:
        caption = cleaned[: inline.start()] + inline["lead"].strip(_CAPTION_TAIL)
        return _caption(caption), clean_credit(cleaned[inline.end("marker") :])
    return _segment_credit(cleaned) or (_caption(cleaned), None)
