"""``harvest runs prune``: remove old run folders, never one the current picture needs.

The current picture is the latest record of each page across the runs, less the
pages whose latest event is a removal (``harvest.contract.export``). A run is *needed* when it
holds one of those latest records, or the latest removal of a page (without it, an
older record of the page would come back). Of the runs not needed, those past
``keep`` (the newest ``keep`` are kept) or older than ``older_than`` go; the run
``latest`` points to, and run folders without a manifest (a run still going), stay.
A folder is renamed aside before it is deleted, so no half-deleted folder ever
looks like a run.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from harvest.contract.export._runs import Run, find_runs
from harvest.errors import ConfigError, WriteError

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> timedelta:
    """``--older-than``: a number and a unit, s m h d or w.

    >>> parse_age("30d"), parse_age("12h")
    (datetime.timedelta(days=30), datetime.timedelta(seconds=43200))
    """
    found = _AGE.match(text)
    if found is None:
        raise ConfigError(f"--older-than wants an age such as 30d, 12h or 2w, not {text!r}")
    return timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])


@dataclass(frozen=True)
class PrunePlan:
    """Which runs go, and which stay and why."""

    remove: tuple[Run, ...]
    needed: tuple[Run, ...]  # past the limits, kept: the current picture needs them
    kept: tuple[Run, ...]  # within the limits


def plan_prune(
    out_dir: Path, *, keep: int | None, older_than: timedelta | None, now: datetime
) -> PrunePlan:
    """What ``prune`` would do; nothing is changed."""
    if keep is None and older_than is None:
        raise ConfigError("runs prune needs --keep N or --older-than AGE (or both)")
    if keep is not None and keep < 1:
        raise ConfigError("--keep must be at least 1")
    runs = find_runs(out_dir, usable_only=False)
    latest = (out_dir / "latest").resolve().name if (out_dir / "latest").is_symlink() else None
    newest_first = sorted(runs, key=lambda run: (run.started_at, run.run_id), reverse=True)
    within = {
        run.run_id
        for position, run in enumerate(newest_first)
        if run.run_id == latest
        or not (
            (keep is not None and position >= keep)
            or (older_than is not None and now - run.started_at > older_than)
        )
    }
    needed = _needed(out_dir, within)
    return PrunePlan(
        remove=tuple(r for r in newest_first if r.run_id not in within | needed),
        needed=tuple(r for r in newest_first if r.run_id in needed - within),
        kept=tuple(r for r in newest_first if r.run_id in within),
    )


@dataclass(frozen=True)
class _Events:
    latest: set[str]  # runs holding the latest record of a page in the picture
    removals: dict[str, str]  # url -> the run of its latest removal (the picture lacks it)
    before: dict[str, set[str]]  # url -> the runs with a record of it before that removal


def _needed(out_dir: Path, kept: set[str]) -> set[str]:
    """The runs the picture needs, kept ones aside: every run of a latest record, and
    the run of a page's latest removal while a kept run still holds an older record
    of that page (without it, the record would come back)."""
    events = _events(out_dir)
    needed = set(events.latest)
    while True:
        keeping = kept | needed
        more = {
            run
            for url, run in events.removals.items()
            if run not in keeping and events.before.get(url, set()) & keeping
        }
        if not more:
            return needed
        needed |= more


def _events(out_dir: Path) -> _Events:
    from harvest.contract.export import _connect  # noqa: PLC0415  # the export's DuckDB set-up
    from harvest.contract.export._columns import fields_of  # noqa: PLC0415
    from harvest.contract.export._tables import RECORDS, _lines, load_records  # noqa: PLC0415

    runs = find_runs(out_dir)
    if not runs:
        return _Events(set(), {}, {})
    with (
        tempfile.TemporaryDirectory(prefix="harvest-prune-") as scratch,
        _connect(":memory:", Path(scratch), out_dir) as con,
    ):
        load_records(con, runs, as_of=None, history=False)
        latest = con.execute(
            "SELECT run_id FROM work.publications_latest UNION "
            "SELECT run_id FROM work.topics_latest"
        ).fetchall()
        removals = con.execute(
            "SELECT m.url, f.run_id, m.run_order FROM (SELECT url, max(run_order) AS run_order "
            "FROM work.removals GROUP BY url) AS m "
            "JOIN (SELECT DISTINCT run_id, run_order FROM work.files) AS f USING (run_order)"
        ).fetchall()
        before: dict[str, set[str]] = {}
        order = {url: run_order for url, _, run_order in removals}
        for kind, model in RECORDS.values():
            keys = [f for f in fields_of(model) if f.name == "url"]
            source, params = _lines(runs, kind, keys)
            for url, run_id, run_order in con.execute(
                f"SELECT url, run_id, run_order FROM ({source}) "  # our SQL
                "WHERE url IN (SELECT url FROM work.removals)",
                params,
            ).fetchall():
                if url in order and run_order < order[url]:
                    before.setdefault(url, set()).add(run_id)
    return _Events(
        {str(run_id) for (run_id,) in latest},
        {str(url): str(run_id) for url, run_id, _ in removals},
        before,
    )


def remove_run(run: Run) -> None:
    """Rename the folder aside (a reader never sees half of it), then delete it."""
    aside = run.dir.with_name(f".pruning-{run.dir.name}")
    try:
        run.dir.rename(aside)
    except OSError as exc:
        raise WriteError(f"cannot remove {run.dir}: {exc.strerror or exc}") from exc
    shutil.rmtree(aside, ignore_errors=True)
