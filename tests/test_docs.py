"""The JSON the README and docs/ show is the JSON the tool writes.

Every ```json block of README.md and docs/*.md is matched, in the fields it shows,
against real output: a crawl of the recorded site (the README's manifest and
records), or the second of two crawls with a change between them and an export of
them (docs/records.md's manifest and export.json), as the docs say they were made.
Values that differ from run to run (times, run ids, hashes) are checked for their
type only; a string shortened with "..." matches on what is left on either side.
Versions are checked as they are: a doc that shows an old schema_version fails.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harvest.cli import main
from harvest.config._settings import Settings
from harvest.run._runner import crawl_sync
from tests.conftest import ROOT, SITE

VOLATILE = {
    "run_id", "started_at", "finished_at", "fetched_at", "exported_at", "duration_s",
    "timings_s", "pages_per_s", "content_sha256", "source", "state",
}  # fmt: skip
GONE = "https://www.rand.org/blog/2020/07/are-us-japan-relations-on-the-rocks.html"
_BLOCK = re.compile(r"^```json\n(.*?)^```", re.M | re.S)


def _blocks(path: Path) -> list[Any]:
    return [json.loads(text) for text in _BLOCK.findall(path.read_text(encoding="utf-8"))]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def matches(shown: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``shown`` (a doc's excerpt) differs from ``actual``; [] when it does not."""
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: a mapping in the docs, {type(actual).__name__} in the output"]
        return [p for key, value in shown.items() for p in _field(key, value, actual, where)]
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) < len(shown):
            return [f"{where}: {shown!r} shown, {actual!r} in the output"]
        return [
            p for i, item in enumerate(shown) for p in matches(item, actual[i], f"{where}[{i}]")
        ]
    if isinstance(shown, str) and "..." in shown and isinstance(actual, str):
        head, *_, tail = shown.split("...")
        if actual.startswith(head.rstrip()) and actual.endswith(tail.lstrip()):
            return []
    return [] if shown == actual else [f"{where}: {shown!r} shown, {actual!r} in the output"]


def _field(key: str, value: Any, actual: dict[str, Any], where: str) -> list[str]:
    if key not in actual:
        return [f"{where}.{key}: shown, but not in the output"]
    if key in VOLATILE:  # the same type, or any number for a number
        same = type(value) is type(actual[key]) or isinstance(value, int | float)
        return [] if same else [f"{where}.{key}: {type(actual[key]).__name__} in the output"]
    if key == "runs" and isinstance(value, list):
        same = len(value) == len(actual[key])
        return [] if same else [f"{where}.runs: {len(actual[key])} in the output"]
    return matches(value, actual[key], f"{where}.{key}")


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crawl_sync(Settings(replay_dir=SITE, out_dir=tmp_path_factory.mktemp("one"))).run_dir


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The second of two runs (MG115's price changed, one article gone) and the export."""
    base = tmp_path_factory.mktemp("two")
    site = base / "site"
    shutil.copytree(SITE, site)
    settings = Settings(replay_dir=site, out_dir=base / "output")
    crawl_sync(settings)
    page = site / "www.rand.org/pubs/monographs/MG115.html"
    old, new = b'<td class="price">$20.00</td>', b'<td class="price">$25.00</td>'
    page.write_bytes(page.read_bytes().replace(old, new))
    (site / GONE.removeprefix("https://")).unlink()
    second = crawl_sync(replace(settings, clock=datetime.now(UTC) + timedelta(days=31)))
    export = base / "export"
    argv = ["export", "--out", str(base / "output"), "--format", "parquet", "--to", str(export)]
    assert main(argv) == 0
    return second.run_dir, export


def test_the_readmes_manifest_and_records_are_the_tools(one_run: Path) -> None:
    manifest, publication, entry = _blocks(ROOT / "README.md")
    actual = json.loads((one_run / "manifest.json").read_text(encoding="utf-8"))
    records = {r["url"]: r for r in _lines(one_run / "publications.jsonl")}
    entries = {e["url"]: e for t in _lines(one_run / "topics.jsonl") for e in t["entries"]}
    problems = matches(manifest, actual, "manifest")
    assert problems == []
    assert matches(publication, records[publication["url"]], "publication") == []
    assert matches(entry, entries[entry["url"]], "topic entry") == []


def test_the_records_pages_manifest_and_export_json_are_the_tools(
    second_run: tuple[Path, Path],
) -> None:
    run_dir, export = second_run
    manifest, about = _blocks(ROOT / "docs" / "records.md")
    actual = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert matches(manifest, actual, "manifest") == []
    assert matches(about, json.loads((export / "export.json").read_text("utf-8")), "export") == []


def test_every_json_block_of_the_docs_is_checked() -> None:
    counts = {
        path.name: len(_blocks(path)) for path in [ROOT / "README.md", *ROOT.glob("docs/*.md")]
    }
    assert {name: n for name, n in counts.items() if n} == {"README.md": 3, "records.md": 2}


def test_the_matcher_catches_a_stale_value() -> None:
    assert matches({"schema_version": "1.1.0"}, {"schema_version": "1.2.0"}) != []
    assert matches({"summary": "The United ... today."}, {"summary": "The United x today."}) == []
    assert matches({"counts": {"parsed": 33}}, {"counts": {"pages": 33}}) != []


# -- the commands the docs show ----------------------------------------------------------

_COMMAND = re.compile(r"harvest((?: [a-z][a-z-]*){1,2})((?:[^`\n|&;]*))")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def _cli_options() -> dict[str, set[str]]:
    """Each command's (``runs prune`` included) option names, from the CLI itself."""
    import typer

    from harvest.cli import app

    root = typer.main.get_command(app)
    found: dict[str, set[str]] = {"": {o for p in root.params for o in p.opts}}
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        for sub, leaf in (subcommands or {None: command}).items():
            key = f"{name} {sub}" if sub else name
            found[key] = {o for p in leaf.params for o in p.opts} | {"--help"} | found[""]
    return found


def _command_problems(name: str, text: str, options: dict[str, set[str]]) -> list[str]:
    problems = []
    known = {"crawl", "parse", "get", "export", "report", "reparse", "status", "validate",
             "schema", "runs"}  # fmt: skip
    for number, line in enumerate(text.splitlines(), 1):
        for found in _COMMAND.finditer(line):
            words = found.group(1).split()
            command = next((c for c in (" ".join(words[:2]), words[0]) if c in options), None)
            if command is None:
                if words[0] in known:
                    problems.append(f"{name}:{number}: no command {' '.join(words)}")
                continue
            for option in _OPTION.findall(found.group(2).split(" # ", 1)[0]):
                if option not in options[command]:
                    problems.append(f"{name}:{number}: harvest {command} has no {option}")
    return problems


def test_every_command_and_option_the_docs_show_exists() -> None:
    # Issue 20 (docs tested against the tool): a command line in the README or docs/
    # names a command harvest has and only options that command takes.
    options = _cli_options()
    docs = [ROOT / "README.md", ROOT / "examples" / "README.md", *ROOT.glob("docs/*.md")]
    problems = [
        problem
        for doc in docs
        for problem in _command_problems(doc.name, doc.read_text(encoding="utf-8"), options)
    ]
    assert problems == []
    stale = "run `harvest crawl --backoff 2` or `harvest runs tidy --keep 1`"
    assert _command_problems("x.md", stale, options) == [
        "x.md:1: harvest crawl has no --backoff",
        "x.md:1: no command runs tidy",
    ]


def test_the_options_without_a_flag_are_the_ones_the_docs_list() -> None:
    from harvest.config._loader import OPTIONS

    flags = _cli_options()["crawl"]
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- no-flag -->(.*?)<!-- /no-flag -->", text, re.S)
    assert listed is not None
    named = set(re.findall(r"`([a-z_]+)`", listed.group(1)))
    flagless = {o.name for o in OPTIONS if "--" + o.name.replace("_", "-") not in flags}
    assert named == flagless - {"allowed_hosts", "seeds"}
