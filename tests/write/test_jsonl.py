"""Output appears atomically: nothing visible until commit, nothing left on abort."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harvest.errors import WriteError
from harvest.models import ErrorRecord
from harvest.write import AtomicFile, JsonlWriter, RunWriter


def _error(n: int) -> ErrorRecord:
    return ErrorRecord(
        url=f"https://www.rand.org/{n}.html",
        stage="fetch",
        reason="HTTP 404",
        status=404,
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_file_appears_only_on_commit(tmp_path: Path) -> None:
    target = tmp_path / "records.jsonl"
    writer = JsonlWriter(target)
    writer.write_record(_error(1))
    assert not target.exists()
    writer.commit()
    assert [json.loads(line)["url"] for line in target.read_text().splitlines()] == [
        "https://www.rand.org/1.html"
    ]
    assert list(tmp_path.iterdir()) == [target]


def test_abort_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "records.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), AtomicFile(target) as out:
        out.write("new\n")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_lines_are_utf8_one_record_each(tmp_path: Path) -> None:
    target = tmp_path / "r.jsonl"
    with JsonlWriter(target) as writer:
        writer.write_record(_error(1).model_copy(update={"reason": "naïve “quote”\nnewline"}))
    raw = target.read_bytes()
    assert raw.count(b"\n") == 1 and "naïve".encode() in raw
    assert json.loads(raw)["reason"] == "naïve “quote”\nnewline"


def test_run_writer_publishes_all_files_and_latest(tmp_path: Path) -> None:
    run = RunWriter(tmp_path, "run-1")
    run.write(_error(1))
    assert not (tmp_path / "run-1" / "errors.jsonl").exists()
    run.commit({"run_id": "run-1"})
    assert sorted(p.name for p in (tmp_path / "latest").iterdir()) == [
        "errors.jsonl",
        "manifest.json",
        "publications.jsonl",
        "topics.jsonl",
    ]
    assert run.counts() == {"publication": 0, "topic": 0, "error": 1}


def test_run_writer_refuses_to_overwrite_a_run(tmp_path: Path) -> None:
    (tmp_path / "run-1").mkdir()
    with pytest.raises(WriteError, match="already exists"):
        RunWriter(tmp_path, "run-1")


def test_unwritable_folder_is_a_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(WriteError, match="cannot write"):
        JsonlWriter(blocker / "sub" / "x.jsonl")


def test_aborted_run_leaves_no_folder(tmp_path: Path) -> None:
    run = RunWriter(tmp_path, "run-1")
    run.write(_error(1))
    run.abort()
    assert list(tmp_path.iterdir()) == []
