"""Harvest's money normalizer against price-parser on price-parser's own example table.

The table is ``tests/data/price_parser_examples.json``: the 1,176 examples of
price-parser 0.5.1's ``tests/test_price_parsing.py`` (BSD-3-Clause, see its header).

**Inputs.** price-parser gets ``Price.fromstring(price_raw, currency_hint=currency_raw)``,
as its own test does. Harvest has no currency hint; its equivalent is the default
currency, the currency of a price shown without one. So it gets
``parse_price(price_raw, default_currency=currency_in(currency_raw) or "USD")``: the
hint's currency when harvest finds one there, else the default harvest's callers use.

**Scorer**, the same for both: an example is right when the amount equals the table's,
both rounded half-up to cents, or when both are None. Harvest quantizes to the
currency's minor units and the table does not ("34.992001" GBP); cents are the
precision of harvest's records (``DECIMAL(18, 2)``) and of all but 3 of the table's
amounts. The rounding costs price-parser nothing: its amounts are exact.

**Where harvest refuses by design**, it gives None where price-parser gives the first
number: a currency it cannot name as an ISO 4217 code (a withdrawn one, the toman, a
currency of 3 decimals, a lone letter such as "L"), a number without a currency marker
that is not the whole text ("Our Price 344.99 - 444.99"), a text without digits
("Free!", which price-parser reads as 0), a minus sign. Harvest must agree with
price-parser on the rest.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from price_parser import Price

from harvest.normalize import clean_text
from harvest.normalize._money import currency_in, parse_price

TABLE = Path(__file__).parent.parent / "data" / "price_parser_examples.json"
EXAMPLES: list[dict[str, Any]] = json.loads(TABLE.read_text(encoding="utf-8"))["examples"]
CENT = Decimal("0.01")
# The money module's rule for a number without a marker: the whole text, maybe after a label.
BARE = re.compile(r"(?:[A-Za-z][A-Za-z ]*:\s*)?[0-9]+(?:[.,][0-9]+|[ '’][0-9]{3}(?![0-9]))*")


def right(amount: Decimal | str | None, expected: str | None) -> bool:
    if amount is None or expected is None:
        return amount is None and expected is None
    cents = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
    return cents == Decimal(expected).quantize(CENT, ROUND_HALF_UP)


def price_parser_amount(example: dict[str, Any]) -> Decimal | None:
    return Price.fromstring(example["price_raw"], currency_hint=example["currency_raw"]).amount


def harvest_amount(example: dict[str, Any]) -> str | None:
    default = currency_in(example["currency_raw"]) or "USD"
    price = parse_price(example["price_raw"], default_currency=default)
    return price.amount if price else None


def refusal(example: dict[str, Any]) -> str | None:
    """Which of harvest's rules refuses the example's price, if one does (from the table)."""
    text = clean_text(example["price_raw"]) or ""
    currency = example["currency"]
    if not re.search(r"\d", text):
        return "no digits"
    if text.startswith(("-", "\u2212")):
        return "minus sign"
    if currency is not None and currency_in(currency) is None:
        return "currency harvest cannot name"
    if currency_in(text) is None and not BARE.fullmatch(text):
        return "no marker, not a bare number"
    return None


SCORES = [
    (right(price_parser_amount(e), e["amount"]), right(harvest_amount(e), e["amount"]))
    for e in EXAMPLES
]


def test_the_table_is_price_parsers_whole() -> None:
    assert len(EXAMPLES) == 1176


def test_harvest_agrees_with_price_parser_where_its_rules_allow() -> None:
    kept = [score for score, e in zip(SCORES, EXAMPLES, strict=True) if refusal(e) is None]
    ours, theirs = sum(h for _, h in kept), sum(p for p, _ in kept)
    print(f"\n{len(kept)} examples no rule refuses: price-parser {theirs}, harvest {ours}")
    assert ours >= 0.98 * theirs


def test_count_on_the_whole_table() -> None:
    theirs = sum(p for p, _ in SCORES)
    ours = sum(h for _, h in SCORES)
    refused = Counter(
        refusal(e) or "other" for (p, h), e in zip(SCORES, EXAMPLES, strict=True) if p and not h
    )
    print(f"\nof {len(EXAMPLES)}: price-parser {theirs}, harvest {ours}; {dict(refused)}")
    # Measured with price-parser 0.5.1: 1,155 and 1,077 (93 %). Harvest's refusals cost
    # 82 examples price-parser gets right, mostly currencies it cannot name (63); 1 is
    # no refusal ("From 26 to 50 €": harvest reads the number beside the marker, 50).
    assert refused["other"] <= 3
    assert ours >= 0.93 * theirs
    # Issue 19's bound: within 2 % of the count the issue gives for price-parser under
    # its own harness (1,067 of 1,176); money.py as it was got 637 there, 748 here.
    assert ours >= 0.98 * 1067


@pytest.mark.parametrize(
    ("price_raw", "currency_raw", "amount"),
    [
        ("1 720,00 zł", None, "1720.00"),
        ("230 лв.", None, "230.00"),
        ("HUF 39000", None, "39000.00"),
        ("399 167.00 руб 420 176.16 руб", None, "399167.00"),
        ("22,90", "€", "22.90"),
    ],
)
def test_what_harvest_could_not_read_before(
    price_raw: str, currency_raw: str | None, amount: str
) -> None:
    assert harvest_amount({"price_raw": price_raw, "currency_raw": currency_raw}) == amount
