"""One run per state file: an exclusive ``flock`` on ``STATE.lock``.

The kernel drops the lock when its process dies, however it dies (SIGKILL, a
crash, a reboot), so a lock left by a dead run is taken over by the next one
without anyone deleting a file. The file also says who holds it, for the
message the second run prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from harvest.errors import ConfigError, LockHeldError


@dataclass
class RunLock:
    """Held while a run uses its state file; ``previous`` is what a dead holder left."""

    path: Path
    previous: dict[str, Any] | None = None
    run_id: str | None = None  # the run that holds it
    _fd: int | None = None

    @classmethod
    def for_state(cls, state_path: Path) -> RunLock:
        return cls(state_path.with_name(state_path.name + ".lock"))

    def acquire(self, run_id: str) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(f"cannot open lock file {self.path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise LockHeldError(_held_message(self.path, holder)) from None
        except OSError as exc:
            os.close(fd)
            raise ConfigError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        self.previous = _read(fd)  # a holder that died without unlocking left its note
        note = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "run_id": run_id,
            "since": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(note) + "\n").encode(), 0)
        self._fd, self.run_id = fd, run_id
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)  # a clean exit leaves no holder named
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read(fd: int) -> dict[str, Any] | None:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        note = json.loads(text) if text else None
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


def _held_message(path: Path, holder: dict[str, Any] | None) -> str:
    if not holder:
        return f"another harvest run holds the lock {path}"
    return (
        f"another harvest run holds the lock {path} (pid {holder.get('pid')} on "
        f"{holder.get('host')}, run {holder.get('run_id')}, since {holder.get('since')})"
    )
