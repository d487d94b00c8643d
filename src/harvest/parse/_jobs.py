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
import hashlib
import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from harvest.errors import ParseError, ParseTimeoutError
from harvest.models import Publication, Topic
from harvest.parse import Parsed, parse_page
from harvest.parse._doubts import Suspect, Unmapped
from harvest.parse._pool import (
    Handler,
    ParseWorkers,
    WorkerGoneError,
    WorkerTimeoutError,
    worker_init,
)

log = logging.getLogger("harvest")


# Fields that every record has, or that change with each fetch: not content.
BOOKKEEPING = frozenset({"schema_version", "kind", "url", "fetched_at", "content_sha256", "change"})

# The fields whose coverage a run measures, per page kind.
CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in model.model_fields if name not in BOOKKEEPING)
    for kind, model in (("product", Publication), ("commentary", Publication), ("listing", Topic))
}


@dataclass(frozen=True)
class ParseJob:
    """A fetched page to parse.

    ``previous_record`` is the hash of the record last emitted for the URL (None:
    never). A record with that same hash is not emitted again unless ``full``.
    """

    url: str
    body: bytes
    fetched_at: datetime
    content_type: str | None
    previous_record: str | None = None
    full: bool = False
    content_sha256: str | None = None


@dataclass(frozen=True)
class ParseResult:
    """A parsed page as the writer needs it: the record's JSONL line and its links.

    ``line`` is None when the record is the one emitted before (``change`` is
    then None too). ``error`` is set instead when the page could not be parsed;
    ``bug`` says the parser raised something other than ParseError. What the crawl
    plans with: a listing's ``entries`` (url, date, featured) and ``next_page``, a
    publication's ``published`` date.
    """

    kind: str | None = None
    line: str | None = None
    links: tuple[str, ...] = ()
    error: str | None = None
    bug: bool = False
    timed_out: bool = False  # too deep to parse, or past the time limit: parse_timeout
    page_kind: str | None = None
    record_sha256: str | None = None
    change: str | None = None
    filled: tuple[str, ...] = ()
    entries: tuple[tuple[str, str | None, bool], ...] = ()
    next_page: str | None = None
    published: str | None = None
    unmapped: tuple[Unmapped, ...] = ()  # what the page labels and no field took
    suspects: tuple[Suspect, ...] = ()  # values that broke a plausibility rule


# The crawl's parse workers yield the CPU to the process driving the network.
WORKER_NICE = 5
# Workers not up by then (normally well under a second) are given up: inline parsing.
BOOT_TIMEOUT_S = 30.0


def record_digest(record: Publication | Topic) -> str:
    """The hash of what a record says, leaving out when and how it was fetched."""
    content = record.model_dump(mode="json", exclude=set(BOOKKEEPING))
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def filled_fields(parsed: Parsed) -> tuple[str, ...]:
    """The content fields of a parsed page's record that hold a value, in the record's
    order: for coverage (``parse_page`` found them once, for its doubts)."""
    return tuple(name for name in CONTENT_FIELDS[parsed.kind] if name in parsed.filled)


def parse_job(job: ParseJob, *, compare: bool = True) -> ParseResult:
    """Parse one page; never raises (a worker process must not die on a page).

    ``compare`` False (a reparse): no record hash, and the record is "new" (there is no
    earlier output to compare it with).
    """
    try:
        parsed = parse_page(
            job.url,
            job.body,
            fetched_at=job.fetched_at,
            content_type=job.content_type,
            content_sha256=job.content_sha256,
        )
    except ParseTimeoutError as exc:
        return ParseResult(error=str(exc), timed_out=True)
    except ParseError as exc:
        return ParseResult(error=str(exc))
    except Exception as exc:  # a parser bug must not stop the run
        return ParseResult(error=f"internal error: {type(exc).__name__}: {exc}", bug=True)
    record = parsed.record
    digest = record_digest(record) if compare else None
    result = ParseResult(
        kind=record.kind,
        links=parsed.links,
        page_kind=parsed.kind,
        record_sha256=digest,
        filled=filled_fields(parsed),
        unmapped=parsed.unmapped,
        suspects=parsed.suspects,
        **_plan_facts(record),
    )
    if job.previous_record is None:
        change = "new"
    elif job.previous_record != digest:
        change = "updated"
    elif job.full:
        change = "unchanged"
    else:
        return result  # the record emitted before: not again
    line = record.model_copy(update={"change": change}).model_dump_json()
    return replace(result, line=line, change=change)


def _plan_facts(record: Publication | Topic) -> dict[str, Any]:
    if isinstance(record, Topic):
        entries = tuple((e.url, e.date, e.featured) for e in record.entries)
        return {"entries": entries, "next_page": record.next_page}
    return {"published": record.published}


def parse_batch(jobs: list[ParseJob]) -> list[ParseResult]:
    """Parse pages of an archive (``harvest reparse``), in a worker process."""
    return [parse_job(job, compare=False) for job in jobs]


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` parse processes from ``forkserver()``, each set up by ``worker_init``."""
    return ProcessPoolExecutor(
        workers, mp_context=forkserver(), initializer=worker_init, initargs=(os.getpid(),)
    )


def forkserver() -> multiprocessing.context.ForkServerContext:
    """The context parse processes start from: a forkserver that has imported harvest.

    No fork of a process with threads; each worker starts without importing harvest
    again. Used by reparse's pool and a crawl's ``ParseWorkers`` alike.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["harvest.parse._jobs"])
    return context


async def _boot(pool: ParseWorkers) -> bool:
    try:
        async with asyncio.timeout(BOOT_TIMEOUT_S):
            await asyncio.to_thread(pool.start)
            await pool.connect()
    except TimeoutError:
        raise TimeoutError(f"not up after {BOOT_TIMEOUT_S:g} s") from None
    return True


class Parser:
    """Parse inline, or in ``workers`` processes (``parse_workers.ParseWorkers``).

    The processes come from a forkserver (no fork of a process with threads),
    booted off the event loop as soon as the crawl starts (booting it and
    importing harvest takes a few hundred milliseconds). Until they are up, an
    *urgent* page (a listing: every request after it waits for the links it
    gives) is parsed inline; other pages wait for the workers, which then boot
    with a core to themselves instead of sharing it with parses the loop did in
    their place. If the workers cannot start, take longer than ``BOOT_TIMEOUT_S``
    or one exits, parsing goes on inline, with a warning: a run never fails for it.
    """

    def __init__(
        self, workers: int = 0, timeout_s: float | None = None, *, handler: Handler = parse_job
    ) -> None:
        """``handler`` is what the workers run on each job (``parse_job``; tests give others)."""
        self.workers = workers
        self.timeout_s = timeout_s
        self._pool: ParseWorkers | None = (
            ParseWorkers(workers, handler, context=forkserver(), nice=WORKER_NICE)
            if workers > 0
            else None
        )
        self._ready: asyncio.Future[bool] | None = None

    @property
    def pooled(self) -> bool:
        """True while pages go to worker processes (or will, once they are up)."""
        return self._pool is not None

    @property
    def booting(self) -> bool:
        """True while the worker processes start (urgent pages are parsed inline, others wait)."""
        return self._ready is not None and not self._ready.done()

    @property
    def worker_pids(self) -> tuple[int, ...]:
        """The process ids of the workers; () when parsing is inline."""
        return self._pool.pids if self._pool is not None else ()

    async def parse(self, job: ParseJob, *, urgent: bool = False) -> ParseResult:
        """The page's result; ``urgent`` pages do not wait for the workers to be up."""
        if urgent:
            self.start()
        else:
            await self.started()
        for _ in range(2):  # once more when the worker went with another page's timeout
            if self._pool is None or self._ready is None or not self._ready.done():
                break
            try:
                result: ParseResult = await self._pool.parse(job, self.timeout_s)
                return result
            except WorkerTimeoutError as exc:
                return ParseResult(error=str(exc), timed_out=True)
            except WorkerGoneError as exc:
                if not self._pool.alive:
                    self._fall_back(exc)
        return parse_job(job)

    def start(self) -> None:
        """Boot the worker processes now, in a thread, while the crawl begins."""
        if self._pool is not None and self._ready is None:
            self._ready = asyncio.ensure_future(_boot(self._pool))
            self._ready.add_done_callback(self._booted)

    async def started(self) -> bool:
        """Wait for the workers to be up; False when parsing is inline."""
        self.start()
        if self._ready is not None and not self._ready.done():
            await asyncio.wait([self._ready])  # the boot's done callback runs first
        return self._pool is not None

    def _booted(self, ready: asyncio.Future[bool]) -> None:
        if not ready.cancelled() and ready.exception() is not None:
            self._fall_back(ready.exception() or RuntimeError("no worker"))

    def _fall_back(self, exc: BaseException) -> None:
        if self._pool is not None:
            log.warning("parse workers unavailable (%s); parsing inline", exc)
            pool, self._pool = self._pool, None
            pool.close()

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()
