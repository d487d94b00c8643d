"""Which parser a page needs: decided from its markup, with the URL as a hint.

What marks each kind of page is the site's to say (``harvest.sites``, ``Site.markers``);
the rule is the same for every site: a page at a listing URL that has a listing's
markup is a listing; otherwise the first kind whose markup the page has, a listing
only with a heading to name it.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from harvest.errors import ParseError
from harvest.normalize import host_of
from harvest.parse._finder import Finder
from harvest.sites import SITES, PageKind, site_for

_KNOWN = " or ".join(domain for site in SITES for domain in site.domains)


def classify(url: str, tree: LexborHTMLParser, find: Finder | None = None) -> PageKind:
    """The kind of page, or ParseError when harvest has no parser for it.

    ``find`` is the page's Finder when the caller has one, to share its anchors.
    """
    find = find or Finder(tree)
    site = site_for(url)
    if site is None:
        host = host_of(url)
        raise ParseError(f"no parser for this site: {host or url!r} is not {_KNOWN}", url=url)
    if site.kind_of(url) == "listing" and _has_any(find, site.markers_of("listing")):
        return "listing"
    for kind, selectors in site.markers:
        if _has_any(find, selectors) and (kind != "listing" or tree.css_first("h1") is not None):
            return kind
    raise ParseError(
        f"not a {site.name} publication or listing page: no known page markup", url=url
    )


def _has_any(find: Finder, selectors: tuple[str, ...]) -> bool:
    return any(find.css_first(selector) is not None for selector in selectors)
