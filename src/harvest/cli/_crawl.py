"""``harvest crawl``: the run, its signals, its summary and its exports."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harvest._constants import CONFIG_FILE, DEFAULT_USER_AGENT
from harvest.errors import ConfigError, HarvestError, RunOutcome

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    from harvest.config._loader import Loaded
    from harvest.config._settings import Settings
    from harvest.run._result import RunResult
    from harvest.run._stop import StopRequest

from harvest.cli._common import (
    EXIT_DRIFT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    LogFormatOption,
    Progress,
    ProgressCallback,
    QuietOption,
    _configure_logs,
    _error,
    _log_export,
    _log_format,
    _opt,
    _writable_folder,
    app,
    log,
)


@app.command()
def crawl(
    seeds: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="URL",
            help="URLs to start from [default: config 'seeds', else the MG115 product page "
            "and the security-cooperation topic page].",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help=f"TOML config file [default: $HARVEST_CONFIG, else ./{CONFIG_FILE} if present]. "
            "Every option below can be set there, or as HARVEST_<NAME>.",
            show_default=False,
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        _opt(
            "Serve pages from a recorded site folder, or from WARC files (a file, or a "
            "folder of them), instead of the network."
        ),
    ] = None,
    out: Annotated[Path | None, _opt("Folder for the runs' output.", "output")] = None,
    archive: Annotated[
        Path | None,
        _opt("Keep every response (request, headers, body) in WARC files in this folder."),
    ] = None,
    archive_file_mb: Annotated[
        float | None, _opt("Start a new WARC file past this size, MiB.", 1024)
    ] = None,
    state: Annotated[
        Path | None, _opt("State file (incremental runs, resume, lock).", "OUT/state.sqlite")
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Walk every listing to its end and fetch every known page unconditionally, "
            "emitting every record, changed or not.",
        ),
    ] = False,
    concurrency: Annotated[int | None, _opt("Requests in flight at once, in all.", 8)] = None,
    per_host_concurrency: Annotated[
        int | None, _opt("Requests in flight at once to one host.", "2 live, no limit on replay")
    ] = None,
    delay: Annotated[
        float | None,
        _opt(
            "Seconds between request starts on one host; robots.txt Crawl-delay can raise it.",
            "1 live, 0 on replay",
        ),
    ] = None,
    timeout: Annotated[float | None, _opt("Connect and read timeout, seconds.", 30)] = None,
    deadline: Annotated[
        float | None, _opt("Total time one request may take, body included, seconds.", 60)
    ] = None,
    attempts: Annotated[int | None, _opt("Tries per request (retries + 1).", 3)] = None,
    retry_after_cap: Annotated[
        float | None, _opt("Longest Retry-After honored, seconds; longer gives up.", 120)
    ] = None,
    max_body_mb: Annotated[
        float | None, _opt("Largest body kept, MiB, after decompression.", 8)
    ] = None,
    max_redirects: Annotated[int | None, _opt("Redirect hops followed per page.", 5)] = None,
    allow_host: Annotated[
        list[str] | None,
        _opt("Host the crawl may visit (repeat).", "the seeds' hosts", metavar="HOST"),
    ] = None,
    resolve: Annotated[
        list[str] | None,
        _opt(
            "HOST=ADDRESS: connect to ADDRESS for HOST, as curl --resolve (repeat); "
            "such a host may be on a private address.",
            metavar="HOST=ADDRESS",
        ),
    ] = None,
    proxy: Annotated[
        str | None,
        _opt(
            "Proxy URL for http and https (http://HOST:PORT; 'direct': none).",
            "HTTP_PROXY, HTTPS_PROXY, NO_PROXY from the environment",
            metavar="URL",
        ),
    ] = None,
    http2: Annotated[
        bool | None,
        typer.Option(
            "--http2/--no-http2",
            help="Offer HTTP/2 on https (the server chooses) [default: no].",
            show_default=False,
        ),
    ] = None,
    user_agent: Annotated[
        str | None,
        _opt("User-Agent sent, with a contact URL or address.", DEFAULT_USER_AGENT, metavar="TEXT"),
    ] = None,
    parse_workers: Annotated[
        int | None,
        _opt(
            "Processes that parse pages off the network loop, under --parse-timeout (0: inline).",
            "1 live, 0 on replay",
        ),
    ] = None,
    parse_timeout: Annotated[
        float | None,
        _opt("Seconds a page may take to parse in a worker; past it: parse_timeout.", 10),
    ] = None,
    max_pages: Annotated[int | None, _opt("Fetch at most this many pages a crawl pass.")] = None,
    max_depth: Annotated[
        int | None, _opt("Follow links at most this many steps from a seed.")
    ] = None,
    max_error_rate: Annotated[
        float | None, _opt("Exit 1 when more than this share of pages failed.", 0.05)
    ] = None,
    revisit_budget: Annotated[
        int | None,
        _opt("Known pages asked again a run, most overdue first (0: discovery only).", 1500),
    ] = None,
    stop_after_known: Annotated[
        int | None,
        _opt("Stop a listing walk after this many pages in a row with nothing new.", 1),
    ] = None,
    drift_points: Annotated[
        float | None,
        _opt("Warn when a field's coverage drops by more than this many points.", 20),
    ] = None,
    export_to: Annotated[
        list[str] | None,
        _opt(
            "FORMAT:PATH: after each complete run, refresh this export of the current "
            "picture, as harvest export --format FORMAT --to PATH does (repeat).",
            None,
            "--export",
            metavar="FORMAT:PATH",
        ),
    ] = None,
    fail_on_drift: Annotated[
        bool | None,
        typer.Option(
            "--fail-on-drift/--no-fail-on-drift",
            help="Exit 3 when the drift alarm rings (coverage or record counts dropped "
            "against the last complete run, or pages gave no record) [default: no].",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every page as well.")
    ] = False,
    log_format: LogFormatOption = None,
) -> None:
    """Crawl from seed pages, following listings to publications, and write JSONL.

    Runs are incremental: a page is fetched conditionally and its record emitted
    only when new or changed. A run that is stopped or killed is taken up by the
    next one. Live crawls obey robots.txt, wait between requests to a host, retry
    what is worth retrying and never connect to private addresses the user did
    not name. SIGINT or SIGTERM stops after the requests in flight and publishes
    what was harvested (exit 130); a second signal stops at once.
    """
    from harvest.config._loader import (
        host_pairs,
        settings_from,
    )
    from harvest.config._loader import load as load_config
    from harvest.contract.export import check_export

    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    console = _configure_logs(_log_format(log_format), level)
    flags = {
        "seeds": seeds or None,
        "replay": replay,
        "out": out,
        "archive": archive,
        "archive_file_mb": archive_file_mb,
        "state": state,
        "concurrency": concurrency,
        "per_host_concurrency": per_host_concurrency,
        "delay": delay,
        "timeout": timeout,
        "deadline": deadline,
        "attempts": attempts,
        "retry_after_cap": retry_after_cap,
        "max_body_mb": max_body_mb,
        "max_redirects": max_redirects,
        "allowed_hosts": allow_host or None,
        "resolve": host_pairs(resolve, "--resolve") if resolve else None,
        "proxy": proxy,
        "http2": http2,
        "user_agent": user_agent,
        "parse_workers": parse_workers,
        "parse_timeout": parse_timeout,
        "max_pages": max_pages,
        "max_depth": max_depth,
        "max_error_rate": max_error_rate,
        "revisit_budget": revisit_budget,
        "stop_after_known": stop_after_known,
        "drift_points": drift_points,
        "fail_on_drift": fail_on_drift,
        "export": export_to or None,
    }
    loaded = load_config(flags, config=config)
    settings = settings_from(loaded, full=full)
    if settings.replay_dir is not None and not settings.replay_dir.exists():
        raise ConfigError(f"replay source not found: {settings.replay_dir}")
    for target in settings.exports:
        check_export(target)
    _writable_folder(settings.out_dir, "--out")
    if settings.archive_dir is not None:
        _writable_folder(settings.archive_dir, "--archive")
    with Progress(console) as progress:
        result = asyncio.run(_crawl_until_signalled(settings, progress.update, loaded))
    _summarize(result, quiet=quiet)
    exported = result.manifest.get("outcome") != RunOutcome.COMPLETE or _refresh_exports(settings)
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.drift and settings.fail_on_drift:
        _error(f"drift alarm: {'; '.join(a['message'] for a in result.drift)}")
        raise typer.Exit(EXIT_DRIFT)
    if result.error_rate > settings.max_error_rate or not exported:
        raise typer.Exit(EXIT_FAILED)


def _refresh_exports(settings: Settings) -> bool:
    """Rebuild each ``--export`` from all the runs; False when one failed (exit 1)."""
    from harvest.contract.export import export_runs

    failed = []
    for target in settings.exports:
        try:
            _log_export(export_runs(settings.out_dir, target.path, fmt=target.format))
        except HarvestError as exc:
            _error(f"export {target}: {exc}")
            failed.append(str(target))
    if failed:
        _error(f"the run is published, but not every export: {', '.join(failed)} failed")
    return not failed


def _summarize(result: RunResult, *, quiet: bool) -> None:
    manifest = result.manifest
    counts, records = manifest["counts"], manifest["counts"]["records"]
    fields = {
        "event": "run_summary",
        "run_id": manifest["run_id"],
        "run_dir": str(result.run_dir),
        "counts": {key: value for key, value in counts.items() if key != "records"},
        "records": records,
    }
    if not quiet:
        log.info(
            "%d pages: %d new, %d updated, %d unchanged, %d removed, %d skipped, %d failed; "
            "%d publications, %d topics, %d errors -> %s",
            counts["pages"],
            counts["new"],
            counts["updated"],
            counts["unchanged"],
            counts["removed"],
            counts["skipped"],
            counts["fetch_failed"] + counts["parse_failed"],
            records["publication"],
            records["topic"],
            records["error"],
            result.run_dir,
            extra=fields,
        )
    if result.interrupted:
        _error(
            f"interrupted by {result.interrupted}: {counts['unfinished']} pages not harvested "
            f"(listed in {result.run_dir / 'manifest.json'}); the next run goes on with them"
        )
    elif result.error_rate > manifest["max_error_rate"]:
        _error(f"{result.error_rate:.0%} of pages failed (see {result.run_dir / 'errors.jsonl'})")


async def _crawl_until_signalled(
    settings: Settings, progress: ProgressCallback, loaded: Loaded
) -> RunResult:
    """Run the crawl with SIGINT and SIGTERM asking it to stop (see StopRequest)."""
    from harvest.run._runner import crawl as run_crawl
    from harvest.run._stop import StopRequest

    stop, loop = StopRequest(), asyncio.get_running_loop()
    signals = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
    for number, name in signals.items():
        loop.add_signal_handler(number, _on_signal, stop, name)
    config = {
        "file": str(loaded.file) if loaded.file else None,
        "sources": loaded.sources,
    }
    try:
        return await run_crawl(settings, stop=stop, progress=progress, config=config)
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


def _on_signal(stop: StopRequest, name: str) -> None:
    if stop.requested.is_set():
        _error(f"{name} again: stopping now")
    else:
        _error(f"{name}: finishing requests in flight; send it again to stop now")
    stop.request(name)
