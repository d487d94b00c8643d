"""fetch -> parse -> write, with a bounded pool of workers over one shared client.

A page that fails (fetch or parse) becomes a line of ``errors.jsonl`` and the run
goes on. Output files appear only when the run ends, all together.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from harvest._version import __version__
from harvest.crawl import Frontier, Request, Scope
from harvest.errors import FetchError
from harvest.fetch import SKIPPED_OUTCOMES, FetchedPage, Fetcher, ReplayTransport
from harvest.models import SCHEMA_VERSION, ErrorRecord, Stage
from harvest.normalize import canonical_url
from harvest.settings import Settings
from harvest.workers import ParseJob, Parser
from harvest.write import FILES, RunWriter

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


@dataclass
class RunStats:
    """What a run did with its pages, for the manifest."""

    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    parse_s: float = 0.0

    @property
    def pages(self) -> int:
        return sum(self.outcomes[key] for key in ("parsed", "skipped", *_FAILED))

    @property
    def error_rate(self) -> float:
        failed = sum(self.outcomes[key] for key in _FAILED)
        return failed / self.pages if self.pages else 0.0


_FAILED = ("fetch_failed", "parse_failed")


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote and what it counted."""

    run_dir: Path
    manifest: dict[str, Any]
    error_rate: float
    interrupted: str | None = None


def new_run_id() -> str:
    """Sortable and unique: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


async def crawl(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    stop: StopRequest | None = None,
) -> RunResult:
    """Crawl from the seeds and write one run folder under ``settings.out_dir``.

    ``stop`` lets a caller (the CLI's signal handlers) end the run early and
    still publish what was harvested; ``latest`` then keeps pointing at the
    last complete run.
    """
    if transport is None and settings.replay_dir is not None:
        transport = ReplayTransport(settings.replay_dir)
    run = _Run(settings, RunWriter(settings.out_dir, new_run_id()), stop or StopRequest())
    try:
        async with Fetcher(settings.fetch, transport) as fetcher:
            await run.execute(fetcher)
            manifest = run.manifest(fetcher)
    except BaseException:
        run.writer.abort()
        raise
    finally:
        run.parser.close()
    run_dir = run.writer.commit(manifest, point_latest=run.interrupted is None)
    return RunResult(run_dir, manifest, run.stats.error_rate, run.interrupted)


class _Run:
    def __init__(self, settings: Settings, writer: RunWriter, stop: StopRequest) -> None:
        self.settings = settings
        self.writer = writer
        self.stop = stop
        self.stats = RunStats()
        self.frontier = Frontier(
            Scope(frozenset(settings.allowed_hosts), Scope.default_patterns()),
            max_pages=settings.max_pages,
            max_depth=settings.max_depth,
        )
        self.queue: asyncio.Queue[Request] = asyncio.Queue()
        self.parser = Parser(settings.parse_workers)
        self.parse_slots = asyncio.Semaphore(max(4, 8 * settings.parse_workers))
        self.background: set[asyncio.Task[None]] = set()
        self.in_flight: set[str] = set()
        self.unfinished: list[str] = []
        self.interrupted: str | None = None

    async def execute(self, fetcher: Fetcher) -> None:
        self.parser.start()
        for seed in self.settings.seeds:
            request = self.frontier.admit_seed(seed)
            if request:
                self.queue.put_nowait(request)
        workers = [
            asyncio.create_task(self._work(fetcher)) for _ in range(self.settings.concurrency)
        ]
        waits = [asyncio.ensure_future(e.wait()) for e in (self.stop.requested, self.stop.now)]
        done = asyncio.ensure_future(self.queue.join())
        try:
            await asyncio.wait([done, waits[0]], return_when=asyncio.FIRST_COMPLETED)
            if not done.done():
                self.interrupted = self.stop.reason or "stop requested"
                log.warning("stopping (%s): finishing requests in flight", self.interrupted)
                await asyncio.wait(
                    [done, waits[1]],
                    timeout=self.settings.stop_grace_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            tasks = (*workers, *self.background, *waits, done)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self.unfinished.extend(sorted(self.in_flight))
        while not self.queue.empty():
            self.unfinished.append(self.queue.get_nowait().url)

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
            if not handed_over:
                self._done(request)

    async def _guarded(self, step: Coroutine[Any, Any, bool | None], request: Request) -> bool:
        """Run a step; a bug in it becomes an error record, not a dead worker. Its answer."""
        try:
            return bool(await step)
        except Exception as exc:  # a bug must not kill the worker, nor the run
            log.exception("internal error on %s", request.url)
            reason = f"internal error: {type(exc).__name__}: {exc}"
            self._fail(request.url, "fetch", reason, None, "internal_error", None)
            return False

    def _done(self, request: Request) -> None:
        self.in_flight.discard(request.url)
        self.queue.task_done()

    async def _handle(self, fetcher: Fetcher, request: Request) -> bool:
        """Fetch, then parse; True when the parse goes on in the background."""
        if not self.frontier.claim(request.url):
            self.stats.outcomes["duplicates"] += 1  # had it through a redirect
            return False
        try:
            page = await fetcher.fetch(request.url)
        except FetchError as exc:
            self._fail(request.url, "fetch", str(exc), exc.status, exc.outcome, exc.attempts)
            return False
        self.stats.outcomes["fetched"] += 1
        if page.final_url != request.url and not self.frontier.claim(page.final_url):
            self.stats.outcomes["duplicates"] += 1  # fetched under its own URL
            return False
        if not self.parser.pooled:
            await self._parse(page, request)
            return False
        # With parse workers, the fetch worker goes on fetching while the page is
        # parsed; a bounded number of pages wait for a parse (backpressure).
        await self.parse_slots.acquire()
        task = asyncio.create_task(self._parse_in_background(page, request))
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return True

    async def _parse_in_background(self, page: FetchedPage, request: Request) -> None:
        try:
            await self._guarded(self._parse(page, request), request)
        except asyncio.CancelledError:
            self.queue.task_done()  # stays in flight: reported as unfinished
            raise
        finally:
            self.parse_slots.release()
        self._done(request)

    async def _parse(self, page: FetchedPage, request: Request) -> None:
        url = canonical_url(page.final_url) or page.url
        started = time.perf_counter()
        job = ParseJob(url, page.body, page.fetched_at, page.content_type)
        result = await self.parser.parse(job)
        self.stats.parse_s += time.perf_counter() - started
        if result.error is not None or result.kind is None or result.line is None:
            reason = result.error or "no record"
            if result.bug:
                log.error("parser failed on %s: %s", url, reason)
            outcome = "parser_bug" if result.bug else "parse_error"
            self._fail(url, "parse", reason, page.status, outcome, page.attempts)
            return
        self.writer.write_line(result.kind, result.line)
        self.stats.outcomes["parsed"] += 1
        for link in self.frontier.admit_links(result.links, request):
            self.queue.put_nowait(link)

    def _fail(
        self,
        url: str,
        stage: Stage,
        reason: str,
        status: int | None,
        outcome: str,
        attempts: int | None,
    ) -> None:
        if outcome in SKIPPED_OUTCOMES:
            log.info("skipped %s: %s", url, reason)
            self.stats.outcomes["skipped"] += 1
            self.stats.skipped[outcome] += 1
        else:
            log.warning("%s failed for %s: %s", stage, url, reason)
            self.stats.outcomes[f"{stage}_failed"] += 1
            self.stats.failures[outcome] += 1
        self.writer.write(
            ErrorRecord(
                url=url,
                stage=stage,
                reason=reason,
                outcome=outcome,
                status=status,
                attempts=attempts,
                at=datetime.now(UTC),
            )
        )

    def manifest(self, fetcher: Fetcher) -> dict[str, Any]:
        stats, settings, finished = self.stats, self.settings, datetime.now(UTC)
        duration = (finished - stats.started_at).total_seconds()
        config = settings.fetch
        return {
            "run_id": self.writer.run_id,
            "harvest_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "outcome": "interrupted" if self.interrupted else "complete",
            "interrupted_by": self.interrupted,
            "started_at": _iso(stats.started_at),
            "finished_at": _iso(finished),
            "duration_s": round(duration, 3),
            "seeds": list(settings.seeds),
            "source": str(settings.replay_dir) if settings.replay_dir else "live",
            "counts": {
                "pages": stats.pages,
                **{
                    key: stats.outcomes[key]
                    for key in ("fetched", "parsed", "skipped", *_FAILED, "duplicates")
                },
                "unfinished": len(self.unfinished),
                "records": self.writer.counts(),
                "out_of_scope_links": self.frontier.out_of_scope,
                "over_limit_links": self.frontier.over_limits,
            },
            "failures": dict(sorted(stats.failures.items())),
            "skipped": dict(sorted(stats.skipped.items())),
            "error_rate": round(stats.error_rate, 4),
            "fetch": {**fetcher.stats.summary(), "host_delays_s": fetcher.host_delays()},
            "timings_s": {
                "fetch": round(fetcher.stats.seconds, 3),
                "parse": round(stats.parse_s, 3),
            },
            "pages_per_s": round(stats.pages / duration, 2) if duration > 0 else None,
            "politeness": {
                "user_agent": config.user_agent,
                "concurrency": config.concurrency,
                "per_host_concurrency": config.per_host_concurrency,
                "delay_s": config.delay_s,
                "parse_workers": settings.parse_workers,
                "allowed_hosts": sorted(config.allowed_hosts),
                "obey_robots": config.obey_robots,
            },
            "unfinished_urls": self.unfinished,
            "files": dict(FILES),
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
