"""``harvest report --html``: the run history as one page, checked as text and in Chromium.

The history is real: the recorded site crawled twice, as ``tests/test_export.py``
does (a month apart, so every page is due; between the runs MG115's price changed
and one article was taken down). One test copies it and lowers a field's coverage
in the second run's manifest, with the drift section recomputed by harvest's own
``drift.compare``, to see an alarm drawn.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from harvest.cli import main
from harvest.config._settings import Settings
from harvest.contract._drift import compare
from harvest.contract.export import summarize
from harvest.run._runner import crawl_sync
from tests.browser import blank_share, chromium, colours, render
from tests.conftest import SITE

GONE = "https://www.rand.org/blog/2020/07/are-us-japan-relations-on-the-rocks.html"
OLD_PRICE = b'<td class="price">$20.00</td>'
NEW_PRICE = b'<td class="price">$25.00</td>'
PER_RUN = ("records-by-change", "pages-by-outcome", "error-rate", "duration", "largest-drop")
CHARTS = (
    *PER_RUN,
    "coverage-commentary",
    "coverage-listing",
    "coverage-product",
    "per-year",
    "per-content-type",
)


YEAR = b"<li><strong>Year:</strong> 2004</li>"
NEW_LABEL = b"<li><strong>Funding Agency:</strong> United States Air Force</li>"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("history")
    site = base / "site"
    shutil.copytree(SITE, site)
    settings = Settings(replay_dir=site, out_dir=base / "output")
    crawl_sync(settings)
    page = site / "www.rand.org/pubs/monographs/MG115.html"
    page.write_bytes(
        page.read_bytes().replace(OLD_PRICE, NEW_PRICE).replace(YEAR, YEAR + NEW_LABEL)
    )
    (site / GONE.removeprefix("https://")).unlink()
    crawl_sync(replace(settings, clock=datetime.now(UTC) + timedelta(days=31)))
    return base / "output"


def report(out: Path, page: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    code = main(["report", "--out", str(out), "--html", str(page), *flags])
    _, err = capsys.readouterr()
    assert code == 0, err
    return page.read_text(encoding="utf-8")


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'<figure id="([^"]+)">(.*?)</figure>', html, re.S))


def test_the_page_holds_every_chart_and_loads_nothing(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = report(history, tmp_path / "report.html", capsys)
    found = figures(html)
    assert sorted(found) == sorted(CHARTS)
    for chart_id, figure in found.items():
        assert figure.count("<svg ") == 1, chart_id
        assert f'aria-labelledby="{chart_id}-title"' in figure
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page must load nothing"
    assert "@import" not in html and not re.search(r"url\((?!#)", html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "two charts share an id"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # written aside, renamed


def test_the_numbers_are_the_runs_and_the_export(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = report(history, tmp_path / "report.html", capsys)
    table = html.split('id="runs-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    manifests = sorted(
        (json.loads((run / "manifest.json").read_text("utf-8")) for run in history.iterdir()
         if (run / "manifest.json").is_file() and not run.is_symlink()),
        key=lambda m: m["started_at"],
        reverse=True,
    )  # fmt: skip
    assert [row[0] for row in cells] == [m["run_id"] for m in manifests]
    for row, manifest in zip(cells, manifests, strict=True):
        counts = manifest["counts"]
        assert row[4:7] == [str(counts[key]) for key in ("new", "updated", "removed")]
    assert cells[0][6] == "1"  # the article taken down
    summary = summarize(history)
    assert summary.publications == 30 and sum(summary.by_year.values()) == 30
    assert f"{summary.publications:,} publications" in html


def test_the_latest_runs_doubts_are_listed(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = report(history, tmp_path / "report.html", capsys)
    section = html.split('<section id="doubts">', 1)[1].split("</section>", 1)[0]
    assert 'parsed 1 record; <b class="ok">0</b> hold a suspect value' in section
    table = section.split('id="unmapped-table"', 1)[1]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table.split("<tbody>", 1)[1])
    assert cells[:4] == ["detail", "funding agency", "1", "United States Air Force"]
    assert cells[4].endswith("/pubs/monographs/MG115.html")


def test_a_drift_alarm_is_listed_and_outlined(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "output"
    shutil.copytree(history, out, symlinks=True)
    first, second = sorted(
        (run for run in out.iterdir() if run.is_dir() and not run.is_symlink()),
        key=lambda run: json.loads((run / "manifest.json").read_text("utf-8"))["started_at"],
    )
    before = json.loads((first / "manifest.json").read_text("utf-8"))
    after = json.loads((second / "manifest.json").read_text("utf-8"))
    after["coverage"]["commentary"]["fields"]["summary"] = 0.25
    after["drift"] = compare(after, before)
    assert [a["field"] for a in after["drift"]["alarms"]] == ["summary"]
    (second / "manifest.json").write_text(json.dumps(after), encoding="utf-8")
    html = report(out, tmp_path / "report.html", capsys)
    assert "drift alarm: commentary field &#x27;summary&#x27; filled in 25%" in html
    grid = figures(html)["coverage-commentary"]
    assert "stroke: #d55e00" in grid  # the alarm's outline
    drops = figures(html)["largest-drop"]
    assert drops.count("fill: #d55e00") == 1  # one run past the threshold


def test_out_comes_from_the_config_file(
    history: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(history, tmp_path / "runs", symlinks=True)
    (tmp_path / "harvest.toml").write_text('[output]\nout = "runs"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--html", "r.html"]) == 0
    assert "2 runs" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert main(["report", "--json"]) == 0  # the text report reads the same folder
    assert json.loads(capsys.readouterr().out)["outcome"] == "complete"


def test_no_runs_gives_a_page_that_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = report(tmp_path / "nothing", tmp_path / "report.html", capsys)
    assert "No run yet." in html and "no publications yet" in html
    assert sorted(figures(html)) == ["per-content-type", "per-year"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--html", "{tmp}"], "is a folder"),
        (["latest", "--html", "{tmp}/r.html"], "give no RUN"),
        (["--json", "--html", "{tmp}/r.html"], "give no RUN or --json"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    args: list[str], message: str, history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "--out", str(history), *(a.format(tmp=tmp_path) for a in args)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert list(tmp_path.iterdir()) == []


# -- in a browser ----------------------------------------------------------------------


@pytest.mark.slow
def test_every_chart_renders_in_chromium(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if chromium() is None:
        message = (
            "no Chromium to render the report in: install the OS package (apt-get install "
            "chromium) or set CHROME_BIN"
        )
        if os.environ.get("CI_REQUIRE_BROWSER"):
            pytest.fail(message + " (CI_REQUIRE_BROWSER is set)")
        pytest.skip(message)
    page = tmp_path / "report.html"
    report(history, page, capsys)
    rendered = render(page, tmp_path / "report.png")
    image = Image.open(rendered.screenshot)
    assert image.height == rendered.height > 2000
    assert {box.id for box in rendered.boxes} == set(CHARTS)
    for box in rendered.boxes:
        assert box.width > 500 and box.height > 100, box.id
        assert box.shapes >= 5, box.id
        assert colours(image, box) >= 3, box.id
        assert blank_share(image, box) < 0.99, box.id  # a line chart is mostly white
    texts = {box.id: " ".join(box.texts) for box in rendered.boxes}
    for chart_id in PER_RUN:
        assert "run (UTC start" in texts[chart_id], chart_id
    assert "Commentary" in texts["per-content-type"]
    assert "content_type" in texts["coverage-product"]
