"""Re-extract archived pages with today's parsers: WARC files (or recorded sites) -> a run.

``harvest reparse`` reads the archives in order, keeps the responses a crawl would
have parsed (2xx, HTML, not cut short), and parses them in a pool of worker
processes, in batches, a bounded number at a time: memory stays flat however big
the archives are. Records are written by the crawl's writer into a run folder
with the same files and a manifest of the same shape, in archive order.

A torn archive (a killed crawl's last file) is read up to its last complete
record; the rest is reported as a warning and in the manifest, and the run
still succeeds.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harvest.archive import ArchivedPage, ArchiveProblem
from harvest.archive._reader import iter_positions, resolve_sources
from harvest.errors import PageOutcome, ParseOutcome, RunOutcome
from harvest.fetch import is_html
from harvest.manifest import ArchiveProblemEntry, Manifest
from harvest.models import ErrorRecord
from harvest.parse._jobs import ParseJob, ParseResult, parse_batch, process_pool
from harvest.run._manifest import run_manifest
from harvest.run._result import RunResult, new_run_id
from harvest.run._stats import RunStats
from harvest.write import RunWriter

log = logging.getLogger("harvest")

BATCH = 32  # pages a worker parses per task: one round trip for many pages
# Pages are parsed in this process for their first second: a small archive is done
# before worker processes would have started (a 33-page archive: 0.2 s inline,
# 5.5 s with them); a large one then goes on in the workers.
INLINE_FIRST_S = 1.0
Progress = Callable[[int, int, int], None]  # (pages done, archive bytes read, bytes in all)


@dataclass(frozen=True)
class ReparseResult(RunResult):
    """Where a reparse wrote and what it counted, and what was wrong in the archives."""

    problems: list[ArchiveProblem] = field(default_factory=list)


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def reparse(
    sources: Iterable[Path],
    out_dir: Path,
    *,
    workers: int | None = None,
    max_error_rate: float = 0.05,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    inline_first_s: float = INLINE_FIRST_S,
) -> ReparseResult:
    """Parse every HTML response kept in ``sources`` into a new run folder under ``out_dir``.

    ``workers`` processes parse (default: all cores; 0 parses in this process), once
    ``inline_first_s`` seconds of parsing in this process have not finished the job.
    ``stop``, once set, ends the reading early; what was parsed is published, with
    ``"outcome": "interrupted"``. ConfigError when a source is missing or not an archive.
    """
    paths = resolve_sources(list(sources))
    count = default_workers() if workers is None else workers
    job = _Reparse(paths, RunWriter(out_dir, new_run_id()), count, stop or threading.Event())
    job.inline_first_s = inline_first_s
    try:
        job.run(progress)
    except BaseException:
        job.writer.abort()  # nothing half-done is left behind
        raise
    manifest = job.manifest(max_error_rate).to_json()
    run_dir = job.writer.commit(manifest, latest=job.interrupted is None)
    return ReparseResult(
        run_dir, manifest, job.stats.error_rate, job.interrupted, list(job.problems)
    )


class _Reparse:
    def __init__(
        self, paths: list[Path], writer: RunWriter, workers: int, stop: threading.Event
    ) -> None:
        self.paths = paths
        self.writer = writer
        self.workers = workers
        self.stop = stop
        self.stats = RunStats()
        self.skipped: Counter[str] = Counter()
        self.responses = 0
        self.problems: list[ArchiveProblem] = []
        self.interrupted: str | None = None
        self.total_bytes = sum(_size(path) for path in paths)
        self.read_bytes = 0
        self.inline_first_s = INLINE_FIRST_S
        self.pooled = False

    def run(self, progress: Progress | None) -> None:
        batches = _batches(self._jobs(), BATCH)
        started = time.monotonic()
        for batch in batches:  # inline first: most of a small job is done before workers are up
            if self.workers and time.monotonic() - started >= self.inline_first_s:
                self._pooled(itertools.chain([batch], batches), progress)
                return
            self._write(batch, parse_batch(batch), progress)

    def _pooled(self, batches: Iterator[list[ParseJob]], progress: Progress | None) -> None:
        self.pooled = True
        with process_pool(self.workers) as pool:
            pending: deque[tuple[list[ParseJob], Future[list[ParseResult]]]] = deque()
            for batch in batches:
                pending.append((batch, pool.submit(parse_batch, batch)))
                if len(pending) >= 2 * self.workers + 1:  # bounded: flat memory
                    done, future = pending.popleft()
                    self._write(done, future.result(), progress)
            while pending:
                done, future = pending.popleft()
                self._write(done, future.result(), progress)

    def _jobs(self) -> Iterator[ParseJob]:
        """The responses a crawl would have parsed, as parse jobs, until asked to stop."""
        for position, page in iter_positions(self.paths, self._problem):
            self.read_bytes = position
            if self.stop.is_set():
                self.interrupted = "stop requested"
                return
            self.responses += 1
            reason = _skip_reason(page)
            if reason is not None:
                self.skipped[reason] += 1
                continue
            yield ParseJob(page.url, page.body, page.fetched_at, page.content_type)

    def _write(
        self, jobs: list[ParseJob], results: list[ParseResult], progress: Progress | None
    ) -> None:
        for job, result in zip(jobs, results, strict=True):
            if result.line is not None and result.kind is not None and result.page_kind:
                self.writer.write_line(result.kind, result.line)
                self.stats.outcomes[PageOutcome.NEW] += 1
                self.stats.parsed(job.url, result)
                continue
            outcome = ParseOutcome.PARSER_BUG if result.bug else ParseOutcome.PARSE_ERROR
            if result.bug:
                log.error("parser failed on %s: %s", job.url, result.error)
            self.stats.outcomes[PageOutcome.PARSE_FAILED] += 1
            self.stats.empty_pages += 1
            self.stats.failures[outcome] += 1
            self.writer.write(
                ErrorRecord(
                    url=job.url,
                    stage="parse",
                    reason=result.error or "no record",
                    outcome=outcome,
                    status=200,
                    at=datetime.now(UTC),
                )
            )
        if progress is not None:
            progress(self.stats.pages, self.read_bytes, self.total_bytes)

    def _problem(self, problem: ArchiveProblem) -> None:
        log.warning("%s", problem, extra={"event": "archive_problem", "path": str(problem.path)})
        self.problems.append(problem)

    def manifest(self, max_error_rate: float) -> Manifest:
        stats = self.stats
        return run_manifest(
            stats,
            self.writer,
            command="reparse",
            outcome=RunOutcome.INTERRUPTED if self.interrupted else RunOutcome.COMPLETE,
            interrupted_by=self.interrupted,
            max_error_rate=max_error_rate,
            counts={
                "responses": self.responses,
                **stats.page_counts(PageOutcome.NEW, PageOutcome.PARSE_FAILED),
                "empty_pages": stats.empty_pages,
                "responses_skipped": dict(sorted(self.skipped.items())),
            },
            source=[str(path) for path in self.paths],
            workers=self.workers if self.pooled else 0,
            archive_problems=[
                ArchiveProblemEntry(path=str(p.path), offset=p.offset, message=p.message)
                for p in self.problems
            ],
        )


def _skip_reason(page: ArchivedPage) -> str | None:
    """Why a crawl would not have parsed this response, or None."""
    if not 200 <= page.status < 300:
        return f"status_{page.status // 100}xx"
    if page.truncated:
        return "truncated"
    if not is_html(page.content_type):
        return "not_html"
    return None


def _batches(jobs: Iterator[ParseJob], size: int) -> Iterator[list[ParseJob]]:
    batch: list[ParseJob] = []
    for job in jobs:
        batch.append(job)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
