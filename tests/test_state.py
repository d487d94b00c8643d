"""The state file and its migrations, the run lock, recovery of a dead run's files, config."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from harvest.config._loader import EXAMPLE, load, settings_from
from harvest.errors import ConfigError, LockHeldError
from harvest.state import STATE_VERSION, PageUpdate, RunLock, State
from harvest.write import FILES, RunWriter
from harvest.write._run import recover_run

# -- the store ---------------------------------------------------------------------------


def test_a_new_state_file_is_migrated_to_the_current_version_in_wal_mode(tmp_path: Path) -> None:
    state = State(tmp_path / "state.sqlite")
    assert state.wal
    state.close()
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == STATE_VERSION
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"pages", "runs", "frontier", "run_files", "meta"} <= tables


def test_a_state_file_from_a_newer_harvest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {STATE_VERSION + 1}")
    with pytest.raises(ConfigError, match="newer than this harvest"):
        State(path)


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"not a database, just some text" * 100)
    with pytest.raises(ConfigError, match="not usable"):
        State(path)


def test_a_page_update_keeps_what_it_does_not_say(tmp_path: Path) -> None:
    state = State(tmp_path / "state.sqlite")
    state.begin_run("r1", "2026-01-01T00:00:00Z", "d", os.getpid(), tmp_path)
    url = "https://www.rand.org/pubs/x.html"
    first = PageUpdate(
        status=200, etag='"a"', content_sha256="c" * 64, record_sha256="r" * 64, links=("u",)
    )
    state.finish("r1", url, "new", page=first, files={"publications.jsonl": 10})
    state.finish("r1", url, "unchanged", page=PageUpdate(status=304))
    page = state.page(url)
    assert page is not None
    assert (page.status, page.etag, page.record_sha256, page.links) == (
        304,
        '"a"',
        "r" * 64,
        ("u",),
    )
    assert page.validators == {"if-none-match": '"a"'}
    state.finish("r1", url, "removed", page=PageUpdate(status=410, removed_at="now"))
    assert state.page(url).removed  # type: ignore[union-attr]
    state.finish("r1", url, "new", page=PageUpdate(status=200, returned=True))
    assert not state.page(url).removed  # type: ignore[union-attr]
    assert state.run_files("r1") == {"publications.jsonl": 10}


def test_a_pass_remembers_what_is_done_and_what_is_left(tmp_path: Path) -> None:
    state = State(tmp_path / "state.sqlite")
    state.start_pass("d1", [("https://a/1", 0)])
    added = state.admit([("https://a/2", 1), ("https://a/3", 1), ("https://a/1", 1)])
    assert added == (["https://a/2", "https://a/3"], 0)
    state.finish("r1", "https://a/1", "new")
    assert [(r.url, r.depth, r.done_run) for r in state.frontier()] == [
        ("https://a/1", 0, "r1"),
        ("https://a/2", 1, None),
        ("https://a/3", 1, None),
    ]
    assert state.pass_digest() == "d1"
    state.begin_run("r1", "t", "d1", 1, tmp_path)
    state.end_run("r1", "complete", "t2", {"counts": {}}, pass_done=True)
    assert list(state.frontier()) == [] and state.pass_digest() is None


# -- the lock ----------------------------------------------------------------------------


def test_the_lock_is_exclusive_and_names_its_holder(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    held = pytest.raises(LockHeldError, match=rf"pid {os.getpid()} .*run run-a")
    with RunLock.for_state(state).acquire("run-a"), held:
        RunLock.for_state(state).acquire("run-b")
    with RunLock.for_state(state).acquire("run-b") as lock:
        assert lock.previous is None  # released cleanly: no holder left named


def test_a_lock_note_left_by_a_dead_process_is_reported_and_taken_over(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    note = {"pid": 999_999_999, "host": "h", "run_id": "dead", "since": "t"}
    (tmp_path / "state.sqlite.lock").write_text(json.dumps(note))
    with RunLock.for_state(state).acquire("alive") as lock:
        assert lock.previous == note
        held = json.loads((tmp_path / "state.sqlite.lock").read_text())
    assert held["pid"] == os.getpid() and held["run_id"] == "alive"


# -- recovery of a dead run's files --------------------------------------------------------


def test_a_dead_runs_files_are_cut_back_to_the_checkpoint(tmp_path: Path) -> None:
    writer = RunWriter(tmp_path, "r1")
    writer.write_line("publication", '{"url": "a"}')
    writer.flush()
    checkpoint = writer.sizes()
    writer.write_line("publication", '{"url": "b"}')  # written, never checkpointed
    writer.write_line("publication", '{"url": "c", "cut')  # and a partial line
    writer.flush()
    writer.close()
    manifest = {"counts": {}}
    assert recover_run(tmp_path / "r1", checkpoint, manifest)
    assert (tmp_path / "r1" / FILES["publication"]).read_text() == '{"url": "a"}\n'
    assert manifest["counts"]["records"] == {"publication": 1, "topic": 0, "error": 0}
    assert not list((tmp_path / "r1").glob(".*.part"))
    # Idempotent: a second recovery finds the files published and leaves them.
    assert recover_run(tmp_path / "r1", checkpoint, manifest)


def test_a_part_file_shorter_than_its_checkpoint_is_cut_at_a_whole_line(tmp_path: Path) -> None:
    writer = RunWriter(tmp_path, "r1")
    writer.write_line("publication", '{"url": "a"}')
    writer.write_line("publication", '{"url": "b"}')
    writer.flush()
    checkpoint = writer.sizes()
    writer.close()
    part = tmp_path / "r1" / ".publications.jsonl.part"
    part.write_bytes(part.read_bytes()[:-5])  # the machine lost the end
    assert not recover_run(tmp_path / "r1", checkpoint, {"counts": {}})
    assert (tmp_path / "r1" / FILES["publication"]).read_text() == '{"url": "a"}\n'


# -- configuration -------------------------------------------------------------------------


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "harvest.toml"
    config.write_text(
        '[politeness]\ndelay = 3.0\nconcurrency = 4\n[output]\nout = "runs"\n', encoding="utf-8"
    )
    loaded = load({"concurrency": 16}, environ={"HARVEST_DELAY": "2.5"}, cwd=tmp_path)
    settings = settings_from(loaded)
    assert loaded.file == config
    assert (settings.delay_s, settings.concurrency) == (2.5, 16)
    assert settings.out_dir == tmp_path / "runs"  # relative to the file's folder
    assert loaded.sources == {
        "delay": "environment",
        "concurrency": "command line",
        "out": str(config),
    }


def test_environment_lists_and_pairs(tmp_path: Path) -> None:
    environ = {
        "HARVEST_SEEDS": "https://www.rand.org/a.html, https://www.rand.org/b.html",
        "HARVEST_RESOLVE": "www.rand.org=127.0.0.1",
        "HARVEST_OBEY_ROBOTS": "false",
        "HARVEST_DEBUG": "1",  # not a setting, allowed
    }
    settings = settings_from(load({}, environ=environ, cwd=tmp_path))
    assert settings.seeds == ("https://www.rand.org/a.html", "https://www.rand.org/b.html")
    assert settings.resolve == (("www.rand.org", "127.0.0.1"),)
    assert settings.obey_robots is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[politeness]\ndelya = 1\n", "unknown key politeness.delya"),
        ("delay = 1\n", "unknown key delay (did you mean politeness.delay?)"),
        ("[politeness]\ndelay = 'soon'\n", "politeness.delay: input should be a valid number"),
        ("[scope]\nmax_pages = 1.5\n", "scope.max_pages"),
        ("seeds = 'https://www.rand.org/'\n", "seeds: input should be a valid list"),
        ("politeness = 3\n", "[politeness] must be a table"),
        ("[politeness\n", "not valid TOML"),
    ],
)
def test_bad_config_files_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load({}, config=config, environ={}, cwd=tmp_path)
    assert message in str(error.value) and str(config) in str(error.value)


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    config = tmp_path / "harvest.toml"
    config.write_text(EXAMPLE, encoding="utf-8")
    settings = settings_from(load({}, config=config, environ={}, cwd=tmp_path))
    assert settings.max_pages == 5000 and settings.state_file.name == "state.sqlite"


def test_unknown_environment_variables_are_a_warning_with_a_hint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    loaded = load({}, environ={"HARVEST_DELYA": "1", "HARVEST_ACCOUNT_ID": "x"}, cwd=tmp_path)
    assert loaded.values == {}
    assert "HARVEST_DELYA is not a harvest setting (did you mean HARVEST_DELAY?)" in caplog.text
    assert "HARVEST_ACCOUNT_ID is not a harvest setting: ignored" in caplog.text


def test_every_option_is_documented() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text("utf-8")
    from harvest.config._loader import OPTIONS

    missing = [option.name for option in OPTIONS if f"`{option.name}`" not in doc]
    assert not missing


def test_the_documented_config_files_load(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    for doc in (root / "docs" / "configuration.md", root / "README.md"):
        text = doc.read_text("utf-8")
        blocks = [b.split("```", 1)[0] for b in text.split("```toml\n")[1:]]
        assert blocks, doc
        for block in blocks:
            config = tmp_path / "harvest.toml"
            config.write_text("\n".join(line.strip() for line in block.splitlines()), "utf-8")
            settings_from(load({}, config=config, environ={}, cwd=tmp_path))
