"""Crawl throughput: harvest and Scrapy on the same local site, with and without latency.

    uv run --group bench python bench/crawl/run.py [--pages 1000] [--concurrency 32]
        [--latency-ms 50 0] [--repeat 3] [--only harvest|scrapy] [--json results.json]

For each latency a server process (``server.py``) serves the bench site (``site.py``);
each crawler then runs as its own process, in alternating order across repeats. A run
is measured from the outside (wall time around the process, peak RSS from ``wait4``)
and from the inside (the crawler's own elapsed time). A run that does not produce one
complete record (title, date, authors) per product page, or that meets a 404, fails
the benchmark.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: procstat

from procstat import tree
from report import CRAWLERS, Options, Outcome, Run, machine, markdown, summarize, targets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HOST = "www.rand.org"
LISTING_PATH = "/topics/bench.html"
STATS_PATH = "/__bench__/stats"
WAIT_S = 300.0
START_S = 60.0
HARVEST_OPTIONS = ("--resolve", "--per-host-concurrency", "--delay", "--parse-workers")
_HARVEST_MAIN = "import sys; from harvest.cli import main; sys.exit(main(sys.argv[1:]))"


class BenchError(Exception):
    """The benchmark cannot go on, or a crawler's output is wrong; the message says which."""


@dataclass(frozen=True)
class Measured:
    """A finished child process seen from outside."""

    returncode: int
    wall_s: float
    peak_rss_mib: float
    rss_floor_mib: float
    timed_out: bool
    peak_tree_rss_mib: float = 0.0
    cpu_s: float = 0.0  # user + system, the process and the children it waited for


class TreeSampler(threading.Thread):
    """Peak memory of a process *and its descendants* (parse workers, a forkserver), summed.

    ``ru_maxrss`` sees one process; harvest's parse workers are grandchildren. Every
    ``interval_s`` this walks ``/proc/PID/task/*/children`` and sums each process's PSS
    (``/proc/PID/smaps_rollup``): RSS with shared pages divided among the processes that
    share them, so a forked worker's copy-on-write pages are not counted twice.
    """

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        """Take one sample: the tree's PSS now, kept when it is the highest yet."""
        total = sum(self._rss(pid) for pid in self.tree(self.pid))
        self.peak_bytes = max(self.peak_bytes, total)

    def stop(self) -> float:
        """Stop sampling; the peak in MiB."""
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak_bytes / (1024 * 1024)

    def tree(self, pid: int) -> list[int]:
        """``pid`` (first) and its descendants now."""
        return tree(pid)

    def _rss(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            pass
        return 0


# -- processes -------------------------------------------------------------------------


def measure(
    cmd: list[str],
    log_dir: Path,
    name: str,
    timeout_s: float = WAIT_S,
    sampler: Callable[[int], TreeSampler] = TreeSampler,
) -> Measured:
    """Run ``cmd`` to the end (killed after ``timeout_s``): wall time and peak RSS.

    stdout and stderr go to ``log_dir/name.out`` and ``.err``. The child is reaped with
    ``os.wait4`` for its resource usage; ``ru_maxrss`` is in KiB on Linux. Linux carries
    the parent's peak RSS into a child across fork and exec, so a child's figure is never
    below this process's own peak: ``rss_floor_mib``, which the driver keeps small.
    ``sampler(pid)`` makes the thread that samples the process tree's memory.
    """
    floor_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    expired = threading.Event()
    with (log_dir / f"{name}.out").open("wb") as out, (log_dir / f"{name}.err").open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        tree = sampler(proc.pid)
        tree.start()

        def expire() -> None:
            expired.set()
            proc.kill()  # a no-op once wait4 has reaped it: Popen polls first

        killer = threading.Timer(timeout_s, expire)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait(timeout=10)
            raise
        finally:
            killer.cancel()
            tree_mib = tree.stop()
        wall_s = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measured(
        proc.returncode,
        wall_s,
        usage.ru_maxrss / 1024,
        floor_mib,
        expired.is_set(),
        max(tree_mib, usage.ru_maxrss / 1024),
        usage.ru_utime + usage.ru_stime,
    )


class BenchServer:
    """The running server process and its port."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int) -> None:
        self.proc = proc
        self.port = port

    def stats(self) -> dict[str, Any]:
        """The server's counts so far (requests, by status)."""
        url = f"http://127.0.0.1:{self.port}{STATS_PATH}"
        with urllib.request.urlopen(url, timeout=10) as response:
            result: dict[str, Any] = json.load(response)
        return result


@contextlib.contextmanager
def running_server(
    latency_ms: float, options: Options, log_dir: Path, start_s: float = START_S
) -> Iterator[BenchServer]:
    """Start ``server.py`` for one latency; stop it (SIGTERM, then kill) on the way out.

    ``start_s``: how long it may take to build the site and say its port.
    """
    cmd = [
        sys.executable,
        str(HERE / "server.py"),
        *("--port", "0", "--latency-ms", str(latency_ms)),
        *("--pages", str(options.pages), "--per-page", str(options.per_page)),
    ]
    with (log_dir / f"server-{latency_ms:g}ms.err").open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, cwd=ROOT)
        try:
            yield BenchServer(proc, _read_port(proc, start_s))
        finally:
            _stop(proc)


def _read_port(proc: subprocess.Popen[bytes], start_s: float) -> int:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], start_s)
    line = proc.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        raise BenchError(f"the server did not start (exit {proc.poll()}): see its .err log")
    return int(line)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# -- the crawlers ----------------------------------------------------------------------


def harvest_entry() -> list[str]:
    """How to start harvest's CLI in this interpreter, without uv's start-up."""
    spec = importlib.util.find_spec("harvest")
    places = spec.submodule_search_locations if spec else None
    if places and any((Path(place) / "__main__.py").is_file() for place in places):
        return [sys.executable, "-m", "harvest"]
    return [sys.executable, "-c", _HARVEST_MAIN]


def harvest_command(port: int, concurrency: int, out: Path, parse_workers: int) -> list[str]:
    """harvest's crawl of the bench site: rand.org URLs, sent to 127.0.0.1 by --resolve."""
    return [
        *harvest_entry(),
        *("crawl", f"http://{HOST}:{port}{LISTING_PATH}"),
        *("--resolve", f"{HOST}=127.0.0.1"),
        *("--concurrency", str(concurrency), "--per-host-concurrency", str(concurrency)),
        *("--parse-workers", str(parse_workers)),
        *("--delay", "0", "--out", str(out), "--quiet"),
    ]


def scrapy_command(port: int, concurrency: int, feed: Path) -> list[str]:
    return [
        sys.executable,
        str(HERE / "scrapy_spider.py"),
        *("--port", str(port), "--concurrency", str(concurrency), "--feed", str(feed)),
    ]


def missing_harvest_options() -> list[str]:
    """The options this benchmark needs that ``harvest crawl --help`` does not show."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    help_text = subprocess.run(
        [*harvest_entry(), "crawl", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=START_S,
        check=False,
    )
    shown = help_text.stdout + help_text.stderr
    return [option for option in HARVEST_OPTIONS if option not in shown]


def run_harvest(server: BenchServer, options: Options, work: Path, run: Run) -> Outcome:
    out = work / run.name
    cmd = harvest_command(server.port, options.concurrency, out, options.parse_workers)
    measured, served = _measured_with_server(server, cmd, work, run.name)
    manifests = {path.resolve() for path in out.glob("*/manifest.json")}  # latest/ too
    if len(manifests) != 1:
        raise BenchError(f"{run.name}: expected one run folder with a manifest under {out}")
    manifest = manifests.pop()
    try:
        read = json.loads(manifest.read_text(encoding="utf-8"))
        pages, crawl_s = read["counts"]["pages"], read["duration_s"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{run.name}: no counts.pages or duration_s in {manifest}") from exc
    records = _complete_records(manifest.parent / "publications.jsonl")
    return _outcome(run, records, pages, crawl_s, measured, served)


def run_scrapy(server: BenchServer, options: Options, work: Path, run: Run) -> Outcome:
    feed = work / f"{run.name}.jsonl"
    cmd = scrapy_command(server.port, options.concurrency, feed)
    measured, served = _measured_with_server(server, cmd, work, run.name)
    lines = (work / f"{run.name}.out").read_text(encoding="utf-8").strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {}
    if summary.get("elapsed_s") is None:
        raise BenchError(f"{run.name}: no summary line from the spider (see its .out log)")
    records = _complete_records(feed)
    return _outcome(run, records, summary["pages"], summary["elapsed_s"], measured, served)


def _measured_with_server(
    server: BenchServer, cmd: list[str], work: Path, name: str
) -> tuple[Measured, dict[str, int]]:
    """Run a crawler; also what the server saw meanwhile: requests and 404s."""
    before = server.stats()
    measured = measure(cmd, work, name)
    after = server.stats()
    if measured.timed_out:
        raise BenchError(f"{name}: still running after {WAIT_S:g} s, killed")
    if measured.returncode != 0:
        tail = (work / f"{name}.err").read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{name}: exit {measured.returncode}: " + " | ".join(tail))
    served = {
        "requests": after["requests"] - before["requests"],
        "not_found": after["statuses"].get("404", 0) - before["statuses"].get("404", 0),
    }
    return measured, served


def _complete_records(path: Path) -> int:
    """Records with a title, a date and at least one author, each URL counted once."""
    urls = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("title") and record.get("published") and record.get("authors"):
                urls.add(record["url"])
    return len(urls)


def _outcome(
    run: Run,
    records: int,
    pages: int,
    crawl_s: float,
    measured: Measured,
    served: dict[str, int],
) -> Outcome:
    return Outcome(
        crawler=run.crawler,
        latency_ms=run.latency_ms,
        repeat=run.repeat,
        records=records,
        pages=pages,
        crawl_s=crawl_s,
        wall_s=measured.wall_s,
        peak_rss_mib=measured.peak_rss_mib,
        rss_floor_mib=measured.rss_floor_mib,
        requests=served["requests"],
        not_found=served["not_found"],
        peak_tree_rss_mib=measured.peak_tree_rss_mib,
        cpu_s=measured.cpu_s,
    )


def check(outcome: Outcome, options: Options) -> None:
    """Fail loudly on a run that did not crawl the whole site cleanly."""
    label = f"{outcome.crawler} at {outcome.latency_ms:g} ms (repeat {outcome.repeat})"
    if outcome.records != options.pages:
        raise BenchError(
            f"{label}: {outcome.records} complete product records, not {options.pages}"
        )
    if outcome.not_found:
        raise BenchError(f"{label}: {outcome.not_found} requests answered 404")
    if outcome.peak_rss_mib <= outcome.rss_floor_mib:
        print(
            f"warning: {label}: peak RSS {outcome.peak_rss_mib:.0f} MiB is only the driver's "
            "own peak carried over: the crawler's is lower",
            file=sys.stderr,
        )
    if outcome.pages != options.site_pages:
        print(
            f"warning: {label} counted {outcome.pages} pages, the site has {options.site_pages}",
            file=sys.stderr,
        )


# -- the benchmark ---------------------------------------------------------------------


def run_benchmark(options: Options, work: Path) -> list[Outcome]:
    """Every latency, every repeat, every crawler; alternating order across repeats."""
    runners = {"harvest": run_harvest, "scrapy": run_scrapy}
    outcomes = []
    for latency in options.latencies_ms:
        with running_server(latency, options, work) as server:
            if latency == options.latencies_ms[0]:
                # One untimed run each first: the first run after an install compiles
                # bytecode (harvest's parse worker too) and measured 3x slower.
                for crawler in options.crawlers:
                    warm_up = Run(crawler, latency, 0)
                    check(runners[crawler](server, options, work, warm_up), options)
            for repeat in range(1, options.repeat + 1):
                order = options.crawlers if repeat % 2 else options.crawlers[::-1]
                for crawler in order:
                    outcome = runners[crawler](server, options, work, Run(crawler, latency, repeat))
                    check(outcome, options)
                    print(_progress(outcome), file=sys.stderr, flush=True)
                    outcomes.append(outcome)
    return outcomes


def _progress(o: Outcome) -> str:
    return (
        f"{o.crawler} {o.latency_ms:g} ms #{o.repeat}: {o.pages} pages in {o.crawl_s:.2f} s "
        f"({o.pages_per_s:.0f} pages/s; wall {o.wall_s:.2f} s), peak RSS {o.peak_rss_mib:.0f} MiB"
        f" (process tree PSS {o.peak_tree_rss_mib:.0f} MiB), CPU {o.cpu_ms_per_page:.2f} ms a page"
    )


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="product pages (default 1000)")
    parser.add_argument(
        "--per-page",
        type=int,
        default=100,
        help="entries a listing page (default 100: with 20, the chain of 50 listing pages "
        "alone caps any crawler at 64%% of the latency bound)",
    )
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="harvest's --parse-workers (default: the usable CPUs, %(default)s here)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="default 32")
    parser.add_argument(
        "--latency-ms", type=float, nargs="+", default=[50.0, 0.0], help="default: 50 0"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per crawler (default 3)")
    parser.add_argument("--only", choices=CRAWLERS, help="run one crawler only")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the crawlers' output")
    args = parser.parse_args(argv)
    if min(args.pages, args.per_page, args.concurrency, args.repeat) < 1:
        parser.error("--pages, --per-page, --concurrency and --repeat must be at least 1")
    return Options(
        pages=args.pages,
        per_page=args.per_page,
        concurrency=args.concurrency,
        latencies_ms=tuple(args.latency_ms),
        repeat=args.repeat,
        crawlers=(args.only,) if args.only else CRAWLERS,
        json_path=args.json,
        keep=args.keep,
        parse_workers=args.parse_workers,
    )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the machine, the figures and the targets."""
    options = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C does, so the finally blocks stop the server and crawler.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    facts = machine()
    print(json.dumps(facts), flush=True)
    if "harvest" in options.crawlers and (missing := missing_harvest_options()):
        print(
            f"bench: error: harvest crawl has no {', '.join(missing)} option yet "
            "(run with --only scrapy)",
            file=sys.stderr,
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        outcomes = run_benchmark(options, work)
    except BenchError as exc:
        print(f"bench: error: {exc} (logs in {work})", file=sys.stderr)
        return 1
    finally:
        if options.keep:
            print(f"bench: output kept in {work}", file=sys.stderr)
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    summary = summarize(outcomes, options)
    found = targets(summary)
    print(markdown(summary, found, options))
    if options.json_path:
        result = {
            "machine": facts,
            "options": {
                k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()
            },
            "summary": summary,
            "targets": found,
            "runs": [asdict(o) | {"pages_per_s": round(o.pages_per_s, 1)} for o in outcomes],
        }
        options.json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
