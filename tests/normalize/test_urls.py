"""Table tests for harvest.normalize._urls."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import harvest.normalize._urls as urls
from harvest.normalize._urls import host_of, is_http_url, join_url, normal_url

BASE = "https://www.rand.org/topics/china.html"


def _resolve(href: str | None) -> str | None:
    return join_url(href, BASE)


# (function, input, expected); _resolve is join_url against BASE. A site's own spelling
# of its URLs (rand.org's /content/rand/ prefix) is tested in tests/sites.
ROWS: list[tuple[Callable[[str | None], Any], str | None, Any]] = [
    (
        normal_url,
        "https://www.rand.org/content/rand/pubs.html?start=12#contentList-1389603780-form",
        "https://www.rand.org/content/rand/pubs.html?start=12",
    ),
    (normal_url, "HTTPS://WWW.RAND.ORG:443/pubs.html", "https://www.rand.org/pubs.html"),
    (normal_url, "http://Example.COM:80", "http://example.com/"),
    (normal_url, "https://example.com:8443/a", "https://example.com:8443/a"),
    (
        normal_url,
        "https://www.rand.org/pubs.html?utm_source=tw&start=12&utm_medium=social&fbclid=x&gclid=y",
        "https://www.rand.org/pubs.html?start=12",
    ),
    (
        normal_url,
        "https://www.rand.org/search.html?q=a%20b&b=2&a=1",
        "https://www.rand.org/search.html?q=a%20b&b=2&a=1",
    ),
    (
        normal_url,
        "https://www.rand.org/pubs/research_reports/RRA2186-1.html#top",
        "https://www.rand.org/pubs/research_reports/RRA2186-1.html",
    ),
    (normal_url, "http://[::1]:8080/x", "http://[::1]:8080/x"),
    (normal_url, "ftp://example.org/file", None),
    (normal_url, "/pubs.html", None),
    (normal_url, "http:///pubs.html", None),
    (normal_url, "http://example.com:abc/", None),
    (normal_url, "", None),
    (normal_url, None, None),
    (
        _resolve,
        "/pubs/research_reports/RR1234.html",
        "https://www.rand.org/pubs/research_reports/RR1234.html",
    ),
    (_resolve, "../about.html", "https://www.rand.org/about.html"),
    (_resolve, "//www.rand.org/pubs.html", "https://www.rand.org/pubs.html"),
    (
        _resolve,
        "search.html?q=china&amp;start=10",
        "https://www.rand.org/topics/search.html?q=china&start=10",
    ),
    (_resolve, "  /pubs.html\n", "https://www.rand.org/pubs.html"),
    (_resolve, "https://OTHER.example.org/a#b", "https://other.example.org/a"),
    (_resolve, "#top", None),
    (_resolve, "", None),
    (_resolve, "   ", None),
    (_resolve, "javascript:void(0)", None),
    (_resolve, "mailto:info@rand.org", None),
    (_resolve, "tel:+13103930411", None),
    (_resolve, "data:text/html,hi", None),
    (_resolve, None, None),
    (is_http_url, "https://www.rand.org/", True),
    (is_http_url, "HTTP://www.rand.org", True),
    (is_http_url, "mailto:info@rand.org", False),
    (is_http_url, "/pubs.html", False),
    (is_http_url, None, False),
    (host_of, "https://WWW.Rand.org:443/pubs.html", "www.rand.org"),
    (host_of, "http://[::1]:8080/", "::1"),
    (host_of, "/pubs.html", None),
    (host_of, None, None),
]


@pytest.mark.parametrize(
    ("func", "text", "expected"), ROWS, ids=[f"{f.__name__}:{t!r}"[:70] for f, t, _ in ROWS]
)
def test_urls(func: Callable[[str | None], Any], text: str | None, expected: Any) -> None:
    assert func(text) == expected


def _join_url_with_urlsplit_first(href: str, base: str) -> str | None:
    """join_url as first written: every href split before the same-site shortcut."""
    href = re.sub(r"[\t\n\r]", "", html.unescape(href.strip()))  # as browsers drop them
    if not href or href.startswith("#"):
        return None
    try:
        parts = urlsplit(href.strip())
        _ = parts.port  # a malformed port is a ValueError too
    except ValueError:
        return None
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return None
    if href.startswith("/") and not href.startswith("//") and "/." not in href:
        origin = urlsplit(base)
        joined = f"{origin.scheme}://{origin.netloc}{href}"
    else:
        try:
            joined = urljoin(base, href)
        except ValueError:
            return None
    return normal_url(joined)


HREFS = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(["/", "//", "/.", "./", "a", ":", "[", "]", "?", "#", "&amp;", " ", "\t"])
        | st.sampled_from(["http:", "javascript:", "%20", "@", ":80", "x.org", "\x01", "\u00e9"]),
        max_size=10,
    ).map("".join),
)


@settings(max_examples=1000, deadline=None)
@given(HREFS, st.sampled_from(["https://www.rand.org/pubs/a.html", "http://example.com:8080/x/"]))
def test_same_site_shortcut_resolves_as_before(href: str, base: str) -> None:
    assert join_url(href, base) == _join_url_with_urlsplit_first(href, base)


# The shortcut of normal_url: what it takes as normal must be.
URL_PART = st.lists(
    st.sampled_from(
        [
            *"aZ09-._~/%:@!$&'()*+,;=?#[] \t\n\u00a0\u2028Üé李",
            *["/content/rand/", "/content/rand.html", "/pubs/", "RR1234.html"],
        ]
    ),
    max_size=12,
).map("".join)
ORIGIN = st.sampled_from(
    [
        "https://www.rand.org",
        "http://www.rand.org",
        "https://rand.org",
        "HTTPS://www.rand.org",
        "https://WWW.rand.org",
        "https://www.rand.org:443",
        "http://www.rand.org:80",
        "https://www.rand.org:8443",
        "https://user:pw@www.rand.org",
        "https://[::1]:8080",
        "https://www.rand.org.",
        "https://",
        "http://a",
        "https://exa mple.org",
        "https://ex\u00e4mple.org",
        "https://www.rand.org:99999",
    ]
)


@settings(max_examples=500, deadline=None)
@given(origin=ORIGIN, path=st.one_of(URL_PART, URL_PART.map("/".__add__)))
def test_urls_taken_as_normal_are_normal(origin: str, path: str) -> None:
    url = origin + path
    if urls.is_normal(url):
        assert urls.normal(url) == url
    assert normal_url(url) == urls.normal(url)


def test_a_site_path_is_taken_as_normal() -> None:
    assert urls.is_normal("https://www.rand.org/pubs/research_reports/RR1234.html")
    assert urls.is_normal("https://www.rand.org/content/rand/pubs.html")  # a site's affair
    assert not urls.is_normal("https://www.rand.org/pubs.html?start=12")
    assert not urls.is_normal("HTTPS://www.rand.org/pubs.html")
