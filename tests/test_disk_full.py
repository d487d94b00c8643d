"""A run whose output or state cannot be written stops at once, publishes what it can
and frees the lock (issue 18, defect 1: it used to wait for a signal, holding the lock).

One test makes the disk fill in-process (the writer's writes fail after some records);
one fills a real 1 MiB tmpfs, where the machine lets the tests mount one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import harvest.write._jsonl as jsonl
from harvest import crawl_sync
from harvest.errors import WriteError
from harvest.state._lock import RunLock
from tests.faultserver import HOST, fault_site, site_settings

PAGES = 200


@pytest.mark.timeout(60)  # the run that waited for a signal fails here
def test_a_write_that_fails_ends_the_run_at_once_and_frees_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = 0
    write = jsonl.AtomicFile.write

    def filling(self: jsonl.AtomicFile, text: str) -> None:
        nonlocal written
        written += 1
        if written > 20:
            raise WriteError(f"cannot write {self.target}: No space left on device")
        write(self, text)

    monkeypatch.setattr(jsonl.AtomicFile, "write", filling)
    with fault_site(pages=PAGES) as site:
        settings = site_settings(site, tmp_path / "output", concurrency=8)
        with pytest.raises(WriteError, match="No space left on device"):
            crawl_sync(settings)
        assert len(site.hits) < PAGES / 2  # it stopped fetching: it did not write on
    with RunLock.for_state(settings.state_file).acquire("next"):
        pass  # free
    monkeypatch.setattr(jsonl.AtomicFile, "write", write)
    with fault_site(pages=PAGES) as site:  # the next run publishes the rest
        result = crawl_sync(site_settings(site, tmp_path / "output", concurrency=8))
    assert result.manifest["outcome"] == "complete"


def _mount_tmpfs(path: Path) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.slow
def test_a_full_tmpfs_ends_the_crawl_with_the_lock_free(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount_tmpfs(disk):
        pytest.skip(
            "cannot mount a tmpfs here (needs root on Linux): the in-process test covers it"
        )
    try:
        with fault_site(pages=PAGES) as site:
            command = [
                sys.executable, "-m", "harvest", "crawl", site.url("/topics/faults.html"),
                "--resolve", f"{HOST}=127.0.0.1", "--out", str(disk / "output"),
                "--delay", "0", "--concurrency", "8", "--quiet", "--log-format", "text",
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
            fetched = len(site.hits)
        assert done.returncode in (1, 2), done.stderr
        assert fetched < PAGES / 2  # it stopped at the full disk, not at the end of the site
        errors = [line for line in done.stderr.splitlines() if "error" in line]
        assert errors and ("space" in errors[-1] or "full" in errors[-1]), done.stderr
        assert "Traceback" not in done.stderr
        with RunLock.for_state(disk / "output" / "state.sqlite").acquire("next"):
            pass
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True, check=False)
