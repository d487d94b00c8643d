"""The figures: what a crawler run measured, summaries over repeats, targets, Markdown.

Also the machine facts to record with them. No processes here; ``run.py`` makes the runs.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: procstat

from procstat import cpu_model

CRAWLERS = ("harvest", "scrapy")


@dataclass(frozen=True)
class Options:
    """The benchmark's parameters, from the command line."""

    pages: int
    per_page: int
    concurrency: int
    latencies_ms: tuple[float, ...]
    repeat: int
    crawlers: tuple[str, ...]
    json_path: Path | None
    keep: bool
    parse_workers: int = 1

    @property
    def listings(self) -> int:
        return -(-self.pages // self.per_page)

    @property
    def site_pages(self) -> int:
        """Pages a complete crawl fetches: products and listings (robots.txt not counted)."""
        return self.pages + self.listings


@dataclass(frozen=True)
class Run:
    """Which crawler, at which latency, which repeat."""

    crawler: str
    latency_ms: float
    repeat: int

    @property
    def name(self) -> str:
        """The run's file names: ``harvest-50ms-1``."""
        return f"{self.crawler}-{self.latency_ms:g}ms-{self.repeat}"


@dataclass(frozen=True)
class Outcome:
    """One crawler run."""

    crawler: str
    latency_ms: float
    repeat: int
    records: int
    pages: int
    crawl_s: float
    wall_s: float
    peak_rss_mib: float
    rss_floor_mib: float
    requests: int
    not_found: int
    peak_tree_rss_mib: float = 0.0
    cpu_s: float = 0.0  # the crawler's processes, start-up included

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.crawl_s

    @property
    def wall_pages_per_s(self) -> float:
        return self.pages / self.wall_s


# -- figures -----------------------------------------------------------------------------


def latency_bound(options: Options, latency_ms: float) -> float | None:
    """concurrency / latency: the most pages/s any crawler can get (None without latency)."""
    return options.concurrency / (latency_ms / 1000) if latency_ms > 0 else None


def shape_bound(options: Options, latency_ms: float) -> float | None:
    """The most pages/s the site's shape allows at this latency and concurrency.

    Listing k+1 is known only once listing k has arrived, so a crawl takes at least
    (listings + 1) x latency whatever the concurrency; and at least pages x latency /
    concurrency whatever the shape. Below the latency bound when the listings are many.
    """
    if latency_ms <= 0:
        return None
    seconds = latency_ms / 1000
    least_s = max(
        (options.listings + 1) * seconds, options.site_pages * seconds / options.concurrency
    )
    return options.site_pages / least_s


def summarize(outcomes: list[Outcome], options: Options) -> list[dict[str, Any]]:
    """Per latency and crawler: medians over repeats, peak RSS the highest seen."""
    rows = []
    for latency in options.latencies_ms:
        for crawler in options.crawlers:
            runs = [o for o in outcomes if o.crawler == crawler and o.latency_ms == latency]
            if not runs:
                continue
            bound = latency_bound(options, latency)
            rate = statistics.median(o.pages_per_s for o in runs)
            rows.append(
                {
                    "crawler": crawler,
                    "latency_ms": latency,
                    "runs": len(runs),
                    "pages": runs[0].pages,
                    "records": runs[0].records,
                    "pages_per_s": round(rate, 1),
                    "wall_pages_per_s": round(
                        statistics.median(o.wall_pages_per_s for o in runs), 1
                    ),
                    "crawl_s": round(statistics.median(o.crawl_s for o in runs), 3),
                    "wall_s": round(statistics.median(o.wall_s for o in runs), 3),
                    "peak_rss_mib": round(max(o.peak_rss_mib for o in runs), 1),
                    "peak_tree_rss_mib": round(max(o.peak_tree_rss_mib for o in runs), 1),
                    "cpu_ms_per_page": round(statistics.median(o.cpu_ms_per_page for o in runs), 3),
                    "latency_bound": bound,
                    "percent_of_bound": round(100 * rate / bound, 1) if bound else None,
                    "shape_bound": _rounded(shape_bound(options, latency)),
                }
            )
    return rows


def targets(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """harvest against Scrapy (at least as fast) and against the latency bound (80 %)."""
    found = []
    for latency in sorted({row["latency_ms"] for row in summary}, reverse=True):
        rows = {row["crawler"]: row for row in summary if row["latency_ms"] == latency}
        harvest, scrapy = rows.get("harvest"), rows.get("scrapy")
        if harvest and scrapy:
            ratio = harvest["pages_per_s"] / scrapy["pages_per_s"]
            found.append(
                {
                    "latency_ms": latency,
                    "target": "harvest >= Scrapy",
                    "value": round(ratio, 2),
                    "met": ratio >= 1,
                }
            )
        if harvest and harvest["percent_of_bound"] is not None:
            percent = harvest["percent_of_bound"]
            found.append(
                {
                    "latency_ms": latency,
                    "target": "harvest >= 80% of bound",
                    "value": percent,
                    "met": percent >= 80,
                }
            )
    return found


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


# -- reporting ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The facts to record with the figures."""
    return {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        **{f"{name}_version": _version(name) for name in ("harvest", "scrapy", "twisted", "httpx")},
    }


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def markdown(summary: list[dict[str, Any]], found: list[dict[str, Any]], options: Options) -> str:
    """The results as Markdown tables."""
    header = (
        "| crawler | latency | pages | pages/s (crawl) | pages/s (wall) | peak RSS MiB "
        "| peak PSS, process tree MiB | CPU ms a page "
        "| % of latency bound | latency bound | site-shape bound |"
    )
    lines = [
        f"{options.pages} product pages + {options.listings} listing pages, concurrency "
        f"{options.concurrency}, median of {options.repeat} run(s)",
        "",
        header,
        "|---" * (header.count("|") - 1) + "|",
    ]
    for row in summary:
        lines.append(
            f"| {row['crawler']} | {row['latency_ms']:g} ms | {row['pages']} "
            f"| {row['pages_per_s']:.0f} | {row['wall_pages_per_s']:.0f} "
            f"| {row['peak_rss_mib']:.0f} | {row['peak_tree_rss_mib']:.0f} "
            f"| {row.get('cpu_ms_per_page', 0):.2f} "
            f"| {_cell(row['percent_of_bound'], '%')} | {_cell(row['latency_bound'])} "
            f"| {_cell(row['shape_bound'])} |"
        )
    if found:
        lines += ["", "| latency | target | value | met |", "|---|---|---|---|"]
        for item in found:
            lines.append(
                f"| {item['latency_ms']:g} ms | {item['target']} | {item['value']} "
                f"| {'yes' if item['met'] else 'no'} |"
            )
    return "\n".join(lines)


def _cell(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.0f}{unit}"
