"""Parsing in worker processes gives the same records as parsing inline."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harvest import Settings, crawl_sync
from harvest.workers import ParseJob, Parser, parse_job
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


def test_a_pool_that_cannot_start_falls_back_to_parsing_inline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = (SITE / "www.rand.org/pubs/monographs/MG115.html").read_bytes()
    job = ParseJob("https://www.rand.org/pubs/monographs/MG115.html", body, datetime.now(UTC), None)

    async def go() -> str | None:
        parser = Parser(workers=1)
        assert parser._pool is not None
        parser._pool.shutdown()  # a pool that is gone: submit raises RuntimeError
        try:
            assert not await parser.started()
            return (await parser.parse(job)).kind
        finally:
            parser.close()

    assert asyncio.run(go()) == "publication"
    assert "parsing inline" in caplog.text


def test_pages_are_parsed_inline_until_the_workers_are_up() -> None:
    body = (SITE / "www.rand.org/pubs/monographs/MG115.html").read_bytes()
    job = ParseJob("https://www.rand.org/pubs/monographs/MG115.html", body, datetime.now(UTC), None)

    async def go() -> tuple[str | None, bool, str | None]:
        parser = Parser(workers=1)
        try:
            early = await parser.parse(job)  # the pool is still booting: parsed here
            assert parser._ready is not None and not parser._ready.done()
            up = await parser.started()
            return early.kind, up, (await parser.parse(job)).kind
        finally:
            parser.close()

    assert asyncio.run(go()) == ("publication", True, "publication")
