"""Building a run's manifest: the fields every run has, from its counts and writer.

A crawl (``harvest.run._runner``), a reparse (``harvest.run._reparse``) and a dead
run published by the next one (``harvest.run._recovery``) all build their
``harvest.manifest.Manifest`` here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from harvest._version import __version__
from harvest.errors import CHANGES, FetchOutcome, RunOutcome
from harvest.manifest import Counts, Manifest, Politeness, Timings
from harvest.models import SCHEMA_VERSION, utc_text
from harvest.run._configure import fetch_config
from harvest.run._stats import RunStats
from harvest.state import RunRow
from harvest.write import FILES, RunWriter

if TYPE_CHECKING:  # a reparse builds its manifest here without loading the crawl
    from harvest.fetch import Fetcher
    from harvest.run._loop import CrawlLoop

RECOVERED_NOTE = (
    "This run ended without publishing (killed or failed); the next run "
    "published what it had checkpointed. Its other pages were left to the next run."
)


def run_manifest(
    stats: RunStats,
    writer: RunWriter,
    *,
    outcome: RunOutcome,
    interrupted_by: str | None,
    max_error_rate: float,
    counts: dict[str, Any],
    **sections: Any,
) -> Manifest:
    """The manifest of a run that ends now: the fields every run has, its ``counts``
    beside the pages and records, and the ``sections`` of its kind."""
    finished = datetime.now(UTC)
    duration = (finished - stats.started_at).total_seconds()
    return Manifest(
        run_id=writer.run_id,
        harvest_version=__version__,
        schema_version=SCHEMA_VERSION,
        outcome=outcome,
        interrupted_by=interrupted_by,
        started_at=utc_text(stats.started_at),
        finished_at=utc_text(finished),
        duration_s=round(duration, 3),
        counts=Counts(pages=stats.pages, records=writer.counts(), **counts),
        failures=dict(sorted(stats.failures.items())),
        error_rate=round(stats.error_rate, 4),
        max_error_rate=max_error_rate,
        coverage=stats.coverage(),
        doubts=stats.doubts.section(),
        pages_per_s=round(stats.pages / duration, 2) if duration > 0 else None,
        files=dict(FILES),
        **sections,
    )


def crawl_manifest(run: CrawlLoop, fetcher: Fetcher, recovered: list[dict[str, Any]]) -> Manifest:
    """The manifest of a crawl that ends now; ``recovered``: the dead runs it published."""
    stats, settings, frontier = run.stats, run.settings, run.frontier
    config = fetch_config(settings)
    return run_manifest(
        stats,
        run.writer,
        outcome=run.outcome(),
        interrupted_by=run.interrupted,
        max_error_rate=settings.max_error_rate,
        counts={
            "fetched": stats.fetched,
            **stats.page_counts(),
            "duplicates": stats.duplicates,
            "empty_pages": stats.empty_pages,
            "unfinished": len(run.unfinished),
            "out_of_scope_links": frontier.out_of_scope,
            "over_limit_links": frontier.over_limits,
        },
        config_digest=settings.config_digest,
        seeds=list(settings.seeds),
        source=str(settings.replay_dir) if settings.replay_dir else "live",
        state=str(settings.state_file),
        config=run.config,
        full=settings.full,
        resumed_pages=run.resumed,
        plan=frontier.stats.summary(frontier.plan, run.state.unvisited())
        | {"sitemaps": run.sitemaps.summary() if run.sitemaps else None},
        recovered_runs=recovered,
        skipped=dict(sorted(stats.skipped.items())),
        removed_urls=stats.removed,
        fetch={**fetcher.stats.summary(), "host_delays_s": fetcher.host_delays()},
        timings_s=Timings(fetch=round(fetcher.stats.seconds, 3), parse=round(stats.parse_s, 3)),
        politeness=Politeness(
            user_agent=config.user_agent,
            concurrency=config.concurrency,
            per_host_concurrency=config.per_host_concurrency,
            delay_s=config.delay_s,
            parse_workers=settings.parse_processes,
            allowed_hosts=sorted(config.allowed_hosts),
            obey_robots=config.obey_robots,
        ),
        unfinished_urls=run.unfinished,
    )


def recovered_manifest(
    row: RunRow, outcome: RunOutcome, recovered_at: str, pages: dict[str, int], by: str
) -> Manifest:
    """The manifest of a dead run, published by run ``by``: its pages by their outcome
    in the state; its records are counted when its files are cut back."""
    return Manifest(
        run_id=row.run_id,
        harvest_version=__version__,
        schema_version=SCHEMA_VERSION,
        outcome=outcome,
        recovered_by=by,
        config_digest=row.config_digest,
        started_at=row.started_at,
        finished_at=None,
        recovered_at=recovered_at,
        counts=Counts(
            pages=sum(n for key, n in pages.items() if key != FetchOutcome.DUPLICATE),
            changes={key: pages.get(key, 0) for key in CHANGES},
            outcomes=dict(sorted(pages.items())),
            records={},
        ),
        files=dict(FILES),
        note=RECOVERED_NOTE,
    )
