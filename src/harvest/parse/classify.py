"""Which parser a page needs: decided from its markup, with the URL as a hint."""

from __future__ import annotations

import re
from typing import Literal

from selectolax.lexbor import LexborHTMLParser

from harvest.errors import ParseError
from harvest.normalize import host_of

PageKind = Literal["product", "commentary", "listing"]

COMMENTARY_MARKERS = ("article.blog", ".post-heading .type-date", "article .body-text")
PRODUCT_MARKERS = (
    ".product-header",
    "#buybox",
    ".product-page-abstract",
    "#download",
    "table.ebook-formats",
    "table.purchase-formats",
)
LISTING_MARKERS = ("ul.teasers li", "ul.teaser-list li")
_LISTING_URL = re.compile(r"^/(topics/[^/]+\.html|pubs\.html|topics\.html)$")


def is_supported_host(host: str | None) -> bool:
    """True for the sites harvest has parsers for (rand.org and its subdomains)."""
    return bool(host) and (host == "rand.org" or str(host).endswith(".rand.org"))


def classify(url: str, tree: LexborHTMLParser) -> PageKind:
    """The kind of page, or ParseError when harvest has no parser for it."""
    host = host_of(url)
    if not is_supported_host(host):
        raise ParseError(f"no parser for this site: {host or url!r} is not rand.org", url=url)
    path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
    if _LISTING_URL.match(path) and _has_any(tree, LISTING_MARKERS):
        return "listing"
    if _has_any(tree, COMMENTARY_MARKERS):
        return "commentary"
    if _has_any(tree, PRODUCT_MARKERS):
        return "product"
    if _has_any(tree, LISTING_MARKERS) and tree.css_first("h1") is not None:
        return "listing"
    raise ParseError("not a rand.org publication or listing page: no known page markup", url=url)


def _has_any(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> bool:
    return any(tree.css_first(selector) is not None for selector in selectors)
