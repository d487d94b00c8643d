"""What harvest knows of rand.org (harvest.sites.rand): a table of real-shaped URLs.

A new URL shape met on the site is a new row. URLs are taken from the recorded site
(fixtures/site), the real 2025 pages in /work/shared/reference/rand-html (their
links) and the seed pages.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from harvest.errors import HarvestError
from harvest.fetch import url_for
from harvest.parse import classify, parse_page
from harvest.run._frontier import Scope
from harvest.sites import (
    DEFAULT_SEEDS,
    SITES,
    UrlKind,
    absolute_url,
    canonical_url,
    is_listing,
    site_for,
)
from harvest.sites.rand import RAND
from tests.conftest import site_pages

# (URL as found, what a crawl asks for there: its kind, or None for nothing)
URL_KINDS: list[tuple[str, UrlKind | None]] = [
    # publications: products of every series, commentary, blog posts
    ("https://www.rand.org/pubs/monographs/MG115.html", "publication"),
    ("https://www.rand.org/pubs/research_reports/RRA2186-1.html", "publication"),
    ("https://www.rand.org/pubs/research_reports/RR2646.html", "publication"),
    ("https://www.rand.org/pubs/conf_proceedings/CFA4120-1.html", "publication"),
    ("https://www.rand.org/pubs/research_briefs/RB9056.html", "publication"),
    ("https://www.rand.org/pubs/testimonies/CT508.html", "publication"),
    ("https://www.rand.org/pubs/perspectives/PE353.html", "publication"),
    (
        "https://www.rand.org/pubs/commentary/2025/12/china-is-worried-about-ai-job-losses.html",
        "publication",
    ),
    (
        "https://www.rand.org/blog/2020/07/are-us-japan-relations-on-the-rocks.html",
        "publication",
    ),
    ("https://www.rand.org/content/rand/pubs/monographs/MG115.html", "publication"),
    ("http://www.rand.org:8080/pubs/research_reports/RRB0001.html", "publication"),
    # listings: the publications index and topic pages, with their page queries
    ("https://www.rand.org/pubs.html", "listing"),
    ("https://www.rand.org/pubs.html?start=0", "listing"),
    ("https://www.rand.org/content/rand/pubs.html?start=12#contentList-1389603780-form", "listing"),
    ("https://www.rand.org/topics/security-cooperation.html", "listing"),
    ("https://www.rand.org/topics/security-cooperation.html?page=2", "listing"),
    ("https://www.rand.org/topics/artificial-intelligence.html", "listing"),
    ("http://www.rand.org:8080/topics/bench.html", "listing"),
    # neither: directories, series indexes, site pages, files, citation exports
    ("https://www.rand.org/topics.html", None),  # "All Topics": a directory of topic pages
    ("https://www.rand.org/pubs/research_reports.html", None),  # the breadcrumb's series
    ("https://www.rand.org/pubs/commentary.html", None),
    ("https://www.rand.org/pubs/podcasts.html", None),
    ("https://www.rand.org/pubs/permissions.html", None),
    ("https://www.rand.org/", None),
    ("https://www.rand.org/content/rand.html", None),
    ("https://www.rand.org/about/people/l/levin_norman_d.html", None),
    ("https://www.rand.org/nsrd.html", None),
    ("https://www.rand.org/search.html?q=china", None),
    ("https://www.rand.org/content/dam/rand/pubs/monographs/2004/RAND_MG115.pdf", None),
    (
        "https://www.rand.org/content/rand/pubs/research_reports/RRA2186-1/_jcr_content/par/"
        "product.RRA2186-1.bib",
        None,
    ),
    ("https://www.rand.org/topics/china.html/more", None),
    ("https://www.rand.org/pubs.htmlx", None),
    ("https://www.rand.org/topics/china?x=1.html", None),  # the query is no part of the path
]


@pytest.mark.parametrize(("url", "kind"), URL_KINDS)
def test_url_kind(url: str, kind: UrlKind | None) -> None:
    canonical = canonical_url(url)
    assert canonical is not None
    assert site_for(canonical) is RAND
    assert RAND.kind_of(canonical) == kind
    assert is_listing(canonical) is (kind == "listing")
    scope = Scope.for_seeds([*DEFAULT_SEEDS, canonical])  # its port too
    assert scope.allows(canonical) is (kind is not None)


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


def test_the_seeds_are_rand_pages_a_crawl_asks_for() -> None:
    assert SITES == (RAND,)
    assert DEFAULT_SEEDS == (
        "https://www.rand.org/pubs/monographs/MG115.html",
        "https://www.rand.org/topics/security-cooperation.html",
    )
    assert [RAND.kind_of(seed) for seed in DEFAULT_SEEDS] == ["publication", "listing"]


def test_recorded_site_folders_name_rand() -> None:
    assert url_for("/srv/mirror/site/www.rand.org:8080/pubs.html%3Fstart=0") == (
        "https://www.rand.org:8080/pubs.html?start=0"
    )


# The frontier (run/_frontier.is_listing) and the classifier (parse/_classify) each had
# a rule for a listing URL, and they disagreed on these URLs: the classifier took
# /topics.html (the menus' "Topics" / "All Topics" directory of topic pages) for a
# listing and read the path up to a "?" the frontier read past. Both ask RAND.kind_of now.
DISAGREED = [
    ("https://www.rand.org/topics.html", False),
    ("https://www.rand.org/topics.html?page=2", False),
    ("https://www.rand.org/topics/china?x=1.html", False),
]
AGREED = [
    ("https://www.rand.org/topics/security-cooperation.html", True),
    ("https://www.rand.org/topics/security-cooperation.html?page=2", True),
    ("https://www.rand.org/pubs.html?start=12", True),
    ("https://www.rand.org/pubs/commentary/2025/12/x.html", False),
]
# Markup of a listing and of a commentary at once: the URL decides.
BOTH = (
    "<html><body><h1>Topics</h1><ul class='teasers'><li><a href='/a.html'>A</a></li></ul>"
    "<article class='blog'><div class='body-text'><p>Text</p></div></article></body></html>"
)


@pytest.mark.parametrize(("url", "listing"), DISAGREED + AGREED)
def test_the_crawl_and_the_parser_agree_on_listing_urls(url: str, listing: bool) -> None:
    parsed_as = classify(url, LexborHTMLParser(BOTH))
    assert is_listing(url) is listing
    assert (parsed_as == "listing") is listing
    assert parsed_as == ("listing" if listing else "commentary")


def test_every_recorded_page_is_the_kind_its_url_says() -> None:
    # The rule is the one the recorded site bears out: every page at a listing URL
    # parses as a listing, and every page that parses as one is at a listing URL.
    checked = 0
    for path in site_pages():
        url = url_for(path)
        if url is None or path.name == "README.md":
            continue
        try:
            kind = parse_page(url, path.read_bytes()).kind
        except HarvestError:
            continue  # the recorded site's broken pages (truncated, binary ...)
        assert (kind == "listing") is is_listing(url), url
        assert RAND.kind_of(url) == ("listing" if kind == "listing" else "publication"), url
        checked += 1
    assert checked > 25


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
