"""What a run hands back: its folder and its manifest; and how runs are named."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote and what it counted (``manifest``: as written to its folder)."""

    run_dir: Path
    manifest: dict[str, Any]
    error_rate: float
    interrupted: str | None = None

    @property
    def drift(self) -> list[dict[str, Any]]:
        """The drift alarms raised against the last complete run (see harvest.contract._drift)."""
        alarms: list[dict[str, Any]] = self.manifest.get("drift", {}).get("alarms", [])
        return alarms


def new_run_id() -> str:
    """Sortable and unique: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
