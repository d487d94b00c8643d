"""Table tests for harvest.normalize._dates.parse_date."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.normalize._dates import FORMS, parse_date

ROWS: list[tuple[str | None, str | None]] = [
    # Month name, day, year.
    ("Aug 15, 2004", "2004-08-15"),
    ("August 15, 2004", "2004-08-15"),
    ("Aug. 15, 2004", "2004-08-15"),
    ("Sept. 5, 2019", "2019-09-05"),
    ("Sep 5, 2019", "2019-09-05"),
    ("September 30, 2019", "2019-09-30"),
    ("august 15, 2004", "2004-08-15"),
    ("AUGUST 15, 2004", "2004-08-15"),
    ("August 15th, 2004", "2004-08-15"),
    ("Aug 15 2004", "2004-08-15"),
    # Day, month name, year.
    ("15 August 2004", "2004-08-15"),
    ("15 Aug 2004", "2004-08-15"),
    ("1st of March, 2021", "2021-03-01"),
    # Numeric.
    ("2004/8/13", "2004-08-13"),
    ("2004/08/13", "2004-08-13"),
    ("20240813", "2024-08-13"),
    ("2004-08-15", "2004-08-15"),
    ("2004-08-15T10:20:30Z", "2004-08-15"),
    ("2004-08-15T10:20:30-07:00", "2004-08-15"),
    ("2004-08-15 10:20", "2004-08-15"),
    ("8/13/2004", "2004-08-13"),
    ("12/1/2025", "2025-12-01"),
    ("Aug 15, 1066", "1066-08-15"),
    # Month and year.
    ("Jan 2020", "2020-01"),
    ("January 2020", "2020-01"),
    ("Dec. 2019", "2019-12"),
    ("SEPTEMBER 2019", "2019-09"),
    ("2020-01", "2020-01"),
    # Bare year.
    ("2004", "2004"),
    ("Copyright 2019", "2019"),
    # Leading labels.
    ("Published Aug 15, 2004", "2004-08-15"),
    ("Posted on Dec 1, 2025", "2025-12-01"),
    ("Updated: Jan 5, 2021", "2021-01-05"),
    ("Published in: 2004", "2004"),
    ("Published 2004.", "2004"),
    ("Published: 2004-08-15", "2004-08-15"),
    # Several dates: the first wins.
    ("Aug 15, 2004 (updated Jan 5, 2021)", "2004-08-15"),
    ("Published 2004; revised 2010", "2004"),
    # Invalid calendar dates.
    ("Feb 30, 2004", None),
    ("February 29, 2003", None),
    ("February 29, 2004", "2004-02-29"),
    ("2004-13-01", None),
    ("2004-02-30", None),
    ("13/13/2004", None),
    ("20241301", None),
    ("2004-13", None),
    # Not a date.
    ("Page 1 of 3389", None),
    ("96 pages", None),
    ("the 1990s", None),
    ("May 1066", None),
    ("3389", None),
    ("RR-1234", None),
    ("Mayor", None),
    ("Aug 15", None),
    ("", None),
    ("   ", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[repr(r[0]) for r in ROWS])
def test_parse_date(text: str | None, expected: str | None) -> None:
    assert parse_date(text) == expected


def _first_date_by_search(text: str) -> str | None:
    """parse_date as first written: every form searched, the earliest match wins."""
    best: tuple[int, int, re.Match[str]] | None = None
    for rank, (pattern, _build) in enumerate(FORMS):
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), rank, m)
    return None if best is None else FORMS[best[1]][1](best[2])


DATE_TEXT = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(["Aug ", "Sept. ", "May", "15", "5th", ", ", " ", "2004", "1066", "/"])
        | st.sampled_from(["-", "08", "13", "20040813", "T10:20", "Published ", "of ", "3389"]),
        max_size=8,
    ).map("".join),
)


@settings(max_examples=1000, deadline=None)
@given(DATE_TEXT)
def test_a_date_at_the_start_is_the_date_a_full_search_finds(text: str) -> None:
    assert parse_date(text) == _first_date_by_search(text)
