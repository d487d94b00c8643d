"""Graceful stop: SIGTERM/SIGINT finish what is in flight and publish; a second signal cuts short.

The crawler runs as a real process (``python -m harvest crawl``) against the
fault site; signals are sent once the server has seen the requests the test
waits for. No wait has a deadline of its own: a hang is pytest-timeout's to end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import wait_for
from tests.faultserver import HOST, PAGES, TOPIC, FaultSite, fault_site, never_answer, product_path

ROOT = Path(__file__).resolve().parent.parent


def _start(site: FaultSite, out: Path, *options: str) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "harvest", "crawl", site.url(TOPIC),
        "--resolve", f"{HOST}=127.0.0.1", "--out", str(out), "--delay", "0",
        "--concurrency", "1", *options,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _run_dir(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    return run


def test_sigterm_finishes_the_request_in_flight_and_publishes(tmp_path: Path) -> None:
    with fault_site() as site:
        for n in range(1, PAGES + 1):  # each product page takes 0.6 s to answer
            route = site.routes[product_path(n)]
            site.routes[product_path(n)] = lambda c, r, route=route: (c.stop.wait(0.6), route(c, r))
        crawler = _start(site, tmp_path)
        try:
            wait_for(lambda: product_path(2) in site.paths(), crawler)
            crawler.send_signal(signal.SIGTERM)
            _, stderr = crawler.communicate(timeout=15)
        finally:
            crawler.kill()
    assert crawler.returncode == 130, stderr
    assert "SIGTERM" in stderr and "Traceback" not in stderr
    run = _run_dir(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    assert (manifest["outcome"], manifest["interrupted_by"]) == ("interrupted", "SIGTERM")
    lines = (run / "publications.jsonl").read_text().splitlines()
    harvested = {json.loads(line)["url"] for line in lines}  # every line whole
    assert site.url(product_path(2)) in harvested  # in flight at the signal: finished
    assert len(harvested) + manifest["counts"]["unfinished"] == PAGES
    assert (
        set(manifest["unfinished_urls"])
        == {site.url(product_path(n)) for n in range(1, PAGES + 1)} - harvested
    )
    assert not (tmp_path / "latest").exists()  # latest points at complete runs only


def test_a_second_signal_stops_at_once(tmp_path: Path) -> None:
    # The request in flight is never answered (the server holds it 15 s, the read
    # timeout is 30 s): only the second signal can end the run while it is held.
    with fault_site({product_path(1): never_answer}) as site:
        crawler = _start(site, tmp_path, "--timeout", "30")
        try:
            wait_for(lambda: product_path(1) in site.paths(), crawler)
            crawler.send_signal(signal.SIGINT)
            time.sleep(0.3)
            crawler.send_signal(signal.SIGINT)
            _, stderr = crawler.communicate(timeout=60)
            held = site.active  # the server still holds the request: not waited for
        finally:
            crawler.kill()
    assert crawler.returncode == 130, stderr
    assert "stopping now" in stderr and held == 1
    run = _run_dir(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    assert site.url(product_path(1)) in manifest["unfinished_urls"]  # cut short, not failed
    assert (run / "errors.jsonl").read_text() == ""
