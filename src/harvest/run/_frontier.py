"""The crawl frontier: what to ask for in a run, in scope, each canonical URL once a pass.

A run is "discover, then revisit within budget" (``docs/scheduling.md``):

- **discovery** walks the seeds' listings newest first and stops where they bring
  nothing new to the state (``harvest.run._discovery`` decides, ``listing_done`` applies);
  only entries new to the state are admitted;
- **revisits**: once discovery is done, the known pages whose next visit has come,
  most overdue first, up to the budget (``revisits``; ``harvest.run._schedule`` decides
  when a page is next due, ``schedule`` applies it).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

from harvest.normalize import canonical_url, host_of, in_scope_origin, origin_of
from harvest.normalize._urls import Origin
from harvest.run._discovery import Entry, last_date, next_step, order_problem
from harvest.run._schedule import RevisitPolicy, Visit, next_visit, published_date
from harvest.state import FrontierRow, State, WalkState, stamp

log = logging.getLogger("harvest")

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


@dataclass(frozen=True)
class Request:
    """A URL to fetch and how far it is from a seed.

    A listing page carries its walk: ``walk`` (the walk's first page), ``whole`` (walk
    to the end whatever it brings), ``streak`` (pages before it in a row that brought
    nothing new) and ``floor`` (the last date of the page before, for the order check).
    ``revisit``: a known page asked again by the schedule.
    """

    url: str
    depth: int
    walk: str | None = None
    whole: bool = False
    streak: int = 0
    revisit: bool = False
    floor: str | None = None

    def row(self) -> tuple[str, int, str | None, bool, int, bool]:
        """The request as the state's frontier keeps it."""
        return (self.url, self.depth, self.walk, self.whole, self.streak, self.revisit)

    @classmethod
    def from_row(cls, row: FrontierRow) -> Request:
        return cls(row.url, row.depth, row.walk, row.whole, row.streak, row.revisit)


@dataclass(frozen=True)
class Plan:
    """How a run asks: discovery's stop rule, the revisit budget and schedule, the clock."""

    stop_after_known: int = 1
    revisit_budget: int = 1500
    policy: RevisitPolicy = field(default_factory=RevisitPolicy)
    full: bool = False
    clock: datetime | None = None


@dataclass
class WalkCount:
    """One listing walk in a run: pages walked, entries new to the state, why it ended."""

    pages: int = 0
    new: int = 0
    ended: str | None = None
    disorder: str | None = None  # why it is walked whole: dates out of order
    unchecked: int = 0  # pages answered as before (304): their order was not read again


@dataclass
class PlanStats:
    """What discovery and the revisits did in a run, for the manifest."""

    walks: dict[str, WalkCount] = field(default_factory=dict)
    new_entries: int = 0
    revisits_due: int = 0
    revisits_asked: int = 0
    visits: Counter[str] = field(default_factory=Counter)

    def summary(self, plan: Plan, unvisited: int) -> dict[str, object]:
        """``sweep``: the pass saw every page the state knows (a first crawl, ``--full``)."""
        return {
            "sweep": unvisited == 0,
            "unvisited_known_pages": unvisited,
            "stop_after_known": plan.stop_after_known,
            "walks": {root: asdict(count) for root, count in self.walks.items()},
            "new_entries": self.new_entries,
            "revisits": {
                "budget": None if plan.full else plan.revisit_budget,
                "due": self.revisits_due,
                "asked": self.revisits_asked,
            },
            "visits": dict(sorted(self.visits.items())),
        }


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
        plan: Plan | None = None,
    ) -> None:
        self.scope = scope
        self.state = state
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.plan = plan or Plan()
        self.stats = PlanStats()
        self.admitted = state.frontier_size()
        self._taken: set[str] = set()  # claimed in this run, not finished yet: in flight
        self.resumed = 0
        self.new_pass = False
        self.out_of_scope = 0
        self.over_limits = 0  # links not admitted: over max_depth or max_pages
        self.over_max_pages = 0

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
        self.over_max_pages += over
        self.admitted += len(added)
        return [Request(url, depth) for url in added]

    def now(self) -> datetime:
        """The time the schedule works with: the plan's clock (tests, the benchmark) or now."""
        return self.plan.clock or datetime.now(UTC)

    def start_pass(self, digest: str, seeds: Iterable[str]) -> list[Request]:
        """The requests of the pass: the one left unfinished, or a new one from the seeds.

        A new pass walks each seed listing: whole where no run has finished the walk,
        where its dates were out of order, or with ``full``; from its first page,
        with the stop rule, otherwise; and an unfinished walk also goes on, whole,
        from where it stopped.
        """
        self.new_pass = not (self.state.pass_digest() == digest and not self.plan.full)
        if not self.new_pass:
            left = [row for row in self.state.frontier() if row.done_run is None]
            self.resumed = self.admitted - len(left)
            log.info(
                "going on with the crawl pass left unfinished: %d pages done, %d to fetch",
                self.resumed,
                len(left),
            )
            return [Request.from_row(row) for row in left]
        if self.state.pass_digest() is not None:
            log.info("starting a new crawl pass (the unfinished one was of another configuration)")
        requests = [self._seed(request) for request in self.seeds(seeds)]
        for walk in self.state.walks():
            go_on = walk.resume_url is not None and not walk.complete and not self.plan.full
            depth = walk.resume_depth or 0
            too_deep = self.max_depth is not None and depth > self.max_depth
            if go_on and walk.resume_url and self.scope.allows(walk.resume_url) and not too_deep:
                requests.append(Request(walk.resume_url, depth, walk.root, whole=True))
        requests = list({request.url: request for request in reversed(requests)}.values())[::-1]
        self.admitted = len(requests)
        self.resumed = 0
        self.state.start_pass(digest, [request.row() for request in requests])
        return requests

    def _seed(self, request: Request) -> Request:
        if not is_listing(request.url):
            return request
        walk = self.state.walk(request.url)
        whole = self.plan.full or walk is None or walk.unordered is not None
        if walk is not None and walk.unordered is not None:
            log.info("walking %s whole: %s", request.url, walk.unordered)
            self.stats.walks.setdefault(request.url, WalkCount()).disorder = walk.unordered
        return replace(request, walk=request.url, whole=whole)

    def listing_done(
        self,
        request: Request,
        entries: Iterable[Entry],
        next_page: str | None,
        *,
        parsed: bool,
    ) -> tuple[list[Request], WalkState | None]:
        """Apply discovery to a listing page: the requests it leads to, and its walk's state.

        Only entries new to the state are admitted (all of them with ``full``). The
        next page is followed as ``harvest.run._discovery.next_step`` decides. ``parsed``
        False: the page answered as before (304), so its order was checked then.
        """
        entries = list(entries)
        if request.walk is None and self.state.walk(request.url) is None:
            request = replace(request, whole=True)  # a listing met as an entry: walked once
        urls = [url for url in (canonical_url(e.url) for e in entries) if url is not None]
        known = set() if self.plan.full else self.state.known(urls)
        fresh = [url for url in dict.fromkeys(urls) if url not in known]
        over_before = self.over_max_pages
        admitted = self.admit_links(fresh, request)
        self.stats.new_entries += len(admitted)
        if self.over_max_pages > over_before:
            # Entries of this page did not fit in max_pages: a later run starts here.
            self._count_walk(request.walk or request.url, len(fresh), "cut by max_pages")
            return admitted, self._cut_at(request)
        walk = request.walk or request.url
        disorder = order_problem(entries, request.floor) if parsed else None
        step = next_step(
            has_next=next_page is not None,
            new=len(fresh),
            whole=request.whole,
            streak=request.streak,
            disorder=disorder,
            stop_after_known=self.plan.stop_after_known,
        )
        count = self._count_walk(walk, len(fresh), step.reason)
        count.unchecked += not parsed
        if disorder is not None and not request.whole:
            log.warning("listing %s is not newest first (%s): walking it whole", walk, disorder)
        floor = last_date(entries) or request.floor
        following = Request(
            next_page or "", request.depth + 1, walk, step.whole, step.streak, floor=floor
        )
        if step.follow and next_page:
            over_before = self.over_max_pages
            admitted += self._admit_next(following)
            if self.over_max_pages > over_before:
                count.ended = "cut by max_pages"
                return admitted, self._cut_at(following)
        return admitted, self._walk_state(walk, request, following, step.follow, disorder)

    def _cut_at(self, request: Request) -> WalkState:
        """A walk cut at this page by max_pages: unfinished again, so a later run goes on
        from here to the end (never losing what did not fit, at the cost of a whole walk)."""
        walk = request.walk or request.url
        before = self.state.walk(walk)
        unordered = before.unordered if before else None
        return WalkState(walk, False, request.url, request.depth, unordered)

    def _admit_next(self, request: Request) -> list[Request]:
        url = canonical_url(request.url)
        if url is None or not self.scope.allows(url):
            return []
        if self.max_depth is not None and request.depth > self.max_depth:
            self.over_limits += 1
            return []
        room = None if self.max_pages is None else max(self.max_pages - self.admitted, 0)
        request = replace(request, url=url)
        added, over = self.state.admit([request.row()], room)
        self.over_limits += over
        self.over_max_pages += over
        self.admitted += len(added)
        return [request] if added else []

    def _walk_state(
        self, walk: str, request: Request, following: Request, follow: bool, disorder: str | None
    ) -> WalkState | None:
        """The walk's state to store after this page; None when it does not change.

        A walk that reached its last page (or the depth limit) is complete, and in
        order unless this run saw otherwise. A whole walk that goes on records where,
        so that a run that stops before the end is followed by one that goes on.
        """
        before = self.state.walk(walk)
        unordered = disorder or (before.unordered if before else None)
        beyond_depth = self.max_depth is not None and following.depth > self.max_depth
        if not following.url or (follow and beyond_depth):
            seen = self.stats.walks[walk]
            if seen.unchecked and not seen.disorder:  # not all read again: as it was
                return WalkState(walk, True, None, None, before.unordered if before else None)
            return WalkState(walk, True, None, None, seen.disorder)
        if follow and following.whole:
            complete = before.complete if before else False
            return WalkState(walk, complete, following.url, following.depth, unordered)
        if disorder is not None:
            return WalkState(
                walk,
                before.complete if before else False,
                before.resume_url if before else None,
                before.resume_depth if before else None,
                disorder,
            )
        return None

    def _count_walk(self, walk: str, new: int, reason: str) -> WalkCount:
        count = self.stats.walks.setdefault(walk, WalkCount())
        count.pages += 1
        count.new += new
        count.ended = reason
        if reason.startswith("not newest first"):
            count.disorder = reason
        return count

    def revisits(self) -> list[Request]:
        """The known pages to ask again in this pass, once discovery is done.

        The most overdue first, up to the revisit budget (every known page with
        ``full``); none if this pass admitted its revisits already (a resumed pass).
        """
        if self.state.revisits_admitted():
            return []
        budget = None if self.plan.full else self.plan.revisit_budget
        if self.max_pages is not None:
            room = max(self.max_pages - self.admitted, 0)
            budget = room if budget is None else min(budget, room)
        self.stats.revisits_due = self.state.count_due(self.now())
        urls = self.state.due(self.now(), budget) if budget != 0 else []
        if budget is not None and self.stats.revisits_due > budget:
            log.info(
                "%d pages due, %d revisited: the rest wait for later runs",
                self.stats.revisits_due,
                budget,
                extra={"event": "revisits_deferred", "due": self.stats.revisits_due},
            )
        added = self.state.admit_revisits(urls)
        self.admitted += len(added)
        self.stats.revisits_asked += len(added)
        return [Request(url, 1, revisit=True) for url in added]

    def schedule(
        self, url: str, visit: Visit, interval_s: float | None, published: str | None
    ) -> dict[str, object]:
        """The schedule fields of a page's update after a visit (see harvest.run._schedule)."""
        now = self.now()
        revisit = next_visit(
            self.plan.policy,
            visit,
            now,
            url=url,
            interval=None if interval_s is None else timedelta(seconds=interval_s),
            published=published_date(published),
        )
        self.stats.visits[visit.value] += 1
        fields: dict[str, object] = {
            "interval_s": revisit.interval.total_seconds(),
            "next_visit": stamp(revisit.at),
            "checked_at": stamp(now),
        }
        if visit in (Visit.FIRST, Visit.CHANGED):
            fields["changed_at"] = stamp(now)
        return fields

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
