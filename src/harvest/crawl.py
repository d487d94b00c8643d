"""The crawl frontier: what to fetch next, in scope, each canonical URL once a run."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from harvest.normalize import canonical_url, host_of

# Publication pages (products, commentary, blog posts) and listing pages on rand.org.
PUBLICATION_PATHS = (r"/pubs/(?!.*\.html/).+\.html", r"/blog/.+\.html")
LISTING_PATHS = (r"/topics/[^/]+\.html", r"/pubs\.html")
_INDEX_PAGES = re.compile(r"^/pubs/[a-z_]+\.html$")


@dataclass(frozen=True)
class Scope:
    """Which URLs a crawl may fetch: allowed hosts and path patterns."""

    hosts: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def for_seeds(cls, seeds: Iterable[str]) -> Scope:
        """The default scope: the seeds' hosts, publication and listing pages."""
        hosts = frozenset(h for h in (host_of(s) for s in seeds) if h)
        return cls(hosts, cls.default_patterns())

    @staticmethod
    def default_patterns() -> tuple[re.Pattern[str], ...]:
        """Publication and listing page paths on rand.org."""
        return tuple(re.compile(f"^{p}$") for p in (*PUBLICATION_PATHS, *LISTING_PATHS))

    def allows(self, url: str) -> bool:
        host = host_of(url)
        path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
        if host not in self.hosts or _INDEX_PAGES.match(path):
            return False
        return any(p.match(path) for p in self.patterns)


@dataclass(frozen=True)
class Request:
    """A URL to fetch and how far it is from a seed."""

    url: str
    depth: int


class Frontier:
    """Admits in-scope URLs, each canonical URL at most once, within the limits."""

    def __init__(
        self, scope: Scope, *, max_pages: int | None = None, max_depth: int | None = None
    ) -> None:
        self.scope = scope
        self.max_pages = max_pages
        self.max_depth = max_depth
        self._seen: set[str] = set()
        self._fetched: set[str] = set()
        self.out_of_scope = 0
        self.over_limits = 0

    def admit_seed(self, url: str) -> Request | None:
        """A seed is taken whatever its path: the user named it."""
        return self._admit(url, 0, check_scope=False)

    def admit_links(self, urls: Iterable[str], parent: Request) -> list[Request]:
        """The new, in-scope requests among links found on ``parent``."""
        admitted = (self._admit(url, parent.depth + 1) for url in urls)
        return [request for request in admitted if request is not None]

    def claim(self, url: str) -> bool:
        """Mark ``url`` fetched (now, or as a redirect's target); False if it already was.

        A URL queued and then reached through another URL's redirect is not fetched
        again when its turn comes: its worker's ``claim`` answers False.
        """
        canonical = canonical_url(url)
        if canonical is None or canonical in self._fetched:
            return False
        self._seen.add(canonical)
        self._fetched.add(canonical)
        return True

    def restore(self, url: str, depth: int, *, done: bool) -> Request | None:
        """Take back a URL of a pass left unfinished; its request when still to fetch."""
        self._seen.add(url)
        if done:
            self._fetched.add(url)
            return None
        return Request(url, depth)

    def _admit(self, url: str, depth: int, *, check_scope: bool = True) -> Request | None:
        canonical = canonical_url(url)
        if canonical is None or canonical in self._seen:
            return None
        if check_scope and not self.scope.allows(canonical):
            self.out_of_scope += 1
            return None
        over_pages = self.max_pages is not None and len(self._seen) >= self.max_pages
        if over_pages or (self.max_depth is not None and depth > self.max_depth):
            self.over_limits += 1
            return None
        self._seen.add(canonical)
        return Request(canonical, depth)

    @property
    def admitted(self) -> int:
        return len(self._seen)
