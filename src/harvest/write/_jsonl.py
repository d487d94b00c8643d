"""JSONL output that appears atomically: written aside, fsynced, then renamed.

A reader never sees a half-written file or a partial line: until ``commit`` the
data lives in a hidden ``.NAME.part`` file beside the target; ``abort`` removes it.
``size`` counts the bytes written, so a caller can note how much of the file a
checkpoint covers and a dead run's file can be cut back to it (``truncate_part``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pydantic import BaseModel

from harvest.errors import WriteError


class AtomicFile:
    """A text file written aside and renamed into place on ``commit``."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.part = part_path(target)
        self.size = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._fh: IO[bytes] = self.part.open("wb")
        except OSError as exc:
            raise WriteError(f"cannot write {target}: {exc.strerror or exc}") from exc

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            self._fh.write(data)
        except OSError as exc:
            raise WriteError(f"cannot write {self.target}: {exc.strerror or exc}") from exc
        self.size += len(data)

    def flush(self, *, sync: bool = False) -> None:
        """Hand what was written to the OS (it then survives the process being killed)."""
        try:
            self._fh.flush()
            if sync:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            raise WriteError(f"cannot write {self.target}: {exc.strerror or exc}") from exc

    def commit(self) -> Path:
        """Flush to disk and rename into place; returns the final path."""
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self.part, self.target)
        except OSError as exc:
            raise WriteError(f"cannot write {self.target}: {exc.strerror or exc}") from exc
        return self.target

    def close(self) -> None:
        """Stop writing, leaving the part file for recovery (see ``publish_part``)."""
        try:
            self._fh.close()
        except OSError as exc:
            raise WriteError(f"cannot write {self.target}: {exc.strerror or exc}") from exc

    def abort(self) -> None:
        """Drop what was written; the target is left as it was."""
        self._fh.close()
        self.part.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


class JsonlWriter(AtomicFile):
    """One record a line, UTF-8, keys in model order; counts what it wrote."""

    def __init__(self, target: Path) -> None:
        super().__init__(target)
        self.count = 0

    def write_record(self, record: BaseModel) -> None:
        self.write_line(record.model_dump_json())

    def write_line(self, line: str) -> None:
        """Write one already-serialized record (a JSON object on one line)."""
        self.write(line + "\n")
        self.count += 1


def part_path(target: Path) -> Path:
    """Where ``target`` is written before it is published."""
    return target.with_name(f".{target.name}.part")


def publish_part(target: Path, size: int) -> bool:
    """Cut a dead writer's part file back to ``size`` bytes and publish it.

    What lies beyond ``size`` was written but never checkpointed: it goes. When
    the part file is shorter than ``size`` (the machine lost data that was not
    yet on disk), it is cut at its last whole line and the answer is False.
    """
    part = part_path(target)
    if not part.exists():
        if target.exists():  # renamed already: the run died while publishing
            return True
        part.touch()
    try:
        with part.open("r+b") as fh:
            actual = fh.seek(0, os.SEEK_END)
            keep = min(size, actual)
            if keep < size:  # lost: cut at the last newline
                fh.seek(0)
                keep = fh.read(keep).rfind(b"\n") + 1
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, target)
    except OSError as exc:
        raise WriteError(f"cannot recover {target}: {exc.strerror or exc}") from exc
    return keep == size


def write_json(target: Path, data: dict[str, Any]) -> Path:
    """Write a JSON document atomically (pretty-printed, for people and tools)."""
    with AtomicFile(target) as out:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return target
