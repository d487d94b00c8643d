"""The whole pipeline on the recorded site: through replay and through real HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harvest import Settings, crawl_sync
from harvest.pipeline import RunResult
from tests.conftest import SITE
from tests.servers import RedirectToLoopback, serve_site


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
    result = crawl_sync(Settings(replay_dir=site, out_dir=tmp_path / "out"))
    errors = {e["url"]: e for e in _lines(result, "errors.jsonl")}
    assert errors["https://www.rand.org/pubs/research_reports/RR2646.html"]["stage"] == "parse"
    assert "truncated" in errors["https://www.rand.org/pubs/research_reports/RR2646.html"]["reason"]
    assert errors["https://www.rand.org/pubs/perspectives/PE353.html"]["status"] == 404
    assert len(errors) == 2
    assert len(_lines(result, "publications.jsonl")) > 20


def test_limits_bound_the_crawl(tmp_path: Path) -> None:
    result = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path, max_pages=5))
    assert result.manifest["counts"]["pages"] == 5
    result = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path, max_depth=0))
    assert result.manifest["counts"]["pages"] == 2  # the seeds only


def test_crawl_over_real_http_gives_the_same_records(replay_run: RunResult, tmp_path: Path) -> None:
    with serve_site(SITE) as (base, requests):
        result = crawl_sync(
            Settings(out_dir=tmp_path, concurrency=4), transport=RedirectToLoopback(base)
        )
    assert len(requests) == len(set(requests)) == replay_run.manifest["counts"]["pages"]
    for name in ("publications.jsonl", "topics.jsonl"):
        live = {r["url"]: {**r, "fetched_at": None} for r in _lines(result, name)}
        replayed = {r["url"]: {**r, "fetched_at": None} for r in _lines(replay_run, name)}
        assert live == replayed
