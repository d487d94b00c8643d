"""The revisit schedule: a pure policy driven by a fake clock, then as the frontier applies it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harvest import crawl_sync
from harvest.cli import main
from harvest.config._settings import Settings
from harvest.errors import ConfigError
from harvest.run._schedule import DAY, RevisitPolicy, Visit, next_visit, phase
from harvest.state import STATE_VERSION, State, read_stamp
from tests.catalogue import FIRST_DAY, Catalogue, listing_path
from tests.faultserver import fault_site, site_settings

ROOT = Path(__file__).resolve().parent.parent
V1_STATE = ROOT / "tests" / "data" / "state-v1.sqlite"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
POLICY = RevisitPolicy()

# -- the policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visit", "interval", "published", "expected"),
    [
        (Visit.UNCHANGED, 2 * DAY, date(2026, 2, 27), 4 * DAY),  # grows
        (Visit.UNCHANGED, 20 * DAY, date(2026, 2, 27), 30 * DAY),  # up to the maximum
        (Visit.UNCHANGED, 2 * DAY, date(2020, 1, 1), 30 * DAY),  # old: the maximum at once
        (Visit.UNCHANGED, 2 * DAY, date(2026, 1, 30), 7.5 * DAY),  # at least age x recency
        (Visit.UNCHANGED, 2 * DAY, None, 30 * DAY),  # no date: taken as old
        (Visit.CHANGED, 8 * DAY, date(2020, 1, 1), 4 * DAY),  # a change brings it closer
        (Visit.CHANGED, DAY, date(2026, 2, 27), DAY),  # never under the minimum
        (Visit.FAILED, 8 * DAY, None, 8 * DAY),  # kept; asked again after the minimum
        (Visit.GONE, 8 * DAY, None, 30 * DAY),  # removed or skipped: much later
    ],
)
def test_the_interval_adapts_to_what_a_visit_found(
    visit: Visit, interval: timedelta, published: date | None, expected: timedelta
) -> None:
    revisit = next_visit(POLICY, visit, NOW, url="u", interval=interval, published=published)
    assert revisit.interval == expected
    wait = POLICY.min_interval if visit is Visit.FAILED else expected
    assert revisit.at == NOW + wait


@pytest.mark.parametrize(
    ("published", "interval"),
    [(date(2026, 3, 1), DAY), (date(2026, 2, 1), 7 * DAY), (date(2004, 8, 15), 30 * DAY)],
)
def test_a_first_visit_starts_from_the_age_and_falls_due_within_it(
    published: date, interval: timedelta
) -> None:
    urls = [f"https://www.rand.org/pubs/research_reports/RR{n}.html" for n in range(400)]
    firsts = [next_visit(POLICY, Visit.FIRST, NOW, url=u, published=published) for u in urls]
    assert {first.interval for first in firsts} == {interval}
    waits = sorted((first.at - NOW) / interval for first in firsts)
    assert 0 < waits[0] < 0.05 and 0.95 < waits[-1] <= 1  # spread over the whole interval


@given(
    visit=st.sampled_from(Visit),
    days=st.one_of(st.none(), st.floats(min_value=0.001, max_value=10_000)),
    age=st.one_of(st.none(), st.integers(min_value=-30, max_value=30_000)),
)
def test_intervals_stay_within_the_bounds(
    visit: Visit, days: float | None, age: int | None
) -> None:
    interval = None if days is None else timedelta(days=days)
    published = None if age is None else (NOW - timedelta(days=age)).date()
    revisit = next_visit(POLICY, visit, NOW, url="u", interval=interval, published=published)
    if visit is not Visit.FAILED or interval is None:
        assert POLICY.min_interval <= revisit.interval <= POLICY.max_interval
    assert NOW < revisit.at <= NOW + POLICY.max_interval


def test_phase_is_a_stable_point_of_the_interval() -> None:
    url = "https://www.rand.org/pubs/monographs/MG115.html"
    assert phase(url) == phase(url) and 0 < phase(url) <= 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_interval", timedelta(0)), ("grow", 0.5), ("shrink", 0.0), ("recency", -1.0)],
)
def test_a_policy_out_of_bounds_is_a_config_error(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field.partition("_")[0]):
        RevisitPolicy(**{field: value})  # type: ignore[arg-type]


def test_max_below_min_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_interval_days"):
        RevisitPolicy(min_interval=7 * DAY, max_interval=DAY)


# -- applied by the frontier --------------------------------------------------------------


def test_revisits_take_the_most_overdue_pages_within_the_budget(tmp_path: Path) -> None:
    catalogue = Catalogue(120, per_page=20)
    day0 = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        options = {"seeds": (site.url(listing_path(0)),), "timeout_s": 2}
        crawl_sync(site_settings(site, tmp_path, clock=day0, **options))
        with sqlite3.connect(tmp_path / "state.sqlite") as db:
            due = sorted(
                db.execute("SELECT next_visit, url FROM pages WHERE next_visit IS NOT NULL")
            )
        later = day0 + timedelta(days=40)  # every page is due
        run = crawl_sync(site_settings(site, tmp_path, clock=later, revisit_budget=25, **options))
        asked = [site.url(path) for path in (hit.path for hit in site.hits[-26:])]
    assert len(due) == 120
    assert run.manifest["plan"]["revisits"]["asked"] == 25
    assert run.manifest["plan"]["revisits"]["due"] == 120
    assert run.manifest["counts"]["unchanged"] == 25 + 1  # the revisits and the listing
    assert set(asked[1:]) == {url for _, url in due[:25]}  # the most overdue, after the listing
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        rows = db.execute("SELECT url, interval_s, next_visit FROM pages").fetchall()
    revisited = {url: (interval, at) for url, interval, at in rows if url in set(asked[1:])}
    for interval, at in revisited.values():  # unchanged: the interval grew, from the clock
        assert read_stamp(at) == later + timedelta(seconds=interval)


def test_a_sitemap_lastmod_makes_a_changed_page_due_first(tmp_path: Path) -> None:
    catalogue = Catalogue(120, per_page=20)
    day0 = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    with fault_site(pages=0) as site:
        catalogue.install(site)
        catalogue.install_sitemap(site)
        options = {"seeds": (site.url(listing_path(0)),), "timeout_s": 2}
        first = crawl_sync(site_settings(site, tmp_path, clock=day0, **options))
        catalogue.revise(7, FIRST_DAY + timedelta(days=2))
        catalogue.install(site)
        catalogue.install_sitemap(site)
        later = day0 + timedelta(days=40)  # every page is due; the changed one first
        run = crawl_sync(site_settings(site, tmp_path, clock=later, revisit_budget=3, **options))
        again = crawl_sync(
            site_settings(site, tmp_path, clock=later + DAY, revisit_budget=0, **options)
        )
        sitemap_asks = [hit for hit in site.hits if hit.path == "/sitemap.xml"]
    assert first.manifest["plan"]["sitemaps"]["files"] == {
        site.url("/sitemap.xml"): "urlset: 120 entries"
    }
    sitemaps = run.manifest["plan"]["sitemaps"]
    assert sitemaps["marked_changed"] == 1 and sitemaps["new"] == 0
    (updated,) = [json.loads(line) for line in (run.run_dir / "publications.jsonl").open()]
    assert updated["url"].endswith("/RRC7.html") and updated["change"] == "updated"
    assert run.manifest["plan"]["revisits"]["asked"] == 3
    assert again.manifest["plan"]["sitemaps"]["files"] == {site.url("/sitemap.xml"): "not_modified"}
    assert len(sitemap_asks) == 3


def test_a_version_1_state_file_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    shutil.copy(V1_STATE, path)
    with sqlite3.connect(path) as db:
        before = db.execute("SELECT url, fetched_at, record_sha256 FROM pages").fetchall()
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    state = State(path)
    state.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == STATE_VERSION
        after = db.execute(
            "SELECT url, fetched_at, record_sha256, kind, next_visit, interval_s FROM pages"
        ).fetchall()
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == runs
    assert [row[:3] for row in after] == before  # history kept
    for _, fetched, _, kind, next_at, interval in after:
        if kind == "listing":
            assert next_at is None  # walked by discovery, not revisited
        else:
            wait = read_stamp(next_at) - read_stamp(fetched)
            assert timedelta(0) < wait <= timedelta(days=30) and interval == 30 * 86400


def test_a_migrated_state_goes_on_incrementally(tmp_path: Path) -> None:
    shutil.copy(V1_STATE, tmp_path / "state.sqlite")
    settings = Settings(replay_dir=ROOT / "fixtures" / "site", out_dir=tmp_path)
    result = crawl_sync(settings)
    # The topic listing is walked whole once (no walk was recorded in version 1); every
    # page it lists is known, so nothing is new and nothing is fetched but the seeds'.
    assert result.manifest["counts"]["new"] == 0
    assert result.manifest["counts"]["pages"] == 3  # MG115, the topic and its page 2
    month = crawl_sync(Settings(replay_dir=settings.replay_dir, out_dir=tmp_path,
                                clock=datetime.now(UTC) + timedelta(days=31)))  # fmt: skip
    assert month.manifest["counts"]["unchanged"] == 33 - 1  # all revisited; page 2 not


def test_status_shows_the_schedule_and_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    crawl_sync(Settings(replay_dir=ROOT / "fixtures" / "site", out_dir=tmp_path))
    capsys.readouterr()
    assert main(["status", "--out", str(tmp_path), "--json", "--revisit-budget", "10"]) == 0
    now = json.loads(capsys.readouterr().out)
    assert now["pages"]["known"] == 33 and now["pages"]["listing_pages"] == 2
    assert now["next_run"]["revisits"] == 0 and now["walks"][0]["complete"]
    later = datetime.now(UTC) + timedelta(days=31)
    monkeypatch.setenv("HARVEST_CLOCK", later.isoformat())
    assert main(["status", "--out", str(tmp_path), "--revisit-budget", "10"]) == 0
    text = capsys.readouterr().out
    assert "due now                31" in text and "revisits 10 (budget 10)" in text
    assert "at the pace          13 s" in text  # robots, MG115, the topic, 10 revisits
    assert main(["status", "--out", str(tmp_path / "none")]) == 2
    assert "no state file" in capsys.readouterr().err
