"""Configuration: a TOML file, then ``HARVEST_*`` environment variables, then flags.

Each option has one flat name, used as the TOML key (in its section), the
environment variable (``HARVEST_`` + the name in capitals) and the CLI flag
(``--`` + the name with dashes)::

    seeds = ["https://www.rand.org/topics/security-cooperation.html"]

    [politeness]
    delay = 2.0           # HARVEST_DELAY=2, --delay 2

A key harvest does not know, or a value of the wrong type, is a ConfigError
naming it; a ``HARVEST_`` variable that is not a setting (another tool's, or a
typo) is a warning, with the closest setting's name. Relative paths in a file are taken from the
file's folder, so a config works from wherever cron starts harvest.
"""

from __future__ import annotations

import difflib
import logging
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

from harvest._constants import CONFIG_FILE
from harvest.config._declare import AWARE_TIME, ENV_PREFIX, Option
from harvest.config._settings import Settings
from harvest.errors import ConfigError

log = logging.getLogger("harvest")

# Variables that are not settings: they may be set without being options.
ENV_OTHERS = frozenset({"HARVEST_CONFIG", "HARVEST_DEBUG"})


def _options() -> tuple[Option, ...]:
    hints = get_type_hints(Settings)
    return tuple(
        Option(
            each.name,
            each.metadata["harvest"].given or hints[each.name],
            each.default,
            each.metadata["harvest"],
        )
        for each in fields(Settings)
        if "harvest" in each.metadata
    )


OPTIONS = _options()
BY_NAME = {option.name: option for option in OPTIONS}
SECTIONS = frozenset(option.section for option in OPTIONS if option.section)


@dataclass(frozen=True)
class Loaded:
    """The values given, by option name, and where each came from."""

    values: dict[str, Any]
    sources: dict[str, str]
    file: Path | None


def load(
    flags: Mapping[str, Any],
    *,
    config: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Loaded:
    """Merge the file (``config``, else ``$HARVEST_CONFIG``, else ``./harvest.toml``
    when present), the environment and the flags given (None: not given)."""
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    file = config or (Path(environ["HARVEST_CONFIG"]) if environ.get("HARVEST_CONFIG") else None)
    if file is None and (cwd / CONFIG_FILE).is_file():
        file = cwd / CONFIG_FILE
    if file is not None:
        for name, value in _read_file(file).items():
            values[name], sources[name] = value, str(file)
    for name, value in _read_env(environ).items():
        values[name], sources[name] = value, "environment"
    for name, value in flags.items():
        if value is not None:
            values[name], sources[name] = value, "command line"
    return Loaded(values, sources, file)


def settings_from(loaded: Loaded, **fixed: Any) -> Settings:
    """Build the Settings; ``fixed`` are per-run switches that are not options."""
    kwargs = {
        BY_NAME[name].field: BY_NAME[name].convert(value) for name, value in loaded.values.items()
    }
    return Settings(**kwargs, **fixed)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    found: dict[str, Any] = {}
    for section, name, value in _entries(path, data):
        option = BY_NAME.get(name)
        if option is None or option.section != section:
            key = f"{section}.{name}" if section else name
            raise ConfigError(f"{path}: unknown key {key}{_hint(name, section)}")
        found[name] = _typed(option, value, f"{path}: {option.key}")
    for name, value in found.items():
        option = BY_NAME[name]
        if option.path and not Path(value).is_absolute():
            found[name] = path.parent / value
        elif option.under is not None:
            found[name] = option.under(path.parent, value)
    return found


def _entries(path: Path, data: dict[str, Any]) -> Iterator[tuple[str | None, str, Any]]:
    """(section or None, key, value) of each setting in a parsed file."""
    for key, value in data.items():
        if key not in SECTIONS:
            yield None, key, value
        elif not isinstance(value, dict):
            raise ConfigError(f"{path}: [{key}] must be a table of settings")
        else:
            for name, inner in value.items():
                yield key, name, inner


def _read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for variable, text in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable in ENV_OTHERS:
            continue
        option = BY_NAME.get(variable[len(ENV_PREFIX) :].lower())
        if option is None:
            # Another tool's variable (HARVEST_ACCOUNT_ID ...) or a typo: said, not fatal.
            name = variable[len(ENV_PREFIX) :].lower()
            close = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=0.75)
            hint = f" (did you mean {BY_NAME[close[0]].env}?)" if close else ""
            log.warning("%s is not a harvest setting%s: ignored", variable, hint)
            continue
        found[option.name] = _typed(option, _from_text(option, text), variable)
    return found


def _from_text(option: Option, text: str) -> Any:
    """An environment string as the option's type wants it (lists: spaces or commas)."""
    if option.kind == list[str]:
        return [part for part in text.replace(",", " ").split() if part]
    if option.kind == dict[str, str]:
        return host_pairs(text.replace(",", " ").split(), option.env)
    return text


def host_pairs(texts: list[str], where: str) -> dict[str, str]:
    """``HOST=ADDRESS`` texts (``--resolve``, ``HARVEST_RESOLVE``) as a table."""
    pairs = {}
    for text in texts:
        host, sep, address = text.partition("=")
        if not sep:
            raise ConfigError(f"{where} wants HOST=ADDRESS, not {text!r}")
        pairs[host] = address
    return pairs


def _typed(option: Option, value: Any, where: str) -> Any:
    from pydantic import AwareDatetime, TypeAdapter, ValidationError  # noqa: PLC0415  # a value given

    kind = AwareDatetime if option.kind == AWARE_TIME else option.kind
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        place = ".".join(str(part) for part in error["loc"])
        detail = f" ({place})" if place else ""
        raise ConfigError(f"{where}: {error['msg'].lower()}{detail}, got {value!r}") from exc


def _hint(name: str, section: str | None) -> str:
    option = BY_NAME.get(name)
    if option is not None and option.section != section:
        return f" (did you mean {option.key}?)"
    return ""


# A config file with every option (README, tests).
EXAMPLE = """\
# harvest.toml: every key is optional; HARVEST_<KEY> and --<key> override it.
seeds = [
    "https://www.rand.org/topics/security-cooperation.html",
    "https://www.rand.org/pubs/monographs/MG115.html",
]
# replay = "fixtures/site"      # a recorded site instead of the network

[scope]
# allowed_hosts = ["www.rand.org"]   # default: the seeds' hosts
max_pages = 5000
max_depth = 3

[politeness]
concurrency = 8
per_host_concurrency = 2
delay = 1.0                      # seconds between requests to a host
user_agent = "harvest/0.1 (+mailto:data-team@example.org)"
obey_robots = true

[retries]
attempts = 3
backoff = 0.5
retry_after_cap = 120

[limits]
timeout = 30
deadline = 60
max_body_mb = 8
max_redirects = 5
max_error_rate = 0.05
parse_workers = 1                # live: 1 (0: parse inline, with no time limit)
parse_timeout = 10               # seconds a page may take to parse in a worker

[schedule]                       # what a run asks for: docs/scheduling.md
stop_after_known = 1             # listing pages in a row with nothing new before stopping
revisit_budget = 1500            # known pages revisited a run, most overdue first
min_interval_days = 1
max_interval_days = 30           # every known page is checked at least this often
grow = 2.0                       # interval x grow when a page did not change
shrink = 0.5                     # interval x shrink when it did
recency = 0.25                   # an interval is at least the publication's age x this
# sitemaps = ["https://www.rand.org/sitemap.xml"]   # lastmod makes a changed page due
robots_sitemaps = true           # also read the Sitemap: lines of the seeds' robots.txt

[alarms]
drift_points = 20                # a field's coverage dropping more than this warns
suspect_percent = 5              # more records than this (%) with a suspect value warns
fail_on_drift = false            # and with true, exits 3

[network]
# resolve = { "www.rand.org" = "127.0.0.1" }
# proxy = "http://proxy.example.org:3128"   # default: HTTP_PROXY, HTTPS_PROXY, NO_PROXY
http2 = false

[output]
out = "/var/lib/harvest/output"
state = "/var/lib/harvest/state.sqlite"
# export = ["parquet:/var/lib/harvest/export"]   # refreshed after each complete run
"""


def load_config(
    config: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    **overrides: Any,
) -> Settings:
    """The Settings the command line would build: file, environment, then ``overrides``.

    ``overrides`` are option names as in the TOML file (``max_pages=10``). A bad value
    raises ``ConfigError`` with the one-line message the CLI prints.

    >>> load_config(cwd=Path("/nonexistent"), environ={}, max_pages=5).max_pages
    5
    """
    unknown = sorted(set(overrides) - set(BY_NAME))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}")
    flags = {name: _typed(BY_NAME[name], value, name) for name, value in overrides.items()}
    return settings_from(load(flags, config=config, environ=environ, cwd=cwd))
