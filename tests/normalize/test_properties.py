"""Property tests: the normalizers never raise, and are idempotent where that applies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.normalize import (
    clean_credit,
    clean_paragraphs,
    clean_text,
    host_of,
    is_http_url,
    join_url,
    normal_url,
    parse_author_list,
    parse_date,
    parse_price,
    parse_size,
    person_name,
    split_caption,
)

SETTINGS = settings(max_examples=200, deadline=None)

# Text biased towards the characters the parsers care about, plus anything at all.
PAGE_ALPHABET = st.sampled_from(
    [
        *"0123456789 ,.;:/-()&$€£¥₩#?=%@",
        *["\u00a0", "\u200b", "\n", "&amp;", "&nbsp;", "Photo by ", "photo", "MB", "KB"],
        *["Aug ", "Sept. ", "2004", "and ", "Jr.", "ed.", "by ", "USD", "http://", "https://"],
        *["www.rand.org", "/content/rand/", "?utm_source=x", "e\u0301", "Ü", "李"],
    ]
)
PAGE_TEXT = st.one_of(st.text(), st.lists(PAGE_ALPHABET, max_size=12).map("".join))
MAYBE_TEXT = st.one_of(st.none(), PAGE_TEXT)

URLS = st.builds(
    "{}://{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["www.rand.org", "WWW.RAND.ORG:443", "example.com:80", "a.b:8080"]),
    st.sampled_from(["", "/", "/content/rand.html", "/content/rand/pubs.html", "/a%20b"]),
    st.sampled_from(["", "?utm_source=x", "?a=1&utm_medium=y&b=2", "?fbclid=1", "?q"]),
    st.sampled_from(["", "#frag", "#"]),
)

SINGLE_ARG: list[Callable[[Any], object]] = [
    clean_text,
    parse_date,
    parse_size,
    parse_price,
    parse_author_list,
    person_name,
    split_caption,
    clean_credit,
    normal_url,
    is_http_url,
    host_of,
]
IDEMPOTENT: list[Callable[[Any], str | None]] = [
    clean_text,
    normal_url,
    person_name,
    clean_credit,
]


@pytest.mark.parametrize("func", SINGLE_ARG, ids=lambda f: f.__name__)
@SETTINGS
@given(text=MAYBE_TEXT)
def test_never_raises(func: Callable[[Any], object], text: str | None) -> None:
    func(text)


@SETTINGS
@given(href=MAYBE_TEXT, base=st.one_of(URLS, PAGE_TEXT))
def test_join_url_never_raises(href: str | None, base: str) -> None:
    result = join_url(href, base)
    assert result is None or is_http_url(result)


@SETTINGS
@given(parts=st.lists(MAYBE_TEXT, max_size=5))
def test_clean_paragraphs_never_raises(parts: list[str | None]) -> None:
    result = clean_paragraphs(parts)
    assert result is None or result.strip() == result


@pytest.mark.parametrize("func", IDEMPOTENT, ids=lambda f: f.__name__)
@SETTINGS
@given(text=st.one_of(PAGE_TEXT, URLS))
def test_idempotent(func: Callable[[Any], str | None], text: str) -> None:
    once = func(text)
    if once is not None:
        assert func(once) == once


@SETTINGS
@given(text=st.one_of(PAGE_TEXT, URLS))
def test_normal_url_is_http(text: str) -> None:
    result = normal_url(text)
    assert result is None or (is_http_url(result) and "#" not in result)


@SETTINGS
@given(text=PAGE_TEXT)
def test_parse_date_round_trips(text: str) -> None:
    iso = parse_date(text)
    if iso is not None:
        assert parse_date(iso) == iso


@SETTINGS
@given(
    year=st.integers(1000, 2999),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
)
def test_parse_date_reads_its_own_output(year: int, month: int, day: int) -> None:
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    assert parse_date(iso) == iso


@SETTINGS
@given(text=PAGE_TEXT)
def test_parse_price_round_trips(text: str) -> None:
    price = parse_price(text)
    if price is not None:
        again = parse_price(f"{price.amount} {price.currency}")
        assert again is not None
        assert (again.amount, again.currency) == (price.amount, price.currency)


@SETTINGS
@given(amount=st.decimals(min_value=0, max_value=10**9, places=2))
def test_parse_price_reads_plain_amounts(amount: object) -> None:
    price = parse_price(f"USD {amount}")
    assert price is not None
    assert price.amount == f"{amount:.2f}"


@SETTINGS
@given(text=PAGE_TEXT)
def test_parse_size_not_negative(text: str) -> None:
    size = parse_size(text)
    assert size is None or size >= 0


@SETTINGS
@given(text=PAGE_TEXT)
def test_split_caption_parts_are_clean(text: str) -> None:
    caption, credit = split_caption(text)
    for part in (caption, credit):
        assert part is None or clean_text(part) == part


@SETTINGS
@given(text=PAGE_TEXT)
def test_author_names_are_clean(text: str) -> None:
    authors = parse_author_list(text)
    if authors is not None:
        assert authors.names
        assert authors.role in {"author", "editor"}
        assert all(person_name(name) == name for name in authors.names)
