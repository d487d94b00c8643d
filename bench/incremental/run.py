"""Nightly incremental runs: what each day's harvest run costs on a site that changes.

    uv run python bench/incremental/run.py [--items 2000] [--days 30] [--tail-days 0]
        [--new-per-day 10] [--editions-per-day 5] [--seed 1] [--revisit-budget B]
        [--sitemap] [--delay 0] [--day1-only] [--port 0] [--harvest-project DIR]
        [--json FILE]

Serves the simulated site (``site.py``) from a thread (``server.py``), then runs
harvest's real CLI (``uv run harvest crawl``) once a simulated day against it, over
HTTP, on one output folder (so one state file): day 0 is the first, full crawl; days
1..D each add items and new editions of older ones, and the run of each day is measured
from the server's side (requests by class and status) and from harvest's output (which
new items and which editions it emitted). Prints one row a day and the totals; ``--json``
writes them too.

Where harvest supports it (``crawl --help`` names ``--revisit-budget``), each run gets
``HARVEST_CLOCK``, the simulated time of that night's run, and ``--revisit-budget`` when
given; otherwise both are left out and the runs measure harvest as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/incremental
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # bench/: procstat

from loading import incremental_site
from procstat import cpu_model
from server import IncrementalServer, serving

SITE = incremental_site()
ROOT = Path(__file__).resolve().parents[2]
HOST = "www.rand.org"
HELP_TIMEOUT_S = 300.0
STOP_GRACE_S = 30.0
DETECTION_WINDOW_DAYS = 30
_ITEM_URL = re.compile(r"/pubs/research_reports/RRB(\d+)\.html$")


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


@dataclass(frozen=True)
class Options:
    """The benchmark's parameters, from the command line."""

    items: int
    days: int
    tail_days: int
    new_per_day: int
    editions_per_day: int
    seed: int
    revisit_budget: int | None
    sitemap: bool
    delay: float
    concurrency: int
    timeout_s: float
    json_path: Path | None
    keep: bool
    project: Path = ROOT
    port: int = 0

    @property
    def harvest(self) -> list[str]:
        """How to start harvest's CLI: ``uv run`` in the project (a checkout of harvest)."""
        return ["uv", "run", "--project", str(self.project), "--quiet", "harvest"]

    @property
    def last_day(self) -> int:
        return self.days + self.tail_days


@dataclass(frozen=True)
class HarvestRun:
    """One harvest run seen from outside: exit, time, manifest, the records it emitted."""

    exit_code: int
    wall_s: float
    manifest: dict[str, Any]
    changes: list[tuple[int, str]]  # (item id, change) of each publication record
    topics: int
    log_lines: int  # on stderr: with --quiet, problems only


@dataclass
class Tracker:
    """When harvest first emitted each new item, and each edition as ``updated``."""

    first_new: dict[int, int] = field(default_factory=dict)  # item -> day
    pending: dict[int, list[int]] = field(default_factory=dict)  # item -> edition days
    editions: list[dict[str, Any]] = field(default_factory=list)  # item, made, detected
    unexpected_updates: int = 0
    repeated_new: int = 0

    def see(self, day: int, made: tuple[int, ...], changes: list[tuple[int, str]]) -> int:
        """Take in day ``day``: its new editions, then the run's records. Editions detected."""
        for item in made:
            self.pending.setdefault(item, []).append(day)
            self.editions.append({"item": item, "made": day, "detected": None})
        detected = 0
        for item, change in changes:
            if change == "new":
                self.repeated_new += item in self.first_new
                self.first_new.setdefault(item, day)
            elif change == "updated":
                detected += self._detect(item, day)
        return detected

    def _detect(self, item: int, day: int) -> int:
        """An ``updated`` record of ``item``: its pending editions are detected on ``day``."""
        days = self.pending.pop(item, [])
        if not days:
            self.unexpected_updates += 1
        for edition in self.editions:
            if edition["item"] == item and edition["detected"] is None:
                edition["detected"] = day
        return len(days)


# -- harvest ---------------------------------------------------------------------------


def harvest_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any ``HARVEST_`` setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVEST_")}
    return env | (extra or {})


def supports_clock(options: Options, work: Path) -> bool:
    """Whether harvest has the revisit schedule (``crawl --help`` names --revisit-budget)."""
    env = harvest_env({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    shown = subprocess.run(
        [*options.harvest, "crawl", "--help"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=HELP_TIMEOUT_S,
        check=False,
    )
    if shown.returncode != 0:
        raise BenchError(f"harvest crawl --help failed (exit {shown.returncode}): {shown.stderr}")
    return "revisit-bud" in shown.stdout + shown.stderr


def harvest_command(port: int, out: Path, day: int, options: Options, clock: bool) -> list[str]:
    """The nightly crawl: rand.org URLs on the local port, sent to 127.0.0.1 by --resolve."""
    concurrency = str(options.concurrency)
    delay = 0.0 if day == 0 else options.delay
    cmd = [
        *options.harvest,
        *("crawl", f"http://{HOST}:{port}{SITE.listing_target(0)}"),
        *("--resolve", f"{HOST}=127.0.0.1", "--out", str(out)),
        *("--concurrency", concurrency, "--per-host-concurrency", concurrency),
        *("--delay", f"{delay:g}", "--quiet", "--log-format", "json"),
    ]
    if clock and options.revisit_budget is not None:
        cmd += ["--revisit-budget", str(options.revisit_budget)]
    return cmd


def run_harvest(
    cmd: list[str], env: dict[str, str], work: Path, name: str, timeout_s: float
) -> int:
    """Run harvest to its end (stopped after ``timeout_s``); its exit code.

    It runs in a session of its own, so that its whole tree (uv, harvest, its parse
    workers) can be stopped at once should the driver stop or the run take too long.
    """
    with (work / f"{name}.out").open("wb") as out, (work / f"{name}.err").open("wb") as err:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, cwd=work, env=env, start_new_session=True
        )
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"{name}: still running after {timeout_s:g} s, stopped") from exc
        finally:
            left = _stop_group(proc)
    if left:
        print(f"bench: warning: {name}: harvest exited, its processes did not", file=sys.stderr)
    return code


def _stop_group(proc: subprocess.Popen[bytes]) -> bool:
    """Stop what is left of the process group ``proc`` leads: SIGTERM, then SIGKILL.

    True when something was left to stop.
    """
    for signum, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 10.0)):
        if proc.poll() is not None and not _group_alive(proc.pid):
            return signum != signal.SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait_s)
        deadline = time.monotonic() + wait_s
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    return True


def _group_alive(pgid: int) -> bool:
    """Whether any process of process group ``pgid`` is still there (Linux ``/proc``)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The fields after the command name (in parentheses): state, ppid, pgrp, ...
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def read_run(out: Path, before: set[str], work: Path, name: str) -> tuple[Path, dict[str, Any]]:
    """The run folder the last run wrote (the one new under ``out``) and its manifest."""
    made = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and p.name not in before]
    if len(made) != 1:
        tail = (work / f"{name}.err").read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{name}: {len(made)} new run folders in {out}: " + " | ".join(tail))
    manifest = json.loads((made[0] / "manifest.json").read_text(encoding="utf-8"))
    return made[0], manifest


def read_changes(run_dir: Path) -> list[tuple[int, str]]:
    """(item id, change) of each of the run's publication records."""
    changes = []
    path = run_dir / "publications.jsonl"
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            match = _ITEM_URL.search(record.get("url", ""))
            if match:
                changes.append((int(match[1]), record.get("change", "")))
    return changes


def count_lines(path: Path) -> int:
    """Lines of a file; 0 when there is none."""
    if not path.exists():
        return 0
    with path.open("rb") as lines:
        return sum(1 for _ in lines)


def nightly_run(day: int, server: IncrementalServer, work: Path, ctx: Context) -> HarvestRun:
    """Set the site to ``day`` and run harvest once on the shared output folder."""
    server.set_day(day)
    out = work / "out"
    out.mkdir(exist_ok=True)
    before = {p.name for p in out.iterdir()}
    env = harvest_env({"HARVEST_CLOCK": iso(day)} if ctx.clock else None)
    cmd = harvest_command(server.port, out, day, ctx.options, ctx.clock)
    name = f"day-{day:03d}"
    started = time.monotonic()
    code = run_harvest(cmd, env, work, name, ctx.options.timeout_s)
    wall_s = time.monotonic() - started
    if code not in (0, 1):  # 1: finished, more pages failed than allowed: still measured
        tail = (work / f"{name}.err").read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{name}: harvest exit {code}: " + " | ".join(tail))
    run_dir, manifest = read_run(out, before, work, name)
    return HarvestRun(
        code,
        wall_s,
        manifest,
        read_changes(run_dir),
        count_lines(run_dir / "topics.jsonl"),
        count_lines(work / f"{name}.err"),
    )


def iso(day: int) -> str:
    """The simulated time of day ``day``'s run, for ``HARVEST_CLOCK``."""
    return SITE.run_time(day).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the days --------------------------------------------------------------------------


@dataclass
class Context:
    """What every day needs: the options, the site, whether harvest has the clock."""

    options: Options
    site: Any
    clock: bool
    tracker: Tracker = field(default_factory=Tracker)
    machine: dict[str, Any] = field(default_factory=dict)


def costs(model: Any, day: int) -> dict[str, int]:
    """The reference costs of a day: a full re-crawl, the ideal, the ideal of the stop rule.

    Full re-crawl: robots.txt, every listing page and every item, unconditionally.
    Day 0, the first crawl, must read everything: all three are the full crawl.
    Ideal: robots.txt, the listing pages down to the first one that shows an item
    known the day before (ceil((new + 1) / 20)), the new items and the revised ones.
    Stop rule: the same, but the listing is read until a page brings no new URL
    (ceil(new / 20) + 1 pages), as harvest's rule does.
    """
    new, revised = model.adds(day), len(model.editions(day))
    pages = model.listing_pages(day)
    full = 1 + pages + model.total(day)
    if day == 0:
        return {"full": full, "ideal": full, "ideal_stop_rule": full}
    return {
        "full": full,
        "ideal": 1 + min(-(-(new + 1) // SITE.PER_PAGE), pages) + new + revised,
        "ideal_stop_rule": 1 + min(-(-new // SITE.PER_PAGE) + 1, pages) + new + revised,
    }


def simulate_day(day: int, server: IncrementalServer, work: Path, ctx: Context) -> dict[str, Any]:
    """Run day ``day`` and return its row: requests, findings, references."""
    model = ctx.site.model
    run = nightly_run(day, server, work, ctx)
    made = model.editions(day)
    detected = ctx.tracker.see(day, made, run.changes)
    new_ids = model.new_ids(day)
    first_new = ctx.tracker.first_new
    changes = Counter(change for _item, change in run.changes)
    return {
        "day": day,
        "date": SITE.day_date(day).isoformat(),
        "phase": "first" if day == 0 else "tail" if day > ctx.options.days else "change",
        "exit_code": run.exit_code,
        "harvest_version": run.manifest.get("harvest_version"),
        "duration_s": run.manifest.get("duration_s"),
        "wall_s": round(run.wall_s, 2),
        "harvest_requests": run.manifest.get("fetch", {}).get("requests"),
        "harvest_counts": {
            key: run.manifest.get("counts", {}).get(key)
            for key in ("pages", "fetched", "new", "updated", "unchanged", "removed", "skipped")
        },
        "records": dict(changes) | {"topics": run.topics},
        "plan": run.manifest.get("plan"),  # harvest's discovery and revisits, where it has them
        "log_lines": run.log_lines,
        "server": server.counts(day),
        "items": model.total(day),
        "new_items": len(new_ids),
        "new_found": sum(1 for i in new_ids if first_new.get(i) == day),
        "editions": list(made),
        "editions_detected": detected,
        "editions_pending": sum(len(days) for days in ctx.tracker.pending.values()),
        **costs(model, day),
    }


def check_first_crawl(row: dict[str, Any], ctx: Context) -> None:
    """Day 0 must emit every item as new; else the rest measures nothing."""
    found = sum(1 for day in ctx.tracker.first_new.values() if day == 0)
    if found != ctx.site.model.total(0):
        raise BenchError(
            f"day 0: harvest emitted {found} of {ctx.site.model.total(0)} items as new "
            f"(exit {row['exit_code']}, counts {row['harvest_counts']})"
        )


def run_days(ctx: Context, work: Path) -> list[dict[str, Any]]:
    """Serve the site and run every day, printing each row as it comes."""
    rows = []
    with serving(ctx.site, ctx.options.port) as server:
        print(table_header(ctx.options.sitemap), flush=True)
        for day in range(ctx.options.last_day + 1):
            row = simulate_day(day, server, work, ctx)
            if day == 0:
                check_first_crawl(row, ctx)
            rows.append(row)
            print(table_row(row, ctx.options.sitemap), flush=True)
    return rows


# -- the figures -----------------------------------------------------------------------


def totals(rows: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """The figures over the days: requests against the references, findings, delays."""
    change = [r for r in rows if r["phase"] == "change"]
    tail = [r for r in rows if r["phase"] == "tail"]
    requests = sum(r["server"]["requests"] for r in change)
    full, ideal = sum(r["full"] for r in change), sum(r["ideal"] for r in change)
    return {
        "first_crawl": {"requests": rows[0]["server"]["requests"], "items": rows[0]["items"]},
        "days": len(change),
        "requests": requests,
        "requests_by_class": by_class(change),
        "body_bytes": sum(r["server"]["body_bytes"] for r in change),
        "full_recrawl": full,
        "ideal": ideal,
        "ideal_stop_rule": sum(r["ideal_stop_rule"] for r in change),
        "requests_over_full": round(requests / full, 4) if full else None,
        "requests_over_ideal": round(requests / ideal, 2) if ideal else None,
        "new_items": new_item_figures(change, ctx),
        "editions": edition_figures(ctx, rows[-1]["day"]),
        "tail": {
            "days": len(tail),
            "requests": sum(r["server"]["requests"] for r in tail),
            "requests_by_class": by_class(tail),
            "ideal": sum(r["ideal"] for r in tail),
        },
        "unexpected_updates": ctx.tracker.unexpected_updates,
        "repeated_new": ctx.tracker.repeated_new,
    }


def by_class(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Requests summed over ``rows``, by class and status."""
    summed: dict[str, Counter[str]] = {}
    for row in rows:
        for klass, statuses in row["server"]["classes"].items():
            summed.setdefault(klass, Counter()).update(statuses)
    return {klass: dict(sorted(c.items())) for klass, c in sorted(summed.items())}


def new_item_figures(change: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """New items: how many, found the day they appeared, later (how late), never."""
    model, first_new = ctx.site.model, ctx.tracker.first_new
    added = [(i, r["day"]) for r in change for i in model.new_ids(r["day"])]
    delays = [first_new[i] - day for i, day in added if i in first_new]
    missed = [i for i, _day in added if i not in first_new]
    return {
        "added": len(added),
        "found_same_day": delays.count(0),
        "share_same_day": round(delays.count(0) / len(added), 4) if added else None,
        "found_later": len(delays) - delays.count(0),
        "max_delay_days": max(delays, default=None),
        "never_found": missed,
    }


def edition_figures(ctx: Context, last_day: int) -> dict[str, Any]:
    """Editions: detected share, delays, and the share detected within the 30-day window.

    An edition's window is closed when it was made at least 30 days before the last
    simulated day; undetected editions with an open window are pending, not missed.
    """
    editions = ctx.tracker.editions
    delays = [e["detected"] - e["made"] for e in editions if e["detected"] is not None]
    closed = [e for e in editions if e["made"] + DETECTION_WINDOW_DAYS <= last_day]
    within = [
        e
        for e in closed
        if e["detected"] is not None and e["detected"] - e["made"] <= DETECTION_WINDOW_DAYS
    ]
    return {
        "made": len(editions),
        "detected": len(delays),
        "share_detected": round(len(delays) / len(editions), 4) if editions else None,
        "max_delay_days": max(delays, default=None),
        "median_delay_days": statistics.median(delays) if delays else None,
        "window_closed": len(closed),
        "detected_within_window": len(within),
        "share_within_window": round(len(within) / len(closed), 4) if closed else None,
        "missed": [e for e in closed if e not in within],
        "pending": [e for e in editions if e["detected"] is None and e not in closed],
    }


def table_header(sitemap: bool) -> str:
    """The column names of the daily table."""
    extra = f" {'sitemap':>7}" if sitemap else ""
    return (
        f"{'day':>4} {'date':10} {'requests':>8} {'robots':>6} {'listing':>11} {'new item':>8} "
        f"{'known item':>11}{extra} {'other':>5} {'new found':>9} {'editions':>8} "
        f"{'detected':>8} {'pending':>7} {'full':>7} {'ideal':>5} {'run s':>6}"
    )


def table_row(row: dict[str, Any], sitemap: bool) -> str:
    """One day of the table; a pair is ``200/304``."""
    classes = row["server"]["classes"]

    def pair(klass: str) -> str:
        statuses = classes.get(klass, {})
        return f"{statuses.get('200', 0)}/{statuses.get('304', 0)}"

    def total(klass: str) -> int:
        return sum(classes.get(klass, {}).values())

    extra = f" {total('sitemap'):>7}" if sitemap else ""
    mark = {"first": "", "change": "", "tail": "t"}[row["phase"]]
    return (
        f"{row['day']:>3}{mark or ' '} {row['date']:10} {row['server']['requests']:>8} "
        f"{total('robots'):>6} {pair('listing'):>11} {total('item_new'):>8} "
        f"{pair('item_known'):>11}{extra} {total('other'):>5} "
        f"{row['new_found']:>4}/{row['new_items']:<4} {len(row['editions']):>8} "
        f"{row['editions_detected']:>8} {row['editions_pending']:>7} {row['full']:>7} "
        f"{row['ideal']:>5} {row['duration_s'] or 0:>6.2f}"
    )


def summary_lines(figures: dict[str, Any], clock: bool) -> list[str]:
    """The totals, in words."""
    new, ed, tail = figures["new_items"], figures["editions"], figures["tail"]
    lines = [
        "",
        f"harvest revisit schedule (HARVEST_CLOCK): {'yes' if clock else 'NO: measured before it'}",
        f"first crawl: {figures['first_crawl']['requests']} requests, "
        f"{figures['first_crawl']['items']} items",
        f"days 1-{figures['days']}: {figures['requests']} requests; daily full re-crawl "
        f"{figures['full_recrawl']} ({figures['requests_over_full']} of it); ideal "
        f"{figures['ideal']} (x{figures['requests_over_ideal']}); ideal under the stop rule "
        f"{figures['ideal_stop_rule']}",
        f"new items: {new['found_same_day']} of {new['added']} found the day they appeared "
        f"({new['share_same_day']}), {new['found_later']} later (max {new['max_delay_days']} "
        f"days), {len(new['never_found'])} never",
        f"editions: {ed['detected']} of {ed['made']} detected ({ed['share_detected']}), delay "
        f"max {ed['max_delay_days']} median {ed['median_delay_days']} days; within "
        f"{DETECTION_WINDOW_DAYS} days: {ed['detected_within_window']} of {ed['window_closed']} "
        f"with a closed window ({ed['share_within_window']}); undetected: "
        f"{len(ed['missed'])} missed (window closed), {len(ed['pending'])} pending (window open)",
    ]
    if tail["days"]:
        lines.append(
            f"tail: {tail['days']} days without changes, {tail['requests']} requests "
            f"(ideal {tail['ideal']})"
        )
    if figures["unexpected_updates"] or figures["repeated_new"]:
        lines.append(
            f"anomalies: {figures['unexpected_updates']} 'updated' records of unchanged items, "
            f"{figures['repeated_new']} items emitted as 'new' twice"
        )
    return lines


def describe(site: Any) -> str:
    """The site in one line: items, listing pages, what each day changes."""
    model, params = site.model, site.params
    return (
        f"site: {model.total(0)} items, {model.listing_pages(0)} listing pages on day 0; "
        f"{params.new_per_day} new items and {params.editions_per_day} editions a day "
        f"for {params.change_days} days, seed {params.seed}, sitemap {params.sitemap}"
    )


def commit(project: Path) -> str | None:
    """The commit of the harvest checkout, ``-dirty`` when its tracked files differ."""
    described = subprocess.run(
        ["git", "-C", str(project), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return described.stdout.strip() or None


def machine(project: Path) -> dict[str, Any]:
    """The facts to record with the figures: machine, Python, harvest's commit."""
    return {
        "cpu": cpu_model(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "harvest_commit": commit(project),
    }


# -- the command -----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000, help="items on day 0 (default 2000)")
    parser.add_argument("--days", type=int, default=30, help="days that change (default 30)")
    parser.add_argument(
        "--tail-days", type=int, default=0, help="days after them with no change (default 0)"
    )
    parser.add_argument("--new-per-day", type=int, default=10, help="default 10")
    parser.add_argument("--editions-per-day", type=int, default=5, help="default 5")
    parser.add_argument("--seed", type=int, default=1, help="of the editions' draw (default 1)")
    parser.add_argument("--revisit-budget", type=int, help="harvest's --revisit-budget")
    parser.add_argument("--sitemap", action="store_true", help="robots.txt names a sitemap")
    parser.add_argument("--delay", type=float, default=0.0, help="harvest's --delay on days 1+")
    parser.add_argument("--concurrency", type=int, default=16, help="harvest's (default 16)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds a run may take")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="the site's port (default 0: a free one). It is part of every URL, and so of "
        "what harvest's schedule derives from URLs: pin it to repeat a run exactly",
    )
    parser.add_argument("--day1-only", action="store_true", help="only day 0 and day 1")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--keep", action="store_true", help="keep harvest's output and logs")
    parser.add_argument(
        "--harvest-project",
        type=Path,
        default=ROOT,
        help="the checkout of harvest to run (default: this one)",
    )
    args = parser.parse_args(argv)
    if args.items < 1 or min(args.days, args.tail_days, args.new_per_day) < 0:
        parser.error("--items must be at least 1; --days, --tail-days, --new-per-day at least 0")
    return Options(
        items=args.items,
        days=1 if args.day1_only else args.days,
        tail_days=0 if args.day1_only else args.tail_days,
        new_per_day=args.new_per_day,
        editions_per_day=args.editions_per_day,
        seed=args.seed,
        revisit_budget=args.revisit_budget,
        sitemap=args.sitemap,
        delay=args.delay,
        concurrency=args.concurrency,
        timeout_s=args.timeout,
        json_path=args.json,
        keep=args.keep,
        project=args.harvest_project.resolve(),
        port=args.port,
    )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the days; print the table and the totals; write the JSON when asked."""
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_signal)  # unwinds: finally blocks stop everything
    params = SITE.Params(
        options.items, options.new_per_day, options.editions_per_day, options.seed,
        options.days, sitemap=options.sitemap,
    )  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    failed = True
    try:
        facts = machine(options.project)
        ctx = Context(options, SITE.Site(params), supports_clock(options, work), machine=facts)
        print(
            f"harvest: {options.project} ({facts['harvest_commit']}), "
            f"revisit schedule: {'yes' if ctx.clock else 'no'}; {describe(ctx.site)}",
            flush=True,
        )
        if options.revisit_budget is not None and not ctx.clock:
            print("bench: harvest has no --revisit-budget yet: left out", file=sys.stderr)
        rows = run_days(ctx, work)
        failed = False
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if options.keep or failed:
            print(f"bench: output kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    figures = totals(rows, ctx)
    print("\n".join(summary_lines(figures, ctx.clock)))
    now = commit(options.project)
    if now != ctx.machine["harvest_commit"]:
        print(f"bench: warning: harvest changed during the runs: now at {now}", file=sys.stderr)
        ctx.machine["harvest_commit_at_end"] = now
    if options.json_path:
        write_json(options, ctx, rows, figures)
    return 0


def write_json(options: Options, ctx: Context, rows: list[dict[str, Any]], figures: Any) -> None:
    """The results file: machine, options, whether harvest had the schedule, days, totals."""
    result = {
        "machine": ctx.machine,
        # No machine paths: the harvest measured is named by its commit (``machine``).
        "options": {k: v for k, v in asdict(options).items() if not isinstance(v, Path)},
        "harvest_has_schedule": ctx.clock,
        "harvest_version": rows[0].get("harvest_version"),
        "totals": figures,
        "days": rows,
    }
    assert options.json_path is not None
    options.json_path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
