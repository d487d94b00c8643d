"""The crawl frontier: what to ask for in a run, in scope, each canonical URL once a pass.

A run is "discover, then revisit within budget" (``docs/scheduling.md``):

- **discovery** walks the seeds' listings newest first and stops where they bring
  nothing new to the state (``harvest.run._discovery`` decides, ``report`` applies);
  only entries new to the state are admitted;
- **revisits**: once discovery is done, the known pages whose next visit has come,
  most overdue first, up to the budget (``revisits``; ``harvest.run._schedule`` decides
  when a page is next due, ``report`` applies it).

The run takes each request with ``next`` and reports what it came to with
``report``, once. While a run goes, the frontier is the one writer of the state's
pass (its ``frontier`` and ``walks`` tables): it admits what a page leads to,
schedules the page's next visit, and finishes the page in one transaction, its
checkpoint. The run's end (``State.end_run``) closes a finished pass; recovery
(``harvest.run._recovery``) reopens the pages a dead run lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from harvest.models import utc_text
from harvest.run._discovery import last_date, next_step, order_problem
from harvest.run._plan import Plan, PlanStats, WalkCount
from harvest.run._requests import Answer, Listing, Request, RequestQueue
from harvest.run._schedule import Visit, next_visit, published_date
from harvest.run._scope import Scope
from harvest.run._walks import walk_after, walk_cut
from harvest.sites import canonical_url, is_listing
from harvest.state import PageUpdate, State, WalkState, stamp

log = logging.getLogger("harvest")


class Frontier:
    """Admits in-scope URLs, each canonical URL at most once a pass, within the limits.

    What was admitted and what was fetched is kept in the state's ``frontier`` table
    (``INSERT OR IGNORE`` answers "new?"), not in sets in memory: a crawl's memory stays
    flat however many pages it meets, and a resumed run knows what the dead one did.
    ``run_id``: the run whose pages ``report`` finishes.
    """

    def __init__(
        self,
        scope: Scope,
        state: State,
        *,
        run_id: str | None = None,
        max_pages: int | None = None,
        max_depth: int | None = None,
        plan: Plan | None = None,
    ) -> None:
        self.scope = scope
        self.state = state
        self.run_id = run_id
        self.requests = RequestQueue()
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

    def start_pass(self, digest: str, seeds: Iterable[str]) -> None:
        """Ask for the requests of the pass: the one left unfinished, or a new one from the seeds.

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
            self.requests.put(Request.from_row(row) for row in left)
            return
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
        self.requests.put(requests)

    def _seed(self, request: Request) -> Request:
        if not is_listing(request.url):
            return request
        walk = self.state.walk(request.url)
        whole = self.plan.full or walk is None or walk.unordered is not None
        if walk is not None and walk.unordered is not None:
            log.info("walking %s whole: %s", request.url, walk.unordered)
            self.stats.walks.setdefault(request.url, WalkCount()).disorder = walk.unordered
        return replace(request, walk=request.url, whole=whole)

    def _walk_listing(self, request: Request, listing: Listing) -> WalkState | None:
        """Apply discovery to a listing page: ask for what it leads to; its walk's state.

        Only entries new to the state are admitted (all of them with ``full``). The
        next page is followed as ``harvest.run._discovery.next_step`` decides.
        """
        entries, next_page, parsed = listing.entries, listing.next_page, listing.parsed
        if request.walk is None and self.state.walk(request.url) is None:
            request = replace(request, whole=True)  # a listing met as an entry: walked once
        walk = request.walk or request.url
        urls = [url for url in (canonical_url(e.url) for e in entries) if url is not None]
        known = set() if self.plan.full else self.state.known(urls)
        fresh = [url for url in dict.fromkeys(urls) if url not in known]
        over_before = self.over_max_pages
        admitted = self.admit_links(fresh, request)
        self.requests.put(admitted)
        self.stats.new_entries += len(admitted)
        if self.over_max_pages > over_before:
            # Entries of this page did not fit in max_pages: a later run starts here.
            self.stats.count_walk(walk, len(fresh), "cut by max_pages")
            return walk_cut(self.state.walk(walk), request)
        disorder = order_problem(entries, request.floor) if parsed else None
        step = next_step(
            has_next=next_page is not None,
            new=len(fresh),
            whole=request.whole,
            streak=request.streak,
            disorder=disorder,
            stop_after_known=self.plan.stop_after_known,
        )
        count = self.stats.count_walk(walk, len(fresh), step.reason)
        count.unchecked += not parsed
        if disorder is not None and not request.whole:
            log.warning("listing %s is not newest first (%s): walking it whole", walk, disorder)
        floor = last_date(entries) or request.floor
        following = Request(
            next_page or "", request.depth + 1, walk, step.whole, step.streak, floor=floor
        )
        if step.follow and next_page:
            over_before = self.over_max_pages
            self.requests.put(self._admit_next(following))
            if self.over_max_pages > over_before:
                count.ended = "cut by max_pages"
                return walk_cut(self.state.walk(walk), following)
        before = self.state.walk(walk)
        return walk_after(
            before,
            count,
            following,
            follow=step.follow,
            disorder=disorder,
            max_depth=self.max_depth,
        )

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

    def revisits(self) -> int:
        """Ask for the known pages to ask again in this pass, once discovery is done.

        The most overdue first, up to the revisit budget (every known page with
        ``full``); none if this pass admitted its revisits already (a resumed pass).
        """
        if self.state.revisits_admitted():
            return 0
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
        self.requests.put(Request(url, 1, revisit=True) for url in added)
        return len(added)

    def _scheduled(
        self, page: PageUpdate, url: str, visit: Visit, published: str | None
    ) -> PageUpdate:
        """The page's update with its next visit (see harvest.run._schedule)."""
        now = self.now()
        known = self.state.page(url)
        interval_s = known.interval_s if known else None
        revisit = next_visit(
            self.plan.policy,
            visit,
            now,
            url=url,
            interval=None if interval_s is None else timedelta(seconds=interval_s),
            published=published_date(published),
        )
        self.stats.visits[visit.value] += 1
        changed = visit in (Visit.FIRST, Visit.CHANGED)
        return replace(
            page,
            interval_s=revisit.interval.total_seconds(),
            next_visit=stamp(revisit.at),
            checked_at=stamp(now),
            changed_at=stamp(now) if changed else page.changed_at,
        )

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

    async def next(self) -> Request:
        """The next request to ask for (listing pages first); each is reported once."""
        return await self.requests.get()

    def report(
        self, request: Request, answer: Answer, *, files: dict[str, int] | None = None
    ) -> None:
        """Finish ``request`` with what asking for it came to: the page's checkpoint.

        What the page leads to is admitted (and asked for) first, so a finished
        page's links are always in the pass; its next visit is scheduled; then one
        state transaction records the page, the URL its fetch ended at, its walk,
        and the output files' committed sizes (``files``).
        """
        if self.run_id is None:
            raise ValueError("a frontier without a run_id finishes no page")
        page, walk = answer.page, None
        if answer.listing is not None:
            walk = self._walk_listing(request, answer.listing)
        else:
            self._follow(answer.links, request)
            # A listing page is walked, not revisited: one that failed is asked again
            # by its walk.
            failed = answer.visit in (Visit.FAILED, Visit.GONE)
            if answer.visit and page is not None and not (failed and is_listing(request.url)):
                page = self._scheduled(page, request.url, answer.visit, answer.published)
        target = canonical_url(answer.final_url) if answer.final_url else None
        others = (target,) if target and target != request.url else ()
        self.state.finish(
            self.run_id,
            request.url,
            answer.outcome,
            page=page,
            also=others,
            files=files,
            walk=walk,
            at=utc_text(datetime.now(UTC)),
        )
        self.release(request.url, *others)
        self.requests.done(request)

    def _follow(self, links: Iterable[str], request: Request) -> None:
        """Ask for the links of a (non-listing) page new to the state, in scope, in
        limits (all of them with ``full``); known pages come back on their schedule."""
        links = [link for link in (canonical_url(u) for u in links) if link is not None]
        if not links:
            return
        known = set() if self.plan.full else self.state.known(links)
        self.requests.put(self.admit_links([u for u in links if u not in known], request))

    def hinted(self, urls: Iterable[str]) -> int:
        """Ask for pages a sitemap lists that are new to the state: how many were admitted."""
        admitted = self.admit_links(urls, Request("sitemap", 0))
        self.requests.put(admitted)
        return len(admitted)

    def leave(self, request: Request) -> None:
        """Leave a request taken with ``next`` to the next run, unasked (the run is stopping)."""
        self.requests.leave(request)

    def cut(self, request: Request) -> None:
        """A request taken with ``next`` was cut short (the run ended first): unfinished."""
        self.requests.cut(request)

    async def join(self) -> None:
        """Wait until every request asked for so far was reported, left or cut."""
        await self.requests.join()

    def unfinished(self) -> list[str]:
        """The URLs this run leaves to the next: not asked, in flight, still waiting."""
        return self.requests.unfinished()
