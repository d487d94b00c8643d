"""JSONL output that appears atomically: written aside, fsynced, then renamed.

A reader never sees a half-written file or a partial line: until ``commit`` the
data lives in a hidden ``.NAME.part`` file beside the target; ``abort`` removes it.
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
        self.part = target.with_name(f".{target.name}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._fh: IO[str] = self.part.open("w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise WriteError(f"cannot write {target}: {exc.strerror or exc}") from exc

    def write(self, text: str) -> None:
        try:
            self._fh.write(text)
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


def write_json(target: Path, data: dict[str, Any]) -> Path:
    """Write a JSON document atomically (pretty-printed, for people and tools)."""
    with AtomicFile(target) as out:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return target
