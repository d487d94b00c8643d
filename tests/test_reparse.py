"""Raw pages kept (``crawl --archive``) and re-extracted (``harvest reparse``, ``--replay``).

Crawls run against the fault site on 127.0.0.1 serving the recorded site (real
HTTP, so the archive holds what a live crawl writes: request records, redirects,
robots.txt, the peer's address). The CLI runs as real processes where exit codes,
warnings and kills matter.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from harvest import crawl_sync
from harvest.archive import WarcArchive
from harvest.archive._reader import scan_warc
from harvest.config._loader import load, settings_from
from harvest.config._settings import Settings
from harvest.run._reparse import reparse
from tests.conftest import wait_for
from tests.faultserver import HOST, FaultSite, fault_site, recorded_site, redirect, site_settings

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "site"
SEEDS = ("/pubs/monographs/MG115.html", "/topics/security-cooperation.html")


def _records(run_dir: Path) -> list[dict[str, Any]]:
    records = []
    for name in ("publications.jsonl", "topics.jsonl"):
        text = (run_dir / name).read_text(encoding="utf-8")
        records += [json.loads(line) for line in text.splitlines()]
    return sorted(records, key=lambda record: str(record["url"]))


def _without_fetched_at(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "fetched_at"} for record in records]


def _harvest(*args: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "harvest", *args], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env=environment, cwd=ROOT,
    )  # fmt: skip


def _archive_crawl(site: FaultSite, tmp_path: Path, **more: object) -> tuple[Path, Path]:
    """Crawl the site into ``tmp_path/crawl``, archiving into ``tmp_path/warc``."""
    seeds = tuple(site.url(path) for path in (*SEEDS, "/pubs/monographs/MG115-old.html"))
    settings = site_settings(
        site, tmp_path / "crawl", seeds=seeds, archive_dir=tmp_path / "warc", **more
    )
    result = crawl_sync(settings)
    assert result.manifest["counts"]["new"] == 33
    return result.run_dir, tmp_path / "warc"


@pytest.fixture
def site() -> Any:
    with fault_site(recorded_site(SITE)) as running:
        running.routes["/pubs/monographs/MG115-old.html"] = redirect("/pubs/monographs/MG115.html")
        yield running


def test_a_crawl_archived_then_reparsed_gives_the_same_records(
    site: FaultSite, tmp_path: Path
) -> None:
    crawled, warc = _archive_crawl(site, tmp_path)
    (archive,) = warc.glob("*.warc.gz")
    assert crawled.joinpath("manifest.json").read_text().count(archive.name) == 1

    for workers in (0, 2):
        # inline_first_s=0: the workers start at once, as for a large archive
        result = reparse([warc], tmp_path / f"reparse-{workers}", workers=workers, inline_first_s=0)
        assert result.manifest["outcome"] == "complete" and not result.problems
        # the same records, field for field: fetched_at too (the WARC-Date is the fetch time)
        assert _records(result.run_dir) == _records(crawled)
        assert result.manifest["counts"]["responses_skipped"] == {"status_3xx": 1, "not_html": 1}
        assert (
            result.manifest["coverage"]
            == json.loads((crawled / "manifest.json").read_text())["coverage"]
        )


def test_the_archive_keeps_requests_redirects_and_where_they_came_from(
    site: FaultSite, tmp_path: Path
) -> None:
    _, warc = _archive_crawl(site, tmp_path)
    (archive,) = warc.glob("*.warc.gz")
    kinds: list[tuple[str, str, str | None]] = []
    with archive.open("rb") as file:
        for record in ArchiveIterator(file):
            headers = record.rec_headers
            status = record.http_headers.get_statuscode() if record.rec_type == "response" else None
            kinds.append((record.rec_type, headers.get_header("WARC-Target-URI") or "", status))
            if record.rec_type == "response":
                assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
            if record.rec_type == "request":
                assert "harvest/" in record.http_headers.get_header("User-Agent")
    responses = [k for k in kinds if k[0] == "response"]
    requests = [k for k in kinds if k[0] == "request"]
    assert kinds[0][0] == "warcinfo" and len(requests) == len(responses) == 33 + 2
    assert ("response", site.url("/robots.txt"), "200") in responses
    assert ("response", site.url("/pubs/monographs/MG115-old.html"), "302") in responses


def test_a_crawl_replays_its_own_archive(site: FaultSite, tmp_path: Path) -> None:
    crawled, warc = _archive_crawl(site, tmp_path)
    replayed = crawl_sync(
        Settings(
            seeds=tuple(site.url(path) for path in SEEDS),
            replay_dir=warc,
            out_dir=tmp_path / "replayed",
        )
    )
    assert replayed.manifest["counts"]["new"] == 33
    assert _without_fetched_at(_records(replayed.run_dir)) == _without_fetched_at(_records(crawled))


def test_a_recorded_site_folder_is_reparsed_like_a_replayed_crawl(tmp_path: Path) -> None:
    crawled = crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path / "crawl"))
    result = reparse([SITE], tmp_path / "reparse", workers=0)
    reparsed = _without_fetched_at(_records(result.run_dir))
    # every page of the folder, the 33 a crawl from the default seeds reaches among them
    assert len(reparsed) == len(list(SITE.rglob("*.html*"))) > 33
    crawled_records = _without_fetched_at(_records(crawled.run_dir))
    assert len(crawled_records) == 33
    assert [r for r in reparsed if r in crawled_records] == crawled_records


def test_a_torn_archive_is_read_to_its_last_complete_record_and_exits_0(
    site: FaultSite, tmp_path: Path
) -> None:
    crawled, warc = _archive_crawl(site, tmp_path)
    (archive,) = warc.glob("*.warc.gz")
    starts = [offset for offset, _ in scan_warc(archive, print)]
    middle = (starts[20] + starts[21]) // 2  # inside the 21st response's record
    torn = tmp_path / "torn.warc.gz"
    torn.write_bytes(archive.read_bytes()[:middle])

    run = _harvest("reparse", str(torn), "--out", str(tmp_path / "out"), "--workers", "2")
    _, stderr = run.communicate(timeout=120)

    assert run.returncode == 0, stderr
    assert f"{torn}: incomplete record" in stderr and "bytes not read" in stderr
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if not p.is_symlink()]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (problem,) = manifest["archive_problems"]
    assert problem["offset"] == starts[20] and problem["path"] == str(torn)
    complete = [p.url for _, p in scan_warc(torn, lambda problem: None)]
    assert manifest["counts"]["responses"] == len(complete) == 20
    assert len(_records(run_dir)) == manifest["counts"]["new"] > 0
    assert {r["url"] for r in _records(run_dir)} <= {r["url"] for r in _records(crawled)}


def test_the_archive_of_a_killed_crawl_reparses(site: FaultSite, tmp_path: Path) -> None:
    for path, route in recorded_site(SITE).items():
        site.routes[path] = lambda c, r, route=route: (c.stop.wait(0.05), route(c, r))
    seeds = [site.url(path) for path in SEEDS]
    crawler = _harvest(
        "crawl", *seeds, "--resolve", f"{HOST}=127.0.0.1", "--out", str(tmp_path / "crawl"),
        "--delay", "0", "--concurrency", "2", "--archive", str(tmp_path / "warc"),
    )  # fmt: skip
    wait_for(lambda: len(site.hits) >= 12, crawler)
    crawler.send_signal(signal.SIGKILL)
    crawler.communicate(timeout=10)

    run = _harvest("reparse", str(tmp_path / "warc"), "--out", str(tmp_path / "out"))
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stderr
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if not p.is_symlink()]
    assert 0 < len(_records(run_dir)) < 33


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.warc.gz", "archive not found"),
        (lambda tmp: (tmp / "notes.warc").write_text("hello") and tmp / "notes.warc", "not a WARC"),
    ],
    ids=["missing", "not a WARC"],
)
def test_a_bad_archive_argument_exits_2(tmp_path: Path, make: Any, message: str) -> None:
    run = _harvest("reparse", str(make(tmp_path)), "--out", str(tmp_path / "out"))
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 2 and message in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_archive_is_a_config_key_relative_to_the_file(tmp_path: Path) -> None:
    config = tmp_path / "harvest.toml"
    config.write_text('[output]\narchive = "warc"\narchive_file_mb = 64\n', encoding="utf-8")
    settings = settings_from(load({}, config=config, environ={}, cwd=ROOT))
    assert settings.archive_dir == tmp_path / "warc"
    assert settings.archive_file_bytes == 64 * 1024 * 1024


@pytest.fixture
def big_archive(tmp_path: Path) -> Path:
    """3,000 pages: long enough to stop a reparse in the middle."""
    body = (SITE / "www.rand.org" / "pubs" / "monographs" / "MG115.html").read_bytes()
    with WarcArchive(tmp_path / "warc", prefix="big") as archive:
        for n in range(3000):
            archive.write(
                f"https://www.rand.org/pubs/monographs/MG{n}.html",
                status=200,
                headers={"Content-Type": "text/html"},
                body=body,
                fetched_at=datetime(2025, 12, 1, tzinfo=UTC),
            )
    return tmp_path / "warc"


def _started(run: subprocess.Popen[str], out: Path) -> None:
    """Wait until the reparse has written records."""
    wait_for(lambda: any(p.stat().st_size for p in out.glob("*/.publications.jsonl.part")), run)


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                children = [int(c) for c in (task / "children").read_text().split()]
                found.update(children)
                todo.extend(children)
    return found


def test_a_reparse_stopped_by_sigint_publishes_what_it_parsed(
    tmp_path: Path, big_archive: Path
) -> None:
    out = tmp_path / "out"
    run = _harvest("reparse", str(big_archive), "--out", str(out), "--workers", "1")
    _started(run, out)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if not p.is_symlink()]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["outcome"] == "interrupted"
    assert 0 < len(_records(run_dir)) == manifest["counts"]["new"] < 3000
    assert not (tmp_path / "out" / "latest").exists()  # latest is for complete runs


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_killed_reparse_leaves_no_worker_behind(tmp_path: Path, big_archive: Path) -> None:
    out = tmp_path / "out"
    run = _harvest("reparse", str(big_archive), "--out", str(out), "--workers", "2")
    _started(run, out)
    # The workers start after a second of parsing inline: the forkserver and two
    # workers (and the resource tracker).
    wait_for(lambda: len(_descendants(run.pid)) >= 3, run)
    pool = _descendants(run.pid)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)  # not communicate(): the pool holds stderr open until it is gone
    wait_for(lambda: not any(_running(pid) for pid in pool))  # on their own, once orphaned
    assert run.stderr is not None
    run.stderr.close()


def _running(pid: int) -> bool:
    """True while a process exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
