"""Parsing in worker processes gives the same records as parsing inline."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

import harvest.parse
import harvest.parse._jobs as workers
from harvest import Settings, crawl_sync
from harvest.parse._jobs import WORKER_NICE, ParseJob, Parser, parse_job
from harvest.parse._pool import ParseWorkers
from tests.conftest import SITE
from tests.workerjobs import sleepy


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


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


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
            first = await parser.parse(_job())  # in the worker
            (worker,) = parser.worker_pids
            os.kill(worker, signal.SIGKILL)
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
            assert parser.booting
            waited = await parser.parse(job)  # waits for the worker
            return early.kind, not parser.booting, waited.kind, parser.pooled
        finally:
            parser.close()

    assert asyncio.run(go()) == ("publication", True, "publication", True)


def test_workers_not_up_in_time_are_given_up(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    let_go, returned = threading.Event(), threading.Event()

    def hangs(self: ParseWorkers) -> None:
        let_go.wait(60)  # a forkserver that does not answer, until the test lets it go
        returned.set()

    monkeypatch.setattr(ParseWorkers, "start", hangs)
    monkeypatch.setattr(workers, "BOOT_TIMEOUT_S", 0.2)

    async def go() -> tuple[str | None, bool, bool]:
        parser = Parser(workers=1)
        try:
            kind = (await parser.parse(_job())).kind  # waits for the boot, then inline
            return kind, parser.pooled, returned.is_set()
        finally:
            let_go.set()
            parser.close()

    # Parsed inline while the start still hung: the boot was given up, not waited out.
    assert asyncio.run(go()) == ("publication", False, False)
    assert "not up after 0.2 s" in caplog.text and "parsing inline" in caplog.text


def test_parse_workers_run_at_a_lower_priority_than_the_crawl() -> None:
    async def go() -> int:
        parser = Parser(workers=1)
        try:
            assert await parser.started()
            (worker,) = parser.worker_pids
            assert (await parser.parse(_job())).kind == "publication"  # it works, niced
            return os.getpriority(os.PRIO_PROCESS, worker)
        finally:
            parser.close()

    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert asyncio.run(go()) == min(ours + WORKER_NICE, 19)


# -- the parse time limit (issue 18, defect 2) ------------------------------------------


def test_a_job_past_the_time_limit_kills_its_worker_and_another_takes_its_place() -> None:
    from harvest.parse._pool import WorkerGoneError, WorkerTimeoutError

    async def go() -> None:
        pool = ParseWorkers(1, sleepy, context=workers.forkserver())
        await asyncio.to_thread(pool.start)
        await pool.connect()
        try:
            (first,) = pool.pids
            stuck = asyncio.ensure_future(pool.parse(("sleep", 30), timeout_s=0.5))
            await asyncio.sleep(0.05)
            behind = asyncio.ensure_future(pool.parse("queued", timeout_s=5))
            with pytest.raises(WorkerTimeoutError, match=r"longer than 0\.5 s"):
                await stuck  # not "slept": stopped at the limit
            with pytest.raises(WorkerGoneError):
                await behind  # it went with the worker: the caller submits it again
            assert not _exists(first)
            assert await pool.parse("next", timeout_s=5) == ("echo", "next")  # a new worker
            (second,) = pool.pids
            assert second != first
        finally:
            pool.close()

    asyncio.run(asyncio.wait_for(go(), 60))


@pytest.mark.slow
def test_the_parser_turns_a_timeout_into_a_parse_timeout_result() -> None:
    # The limit is each job's, the next one's too, which a fresh worker answers after
    # importing the main module (pytest here): over half a second when the machine is
    # busy. 3 s leaves room for that, and is far short of the stuck job's 60 s.
    async def go() -> tuple[bool, str | None, str | None]:
        parser = Parser(workers=1, timeout_s=3, handler=sleepy)
        try:
            assert await parser.started()
            result = await parser.parse(("sleep", 60))  # type: ignore[arg-type]
            again = await parser.parse("after")  # type: ignore[arg-type]
            return result.timed_out, result.error, again  # type: ignore[return-value]
        finally:
            parser.close()

    timed_out, error, again = asyncio.run(asyncio.wait_for(go(), 60))
    assert timed_out and error is not None and "longer than 3 s" in error
    assert again == ("echo", "after")


def test_a_page_nested_past_the_limit_is_a_parse_timeout_in_every_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harvest.parse._depth import MAX_DEPTH

    def minutes_of_parsing(*args: object) -> None:
        raise AssertionError("the page was handed to the HTML parser")

    monkeypatch.setattr(harvest.parse, "load_html", minutes_of_parsing)
    body = b"<!DOCTYPE html><html><body>" + b"<div>" * 100_000 + b"</body></html>"  # 500 KB
    job = ParseJob(
        "https://www.rand.org/pubs/research_reports/RR1.html", body, datetime.now(UTC), None
    )
    result = parse_job(job)  # refused from its bytes: never parsed
    assert result.timed_out and f"more than {MAX_DEPTH} deep" in (result.error or "")
