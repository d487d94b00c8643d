"""The drift alarm: a run much poorer than the last complete one warns, and can fail (exit 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harvest.cli import main
from harvest.contract._drift import compare
from tests.faultserver import HOST, PAGES, TOPIC, fault_site, page, product_page, product_path
from tests.test_runs import crawl, months_later

ROOT = Path(__file__).resolve().parent.parent


def _undated(n: int) -> bytes:
    return product_page(n).replace(
        f'<meta name="citation_publication_date" content="2021/3/{n}">'.encode(), b""
    )


def test_pages_losing_their_date_exit_3_naming_published(tmp_path: Path) -> None:
    with fault_site() as site:
        first = crawl(site, tmp_path)
        for n in range(1, PAGES + 1):
            site.routes[product_path(n)] = page(_undated(n))
        command = [
            sys.executable, "-m", "harvest", "crawl", site.url(TOPIC), "--out", str(tmp_path),
            "--resolve", f"{HOST}=127.0.0.1", "--delay", "0", "--fail-on-drift",
        ]  # fmt: skip
        clock = months_later(1).isoformat()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HARVEST_CLOCK": clock}
        second = subprocess.run(
            command, check=False, capture_output=True, text=True, env=env, timeout=60
        )
    assert first.manifest["coverage"]["product"]["fields"]["published"] == 1.0
    assert second.returncode == 3, second.stderr
    events = [json.loads(line) for line in second.stderr.splitlines()]
    (drift,) = [e for e in events if e["event"] == "drift" and e["field"] == "published"]
    assert drift["before"] == 1.0 and drift["after"] == 0.0
    assert "'published'" in events[-1]["message"] and events[-1]["level"] == "error"
    # The second run's folder by its id (two runs in the same second sort by their random
    # suffixes, not in the order they ran).
    second_id = next(e["run_id"] for e in events if e["event"] == "run_start")
    manifest = json.loads((tmp_path / second_id / "manifest.json").read_text())
    alarms = manifest["drift"]["alarms"]
    assert manifest["drift"]["compared_with"] == first.manifest["run_id"]
    assert {a["field"] for a in alarms if a["alarm"] == "coverage"} >= {"published"}


def test_without_fail_on_drift_it_warns_and_report_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fault_site() as site:
        first = crawl(site, tmp_path)
        for n in range(1, PAGES + 1):
            site.routes[product_path(n)] = page(_undated(n))
        second = crawl(site, tmp_path, clock=months_later(1))
    assert [a["field"] for a in second.drift if a["alarm"] == "coverage"] == [
        "published",
        "published_raw",
    ]
    capsys.readouterr()
    assert main(["report", second.manifest["run_id"], "--out", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["drift"]["compared_with"] == first.manifest["run_id"]
    assert report["coverage"]["product"]["fields"]["published"] == 0.0
    assert report["previous_coverage"]["product"]["fields"]["published"] == 1.0
    assert main(["report", str(second.run_dir)]) == 0
    table = capsys.readouterr().out
    assert "published" in table and "0% (-100)" in table and "drift alarm:" in table


def test_report_of_a_missing_run_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "no run at" in capsys.readouterr().err


def test_an_unchanged_site_raises_no_alarm(tmp_path: Path) -> None:
    with fault_site() as site:
        crawl(site, tmp_path)
        # every page unchanged: coverage from the state
        again = crawl(site, tmp_path, clock=months_later(1))
    assert again.drift == [] and again.manifest["drift"]["compared_with"]


def test_a_listing_that_stops_listing_rings() -> None:
    before = _manifest(records=10, published=1.0)
    assert compare(_manifest(records=10, published=1.0), before)["alarms"] == []
    (alarm,) = compare(_manifest(records=4, published=1.0), before)["alarms"]
    assert alarm["alarm"] == "records" and (alarm["before"], alarm["after"]) == (10, 4)
    (alarm,) = compare(_manifest(records=10, published=0.7), before)["alarms"]
    assert alarm["field"] == "published"
    assert compare(_manifest(records=10, published=0.85), before)["alarms"] == []  # 15 points


def test_pages_that_answer_200_and_give_nothing_ring_even_without_a_past() -> None:
    current = _manifest(records=10, published=1.0) | {"counts": {"empty_pages": 3}}
    (alarm,) = compare(current, None)["alarms"]
    assert alarm["alarm"] == "empty_pages" and alarm["pages"] == 3


def test_a_resumed_pass_is_not_compared() -> None:
    current = _manifest(records=2, published=1.0) | {"resumed_pages": 8}
    section = compare(current, _manifest(records=10, published=1.0))
    assert section["alarms"] == [] and section["compared_with"] is None


def _manifest(records: int, published: float) -> dict[str, object]:
    return {
        "run_id": "r",
        "outcome": "complete",
        "resumed_pages": 0,
        "counts": {"empty_pages": 0},
        "coverage": {"product": {"records": records, "fields": {"published": published}}},
    }
