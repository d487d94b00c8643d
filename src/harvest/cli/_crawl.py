"""``harvest crawl``: the run, its signals, its summary and its exports."""

from __future__ import annotations

import inspect
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from harvest._constants import CONFIG_FILE
from harvest.config._declare import Option
from harvest.config._loader import OPTIONS
from harvest.errors import ConfigError, HarvestError, RunOutcome

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    from harvest.config._loader import Loaded
    from harvest.config._settings import Settings
    from harvest.run._result import RunResult
    from harvest.run._stop import StopRequest
    from harvest.state import RunLock

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
    _writable_folder,
    app,
    log,
)


def _setting_flags(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` one option for each declared setting that has a flag, in the
    order they are declared (``harvest.config._settings``): typer reads the signature."""
    signature = inspect.signature(command, eval_str=True)
    keyword = inspect.Parameter.KEYWORD_ONLY  # typer calls a command with keywords
    fixed = [
        p.replace(kind=keyword)
        for p in signature.parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    made = [
        inspect.Parameter(
            option.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=_flag_annotation(option),
        )
        for option in OPTIONS
        if option.flag
    ]
    parameters = [*fixed[:2], *made, *fixed[2:]]  # the URLs and --config first
    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return command


def _flag_annotation(option: Option) -> Any:
    declared, flag = option.declared, option.flag
    default = option.shown_default.replace("`", "")
    shown = f" [default: {default}]" if default != "none" else ""
    if option.kind is bool:
        name = option.name.replace("_", "-")
        info = typer.Option(f"--{name}/--no-{name}", help=declared.help + shown, show_default=False)
        return Annotated[bool | None, info]
    repeated = option.kind in (list[str], dict[str, str])
    kind: Any = list[str] if repeated else option.kind
    info = typer.Option(
        flag, help=declared.help + shown, show_default=False, metavar=declared.metavar
    )
    return Annotated[kind | None, info]


@app.command()
@_setting_flags
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
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Walk every listing to its end and fetch every known page unconditionally, "
            "emitting every record, changed or not.",
        ),
    ] = False,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every page as well.")
    ] = False,
    log_format: LogFormatOption = None,
    **given: Any,
) -> None:
    """Crawl from seed pages, following listings to publications, and write JSONL.

    Runs are incremental: a page is fetched conditionally and its record emitted
    only when new or changed. A run that is stopped or killed is taken up by the
    next one. Live crawls obey robots.txt, wait between requests to a host, retry
    what is worth retrying and never connect to private addresses the user did
    not name. SIGINT or SIGTERM stops after the requests in flight and publishes
    what was harvested (exit 130); a second signal stops at once.
    """
    from harvest.contract.export import check_export
    from harvest.run._result import new_run_id
    from harvest.state import RunLock

    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    console = _configure_logs(_log_format(log_format), level)
    loaded, settings = _load(given, seeds, config, full)
    if settings.replay_dir is not None and not settings.replay_dir.exists():
        raise ConfigError(f"replay source not found: {settings.replay_dir}")
    for target in settings.exports:
        check_export(target)  # before anything is made: a bad --export leaves no trace
    _writable_folder(settings.out_dir, "--out")
    if settings.archive_dir is not None:
        _writable_folder(settings.archive_dir, "--archive")
    # The lock first: a second run started by cron exits 75 here, before the fetcher,
    # the parsers and DuckDB are loaded.
    early = _keep_signals()
    lock = RunLock.for_state(settings.state_file).acquire(new_run_id())
    with lock, Progress(console) as progress:
        import asyncio  # the event loop is loaded by the command, not --help

        result = asyncio.run(_crawl_until_signalled(settings, progress.update, loaded, lock, early))
    _summarize(result, quiet=quiet)
    exported = result.manifest.get("outcome") != RunOutcome.COMPLETE or _refresh_exports(settings)
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.drift and settings.fail_on_drift:
        _error(f"drift alarm: {'; '.join(a['message'] for a in result.drift)}")
        raise typer.Exit(EXIT_DRIFT)
    if result.error_rate > settings.max_error_rate or not exported:
        raise typer.Exit(EXIT_FAILED)


def _load(
    given: dict[str, Any], seeds: list[str] | None, config: Path | None, full: bool
) -> tuple[Loaded, Settings]:
    """The settings from the file, the environment and the flags given."""
    from harvest.config._loader import host_pairs, settings_from
    from harvest.config._loader import load as load_config

    # a repeatable flag not given is an empty list: not given, as the others' None
    flags = {name: None if value == [] else value for name, value in given.items()}
    flags["seeds"] = seeds or None
    resolve = flags.get("resolve")
    if resolve:
        flags["resolve"] = host_pairs(list(resolve), "--resolve")
    loaded = load_config(flags, config=config)
    return loaded, settings_from(loaded, full=full)


def _keep_signals() -> list[str]:
    """Until the run listens for SIGINT and SIGTERM, keep them: it stops when it starts."""
    early: list[str] = []

    def keep(number: int, _frame: object) -> None:
        early.append(_SIGNALS[signal.Signals(number)])

    for number in _SIGNALS:
        signal.signal(number, keep)
    return early


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
    settings: Settings,
    progress: ProgressCallback,
    loaded: Loaded,
    lock: RunLock,
    early: list[str],
) -> RunResult:
    """Run the crawl with SIGINT and SIGTERM asking it to stop (see StopRequest);
    ``early``: the signals that came before it listened."""
    import asyncio

    from harvest.run._runner import crawl as run_crawl
    from harvest.run._stop import StopRequest

    stop, loop = StopRequest(), asyncio.get_running_loop()
    for number, name in _SIGNALS.items():
        loop.add_signal_handler(number, _on_signal, stop, name)
    for name in early:
        _on_signal(stop, name)
    config = {
        "file": str(loaded.file) if loaded.file else None,
        "sources": loaded.sources,
    }
    try:
        return await run_crawl(settings, stop=stop, progress=progress, config=config, lock=lock)
    finally:
        for number in _SIGNALS:
            loop.remove_signal_handler(number)


_SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


def _on_signal(stop: StopRequest, name: str) -> None:
    if stop.requested.is_set():
        _error(f"{name} again: stopping now")
    else:
        _error(f"{name}: finishing requests in flight; send it again to stop now")
    stop.request(name)
