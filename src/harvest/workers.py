"""Parsing off the event loop: the same parse in a pool of worker processes.

A crawl that fetches hundreds of pages a second cannot also parse them on the
thread that drives the network: parsing is pure CPU (~2 ms a page). With
``parse_workers`` > 0 each page goes to a worker process, which returns the
record already serialized as its JSONL line, so nothing but bytes and strings
crosses the process boundary. ``parse_workers`` = 0 parses inline (the default:
a polite crawl fetches a page a second, and small runs would pay the pool's
start-up for nothing).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime

from harvest.errors import ParseError
from harvest.parse import parse_page

log = logging.getLogger("harvest")


@dataclass(frozen=True)
class ParseJob:
    """A fetched page to parse."""

    url: str
    body: bytes
    fetched_at: datetime
    content_type: str | None


@dataclass(frozen=True)
class ParseResult:
    """A parsed page as the writer needs it: the record's JSONL line and its links.

    ``error`` is set instead when the page could not be parsed; ``bug`` says the
    parser raised something other than ParseError.
    """

    kind: str | None = None
    line: str | None = None
    links: tuple[str, ...] = ()
    error: str | None = None
    bug: bool = False


def parse_job(job: ParseJob) -> ParseResult:
    """Parse one page; never raises (a worker process must not die on a page)."""
    try:
        parsed = parse_page(
            job.url, job.body, fetched_at=job.fetched_at, content_type=job.content_type
        )
    except ParseError as exc:
        return ParseResult(error=str(exc))
    except Exception as exc:  # a parser bug must not stop the run
        return ParseResult(error=f"internal error: {type(exc).__name__}: {exc}", bug=True)
    record = parsed.record
    return ParseResult(kind=record.kind, line=record.model_dump_json(), links=parsed.links)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the main process decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_up() -> bool:
    return True


class Parser:
    """Parse inline, or in ``workers`` processes.

    The processes come from a forkserver (no fork of a process with threads),
    started off the event loop as soon as the Parser exists (booting it and
    importing harvest takes about half a second). If the pool cannot start or
    breaks, parsing goes on inline, with a warning: a run never fails for it.
    """

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._ready: asyncio.Future[bool] | None = None
        if workers > 0:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["harvest.workers"])
            self._pool = ProcessPoolExecutor(
                workers, mp_context=context, initializer=_ignore_interrupts
            )

    @property
    def pooled(self) -> bool:
        """True while pages go to worker processes."""
        return self._pool is not None

    async def parse(self, job: ParseJob) -> ParseResult:
        if self._pool is not None and await self._started():
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, parse_job, job)
            except (BrokenProcessPool, RuntimeError, OSError) as exc:
                self._fall_back(exc)
        return parse_job(job)

    def start(self) -> None:
        """Boot the worker processes now, in a thread, while the crawl begins."""
        if self._pool is not None and self._ready is None:
            pool = self._pool
            self._ready = asyncio.ensure_future(
                asyncio.to_thread(lambda: pool.submit(_worker_up).result(timeout=60))
            )

    async def _started(self) -> bool:
        self.start()
        assert self._ready is not None
        try:
            return await asyncio.shield(self._ready)
        except Exception as exc:  # could not start: parse inline
            self._fall_back(exc)
            return False

    def _fall_back(self, exc: BaseException) -> None:
        if self._pool is not None:
            log.warning("parse workers unavailable (%s); parsing inline", exc)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
