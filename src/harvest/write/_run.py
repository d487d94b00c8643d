"""A run's output folder: one JSONL file per record kind, errors, and the manifest.

``OUT/<run_id>/publications.jsonl``, ``topics.jsonl``, ``errors.jsonl`` and
``manifest.json`` appear together when the run ends; ``OUT/latest`` then points
at the newest complete run.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from harvest.errors import WriteError
from harvest.models import ErrorRecord, Publication, Topic
from harvest.write._jsonl import JsonlWriter, publish_part, write_json

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

    def sizes(self) -> dict[str, int]:
        """Bytes written to each file so far, by file name (for a checkpoint)."""
        return {writer.target.name: writer.size for writer in self._writers.values()}

    def flush(self, *, sync: bool = False) -> None:
        """Hand every file's lines to the OS (``sync``: to the disk)."""
        for writer in self._writers.values():
            writer.flush(sync=sync)

    def commit(self, manifest: dict[str, Any], *, latest: bool = True) -> Path:
        """Publish the JSONL files, then the manifest, then (unless told not to) move ``latest``."""
        for writer in self._writers.values():
            writer.commit()
        write_json(self.dir / "manifest.json", manifest)
        if latest:
            point_latest(self.out_dir, self.run_id)
        return self.dir

    def close(self) -> None:
        """Stop writing and leave the part files as they are, for ``recover_run``."""
        for writer in self._writers.values():
            with contextlib.suppress(WriteError):
                writer.close()

    def abort(self) -> None:
        """Drop everything this run wrote; an interrupted run leaves no trace."""
        for writer in self._writers.values():
            writer.abort()
        with contextlib.suppress(OSError):  # not empty: something else wrote there
            self.dir.rmdir()


def recover_run(run_dir: Path, sizes: dict[str, int], manifest: dict[str, Any]) -> bool:
    """Publish what a dead run had checkpointed: each file cut back to ``sizes``.

    Returns False when a file was shorter than its checkpoint (data lost with
    the machine); it is then cut at its last whole line. Idempotent: a run that
    died while publishing is finished. ``latest`` is not moved.
    """
    intact = True
    for name in FILES.values():
        intact &= publish_part(run_dir / name, sizes.get(name, 0))
    manifest["counts"]["records"] = {
        kind: count_lines(run_dir / name) for kind, name in FILES.items()
    }
    write_json(run_dir / "manifest.json", manifest)
    return intact


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """A run folder's manifest, or None when it has none (not published) or it is unreadable."""
    try:
        data = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def count_lines(path: Path) -> int:
    """Lines in a file, read in blocks."""
    lines = 0
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                lines += block.count(b"\n")
    except OSError as exc:
        raise WriteError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return lines


def point_latest(out_dir: Path, run_id: str) -> None:
    """Point ``OUT/latest`` at a run, atomically (a symlink renamed over the old one)."""
    link, tmp = out_dir / "latest", out_dir / f".latest.{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(run_id, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)  # no symlinks here (some filesystems): the run is still whole
