"""The run history under an output folder: one summary per run, from its manifest.

Every run folder with a readable ``manifest.json`` counts, whatever its outcome
(a failed run is history too); a run still going has none and is passed over.
Runs come oldest first. A manifest written by an older harvest may lack a key: a
missing count is 0, a missing time or rate is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harvest.contract._drift import MIN_SAMPLE, coverage_pairs, is_sweep
from harvest.write._run import read_manifest

# Pages by outcome, in the order the charts stack them.
PAGE_OUTCOMES = ("new", "updated", "unchanged", "removed", "skipped", "failed")
# Records by change.
CHANGES = ("new", "updated", "removed")


@dataclass(frozen=True)
class RunSummary:
    """What one run did, as the report shows it."""

    run_id: str
    started_at: datetime
    outcome: str
    full: bool
    sweep: bool  # the run saw every page the state knew (a first crawl, --full)
    duration_s: float | None
    pages: dict[str, int]  # PAGE_OUTCOMES -> pages
    records: dict[str, int]  # record kind (publication, topic, error) -> lines written
    error_rate: float | None
    max_error_rate: float | None
    coverage: dict[str, dict[str, Any]]  # page kind -> {"records": n, "fields": {name: share}}
    drift_points: float | None
    compared_with: str | None
    alarms: tuple[dict[str, Any], ...]
    largest_drop: tuple[str, str, float] | None  # (page kind, field, points) vs compared_with
    doubts: dict[str, Any]  # the manifest's suspect values and unmapped labels ({}: none)

    @property
    def total_pages(self) -> int:
        return sum(self.pages.values())

    def compares(self, kind: str) -> bool:
        """Whether the drift alarm would weigh this run's coverage of a page kind: it
        saw ``MIN_SAMPLE`` records of it, or it was a sweep."""
        records = int(self.coverage.get(kind, {}).get("records") or 0)
        return records >= MIN_SAMPLE or (self.sweep and records > 0)


def read_history(out_dir: Path) -> list[RunSummary]:
    """The runs under ``out_dir`` with a manifest, oldest first."""
    if not out_dir.is_dir():
        return []
    manifests: dict[str, dict[str, Any]] = {}
    for path in sorted(out_dir.iterdir()):
        if path.is_symlink() or not path.is_dir():
            continue
        manifest = read_manifest(path)
        if manifest is not None and _time(manifest.get("started_at")) is not None:
            manifests[path.name] = manifest
    runs = [_summary(run_id, m, manifests) for run_id, m in manifests.items()]
    return sorted(runs, key=lambda run: (run.started_at, run.run_id))


def _summary(
    run_id: str, manifest: dict[str, Any], every: Mapping[str, dict[str, Any]]
) -> RunSummary:
    counts = manifest.get("counts", {})
    count = {key: _int(counts.get(key)) for key in ("new", "updated", "unchanged", "removed")}
    pages = {
        **count,
        "skipped": _int(counts.get("skipped")),
        "failed": _int(counts.get("fetch_failed")) + _int(counts.get("parse_failed")),
    }
    drift = manifest.get("drift") or {}
    compared_with = drift.get("compared_with")
    previous = every.get(compared_with) if isinstance(compared_with, str) else None
    started = _time(manifest.get("started_at"))
    assert started is not None  # read_history keeps only these
    return RunSummary(
        run_id=run_id,
        started_at=started,
        outcome=str(manifest.get("outcome", "unknown")),
        full=bool(manifest.get("full")),
        sweep=is_sweep(manifest),
        duration_s=_float(manifest.get("duration_s")),
        pages=pages,
        records={k: _int(v) for k, v in (counts.get("records") or {}).items()},
        error_rate=_float(manifest.get("error_rate")),
        max_error_rate=_float(manifest.get("max_error_rate")),
        coverage=manifest.get("coverage") or {},
        drift_points=_float(drift.get("points")),
        compared_with=compared_with if previous is not None else None,
        alarms=tuple(drift.get("alarms") or ()),
        largest_drop=_largest_drop(manifest, previous),
        doubts=manifest.get("doubts") or {},
    )


def _largest_drop(
    manifest: dict[str, Any], previous: dict[str, Any] | None
) -> tuple[str, str, float] | None:
    """The field whose coverage fell most against the run the drift alarm compared with."""
    if previous is None:
        return None
    drops = [
        (kind, name, (before - after) * 100)
        for kind, name, before, after in coverage_pairs(manifest, previous)
    ]
    return max(drops, key=lambda drop: drop[2], default=None)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
