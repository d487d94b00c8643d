"""One frozen settings object, built once (by the CLI or a library caller) and passed down."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harvest._constants import DEFAULT_USER_AGENT
from harvest.config._targets import ExportTarget, export_target
from harvest.errors import ConfigError
from harvest.normalize import host_of, is_ip_literal
from harvest.sites import DEFAULT_SEEDS, canonical_url


@dataclass(frozen=True)
class Settings:
    """Everything a crawl needs to know; validated on construction.

    Politeness defaults depend on where pages come from: live, at most
    ``per_host_concurrency`` = 2 requests at once per host, starts ``delay_s`` = 1 s
    apart; from a recorded site or WARC archive (``replay_dir``), no limit beyond
    ``concurrency``. ``archive_dir``: keep every response in WARC files there, each
    rotated at ``archive_file_bytes``.
    ``allowed_hosts`` defaults to the seeds' hosts. The state file (``state_path``)
    defaults to ``OUT/state.sqlite``; ``full`` re-fetches and re-emits every page.
    What a run asks for: discovery stops after ``stop_after_known`` listing
    pages in a row with nothing new; at most ``revisit_budget`` known pages are
    revisited, on the schedule the ``*_interval_days``, ``grow``, ``shrink`` and
    ``recency`` shape (``harvest.run._schedule``). ``sitemaps`` (and, with
    ``robots_sitemaps``, the seeds' robots.txt ``Sitemap:`` lines) say which known
    pages changed (``harvest.run._sitemap_hints``). ``clock`` (tests and benchmarks only)
    is the time the schedule takes as now. ``exports``: the exports (``harvest
    export``) refreshed after each complete run. ``proxy``: one proxy URL for http
    and https (``direct``: none; None: ``HTTP_PROXY`` ... from the environment);
    ``http2``: offer HTTP/2 on https.
    """

    seeds: tuple[str, ...] = DEFAULT_SEEDS
    out_dir: Path = Path("output")
    replay_dir: Path | None = None
    state_path: Path | None = None
    archive_dir: Path | None = None
    archive_file_bytes: int = 1024**3
    full: bool = False
    concurrency: int = 8
    per_host_concurrency: int | None = None
    delay_s: float | None = None
    timeout_s: float = 30.0
    deadline_s: float = 60.0
    attempts: int = 3
    backoff_s: float = 0.5
    retry_after_cap_s: float = 120.0
    max_body_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    max_pages: int | None = None
    max_depth: int | None = None
    max_error_rate: float = 0.05
    drift_points: float = 20.0
    fail_on_drift: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    allowed_hosts: tuple[str, ...] = ()
    resolve: tuple[tuple[str, str], ...] = ()
    obey_robots: bool = True
    stop_grace_s: float = 10.0
    parse_workers: int | None = None  # None: 1 for a live crawl, 0 (inline) on replay
    parse_timeout_s: float = 10.0
    stop_after_known: int = 1
    revisit_budget: int = 1500
    min_interval_days: float = 1.0
    max_interval_days: float = 30.0
    grow: float = 2.0
    shrink: float = 0.5
    recency: float = 0.25
    clock: datetime | None = None
    sitemaps: tuple[str, ...] = ()
    robots_sitemaps: bool = True
    exports: tuple[ExportTarget, ...] = ()
    proxy: str | None = None
    http2: bool = False

    def __post_init__(self) -> None:
        seeds = []
        for seed in self.seeds:
            url = canonical_url(seed)
            if url is None:
                raise ConfigError(f"seed is not an absolute http(s) URL: {seed!r}")
            seeds.append(url)
        if not seeds:
            raise ConfigError("no seed URL to start from")
        _check(self.concurrency >= 1, "concurrency must be at least 1")
        _check(
            self.per_host_concurrency is None or self.per_host_concurrency >= 1,
            "per-host concurrency must be at least 1",
        )
        _check(self.delay_s is None or self.delay_s >= 0, "delay must be 0 or more")
        _check(self.timeout_s > 0, "timeout must be positive")
        _check(self.deadline_s > 0, "deadline must be positive")
        _check(self.attempts >= 1, "attempts must be at least 1")
        _check(self.backoff_s >= 0, "backoff must be 0 or more")
        _check(self.retry_after_cap_s >= 0, "retry-after cap must be 0 or more")
        _check(self.max_body_bytes >= 1024, "max body must be at least 1 KiB")
        _check(self.max_redirects >= 0, "max-redirects must be 0 or more")
        _check(self.max_pages is None or self.max_pages >= 1, "max-pages must be at least 1")
        _check(self.max_depth is None or self.max_depth >= 0, "max-depth must be 0 or more")
        _check(0 <= self.max_error_rate <= 1, "max-error-rate must be between 0 and 1")
        _check(0 < self.drift_points <= 100, "drift-points must be between 0 and 100")
        _check(
            self.parse_workers is None or 0 <= self.parse_workers <= 64,
            "parse-workers must be between 0 and 64",
        )
        _check(self.parse_timeout_s > 0, "parse-timeout must be positive")
        _check(self.archive_file_bytes >= 1024**2, "archive-file-mb must be at least 1")
        _check(bool(self.user_agent.strip()), "user agent must not be empty")
        for sitemap in self.sitemaps:
            _check(
                canonical_url(sitemap) is not None, f"sitemap is not an absolute URL: {sitemap!r}"
            )
        _check(self.stop_after_known >= 1, "stop-after-known must be at least 1")
        _check(self.revisit_budget >= 0, "revisit-budget must be 0 or more")
        object.__setattr__(self, "exports", tuple(map(export_target, self.exports)))
        paths = [target.path.resolve() for target in self.exports]
        _check(len(set(paths)) == len(paths), "--export: two exports to one path")
        if self.clock is not None and self.clock.tzinfo is None:
            object.__setattr__(self, "clock", self.clock.replace(tzinfo=UTC))
        if self.proxy is not None and self.proxy.strip().lower() not in ("", "direct", "none"):
            scheme = self.proxy.split("://", 1)[0].lower() if "://" in self.proxy else ""
            _check(
                scheme in ("http", "https"),
                f"proxy must be an http:// or https:// URL (or 'direct'), not {self.proxy!r}",
            )
        for host, address in self.resolve:
            _check(bool(host) and "/" not in host, f"--resolve: not a host name: {host!r}")
            _check(is_ip_literal(address), f"--resolve: not an IP address: {address!r}")
        object.__setattr__(self, "seeds", tuple(dict.fromkeys(seeds)))
        hosts = self.allowed_hosts or tuple(h for h in map(host_of, self.seeds) if h)
        object.__setattr__(self, "allowed_hosts", tuple(dict.fromkeys(h.lower() for h in hosts)))

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
