"""One frozen settings object, built once (by the CLI or a library caller) and passed down.

Each option is declared once, as a field below (``setting(...)``, see ``_declare``):
its TOML key and section, type, default, help and rule. The loader, the ``crawl``
command's flags and the table in ``docs/configuration.md`` are made from them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harvest._constants import DEFAULT_USER_AGENT
from harvest.config._declare import (
    ARGUMENTS,
    AWARE_TIME,
    MIB,
    NO_FLAG,
    Rule,
    at_least,
    between,
    check_rules,
    export_targets,
    exports_under,
    host_table,
    mib_to_bytes,
    positive,
    proxy_ok,
    setting,
)
from harvest.config._targets import ExportTarget, export_target
from harvest.errors import ConfigError
from harvest.normalize import host_of, is_ip_literal
from harvest.sites import DEFAULT_SEEDS, canonical_url


@dataclass(frozen=True)
class Settings:
    """Everything a crawl needs to know; validated on construction.

    The options are declared below, one field each; ``full`` (re-fetch and re-emit
    every page) and ``stop_grace_s`` are per-run switches, not options.
    """

    seeds: tuple[str, ...] = setting(
        DEFAULT_SEEDS,
        None,
        "Where a crawl pass starts.",
        given=list[str],
        convert=tuple,
        doc_type="list of URLs",
        shown="MG115 and the security-cooperation topic",
        flag=ARGUMENTS,
    )
    replay_dir: Path | None = setting(
        None,
        None,
        "Serve pages from a recorded site folder, or from WARC files (a file, or a folder "
        "of them), instead of the network.",
        key="replay",
        shown="none (live)",
        path=True,
    )
    allowed_hosts: tuple[str, ...] = setting(
        (),
        "scope",
        "Hosts a crawl (and a redirect) may visit.",
        given=list[str],
        convert=tuple,
        doc_type="list",
        shown="the seeds' hosts",
        flag="--allow-host",
        metavar="HOST",
    )
    max_pages: int | None = setting(
        None, "scope", "Fetch at most this many pages a crawl pass.", rule=at_least(1)
    )
    max_depth: int | None = setting(
        None, "scope", "Follow links at most this many steps from a seed.", rule=at_least(0)
    )
    concurrency: int = setting(
        8, "politeness", "Requests in flight at once, in all.", rule=at_least(1)
    )
    per_host_concurrency: int | None = setting(
        None,
        "politeness",
        "Requests in flight at once to one host.",
        shown="2 live, `concurrency` on replay",
        rule=at_least(1),
    )
    delay_s: float | None = setting(
        None,
        "politeness",
        "Seconds between request starts on one host; robots.txt Crawl-delay can raise it.",
        key="delay",
        shown="1 live, 0 on replay",
        rule=at_least(0),
    )
    user_agent: str = setting(
        DEFAULT_USER_AGENT,
        "politeness",
        "User-Agent sent, with a contact URL or address.",
        shown="`harvest/VERSION (+URL; research-data crawler)`",
        metavar="TEXT",
        rule=Rule(lambda text: bool(text.strip()), "not be empty"),
    )
    obey_robots: bool = setting(True, "politeness", "Read and obey robots.txt.", flag=NO_FLAG)
    attempts: int = setting(3, "retries", "Tries per request (retries + 1).", rule=at_least(1))
    backoff_s: float = setting(
        0.5,
        "retries",
        "Base of the exponential backoff (full jitter), seconds.",
        key="backoff",
        flag=NO_FLAG,
        rule=at_least(0),
    )
    retry_after_cap_s: float = setting(
        120.0,
        "retries",
        "Longest Retry-After honored, seconds; longer gives up.",
        key="retry_after_cap",
        rule=at_least(0),
    )
    timeout_s: float = setting(
        30.0,
        "limits",
        "Connect and read timeout, seconds.",
        key="timeout",
        rule=positive(),
    )
    deadline_s: float = setting(
        60.0,
        "limits",
        "Total time one request may take, body included, seconds.",
        key="deadline",
        rule=positive(),
    )
    max_body_bytes: int = setting(
        8 * MIB,
        "limits",
        "Largest body kept, MiB, after decompression.",
        key="max_body_mb",
        given=float,
        convert=mib_to_bytes,
        doc_type="float, MiB",
        shown="8",
        rule=Rule(lambda size: size >= 1024, "be at least 1 KiB"),
    )
    max_redirects: int = setting(5, "limits", "Redirect hops followed per page.", rule=at_least(0))
    max_error_rate: float = setting(
        0.05,
        "limits",
        "Exit 1 when more than this share of pages failed.",
        doc_type="float 0–1",
        rule=between(0, 1),
    )
    parse_workers: int | None = setting(
        None,
        "limits",
        "Processes that parse pages off the network loop, under parse_timeout (0: inline).",
        more="A fast crawl: the number of cores; 0: inline, with no time limit; see below.",
        shown="1 live, 0 on replay",
        rule=between(0, 64),
    )
    parse_timeout_s: float = setting(
        10.0,
        "limits",
        "Seconds a page may take to parse in a worker; past it: parse_timeout.",
        more="The page becomes a `parse_timeout` error record; the worker is killed and replaced.",
        key="parse_timeout",
        rule=positive(),
    )
    stop_after_known: int = setting(
        1,
        "schedule",
        "Stop a listing walk after this many pages in a row with nothing new.",
        more="Nothing new: no entry the state did not know ([scheduling](scheduling.md)).",
        rule=at_least(1),
    )
    revisit_budget: int = setting(
        1500,
        "schedule",
        "Known pages asked again a run, most overdue first (0: discovery only).",
        rule=at_least(0),
    )
    min_interval_days: float = setting(
        1.0, "schedule", "Shortest revisit interval, days.", doc_type="float, days", flag=NO_FLAG
    )
    max_interval_days: float = setting(
        30.0,
        "schedule",
        "Longest revisit interval, days.",
        more="Every known page is checked at least this often, budget permitting.",
        doc_type="float, days",
        flag=NO_FLAG,
    )
    grow: float = setting(
        2.0, "schedule", "An unchanged page's interval is multiplied by this.", flag=NO_FLAG
    )
    shrink: float = setting(
        0.5, "schedule", "A changed page's interval is multiplied by this.", flag=NO_FLAG
    )
    recency: float = setting(
        0.25,
        "schedule",
        "An interval is at least the publication's age times this.",
        more="New publications come back sooner.",
        flag=NO_FLAG,
    )
    sitemaps: tuple[str, ...] = setting(
        (),
        "schedule",
        "Sitemaps (urlset or index, gzip or not) read at the start of a pass.",
        more="A `lastmod` later than a known page's last check makes it due first; pages "
        "they list that the state does not know are discovered.",
        given=list[str],
        convert=tuple,
        doc_type="list of URLs",
        flag=NO_FLAG,
        rule=Rule(lambda urls: all(canonical_url(url) for url in urls), "be absolute URLs"),
    )
    robots_sitemaps: bool = setting(
        True, "schedule", "Also read the Sitemap: lines of the seeds' robots.txt.", flag=NO_FLAG
    )
    clock: datetime | None = setting(
        None,
        "schedule",
        "Tests and benchmarks only: the time the schedule takes as now.",
        more="`HARVEST_CLOCK=2026-01-01T02:30:00Z`.",
        given=AWARE_TIME,
        doc_type="UTC time",
        shown="now",
        flag=NO_FLAG,
    )
    drift_points: float = setting(
        20.0,
        "alarms",
        "Warn when a field's coverage drops by more than this many points.",
        more="Against the last complete run.",
        doc_type="float, points",
        rule=between(0, 100, open_low=True),
    )
    suspect_percent: float = setting(
        5.0,
        "alarms",
        "Ring the drift alarm when more than this share (%) of the records a run parsed "
        "hold a suspect value.",
        more="A value that breaks its field's plausibility rule ([records](records.md)); "
        "100: never.",
        doc_type="float, %",
        rule=between(0, 100),
    )
    fail_on_drift: bool = setting(
        False,
        "alarms",
        "Exit 3 when the drift alarm rings (coverage or record counts dropped against the "
        "last complete run, pages gave no record, or too many records hold suspect values).",
    )
    resolve: tuple[tuple[str, str], ...] = setting(
        (),
        "network",
        "HOST=ADDRESS: connect to ADDRESS for HOST, as curl --resolve (repeat); such a host "
        "may be on a private address.",
        given=dict[str, str],
        convert=host_table,
        doc_type="table host = address",
        metavar="HOST=ADDRESS",
    )
    proxy: str | None = setting(
        None,
        "network",
        "Proxy URL for http and https (http://HOST:PORT; 'direct': none).",
        more="https targets are tunnelled with CONNECT; `http://user:pass@HOST:PORT` for "
        "basic auth. Unset: `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (either "
        "case), as curl reads them. The proxy may be on a private address; it resolves the "
        "targets' names ([fetching](fetching.md)).",
        doc_type="URL",
        shown="the environment's",
        metavar="URL",
        rule=Rule(proxy_ok, "be an http:// or https:// URL (or 'direct')"),
    )
    http2: bool = setting(False, "network", "Offer HTTP/2 on https (the server chooses).")
    out_dir: Path = setting(
        Path("output"),
        "output",
        "Folder for the runs' output.",
        key="out",
        shown="`output`",
        path=True,
    )
    state_path: Path | None = setting(
        None,
        "output",
        "State file (incremental runs, resume, lock).",
        key="state",
        shown="`OUT/state.sqlite`",
        path=True,
    )
    archive_dir: Path | None = setting(
        None,
        "output",
        "Keep every response (request, headers, body) in WARC files in this folder.",
        more="Files `harvest-RUN_ID-NNNNN.warc.gz`; read back by `harvest reparse` and `--replay`.",
        key="archive",
        path=True,
    )
    archive_file_bytes: int = setting(
        1024 * MIB,
        "output",
        "Start a new WARC file past this size, MiB.",
        key="archive_file_mb",
        given=float,
        convert=mib_to_bytes,
        doc_type="float, MiB",
        shown="1024",
        rule=Rule(lambda size: size >= MIB, "be at least 1"),
    )
    exports: tuple[ExportTarget, ...] = setting(
        (),
        "output",
        "FORMAT:PATH: after each complete run, refresh this export of the current picture, "
        "as harvest export --format FORMAT --to PATH does (repeat).",
        more="Formats `parquet`, `duckdb`, `csv`, `jsonl`; a relative PATH is taken from the "
        "config file's folder ([records](records.md#exporting-tables-harvest-export)).",
        key="export",
        given=list[str],
        convert=export_targets,
        doc_type="list of `FORMAT:PATH`",
        flag="--export",
        metavar="FORMAT:PATH",
        under=exports_under,
    )
    # Per-run switches and internals: not options.
    full: bool = False
    stop_grace_s: float = 10.0

    def __post_init__(self) -> None:
        check_rules(self)
        seeds = []
        for seed in self.seeds:
            url = canonical_url(seed)
            if url is None:
                raise ConfigError(f"seed is not an absolute http(s) URL: {seed!r}")
            seeds.append(url)
        if not seeds:
            raise ConfigError("no seed URL to start from")
        self._set("seeds", tuple(dict.fromkeys(seeds)))
        self._set("exports", tuple(map(export_target, self.exports)))
        paths = [target.path.resolve() for target in self.exports]
        _check(len(set(paths)) == len(paths), "--export: two exports to one path")
        if self.clock is not None and self.clock.tzinfo is None:
            self._set("clock", self.clock.replace(tzinfo=UTC))
        for host, address in self.resolve:
            _check(bool(host) and "/" not in host, f"--resolve: not a host name: {host!r}")
            _check(is_ip_literal(address), f"--resolve: not an IP address: {address!r}")
        hosts = self.allowed_hosts or tuple(h for h in map(host_of, self.seeds) if h)
        self._set("allowed_hosts", tuple(dict.fromkeys(h.lower() for h in hosts)))

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)  # frozen: values are normalized once, here

    @property
    def parse_processes(self) -> int:
        """Parse worker processes: as set, else 1 for a live crawl (its pages, which
        anyone can write, are parsed under the time limit) and 0 on replay."""
        if self.parse_workers is not None:
            return self.parse_workers
        return 1 if self.replay_dir is None else 0

    @property
    def state_file(self) -> Path:
        return self.state_path or self.out_dir / "state.sqlite"

    @property
    def config_digest(self) -> str:
        """Names what a run harvests (seeds, scope, limits, source), not how fast.

        Runs of one digest are comparable (drift), and a crawl pass left
        unfinished is resumed only by a run of the same digest.
        """
        scope = {
            "seeds": sorted(self.seeds),
            "allowed_hosts": sorted(self.allowed_hosts),
            "max_pages": self.max_pages,
            "max_depth": self.max_depth,
            "source": str(self.replay_dir.resolve()) if self.replay_dir else "live",
        }
        text = json.dumps(scope, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)
