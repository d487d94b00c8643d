"""Table tests for harvest.normalize._money.parse_price."""

from __future__ import annotations

import pytest

from harvest.normalize._money import parse_price

# (text, (amount, currency) or None)
ROWS: list[tuple[str | None, tuple[str, str] | None]] = [
    ("$20.00", ("20.00", "USD")),
    ("$20", ("20.00", "USD")),
    ("$ 20.00", ("20.00", "USD")),
    ("Price: $20.00", ("20.00", "USD")),
    ("Paperback $25.00", ("25.00", "USD")),
    ("€15", ("15.00", "EUR")),
    ("£9.99", ("9.99", "GBP")),
    ("USD 20.00", ("20.00", "USD")),
    ("20.00 USD", ("20.00", "USD")),
    ("20 usd", ("20.00", "USD")),
    ("$20.00 USD", ("20.00", "USD")),
    ("20,00 €", ("20.00", "EUR")),
    ("$1,234.50", ("1234.50", "USD")),
    ("1.234,50 €", ("1234.50", "EUR")),
    ("1 234,50 €", ("1234.50", "EUR")),
    ("€1.000", ("1000.00", "EUR")),
    ("$1,000", ("1000.00", "USD")),
    ("$1,000,000", ("1000000.00", "USD")),
    ("US$20", ("20.00", "USD")),
    ("C$25", ("25.00", "CAD")),
    ("CA$25", ("25.00", "CAD")),
    ("A$30", ("30.00", "AUD")),
    ("AU$30", ("30.00", "AUD")),
    ("¥1,500", ("1500", "JPY")),
    ("1500 JPY", ("1500", "JPY")),
    ("₩12,000", ("12000", "KRW")),
    ("CHF 12.50", ("12.50", "CHF")),
    ("1.500 €", ("1500.00", "EUR")),
    ("12 500 ₩", ("12500", "KRW")),
    ("£0.5", ("0.50", "GBP")),
    ("$0.005", ("0.01", "USD")),
    ("20.00", ("20.00", "USD")),
    ("Price: 20.00", ("20.00", "USD")),
    ("Free", None),
    ("", None),
    ("   ", None),
    ("N/A", None),
    ("$", None),
    ("call for price", None),
    ("Page 3 of 5", None),
    ("-$20.00", None),
    ("$-20.00", None),
    ("−20 €", None),
    ("USDA 20", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[repr(r[0]) for r in ROWS])
def test_parse_price(text: str | None, expected: tuple[str, str] | None) -> None:
    price = parse_price(text)
    if expected is None:
        assert price is None
    else:
        assert price is not None
        assert (price.amount, price.currency) == expected
        assert price.text == (text or "").strip()
