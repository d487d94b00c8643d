"""What harvest knows of each publisher's site, behind one small interface.

``SITES`` is the explicit tuple of the sites harvest knows, one module each
(``rand``); a second publisher is a new module and one more entry there. Generic
code asks by URL:

* ``site_for(url)``: the site that serves the URL's host, or None;
* ``is_listing(url)``: a listing page of its site (walked newest first by discovery);
* ``canonical_url`` / ``absolute_url``: ``harvest.normalize``'s one spelling of a URL
  (``normal_url`` / ``join_url``), then the site's own (its CMS prefix mapped);
* ``page_patterns()``: the paths a crawl asks for; ``DEFAULT_SEEDS``: where it starts.
"""

from __future__ import annotations

import re

from harvest.normalize import host_of, join_url, normal_url
from harvest.sites._site import PageKind, Site, UrlKind
from harvest.sites.rand import RAND

__all__ = [
    "DEFAULT_SEEDS",
    "SITES",
    "PageKind",
    "Site",
    "UrlKind",
    "absolute_url",
    "canonical_url",
    "is_listing",
    "page_patterns",
    "site_for",
]

SITES: tuple[Site, ...] = (RAND,)
DEFAULT_SEEDS: tuple[str, ...] = tuple(seed for site in SITES for seed in site.seeds)
_CMS_ROOTS = tuple((site.cms_root, site) for site in SITES if site.cms_root)


def site_for(url: str | None) -> Site | None:
    """The known site that serves ``url``'s host (any port), or None.

    >>> site_for("https://www.rand.org/pubs.html").name, site_for("https://example.org/")
    ('rand.org', None)
    """
    host = host_of(url)
    return next((site for site in SITES if site.serves(host)), None)


def is_listing(url: str) -> bool:
    """True for a listing page's URL on a known site (a topic page, the publications index).

    >>> is_listing("https://www.rand.org/topics/china.html?page=2")
    True
    >>> is_listing("https://www.rand.org/pubs/research_reports/RR2646.html")
    False
    """
    site = site_for(url)
    return site is not None and site.kind_of(url) == "listing"


def page_patterns() -> tuple[re.Pattern[str], ...]:
    """The paths of the publication and listing pages of every known site."""
    return tuple(pattern for site in SITES for pattern in site.page_patterns())


def canonical_url(url: str | None) -> str | None:
    """The one spelling of an absolute http(s) URL harvest keys pages by, or None.

    ``harvest.normalize.normal_url``, then the path as its site spells it in public.

    >>> canonical_url("HTTPS://WWW.RAND.ORG:443/content/rand/pubs.html?start=12#list")
    'https://www.rand.org/pubs.html?start=12'
    >>> canonical_url("https://example.org/content/rand/pubs.html")
    'https://example.org/content/rand/pubs.html'
    """
    return _public(normal_url(url))


def absolute_url(href: str | None, base: str) -> str | None:
    """``href`` resolved against ``base`` and made canonical, or None.

    >>> absolute_url("/content/rand/pubs.html?start=12#f", "https://www.rand.org/pubs.html")
    'https://www.rand.org/pubs.html?start=12'
    >>> absolute_url("javascript:void(0)", "https://www.rand.org/") is None
    True
    """
    return _public(join_url(href, base))


def _public(url: str | None) -> str | None:
    """``url`` (a normal URL) with its path as its site spells it in public."""
    if url is None:
        return None
    for root, site in _CMS_ROOTS:
        # Checked as text first: nearly every URL has no CMS prefix at all.
        if root in url and site.serves(host_of(url)):
            start = url.index("/", url.index("://") + 3)
            end = len(url) if (query := url.find("?", start)) < 0 else query
            return url[:start] + site.public_path(url[start:end]) + url[end:]
    return url
