"""What a crawl may fetch: the hosts and page paths in scope, and which pages are listings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from harvest.normalize import host_of, in_scope_origin, origin_of
from harvest.normalize._urls import Origin

# Publication pages (products, commentary, blog posts) and listing pages on rand.org.
PUBLICATION_PATHS = (r"/pubs/(?!.*\.html/).+\.html", r"/blog/.+\.html")
LISTING_PATHS = (r"/topics/[^/]+\.html", r"/pubs\.html")
_INDEX_PAGES = re.compile(r"^/pubs/[a-z_]+\.html$")
_LISTING = re.compile(rf"^https?://[^/]+(?:{'|'.join(LISTING_PATHS)})(?:\?|$)")


@dataclass(frozen=True)
class Scope:
    """Which URLs a crawl may fetch: allowed hosts and path patterns."""

    hosts: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    origins: frozenset[Origin] = frozenset()  # non-default ports allowed: the seeds' own

    @classmethod
    def for_seeds(cls, seeds: Iterable[str]) -> Scope:
        """The default scope: the seeds' hosts, publication and listing pages."""
        hosts = frozenset(h for h in (host_of(s) for s in seeds) if h)
        return cls(hosts, cls.default_patterns(), seed_origins(seeds))

    @staticmethod
    def default_patterns() -> tuple[re.Pattern[str], ...]:
        """Publication and listing page paths on rand.org."""
        return tuple(re.compile(f"^{p}$") for p in (*PUBLICATION_PATHS, *LISTING_PATHS))

    def allows(self, url: str) -> bool:
        path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
        if not in_scope_origin(url, self.hosts, self.origins) or _INDEX_PAGES.match(path):
            return False
        return any(p.match(path) for p in self.patterns)


def seed_origins(seeds: Iterable[str]) -> frozenset[Origin]:
    """The seeds' origins on a port that is not their scheme's default: in scope too."""
    found = (origin_of(seed) for seed in seeds)
    return frozenset(o for o in found if o and o[2] != (80 if o[0] == "http" else 443))


def is_listing(url: str) -> bool:
    """True for a listing page's URL (a topic page, the publications index).

    >>> is_listing("https://www.rand.org/topics/china.html?page=2")
    True
    >>> is_listing("https://www.rand.org/pubs/research_reports/RR2646.html")
    False
    """
    return _LISTING.match(url) is not None
