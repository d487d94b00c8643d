"""The crawl frontier: what to fetch next, in scope, each canonical URL once a run."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from harvest.normalize import canonical_url, host_of
from harvest.state import State

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


def is_listing(url: str) -> bool:
    """True for a listing page's URL (a topic page, the publications index).

    >>> is_listing("https://www.rand.org/topics/china.html?page=2")
    True
    >>> is_listing("https://www.rand.org/pubs/research_reports/RR2646.html")
    False
    """
    return _LISTING.match(url) is not None


@dataclass(frozen=True)
class Request:
    """A URL to fetch and how far it is from a seed."""

    url: str
    depth: int


class Frontier:
    """Admits in-scope URLs, each canonical URL at most once a pass, within the limits.

    What was admitted and what was fetched is kept in the state's ``frontier`` table
    (``INSERT OR IGNORE`` answers "new?"), not in sets in memory: a crawl's memory stays
    flat however many pages it meets, and a resumed run knows what the dead one did.
    """

    def __init__(
        self,
        scope: Scope,
        state: State,
        *,
        max_pages: int | None = None,
        max_depth: int | None = None,
    ) -> None:
        self.scope = scope
        self.state = state
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.admitted = state.frontier_size()
        self._taken: set[str] = set()  # claimed in this run, not finished yet: in flight
        self.out_of_scope = 0
        self.over_limits = 0

    def seeds(self, urls: Iterable[str]) -> list[Request]:
        """The seeds' requests, for a new pass: a seed is taken whatever its path."""
        canonical = dict.fromkeys(c for c in map(canonical_url, urls) if c is not None)
        self.admitted = len(canonical)
        return [Request(url, 0) for url in canonical]

    def admit_links(self, urls: Iterable[str], parent: Request) -> list[Request]:
        """The new, in-scope requests among links found on ``parent``, admitted."""
        depth = parent.depth + 1
        candidates: dict[str, None] = {}
        for url in urls:
            canonical = canonical_url(url)
            if canonical is None:
                continue
            if not self.scope.allows(canonical):
                self.out_of_scope += 1
            elif self.max_depth is not None and depth > self.max_depth:
                self.over_limits += 1
            else:
                candidates[canonical] = None
        if not candidates:
            return []
        room = None if self.max_pages is None else max(self.max_pages - self.admitted, 0)
        added, over = self.state.admit(((url, depth) for url in candidates), room)
        self.over_limits += over
        self.admitted += len(added)
        return [Request(url, depth) for url in added]

    def claim(self, request: Request, url: str | None = None) -> bool:
        """Take ``url`` (default: the request's) to fetch; False if this pass already has.

        A URL queued and then reached through another URL's redirect is not fetched
        again when its turn comes: its worker's ``claim`` answers False. What is in
        flight is held here (as many URLs as requests in flight); what is finished,
        in the state.
        """
        canonical = canonical_url(url or request.url)
        if canonical is None or canonical in self._taken:
            return False
        done = self.state.is_done(canonical)
        if done:
            return False
        self.admitted += done is None  # a redirect's target, new to the pass
        self._taken.add(canonical)
        return True

    def release(self, *urls: str) -> None:
        """URLs finished (recorded as done in the state): no longer held as in flight."""
        for url in urls:
            self._taken.discard(url)


class CrawlQueue(asyncio.Queue[Request]):
    """The requests waiting for a worker: those that ``first`` picks go ahead of the rest.

    A crawl queues listing pages before publication pages (``is_listing``). The
    next page of a listing is found only once the page before it is parsed; in a
    plain FIFO it would wait behind the hundred publications its page linked to,
    and the workers would run dry at the end of every listing page. Ahead of them,
    the listing pages are walked while the publications they found keep the
    workers busy. Within each group the order is first in, first out.
    """

    def __init__(self, first: Callable[[str], bool] = is_listing) -> None:
        super().__init__()
        self._first: Callable[[str], bool] = first
        self._ahead: deque[Request] = deque()

    def qsize(self) -> int:
        return len(self._ahead) + super().qsize()

    def empty(self) -> bool:
        return not self._ahead and super().empty()

    def _put(self, item: Request) -> None:
        if self._first(item.url):
            self._ahead.append(item)
        else:
            super()._put(item)

    def _get(self) -> Request:
        return self._ahead.popleft() if self._ahead else super()._get()
