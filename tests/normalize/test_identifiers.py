"""DOI and ISBN as shown on product pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.normalize import parse_doi, parse_isbn

ROWS: list[tuple[Callable[[str | None], str | None], str | None, str | None]] = [
    (parse_doi, "https://doi.org/10.7249/RRA2186-1", "10.7249/RRA2186-1"),
    (parse_doi, "DOI: 10.7249/MG115.", "10.7249/MG115"),
    (parse_doi, "doi:10.1001/jama.2020.1234", "10.1001/jama.2020.1234"),
    (parse_doi, "https://dx.doi.org/10.7249/RR2646)", "10.7249/RR2646"),
    (parse_doi, "10.7249/PE353", "10.7249/PE353"),
    (parse_doi, "no doi here", None),
    (parse_doi, "10.72/x", None),
    (parse_doi, "", None),
    (parse_doi, None, None),
    (parse_isbn, "ISBN/EAN: 978-0-8330-3613-1", "9780833036131"),
    (parse_isbn, "0-8330-3613-7", "0833036137"),
    (parse_isbn, "ISBN 0 8330 3613 X", "083303613X"),
    (parse_isbn, "9781977403186", "9781977403186"),
    (parse_isbn, "12345", None),
    (parse_isbn, "Document Number: RR-2646-A", None),
    (parse_isbn, None, None),
]


@pytest.mark.parametrize(
    ("func", "text", "expected"), ROWS, ids=[f"{f.__name__}:{t!r}" for f, t, _ in ROWS]
)
def test_identifiers(
    func: Callable[[str | None], str | None], text: str | None, expected: str | None
) -> None:
    assert func(text) == expected


@settings(max_examples=200)
@given(st.text())
def test_never_raise_and_idempotent(text: str) -> None:
    for func in (parse_doi, parse_isbn):
        value = func(text)
        assert value is None or func(value) == value
