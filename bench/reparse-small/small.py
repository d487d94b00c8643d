"""A small reparse, timed: the 33-page archive of the recorded site, default workers
against ``--workers 0``, through the CLI, each run in its own process.

Issue 20 asks that the default take no longer than 1.5 times the inline run on a
job this small: worker processes must not cost more than the parsing they do.

    uv run python bench/reparse-small/small.py                      # print only
    uv run python bench/reparse-small/small.py --json bench/reparse-small/results.json

A benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.5


def harvest(*args: str) -> float:
    """Run ``python -m harvest ARGS``; its wall time in seconds."""
    env = {**os.environ, "HARVEST_CONFIG": os.devnull}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "harvest", *args],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each (5)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reparse-small-") as work:
        base = Path(work)
        harvest(
            "crawl",
            "--replay",
            str(ROOT / "fixtures" / "site"),
            "--out",
            str(base / "crawl"),
            "--archive",
            str(base / "warc"),
            "--quiet",
        )
        times: dict[str, list[float]] = {"default": [], "workers 0": []}
        for n in range(args.repeats):  # alternated, so drift hits both alike
            times["default"].append(
                harvest("reparse", str(base / "warc"), "--out", str(base / f"d{n}"), "--quiet")
            )
            times["workers 0"].append(
                harvest(
                    "reparse",
                    str(base / "warc"),
                    "--out",
                    str(base / f"z{n}"),
                    "--workers",
                    "0",
                    "--quiet",
                )
            )
        pages = json.loads(next((base / "d0").glob("*/manifest.json")).read_text())["counts"]
    medians = {name: round(statistics.median(values), 3) for name, values in times.items()}
    ratio = round(medians["default"] / medians["workers 0"], 2)
    print(
        f"{pages['pages']} pages: default {medians['default']} s, --workers 0 "
        f"{medians['workers 0']} s: {ratio}x (target <= {TARGET}x)"
    )
    if args.json:
        result = {
            "benchmark": "reparse-small",
            "command": "uv run python bench/reparse-small/small.py " + " ".join(sys.argv[1:]),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "pages": pages["pages"],
            "wall_s": {name: [round(v, 3) for v in values] for name, values in times.items()},
            "median_s": medians,
            "ratio": ratio,
            "target": TARGET,
            "met": ratio <= TARGET,
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
