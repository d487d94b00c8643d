"""Shared helper: turn a number as written on a page into a Decimal.

Private to the normalize package. Handles comma or dot as the decimal mark and
comma, dot, space or apostrophe as thousands separators.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_GROUPING = re.compile(r"[\s'’]")
_MAX_DIGITS = 40  # longer digit runs are junk, not numbers
_MAX_WHOLE_DIGITS = 18  # nothing on a page is a quintillion


def parse_number(token: str, *, dot_groups: bool) -> Decimal | None:
    """Decimal value of *token* (digits with separators), or None.

    Both marks present: the last one is the decimal mark. One mark repeated:
    thousands separator. One single mark followed by exactly three digits after
    a non-zero integer part of 1..3 digits: a thousands separator if it is a
    comma, or a dot when *dot_groups* is true; otherwise the decimal mark.

    >>> parse_number("1.234,50", dot_groups=True)
    Decimal('1234.50')
    >>> parse_number("0,3", dot_groups=False)
    Decimal('0.3')
    """
    token = _GROUPING.sub("", token)
    if not token or sum(c.isdigit() for c in token) > _MAX_DIGITS:
        return None
    marks = [c for c in token if c in ".,"]
    if len(set(marks)) == 2:
        decimal_mark = token[max(token.rfind("."), token.rfind(","))]
        whole, _, frac = token.rpartition(decimal_mark)
        token = whole.replace(".", "").replace(",", "") + "." + frac
    elif len(marks) > 1:
        token = token.replace(marks[0], "")
    elif marks:
        token = _single_mark(token, marks[0], dot_groups=dot_groups)
    if not token.replace(".", "", 1).isdigit():
        return None
    try:
        number = Decimal(token)
    except InvalidOperation:
        return None
    return number if number.adjusted() < _MAX_WHOLE_DIGITS else None


def _single_mark(token: str, mark: str, *, dot_groups: bool) -> str:
    whole, _, frac = token.partition(mark)
    grouping = mark == "," or dot_groups
    if grouping and len(frac) == 3 and 1 <= len(whole) <= 3 and whole.strip("0"):
        return whole + frac
    return whole + "." + frac
