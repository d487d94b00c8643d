"""Discovery: a run walks newest-first listings only as far as they bring something new.

The pure decisions (``harvest.run._discovery``) by table; then whole runs against a
catalogue served on 127.0.0.1 that grows between runs (``tests.catalogue``): the
day after a first crawl, a run asks for the new items and the listing pages that
show them, and not for the thousands of pages it already knows.
"""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harvest import crawl_sync
from harvest.run._discovery import Entry, next_step, order_problem
from harvest.run._runner import RunResult
from tests.catalogue import FIRST_DAY, LISTING, Catalogue, item_path, listing_path, requests_of
from tests.conftest import wait_for
from tests.faultserver import HOST, FaultSite, fault_site, site_settings, slow

ROOT = Path(__file__).resolve().parent.parent
DAY0 = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, 2, 30, tzinfo=UTC)

# -- the decisions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "whole", "streak", "disorder", "has_next", "stop", "follow", "whole_after"),
    [
        (5, False, 0, None, True, 1, True, False),  # new entries: go on
        (0, False, 0, None, True, 1, False, False),  # nothing new: stop
        (0, False, 0, None, True, 2, True, False),  # one known page is not enough yet
        (0, False, 1, None, True, 2, False, False),  # the second in a row is
        (0, True, 0, None, True, 1, True, True),  # a whole walk goes on
        (0, False, 0, "x", True, 1, True, True),  # out of order: walked whole
        (3, True, 0, None, False, 1, False, True),  # the last page ends every walk
    ],
)
def test_next_step_follows_the_stop_rule(
    new: int,
    whole: bool,
    streak: int,
    disorder: str | None,
    has_next: bool,
    stop: int,
    follow: bool,
    whole_after: bool,
) -> None:
    step = next_step(
        has_next=has_next,
        new=new,
        whole=whole,
        streak=streak,
        disorder=disorder,
        stop_after_known=stop,
    )
    assert (step.follow, step.whole) == (follow, whole_after)
    assert step.streak == (0 if new else streak + 1)


@pytest.mark.parametrize(
    ("dates", "floor", "ordered"),
    [
        (["2025-12-11", "2025-12-10", "2025-12"], None, True),
        (["2025-12-11", None, "2025-12-01"], None, True),  # undated entries are skipped
        (["2025", "2025-06-01", "2024-12"], None, True),  # compared as precisely as both
        (["2025-12-01", "2025-12-02"], None, False),
        (["2025-12-01"], "2025-11-30", False),  # newer than the page before ended
        (["2025-11-30"], "2025-11-30", True),
    ],
)
def test_order_problem_finds_entries_newer_than_those_before(
    dates: list[str | None], floor: str | None, ordered: bool
) -> None:
    entries = [Entry(f"https://x/{i}", d) for i, d in enumerate(dates)]
    assert (order_problem(entries, floor) is None) is ordered


def test_featured_entries_are_left_out_of_the_order_check() -> None:
    entries = [Entry("a", "2004-01-01", featured=True), Entry("b", "2025-12-11")]
    assert order_problem(entries) is None


# -- whole runs ---------------------------------------------------------------------------


def run(site: FaultSite, out: Path, day: int, **settings: Any) -> RunResult:
    options = {
        "seeds": (site.url(listing_path(0)),),
        "timeout_s": 2,
        "clock": DAY0 + timedelta(days=day),
        **settings,
    }
    return crawl_sync(site_settings(site, out, **options))


def changes(result: RunResult) -> dict[str, str]:
    text = (result.run_dir / "publications.jsonl").read_text(encoding="utf-8")
    return {r["url"]: r["change"] for r in map(json.loads, text.splitlines())}


@pytest.mark.slow
@pytest.mark.parametrize("budget", [0, 1500])
def test_the_day_after_a_crawl_asks_only_for_what_is_new(tmp_path: Path, budget: int) -> None:
    catalogue = Catalogue(2000, per_page=20)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        first = run(site, tmp_path, 0)
        assert first.manifest["counts"]["new"] == 2000 + 100  # items and listing pages
        new = catalogue.add(10, FIRST_DAY + timedelta(days=1))
        catalogue.install(site)
        before = len(site.hits)
        second = run(site, tmp_path, 1, revisit_budget=budget)
        asked = requests_of(site, before)
    assert changes(second) == {site.url(item_path(n)): "new" for n in new}
    # robots.txt, the first listing page, then the second and the new items it and the
    # first show (in the order the workers reach the server); the revisits due a day
    # after a first crawl are spread over the next 30 days.
    assert asked[:2] == ["/robots.txt", listing_path(0)]
    discovered = {listing_path(20), *(item_path(n) for n in new)}
    assert set(asked[2:13]) == discovered
    assert len(asked) <= 20 + budget
    revisits = second.manifest["plan"]["revisits"]
    assert revisits["asked"] == len(asked) - 13
    assert revisits["asked"] <= budget
    walk = second.manifest["plan"]["walks"][site.url(listing_path(0))]
    assert walk["pages"] == 2 and walk["new"] == 10


def test_a_walk_cut_by_max_pages_is_finished_by_later_runs(tmp_path: Path) -> None:
    catalogue = Catalogue(200, per_page=20)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        cut = run(site, tmp_path, 0, max_pages=60)
        assert cut.manifest["counts"]["pages"] == 60
        runs = [run(site, tmp_path, day, max_pages=60) for day in (1, 2, 3)]
        after = run(site, tmp_path, 4, max_pages=60)
    seen = set(changes(cut)).union(*map(changes, runs))
    assert seen == {site.url(item_path(n)) for n in range(1, 201)}
    # Each run went on from where the one before was cut; once the walk reached the
    # end, a run asks for the first listing page only.
    assert changes(after) == {}
    assert after.manifest["plan"]["walks"][site.url(listing_path(0))]["pages"] == 1


def test_a_night_with_more_new_items_than_max_pages_loses_none(tmp_path: Path) -> None:
    catalogue = Catalogue(100, per_page=20)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        run(site, tmp_path, 0)
        new = catalogue.add(70, FIRST_DAY + timedelta(days=1))
        catalogue.install(site)
        nights = [run(site, tmp_path, d, max_pages=25, revisit_budget=0) for d in (1, 2, 3, 4)]
    found = [url for night in nights for url, change in changes(night).items()]
    assert sorted(found) == sorted(site.url(item_path(n)) for n in new)  # each once
    assert all(night.manifest["counts"]["pages"] <= 25 for night in nights)


def test_a_listing_out_of_date_order_is_walked_whole_every_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="harvest")
    catalogue = Catalogue(100, per_page=20, disorder=True)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        run(site, tmp_path, 0)
        before = len(site.hits)
        again = run(site, tmp_path, 1, revisit_budget=0)
        asked = requests_of(site, before)
    assert [path for path in asked if path.startswith(LISTING)] == [
        listing_path(start) for start in range(0, 100, 20)
    ]
    walk = again.manifest["plan"]["walks"][site.url(listing_path(0))]
    assert walk["pages"] == 5 and "not newest first" in walk["disorder"]
    assert any("whole" in message for message in caplog.messages)


@pytest.mark.slow
def test_a_walk_cut_by_sigkill_is_finished_by_the_next_run(tmp_path: Path) -> None:
    catalogue = Catalogue(200, per_page=20)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        for start in range(0, 200, 20):
            path = listing_path(start)
            site.routes[path] = slow(site.routes[path], 0.15)
        args = [
            sys.executable, "-m", "harvest", "crawl", site.url(listing_path(0)),
            "--out", str(tmp_path), "--resolve", f"{HOST}=127.0.0.1", "--delay", "0",
            "--concurrency", "2", "--log-format", "json",
        ]  # fmt: skip
        env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
        crawler = subprocess.Popen(args, stderr=subprocess.PIPE, env=env)
        wait_for(lambda: sum(p.startswith(LISTING) for p in requests_of(site)) >= 4, crawler)
        crawler.send_signal(signal.SIGKILL)
        crawler.communicate(timeout=10)
        done = subprocess.run(
            args, check=False, capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        (complete,) = db.execute("SELECT complete FROM walks").fetchone()
        items = db.execute("SELECT count(*) FROM pages WHERE url LIKE '%/RRC%'").fetchone()[0]
    assert complete == 1 and items == 200
    lines = [
        json.loads(line)
        for folder in tmp_path.glob("2*")
        for line in (folder / "publications.jsonl").read_text().splitlines()
    ]
    assert sorted(r["url"] for r in lines) == sorted(
        site.url(item_path(n)) for n in range(1, 201)
    )  # each item exactly once over the killed run and the next
