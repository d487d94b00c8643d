"""Reparse throughput and memory: ``harvest reparse`` over WARCs of 10,000 and 50,000 pages.

    uv run python bench/reparse/run.py [--pages 10000 50000] [--workers 2] [--repeats 3]
        [--work DIR] [--json FILE] [--keep] [--interval 0.05] [--no-bytecode-cache]

The target: a 50,000-page WARC reparsed at 1,500 pages/s or more with 2 workers on a
2-core machine, with flat memory. For each size, an archive of real rand.org pages is
built once (``warc.py``; cached in ``--work``). Then, ``--repeats`` times, sizes in
turn: harvest's WARC reader alone times a pass over the file (the main process's
floor), and ``python -m harvest reparse WARC --workers N --quiet`` runs as its own
process, with this interpreter (no ``uv run`` start-up in the figure), timed from the
outside and sampled every 50 ms (PSS of its process tree, CPU time of each process).
A run that does not exit 0 with every page parsed into the right file fails the
benchmark (exit 1). Medians over the repeats are reported, and the highest memory.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: procstat

from procstat import cpu_model
from sampler import MIB, Measured, measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WARC_TOOL = HERE / "warc.py"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "harvest-bench-reparse"
TARGET_PAGES_S = 1500.0
SLACK_MIB, SLACK_SHARE = 10.0, 0.10  # flat memory: growth allowed, max of the two
MEDIANS = (  # over the repeats of a size
    "wall_s",
    "pages_per_s_wall",
    "pages_per_s_manifest",
    "outside_run_s",
    "main_cpu_share",
    "others_cpu_share",
    "main_cpu_ms_per_page",
    "others_cpu_ms_per_page",
)
PEAKS = ("peak_tree_pss_mib", "peak_main_rss_mib")  # the highest of the repeats
# What a reparse imports, in the main process and the forkserver: compiled before timing.
WARM_UP = (
    "import harvest.cli, harvest.run._reparse, harvest.parse._jobs, multiprocessing.forkserver"
)
FILES = {"publication": "publications.jsonl", "topic": "topics.jsonl", "error": "errors.jsonl"}


class BenchError(Exception):
    """A run that failed or produced the wrong output: the figures would mean nothing."""


def machine() -> dict[str, Any]:
    """The facts to record with the figures."""
    return {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gib": _meminfo_gib("MemTotal:"),
        "memory_available_gib": _meminfo_gib("MemAvailable:"),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "harvest_version": importlib.metadata.version("harvest"),
    }


def _meminfo_gib(key: str) -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def bytecode_cache(work: Path | None) -> dict[str, str | None]:
    """Give the processes this driver starts a bytecode cache in ``work`` (None: leave as is).

    An installed harvest has its modules compiled; a process that may not write
    bytecode (``PYTHONDONTWRITEBYTECODE``, set in some sandboxes) compiles every
    module it imports at each start, ~0.6 s of a reparse's main process and as much
    of its forkserver's here. The cache sits in the work folder, not in the tree.
    """
    if work is not None:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        subprocess.run([sys.executable, "-c", WARM_UP], cwd=ROOT, check=True)
    return {
        name: os.environ.get(name) for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }


# -- the archives and the reader's floor -----------------------------------------------


def warc_tool(*args: str) -> dict[str, Any]:
    """Run ``warc.py`` with ``args`` in its own process; the JSON it prints."""
    done = subprocess.run(
        [sys.executable, str(WARC_TOOL), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"warc.py {' '.join(args)}: exit {done.returncode}: {done.stderr[-800:]}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def archives(sizes: list[int], work: Path) -> dict[int, dict[str, Any]]:
    """The archive of each size, built unless ``work`` has it already."""
    found = {}
    for pages in sizes:
        print(f"archive: {pages:,} pages ...", file=sys.stderr, flush=True)
        facts = warc_tool("build", "--pages", str(pages), "--work", str(work))
        how = "reused" if facts["reused"] else f"built in {facts['build_s']:.0f} s"
        print(
            f"archive: {facts['path']}: {facts['bytes'] / MIB:.0f} MiB, {how}, mix {facts['mix']}",
            file=sys.stderr,
            flush=True,
        )
        found[pages] = facts
    return found


def read_floor(archive: dict[str, Any]) -> dict[str, Any]:
    """harvest's WARC reader alone over the archive, in a fresh process: pages/s."""
    result = warc_tool("read", archive["path"])
    if result["pages"] != archive["pages"]:
        raise BenchError(f"{archive['path']}: the reader found {result['pages']} pages")
    return result


# -- one reparse -----------------------------------------------------------------------


def reparse_once(archive: dict[str, Any], place: Path, args: argparse.Namespace) -> Measured:
    """Reparse ``archive`` into ``place/out``; the process's measures, once checked."""
    place.mkdir(parents=True)
    cmd = [sys.executable, "-m", "harvest", "reparse", archive["path"]]
    cmd += ["--out", str(place / "out"), "--workers", str(args.workers), "--quiet"]
    measured = measure(cmd, ROOT, place, args.timeout, args.interval)
    label = f"{archive['pages']:,} pages"
    if measured.timed_out:
        raise BenchError(f"{label}: still running after {args.timeout:g} s, killed")
    if measured.returncode != 0:
        tail = (place / "err.txt").read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{label}: exit {measured.returncode}: " + " | ".join(tail))
    return measured


def checked_manifest(out: Path, archive: dict[str, Any]) -> dict[str, Any]:
    """The run's manifest, once its counts and files say every page became its record."""
    manifests = {path.resolve() for path in out.glob("*/manifest.json")}  # latest/ too
    label = f"{archive['pages']:,} pages"
    if len(manifests) != 1:
        raise BenchError(f"{label}: expected one run folder with a manifest under {out}")
    path = manifests.pop()
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    counts, mix, pages = manifest["counts"], archive["mix"], archive["pages"]
    lines = {kind: _lines(path.parent / name) for kind, name in FILES.items()}
    checks = [
        ("outcome", manifest["outcome"], "complete"),
        ("responses", counts["responses"], pages),
        ("pages", counts["pages"], pages),
        ("new", counts["new"], pages),
        ("parse_failed", counts["parse_failed"], 0),
        ("archive problems", len(manifest["archive_problems"]), 0),
        ("publications", lines["publication"], mix.get("product", 0) + mix.get("commentary", 0)),
        ("topics", lines["topic"], mix.get("listing", 0)),
        ("errors", lines["error"], 0),
        *(
            (f"{name} lines, counted", lines[kind], counts["records"][kind])
            for kind, name in FILES.items()
        ),
    ]
    wrong = [f"{name} {got} (expected {want})" for name, got, want in checks if got != want]
    if wrong:
        raise BenchError(f"{label}: " + ", ".join(wrong))
    return manifest


def _lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def figures(measured: Measured, manifest: dict[str, Any], pages: int) -> dict[str, Any]:
    """What one run measured, in the units of the report."""
    tree = measured.tree
    if measured.peak_rss_mib <= measured.rss_floor_mib:
        print(
            f"warning: {pages} pages: peak RSS {measured.peak_rss_mib:.0f} MiB is only the "
            "driver's own peak carried over",
            file=sys.stderr,
        )
    wall, main_cpu = measured.wall_s, measured.main_cpu_s
    return {
        "pages": pages,
        "wall_s": round(wall, 3),
        "pages_per_s_wall": round(pages / wall, 1),
        "duration_s": manifest["duration_s"],
        "pages_per_s_manifest": manifest["pages_per_s"],
        "outside_run_s": round(wall - manifest["duration_s"], 3),  # start-up and shut-down
        "peak_tree_pss_mib": round(tree.peak_tree_pss / MIB, 1),
        "peak_tree_rss_mib": round(tree.peak_tree_rss / MIB, 1),
        "peak_main_rss_mib": round(measured.peak_rss_mib, 1),
        "peak_main_rss_sampled_mib": round(tree.peak_main_rss / MIB, 1),
        "peak_others_pss_mib": round(tree.peak_others_pss / MIB, 1),
        "tree_pss_by_quarter_mib": tree.pss_by_quarter(),
        "pss_timeline_mib": tree.timeline(),  # (s, main, forkserver + workers + tracker)
        "main_cpu_s": round(main_cpu, 2),
        "main_cpu_sampled_s": round(tree.main_cpu_s, 2),
        "others_cpu_s": round(tree.others_cpu_s, 2),
        "main_cpu_share": round(main_cpu / wall, 3),  # of one core, over the wall time
        "others_cpu_share": round(tree.others_cpu_s / wall, 3),
        "main_cpu_ms_per_page": round(1000 * main_cpu / pages, 3),
        "others_cpu_ms_per_page": round(1000 * tree.others_cpu_s / pages, 3),
        "sampler_cpu_s": round(measured.sampler_cpu_s, 2),  # the driver's, while it sampled
        "processes": len(tree.cpu_s),
        "samples": tree.samples,
        "rss_floor_mib": round(measured.rss_floor_mib, 1),
    }


# -- summary and verdicts --------------------------------------------------------------


def summarize(
    runs: list[dict[str, Any]], reads: list[dict[str, Any]], workers: int
) -> list[dict[str, Any]]:
    """One row a size: medians of the speeds and CPU figures, the highest memory."""
    rows = []
    for pages in sorted({run["pages"] for run in runs}):
        mine = [run for run in runs if run["pages"] == pages]
        floors = [read["pages_per_s"] for read in reads if read["pages"] == pages]
        row: dict[str, Any] = {"pages": pages, "runs": len(mine)}
        row |= {key: round(float(statistics.median(r[key] for r in mine)), 3) for key in MEDIANS}
        row |= {key: max(run[key] for run in mine) for key in PEAKS}
        row["pages_per_s_wall_all"] = [run["pages_per_s_wall"] for run in mine]
        row["read_only_pages_per_s"] = round(statistics.median(floors), 1)
        row["cpu_bound_pages_per_s"] = cpu_bound(row, workers, len(os.sched_getaffinity(0)))
        rows.append(row)
    return rows


def cpu_bound(row: dict[str, Any], workers: int, cpus: int) -> float:
    """The pages/s that the CPU time measured a page allows, on ``cpus`` cores of its own.

    The least of: the cores shared by all the work, the main process on one core,
    the workers one core each. What the run would reach with no neighbour taking CPU
    and no process ever waiting for another: the ceiling for these costs.
    """
    main, others = float(row["main_cpu_ms_per_page"]), float(row["others_cpu_ms_per_page"])
    limits = [1000 * cpus / (main + others), 1000 / main]
    if workers and others:
        limits.append(1000 * workers / others)
    return round(min(limits), 1)


def verdicts(rows: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    """Speed on the largest archive; memory of the largest against the smallest."""
    small, large = rows[0], rows[-1]
    speed = large["pages_per_s_wall"]
    found: dict[str, Any] = {
        "speed": {
            "pages": large["pages"],
            "workers": workers,
            "target_pages_per_s": TARGET_PAGES_S,
            "pages_per_s_wall": speed,
            "pages_per_s_manifest": large["pages_per_s_manifest"],
            "met": speed >= TARGET_PAGES_S,
        }
    }
    if small is not large:
        allowed = max(SLACK_MIB, SLACK_SHARE * small["peak_tree_pss_mib"])
        growth = large["peak_tree_pss_mib"] - small["peak_tree_pss_mib"]
        found["flat_memory"] = {
            "pages": [small["pages"], large["pages"]],
            "peak_tree_pss_mib": [small["peak_tree_pss_mib"], large["peak_tree_pss_mib"]],
            "growth_mib": round(growth, 1),
            "allowed_mib": round(allowed, 1),
            "met": growth <= allowed,
        }
    return found


def markdown(
    rows: list[dict[str, Any]], found: dict[str, Any], built: dict[int, dict[str, Any]]
) -> str:
    """The table and the verdicts."""
    header = (
        "| pages | runs | wall s | pages/s (wall) | pages/s (manifest) | start+stop s "
        "| read-only pages/s | main CPU | workers CPU | main ms/page | workers ms/page "
        "| CPU-bound pages/s "
        "| peak tree PSS MiB | peak main RSS MiB |"
    )
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    for row in rows:
        lines.append(
            f"| {row['pages']:,} | {row['runs']} | {row['wall_s']:.1f} "
            f"| {row['pages_per_s_wall']:,.0f} | {row['pages_per_s_manifest']:,.0f} "
            f"| {row['outside_run_s']:.2f} | {row['read_only_pages_per_s']:,.0f} "
            f"| {row['main_cpu_share']:.0%} | {row['others_cpu_share']:.0%} "
            f"| {row['main_cpu_ms_per_page']:.3f} | {row['others_cpu_ms_per_page']:.3f} "
            f"| {row['cpu_bound_pages_per_s']:,.0f} "
            f"| {row['peak_tree_pss_mib']:.1f} | {row['peak_main_rss_mib']:.1f} |"
        )
    lines += [""] + [
        f"- {pages:,} pages: {facts['bytes'] / MIB:.0f} MiB of WARC, "
        + ", ".join(f"{count:,} {kind}" for kind, count in facts["mix"].items())
        for pages, facts in built.items()
    ]
    speed = found["speed"]
    lines += [
        "",
        f"- ≥ {TARGET_PAGES_S:,.0f} pages/s at {speed['pages']:,} pages with "
        f"{speed['workers']} workers: {_met(speed['met'])} "
        f"({speed['pages_per_s_wall']:,.0f} pages/s wall, "
        f"{speed['pages_per_s_manifest']:,.0f} by the manifest)",
    ]
    if memory := found.get("flat_memory"):
        small, large = memory["pages"]
        lines.append(
            f"- flat memory: peak tree PSS at {large:,} within max({SLACK_MIB:g} MiB, "
            f"{SLACK_SHARE:.0%}) of {small:,}: {_met(memory['met'])} "
            f"({memory['peak_tree_pss_mib'][0]:.1f} -> {memory['peak_tree_pss_mib'][1]:.1f} MiB, "
            f"{memory['growth_mib']:+.1f}, allowed {memory['allowed_mib']:.1f})"
        )
    return "\n".join(lines)


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


# -- the command -----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--pages", type=int, nargs="+", default=[10000, 50000], help="default: 10000 50000")
    add("--workers", type=int, default=2, help="harvest reparse --workers (default 2)")
    add("--repeats", type=int, default=3, help="runs of each size (default 3)")
    add("--work", type=Path, default=DEFAULT_WORK, help=f"built archives (default {DEFAULT_WORK})")
    add("--interval", type=float, default=0.05, help="seconds between samples (default 0.05)")
    add("--timeout", type=float, default=900.0, help="seconds a reparse may take (default 900)")
    add("--json", type=Path, help="write every figure and the machine facts here")
    add("--keep", action="store_true", help="keep the reparses' output and logs")
    add(
        "--no-bytecode-cache",
        action="store_true",
        help="start harvest with this environment's bytecode settings, unchanged",
    )
    args = parser.parse_args(argv)
    if min(*args.pages, args.repeats) < 1 or args.workers < 0 or args.interval <= 0:
        parser.error("--pages, --repeats must be 1 or more, --workers 0 or more, --interval > 0")
    args.pages = sorted(set(args.pages))
    return args


def measure_all(
    args: argparse.Namespace, built: dict[int, dict[str, Any]], out: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each size in turn, ``--repeats`` times: a read-only pass, then a reparse."""
    runs, reads = [], []
    for repeat in range(1, args.repeats + 1):
        for pages, archive in built.items():
            reads.append(read_floor(archive))
            place = out / f"{pages}-pages-{repeat}"
            load = os.getloadavg()[0]
            measured = reparse_once(archive, place, args)
            manifest = checked_manifest(place / "out", archive)
            runs.append(figures(measured, manifest, pages) | {"repeat": repeat, "load_1m": load})
            if not args.keep:
                shutil.rmtree(place)
            print(_progress(runs[-1], reads[-1], args.repeats), file=sys.stderr, flush=True)
    return runs, reads


def _progress(run: dict[str, Any], read: dict[str, Any], repeats: int) -> str:
    return (
        f"{run['pages']:,} pages, run {run['repeat']}/{repeats}: {run['wall_s']:.1f} s, "
        f"{run['pages_per_s_wall']:,.0f} pages/s wall ({run['pages_per_s_manifest']:,.0f} "
        f"manifest), main CPU {run['main_cpu_share']:.0%}, workers {run['others_cpu_share']:.0%}, "
        f"peak tree PSS {run['peak_tree_pss_mib']:.1f} MiB, main RSS "
        f"{run['peak_main_rss_mib']:.1f} MiB; reader alone {read['pages_per_s']:,.0f} pages/s"
    )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Build or find the archives, measure, print the machine, progress, table, verdicts."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_signal)  # unwind: the child is killed, out removed
    args.work.mkdir(parents=True, exist_ok=True)
    facts = machine() | {"bytecode": bytecode_cache(None if args.no_bytecode_cache else args.work)}
    print(json.dumps(facts), flush=True)
    out = Path(tempfile.mkdtemp(prefix="bench-reparse-out-"))
    kept = args.keep
    try:
        built = archives(args.pages, args.work)
        runs, reads = measure_all(args, built, out)
    except BenchError as exc:
        kept = True
        print(f"reparse bench: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if kept:
            print(f"reparse bench: output and logs kept in {out}", file=sys.stderr)
        else:
            shutil.rmtree(out, ignore_errors=True)
    rows = summarize(runs, reads, args.workers)
    found = verdicts(rows, args.workers)
    print(markdown(rows, found, built))
    if args.json:
        options = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        driver_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = {
            "machine": facts | {"driver_peak_rss_mib": round(driver_mib, 1)},
            "options": options,
            "archives": {str(pages): archive for pages, archive in built.items()},
            "summary": rows,
            "verdicts": found,
            "runs": runs,
            "reads": reads,
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
