"""Publication identifiers: DOI and ISBN.

>>> parse_doi("https://doi.org/10.7249/RRA2186-1")
'10.7249/RRA2186-1'
>>> parse_isbn("ISBN/EAN: 978-0-8330-3613-1")
'9780833036131'
"""

from __future__ import annotations

import re

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.I)
_ISBN = re.compile(r"\b((?:97[89][-\s]?)?(?:\d[-\s]?){9}[\dXx])\b")


def parse_doi(text: str | None) -> str | None:
    """The DOI in a text or a doi.org link, without the resolver prefix.

    >>> parse_doi("DOI: 10.7249/MG115.")
    '10.7249/MG115'
    >>> parse_doi("no doi here") is None
    True
    """
    if not text:
        return None
    match = _DOI.search(text)
    return match.group(1).rstrip(".,;:)]") if match else None


def parse_isbn(text: str | None) -> str | None:
    """An ISBN-10 or ISBN-13 as digits (and a final X), hyphens and spaces removed.

    The check digit is not enforced: the value shown is kept, as shown.

    >>> parse_isbn("0-8330-3613-7")
    '0833036137'
    >>> parse_isbn("12345") is None
    True
    """
    if not text:
        return None
    match = _ISBN.search(text)
    if not match:
        return None
    digits = re.sub(r"[-\s]", "", match.group(1)).upper()
    return digits if len(digits) in (10, 13) else None
