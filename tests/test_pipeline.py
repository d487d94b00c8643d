"""The whole pipeline on the recorded site: through replay and through real HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harvest import Settings, crawl_sync
from harvest.run._runner import RunResult
from tests.conftest import SITE
from tests.faultserver import HOST, RedirectToLoopback, fault_site, recorded_site


def _lines(result: RunResult, name: str) -> list[dict[str, Any]]:
    text = (result.run_dir / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("out")
    return crawl_sync(Settings(replay_dir=SITE, out_dir=out))


def test_crawl_of_the_recorded_site_completes_without_error(replay_run: RunResult) -> None:
    assert _lines(replay_run, "errors.jsonl") == []
    counts = replay_run.manifest["counts"]
    assert counts["fetch_failed"] == counts["parse_failed"] == 0
    topics = _lines(replay_run, "topics.jsonl")
    assert sorted(t["url"] for t in topics) == [
        "https://www.rand.org/topics/security-cooperation.html",
        "https://www.rand.org/topics/security-cooperation.html?page=2",
    ]
    publications = _lines(replay_run, "publications.jsonl")
    linked = {e["url"] for t in topics for e in t["entries"]}
    assert linked <= {p["url"] for p in publications}
    assert "https://www.rand.org/pubs/monographs/MG115.html" in {p["url"] for p in publications}
    assert len(publications) == len({p["url"] for p in publications})  # each URL once


def test_run_leaves_no_partial_files(replay_run: RunResult) -> None:
    assert not [p for p in replay_run.run_dir.parent.rglob(".*") if p.name != ".gitkeep"]


def test_manifest_counts_match_the_files(replay_run: RunResult) -> None:
    manifest = json.loads((replay_run.run_dir / "manifest.json").read_text())
    records = manifest["counts"]["records"]
    assert records["publication"] == len(_lines(replay_run, "publications.jsonl"))
    assert records["topic"] == len(_lines(replay_run, "topics.jsonl"))
    assert manifest["counts"]["pages"] == records["publication"] + records["topic"]
    assert manifest["duration_s"] >= 0 and manifest["run_id"] == replay_run.run_dir.name


def test_bad_pages_go_to_errors_and_the_run_goes_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    rr2646 = site / "www.rand.org/pubs/research_reports/RR2646.html"
    rr2646.write_bytes(rr2646.read_bytes()[:5000])  # truncated
    (site / "www.rand.org/pubs/perspectives/PE353.html").unlink()  # gone
    blog = site / "www.rand.org/blog/2020"
    (blog / "08/missing-in-japans-deterrence-debate.html").write_bytes(b"")
    (blog / "07/can-america-weaken-the-russia-iran-axis.html").write_bytes(bytes(range(256)) * 64)
    (blog / "07/are-us-japan-relations-on-the-rocks.html").write_bytes(
        b"<!DOCTYPE html><html><head><title>Example Domain</title></head>"
        b"<body><h1>Example Domain</h1><p>For use in examples.</p></body></html>"
    )
    result = crawl_sync(Settings(replay_dir=site, out_dir=tmp_path / "out"))
    errors = {e["url"].rsplit("/", 1)[1]: e for e in _lines(result, "errors.jsonl")}
    assert {name: (e["stage"], e["status"]) for name, e in errors.items()} == {
        "RR2646.html": ("parse", 200),
        "PE353.html": ("fetch", 404),
        "missing-in-japans-deterrence-debate.html": ("parse", 200),
        "can-america-weaken-the-russia-iran-axis.html": ("parse", 200),
        "are-us-japan-relations-on-the-rocks.html": ("parse", 200),
    }
    assert "truncated" in errors["RR2646.html"]["reason"]
    assert "empty" in errors["missing-in-japans-deterrence-debate.html"]["reason"]
    assert "binary" in errors["can-america-weaken-the-russia-iran-axis.html"]["reason"]
    assert "no known page markup" in errors["are-us-japan-relations-on-the-rocks.html"]["reason"]
    assert len(_lines(result, "publications.jsonl")) == 31 - 5


def test_limits_bound_the_crawl(tmp_path: Path) -> None:
    result = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path, max_pages=5))
    assert result.manifest["counts"]["pages"] == 5
    result = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path, max_depth=0))
    assert result.manifest["counts"]["pages"] == 2  # the seeds only


def test_crawl_over_real_http_gives_the_same_records(replay_run: RunResult, tmp_path: Path) -> None:
    with fault_site(recorded_site(SITE), pages=0) as site:
        result = crawl_sync(
            Settings(out_dir=tmp_path, concurrency=4, delay_s=0),
            transport=RedirectToLoopback(site.base.replace(HOST, "127.0.0.1")),
        )
    requests = site.paths()
    assert requests.count("/robots.txt") == 1  # asked once, first
    pages = [path for path in requests if path != "/robots.txt"]
    assert len(pages) == len(set(pages)) == replay_run.manifest["counts"]["pages"]
    for name in ("publications.jsonl", "topics.jsonl"):
        live = {r["url"]: {**r, "fetched_at": None} for r in _lines(result, name)}
        replayed = {r["url"]: {**r, "fetched_at": None} for r in _lines(replay_run, name)}
        assert live == replayed
