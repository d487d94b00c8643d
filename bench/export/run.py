"""Export benchmark: ``harvest export`` over a long history of runs, timed and weighed.

Builds run folders as nightly crawls leave them, out of the real records of the
recorded site (``fixtures/site``, crawled once in-process), then runs harvest's CLI
(``python -m harvest export``) on them, each export in its own process, and reads
its wall time and peak RSS (``wait4``'s ``ru_maxrss``: DuckDB's threads included).

The history: ``--records`` publication lines over ``--runs`` runs. The first run is a
first crawl, half the lines, every url new. Each later run holds the same number of
lines, three quarters new urls and one quarter new versions of older ones, and
removes 0.5 % of the older urls (a ``removed`` line in ``errors.jsonl``). Then
``--more-runs`` runs of the same size that add only new versions: the history grows,
the current picture does not, so memory that grows with history shows there.

    uv run python bench/export/run.py                          # 40,000 lines, 50 runs
    uv run python bench/export/run.py --json bench/export/results.json

A benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from procstat import cpu_model  # noqa: E402

from harvest.config._settings import Settings  # noqa: E402
from harvest.models import SCHEMA_VERSION, ErrorRecord, utc_text  # noqa: E402
from harvest.run._runner import crawl_sync  # noqa: E402

START = datetime(2026, 1, 1, 2, 30, tzinfo=UTC)


@dataclass(frozen=True)
class History:
    out: Path
    runs: int
    lines: int
    urls: int  # in the current picture: seen, less removed
    bytes: int


def templates() -> list[dict[str, Any]]:
    """The recorded site's publication records, as dicts."""
    with tempfile.TemporaryDirectory(prefix="bench-export-seed-") as work:
        result = crawl_sync(Settings(replay_dir=ROOT / "fixtures" / "site", out_dir=Path(work)))
        text = (result.run_dir / "publications.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def build(out: Path, records: int, runs: int, more_runs: int, seed: int) -> History:
    """Write the run folders under ``out``."""
    draw = random.Random(seed)
    seeds = templates()
    first = records // 2
    per_run, extra = divmod(records - first, max(runs - 1, 1))
    alive: list[int] = []
    next_id, lines, size = 0, 0, 0
    for number in range(runs + more_runs):
        started = START + timedelta(days=number)
        count = first if number == 0 else per_run + (1 if number <= extra else 0)
        fresh = count if number == 0 else 0 if number >= runs else count * 3 // 4
        ids = list(range(next_id, next_id + fresh))
        next_id += fresh
        ids += [draw.choice(alive) for _ in range(count - fresh)] if alive else []
        removed = draw.sample(alive, len(alive) // 200) if number and number < runs else []
        folder = out / f"{started:%Y%m%dT%H%M%SZ}-{number:06x}"
        folder.mkdir(parents=True)
        with (folder / "publications.jsonl").open("w", encoding="utf-8") as fh:
            for position, item in enumerate(ids):
                record = dict(seeds[item % len(seeds)])
                record["url"] = f"https://www.rand.org/pubs/research_reports/RRX{item}.html"
                record["title"] = f"{record['title']} ({item}, v{number})"
                record["fetched_at"] = utc_text(started + timedelta(milliseconds=position + 1))
                text = json.dumps(record, ensure_ascii=False) + "\n"
                fh.write(text)
                size += len(text.encode())
        lines += len(ids)
        at = started + timedelta(hours=1)
        with (folder / "errors.jsonl").open("w", encoding="utf-8") as fh:
            for item in removed:
                url = f"https://www.rand.org/pubs/research_reports/RRX{item}.html"
                error = ErrorRecord(
                    url=url,
                    stage="fetch",
                    reason="HTTP 404",
                    outcome="removed",
                    status=404,
                    attempts=1,
                    at=at,
                )
                fh.write(error.model_dump_json() + "\n")
        (folder / "topics.jsonl").write_text("", encoding="utf-8")
        gone = set(removed)
        alive = [item for item in alive if item not in gone] + ids[:fresh]
        manifest = {
            "run_id": folder.name,
            "schema_version": SCHEMA_VERSION,
            "outcome": "complete",
            "started_at": utc_text(started),
            "finished_at": utc_text(at),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return History(out, runs + more_runs, lines, len(set(alive)), size)


def export_once(out: Path, to: Path, fmt: str) -> tuple[float, int, dict[str, int]]:
    """One export in its own process: (wall seconds, peak RSS bytes, rows per table)."""
    if to.is_dir():
        shutil.rmtree(to)
    to.unlink(missing_ok=True)
    argv = [
        sys.executable,
        "-m",
        "harvest",
        "export",
        "--out",
        str(out),
        "--format",
        fmt,
        "--to",
        str(to),
    ]
    env = {**os.environ, "HARVEST_CONFIG": os.devnull}
    begun = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - begun
    err = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"bench: export failed ({process.returncode}): {err.strip()}")
    if fmt == "duckdb":
        import duckdb  # noqa: PLC0415

        with duckdb.connect(str(to), read_only=True) as con:
            rows = {
                name: int(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
                for name in ("publications", "authors", "downloads", "print_offers")
            }
    else:
        meta = json.loads((to / "export.json").read_text(encoding="utf-8"))
        rows = {name: table["rows"] for name, table in meta["tables"].items()}
    return wall, usage.ru_maxrss * 1024, rows


def measure(history: History, work: Path, formats: list[str], repeats: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for fmt in formats:
        to = work / ("export.duckdb" if fmt == "duckdb" else f"export-{fmt}")
        walls, peaks, rows = [], [], {}
        for _ in range(repeats):
            wall, peak, rows = export_once(history.out, to, fmt)
            walls.append(round(wall, 3))
            peaks.append(peak)
        found[fmt] = {
            "wall_s_median": round(statistics.median(walls), 3),
            "wall_s": walls,
            "peak_rss_mib_max": round(max(peaks) / 2**20, 1),
            "rows": rows,
        }
        if rows and rows.get("publications") != history.urls:
            raise SystemExit(f"bench: {rows['publications']} publications, {history.urls} expected")
        print(
            f"  {fmt:8} {statistics.median(walls):6.2f} s (of {walls}), "
            f"peak RSS {max(peaks) / 2**20:.0f} MiB, {rows.get('publications', '?')} rows"
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=40_000, help="publication lines (40,000)")
    parser.add_argument("--runs", type=int, default=50, help="runs holding them (50)")
    parser.add_argument(
        "--more-runs", type=int, default=450, help="runs of new versions only, for memory (450)"
    )
    parser.add_argument("--formats", default="parquet,duckdb,csv", help="parquet,duckdb,csv")
    parser.add_argument("--repeats", type=int, default=3, help="exports per format and size (3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    formats = args.formats.split(",")
    results: dict[str, Any] = {
        "benchmark": "export",
        "command": " ".join(["uv run python bench/export/run.py", *sys.argv[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)),
            "cpu": cpu_model(),
            "python": platform.python_version(),
        },
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "histories": [],
    }
    for more in (0, args.more_runs) if args.more_runs else (0,):
        with tempfile.TemporaryDirectory(prefix="bench-export-") as work:
            history = build(Path(work) / "out", args.records, args.runs, more, args.seed)
            print(
                f"{history.runs} runs, {history.lines:,} lines ({history.bytes / 2**20:.0f} MiB), "
                f"{history.urls:,} publications in the picture"
            )
            results["histories"].append(
                {
                    "runs": history.runs,
                    "lines": history.lines,
                    "jsonl_mib": round(history.bytes / 2**20, 1),
                    "publications": history.urls,
                    "formats": measure(history, Path(work), formats, args.repeats),
                }
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
