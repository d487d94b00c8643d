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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from harvest._version import __version__
from harvest.crawl import Frontier, Request, Scope
from harvest.errors import FetchError, ParseError
from harvest.fetch import FetchedPage, Fetcher, ReplayTransport
from harvest.models import SCHEMA_VERSION, ErrorRecord, Stage
from harvest.parse import parse_page
from harvest.settings import Settings
from harvest.write import FILES, RunWriter

log = logging.getLogger("harvest")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class RunStats:
    """What a run did, for the manifest."""

    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    fetch_s: float = 0.0
    parse_s: float = 0.0

    @property
    def pages(self) -> int:
        return (
            self.outcomes["parsed"] + self.outcomes["fetch_failed"] + self.outcomes["parse_failed"]
        )

    @property
    def error_rate(self) -> float:
        failed = self.outcomes["fetch_failed"] + self.outcomes["parse_failed"]
        return failed / self.pages if self.pages else 0.0


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote and what it counted."""

    run_dir: Path
    manifest: dict[str, Any]
    error_rate: float


def new_run_id() -> str:
    """Sortable and unique: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


async def crawl(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> RunResult:
    """Crawl from the seeds and write one run folder under ``settings.out_dir``."""
    if transport is None and settings.replay_dir is not None:
        transport = ReplayTransport(settings.replay_dir)
    run = _Run(settings, RunWriter(settings.out_dir, new_run_id()))
    try:
        async with Fetcher(settings.fetch, transport) as fetcher:
            await run.execute(fetcher)
    except BaseException:
        run.writer.abort()
        raise
    manifest = run.manifest()
    return RunResult(run.writer.commit(manifest), manifest, run.stats.error_rate)


class _Run:
    def __init__(self, settings: Settings, writer: RunWriter) -> None:
        self.settings = settings
        self.writer = writer
        self.stats = RunStats()
        self.frontier = Frontier(
            Scope.for_seeds(settings.seeds),
            max_pages=settings.max_pages,
            max_depth=settings.max_depth,
        )
        self.queue: asyncio.Queue[Request] = asyncio.Queue()

    async def execute(self, fetcher: Fetcher) -> None:
        for seed in self.settings.seeds:
            request = self.frontier.admit_seed(seed)
            if request:
                self.queue.put_nowait(request)
        workers = [
            asyncio.create_task(self._work(fetcher)) for _ in range(self.settings.concurrency)
        ]
        try:
            await self.queue.join()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, fetcher: Fetcher) -> None:
        while True:
            request = await self.queue.get()
            try:
                await self._handle(fetcher, request)
            finally:
                self.queue.task_done()

    async def _handle(self, fetcher: Fetcher, request: Request) -> None:
        try:
            page = await fetcher.fetch(request.url)
        except FetchError as exc:
            self._fail(request.url, "fetch", str(exc), exc.status)
            return
        self.stats.outcomes["fetched"] += 1
        self.stats.bytes += len(page.body)
        self.stats.fetch_s += page.elapsed_s
        self._parse(page, request)

    def _parse(self, page: FetchedPage, request: Request) -> None:
        content_type = (page.content_type or "text/html").split(";")[0].strip().lower()
        if content_type not in _HTML_TYPES:
            self._fail(
                page.url, "parse", f"not an HTML page: content type {content_type}", page.status
            )
            return
        started = time.perf_counter()
        try:
            parsed = parse_page(
                page.url, page.body, fetched_at=page.fetched_at, content_type=page.content_type
            )
        except ParseError as exc:
            self._fail(page.url, "parse", str(exc), page.status)
            return
        except Exception as exc:  # a parser bug must not stop the run
            log.exception("parser failed on %s", page.url)
            self._fail(
                page.url, "parse", f"internal error: {type(exc).__name__}: {exc}", page.status
            )
            return
        finally:
            self.stats.parse_s += time.perf_counter() - started
        self.writer.write(parsed.record)
        self.stats.outcomes["parsed"] += 1
        for link in self.frontier.admit_links(parsed.links, request):
            self.queue.put_nowait(link)

    def _fail(self, url: str, stage: Stage, reason: str, status: int | None) -> None:
        log.warning("%s failed for %s: %s", stage, url, reason)
        self.stats.outcomes[f"{stage}_failed"] += 1
        self.stats.failures[reason.split(":", maxsplit=1)[0]] += 1
        self.writer.write(
            ErrorRecord(
                url=url,
                stage=stage,
                reason=reason,
                status=status,
                at=datetime.now(UTC),
            )
        )

    def manifest(self) -> dict[str, Any]:
        stats, finished = self.stats, datetime.now(UTC)
        duration = (finished - stats.started_at).total_seconds()
        return {
            "run_id": self.writer.run_id,
            "harvest_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "started_at": _iso(stats.started_at),
            "finished_at": _iso(finished),
            "duration_s": round(duration, 3),
            "seeds": list(self.settings.seeds),
            "source": str(self.settings.replay_dir) if self.settings.replay_dir else "live",
            "counts": {
                "pages": stats.pages,
                **{
                    key: stats.outcomes[key]
                    for key in ("fetched", "parsed", "fetch_failed", "parse_failed")
                },
                "records": self.writer.counts(),
                "out_of_scope_links": self.frontier.out_of_scope,
                "over_limit_links": self.frontier.over_limits,
            },
            "failures": dict(stats.failures),
            "error_rate": round(stats.error_rate, 4),
            "bytes": stats.bytes,
            "timings_s": {"fetch": round(stats.fetch_s, 3), "parse": round(stats.parse_s, 3)},
            "pages_per_s": round(stats.pages / duration, 2) if duration > 0 else None,
            "files": dict(FILES),
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
