"""A run's output folder: one JSONL file per record kind, errors, and the manifest.

``OUT/<run_id>/publications.jsonl``, ``topics.jsonl``, ``errors.jsonl`` and
``manifest.json`` appear together when the run ends; ``OUT/latest`` then points
at the newest complete run.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from harvest.errors import WriteError
from harvest.models import ErrorRecord, Publication, Topic
from harvest.write.jsonl import JsonlWriter, write_json

FILES = {"publication": "publications.jsonl", "topic": "topics.jsonl", "error": "errors.jsonl"}


class RunWriter:
    """Writers for one run; ``commit`` publishes them all, ``abort`` drops them."""

    def __init__(self, out_dir: Path, run_id: str) -> None:
        self.dir = out_dir / run_id
        if self.dir.exists():
            raise WriteError(f"run folder already exists: {self.dir}")
        self.out_dir = out_dir
        self.run_id = run_id
        self._writers = {kind: JsonlWriter(self.dir / name) for kind, name in FILES.items()}

    def write(self, record: Publication | Topic | ErrorRecord) -> None:
        self._writers[record.kind].write_record(record)

    def write_line(self, kind: str, line: str) -> None:
        """Write a record already serialized (by a parse worker) to its kind's file."""
        self._writers[kind].write_line(line)

    def counts(self) -> dict[str, int]:
        return {kind: writer.count for kind, writer in self._writers.items()}

    def commit(self, manifest: dict[str, Any], *, point_latest: bool = True) -> Path:
        """Publish the JSONL files, then the manifest, then (unless told not to) move ``latest``."""
        for writer in self._writers.values():
            writer.commit()
        write_json(self.dir / "manifest.json", manifest)
        if point_latest:
            _point_latest(self.out_dir, self.run_id)
        return self.dir

    def abort(self) -> None:
        """Drop everything this run wrote; an interrupted run leaves no trace."""
        for writer in self._writers.values():
            writer.abort()
        with contextlib.suppress(OSError):  # not empty: something else wrote there
            self.dir.rmdir()


def _point_latest(out_dir: Path, run_id: str) -> None:
    link, tmp = out_dir / "latest", out_dir / f".latest.{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(run_id, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)  # no symlinks here (some filesystems): the run is still whole
