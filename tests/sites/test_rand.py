"""What harvest knows of rand.org (harvest.sites.rand): tables of real-shaped URLs.

A new URL shape met on the site is a new row. URLs are taken from the recorded site
(fixtures/site), the real 2025 pages in /work/shared/reference/rand-html (their
links) and the seed pages.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.sites import absolute_url, canonical_url
from harvest.sites.rand import RAND

# (URL as found, its canonical spelling): the CMS prefix /content/rand is the public path.
CANONICAL = [
    (
        "https://www.rand.org/content/rand/pubs.html?start=12#contentList-1389603780-form",
        "https://www.rand.org/pubs.html?start=12",
    ),
    ("https://www.rand.org/content/rand.html", "https://www.rand.org/"),
    ("https://rand.org/content/rand/topics/china.html", "https://rand.org/topics/china.html"),
    ("HTTPS://WWW.RAND.ORG:443/content/rand/pubs.html", "https://www.rand.org/pubs.html"),
    ("https://www.rand.org/content/rand/content/rand/pubs.html", "https://www.rand.org/pubs.html"),
    ("http://www.rand.org:8080/content/rand/a b.html", "http://www.rand.org:8080/a%20b.html"),
    (
        "https://user@www.rand.org/content/rand/x.html?a=/content/rand/",
        "https://user@www.rand.org/x.html?a=/content/rand/",
    ),
    # the DAM (files) is public under /content/dam/rand/, and kept
    (
        "https://www.rand.org/content/dam/rand/pubs/RR1234/RAND_RR1234.pdf",
        "https://www.rand.org/content/dam/rand/pubs/RR1234/RAND_RR1234.pdf",
    ),
    ("https://www.rand.org/content/randx/a.html", "https://www.rand.org/content/randx/a.html"),
    # other hosts have CMS paths of their own, or none
    ("https://example.org/content/rand/pubs.html", "https://example.org/content/rand/pubs.html"),
    (
        "https://rand.org.example.com/content/rand/x.html",
        "https://rand.org.example.com/content/rand/x.html",
    ),
    ("ftp://www.rand.org/content/rand/x.html", None),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonical_url(url: str, expected: str | None) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/content/rand/pubs.html?start=24#form", "https://www.rand.org/pubs.html?start=24"),
        ("//www.rand.org/content/rand/pubs.html", "https://www.rand.org/pubs.html"),
        (
            "/pubs/research_reports/RRA2186-1.html",
            "https://www.rand.org/pubs/research_reports/RRA2186-1.html",
        ),
        ("mailto:info@rand.org", None),
    ],
)
def test_absolute_url(href: str, expected: str | None) -> None:
    assert absolute_url(href, "https://www.rand.org/pubs.html?start=12") == expected


@pytest.mark.parametrize(
    ("host", "served"),
    [
        ("www.rand.org", True),
        ("rand.org", True),
        ("shop.rand.org", True),
        ("rand.org.example.com", False),
        ("evilrand.org", False),
        ("example.org", False),
        ("", False),
        (None, False),
    ],
)
def test_hosts(host: str | None, served: bool) -> None:
    assert RAND.serves(host) is served


URL_TEXT = st.lists(
    st.sampled_from(
        ["/content/rand", "/content/rand/", ".html", "/pubs", "?a=/content/rand/", "#f", " ", "x"]
    ),
    max_size=8,
).map("".join)
ORIGINS = st.sampled_from(
    ["https://www.rand.org", "HTTP://RAND.org:80", "https://x.rand.org:8443", "https://example.org"]
)


@settings(max_examples=300, deadline=None)
@given(origin=ORIGINS, path=URL_TEXT)
def test_canonical_url_is_idempotent_and_keeps_the_origin(origin: str, path: str) -> None:
    once = canonical_url(origin + "/" + path)
    assert once is not None
    assert canonical_url(once) == once
    assert once.startswith(origin.lower().removesuffix(":80"))
