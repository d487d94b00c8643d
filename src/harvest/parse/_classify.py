"""Which parser a page needs: decided from its markup, with the URL as a hint."""

from __future__ import annotations

import re
from typing import Literal

from selectolax.lexbor import LexborHTMLParser

from harvest.errors import ParseError
from harvest.normalize import host_of
from harvest.parse._finder import Finder

PageKind = Literal["product", "commentary", "listing"]

# "article .body-text" before "article.blog": on a page without <article> the first
# answers for both (harvest.parse._finder.Finder remembers there is none).
COMMENTARY_MARKERS = ("article .body-text", "article.blog", ".post-heading .type-date")
PRODUCT_MARKERS = (
    ".product-header",
    "#buybox",
    ".product-page-abstract",
    "#download",
    "table.ebook-formats",
    "table.purchase-formats",
)
LISTING_MARKERS = ("ul.teasers li", "ul.teaser-list li")
_ORIGIN = re.compile(r"^https?://[^/]+")
_LISTING_URL = re.compile(r"^/(topics/[^/]+\.html|pubs\.html|topics\.html)$")


def is_supported_host(host: str | None) -> bool:
    """True for the sites harvest has parsers for (rand.org and its subdomains)."""
    return bool(host) and (host == "rand.org" or str(host).endswith(".rand.org"))


def classify(url: str, tree: LexborHTMLParser, find: Finder | None = None) -> PageKind:
    """The kind of page, or ParseError when harvest has no parser for it.

    ``find`` is the page's Finder when the caller has one, to share its anchors.
    """
    find = find or Finder(tree)
    host = host_of(url)
    if not is_supported_host(host):
        raise ParseError(f"no parser for this site: {host or url!r} is not rand.org", url=url)
    path = _ORIGIN.sub("", url).split("?")[0]
    if _LISTING_URL.match(path) and _has_any(find, LISTING_MARKERS):
        return "listing"
    if _has_any(find, COMMENTARY_MARKERS):
        return "commentary"
    if _has_any(find, PRODUCT_MARKERS):
        return "product"
    if _has_any(find, LISTING_MARKERS) and tree.css_first("h1") is not None:
        return "listing"
    raise ParseError("not a rand.org publication or listing page: no known page markup", url=url)


def _has_any(find: Finder, selectors: tuple[str, ...]) -> bool:
    return any(find.css_first(selector) is not None for selector in selectors)
