"""The ``runs`` and ``run_files`` tables: each run's start, end and manifest, and the
bytes of each output file a run not yet published has checkpointed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvest.errors import RunOutcome
from harvest.state._db import Database


@dataclass(frozen=True)
class RunRow:
    run_id: str
    started_at: str
    outcome: str
    config_digest: str
    pid: int | None
    out_dir: str
    manifest: dict[str, Any] | None


class RunsTable(Database):
    """The runs of this state file."""

    def begin_run(
        self, run_id: str, started_at: str, config_digest: str, pid: int, out_dir: Path
    ) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO runs (run_id, started_at, outcome, config_digest, pid, out_dir)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, started_at, RunOutcome.RUNNING, config_digest, pid, str(out_dir)),
            )

    def end_run(
        self,
        run_id: str,
        outcome: str,
        finished_at: str,
        manifest: dict[str, Any] | None,
        *,
        pass_done: bool = False,
    ) -> None:
        """Record how a run ended; ``pass_done`` also clears the finished crawl pass."""
        counts = json.dumps(manifest.get("counts")) if manifest else None
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET outcome = ?, finished_at = ?, counts = ?, manifest = ?"
                " WHERE run_id = ?",
                (outcome, finished_at, counts, json.dumps(manifest) if manifest else None, run_id),
            )
            self.db.execute("DELETE FROM run_files WHERE run_id = ?", (run_id,))
            if pass_done:
                self.db.execute("DELETE FROM frontier")
                self.db.execute("DELETE FROM meta WHERE key IN ('pass_digest', 'pass_revisits')")

    def running(self) -> list[RunRow]:
        """Runs that started and never ended: their process died."""
        return self._runs("WHERE outcome = ?", (RunOutcome.RUNNING,))

    def last_run(
        self, config_digest: str, outcomes: tuple[str, ...] = (RunOutcome.COMPLETE,)
    ) -> RunRow | None:
        """The newest run of this configuration that ended with one of ``outcomes``."""
        marks = ",".join("?" * len(outcomes))
        rows = self._runs(
            f"WHERE config_digest = ? AND outcome IN ({marks}) ORDER BY started_at DESC LIMIT 1",
            (config_digest, *outcomes),
        )
        return rows[0] if rows else None

    def run(self, run_id: str) -> RunRow | None:
        rows = self._runs("WHERE run_id = ?", (run_id,))
        return rows[0] if rows else None

    def _runs(self, where: str, args: tuple[Any, ...] = ()) -> list[RunRow]:
        rows = self.db.execute(
            "SELECT run_id, started_at, outcome, config_digest, pid, out_dir, manifest"
            f" FROM runs {where}",
            args,
        ).fetchall()
        return [
            RunRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None)
            for r in rows
        ]

    def run_files(self, run_id: str) -> dict[str, int]:
        """Bytes committed to each output file of an unpublished run."""
        rows = self.db.execute("SELECT file, bytes FROM run_files WHERE run_id = ?", (run_id,))
        return dict(rows.fetchall())

    def run_outcomes(self, run_id: str) -> dict[str, int]:
        """How the pages a run finished ended, counted (for a recovered run's manifest)."""
        rows = self.db.execute(
            "SELECT outcome, count(*) FROM frontier WHERE done_run = ? GROUP BY outcome",
            (run_id,),
        )
        return dict(rows.fetchall())

    def pages_done_by(self, run_id: str) -> list[tuple[str, str]]:
        """(url, outcome) of each page a run finished."""
        rows = self.db.execute("SELECT url, outcome FROM frontier WHERE done_run = ?", (run_id,))
        return list(rows.fetchall())
