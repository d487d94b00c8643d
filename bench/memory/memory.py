"""Memory over long crawls: harvest's peak memory against the number of pages crawled.

    uv run python bench/memory/memory.py [--pages 5000 20000] [--json results.json]

For each page count a server process (``server.py``, no latency by default) serves a
bench site of that many product pages, and one harvest crawl fetches all of it into a
fresh output folder. While it runs, the RSS and PSS of harvest's process tree (main
process, forkserver, parse worker) are sampled together with the publications written
so far (lines of the run's growing ``.publications.jsonl.part``), so memory can be read
against progress. The targets: a 20,000-page crawl peaks under 200 MB, and its peak is
no higher than a 5,000-page crawl's (within ``--slack-mib`` or ``--slack-share``).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: procstat
# bench/crawl/: the crawl benchmark's server, site and sampler
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "crawl"))

from procstat import rollup
from report import Options, machine
from run import (
    BenchError,
    Measured,
    TreeSampler,
    harvest_command,
    measure,
    missing_harvest_options,
    running_server,
)

MIB = 1024 * 1024
TARGET_MIB = 200e6 / MIB  # 200 MB, the acceptance target: 190.7 MiB
MARKS = (25, 50, 75, 100)  # quarters of the crawl, by percent of the publications written
TIMELINE_POINTS = 200  # samples kept in the JSON results, evenly spread
SERVER_START_S = 180.0  # the server builds the site first: ~23 s for 20,000 pages here


@dataclass(frozen=True)
class Sample:
    """Memory of the crawler's process tree at one moment, and its progress then."""

    t_s: float
    publications: int
    main_rss_mib: float
    main_pss_mib: float
    tree_rss_mib: float
    tree_pss_mib: float


class LineCounter:
    """Lines written so far to a file that appears (somewhere under ``out``) and grows.

    Reads only what was added since the last call. A file that is renamed once open
    (the part file published) is still read through the same handle.
    """

    def __init__(self, out: Path, pattern: str) -> None:
        self.out = out
        self.pattern = pattern
        self.lines = 0
        self._fh: IO[bytes] | None = None

    def count(self) -> int:
        if self._fh is None:
            found = next(self.out.glob(self.pattern), None)
            if found is None:
                return 0
            try:
                self._fh = found.open("rb")
            except OSError:  # published between the glob and the open
                return 0
        while block := self._fh.read(1 << 20):
            self.lines += block.count(b"\n")
        return self.lines

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class ProgressSampler(TreeSampler):
    """A ``TreeSampler`` that keeps every sample: main RSS, tree RSS and PSS, progress."""

    def __init__(self, pid: int, out: Path, interval_s: float = 0.05) -> None:
        super().__init__(pid, interval_s)
        self.publications = LineCounter(out, "*/.publications.jsonl.part")
        self.samples: list[Sample] = []
        self._t0 = time.perf_counter()

    def sample(self) -> None:
        rollups = [rollup(pid) for pid in self.tree(self.pid)]
        main_rss, main_pss = rollups[0]
        if not main_rss:  # gone (or a zombie waiting to be reaped): nothing to sample
            return
        tree_rss = sum(rss for rss, _ in rollups)
        tree_pss = sum(pss for _, pss in rollups)
        self.peak_bytes = max(self.peak_bytes, tree_pss)
        self.samples.append(
            Sample(
                round(time.perf_counter() - self._t0, 3),
                self.publications.count(),
                round(main_rss / MIB, 2),
                round(main_pss / MIB, 2),
                round(tree_rss / MIB, 2),
                round(tree_pss / MIB, 2),
            )
        )

    def stop(self) -> float:
        peak = super().stop()
        self.publications.close()
        return peak


# -- one crawl -------------------------------------------------------------------------


def crawl(pages: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Serve a site of ``pages`` product pages, crawl it once; the figures of the crawl."""
    options = Options(
        pages=pages,
        per_page=args.per_page,
        concurrency=args.concurrency,
        latencies_ms=(args.latency_ms,),
        repeat=1,
        crawlers=("harvest",),
        json_path=args.json,
        keep=args.keep,
        parse_workers=args.parse_workers,
    )
    place = work / f"{pages}-pages"
    place.mkdir()
    out = place / "out"  # fresh: a second crawl into the same state would emit nothing
    samplers: list[ProgressSampler] = []

    def sampler(pid: int) -> ProgressSampler:
        samplers.append(ProgressSampler(pid, out, args.interval))
        return samplers[-1]

    with running_server(args.latency_ms, options, place, SERVER_START_S) as server:
        cmd = harvest_command(server.port, options.concurrency, out, options.parse_workers)
        measured = measure(cmd, place, "harvest", args.timeout, sampler)
    if measured.timed_out:
        raise BenchError(f"{pages} pages: still running after {args.timeout:g} s, killed")
    if measured.returncode != 0:
        tail = (place / "harvest.err").read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{pages} pages: exit {measured.returncode}: " + " | ".join(tail))
    manifest = _manifest(out, options)
    return _figures(options, manifest, measured, samplers[0].samples)


def _manifest(out: Path, options: Options) -> dict[str, Any]:
    """The run's manifest, once it is known to have harvested every publication."""
    manifests = {path.resolve() for path in out.glob("*/manifest.json")}  # latest/ too
    if len(manifests) != 1:
        raise BenchError(f"expected one run folder with a manifest under {out}")
    manifest: dict[str, Any] = json.loads(manifests.pop().read_text(encoding="utf-8"))
    counts = manifest["counts"]
    label = f"{options.pages} pages"
    if manifest["outcome"] != "complete":
        raise BenchError(f"{label}: the run ended {manifest['outcome']}")
    if counts["records"]["publication"] != options.pages:
        found = counts["records"]["publication"]
        raise BenchError(f"{label}: {found} publications harvested, not {options.pages}")
    if counts["fetch_failed"] or counts["parse_failed"]:
        raise BenchError(
            f"{label}: {counts['fetch_failed']} fetches, {counts['parse_failed']} parses failed"
        )
    if counts["pages"] != options.site_pages:
        print(
            f"warning: {label}: counted {counts['pages']} pages, the site has {options.site_pages}",
            file=sys.stderr,
        )
    return manifest


def _figures(
    options: Options, manifest: dict[str, Any], measured: Measured, samples: list[Sample]
) -> dict[str, Any]:
    if measured.peak_rss_mib <= measured.rss_floor_mib:
        print(
            f"warning: {options.pages} pages: peak RSS {measured.peak_rss_mib:.0f} MiB is only "
            "the driver's own peak carried over",
            file=sys.stderr,
        )
    if not samples:
        raise BenchError(f"{options.pages} pages: no memory sample taken (a crawl that short?)")
    pss_at, rss_at = quarters(samples, options.pages)
    step = max(1, len(samples) // TIMELINE_POINTS)
    return {
        "pages": options.pages,
        "site_pages": manifest["counts"]["pages"],
        "publications": manifest["counts"]["records"]["publication"],
        "crawl_s": manifest["duration_s"],
        "wall_s": round(measured.wall_s, 2),
        "pages_per_s": manifest["pages_per_s"],
        "peak_rss_main_mib": round(measured.peak_rss_mib, 1),
        "peak_rss_main_sampled_mib": max(s.main_rss_mib for s in samples),
        "peak_tree_pss_mib": max(s.tree_pss_mib for s in samples),
        "peak_tree_rss_mib": max(s.tree_rss_mib for s in samples),
        # the forkserver and parse workers: the tree less the main process
        "peak_others_pss_mib": round(max(s.tree_pss_mib - s.main_pss_mib for s in samples), 2),
        "rss_floor_mib": round(measured.rss_floor_mib, 1),
        "main_rss_quarters_mib": rss_at,
        "tree_pss_quarters_mib": pss_at,
        "samples": len(samples),
        "timeline": [asdict(s) for s in samples[::step]],
    }


def quarters(samples: list[Sample], pages: int) -> tuple[dict[str, float], dict[str, float]]:
    """Peak tree PSS and main RSS in each quarter of the crawl, by publications written.

    Quarter "50" is the samples taken after 25 % and up to 50 % of the publications were
    written; "100" runs to the end of the process. A quarter no sample fell in (a short
    crawl) repeats the one before.
    """
    pss_at: dict[str, float] = {}
    rss_at: dict[str, float] = {}
    low: float = -1
    last = samples[0]
    for percent in MARKS:
        high = math.ceil(pages * percent / 100) if percent < 100 else math.inf
        quarter = [s for s in samples if low < s.publications <= high] or [last]
        pss_at[str(percent)] = max(s.tree_pss_mib for s in quarter)
        rss_at[str(percent)] = max(s.main_rss_mib for s in quarter)
        low, last = high, quarter[-1]
    return pss_at, rss_at


# -- verdict and report ----------------------------------------------------------------


def verdict(runs: list[dict[str, Any]], slack_mib: float, slack_share: float) -> dict[str, Any]:
    """The targets, on the longest crawl and against the shortest.

    Memory "does not grow" when the longest crawl's peak exceeds the shortest's by at
    most ``max(slack_mib, slack_share x shortest's peak)``; judged on the main process's
    peak RSS and on the process tree's peak PSS.
    """
    short = min(runs, key=lambda run: run["pages"])
    long = max(runs, key=lambda run: run["pages"])
    growth = []
    for key in ("peak_rss_main_mib", "peak_tree_pss_mib"):
        allowed = max(slack_mib, slack_share * short[key])
        grew = long[key] - short[key]
        growth.append(
            {
                "figure": key,
                "short": short[key],
                "long": long[key],
                "ratio": round(long[key] / short[key], 3),
                "growth_mib": round(grew, 1),
                "allowed_mib": round(allowed, 1),
                "grows": grew > allowed,
            }
        )
    under = {key: long[key] < TARGET_MIB for key in ("peak_rss_main_mib", "peak_tree_pss_mib")}
    return {
        "pages": [short["pages"], long["pages"]],
        "target_mib": round(TARGET_MIB, 1),
        "under_target": under,
        "under_target_met": all(under.values()),
        "growth": growth,
        "does_not_grow": not any(item["grows"] for item in growth),
    }


def markdown(runs: list[dict[str, Any]], found: dict[str, Any], args: argparse.Namespace) -> str:
    """The figures and the verdict as Markdown."""
    header = (
        "| pages | s | pages/s | peak RSS main MiB | peak PSS tree MiB | peak RSS tree MiB "
        "| main RSS peak by quarter MiB | tree PSS peak by quarter MiB |"
    )
    lines = [
        f"{args.per_page} entries a listing page, concurrency {args.concurrency}, "
        f"latency {args.latency_ms:g} ms, --parse-workers {args.parse_workers}",
        "",
        header,
        "|---" * (header.count("|") - 1) + "|",
    ]
    for run in runs:
        lines.append(
            f"| {run['pages']:,} | {run['crawl_s']:.0f} | {run['pages_per_s']:.0f} "
            f"| {run['peak_rss_main_mib']:.1f} | {run['peak_tree_pss_mib']:.1f} "
            f"| {run['peak_tree_rss_mib']:.1f} | {_quartiles(run['main_rss_quarters_mib'])} "
            f"| {_quartiles(run['tree_pss_quarters_mib'])} |"
        )
    short, long = found["pages"]
    lines += ["", f"{long:,} pages against {short:,}:", ""]
    for item in found["growth"]:
        lines.append(
            f"- {item['figure']}: {item['short']:.1f} -> {item['long']:.1f} MiB, ratio "
            f"{item['ratio']:.3f}, growth {item['growth_mib']:+.1f} MiB (allowed "
            f"{item['allowed_mib']:.1f}): {'grows' if item['grows'] else 'does not grow'}"
        )
    met = "met" if found["under_target_met"] else "NOT met"
    lines.append(f"- under 200 MB ({found['target_mib']} MiB) at {long:,} pages: {met}")
    return "\n".join(lines)


def _quartiles(values: dict[str, float]) -> str:
    return " / ".join(f"{values[str(percent)]:.0f}" for percent in MARKS)


# -- the command -----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--pages", type=int, nargs="+", default=[5000, 20000], help="default: 5000 20000")
    add("--per-page", type=int, default=100, help="entries a listing page (default 100)")
    add("--concurrency", type=int, default=32, help="default 32")
    add("--latency-ms", type=float, default=0.0, help="added to each response (default 0)")
    add("--parse-workers", type=int, default=1, help="harvest's --parse-workers (default 1)")
    add("--interval", type=float, default=0.05, help="seconds between samples (default 0.05)")
    add("--timeout", type=float, default=1800.0, help="seconds a crawl may take (default 1800)")
    add("--slack-mib", type=float, default=10.0, help="growth allowed, MiB (default 10)")
    add("--slack-share", type=float, default=0.10, help="growth allowed, share (default 0.10)")
    add("--json", type=Path, help="write the results here as JSON")
    add("--keep", action="store_true", help="keep the crawls' output and logs")
    args = parser.parse_args(argv)
    if min(*args.pages, args.per_page, args.concurrency) < 1:
        parser.error("--pages, --per-page and --concurrency must be at least 1")
    return args


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Crawl each site size once; print the machine, the figures and the verdict."""
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C does, so the finally blocks stop the server and crawler.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    facts = machine()
    print(json.dumps(facts), flush=True)
    if missing := missing_harvest_options():
        print(f"memory: error: harvest crawl has no {', '.join(missing)}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    runs = []
    try:
        for pages in args.pages:
            runs.append(crawl(pages, args, work))
            print(_progress(runs[-1]), file=sys.stderr, flush=True)
    except BenchError as exc:
        print(f"memory: error: {exc} (logs in {work})", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"memory: output kept in {work}", file=sys.stderr)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    found = verdict(runs, args.slack_mib, args.slack_share)
    print(markdown(runs, found, args))
    if args.json:
        options = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        driver_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result: dict[str, Any] = {"machine": facts | {"driver_peak_rss_mib": round(driver_mib, 1)}}
        result |= {"options": options, "verdict": found, "runs": runs}
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _progress(run: dict[str, Any]) -> str:
    return (
        f"{run['pages']} pages: {run['site_pages']} fetched in {run['crawl_s']:.1f} s "
        f"({run['pages_per_s']:.0f} pages/s), peak RSS main {run['peak_rss_main_mib']:.1f} MiB, "
        f"peak PSS tree {run['peak_tree_pss_mib']:.1f} MiB ({run['samples']} samples)"
    )


if __name__ == "__main__":
    sys.exit(main())
