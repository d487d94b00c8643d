"""Parse file sizes shown on pages ("0.3 MB", "(850 KB)") into bytes.

Unit convention: binary, as file managers and most CMSs display sizes.
1 KB = 1024 bytes, 1 MB = 1024**2, 1 GB = 1024**3, 1 TB = 1024**4. The IEC
spellings KiB/MiB/GiB/TiB mean the same, and so do lowercase "kb"/"mb" (taken
as bytes, not bits). "B", "byte" and "bytes" are single bytes.

Numbers may use a comma thousands separator ("1,024 KB") or a decimal comma
("0,3 MB"). The first number followed by a unit wins; a negative number or a
number with no unit gives ``None``. Results are rounded half up to an int.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from harvest.normalize._numbers import parse_number

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_WORDS = {"kilo": "k", "mega": "m", "giga": "g", "tera": "t"}

_SIZE = re.compile(
    r"(?P<neg>(?<![0-9A-Za-z])[-\u2212]\s*)?(?<![0-9A-Za-z.,])"
    r"(?P<num>[0-9]+(?:[.,][0-9]+)*)\s*"
    r"(?P<unit>(?P<word>kilo|mega|giga|tera)?bytes?|(?P<prefix>[kmgt])i?b|b)\b",
    re.IGNORECASE | re.ASCII,
)


def _multiplier(m: re.Match[str]) -> int:
    prefix = m["prefix"] or _WORDS.get((m["word"] or "").lower(), "")
    return _UNITS[prefix.lower()]


def parse_size(text: str | None) -> int | None:
    """Return the size in *text* in bytes (1 KB = 1024 bytes), or None.

    >>> parse_size("0.3 MB")
    314573
    >>> parse_size("PDF file (850 KB)")
    870400
    >>> parse_size("1,024 KB")
    1048576
    >>> parse_size("0.3") is None
    True
    """
    return _parse_size(text) if isinstance(text, str) else None


# Download tables repeat a few hundred sizes ("1.2 MB"): the regex and the Decimal
# arithmetic (~3.5 µs) are done once for each.
@lru_cache(maxsize=1024)
def _parse_size(text: str) -> int | None:
    m = _SIZE.search(text)
    if m is None or m["neg"]:
        return None
    number = parse_number(m["num"], dot_groups=False)
    if number is None:
        return None
    try:
        value = (number * _multiplier(m)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return int(value)
