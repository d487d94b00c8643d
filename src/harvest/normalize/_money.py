"""Parse prices as shown on pages ("$20.00", "20,00 €", "1 720,00 zł", "HUF 39000").

The price-parser library finds the amount and the currency marker in the text;
harvest adds what a record needs on top: the marker as an ISO 4217 code
(``CURRENCY_MARKERS``), the amount as a decimal string (never a float) quantized to
the currency's minor units (``MINOR_UNITS``, ROUND_HALF_UP), the raw text kept beside
them, and ``None`` instead of an exception for junk. Both tables live in
``harvest.normalize._currencies``.

Harvest is stricter than price-parser where a record would otherwise claim a price
the page does not show: a negative amount ("-$20.00"), a text without digits
("Free"), a marker harvest cannot name (a withdrawn currency, the toman), a code
inside a word ("USDA 20") give ``None``. A number with no marker uses the caller's
default currency, but only when the text is just that number, optionally after a
label ("Price: 20.00"). When the text holds several numbers, the one the marker
stands beside is the amount ("Paperback (96 pages): $20.00" is 20.00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from price_parser import Price

from harvest.normalize._currencies import ANY_CASE_CODES, CURRENCY_MARKERS, MINOR_UNITS
from harvest.normalize._text import clean_text

__all__ = ["CURRENCY_MARKERS", "MINOR_UNITS", "ParsedPrice", "currency_in", "parse_price"]

_MAX_WHOLE_DIGITS = 18  # nothing on a page is a quintillion
_NUMBER = r"[0-9]+(?:[.,][0-9]+|[ '’][0-9]{3}(?![0-9]))*"
_BARE = re.compile(rf"(?:[A-Za-z][A-Za-z ]*:\s*)?{_NUMBER}")
_FIRST_DIGIT = re.compile(r"\.?\d")
_NUMBER_BEFORE = re.compile(r"\.?\d[\d\s.,']*$")  # price-parser's number, then the marker
# Harvest's own markers, for those price-parser does not find: a code in lower case
# ("20 usd"), one it does not know ("MRU"), a native abbreviation ("KSh"). Latin
# letters must not touch a marker's own ("USDA 20" has none).
_MARKER = re.compile(
    r"(?<![A-Za-z])(?:(?i:{})|{})(?![A-Za-z])".format(
        "|".join(sorted(ANY_CASE_CODES)),
        "|".join(re.escape(k) for k in sorted(CURRENCY_MARKERS, key=len, reverse=True)),
    )
)
# "0.005": price-parser reads a mark and three digits as a thousands group ("1.500" is
# 1500), but after a zero there is no thousand: it is the decimal mark.
_ZERO_GROUP = re.compile(r"0*[.,](\d{3})")
_MINUS = ("-", "\u2212")


@dataclass(frozen=True, slots=True)
class ParsedPrice:
    """A parsed price: ``amount`` as a decimal string, ISO 4217 ``currency``, raw ``text``."""

    amount: str
    currency: str
    text: str


def currency_in(text: str | None) -> str | None:
    """The ISO 4217 code of the currency marker in *text*, or None.

    For a currency shown apart from its amount (price-parser's ``currency_hint``):
    pass the code as ``parse_price``'s default currency.

    >>> currency_in("Prices in zł")
    'PLN'
    >>> currency_in("Add to cart") is None
    True
    """
    cleaned = clean_text(text) if isinstance(text, str) else None
    found = _marker(cleaned) if cleaned else None
    return _code(found[0]) if found else None


def parse_price(text: str | None, default_currency: str = "USD") -> ParsedPrice | None:
    """Return the price in *text*, or None when there is none.

    >>> parse_price("$1,000")
    ParsedPrice(amount='1000.00', currency='USD', text='$1,000')
    >>> parse_price("1.234,50 €")
    ParsedPrice(amount='1234.50', currency='EUR', text='1.234,50 €')
    >>> parse_price("¥1,500").amount
    '1500'
    >>> parse_price("1 720,00 zł")
    ParsedPrice(amount='1720.00', currency='PLN', text='1 720,00 zł')
    >>> parse_price("Free") is None
    True
    """
    if not isinstance(text, str):
        return None
    return _parse_price(text, default_currency if isinstance(default_currency, str) else None)


# Print tables repeat a few prices ("$25.00"): each is parsed once (10-20 µs).
@lru_cache(maxsize=1024)
def _parse_price(text: str, default_currency: str | None) -> ParsedPrice | None:
    cleaned = clean_text(text)
    if cleaned is None or _FIRST_DIGIT.search(cleaned) is None:
        return None  # price-parser reads "Free" as 0: no price is shown
    found = _marker(cleaned)
    if found is not None:
        marker, at = found
        currency = _code(marker)
        start = _beside(cleaned, marker, at)
    elif _BARE.fullmatch(cleaned) and default_currency is not None:
        currency, start = default_currency.strip().upper(), 0
    else:
        return None
    if currency is None or _negative(cleaned, start, found):
        return None
    amount = _amount(cleaned[start:])
    if amount is None:
        return None
    quantized = _quantize(amount, currency)
    return ParsedPrice(quantized, currency, text.strip()) if quantized else None


def _marker(text: str) -> tuple[str, int] | None:
    """The currency marker price-parser finds in *text* and where it is, or one of harvest's."""
    marker = Price.fromstring(text).currency
    at = text.find(marker) if marker else -1
    found = (marker, at) if marker and at >= 0 and not _inside_word(text, marker, at) else None
    if found is not None and _code(found[0]) is not None:
        return found
    # "20 usd", "2963yen", "1 KSh", "1 R₣" (price-parser sees "₣"): markers price-parser
    # does not find. "USDA 20" has none. One that harvest cannot name either stays found,
    # so that its price gives None rather than the default currency.
    own = _MARKER.search(text)
    return (own[0], own.start()) if own else found


def _inside_word(text: str, marker: str, at: int) -> bool:
    """Whether a marker in Latin letters is part of a word ("USD" in "USDA")."""
    before = text[at - 1 : at]
    after = text[at + len(marker) : at + len(marker) + 1]
    return (_latin(marker[0]) and _latin(before)) or (_latin(marker[-1]) and _latin(after))


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _code(marker: str) -> str | None:
    code = CURRENCY_MARKERS.get(marker)
    if code is None and marker.upper() in ANY_CASE_CODES:
        code = marker.upper()
    return code


def _beside(text: str, marker: str, at: int) -> int:
    """Where to read the amount: the number after the marker or the one before it.

    Anywhere else, the text's first number, as price-parser reads it.
    """
    before = _NUMBER_BEFORE.search(text, 0, at)
    if before is not None:
        return before.start()
    return at if _FIRST_DIGIT.match(text[at + len(marker) :].lstrip()) else 0


def _negative(text: str, start: int, found: tuple[str, int] | None) -> bool:
    """Whether a minus sign stands before the amount, or before the marker before it."""
    digit = _FIRST_DIGIT.search(text, start)
    head = text[: digit.start() if digit else start].rstrip()
    if found is not None and found[1] >= start and head.endswith(found[0]):
        head = head[: -len(found[0])].rstrip()
    return head.endswith(_MINUS)


def _amount(text: str) -> Decimal | None:
    found = Price.fromstring(text)
    zero_group = _ZERO_GROUP.fullmatch(found.amount_text or "")
    amount = Decimal("0." + zero_group[1]) if zero_group else found.amount
    if amount is None or not amount.is_finite() or amount.adjusted() >= _MAX_WHOLE_DIGITS:
        return None
    return amount


def _quantize(number: Decimal, currency: str) -> str | None:
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    try:
        return format(number.quantize(exponent, rounding=ROUND_HALF_UP), "f")
    except InvalidOperation:
        return None
