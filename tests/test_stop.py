"""A stop asked for at any moment gives an interrupted run (exit 130), never a complete one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from harvest.config._settings import Settings
from harvest.run._runner import crawl
from harvest.run._stop import StopRequest
from tests.conftest import SITE


def test_a_stop_asked_before_the_first_request_interrupts_the_run(tmp_path: Path) -> None:
    async def go() -> dict[str, object]:
        stop = StopRequest()
        stop.request("SIGTERM")  # before any worker takes a request
        result = await crawl(Settings(replay_dir=SITE, out_dir=tmp_path), stop=stop)
        return result.manifest

    manifest = asyncio.run(go())
    assert manifest["outcome"] == "interrupted" and manifest["interrupted_by"] == "SIGTERM"
    assert manifest["counts"]["pages"] == 0  # type: ignore[index]
    assert manifest["unfinished_urls"]  # left to the next run
    assert not (tmp_path / "latest").exists()
