"""Parsing in worker processes gives the same records as parsing inline."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harvest import Settings, crawl_sync, workers
from harvest.parse_workers import ParseWorkers
from harvest.workers import WORKER_NICE, ParseJob, Parser, parse_job
from tests.conftest import SITE


def _records(run_dir: Path, name: str) -> dict[str, dict[str, object]]:
    lines = (run_dir / name).read_text(encoding="utf-8").splitlines()
    return {r["url"]: {**r, "fetched_at": None} for r in map(json.loads, lines)}


def test_a_crawl_with_parse_workers_writes_the_same_records(tmp_path: Path) -> None:
    inline = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path / "inline"))
    pooled = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path / "pool", parse_workers=2))
    for name in ("publications.jsonl", "topics.jsonl", "errors.jsonl"):
        assert _records(pooled.run_dir, name) == _records(inline.run_dir, name)
    assert pooled.manifest["politeness"]["parse_workers"] == 2


def test_parse_job_never_raises() -> None:
    job = ParseJob("https://www.rand.org/pubs/x.html", b"", datetime.now(UTC), None)
    result = parse_job(job)
    assert result.line is None and result.error == "empty page: the body has no content"
    assert not result.bug


def _job() -> ParseJob:
    path = "www.rand.org/pubs/monographs/MG115.html"
    return ParseJob(f"https://{path}", (SITE / path).read_bytes(), datetime.now(UTC), None)


def test_workers_that_cannot_start_fall_back_to_parsing_inline(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_start(self: ParseWorkers) -> None:
        raise OSError("no processes for you")

    monkeypatch.setattr(ParseWorkers, "start", cannot_start)

    async def go() -> str | None:
        parser = Parser(workers=1)
        try:
            assert not await parser.started()
            return (await parser.parse(_job())).kind
        finally:
            parser.close()

    assert asyncio.run(go()) == "publication"
    assert "no processes for you" in caplog.text and "parsing inline" in caplog.text


def test_a_worker_that_dies_leaves_its_pages_to_be_parsed_inline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def go() -> list[str | None]:
        parser = Parser(workers=1)
        try:
            assert await parser.started()
            assert parser._pool is not None
            first = await parser.parse(_job())  # in the worker
            (process, _), *_ = parser._pool._started
            process.kill()
            process.join(5)
            second = await parser.parse(_job())  # the worker is gone: inline
            assert not parser.pooled
            return [first.kind, second.kind, (await parser.parse(_job())).kind]
        finally:
            parser.close()

    assert asyncio.run(go()) == ["publication"] * 3
    assert "parse workers unavailable" in caplog.text


def test_urgent_pages_are_parsed_inline_until_the_workers_are_up_others_wait() -> None:
    job = _job()

    async def go() -> tuple[str | None, bool, str | None, bool]:
        parser = Parser(workers=1)
        try:
            early = await parser.parse(job, urgent=True)  # the pool is still booting
            assert parser._ready is not None and not parser._ready.done()
            waited = await parser.parse(job)  # waits for the worker
            return early.kind, parser._ready.done(), waited.kind, parser.pooled
        finally:
            parser.close()

    assert asyncio.run(go()) == ("publication", True, "publication", True)


def test_workers_not_up_in_time_are_given_up(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hangs(self: ParseWorkers) -> None:
        time.sleep(1.0)  # a forkserver that does not answer (bounded here)

    monkeypatch.setattr(ParseWorkers, "start", hangs)
    monkeypatch.setattr(workers, "BOOT_TIMEOUT_S", 0.2)

    async def go() -> tuple[str | None, bool, float]:
        parser = Parser(workers=1)
        started = time.monotonic()
        try:
            kind = (await parser.parse(_job())).kind  # waits for the boot, then inline
            return kind, parser.pooled, time.monotonic() - started
        finally:
            parser.close()

    kind, pooled, waited = asyncio.run(go())
    assert (kind, pooled) == ("publication", False) and waited < 0.9
    assert "not up after 0.2 s" in caplog.text and "parsing inline" in caplog.text


def test_parse_workers_run_at_a_lower_priority_than_the_crawl() -> None:
    async def go() -> int:
        parser = Parser(workers=1)
        try:
            assert await parser.started()
            assert parser._pool is not None
            (process, _), *_ = parser._pool._started
            assert (await parser.parse(_job())).kind == "publication"  # it works, niced
            return os.getpriority(os.PRIO_PROCESS, process.pid or 0)
        finally:
            parser.close()

    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert asyncio.run(go()) == min(ours + WORKER_NICE, 19)
