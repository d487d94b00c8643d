"""Building a run's manifest: the fields every run has, from its counts and writer.

A crawl (``harvest.run._runner``), a reparse (``harvest.run._reparse``) and a dead
run published by the next one (``harvest.run._recovery``) all build their
``harvest.manifest.Manifest`` here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from harvest._version import __version__
from harvest.errors import CHANGES, FetchOutcome, RunOutcome
from harvest.manifest import Counts, Manifest
from harvest.models import SCHEMA_VERSION, utc_text
from harvest.run._stats import RunStats
from harvest.state import RunRow
from harvest.write import FILES, RunWriter

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
        pages_per_s=round(stats.pages / duration, 2) if duration > 0 else None,
        files=dict(FILES),
        **sections,
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
