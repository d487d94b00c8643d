"""``search_from_words`` finds what a whole-text search finds, for every pattern it
stands in for: the searches of a product page's indicia sentences (``parse/_indicia.py``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import harvest.parse._indicia as indicia
import harvest.parse._product as product
from harvest.normalize._words import first_word, search_from_words

PATTERNS = [
    (indicia.SPONSORED, indicia.SPONSORED_WORDS),
    (indicia.FUNDING_PROVIDED, indicia.FUNDING_WORDS),
    (indicia.MADE_POSSIBLE, indicia.MADE_POSSIBLE_WORDS),
    (indicia.WITH_SUPPORT, indicia.WITH_WORDS),
    (indicia.USING, indicia.USING_WORDS),
    (indicia.CONDUCTED, indicia.CONDUCTED_WORDS),
    (product.SERIES, product.SERIES_WORDS),
]

# Indicia-like sentences: the words in any case, inside other words, after the letters
# \b looks at, and non-ASCII text (IGNORECASE folds "ſ" to "s", "K" to "k").
SENTENCE = st.lists(
    st.sampled_from(
        [
            "This research was",
            "sponsored by",
            "Sponsored",
            "SPONSORED BY",
            "unsponsored by",
            "funded by",
            "Funding for this",
            "was provided by",
            "supported by",
            "commissioned",
            "conducted",
            "Conducted within",
            "carried out",
            "work done for",
            "made possible by",
            "with support from",
            "using income from",
            "gifts",
            "conducted by the",
            "xconducted in",
            "part of the",
            "Part Of The",
            "series",
            "Series.",
            "RAND",
            "Arroyo Center",
            "the",
            "of",
            "and",
            "Office",
            ".",
            ",",
            " ",
            "  ",
            "ſponsored by",
            "\u212aonducted by",
            "é",
            "\n",
        ]
    ),
    max_size=14,
).map(" ".join)


def _found(match: re.Match[str] | None) -> tuple[object, ...] | None:
    return None if match is None else (match.span(), match.groups())


@pytest.mark.parametrize(("pattern", "words"), PATTERNS, ids=lambda v: str(v)[:30])
@settings(max_examples=300, deadline=None)
@given(text=SENTENCE)
@example(text="The research was sponsored by the Army and conducted by the Arroyo Center.")
@example(text="Funding for this work was provided by gifts.")
@example(text="This report is part of the RAND Research report series.")
def test_search_from_words_finds_what_a_whole_search_finds(
    pattern: re.Pattern[str], words: tuple[str, ...], text: str
) -> None:
    assert _found(search_from_words(pattern, text, words)) == _found(pattern.search(text))


def test_first_word() -> None:
    assert first_word("It was Funded by X and sponsored by Y", ("sponsored", "funded")) == 7
    assert first_word("nothing here", ("funded",)) is None
    assert first_word("ſponsored", ("sponsored",)) == 0  # non-ASCII: search it all
