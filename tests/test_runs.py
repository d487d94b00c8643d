"""Scheduled runs: incremental, resumable after SIGKILL, locked, with exit codes for a scheduler.

Crawls run against the fault site on 127.0.0.1 (real HTTP), in-process where the
test looks at results, and as real ``python -m harvest`` processes where it looks
at exit codes, locks and kills. No wait has a deadline of its own: a hang is
pytest-timeout's to end.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harvest import crawl_sync
from harvest.run._runner import RunResult
from tests.conftest import wait_for
from tests.faultserver import (
    HOST,
    PAGES,
    TOPIC,
    Conn,
    FaultSite,
    Request,
    Route,
    fault_site,
    page,
    product_page,
    product_path,
    recorded_site,
    site_settings,
    status,
)

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "site"


def crawl(site: FaultSite, out: Path, **settings: Any) -> RunResult:
    return crawl_sync(site_settings(site, out, **{"timeout_s": 1, **settings}))


def months_later(months: int) -> datetime:
    """A clock past every page's next visit: the default schedule re-checks monthly at most."""
    return datetime.now(UTC) + timedelta(days=31 * months)


def lines(result: RunResult, name: str = "publications.jsonl") -> list[dict[str, Any]]:
    text = (result.run_dir / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def with_etag(body: bytes, etag: str, seen: list[dict[str, str]]) -> Route:
    """A page that answers 304 to a request carrying its ETag; notes each request's headers."""

    def route(conn: Conn, request: Request) -> None:
        seen.append(request.headers)
        if request.headers.get("if-none-match") == etag:
            conn.head(304, {"ETag": etag, "Content-Length": "0"})
        else:
            conn.respond(200, body, headers={"ETag": etag})

    return route


# -- incremental ----------------------------------------------------------------------


def test_an_unchanged_site_gives_no_records_and_is_asked_conditionally(tmp_path: Path) -> None:
    seen: list[dict[str, str]] = []
    with fault_site() as site:
        for n in range(1, PAGES + 1):
            site.routes[product_path(n)] = with_etag(product_page(n), f'"v1-{n}"', seen)
        first = crawl(site, tmp_path)
        seen.clear()
        second = crawl(site, tmp_path, clock=months_later(1))
        conditional = list(seen)
        # The changed body must also change the record: a new title.
        site.routes[product_path(2)] = with_etag(
            product_page(2).replace(b"Fault Report 2", b"Fault Report 2, Revised"), '"v2"', seen
        )
        third = crawl(site, tmp_path, clock=months_later(2))
    assert [r["change"] for r in lines(first)] == ["new"] * PAGES
    assert lines(second) == [] and lines(second, "topics.jsonl") == []
    assert second.manifest["counts"]["unchanged"] == PAGES + 1
    assert len(conditional) == PAGES
    assert all(h.get("if-none-match", "").startswith('"v1-') for h in conditional)
    assert second.manifest["fetch"]["statuses"] == {"304": PAGES, "200": 2}  # robots.txt, the topic
    (updated,) = lines(third)
    assert updated["url"] == site.url(product_path(2)) and updated["change"] == "updated"
    assert updated["title"] == "Fault Report 2, Revised"
    assert third.manifest["counts"]["updated"] == 1
    assert third.manifest["counts"]["unchanged"] == PAGES  # the topic page and 4 products


def test_without_validators_the_same_body_counts_as_unchanged(tmp_path: Path) -> None:
    with fault_site() as site:
        crawl(site, tmp_path)
        again = crawl(site, tmp_path, clock=months_later(1))
    assert again.manifest["counts"]["unchanged"] == PAGES + 1
    assert again.manifest["counts"]["records"] == {"publication": 0, "topic": 0, "error": 0}
    # Coverage counts the records seen, emitted or not: the site did not get emptier.
    assert again.manifest["coverage"]["product"]["records"] == PAGES


def test_a_new_body_with_the_same_record_is_not_emitted(tmp_path: Path) -> None:
    with fault_site() as site:
        crawl(site, tmp_path)
        body = product_page(1).replace(b"</body>", b"<script>var nonce = 42;</script></body>")
        site.routes[product_path(1)] = page(body)
        again = crawl(site, tmp_path, clock=months_later(1))
    assert lines(again) == []
    assert again.manifest["counts"]["unchanged"] == PAGES + 1


def test_full_re_emits_everything(tmp_path: Path) -> None:
    with fault_site() as site:
        crawl(site, tmp_path)
        full = crawl(site, tmp_path, full=True)
    assert [r["change"] for r in lines(full)] == ["unchanged"] * PAGES
    assert len(lines(full, "topics.jsonl")) == 1


def test_a_page_that_is_gone_is_reported_removed(tmp_path: Path) -> None:
    with fault_site() as site:
        crawl(site, tmp_path)
        site.routes[product_path(4)] = status(410)
        gone = crawl(site, tmp_path, clock=months_later(1))
        again = crawl(site, tmp_path, clock=months_later(3))
    assert gone.manifest["removed_urls"] == [site.url(product_path(4))]
    assert gone.manifest["counts"]["removed"] == 1 and gone.error_rate == 0
    (error,) = lines(gone, "errors.jsonl")
    assert error["outcome"] == "removed" and error["status"] == 410
    # Gone and still gone: a plain failure now, not removed a second time.
    assert again.manifest["counts"]["removed"] == 0


def test_a_changed_configuration_starts_a_new_pass(tmp_path: Path) -> None:
    with fault_site() as site:
        crawl(site, tmp_path, max_pages=3)
        wider = crawl(site, tmp_path)
    assert wider.manifest["config_digest"] != ""
    assert wider.manifest["resumed_pages"] == 0
    assert wider.manifest["counts"]["new"] == PAGES + 1 - 3


# -- resume ---------------------------------------------------------------------------


def _harvest(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "harvest", *args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=environment, cwd=ROOT,
    )  # fmt: skip


def _crawl_args(site: FaultSite, out: Path, *more: str, seeds: tuple[str, ...] = ()) -> list[str]:
    seeds = seeds or ("/pubs/monographs/MG115.html", "/topics/security-cooperation.html")
    return [
        "crawl", *map(site.url, seeds), "--resolve", f"{HOST}=127.0.0.1", "--out", str(out),
        "--delay", "0", "--concurrency", "2", *more,
    ]  # fmt: skip


def _slow_recorded_site(site: FaultSite, seconds: float) -> None:
    for path, route in recorded_site(SITE).items():
        site.routes[path] = lambda c, r, route=route: (c.stop.wait(seconds), route(c, r))


def _records(out: Path) -> Iterator[dict[str, Any]]:
    """Every record of every published run under ``out``; fails on a partial line."""
    for run in sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink()):
        for name in ("publications.jsonl", "topics.jsonl"):
            data = (run / name).read_bytes()
            assert not data or data.endswith(b"\n"), f"{run.name}/{name} ends mid-line"
            for line in data.splitlines():
                yield json.loads(line)


def _comparable(record: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in record.items() if k != "fetched_at"}, sort_keys=True)


def _done_urls(state: Path) -> set[str]:
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT url FROM frontier WHERE done_run IS NOT NULL").fetchall()
    return {url for (url,) in rows}


@pytest.mark.slow
def test_runs_killed_at_random_moments_publish_each_record_exactly_once(
    tmp_path: Path, seed: int
) -> None:
    chance = random.Random(seed)  # the moments; a failure prints the seed to draw them again
    out, state = tmp_path / "killed", tmp_path / "killed" / "state.sqlite"
    with fault_site() as site:
        _slow_recorded_site(site, 0.03)
        kills, done_before = 0, set[str]()
        for _ in range(12):  # at most: kills landing before any page do not count
            started_hits = len(site.hits)
            crawler = _harvest(*_crawl_args(site, out))
            kill_after = started_hits + chance.randint(2, 8)
            while len(site.hits) < kill_after and crawler.poll() is None:
                time.sleep(0.005)
            time.sleep(chance.uniform(0, 0.05))
            crawler.send_signal(signal.SIGKILL)
            crawler.communicate(timeout=10)
            if crawler.returncode == 0:
                break  # it finished first
            kills += 1
            hits = {site.url(hit.path) for hit in site.hits[started_hits:]}
            assert not hits & done_before, sorted(hits & done_before)
            done_before |= _done_urls(state)
            if kills >= 6:
                break
        started_hits = len(site.hits)
        final = _harvest(*_crawl_args(site, out))
        _, stderr = final.communicate(timeout=60)
        assert final.returncode == 0, stderr
        hits = {site.url(hit.path) for hit in site.hits[started_hits:]}
        assert not hits & done_before, sorted(hits & done_before)
        reference = _harvest(*_crawl_args(site, tmp_path / "once"))
        _, stderr = reference.communicate(timeout=60)
        assert reference.returncode == 0, stderr
    assert kills >= 5, f"only {kills} kills landed"
    killed = sorted(_comparable(r) for r in _records(out))
    once = sorted(_comparable(r) for r in _records(tmp_path / "once"))
    assert len(once) == 33
    assert killed == once
    assert not list(out.rglob(".*.part")), "a part file was left behind"


@pytest.mark.slow
def test_a_stopped_run_is_taken_up_by_the_next(tmp_path: Path) -> None:
    with fault_site() as site:
        _slow_recorded_site(site, 0.05)
        crawler = _harvest(*_crawl_args(site, tmp_path, "--concurrency", "1"))
        wait_for(lambda: len(site.hits) >= 6, crawler)
        crawler.send_signal(signal.SIGTERM)
        _, stderr = crawler.communicate(timeout=20)
        assert crawler.returncode == 130, stderr
        first_hits = len(site.hits)
        next_run = _harvest(*_crawl_args(site, tmp_path))
        _, stderr = next_run.communicate(timeout=60)
        assert next_run.returncode == 0, stderr
        second = [hit.path for hit in site.hits[first_hits:]]
    assert len(list(_records(tmp_path))) == 33
    assert len(second) == len(set(second)) and len(second) < 33


# -- lock -------------------------------------------------------------------------------


def test_two_runs_started_together_one_runs_the_other_exits_75(tmp_path: Path) -> None:
    # The site answers nothing until the test lets it: the winner holds the lock all
    # along, so the loser exits while it runs or, if it waited for the lock, never.
    let_go = threading.Event()
    with fault_site() as site:
        for path, route in recorded_site(SITE).items():
            site.routes[path] = lambda c, r, route=route: (
                let_go.wait(60),
                c.stop.wait(0.05),
                route(c, r),
            )
        runs = [_harvest(*_crawl_args(site, tmp_path)) for _ in range(2)]
        try:
            while all(run.poll() is None for run in runs):
                time.sleep(0.005)  # pytest-timeout ends a loser that waits
            loser = next(run for run in runs if run.poll() is not None)
            winner = next(run for run in runs if run is not loser)
            _, loser_err = loser.communicate(timeout=30)
            asked = [hit.path for hit in site.hits]
            winner.send_signal(signal.SIGTERM)
        finally:
            let_go.set()
        _, winner_err = winner.communicate(timeout=30)
    assert loser.returncode == 75, loser_err
    assert winner.returncode == 130, winner_err  # it was still running: it got the signal
    assert asked.count("/robots.txt") <= 1  # the loser asked for nothing
    message = json.loads(loser_err.splitlines()[-1])["message"]
    assert "another harvest run holds the lock" in message and f"pid {winner.pid}" in message


def test_the_lock_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    with fault_site() as site:
        _slow_recorded_site(site, 0.2)
        crawler = _harvest(*_crawl_args(site, tmp_path))
        wait_for(lambda: bool(site.hits), crawler)
        crawler.kill()
        crawler.communicate(timeout=10)
        lock = json.loads((tmp_path / "state.sqlite.lock").read_text())
        assert lock["pid"] == crawler.pid
        site.routes = {**site.routes, **recorded_site(SITE)}  # fast again
        again = _harvest(*_crawl_args(site, tmp_path))
        _, stderr = again.communicate(timeout=60)
    assert again.returncode == 0, stderr
    assert (tmp_path / "state.sqlite.lock").read_text() == ""  # released on the way out


# -- exit codes ---------------------------------------------------------------------------


def _exit_code(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    process = _harvest(*args, env=env)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def test_exit_0_when_the_run_succeeds(tmp_path: Path) -> None:
    assert _exit_code(["crawl", "--replay", str(SITE), "--out", str(tmp_path)])[0] == 0


def test_exit_1_when_too_many_pages_failed(tmp_path: Path) -> None:
    with fault_site() as site:
        site.routes[product_path(1)] = status(500)
        code, stderr = _exit_code(_crawl_args(site, tmp_path, "--attempts", "1", seeds=(TOPIC,)))
    assert code == 1, stderr
    assert "of pages failed" in stderr
    events = [json.loads(line) for line in stderr.splitlines()]
    (failed,) = [event for event in events if event["event"] == "fetch_failed"]
    assert failed["url"].endswith(product_path(1)) and failed["outcome"] == "http_error"
    assert (failed["status"], failed["attempts"], failed["level"]) == (500, 1, "warning")


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (["crawl", "--concurrency", "0"], {}, "concurrency"),
        (["crawl"], {"HARVEST_DELAY": "soon"}, "HARVEST_DELAY"),
        (["crawl", "--bogus"], {}, "--bogus"),
        (["crawl", "--config", "missing.toml"], {}, "missing.toml"),
    ],
)
def test_exit_2_on_a_usage_or_configuration_error(
    args: list[str], env: dict[str, str], names: str, tmp_path: Path
) -> None:
    code, stderr = _exit_code([*args, "--out", str(tmp_path)], env)
    assert code == 2, stderr
    assert names in stderr and "Traceback" not in stderr


def test_exit_2_names_the_bad_key_of_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "harvest.toml"
    config.write_text("[politeness]\ndelya = 1\n", encoding="utf-8")
    code, stderr = _exit_code(["crawl", "--config", str(config), "--out", str(tmp_path)])
    assert code == 2 and "unknown key politeness.delya" in stderr
