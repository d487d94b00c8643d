"""Parse publication dates as shown on pages into partial ISO 8601 strings.

The result is only as precise as the text: ``"YYYY-MM-DD"`` for a full date,
``"YYYY-MM"`` for a month and year, ``"YYYY"`` for a bare year. A day or month
the page does not show is never invented.

Accepted forms (a leading label such as "Published", "Posted on" or
"Updated:" is ignored, month names are case-insensitive and may be abbreviated):

* ``Aug 15, 2004``, ``August 15th, 2004``, ``Sept. 5, 2019``
* ``15 August 2004``, ``15 Aug 2004``
* ``2004-08-15`` (with or without a time part), ``2004/8/13``, ``20040813``
* ``8/13/2004`` (US month/day/year)
* ``Jan 2020``, ``January 2020``, ``2020-01``
* ``2004``

Full dates accept years 1000..2999; a bare year or month+year must be within
1800..2199, so page counts and report numbers are not mistaken for years.
When several dates appear the first one wins; an invalid first date (Feb 30,
month 13) gives ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

_FLAGS = re.IGNORECASE | re.ASCII

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH = (
    r"\b(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?<![0-9])(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?\b"
_FULL_YEAR = r"(?P<year>[12][0-9]{3})(?![0-9])"
_SHORT_YEAR = r"(?P<year>1[89][0-9]{2}|2[01][0-9]{2})(?![0-9])"

_YMD = re.compile(
    r"(?<![0-9])(?P<year>[12][0-9]{3})(?P<sep>[-/.])(?P<mon>[0-9]{1,2})(?P=sep)"
    r"(?P<day>[0-9]{1,2})(?![0-9])",
    _FLAGS,
)
_COMPACT = re.compile(
    r"(?<![0-9])(?P<year>[12][0-9]{3})(?P<mon>[01][0-9])(?P<day>[0-3][0-9])(?![0-9])", _FLAGS
)
_US_MDY = re.compile(r"(?<![0-9/])(?P<mon>[0-9]{1,2})/(?P<day>[0-9]{1,2})/" + _FULL_YEAR, _FLAGS)
_NAME_MDY = re.compile(_MONTH + r"\s*" + _DAY + r"(?:,\s*|\s+)" + _FULL_YEAR, _FLAGS)
_NAME_DMY = re.compile(_DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _FULL_YEAR, _FLAGS)
_NAME_MY = re.compile(_MONTH + r",?\s+" + _SHORT_YEAR, _FLAGS)
_ISO_YM = re.compile(r"(?<![0-9])" + _SHORT_YEAR + r"-(?P<mon>[0-9]{2})(?![0-9]|-[0-9])", _FLAGS)
_YEAR = re.compile(
    r"(?<![0-9A-Za-z$])(?<![0-9][.,])" + _SHORT_YEAR + r"(?![A-Za-z]|[.,][0-9])", _FLAGS
)


def _month(value: str) -> int:
    """Month number from digits or an (abbreviated) English month name."""
    return int(value) if value.isdigit() else _MONTHS[value[:3].lower()]


def _full(m: re.Match[str]) -> str | None:
    try:
        return date(int(m["year"]), _month(m["mon"]), int(m["day"])).isoformat()
    except (ValueError, KeyError):
        return None


def _year_month(m: re.Match[str]) -> str | None:
    month = _month(m["mon"])
    return f"{int(m['year']):04d}-{month:02d}" if 1 <= month <= 12 else None


def _year(m: re.Match[str]) -> str | None:
    return f"{int(m['year']):04d}"


# In priority order: when two forms match at the same position, the first wins.
FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (_YMD, _full),
    (_COMPACT, _full),
    (_US_MDY, _full),
    (_NAME_MDY, _full),
    (_NAME_DMY, _full),
    (_NAME_MY, _year_month),
    (_ISO_YM, _year_month),
    (_YEAR, _year),
)


def parse_date(text: str | None) -> str | None:
    """Return the first date in *text* as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.

    >>> parse_date("Published Aug 15, 2004")
    '2004-08-15'
    >>> parse_date("January 2020")
    '2020-01'
    >>> parse_date("Published in: 2004")
    '2004'
    >>> parse_date("8/13/2004")
    '2004-08-13'
    >>> parse_date("Feb 30, 2004") is None
    True
    >>> parse_date("Page 1 of 3389") is None
    True
    """
    if not isinstance(text, str):
        return None
    # A date right at the start (the usual "Aug 15, 2004") wins outright: no form can
    # match earlier, and the first form in priority order that matches there wins
    # the tie. Anchored tries fail fast; searching all forms scans the whole text.
    for pattern, build in FORMS:
        m = pattern.match(text)
        if m:
            return build(m)
    best: tuple[int, int, re.Match[str]] | None = None
    for rank, (pattern, _build) in enumerate(FORMS):
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), rank, m)
    if best is None:
        return None
    return FORMS[best[1]][1](best[2])
