"""What /proc says of a process tree: its members, their memory and CPU (Linux).

Shared by the crawl and reparse benchmarks, which sample harvest's process tree (the
main process, its forkserver, parse workers, resource tracker) from the outside.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
from pathlib import Path

TICKS_S = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` (first) and its descendants now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                text = Path(f"/proc/{current}/task/{task}/children").read_text()
            except OSError:
                continue
            todo.extend(int(child) for child in text.split())
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its descendants: a reparse killed alone leaves its pool behind."""
    for member in tree(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signal.SIGKILL)


def rollup(pid: int) -> tuple[int, int]:
    """RSS and PSS of a process in bytes, from ``/proc/PID/smaps_rollup``; zeros when gone."""
    found = {"Rss:": 0, "Pss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(" ")
            if key in found:
                found[key] = int(rest.split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        return 0, 0
    return found["Rss:"], found["Pss:"]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from ``/proc/PID/stat``; None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces
        return (int(fields[11]) + int(fields[12])) / TICKS_S  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def cpu_model() -> str | None:
    """The CPU's model name (``/proc/cpuinfo``), for the machine facts of a result."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None
