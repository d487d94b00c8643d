"""The crawl loop: workers take requests, fetch them, parse them, and end each page.

A bounded pool of workers shares one fetcher. A listing page is parsed before its
worker fetches again (the crawl waits for its links); with parse worker processes,
other pages are parsed in the background while the worker goes on fetching. Each
page ends in ``harvest.run._checkpoints``; a bug on one page becomes its error line,
never a dead worker. Output or state that cannot be written stops every worker at
once (``WriteError``); a stop request drains the queue (``harvest.run._stop``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from harvest.config._settings import Settings
from harvest.errors import (
    FetchError,
    FetchOutcome,
    PageOutcome,
    ParseOutcome,
    RunOutcome,
    WriteError,
)
from harvest.fetch import FetchedPage, Fetcher
from harvest.parse._jobs import ParseJob, Parser
from harvest.run._checkpoints import Checkpoints
from harvest.run._configure import crawl_plan
from harvest.run._frontier import Frontier
from harvest.run._requests import Request
from harvest.run._scope import Scope, seed_origins
from harvest.run._sitemap_hints import SitemapReport, read_sitemaps
from harvest.run._stop import StopRequest
from harvest.sites import canonical_url, is_listing
from harvest.state import PageState, State
from harvest.write import RunWriter

log = logging.getLogger("harvest")


class CrawlLoop:
    """One crawl's requests, from the frontier's first to the queue drained."""

    def __init__(
        self,
        settings: Settings,
        writer: RunWriter,
        stop: StopRequest,
        state: State,
        progress: Callable[[int, int], None] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.stop = stop
        self.state = state
        self.frontier = Frontier(
            Scope(
                frozenset(settings.allowed_hosts),
                Scope.default_patterns(),
                seed_origins(settings.seeds),
            ),
            state,
            run_id=writer.run_id,
            max_pages=settings.max_pages,
            max_depth=settings.max_depth,
            plan=crawl_plan(settings),
        )
        self.pages = Checkpoints(writer, self.frontier, progress)
        self.stats = self.pages.stats
        self.parser = Parser(settings.parse_processes, settings.parse_timeout_s)
        self.parse_slots = asyncio.Semaphore(max(4, 8 * settings.parse_processes))
        self.background: set[asyncio.Task[None]] = set()
        self.unfinished: list[str] = []
        self.interrupted: str | None = None
        self.config = config or {}
        self.sitemaps: SitemapReport | None = None
        # Output or state that cannot be written ends the run at once (no grace).
        self.fatal: WriteError | None = None
        self.broken = asyncio.Event()

    @property
    def resumed(self) -> int:
        """Pages of the pass that earlier runs finished."""
        return self.frontier.resumed

    def outcome(self) -> RunOutcome:
        """``interrupted``; ``failed`` when every page it asked for failed (the site, the
        network or the parser is down: nothing to publish as the latest); else
        ``complete``."""
        if self.interrupted:
            return RunOutcome.INTERRUPTED
        stats = self.stats
        if stats.pages and stats.failed == stats.pages:
            return RunOutcome.FAILED
        return RunOutcome.COMPLETE

    async def execute(self, fetcher: Fetcher) -> None:
        """Discover, then revisit: what the frontier asks for is drained once for each."""
        self.parser.start()
        self.frontier.start_pass(self.settings.config_digest, self.settings.seeds)
        if self.frontier.new_pass and (self.settings.sitemaps or self.settings.robots_sitemaps):
            seeds = self.settings.seeds if self.settings.robots_sitemaps else ()
            self.sitemaps = await read_sitemaps(
                fetcher, self.frontier, self.settings.sitemaps, seeds
            )
        workers = [
            asyncio.create_task(self._work(fetcher)) for _ in range(self.settings.concurrency)
        ]
        waits = [
            asyncio.ensure_future(e.wait())
            for e in (self.stop.requested, self.stop.now, self.broken)
        ]
        try:
            if await self._drain(waits):
                self.frontier.revisits()
                await self._drain(waits)
        finally:
            for task in (*workers, *self.background, *waits):
                task.cancel()
            await asyncio.gather(*workers, *self.background, *waits, return_exceptions=True)
        self.unfinished = self.frontier.unfinished()
        if self.fatal is not None:
            raise self.fatal

    def _break(self, exc: WriteError) -> None:
        """The output or the state cannot be written: stop every worker now."""
        if self.fatal is None:
            self.fatal = exc
            log.error("stopping: %s", exc, extra={"event": "write_failed"})
        self.broken.set()

    async def _drain(self, waits: list[asyncio.Task[Any]]) -> bool:
        """Wait until every request asked for is done (True) or a stop is asked for (False)."""
        done = asyncio.ensure_future(self.frontier.join())
        try:
            await asyncio.wait([done, waits[0], waits[2]], return_when=asyncio.FIRST_COMPLETED)
            if self.broken.is_set():
                return False
            # A stop asked for before the workers began ends the queue at once (each
            # request is left): that is a stop too, not a drained queue.
            if done.done() and not self.stop.requested.is_set():
                return True
            self.interrupted = self.stop.reason or "stop requested"
            log.warning("stopping (%s): finishing requests in flight", self.interrupted)
            await asyncio.wait(
                [done, waits[1]],
                timeout=self.settings.stop_grace_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            return False
        finally:
            done.cancel()

    async def _work(self, fetcher: Fetcher) -> None:
        while True:
            request = await self.frontier.next()
            if self.stop.requested.is_set():
                self.frontier.leave(request)
                continue
            try:
                await self._guarded(self._handle(fetcher, request), request)
            except asyncio.CancelledError:
                self.frontier.cut(request)
                raise
            except WriteError as exc:
                self.frontier.cut(request)
                self._break(exc)
                return

    async def _guarded(self, step: Coroutine[Any, Any, None], request: Request) -> None:
        """Run a step; a bug in it becomes an error record, not a dead worker."""
        try:
            await step
        except WriteError:
            raise  # the output cannot be written: the run cannot go on
        except Exception as exc:  # a bug must not kill the worker, nor the run
            log.exception("internal error on %s", request.url)
            reason = f"internal error: {type(exc).__name__}: {exc}"
            self.pages.failed(request, "fetch", reason, None, ParseOutcome.INTERNAL_ERROR, None)

    async def _handle(self, fetcher: Fetcher, request: Request) -> None:
        """Fetch, then parse (in the background with parse workers): the page is reported."""
        if not self.frontier.claim(request):
            self.pages.duplicate(request)  # had it through a redirect
            return
        known = self.state.page(request.url)
        emitted = known is not None and known.record_sha256 is not None and not known.removed
        fetched = await self._fetch(fetcher, request, known if emitted else None)
        if fetched is None:
            return
        page, digest = fetched
        previous = known.record_sha256 if known and emitted else None
        # A listing page is parsed before this worker fetches again (the crawl waits
        # for its links), inline while the parse workers boot (``Parser``).
        urgent = is_listing(request.url)
        if not self.parser.pooled or urgent:
            await self._parse(page, request, previous, digest, urgent=urgent)
            return
        # With parse workers, the fetch worker goes on fetching while the page is
        # parsed; a bounded number of pages wait for a parse (backpressure).
        await self.parse_slots.acquire()
        task = asyncio.create_task(self._parse_in_background(page, request, previous, digest))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _fetch(
        self, fetcher: Fetcher, request: Request, emitted: PageState | None
    ) -> tuple[FetchedPage, str] | None:
        """The page and its body's hash, when it is to be parsed; else the page is finished.

        ``emitted`` is what is known of a page whose record was emitted before: the
        request is then conditional, and a 304 or the same body means unchanged.
        """
        full = self.settings.full
        try:
            page = await fetcher.fetch(
                request.url,
                None if full or not emitted else emitted.validators,
                claim=lambda target: self.frontier.claim(request, target),
            )
        except FetchError as exc:
            if exc.outcome == FetchOutcome.DUPLICATE:
                self.pages.duplicate(request)  # redirected to a URL fetched under its own name
                return None
            gone = emitted and exc.status in (404, 410)
            outcome = PageOutcome.REMOVED if gone else exc.outcome
            self.pages.failed(request, "fetch", str(exc), exc.status, outcome, exc.attempts)
            return None
        self.stats.fetched += 1
        digest = hashlib.sha256(page.body).hexdigest()
        if emitted and (page.status == 304 or (not full and emitted.content_sha256 == digest)):
            self.pages.unchanged(request, emitted, page)
            return None
        return page, digest

    async def _parse_in_background(
        self, page: FetchedPage, request: Request, previous: str | None, digest: str
    ) -> None:
        try:
            await self._guarded(self._parse(page, request, previous, digest), request)
        except asyncio.CancelledError:
            self.frontier.cut(request)
            raise
        except WriteError as exc:
            self.frontier.cut(request)
            self._break(exc)
        finally:
            self.parse_slots.release()

    async def _parse(
        self,
        page: FetchedPage,
        request: Request,
        previous: str | None,
        digest: str,
        *,
        urgent: bool = False,
    ) -> None:
        url = canonical_url(page.final_url) or page.url
        started = time.perf_counter()
        job = ParseJob(
            url, page.body, page.fetched_at, page.content_type, previous, self.settings.full, digest
        )
        result = await self.parser.parse(job, urgent=urgent)
        self.stats.parse_s += time.perf_counter() - started
        if result.error is None and result.kind is not None and result.page_kind is not None:
            self.pages.parsed(request, page, url, result, digest)
            return
        reason = result.error or "no record"
        if result.bug:
            log.error("parser failed on %s: %s", url, reason)
        outcome = (
            ParseOutcome.PARSER_BUG
            if result.bug
            else ParseOutcome.PARSE_TIMEOUT
            if result.timed_out
            else ParseOutcome.PARSE_ERROR
        )
        if page.status == 200:
            self.stats.empty_pages += 1  # answered, gave nothing: drift
        self.pages.failed(request, "parse", reason, page.status, outcome, page.attempts, url)
