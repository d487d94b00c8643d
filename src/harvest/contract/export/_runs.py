"""Which run folders an export reads: the published ones, oldest first.

A run folder counts when it has a readable ``manifest.json`` (it was published)
whose outcome is ``complete``, ``interrupted`` or ``killed``: their records are
real. A ``failed`` run, a run still going (no manifest), the ``latest`` link and
any other folder under ``--out`` (an export, say) are passed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harvest.errors import ConfigError, RunOutcome
from harvest.write._run import FILES, read_manifest

USABLE = frozenset({RunOutcome.COMPLETE, RunOutcome.INTERRUPTED, RunOutcome.KILLED})


@dataclass(frozen=True)
class Run:
    """One published run folder, as its manifest describes it."""

    run_id: str
    dir: Path
    outcome: str
    started_at: datetime
    finished_at: datetime | None
    schema_version: str | None

    def file(self, kind: str) -> Path:
        """The run's JSONL file of a record kind (``publication``, ``topic``, ``error``)."""
        return self.dir / FILES[kind]


def find_runs(
    out_dir: Path, as_of: datetime | None = None, *, usable_only: bool = True
) -> list[Run]:
    """The usable runs under ``out_dir`` started at or before ``as_of``, oldest first
    (``usable_only`` False: every published run, failed ones too).

    Ordered by start time, then run id: a run id holds its start time to the second
    only, and two runs can start in the same second.
    """
    if not out_dir.is_dir():
        return []
    runs = []
    for path in sorted(out_dir.iterdir()):
        if path.is_symlink() or not path.is_dir():
            continue
        run = _run_of(path, read_manifest(path), usable_only)
        if run is not None and (as_of is None or run.started_at <= as_of):
            runs.append(run)
    return sorted(runs, key=lambda run: (run.started_at, run.run_id))


def _run_of(path: Path, manifest: dict[str, Any] | None, usable_only: bool = True) -> Run | None:
    if manifest is None or (usable_only and manifest.get("outcome") not in USABLE):
        return None
    started = _time(manifest.get("started_at"))
    if started is None:
        return None
    return Run(
        run_id=path.name,
        dir=path,
        outcome=str(manifest.get("outcome")),
        started_at=started,
        finished_at=_time(manifest.get("finished_at")),
        schema_version=manifest.get("schema_version"),
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_as_of(text: str | None) -> datetime | None:
    """``--as-of``: an ISO 8601 time (a date alone is its midnight; no zone is UTC).

    >>> parse_as_of("2026-11-23T18:49:13Z").isoformat()
    '2026-11-23T18:49:13+00:00'
    >>> parse_as_of("2026-11-23").isoformat()
    '2026-11-23T00:00:00+00:00'
    """
    if text is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ConfigError(
            f"--as-of wants an ISO 8601 time such as 2026-11-23T18:49:13Z, not {text!r}"
        ) from None
