"""Parse prices as shown on pages ("$20.00", "20,00 €", "CHF 12.50").

Modelled on the price-parser library: the result keeps the raw text beside the
cleaned value, the amount is a decimal string (never a float) quantized to the
currency's minor units, and junk gives ``None`` instead of an exception.

Currency markers (symbols and ISO codes) are looked up in ``CURRENCY_MARKERS``;
``MINOR_UNITS`` gives the decimals of each currency (2 when absent). A number
with no marker uses the caller's default currency, but only when the text is
just that number, optionally after a label ("Price: 20.00").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from harvest.normalize._numbers import parse_number
from harvest.normalize._text import clean_text

CURRENCY_MARKERS: dict[str, str] = {
    "$": "USD", "US$": "USD", "USD": "USD",
    "€": "EUR", "EUR": "EUR",
    "£": "GBP", "GBP": "GBP",
    "¥": "JPY", "JP¥": "JPY", "JPY": "JPY",
    "₩": "KRW", "KRW": "KRW",
    "C$": "CAD", "CA$": "CAD", "CAD": "CAD",
    "A$": "AUD", "AU$": "AUD", "AUD": "AUD",
    "NZ$": "NZD", "NZD": "NZD",
    "HK$": "HKD", "HKD": "HKD",
    "S$": "SGD", "SGD": "SGD",
    "CN¥": "CNY", "RMB": "CNY", "CNY": "CNY",
    "₹": "INR", "INR": "INR",
    "CHF": "CHF", "SEK": "SEK", "NOK": "NOK", "DKK": "DKK",
    "₽": "RUB", "RUB": "RUB", "₪": "ILS", "ILS": "ILS",
    "R$": "BRL", "BRL": "BRL", "MX$": "MXN", "MXN": "MXN",
}  # fmt: skip

MINOR_UNITS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "NZD": 2, "HKD": 2,
    "SGD": 2, "CNY": 2, "INR": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
    "RUB": 2, "ILS": 2, "BRL": 2, "MXN": 2, "JPY": 0, "KRW": 0,
}  # fmt: skip

_MARKER = "|".join(re.escape(k) for k in sorted(CURRENCY_MARKERS, key=len, reverse=True))
_NUMBER = r"[0-9]+(?:[.,][0-9]+|[ '’][0-9]{3}(?![0-9]))*"
_NEG = r"(?P<{0}>[-\u2212]\s*)?"
_PREFIXED = re.compile(
    _NEG.format("neg1") + rf"(?<![A-Za-z])(?P<cur>{_MARKER})\s*"
    + _NEG.format("neg2") + rf"(?P<num>{_NUMBER})",
    re.IGNORECASE,
)  # fmt: skip
_SUFFIXED = re.compile(
    _NEG.format("neg1") + rf"(?<![0-9.,])(?P<num>{_NUMBER})\s*(?P<cur>{_MARKER})(?![A-Za-z])",
    re.IGNORECASE,
)
_BARE = re.compile(rf"(?:[A-Za-z][A-Za-z ]*:\s*)?(?P<num>{_NUMBER})")


@dataclass(frozen=True, slots=True)
class ParsedPrice:
    """A parsed price: ``amount`` as a decimal string, ISO 4217 ``currency``, raw ``text``."""

    amount: str
    currency: str
    text: str


def _find(text: str) -> re.Match[str] | None:
    """The currency-marked number that starts first (prefix form wins a tie)."""
    found = [m for m in (_PREFIXED.search(text), _SUFFIXED.search(text)) if m]
    return min(found, key=lambda m: m.start("num")) if found else None


def _quantize(number: Decimal, currency: str) -> str | None:
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    try:
        return format(number.quantize(exponent, rounding=ROUND_HALF_UP), "f")
    except InvalidOperation:
        return None


def parse_price(text: str | None, default_currency: str = "USD") -> ParsedPrice | None:
    """Return the price in *text*, or None when there is none.

    >>> parse_price("$1,000")
    ParsedPrice(amount='1000.00', currency='USD', text='$1,000')
    >>> parse_price("1.234,50 €")
    ParsedPrice(amount='1234.50', currency='EUR', text='1.234,50 €')
    >>> parse_price("¥1,500").amount
    '1500'
    >>> parse_price("Free") is None
    True
    """
    if not isinstance(text, str):
        return None
    return _parse_price(text, default_currency if isinstance(default_currency, str) else None)


# Print tables repeat a few prices ("$25.00"): each is parsed once (~8 µs).
@lru_cache(maxsize=1024)
def _parse_price(text: str, default_currency: str | None) -> ParsedPrice | None:
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    m = _find(cleaned)
    if m is not None:
        if m["neg1"] or m.groupdict().get("neg2"):
            return None
        currency = CURRENCY_MARKERS.get(m["cur"].upper())
    else:
        m = _BARE.fullmatch(cleaned)
        currency = default_currency.strip().upper() if default_currency is not None else None
    number = parse_number(m["num"], dot_groups=True) if m else None
    if number is None or not currency:
        return None
    amount = _quantize(number, currency)
    return ParsedPrice(amount, currency, text.strip()) if amount else None
