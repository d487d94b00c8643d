"""The ``harvest`` command: argv -> Settings -> pipeline. No logic of its own.

Every failure the user can cause ends in one line on stderr and a non-zero exit,
never a traceback (``HARVEST_DEBUG=1`` shows one for an internal error).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from harvest._version import __version__
from harvest.errors import ConfigError, HarvestError, LockHeldError
from harvest.fetch import DEFAULT_USER_AGENT, url_for
from harvest.models import record_schema
from harvest.parse import parse_page
from harvest.pipeline import RunResult, StopRequest
from harvest.pipeline import crawl as run_crawl
from harvest.settings import DEFAULT_SEEDS, Settings, debug_enabled

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_LOCKED, EXIT_INTERRUPTED = (
    0,
    1,
    2,
    70,
    75,
    130,
)

app = typer.Typer(
    name="harvest",
    help="Harvest research publishers' web pages (rand.org) into validated JSONL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _error(message: str) -> None:
    typer.echo(f"harvest: error: {message}", err=True)


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
) -> None:
    """Harvest research publishers' web pages (rand.org) into validated JSONL."""


@app.command()
def parse(
    files: Annotated[
        list[Path], typer.Argument(help="Saved HTML pages to parse.", show_default=False)
    ],
    url: Annotated[
        str | None,
        typer.Option(
            help="The page's address, when the file's path does not give it "
            "(a recorded site path like fixtures/site/www.rand.org/pubs/x.html does)."
        ),
    ] = None,
) -> None:
    """Parse saved pages and print their records as JSONL on stdout."""
    if url is not None and len(files) > 1:
        raise ConfigError("--url names one page: give a single FILE with it")
    failed = 0
    for file in files:
        try:
            record = _parse_file(file, url)
        except HarvestError as exc:
            _error(f"{file}: {exc}")
            failed += 1
            continue
        sys.stdout.write(record + "\n")
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _parse_file(file: Path, url: str | None) -> str:
    if not file.exists():
        raise ConfigError("no such file")
    if not file.is_file():
        raise ConfigError("not a file")
    address = url or url_for(file.resolve())
    if address is None:
        raise ConfigError("cannot tell the page's address from its path: pass --url URL")
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}") from exc
    parsed = parse_page(address, body)
    return parsed.record.model_dump_json()


def _pair(text: str) -> tuple[str, str]:
    host, sep, address = text.partition("=")
    if not sep:
        raise ConfigError(f"--resolve wants HOST=ADDRESS, not {text!r}")
    return host.strip().lower(), address.strip().strip("[]")


@app.command()
def crawl(
    seeds: Annotated[
        list[str] | None,
        typer.Argument(
            help="URLs to start from [default: the MG115 product page and the "
            "security-cooperation topic page].",
            show_default=False,
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Serve pages from this recorded site folder instead of the network."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the run's output.")] = Path("output"),
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once, in all.")] = 8,
    per_host_concurrency: Annotated[
        int | None,
        typer.Option(
            help="Requests in flight at once to one host [default: 2 live, no limit on replay].",
            show_default=False,
        ),
    ] = None,
    delay: Annotated[
        float | None,
        typer.Option(
            help="Seconds between request starts on one host; robots.txt Crawl-delay can raise "
            "it [default: 1 live, 0 on replay].",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Connect and read timeout, seconds.")] = 30.0,
    deadline: Annotated[
        float, typer.Option(help="Total time one request may take, body included, seconds.")
    ] = 60.0,
    attempts: Annotated[int, typer.Option(help="Tries per request (retries + 1).")] = 3,
    retry_after_cap: Annotated[
        float, typer.Option(help="Longest Retry-After honored, seconds; longer gives up.")
    ] = 120.0,
    max_body_mb: Annotated[
        float, typer.Option(help="Largest body kept, MiB, after decompression.")
    ] = 8.0,
    max_redirects: Annotated[int, typer.Option(help="Redirect hops followed per page.")] = 5,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            help="Host the crawl may visit (repeat) [default: the seeds' hosts].",
            show_default=False,
        ),
    ] = None,
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            help="HOST=ADDRESS: connect to ADDRESS for HOST, as curl --resolve (repeat); "
            "such a host may be on a private address.",
            show_default=False,
        ),
    ] = None,
    user_agent: Annotated[
        str, typer.Option(help="User-Agent sent, with a contact URL or address.")
    ] = DEFAULT_USER_AGENT,
    parse_workers: Annotated[
        int,
        typer.Option(help="Processes that parse pages off the network loop (0: parse inline)."),
    ] = 0,
    max_pages: Annotated[int | None, typer.Option(help="Fetch at most this many pages.")] = None,
    max_depth: Annotated[
        int | None, typer.Option(help="Follow links at most this many steps from a seed.")
    ] = None,
    max_error_rate: Annotated[
        float, typer.Option(help="Exit 1 when more than this share of pages failed.")
    ] = 0.05,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Crawl from seed pages, following listings to publications, and write JSONL.

    Live crawls obey robots.txt, wait between requests to a host, retry what is
    worth retrying and never connect to private addresses the user did not name.
    SIGINT or SIGTERM stops after the requests in flight and publishes what was
    harvested (exit 130); a second signal stops at once.
    """
    settings = Settings(
        seeds=tuple(seeds or DEFAULT_SEEDS),
        out_dir=out,
        replay_dir=replay,
        concurrency=concurrency,
        per_host_concurrency=per_host_concurrency,
        delay_s=delay,
        timeout_s=timeout,
        deadline_s=deadline,
        attempts=attempts,
        retry_after_cap_s=retry_after_cap,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        max_redirects=max_redirects,
        allowed_hosts=tuple(allow_host or ()),
        resolve=tuple(_pair(text) for text in resolve or ()),
        user_agent=user_agent,
        parse_workers=parse_workers,
        max_pages=max_pages,
        max_depth=max_depth,
        max_error_rate=max_error_rate,
    )
    if replay is not None and not replay.is_dir():
        raise ConfigError(f"replay folder not found: {replay}")
    result = asyncio.run(_crawl_until_signalled(settings))
    counts = result.manifest["counts"]
    if not quiet or result.interrupted:
        records = counts["records"]
        typer.echo(
            f"harvest: {counts['pages']} pages, {records['publication']} publications, "
            f"{records['topic']} topics, {records['error']} errors -> {result.run_dir}",
            err=True,
        )
    if result.interrupted:
        _error(
            f"interrupted by {result.interrupted}: {counts['unfinished']} pages not harvested "
            f"(listed in {result.run_dir / 'manifest.json'})"
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.error_rate > settings.max_error_rate:
        _error(f"{result.error_rate:.0%} of pages failed (see {result.run_dir / 'errors.jsonl'})")
        raise typer.Exit(EXIT_FAILED)


async def _crawl_until_signalled(settings: Settings) -> RunResult:
    """Run the crawl with SIGINT and SIGTERM asking it to stop (see StopRequest)."""
    stop, loop = StopRequest(), asyncio.get_running_loop()
    signals = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
    for number, name in signals.items():
        loop.add_signal_handler(number, _on_signal, stop, name)
    try:
        return await run_crawl(settings, stop=stop)
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
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the records harvest writes."""
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
    logging.basicConfig(level=logging.ERROR, format="harvest: %(levelname)s: %(message)s")
    try:
        app(args=argv, prog_name="harvest")  # standalone: usage errors print and exit 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else 1
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except LockHeldError as exc:
        _error(f"{exc}; try again when it has finished")
        return EXIT_LOCKED
    except HarvestError as exc:
        _error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last line of defence: no traceback for users
        if debug_enabled():
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (set HARVEST_DEBUG=1 for details)")
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
