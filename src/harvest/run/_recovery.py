"""Finishing runs that died: what they checkpointed is published, nothing twice.

A run that is killed (SIGKILL, a crash, the machine going down) leaves its row in
the state marked ``running``, its output in hidden part files, and, for each page
it finished, the number of bytes of each file that page's checkpoint covers. The
next run, once it holds the lock, cuts each part file back to the last
checkpoint (no partial line, no line of a page the state does not know as done)
and publishes the folder with ``"outcome": "killed"``. The pages it finished are
done; the rest of its crawl pass is left to the new run.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harvest.errors import PageOutcome, RunOutcome
from harvest.models import utc_text
from harvest.run._manifest import recovered_manifest
from harvest.state import RunRow, State
from harvest.write import FILES
from harvest.write._run import point_latest, read_manifest, recover_run

log = logging.getLogger("harvest")


def recover_dead_runs(state: State, by: str) -> list[dict[str, Any]]:
    """Publish every run the state says is running (its process is gone: we hold the lock)."""
    return [recover(state, row, by) for row in state.running()]


def recover(
    state: State, row: RunRow, by: str, outcome: RunOutcome = RunOutcome.KILLED
) -> dict[str, Any]:
    """Publish one dead run's checkpointed output; a summary for the new run's manifest."""
    run_dir = Path(row.out_dir) / row.run_id
    finished = utc_text(datetime.now(UTC))
    published = read_manifest(run_dir)
    if published is not None:  # it died after publishing, before saying so
        ended = str(published.get("outcome"))
        done = ended == RunOutcome.COMPLETE
        state.end_run(row.run_id, ended, finished, published, pass_done=done)
        if done:
            point_latest(run_dir.parent, row.run_id)
        return {"run_id": row.run_id, "outcome": published.get("outcome"), "published": True}
    pages = state.run_outcomes(row.run_id)
    if not pages:  # died before finishing a page: nothing to publish
        shutil.rmtree(run_dir, ignore_errors=True)
        state.end_run(row.run_id, outcome, finished, None)
        log.warning("run %s died before finishing a page; nothing to recover", row.run_id)
        return {"run_id": row.run_id, "outcome": outcome, "published": False, "pages": 0}
    manifest = recovered_manifest(row, outcome, finished, pages, by).to_json()
    intact = recover_run(run_dir, state.run_files(row.run_id), manifest)
    if not intact:
        _reopen_lost(state, row.run_id, run_dir)
    state.end_run(row.run_id, outcome, finished, manifest)
    records, total = manifest["counts"]["records"], sum(pages.values())
    log.warning(
        "run %s ended without publishing (%s); published the %d pages it had finished "
        "(%d publications, %d topics) in %s",
        row.run_id,
        outcome,
        total,
        records["publication"],
        records["topic"],
        run_dir,
        extra={"event": "run_recovered", "run_id": row.run_id},
    )
    return {"run_id": row.run_id, "outcome": outcome, "published": True, "pages": total}


def _reopen_lost(state: State, run_id: str, run_dir: Path) -> None:
    """Lines lost with the machine: forget their records and fetch those pages again."""
    kept: set[str] = set()
    for name in FILES.values():
        with (run_dir / name).open("rb") as fh:
            for line in fh:
                url = json.loads(line).get("url")
                kept.add(url)
    lost = [
        url
        for url, outcome in state.pages_done_by(run_id)
        if outcome in (PageOutcome.NEW, PageOutcome.UPDATED) and url not in kept
    ]
    log.warning("run %s lost %d lines with the machine: fetching them again", run_id, len(lost))
    state.forget_records(lost)
    state.reopen_pages(run_id, lost)
