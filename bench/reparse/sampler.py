"""One process run to its end, measured from the outside: time, memory and CPU of its tree.

The approach of ``bench/memory/memory.py``: every ``interval_s`` a thread walks the
process and its descendants (``/proc/PID/task/*/children``: a reparse's forkserver, its
parse workers, the resource tracker) and reads each one's RSS and PSS from
``/proc/PID/smaps_rollup``. PSS divides shared pages among the processes sharing them,
so the tree's PSS counts a forked worker's copy-on-write pages once. The same walk reads
each process's CPU time from ``/proc/PID/stat``, so the main process's share can be told
from the workers'. The main process is reaped with ``os.wait4`` for its peak RSS.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: procstat

from procstat import cpu_seconds, kill_tree, rollup, tree

MIB = 1024 * 1024


@dataclass
class TreeUsage:
    """What the samples of a process tree found; memory in bytes, CPU in seconds."""

    samples: int = 0
    peak_tree_pss: int = 0
    peak_tree_rss: int = 0
    peak_main_rss: int = 0
    peak_others_pss: int = 0  # the tree less the main process: forkserver and workers
    cpu_s: dict[int, float] = field(default_factory=dict)  # last seen, by pid
    # (s since start, main process's PSS, the other processes' PSS), every sample
    pss_timeline: list[tuple[float, int, int]] = field(default_factory=list)

    @property
    def main_cpu_s(self) -> float:
        """CPU time of the main process (the first pid seen) when last sampled."""
        return next(iter(self.cpu_s.values()), 0.0)

    @property
    def others_cpu_s(self) -> float:
        """CPU time of every other process of the tree, each when last sampled."""
        return sum(self.cpu_s.values()) - self.main_cpu_s

    def pss_by_quarter(self) -> list[float]:
        """The tree's peak PSS (MiB) in each quarter of the run's time."""
        if not self.pss_timeline:
            return []
        end = self.pss_timeline[-1][0] or 1.0
        peaks = [0] * 4
        for at, main, others in self.pss_timeline:
            quarter = min(3, int(4 * at / end))
            peaks[quarter] = max(peaks[quarter], main + others)
        return [round(peak / MIB, 1) for peak in peaks]

    def timeline(self, points: int = 120) -> list[tuple[float, float, float]]:
        """About ``points`` samples, evenly spread: (s, main PSS MiB, others' PSS MiB)."""
        step = max(1, len(self.pss_timeline) // points)
        return [
            (round(at, 2), round(main / MIB, 1), round(others / MIB, 1))
            for at, main, others in self.pss_timeline[::step]
        ]


class TreeSampler(threading.Thread):
    """Samples the memory and CPU time of process ``pid`` and its descendants."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.usage = TreeUsage(cpu_s={pid: 0.0})
        self._t0 = time.perf_counter()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.sample()

    def stop(self) -> TreeUsage:
        """Stop sampling; what was found."""
        self._stop_event.set()
        self.join(timeout=5)
        return self.usage

    def sample(self) -> None:
        """One sample of every process of the tree now."""
        usage = self.usage
        main_rss = main_pss = tree_rss = tree_pss = others_pss = 0
        for pid in tree(self.pid):
            rss, pss = rollup(pid)
            if pid == self.pid:
                if not rss:  # exited, a zombie waiting to be reaped: nothing to sample
                    return
                main_rss, main_pss = rss, pss
            else:
                others_pss += pss
            tree_rss, tree_pss = tree_rss + rss, tree_pss + pss
            if (cpu := cpu_seconds(pid)) is not None:
                usage.cpu_s[pid] = cpu
        usage.samples += 1
        usage.peak_tree_pss = max(usage.peak_tree_pss, tree_pss)
        usage.peak_tree_rss = max(usage.peak_tree_rss, tree_rss)
        usage.peak_main_rss = max(usage.peak_main_rss, main_rss)
        usage.peak_others_pss = max(usage.peak_others_pss, others_pss)
        usage.pss_timeline.append((time.perf_counter() - self._t0, main_pss, others_pss))


@dataclass(frozen=True)
class Measured:
    """A finished process: exit code, wall time, its peak RSS and its tree's usage."""

    returncode: int
    wall_s: float
    peak_rss_mib: float  # the main process's, from wait4
    main_cpu_s: float  # from wait4: the main process (the pool's processes are not its to reap)
    rss_floor_mib: float  # this driver's own peak then: the least wait4 can report
    sampler_cpu_s: float  # this driver's CPU time meanwhile: the sampling's cost
    timed_out: bool
    tree: TreeUsage


def measure(
    cmd: list[str], cwd: Path, log_dir: Path, timeout_s: float, interval_s: float = 0.05
) -> Measured:
    """Run ``cmd`` to its end (killed after ``timeout_s``), sampling its process tree.

    stdout and stderr go to ``log_dir/out.txt`` and ``err.txt``. Linux carries a
    parent's peak RSS into a child across fork and exec, so the child's peak RSS is
    never below the driver's own (``rss_floor_mib``), which the driver keeps small.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    floor_mib, own_cpu_s = own.ru_maxrss / 1024, own.ru_utime + own.ru_stime
    expired = threading.Event()
    with (log_dir / "out.txt").open("wb") as out, (log_dir / "err.txt").open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        sampler = TreeSampler(proc.pid, interval_s)
        sampler.start()

        def expire() -> None:
            expired.set()
            kill_tree(proc.pid)

        killer = threading.Timer(timeout_s, expire)
        killer.start()
        try:
            _, status, rusage = os.wait4(proc.pid, 0)
        except BaseException:
            kill_tree(proc.pid)
            proc.wait(timeout=10)
            raise
        finally:
            killer.cancel()
            usage = sampler.stop()
        wall_s = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measured(
        returncode=proc.returncode,
        wall_s=wall_s,
        peak_rss_mib=rusage.ru_maxrss / 1024,
        main_cpu_s=rusage.ru_utime + rusage.ru_stime,
        rss_floor_mib=floor_mib,
        sampler_cpu_s=own.ru_utime + own.ru_stime - own_cpu_s,
        timed_out=expired.is_set(),
        tree=usage,
    )
