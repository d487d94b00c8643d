"""The shape of what harvest knows of one publisher's web site: ``Site``.

A site is data: its hosts, where a crawl starts, which paths are publication and
listing pages, how its CMS spells paths internally, and which markup says which
kind of page a parser is looking at. The code that reads the data (the frontier,
``parse.classify``, URL canonicalization, replay) is the same for every site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# The kinds of page harvest has a parser for (harvest.parse maps each to its parser).
PageKind = Literal["product", "commentary", "listing"]
# What a crawl asks for at a URL: a publication page or a listing page.
UrlKind = Literal["publication", "listing"]

_PATH = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*([^?#]*)", re.I)


@dataclass(frozen=True)
class Site:
    """One publisher's web site, as harvest knows it.

    Path patterns are regular expressions a whole URL path (no query) must match.
    ``index_paths``: pages that a publication pattern matches but are not
    publications (a series' own index page); a crawl never asks for them.
    ``cms_root``: the prefix under which the site's CMS (Adobe Experience Manager)
    serves every public page too, such as ``/content/rand``: ``/content/rand/pubs.html``
    is ``/pubs.html`` and ``/content/rand.html`` the home page.
    ``markers``: for each page kind, in the order they are tried, CSS selectors of
    markup only that kind of page has (``harvest.parse.classify`` reads them).
    ``earliest_year``: the year of the publisher's first publication; a date before it
    is a suspect value (``harvest.parse``'s plausibility checks); None: no such bound.
    """

    name: str
    domains: tuple[str, ...]
    seeds: tuple[str, ...]
    publication_paths: tuple[str, ...]
    listing_paths: tuple[str, ...]
    index_paths: tuple[str, ...] = ()
    cms_root: str | None = None
    markers: tuple[tuple[PageKind, tuple[str, ...]], ...] = ()
    earliest_year: int | None = None
    _listing: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _publication: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = f"(?!(?:{'|'.join(self.index_paths)})$)" if self.index_paths else ""
        object.__setattr__(self, "_listing", _any_of(self.listing_paths))
        object.__setattr__(self, "_publication", _any_of(self.publication_paths, index))

    def serves(self, host: str | None) -> bool:
        """True for one of the site's domains or a subdomain of one (``host`` lowercase)."""
        if not host:
            return False
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)

    def kind_of(self, url: str) -> UrlKind | None:
        """What ``url`` (on one of the site's hosts) is: a publication page, a listing
        page, or None for anything a crawl does not ask for."""
        found = _PATH.match(url)
        path = found.group(1) if found else ""
        if self._listing.match(path):
            return "listing"
        return "publication" if self._publication.match(path) else None

    def page_patterns(self) -> tuple[re.Pattern[str], ...]:
        """The paths a crawl asks for, publications then listings, index pages left out."""
        return (self._publication, self._listing)

    def markers_of(self, kind: PageKind) -> tuple[str, ...]:
        """The selectors that mark a page of ``kind``; () for a kind the site lacks."""
        return next((selectors for name, selectors in self.markers if name == kind), ())

    def public_path(self, path: str) -> str:
        """The public spelling of a path the CMS also serves under ``cms_root``."""
        root = self.cms_root
        if root is None:
            return path
        while path.startswith(root + "/"):
            path = path[len(root) :]
        return "/" if path == root + ".html" else path


def _any_of(paths: tuple[str, ...], prefix: str = "") -> re.Pattern[str]:
    """One pattern a whole path matches when one of ``paths`` does (none: never)."""
    if not paths:
        return re.compile(r"(?!)")
    return re.compile(f"^{prefix}(?:{'|'.join(f'(?:{p})' for p in paths)})$")
