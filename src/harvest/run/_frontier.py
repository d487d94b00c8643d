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

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from harvest.normalize import canonical_url
from harvest.run._discovery import Entry, last_date, next_step, order_problem
from harvest.run._plan import Plan, PlanStats, WalkCount
from harvest.run._requests import CrawlQueue, Request
from harvest.run._schedule import Visit, next_visit, published_date
from harvest.run._scope import Scope, is_listing
from harvest.state import State, WalkState, stamp

log = logging.getLogger("harvest")

__all__ = ["CrawlQueue", "Frontier", "Request", "Scope", "is_listing"]


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
