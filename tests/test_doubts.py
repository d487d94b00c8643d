"""A run's doubts: labels no field took and suspect values, in the manifest and the report."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from harvest.cli import main
from harvest.contract._drift import compare
from tests.faultserver import HOST, PAGES, TOPIC, fault_site, page, product_page, product_path
from tests.test_runs import crawl

DETAILS = (
    b'<div id="document-details"><ul><li><strong>Document Number:</strong> RR-A100-1</li>'
    b"<li><strong>Funding Agency:</strong> Department of Examples</li></ul></div></main>"
)


def _with_details(n: int) -> bytes:
    """A product page whose details list carries a label no field reads."""
    return product_page(n).replace(b"</main>", DETAILS)


def _future(n: int) -> bytes:
    """A product page dated in 2099: a suspect date."""
    return product_page(n).replace(f"2021/3/{n}".encode(), b"2099/3/1")


def test_a_new_details_label_is_counted_in_the_manifest_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fault_site() as site:
        for n in range(1, PAGES + 1):
            site.routes[product_path(n)] = page(_with_details(n))
        result = crawl(site, tmp_path)
    doubts = result.manifest["doubts"]
    (label,) = [item for item in doubts["unmapped"] if item["kind"] == "detail"]
    assert label["label"] == "funding agency" and label["pages"] == PAGES
    assert label["example"] == "Department of Examples"
    assert len(label["urls"]) == 3 and all("/pubs/" in url for url in label["urls"])
    assert doubts["records"] == PAGES + 1  # the topic page too
    assert main(["report", str(result.run_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["doubts"]["unmapped"][0] == label
    assert main(["report", str(result.run_dir)]) == 0
    text = capsys.readouterr().out
    assert "funding agency" in text and "Department of Examples" in text


@pytest.mark.parametrize("workers", [0, 1], ids=["inline", "parse-worker"])
def test_a_suspect_value_is_kept_warned_and_rings_the_alarm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, workers: int
) -> None:
    # Parsed in a worker process, the page's doubts come back with its result: the
    # warning is the run's own, in its log.
    with fault_site() as site:
        site.routes[product_path(1)] = page(_future(1))
        with caplog.at_level(logging.WARNING, logger="harvest"):
            result = crawl(site, tmp_path, suspect_percent=10, parse_workers=workers)
    assert result.manifest["politeness"]["parse_workers"] == workers
    doubts = result.manifest["doubts"]
    assert doubts["suspect"] == {"published": 1} and doubts["suspect_records"] == 1
    (suspect,) = doubts["suspects"]
    assert suspect["url"].endswith(product_path(1)) and suspect["value"] == "2099-03-01"
    record = next(
        json.loads(line)
        for line in (result.run_dir / "publications.jsonl").read_text().splitlines()
        if json.loads(line)["url"] == suspect["url"]
    )
    assert record["published"] == "2099-03-01"  # kept as read
    messages = [record.getMessage() for record in caplog.records]
    warned = [message for message in messages if message.startswith("suspect value on")]
    assert len(warned) == 1 and product_path(1) in warned[0] and suspect["rule"] in warned[0]
    (alarm,) = [a for a in result.drift if a["alarm"] == "suspect"]
    assert alarm["suspect_records"] == 1 and alarm["fields"] == {"published": 1}


def test_fail_on_drift_exits_3_on_suspects_past_the_threshold(tmp_path: Path) -> None:
    with fault_site() as site:
        for n in range(1, PAGES + 1):
            site.routes[product_path(n)] = page(_future(n))
        settings = [
            "--resolve", f"{HOST}=127.0.0.1", "--delay", "0", "--out", str(tmp_path),
            "--fail-on-drift", "--quiet",
        ]  # fmt: skip
        code = main(["crawl", site.url(TOPIC), *settings])
        assert code == 3
        # 100 %: the alarm never rings, and the same run exits 0.
        code = main(["crawl", site.url(TOPIC), *settings, "--full",
                     "--suspect-percent", "100", "--out", str(tmp_path / "again")])  # fmt: skip
        assert code == 0


def test_the_alarm_counts_records_not_values() -> None:
    current = {"doubts": {"records": 20, "suspect_records": 1, "suspect": {"a": 1, "b": 1}}}
    assert compare(current, None, suspect_percent=5.0)["alarms"] == []
    current["doubts"]["suspect_records"] = 2
    (alarm,) = compare(current, None, suspect_percent=5.0)["alarms"]
    assert alarm["alarm"] == "suspect" and "2 of 20 records" in alarm["message"]


def test_parse_explain_shows_the_unmapped_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "page.html"
    saved.write_bytes(_with_details(1))
    url = "https://www.rand.org/pubs/research_reports/RRA100-1.html"
    assert main(["parse", str(saved), "--url", url, "--explain"]) == 0
    shown = capsys.readouterr().out
    assert "unmapped detail:" in shown and "funding agency: Department of Examples" in shown
