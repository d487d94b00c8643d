"""The ``harvest`` command: argv -> Settings -> pipeline. No logic of its own.

Every failure the user can cause ends in one line on stderr and a non-zero exit,
never a traceback (``HARVEST_DEBUG=1`` shows one for an internal error).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from harvest._version import __version__
from harvest.constants import CONFIG_FILE, DEFAULT_USER_AGENT, debug_enabled
from harvest.errors import ConfigError, HarvestError, LockHeldError
from harvest.logs import LogFormat
from harvest.logs import configure as configure_logs

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    import rich.progress

    from harvest.config import Loaded
    from harvest.export import ExportResult
    from harvest.pipeline import RunResult, StopRequest
    from harvest.settings import Settings

log = logging.getLogger("harvest")
ProgressCallback = Callable[[int, int], None]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DRIFT = 0, 1, 2, 3
EXIT_INTERNAL, EXIT_LOCKED, EXIT_INTERRUPTED = 70, 75, 130

app = typer.Typer(
    name="harvest",
    help="Harvest research publishers' web pages (rand.org) into validated JSONL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: whole option names, [default: …] shown
)


def _configure_logs(fmt: LogFormat, level: int) -> Console | None:
    """The logs as asked, with the root's --log-file; a file that cannot be opened is a
    usage error."""
    path = _LOG_FILE["path"]
    try:
        return configure_logs(fmt, level, path)
    except OSError as exc:
        configure_logs(fmt, level)
        raise ConfigError(f"--log-file {path}: cannot write there: {exc.strerror or exc}") from exc


def _asked_format(argv: list[str]) -> LogFormat:
    """--log-format as given on the command line, read before click parses it: a usage
    error found before any option is read is told in the asked format too."""
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--log-format=") else None
        if arg == "--log-format" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in ("auto", "json", "text"):
            return value  # type: ignore[return-value]
    return "auto"


def _log_format(choice: LogFormatChoice | None) -> LogFormat:
    """A command's own --log-format, else the root's."""
    return choice.value if choice is not None else _LOGS["format"]


def _error(message: str) -> None:
    log.error(message, extra={"event": "error"})


class LogFormatChoice(enum.StrEnum):
    auto = "auto"
    json = "json"
    text = "text"


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Log only problems; no summary.")]
LogFormatOption = Annotated[
    LogFormatChoice | None,
    typer.Option(
        help="Logs and errors on stderr: JSON lines, or text; auto: text on a terminal, "
        "JSON off one. [default: harvest --log-format, else auto]",
        show_default=False,
    ),
]
# The root's --log-format: every command's errors and logs, unless it has its own.
_LOGS: dict[str, LogFormat] = {"format": "auto"}
_LOG_FILE: dict[str, Path | None] = {"path": None}


class Progress:
    """A progress bar on a terminal only (no console: every call does nothing).

    The default shows pages finished over pages known (a crawl); ``columns`` and
    the task's ``fields`` make others.
    """

    def __init__(
        self, console: Console | None, *columns: rich.progress.ProgressColumn, **fields: Any
    ) -> None:
        import rich.progress

        self._bar: rich.progress.Progress | None = None
        self._task: rich.progress.TaskID | None = None
        self._fields = fields
        if console is not None:
            self._bar = rich.progress.Progress(
                *(
                    columns
                    or (
                        rich.progress.TextColumn("pages"),
                        rich.progress.BarColumn(),
                        rich.progress.MofNCompleteColumn(),
                        rich.progress.TimeElapsedColumn(),
                    )
                ),
                console=console,
                transient=True,
            )

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("run", total=None, **self._fields)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, total: int | None, **fields: Any) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total, **fields)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"harvest {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    log_format: Annotated[
        LogFormatChoice,
        typer.Option(
            help="Logs and errors on stderr, for every command: JSON lines, or text; auto: "
            "text on a terminal, JSON off one (cron, a pipe)."
        ),
    ] = LogFormatChoice.auto,
    log_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Also append every log line, as JSON, to FILE (whatever --log-format says).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Harvest research publishers' web pages (rand.org) into validated JSONL."""
    _LOGS["format"] = log_format.value
    _LOG_FILE["path"] = log_file
    _configure_logs(_LOGS["format"], logging.INFO)


@app.command()
def parse(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE",
            help="Saved HTML pages to parse; - reads one from stdin.",
            show_default=False,
        ),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            help="The page's address, for a single FILE whose path and markup do not give it. "
            "Found otherwise from a recorded site path (fixtures/site/www.rand.org/pubs/x.html), "
            "else from the page's canonical link or og:url.",
            show_default=False,
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Instead of JSONL, show for each field its value, the source that gave it "
            "(meta tag, JSON-LD, DOM selector, text pattern) and the sources tried and missed.",
        ),
    ] = False,
) -> None:
    """Parse saved pages and print their records as JSONL on stdout.

    A file that cannot be read is a usage error (exit 2, nothing parsed); a page
    that cannot be parsed is one line on stderr, and the exit code is 1 at the end.
    """
    from harvest.normalize import canonical_url
    from harvest.parse import parse_page
    from harvest.report import print_explanation

    if url is not None and len(files) > 1:
        raise ConfigError("--url names one page: give a single FILE with it")
    if url is not None and canonical_url(url) is None:
        raise ConfigError(f"--url wants an absolute http(s) URL, not {url!r}")
    bodies = [(name, _read_page(name)) for name in files]
    failed = 0
    for name, body in bodies:
        try:
            parsed = parse_page(_address_of(name, body, url), body)
        except HarvestError as exc:
            _error(f"{name}: {exc}")
            failed += 1
            continue
        if explain:
            print_explanation(_console(), name, parsed)
        else:
            sys.stdout.write(parsed.record.model_dump_json() + "\n")
    if failed:
        raise typer.Exit(EXIT_FAILED)


class OutputFormat(enum.StrEnum):
    json = "json"
    table = "table"


@app.command()
def get(
    urls: Annotated[
        list[str], typer.Argument(metavar="URL", help="Pages to fetch.", show_default=False)
    ],
    config: Annotated[
        Path | None,
        typer.Option(
            help=f"TOML config file [default: $HARVEST_CONFIG, else ./{CONFIG_FILE} if present]: "
            "its politeness, network and limits settings apply.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", help="json: one record a line; table: for people."),
    ] = OutputFormat.json,
    user_agent: Annotated[
        str | None,
        _opt("User-Agent sent, with a contact URL or address.", DEFAULT_USER_AGENT, metavar="TEXT"),
    ] = None,
    resolve: Annotated[
        list[str] | None,
        _opt(
            "HOST=ADDRESS: connect to ADDRESS for HOST, as curl --resolve (repeat).",
            metavar="HOST=ADDRESS",
        ),
    ] = None,
    proxy: Annotated[
        str | None,
        _opt("Proxy URL ('direct': none).", "HTTP_PROXY ... from the environment", metavar="URL"),
    ] = None,
) -> None:
    """Fetch pages and print their records: one-off, no state, no output folder.

    Polite as a crawl is: robots.txt obeyed, one request at a time to a host, a
    second apart (--delay in the config), retries and limits as configured. A page
    that cannot be fetched or parsed is one line on stderr, and the exit code is 1
    at the end.
    """
    from harvest.config import (
        host_pairs,
        settings_from,
    )
    from harvest.config import load as load_config

    flags = {
        "seeds": urls,
        "user_agent": user_agent,
        "resolve": host_pairs(resolve, "--resolve") if resolve else None,
        "proxy": proxy,
    }
    settings = settings_from(load_config(flags, config=config))
    failed = asyncio.run(_get_pages(settings, fmt))
    if failed:
        raise typer.Exit(EXIT_FAILED)


async def _get_pages(settings: Settings, fmt: OutputFormat) -> int:
    from harvest.fetch import Fetcher
    from harvest.parse import parse_page
    from harvest.report import print_explanation

    failed = 0
    async with Fetcher(settings.fetch) as fetcher:
        for url in settings.seeds:
            try:
                page = await fetcher.fetch(url)
                parsed = parse_page(page.final_url, page.body, content_type=page.content_type)
            except HarvestError as exc:
                _error(f"{url}: {exc}")
                failed += 1
                continue
            if fmt is OutputFormat.table:
                print_explanation(_console(), url, parsed)
            else:
                sys.stdout.write(parsed.record.model_dump_json() + "\n")
                sys.stdout.flush()
    return failed


def _read_page(name: str) -> bytes:
    """A FILE argument's bytes (``-``: stdin); a usage error when it cannot be read."""
    from harvest.normalize import canonical_url

    if name == "-":
        return sys.stdin.buffer.read()
    file = Path(name)
    if not file.exists():
        if canonical_url(name) is not None or name.startswith("www."):
            raise ConfigError(
                f"{name} is a URL, not a saved page: harvest parse reads files "
                "(to fetch a page and print its record: harvest get URL)"
            )
        raise ConfigError(f"no such file: {name}")
    if not file.is_file():
        raise ConfigError(f"not a file: {name}")
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from exc


def _address_of(name: str, body: bytes, url: str | None) -> str:
    """--url, else the recorded site path, else the page's own canonical address."""
    from harvest.fetch import url_for
    from harvest.parse import page_address

    address = url or (None if name == "-" else url_for(Path(name).absolute()))
    address = address or page_address(body)
    if address is None:
        raise ConfigError(
            "cannot tell the page's address (no site folder in its path, no canonical "
            "link in it): pass --url URL"
        )
    return address


# --config of the commands that read the settings as crawl does (status, export).
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        help=f"TOML config file [default: $HARVEST_CONFIG, else ./{CONFIG_FILE} if present].",
        show_default=False,
    ),
]


def _opt(help_text: str, default: object = None, *names: str, metavar: str | None = None) -> Any:
    """A crawl option that may come from the config file or environment as well."""
    shown = f" [default: {default}]" if default is not None else ""
    return typer.Option(*names, help=help_text + shown, show_default=False, metavar=metavar)


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
    from harvest.config import (
        host_pairs,
        settings_from,
    )
    from harvest.config import load as load_config
    from harvest.export import check_export

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
    exported = result.manifest.get("outcome") != "complete" or _refresh_exports(settings)
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.drift and settings.fail_on_drift:
        _error(f"drift alarm: {'; '.join(a['message'] for a in result.drift)}")
        raise typer.Exit(EXIT_DRIFT)
    if result.error_rate > settings.max_error_rate or not exported:
        raise typer.Exit(EXIT_FAILED)


def _writable_folder(folder: Path, flag: str) -> None:
    """A usage error (exit 2) unless ``folder`` is, or can be made, a folder harvest
    can write in: found before a run starts, not as its pages' failures."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{flag} {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(f"{flag} {folder}: cannot write there: {exc.strerror or exc}") from exc


def _refresh_exports(settings: Settings) -> bool:
    """Rebuild each ``--export`` from all the runs; False when one failed (exit 1)."""
    from harvest.export import export_runs

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


def _log_export(result: ExportResult) -> None:
    log.info(
        "exported %s from %d run(s) -> %s",
        ", ".join(f"{rows} {table}" for table, rows in result.rows.items()),
        len(result.runs),
        result.path,
        extra={"event": "export", "rows": result.rows, "runs": len(result.runs)},
    )


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
    from harvest.pipeline import StopRequest
    from harvest.pipeline import crawl as run_crawl

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
    from harvest.reparse import reparse as run_reparse

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


@app.command()
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="JSONL files to check.", show_default=False),
    ],
    show: Annotated[int, typer.Option(help="Problems shown per file (all are counted).")] = 50,
) -> None:
    """Check every line of JSONL files against the record schema, streaming.

    Prints FILE:LINE: reason for each bad line (not JSON, a truncated last line,
    bad UTF-8, a missing field, a wrong type ...) and a summary per file; exits 1
    when any line is invalid, 0 otherwise.
    """
    from harvest.validate import (
        Summary,
        validate_files,
    )

    total = Summary()
    for report in validate_files(files, keep=show):
        for problem in report.problems:
            typer.echo(f"{report.path}:{problem.line}: {problem.category}: {problem.reason}")
        if report.unshown:
            typer.echo(f"{report.path}: ... and {report.unshown} more invalid lines")
        summary = report.summary
        typer.echo(
            f"{report.path}: {summary.lines} lines, {summary.valid} valid, "
            f"{summary.invalid} invalid",
            err=True,
        )
        total.add(summary)
    if total.invalid:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def report(
    run: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN",
            help="A run folder, or a run id under --out [default: OUT/latest].",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder of the run folders.", "output")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            help="Write the history of every run under --out, and what the dataset holds "
            "now, as one self-contained HTML page (charts included, no network, no script).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show a run's counts, its per-field coverage and the drift against the run before.

    With --html, the whole history instead: per run, records by change, pages by
    outcome, error rate and duration; per field, coverage across runs against the
    drift threshold; publications per year and content type in the dataset now.
    --out is found as crawl finds it (flag, HARVEST_OUT, config file, else output).
    """
    from harvest.config import load as load_config
    from harvest.config import settings_from
    from harvest.report import print_report
    from harvest.write.run import read_manifest

    out_dir = settings_from(load_config({"out": out}, config=config)).out_dir
    if html is not None:
        if run is not None or as_json:
            raise ConfigError("report --html shows every run under --out: give no RUN or --json")
        _write_html_report(out_dir, html)
        return
    run_dir = Path(run) if run and Path(run).is_dir() else out_dir / (run or "latest")
    manifest = _manifest_of(run_dir)
    drift = manifest.get("drift", {})
    previous_id = drift.get("compared_with")
    previous = read_manifest(run_dir.parent / previous_id) or {} if previous_id else {}
    data = {
        "run_id": manifest.get("run_id"),
        "outcome": manifest.get("outcome"),
        "started_at": manifest.get("started_at"),
        "counts": manifest.get("counts", {}),
        "coverage": manifest.get("coverage", {}),
        "previous_coverage": previous.get("coverage", {}),
        "drift": drift,
    }
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    print_report(_console(), data)


def _write_html_report(out_dir: Path, target: Path) -> None:
    from harvest.export import summarize
    from harvest.report.history import read_history
    from harvest.report.page import render  # matplotlib: only here
    from harvest.write import AtomicFile

    if target.is_dir():
        raise ConfigError(f"--html {target} is a folder: give a file name, report.html say")
    runs = read_history(out_dir)
    if not runs:
        log.warning("no runs under %s: the report shows none", out_dir)
    page = render(
        runs,
        summarize(out_dir),
        out_dir=out_dir,
        generated_at=datetime.now(UTC),
        version=__version__,
    )
    with AtomicFile(target) as fh:  # written aside, renamed into place
        fh.write(page)
    log.info(
        "report of %d run(s) under %s -> %s",
        len(runs),
        out_dir,
        target,
        extra={"event": "report", "runs": len(runs), "path": str(target)},
    )


@app.command()
def status(
    seeds: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="URL",
            help="The crawl's seeds, as given to crawl [default: config 'seeds', else "
            "crawl's default seeds].",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder for the runs' output.", "output")] = None,
    state: Annotated[Path | None, _opt("State file.", "OUT/state.sqlite")] = None,
    delay: Annotated[
        float | None, _opt("Seconds between request starts on one host, for the estimate.", 1)
    ] = None,
    revisit_budget: Annotated[
        int | None, _opt("Known pages asked again a run, for the estimate.", 1500)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show the revisit schedule: pages known, due, overdue, and what the next run will ask.

    Reads the settings as crawl does (config file, HARVEST_ variables, flags).
    """
    from harvest.config import load as load_config
    from harvest.config import settings_from
    from harvest.status import (
        schedule_status,
        status_lines,
    )

    flags = {
        "seeds": seeds or None,
        "out": out,
        "state": state,
        "delay": delay,
        "revisit_budget": revisit_budget,
    }
    settings = settings_from(load_config(flags, config=config))
    if not settings.state_file.is_file():
        raise ConfigError(f"no state file at {settings.state_file}: no crawl has run there yet")
    data = schedule_status(settings, settings.clock or datetime.now(UTC))
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    for line in status_lines(data):
        typer.echo(line)


@app.command()
def export(
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder of the run folders.", "output")] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="parquet (a folder, one .parquet a table), duckdb (one database file), "
            "csv or jsonl (a folder, one file a table).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            help="Where to write (a folder, or the database file); an export already "
            "there is replaced, atomically.",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The picture at this time, ISO 8601 (no zone: UTC): only runs started "
            "and records fetched at or before it.",
            show_default=False,
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option("--history", help="Every version of every record (each line of each run)."),
    ] = False,
) -> None:
    """Export the runs' records as typed tables: Parquet, DuckDB, CSV or JSONL.

    By default the current picture of the site: the latest record of each page
    across the runs under --out, less the pages removed since. Tables: publications,
    topics, and the flat authors, downloads, print_offers and topic_entries; see
    docs/records.md. No runs gives empty tables, with a warning.
    """
    from harvest.config import load as load_config
    from harvest.config import settings_from
    from harvest.export import (
        FORMATS,
        export_runs,
        parse_as_of,
    )

    if fmt is None or to is None:
        raise ConfigError(f"export needs --format ({', '.join(FORMATS)}) and --to PATH")
    settings = settings_from(load_config({"out": out}, config=config))
    _log_export(
        export_runs(settings.out_dir, to, fmt=fmt, as_of=parse_as_of(as_of), history=history)
    )


runs_app = typer.Typer(help="Look after the run folders under --out.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


@runs_app.command("prune")
def prune(
    keep: Annotated[
        int | None,
        typer.Option(help="Keep the newest N runs; older ones may go.", show_default=False),
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="Runs started longer ago than AGE may go: 30d, 12h, 2w.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go; remove nothing.")
    ] = False,
    config: ConfigOption = None,
    out: Annotated[Path | None, _opt("Folder of the run folders.", "output")] = None,
) -> None:
    """Remove old run folders, never one the current picture still needs.

    A run holding the latest record of a page (or its latest removal) stays however
    old it is, as does the run latest points to; harvest export rebuilds the same
    dataset after a prune. Takes the state file's lock (exit 75 while a crawl runs).
    """
    from harvest.config import load as load_config
    from harvest.config import settings_from
    from harvest.export.prune import (
        parse_age,
        plan_prune,
        remove_run,
    )
    from harvest.state import RunLock

    settings = settings_from(load_config({"out": out}, config=config))
    age = parse_age(older_than) if older_than is not None else None
    with RunLock.for_state(settings.state_file).acquire("prune"):
        plan = plan_prune(settings.out_dir, keep=keep, older_than=age, now=datetime.now(UTC))
        for run in plan.remove:
            if not dry_run:
                remove_run(run)
            typer.echo(f"{'would remove' if dry_run else 'removed'} {run.run_id}")
    for run in plan.needed:
        typer.echo(f"kept {run.run_id}: the current picture needs it")
    verb = "would remove" if dry_run else "removed"
    log.info(
        "%s %d run(s); kept %d needed by the current picture and %d within the limits",
        verb,
        len(plan.remove),
        len(plan.needed),
        len(plan.kept),
        extra={"event": "prune", "removed": len(plan.remove), "needed": len(plan.needed)},
    )


def _console() -> Console:
    """stdout as rich sees it; wide when it is a file or a pipe, so rows are not folded."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def _manifest_of(run_dir: Path) -> dict[str, Any]:
    from harvest.write.run import read_manifest

    manifest = read_manifest(run_dir)
    if manifest is None:
        raise ConfigError(f"no run at {run_dir} (no readable manifest.json)")
    return manifest


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the records harvest writes."""
    from harvest.models import record_schema

    text = json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``harvest`` console script; returns the exit code."""
    # Errors and logs: text on a terminal, JSON lines off one, for every command (the
    # root's --log-format, or crawl's and reparse's own, may say otherwise).
    _LOGS["format"] = _asked_format(sys.argv[1:] if argv is None else argv)
    _LOG_FILE["path"] = None
    configure_logs(_LOGS["format"], logging.INFO)
    try:
        # Not standalone: click's usage errors come here, to be told in one line.
        code = app(args=argv, prog_name="harvest", standalone_mode=False)
    except typer.TyperException as exc:  # click's (vendored) usage errors among them
        command = getattr(getattr(exc, "ctx", None), "command_path", None)
        see = f" (see {command} --help)" if command and exc.exit_code == EXIT_USAGE else ""
        _error(exc.format_message().strip() + see)
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _error("interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else 1
    except Exception as exc:  # the last line of defence: no traceback for users
        return _exit_code(exc)
    return int(code) if isinstance(code, int) else EXIT_OK


def _exit_code(exc: Exception) -> int:
    if isinstance(exc, LockHeldError):
        _error(f"{exc}; try again when it has finished")
        return EXIT_LOCKED
    if isinstance(exc, HarvestError):
        _error(str(exc))
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED
    if debug_enabled():
        raise exc
    _error(f"internal error: {type(exc).__name__}: {exc} (set HARVEST_DEBUG=1 for details)")
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
