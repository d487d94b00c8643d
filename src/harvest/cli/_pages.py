"""``harvest parse`` and ``harvest get``: one page, or a few, to their records."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harvest._constants import CONFIG_FILE, DEFAULT_USER_AGENT
from harvest.errors import ConfigError, HarvestError

if TYPE_CHECKING:  # the rest is imported by the commands that use it: start-up stays light
    from harvest.config._settings import Settings

from harvest.cli._common import (
    EXIT_FAILED,
    _console,
    _error,
    _opt,
    app,
)


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
            "(meta tag, JSON-LD, DOM selector, text pattern) and the sources tried and missed; "
            "then the values that break a plausibility rule and the labels no field took.",
        ),
    ] = False,
) -> None:
    """Parse saved pages and print their records as JSONL on stdout.

    A file that cannot be read is a usage error (exit 2, nothing parsed); a page
    that cannot be parsed is one line on stderr, and the exit code is 1 at the end.
    """
    from harvest.contract.report import print_explanation
    from harvest.normalize import normal_url
    from harvest.parse import parse_page

    if url is not None and len(files) > 1:
        raise ConfigError("--url names one page: give a single FILE with it")
    if url is not None and normal_url(url) is None:
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
    from harvest.config._loader import (
        host_pairs,
        settings_from,
    )
    from harvest.config._loader import load as load_config

    flags = {
        "seeds": urls,
        "user_agent": user_agent,
        "resolve": host_pairs(resolve, "--resolve") if resolve else None,
        "proxy": proxy,
    }
    settings = settings_from(load_config(flags, config=config))
    import asyncio

    failed = asyncio.run(_get_pages(settings, fmt))
    if failed:
        raise typer.Exit(EXIT_FAILED)


async def _get_pages(settings: Settings, fmt: OutputFormat) -> int:
    from harvest.contract.report import print_explanation
    from harvest.fetch import Fetcher
    from harvest.parse import parse_page
    from harvest.run._configure import fetch_config

    failed = 0
    async with Fetcher(fetch_config(settings)) as fetcher:
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
    from harvest.normalize import normal_url

    if name == "-":
        return sys.stdin.buffer.read()
    file = Path(name)
    if not file.exists():
        if normal_url(name) is not None or name.startswith("www."):
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
