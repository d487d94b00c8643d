"""A crawl from start to end: the lock, the state, recovery, the loop, the published run.

fetch -> parse -> write, with a bounded pool of workers over one shared client
(``harvest.run._loop``). A page that fails (fetch or parse) becomes a line of
``errors.jsonl`` and the run goes on. Output files appear only when the run ends,
all together, with the manifest (``harvest.run._manifest``) and its drift alarms.

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
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from harvest.archive import WarcArchive, replay_transport
from harvest.config._settings import Settings
from harvest.contract._drift import compare as compare_runs
from harvest.errors import RunOutcome
from harvest.fetch import Fetcher
from harvest.manifest import ArchiveFiles, Manifest
from harvest.models import utc_text
from harvest.run._configure import fetch_config
from harvest.run._loop import CrawlLoop
from harvest.run._manifest import crawl_manifest
from harvest.run._recovery import recover, recover_dead_runs
from harvest.run._result import RunResult, new_run_id
from harvest.run._stop import StopRequest
from harvest.state import RunLock, State
from harvest.write import RunWriter

__all__ = ["RunResult", "StopRequest", "crawl", "crawl_sync"]

log = logging.getLogger("harvest")


async def crawl(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    stop: StopRequest | None = None,
    progress: Callable[[int, int], None] | None = None,
    config: dict[str, Any] | None = None,
    lock: RunLock | None = None,
) -> RunResult:
    """Crawl from the seeds (or go on with the pass left unfinished) into a run folder.

    Holds the state file's lock for the whole run (LockHeldError when another
    run has it); ``lock``: one the caller took already (the CLI takes it before
    loading the fetcher, so that cron's second run exits at once), released at
    the end. ``stop`` lets a caller (the CLI's signal handlers) end the run
    early and still publish what was harvested; ``latest`` then keeps pointing at
    the last complete run. ``progress(done, known)`` is called as pages finish;
    ``config`` (where the settings came from) goes into the manifest.
    """
    if transport is None and settings.replay_dir is not None:
        transport = replay_transport(settings.replay_dir)
    if lock is None or lock.run_id is None:
        lock = RunLock.for_state(settings.state_file).acquire(new_run_id())
    run_id = lock.run_id or new_run_id()
    with lock:
        state = State(settings.state_file)
        try:
            writer = RunWriter(settings.out_dir, run_id)
            run = CrawlLoop(settings, writer, stop or StopRequest(), state, progress, config)
            return await _crawl(run, transport)
        finally:
            state.close()


def crawl_sync(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> RunResult:
    """Run ``crawl`` to completion from synchronous code."""
    return asyncio.run(crawl(settings, transport))


async def _crawl(run: CrawlLoop, transport: httpx.AsyncBaseTransport | None) -> RunResult:
    settings, state, run_id = run.settings, run.state, run.writer.run_id
    recovered = recover_dead_runs(state, by=run_id)
    started = utc_text(run.stats.started_at)
    state.begin_run(run_id, started, settings.config_digest, os.getpid(), settings.out_dir)
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
            manifest = crawl_manifest(run, fetcher, recovered)
            if archive is not None:
                archive.close()  # on disk before the manifest names its files
                files = [path.name for path in archive.paths]
                manifest = manifest.with_fields(
                    archive=ArchiveFiles(dir=str(archive.directory), files=files)
                )
        written, run_dir = _publish(run, manifest)
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
    _end(run, manifest, written)
    return RunResult(run_dir, written, run.stats.error_rate, run.interrupted)


def _publish(run: CrawlLoop, manifest: Manifest) -> tuple[dict[str, Any], Path]:
    """Compare with the last complete run (the drift alarm), then publish the run folder;
    ``latest`` moves to a complete run only. The manifest as written, and the folder."""
    settings = run.settings
    previous = run.state.last_run(settings.config_digest)
    drift = compare_runs(
        manifest.to_json(),
        previous.manifest if previous else None,
        settings.drift_points,
        suspect_percent=settings.suspect_percent,
    )
    for alarm in drift["alarms"]:
        details = {key: value for key, value in alarm.items() if key != "message"}
        log.warning("drift: %s", alarm["message"], extra={"event": "drift", **details})
    written = manifest.with_fields(drift=drift).to_json()
    return written, run.writer.commit(written, latest=manifest.outcome == RunOutcome.COMPLETE)


def _end(run: CrawlLoop, manifest: Manifest, written: dict[str, Any]) -> None:
    """Record the run's end in the state; a complete run ends its crawl pass."""
    run_id, outcome = run.writer.run_id, manifest.outcome
    done = outcome == RunOutcome.COMPLETE
    run.state.end_run(run_id, outcome, written["finished_at"], written, pass_done=done)
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
