"""fetch -> parse -> write, with a bounded pool of workers over one shared client.

A page that fails (fetch or parse) becomes a line of ``errors.jsonl`` and the run
goes on. Output files appear only when the run ends, all together.

Runs are incremental and resumable through the state file (``harvest.state``):
a page is fetched with the validators of its last fetch, and its record is
emitted only when new or changed. Each finished page is checkpointed (its line
handed to the OS, then one state transaction), so a run killed at any moment is
published up to its last checkpoint by the next run (``harvest.run._recovery``),
which then goes on with the pages left.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from harvest.archive import WarcArchive, replay_transport
from harvest.config._settings import Settings
from harvest.contract._drift import compare as compare_runs
from harvest.errors import (
    SKIPPED_FETCHES,
    FetchError,
    FetchOutcome,
    PageOutcome,
    ParseOutcome,
    RunOutcome,
    WriteError,
)
from harvest.fetch import FetchedPage, Fetcher
from harvest.manifest import ArchiveFiles, Manifest, Politeness, Timings
from harvest.models import ErrorRecord, Stage, utc_text
from harvest.normalize import canonical_url
from harvest.parse._jobs import ParseJob, Parser
from harvest.run._configure import crawl_plan, fetch_config
from harvest.run._discovery import Entry
from harvest.run._frontier import CrawlQueue, Frontier, Request, Scope, is_listing, seed_origins
from harvest.run._manifest import run_manifest
from harvest.run._recovery import recover, recover_dead_runs
from harvest.run._result import RunResult, new_run_id
from harvest.run._schedule import Visit
from harvest.run._sitemap_hints import SitemapReport, read_sitemaps
from harvest.run._stats import RunStats
from harvest.state import PageState, PageUpdate, RunLock, State, WalkState
from harvest.write import RunWriter

log = logging.getLogger("harvest")


class StopRequest:
    """How a run is asked to stop: the first request drains, the second cuts short.

    Draining: no new request starts; those in flight get ``grace_s`` to finish.
    Cutting short: in-flight requests are cancelled. Either way what was
    harvested is published, with ``"outcome": "interrupted"`` in the manifest.
    """

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.now = asyncio.Event()
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        if self.requested.is_set():
            self.now.set()
            return
        self.reason = reason
        self.requested.set()


_SYNC_EVERY_S = 2.0  # how often output files are fsynced (a crash loses at most this)


async def crawl(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    stop: StopRequest | None = None,
    progress: Callable[[int, int], None] | None = None,
    config: dict[str, Any] | None = None,
) -> RunResult:
    """Crawl from the seeds (or go on with the pass left unfinished) into a run folder.

    Holds the state file's lock for the whole run (LockHeldError when another
    run has it). ``stop`` lets a caller (the CLI's signal handlers) end the run
    early and still publish what was harvested; ``latest`` then keeps pointing at
    the last complete run. ``progress(done, known)`` is called as pages finish;
    ``config`` (where the settings came from) goes into the manifest.
    """
    if transport is None and settings.replay_dir is not None:
        transport = replay_transport(settings.replay_dir)
    run_id = new_run_id()
    with RunLock.for_state(settings.state_file).acquire(run_id):
        state = State(settings.state_file)
        try:
            writer = RunWriter(settings.out_dir, run_id)
            run = _Run(settings, writer, stop or StopRequest(), state, progress, config or {})
            return await _crawl(run, transport)
        finally:
            state.close()


def crawl_sync(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> RunResult:
    """Run ``crawl`` to completion from synchronous code."""
    return asyncio.run(crawl(settings, transport))


async def _crawl(run: _Run, transport: httpx.AsyncBaseTransport | None) -> RunResult:
    settings, state, run_id = run.settings, run.state, run.writer.run_id
    recovered = recover_dead_runs(state, by=run_id)
    state.begin_run(
        run_id,
        utc_text(run.stats.started_at),
        settings.config_digest,
        os.getpid(),
        settings.out_dir,
    )
    log.info(
        "run %s started (state %s)",
        run_id,
        settings.state_file,
        extra={"event": "run_start", "run_id": run_id, "config_digest": settings.config_digest},
    )
    try:
        with _archive(settings, run_id) as archive:
            async with Fetcher(
                fetch_config(settings),
                transport,
                on_response=archive.keep if archive is not None else None,
            ) as fetcher:
                await run.execute(fetcher)
            manifest = run.manifest(fetcher, recovered)
            if archive is not None:
                archive.close()  # on disk before the manifest names its files
                files = [path.name for path in archive.paths]
                manifest = manifest.with_fields(
                    archive=ArchiveFiles(dir=str(archive.directory), files=files)
                )
        previous = state.last_run(settings.config_digest)
        drift = compare_runs(
            manifest.to_json(), previous.manifest if previous else None, settings.drift_points
        )
        manifest = manifest.with_fields(drift=drift)
        for alarm in drift["alarms"]:
            details = {key: value for key, value in alarm.items() if key != "message"}
            log.warning("drift: %s", alarm["message"], extra={"event": "drift", **details})
        written = manifest.to_json()
        run_dir = run.writer.commit(written, latest=manifest.outcome == RunOutcome.COMPLETE)
    except BaseException:
        run.writer.close()
        # What it checkpointed is published now (or by the next run if this fails too).
        row = state.run(run_id)
        if row is not None:
            with contextlib.suppress(Exception):
                recover(state, row, by=run_id, outcome=RunOutcome.FAILED)
        raise
    finally:
        run.parser.close()
    outcome = manifest.outcome
    done = outcome == RunOutcome.COMPLETE
    state.end_run(run_id, outcome, written["finished_at"], written, pass_done=done)
    log.info(
        "run %s ended: %s",
        run_id,
        outcome,
        extra={
            "event": "run_end",
            "run_id": run_id,
            "outcome": outcome,
            "pages": manifest.counts.pages,
            "error_rate": manifest.error_rate,
        },
    )
    return RunResult(run_dir, written, run.stats.error_rate, run.interrupted)


@contextlib.contextmanager
def _archive(settings: Settings, run_id: str) -> Iterator[WarcArchive | None]:
    """The run's WARC archive (``--archive``), closed (flushed to disk) when it ends."""
    if settings.archive_dir is None:
        yield None
        return
    info = {"run-id": run_id, "seeds": " ".join(settings.seeds)}
    with WarcArchive(
        settings.archive_dir,
        prefix=f"harvest-{run_id}",
        max_file_bytes=settings.archive_file_bytes,
        info=info,
    ) as archive:
        yield archive


class _Run:
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
        self.stats = RunStats()
        self.frontier = Frontier(
            Scope(
                frozenset(settings.allowed_hosts),
                Scope.default_patterns(),
                seed_origins(settings.seeds),
            ),
            state,
            max_pages=settings.max_pages,
            max_depth=settings.max_depth,
            plan=crawl_plan(settings),
        )
        self.queue = CrawlQueue()
        self.parser = Parser(settings.parse_processes, settings.parse_timeout_s)
        self.parse_slots = asyncio.Semaphore(max(4, 8 * settings.parse_processes))
        self.background: set[asyncio.Task[None]] = set()
        self.in_flight: set[str] = set()
        self.unfinished: list[str] = []
        self.interrupted: str | None = None
        self.resumed = 0
        self.finished = 0
        self.progress = progress
        self.config = config or {}
        self.sitemaps: SitemapReport | None = None
        self._synced = time.monotonic()
        # Output or state that cannot be written ends the run at once (no grace).
        self.fatal: WriteError | None = None
        self.broken = asyncio.Event()

    async def execute(self, fetcher: Fetcher) -> None:
        """Discover, then revisit: the queue is drained once for each."""
        self.parser.start()
        requests = self.frontier.start_pass(self.settings.config_digest, self.settings.seeds)
        self.resumed = self.frontier.resumed
        if self.frontier.new_pass and (self.settings.sitemaps or self.settings.robots_sitemaps):
            seeds = self.settings.seeds if self.settings.robots_sitemaps else ()
            found, self.sitemaps = await read_sitemaps(
                fetcher, self.frontier, self.settings.sitemaps, seeds
            )
            requests += found
        for request in requests:
            self.queue.put_nowait(request)
        workers = [
            asyncio.create_task(self._work(fetcher)) for _ in range(self.settings.concurrency)
        ]
        waits = [
            asyncio.ensure_future(e.wait())
            for e in (self.stop.requested, self.stop.now, self.broken)
        ]
        try:
            if await self._drain(waits):
                for request in self.frontier.revisits():
                    self.queue.put_nowait(request)
                await self._drain(waits)
        finally:
            for task in (*workers, *self.background, *waits):
                task.cancel()
            await asyncio.gather(*workers, *self.background, *waits, return_exceptions=True)
        self.unfinished.extend(sorted(self.in_flight))
        while not self.queue.empty():
            self.unfinished.append(self.queue.get_nowait().url)
        if self.fatal is not None:
            raise self.fatal

    def _break(self, exc: WriteError) -> None:
        """The output or the state cannot be written: stop every worker now."""
        if self.fatal is None:
            self.fatal = exc
            log.error("stopping: %s", exc, extra={"event": "write_failed"})
        self.broken.set()

    async def _drain(self, waits: list[asyncio.Task[Any]]) -> bool:
        """Wait until the queue is done (True) or a stop is asked for (False)."""
        done = asyncio.ensure_future(self.queue.join())
        try:
            await asyncio.wait([done, waits[0], waits[2]], return_when=asyncio.FIRST_COMPLETED)
            if self.broken.is_set():
                return False
            if done.done():
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
            request = await self.queue.get()
            if self.stop.requested.is_set():
                self.unfinished.append(request.url)
                self.queue.task_done()
                continue
            self.in_flight.add(request.url)
            try:
                handed_over = await self._guarded(self._handle(fetcher, request), request)
            except asyncio.CancelledError:
                self.queue.task_done()  # stays in flight: reported as unfinished
                raise
            except WriteError as exc:
                self.queue.task_done()  # stays in flight: reported as unfinished
                self._break(exc)
                return
            if not handed_over:
                self._done(request)

    async def _guarded(self, step: Coroutine[Any, Any, bool | None], request: Request) -> bool:
        """Run a step; a bug in it becomes an error record, not a dead worker. Its answer."""
        try:
            return bool(await step)
        except WriteError:
            raise  # the output cannot be written: the run cannot go on
        except Exception as exc:  # a bug must not kill the worker, nor the run
            log.exception("internal error on %s", request.url)
            reason = f"internal error: {type(exc).__name__}: {exc}"
            self._fail(request.url, "fetch", reason, None, ParseOutcome.INTERNAL_ERROR, None)
            return False

    def _done(self, request: Request) -> None:
        self.in_flight.discard(request.url)
        self.queue.task_done()

    async def _handle(self, fetcher: Fetcher, request: Request) -> bool:
        """Fetch, then parse; True when the parse goes on in the background."""
        if not self.frontier.claim(request):
            self._duplicate(request.url)  # had it through a redirect
            return False
        known = self.state.page(request.url)
        emitted = known is not None and known.record_sha256 is not None and not known.removed
        fetched = await self._fetch(fetcher, request, known if emitted else None)
        if fetched is None:
            return False
        page, digest = fetched
        previous = known.record_sha256 if known and emitted else None
        # A listing page is parsed before this worker fetches again (the crawl waits
        # for its links), inline while the parse workers boot (``Parser``).
        urgent = is_listing(request.url)
        if not self.parser.pooled or urgent:
            await self._parse(page, request, previous, digest, urgent=urgent)
            return False
        # With parse workers, the fetch worker goes on fetching while the page is
        # parsed; a bounded number of pages wait for a parse (backpressure).
        await self.parse_slots.acquire()
        task = asyncio.create_task(self._parse_in_background(page, request, previous, digest))
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return True

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
                self._duplicate(request.url)  # redirected to a URL fetched under its own name
                return None
            gone = emitted and exc.status in (404, 410)
            outcome = PageOutcome.REMOVED if gone else exc.outcome
            self._fail(request.url, "fetch", str(exc), exc.status, outcome, exc.attempts)
            return None
        self.stats.fetched += 1
        digest = hashlib.sha256(page.body).hexdigest()
        if emitted and (page.status == 304 or (not full and emitted.content_sha256 == digest)):
            self._unchanged(request, emitted, page)
            return None
        return page, digest

    async def _parse_in_background(
        self, page: FetchedPage, request: Request, previous: str | None, digest: str
    ) -> None:
        try:
            await self._guarded(self._parse(page, request, previous, digest), request)
        except asyncio.CancelledError:
            self.queue.task_done()  # stays in flight: reported as unfinished
            raise
        except WriteError as exc:
            self.queue.task_done()  # stays in flight: reported as unfinished
            self._break(exc)
            return
        finally:
            self.parse_slots.release()
        self._done(request)

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
        if result.error is not None or result.kind is None or result.page_kind is None:
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
            self._fail(url, "parse", reason, page.status, outcome, page.attempts, request.url)
            return
        if result.line is not None:
            self.writer.write_line(result.kind, result.line)
        change = PageOutcome(result.change or PageOutcome.UNCHANGED)
        self.stats.outcomes[change] += 1
        self.stats.saw_record(result.page_kind, result.filled)
        update = _validators(page) | {
            "status": page.status,
            "fetched_at": utc_text(page.fetched_at),
            "kind": result.page_kind,
            "content_sha256": digest,
            "record_sha256": result.record_sha256,
            "links": result.links,
            "filled": result.filled,
            "returned": True,
            "next_page": result.next_page,
            "published": result.published,
        }
        walk = None
        if result.page_kind == "listing":
            entries = [Entry(*entry) for entry in result.entries]
            walk = self._discover(request, entries, result.next_page, parsed=True)
        else:
            self._follow(result.links, request)
            visit = {PageOutcome.NEW: Visit.FIRST, PageOutcome.UPDATED: Visit.CHANGED}.get(
                change, Visit.UNCHANGED
            )
            known = self.state.page(request.url)
            interval = known.interval_s if known and previous is not None else None
            update |= self.frontier.schedule(request.url, visit, interval, result.published)
        self._finish(request.url, change, PageUpdate(**update), also=url, walk=walk)

    def _discover(
        self, request: Request, entries: list[Entry], next_page: str | None, *, parsed: bool
    ) -> WalkState | None:
        """Queue what a listing page leads to (``Frontier.listing_done``); its walk's state."""
        requests, walk = self.frontier.listing_done(request, entries, next_page, parsed=parsed)
        for follow in requests:
            self.queue.put_nowait(follow)
        return walk

    def _follow(self, links: Iterable[str], request: Request) -> None:
        """Queue the links of a (non-listing) page new to the state that the frontier
        admits (in scope, in limits); known pages come back on their schedule."""
        links = [link for link in (canonical_url(u) for u in links) if link is not None]
        if not links:
            return
        known = set() if self.settings.full else self.state.known(links)
        fresh = [link for link in links if link not in known]
        for follow in self.frontier.admit_links(fresh, request):
            self.queue.put_nowait(follow)

    def _unchanged(self, request: Request, known: PageState, page: FetchedPage) -> None:
        """A page as last emitted (304, or the same body): no record, its known links followed."""
        self.stats.outcomes[PageOutcome.UNCHANGED] += 1
        if known.kind is not None:
            self.stats.saw_record(known.kind, known.filled)
        update = _validators(page) | {
            "status": page.status,
            "fetched_at": utc_text(page.fetched_at),
        }
        walk = None
        if known.kind == "listing":
            entries = [Entry(link, None) for link in known.links if link != known.next_page]
            walk = self._discover(request, entries, known.next_page, parsed=False)
        else:
            self._follow(known.links, request)
            schedule = self.frontier.schedule
            update |= schedule(request.url, Visit.UNCHANGED, known.interval_s, known.published)
        update_ = PageUpdate(**update)
        self._finish(request.url, PageOutcome.UNCHANGED, update_, also=page.final_url, walk=walk)

    def _duplicate(self, url: str) -> None:
        self.stats.duplicates += 1
        self._finish(url, FetchOutcome.DUPLICATE)

    def _fail(
        self,
        url: str,
        stage: Stage,
        reason: str,
        status: int | None,
        outcome: str,
        attempts: int | None,
        request_url: str | None = None,
    ) -> None:
        event = {"url": url, "outcome": outcome, "status": status, "attempts": attempts}
        if outcome == PageOutcome.REMOVED:
            log.info("removed %s: %s", url, reason, extra={"event": "page_removed", **event})
            self.stats.outcomes[PageOutcome.REMOVED] += 1
            self.stats.removed.append(url)
        elif outcome in SKIPPED_FETCHES:
            log.info("skipped %s: %s", url, reason, extra={"event": "page_skipped", **event})
            self.stats.outcomes[PageOutcome.SKIPPED] += 1
            self.stats.skipped[outcome] += 1
        else:
            failed = PageOutcome.FETCH_FAILED if stage == "fetch" else PageOutcome.PARSE_FAILED
            extra = {"event": failed.value, **event}
            log.warning("%s failed for %s: %s", stage, url, reason, extra=extra)
            self.stats.outcomes[failed] += 1
            self.stats.failures[outcome] += 1
        at = datetime.now(UTC)
        self.writer.write(
            ErrorRecord(
                url=url,
                stage=stage,
                reason=reason,
                outcome=outcome,
                status=status,
                attempts=attempts,
                at=at,
            )
        )
        removed_at = utc_text(at) if outcome == PageOutcome.REMOVED else None
        fields: dict[str, Any] = {}
        target = request_url or url
        if not is_listing(target):
            gone = outcome == PageOutcome.REMOVED or outcome in SKIPPED_FETCHES
            known = self.state.page(target)
            interval = known.interval_s if known else None
            visit = Visit.GONE if gone else Visit.FAILED
            fields = self.frontier.schedule(target, visit, interval, None)
        update = PageUpdate(status=status, fetched_at=utc_text(at), removed_at=removed_at, **fields)
        self._finish(target, outcome, update, also=url)

    def _finish(
        self,
        url: str,
        outcome: str,
        page: PageUpdate | None = None,
        *,
        also: str | None = None,
        walk: WalkState | None = None,
    ) -> None:
        """Checkpoint a finished page: its lines to the OS, then one state transaction.

        ``also``: the URL the page was fetched from in the end (a redirect's target),
        finished with it.
        """
        sync = time.monotonic() - self._synced > _SYNC_EVERY_S
        self.writer.flush(sync=sync)
        if sync:
            self._synced = time.monotonic()
        target = canonical_url(also) if also else None
        others = (target,) if target and target != url else ()
        self.state.finish(
            self.writer.run_id,
            url,
            outcome,
            page=page,
            also=others,
            files=self.writer.sizes(),
            walk=walk,
            at=utc_text(datetime.now(UTC)),
        )
        self.frontier.release(url, *others)
        self.finished += 1
        log.debug("%s: %s", url, outcome, extra={"event": "page", "url": url, "outcome": outcome})
        if self.progress is not None:
            self.progress(self.resumed + self.finished, self.frontier.admitted)

    def _outcome(self) -> RunOutcome:
        """``interrupted``; ``failed`` when every page it asked for failed (the site, the
        network or the parser is down: nothing to publish as the latest); else
        ``complete``."""
        if self.interrupted:
            return RunOutcome.INTERRUPTED
        stats = self.stats
        if stats.pages and stats.failed == stats.pages:
            return RunOutcome.FAILED
        return RunOutcome.COMPLETE

    def manifest(self, fetcher: Fetcher, recovered: list[dict[str, Any]]) -> Manifest:
        stats, settings, config = self.stats, self.settings, fetch_config(self.settings)
        return run_manifest(
            stats,
            self.writer,
            outcome=self._outcome(),
            interrupted_by=self.interrupted,
            max_error_rate=settings.max_error_rate,
            counts={
                "fetched": stats.fetched,
                **stats.page_counts(),
                "duplicates": stats.duplicates,
                "empty_pages": stats.empty_pages,
                "unfinished": len(self.unfinished),
                "out_of_scope_links": self.frontier.out_of_scope,
                "over_limit_links": self.frontier.over_limits,
            },
            config_digest=settings.config_digest,
            seeds=list(settings.seeds),
            source=str(settings.replay_dir) if settings.replay_dir else "live",
            state=str(settings.state_file),
            config=self.config,
            full=settings.full,
            resumed_pages=self.resumed,
            plan=self.frontier.stats.summary(self.frontier.plan, self.state.unvisited())
            | {"sitemaps": self.sitemaps.summary() if self.sitemaps else None},
            recovered_runs=recovered,
            skipped=dict(sorted(stats.skipped.items())),
            removed_urls=stats.removed,
            fetch={**fetcher.stats.summary(), "host_delays_s": fetcher.host_delays()},
            timings_s=Timings(fetch=round(fetcher.stats.seconds, 3), parse=round(stats.parse_s, 3)),
            politeness=Politeness(
                user_agent=config.user_agent,
                concurrency=config.concurrency,
                per_host_concurrency=config.per_host_concurrency,
                delay_s=config.delay_s,
                parse_workers=settings.parse_processes,
                allowed_hosts=sorted(config.allowed_hosts),
                obey_robots=config.obey_robots,
            ),
            unfinished_urls=self.unfinished,
        )


def _validators(page: FetchedPage) -> dict[str, Any]:
    headers = {key.lower(): value for key, value in page.headers.items()}
    return {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
