"""``harvest runs prune``: old run folders go, the current picture stays whole.

The history is real: the recorded site crawled, then changed (MG115's price, one
article taken down) and crawled a month later, then crawled again with ``--full``
(every record written anew). Exports before and after a prune must hold the same
rows.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from harvest.cli import main
from harvest.config._settings import Settings
from harvest.run._runner import crawl_sync
from tests.conftest import SITE

GONE = "https://www.rand.org/blog/2020/07/are-us-japan-relations-on-the-rocks.html"


def _history(base: Path, *, full_last: bool) -> tuple[Path, list[str]]:
    site = base / "site"
    shutil.copytree(SITE, site)
    settings = Settings(replay_dir=site, out_dir=base / "output")
    ids = [crawl_sync(settings).run_dir.name]
    page = site / "www.rand.org/pubs/monographs/MG115.html"
    page.write_bytes(page.read_bytes().replace(b"$20.00</td>", b"$25.00</td>"))
    (site / GONE.removeprefix("https://")).unlink()
    later = replace(settings, clock=datetime.now(UTC) + timedelta(days=31))
    ids.append(crawl_sync(later).run_dir.name)
    if full_last:
        ids.append(crawl_sync(replace(later, full=True)).run_dir.name)
    return base / "output", ids


def _picture(out: Path, to: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[object, ...]]:
    assert main(["export", "--out", str(out), "--format", "parquet", "--to", str(to)]) == 0
    capsys.readouterr()
    sql = f"SELECT url, title, print_offers FROM '{to}/publications.parquet' ORDER BY url"
    return duckdb.connect().execute(sql).fetchall()


def _prune(out: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    code = main(["runs", "prune", "--out", str(out), *flags])
    return code, capsys.readouterr().out


def test_prune_removes_what_the_picture_no_longer_needs_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, ids = _history(tmp_path, full_last=True)
    before = _picture(out, tmp_path / "before", capsys)
    code, said = _prune(out, capsys, "--keep", "1", "--dry-run")
    assert code == 0 and said.splitlines() == [f"would remove {run}" for run in ids[1::-1]]
    assert all((out / run).is_dir() for run in ids)
    code, said = _prune(out, capsys, "--keep", "1")
    assert code == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.is_symlink()) == [ids[2]]
    assert _picture(out, tmp_path / "after", capsys) == before
    assert len(before) == 30


def test_a_run_the_picture_needs_is_kept_however_old(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, ids = _history(tmp_path, full_last=False)
    before = _picture(out, tmp_path / "before", capsys)
    code, said = _prune(out, capsys, "--older-than", "0s")
    assert code == 0
    assert said.splitlines() == [f"kept {ids[0]}: the current picture needs it"]
    assert all((out / run).is_dir() for run in ids)  # the second is latest
    assert _picture(out, tmp_path / "after", capsys) == before


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], "needs --keep N or --older-than AGE"),
        (["--keep", "0"], "--keep must be at least 1"),
        (["--older-than", "a while"], "--older-than wants an age"),
    ],
)
def test_bad_prune_arguments_are_one_line_and_exit_2(
    flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["runs", "prune", "--out", str(tmp_path), *flags])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err


def test_prune_waits_for_no_crawl_it_exits_75_while_one_holds_the_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harvest.state import RunLock

    with RunLock.for_state(tmp_path / "state.sqlite").acquire("a crawl"):
        code = main(["runs", "prune", "--out", str(tmp_path), "--keep", "1"])
    assert code == 75
    assert "another harvest run holds the lock" in capsys.readouterr().err
