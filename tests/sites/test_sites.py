"""The site interface (harvest.sites): a second publisher is data, read by the same code."""

from __future__ import annotations

import pytest

import harvest.sites
from harvest.sites import SITES, Site, site_for

# A made-up publisher: what a second module in harvest/sites would declare.
EXAMPLE = Site(
    name="example.org",
    domains=("example.org", "example.net"),
    seeds=("https://www.example.org/research.html",),
    publication_paths=(r"/research/[a-z0-9-]+\.html",),
    listing_paths=(r"/research\.html", r"/issues/[a-z-]+\.html"),
    index_paths=(r"/research/index\.html",),
    cms_root="/content/example",
    markers=(("product", (".report-header",)), ("listing", ("ol.results li",))),
)


def test_the_names_it_exports_exist() -> None:
    assert not [name for name in harvest.sites.__all__ if not hasattr(harvest.sites, name)]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.example.org/research/rr-12.html", "publication"),
        ("https://www.example.org/research/index.html", None),
        ("https://www.example.org/research.html?page=3", "listing"),
        ("https://example.net/issues/water.html", "listing"),
        ("https://www.example.org/about.html", None),
    ],
)
def test_a_site_says_what_its_urls_are(url: str, kind: str | None) -> None:
    assert EXAMPLE.kind_of(url) == kind


def test_a_site_knows_its_hosts_cms_and_markers() -> None:
    assert EXAMPLE.serves("www.example.net") and not EXAMPLE.serves("example.com")
    assert EXAMPLE.public_path("/content/example/research.html") == "/research.html"
    assert EXAMPLE.public_path("/content/example.html") == "/"
    assert EXAMPLE.markers_of("listing") == ("ol.results li",)
    assert EXAMPLE.markers_of("commentary") == ()


def test_a_site_without_a_cms_root_keeps_its_paths() -> None:
    plain = Site("plain", ("plain.org",), (), (r"/p/.+\.html",), ())
    assert plain.public_path("/content/plain/p/a.html") == "/content/plain/p/a.html"
    assert plain.kind_of("https://plain.org/anything.html") is None


def test_site_for_picks_a_known_site_by_host() -> None:
    assert site_for("http://www.rand.org:8080/pubs.html") is SITES[0]
    assert site_for("https://www.example.org/research.html") is None  # not in SITES
    assert site_for("not a url") is None
    assert site_for(None) is None
