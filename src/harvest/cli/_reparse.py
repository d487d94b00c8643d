"""``harvest reparse``: archived pages parsed again, into a run folder."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    from rich.console import Console

from harvest.cli._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    LogFormatOption,
    Progress,
    QuietOption,
    _configure_logs,
    _error,
    _log_format,
    _writable_folder,
    app,
    log,
)


@app.command()
def reparse(
    archives: Annotated[
        list[Path],
        typer.Argument(
            metavar="ARCHIVE",
            help="WARC files (.warc, .warc.gz), folders of them, or recorded site folders.",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the run's output.")] = Path("output"),
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes that parse (0: parse in this process) [default: all cores].",
            show_default=False,
            min=0,
            max=256,
        ),
    ] = None,
    max_error_rate: Annotated[
        float, typer.Option(help="Exit 1 when more than this share of pages failed.", min=0, max=1)
    ] = 0.05,
    quiet: QuietOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Re-extract archived pages with this harvest's parsers, without fetching.

    Reads the archives in order (streaming), parses every HTML response a crawl would
    have parsed, on all cores, and writes a run folder as a crawl does (records,
    errors.jsonl, manifest.json). An archive cut short by a killed run is read up to
    its last complete record; the rest is reported, and the exit is still 0.
    SIGINT or SIGTERM stops reading and publishes what was parsed (exit 130).
    """
    from harvest.run._reparse import reparse as run_reparse

    console = _configure_logs(_log_format(log_format), logging.WARNING if quiet else logging.INFO)
    _writable_folder(out, "--out")
    stop = threading.Event()
    with _stop_on_signals(stop), _archive_progress(console) as progress:
        result = run_reparse(
            archives,
            out,
            workers=workers,
            max_error_rate=max_error_rate,
            stop=stop,
            progress=lambda pages, read, total: progress.update(read, total, pages=pages),
        )
    counts = result.manifest["counts"]
    records = counts["records"]
    if not quiet:
        log.info(
            "%d responses, %d pages: %d records, %d failed (%d publications, %d topics, "
            "%d errors) in %.1f s, %s pages/s -> %s",
            counts["responses"],
            counts["pages"],
            counts["new"],
            counts["parse_failed"],
            records["publication"],
            records["topic"],
            records["error"],
            result.manifest["duration_s"],
            result.manifest["pages_per_s"],
            result.run_dir,
            extra={"event": "run_summary", "counts": counts},
        )
    if result.problems:
        log.warning(
            "%d archive problem(s): every complete record before each was read (see %s)",
            len(result.problems),
            result.run_dir / "manifest.json",
        )
    if result.interrupted:
        _error(f"interrupted: {result.run_dir} holds the pages parsed before the stop")
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.error_rate > max_error_rate:
        _error(f"{result.error_rate:.0%} of pages failed (see {result.run_dir / 'errors.jsonl'})")
        raise typer.Exit(EXIT_FAILED)


def _archive_progress(console: Console | None) -> Progress:
    """Archive bytes read, with the pages parsed so far."""
    import rich.progress

    return Progress(
        console,
        rich.progress.TextColumn("{task.fields[pages]} pages"),
        rich.progress.BarColumn(),
        rich.progress.DownloadColumn(),
        rich.progress.TimeElapsedColumn(),
        rich.progress.TimeRemainingColumn(),
        pages=0,
    )


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop``; a second one stops at once (KeyboardInterrupt)."""

    def handler(number: int, _frame: object) -> None:
        name = signal.Signals(number).name
        if stop.is_set():
            raise KeyboardInterrupt
        _error(f"{name}: stopping after the pages being parsed; send it again to stop now")
        stop.set()

    previous = {
        number: signal.signal(number, handler) for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
