"""The CLI, called in-process: output, exit codes, and no traceback on bad input."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from harvest.cli import main
from tests.conftest import SITE

MG115 = SITE / "www.rand.org/pubs/monographs/MG115.html"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The CLI in process, its errors as text (off a terminal they would be JSON)."""
    code = main(["--log-format", "text", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    return code, out, err


def test_parse_prints_jsonl(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["parse", str(MG115), str(SITE / "www.rand.org/topics/security-cooperation.html")], capsys
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["kind"] for line in lines] == ["publication", "topic"]
    assert lines[0]["title"] == "Do the Ties Still Bind?"


def test_parse_with_url_for_a_file_whose_name_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    text = MG115.read_text(encoding="utf-8")
    page.write_text(re.sub(r"<link[^>]*canonical[^>]*>|<meta[^>]*og:url[^>]*>", "", text))
    code, _, err = run(["parse", str(page)], capsys)
    assert code == 1 and "--url" in err
    code, out, _ = run(
        ["parse", str(page), "--url", "https://www.rand.org/pubs/monographs/MG115.html"], capsys
    )
    assert code == 0 and json.loads(out)["url"].endswith("/MG115.html")


def test_parse_takes_a_saved_pages_address_from_its_canonical_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, item 5: a page saved from a browser names itself; no --url needed.
    page = tmp_path / "Do the Ties Still Bind.html"
    shutil.copy(MG115, page)
    code, out, err = run(["parse", str(page)], capsys)
    assert code == 0, err
    assert json.loads(out)["url"] == "https://www.rand.org/pubs/monographs/MG115.html"


def test_parse_reads_stdin_and_several_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(MG115.read_bytes())))
    code, out, err = run(["parse", "-", str(MG115)], capsys)
    assert code == 0, err
    assert [json.loads(line)["title"] for line in out.splitlines()] == [
        "Do the Ties Still Bind?"
    ] * 2


def test_parse_of_a_url_points_to_harvest_get(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["parse", "https://www.rand.org/pubs/monographs/MG115.html"], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "harvest: error: https://www.rand.org/pubs/monographs/MG115.html is a URL, not a saved "
        "page: harvest parse reads files (to fetch a page and print its record: harvest get URL)"
    ]


@pytest.mark.parametrize("content", [b"", bytes(range(256)), b"<html><body><div><p>cut"])
def test_parse_bad_file_is_one_line_and_nonzero(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "www.rand.org" / "pubs" / "bad.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(content)
    code, out, err = run(["parse", str(page)], capsys)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("harvest: error:")


def test_parse_missing_file_and_other_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["parse", str(tmp_path / "nope.html")], capsys)
    assert code == 2 and "no such file" in err  # a usage error, as in validate
    other = tmp_path / "example.com" / "index.html"
    other.parent.mkdir()
    other.write_text("<!DOCTYPE html><html><body><h1>Hi</h1></body></html>")
    code, _, err = run(["parse", str(other)], capsys)
    assert code == 1 and "not rand.org" in err


def test_parse_goes_on_after_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "www.rand.org" / "pubs" / "bad.html"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"<html><body><div><p>cut")
    code, out, err = run(["parse", str(bad), str(MG115)], capsys)
    assert code == 1 and "bad.html" in err
    assert json.loads(out)["title"] == "Do the Ties Still Bind?"


def test_crawl_replay_writes_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["crawl", "--replay", str(SITE), "--out", str(tmp_path)], capsys)
    assert code == 0, err
    latest = tmp_path / "latest"
    names = sorted(p.name for p in latest.iterdir())
    assert names == ["errors.jsonl", "manifest.json", "publications.jsonl", "topics.jsonl"]
    assert (latest / "errors.jsonl").read_text() == ""
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["counts"]["fetch_failed"] == manifest["counts"]["parse_failed"] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["crawl", "--replay", "/nonexistent/dir"],
        ["crawl", "not-a-url", "--replay", "fixtures/site"],
        ["crawl", "--concurrency", "0"],
        ["crawl", "--concurrency", "many"],
        ["crawl", "--resolve", "www.rand.org"],
        ["crawl", "--resolve", "www.rand.org=not-an-address"],
        ["crawl", "--delay", "-1"],
        ["crawl", "--per-host-concurrency", "0"],
        ["crawl", "--deadline", "0"],
        ["crawl", "--max-body-mb", "0"],
        ["crawl", "--user-agent", " "],
        ["frobnicate"],
        ["parse"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2 and err


def test_usage_errors_say_what_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["crawl", "--resolve", "www.rand.org=nowhere", "--log-format=text"], capsys)
    assert code == 2
    assert err.strip() == "harvest: error: --resolve: not an IP address: 'nowhere'"


def test_crawl_logs_json_lines_when_not_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["crawl", "--resolve", "www.rand.org=nowhere"])
    err = capsys.readouterr().err
    assert code == 2
    assert json.loads(err) | {"ts": None} == {
        "ts": None,
        "level": "error",
        "event": "error",
        "message": "--resolve: not an IP address: 'nowhere'",
    }
    code = main(["crawl", "--replay", str(SITE), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    events = [json.loads(line) for line in err.splitlines()]
    assert code == 0
    assert [e["event"] for e in events] == ["run_start", "run_end", "run_summary"]
    assert events[-1]["counts"]["new"] == 33 and events[-1]["records"]["publication"] == 31


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ([], ["parse"], ["crawl"], ["schema"], ["validate"]):
        code, out, _ = run([*command, "--help"], capsys)
        assert code == 0 and "Usage" in out


def test_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema"], capsys)
    schema = json.loads(out)
    assert code == 0
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"Publication", "Topic", "ErrorRecord"} <= set(schema["$defs"])


def test_validate_exits_0_on_a_crawls_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["crawl", "--replay", str(SITE), "--out", str(tmp_path)], capsys)[0] == 0
    files = [str(p) for p in sorted((tmp_path / "latest").glob("*.jsonl"))]
    code, out, err = run(["validate", *files], capsys)
    assert code == 0 and out == ""
    assert "31 lines, 31 valid, 0 invalid" in err


def test_validate_names_each_bad_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = run(["parse", str(MG115)], capsys)[1].strip()
    record = json.loads(good)
    missing = json.dumps({k: v for k, v in record.items() if k != "title"})
    wrong = json.dumps(record | {"published": 2004})
    file = tmp_path / "bad.jsonl"
    file.write_text(f"{good}\n{missing}\nnot json\n{wrong}\n{good[:50]}", encoding="utf-8")
    code, out, err = run(["validate", str(file)], capsys)
    assert code == 1
    problems = out.splitlines()
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{file}:2", "missing_field"],
        [f"{file}:3", "json"],
        [f"{file}:4", "wrong_type"],
        [f"{file}:5", "truncated"],
    ]
    assert "title" in problems[0] and "published" in problems[2]
    assert "5 lines, 1 valid, 4 invalid" in err


def test_parse_explain_shows_each_fields_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["parse", "--explain", str(MG115)], capsys)
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert "meta citation_title" in rows["title"] and "Do the Ties Still Bind?" in rows["title"]
    assert "meta citation_doi" in rows["doi"]  # tried and missed: MG115 has no DOI


def test_parse_takes_the_host_from_the_site_folder_not_a_dotted_folder_above_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, item 9: "my.data" above the site looked like a host name.
    page = tmp_path / "tmp.Xy12ab" / "my.data" / "site" / "www.rand.org" / "pubs" / "x.html"
    page.parent.mkdir(parents=True)
    text = MG115.read_text(encoding="utf-8")
    page.write_text(re.sub(r"<link[^>]*canonical[^>]*>|<meta[^>]*og:url[^>]*>", "", text))
    code, out, err = run(["parse", str(page.absolute())], capsys)
    assert code == 0, err
    assert json.loads(out)["url"] == "https://www.rand.org/pubs/x.html"


@pytest.mark.slow
def test_get_fetches_politely_and_prints_each_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.faultserver import HOST, fault_site, product_path

    monkeypatch.chdir(tmp_path)
    with fault_site() as site:
        urls = [site.url(product_path(1)), site.url(product_path(2)), site.url("/pubs/gone.html")]
        code, out, err = run(["get", *urls, "--resolve", f"{HOST}=127.0.0.1"], capsys)
        paths = site.paths()
    assert code == 1  # one of the three is a 404
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["url"] for r in records] == urls[:2]
    assert err.strip().splitlines() == [f"harvest: error: {urls[2]}: HTTP 404"]
    assert paths[0] == "/robots.txt"  # robots.txt first, as a crawl does
    assert list(tmp_path.iterdir()) == []  # no state, no output folder


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["crawl", "--concurrency", "abc"], "Invalid value for '--concurrency'"),
        (["crawl", "--bogus"], "No such option: --bogus"),
        (["nosuch"], "No such command 'nosuch'"),
        (["parse"], "Missing argument"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, item 3: crawl --concurrency abc printed a six-line box.
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("harvest: error: ") and words in err and "--help)" in err


@pytest.mark.parametrize(
    ("command", "flag"), [("crawl", "--out"), ("crawl", "--archive"), ("reparse", "--out")]
)
def test_an_output_folder_that_cannot_be_written_is_a_usage_error_before_the_run(
    command: str, flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, items 1 and 4: an unwritable --archive was a robots.txt failure in a
    # "complete" run (exit 1); --out on a file told of a lock file; reparse exited 1.
    (tmp_path / "file").write_text("not a folder")
    args = {"crawl": ["crawl", "--replay", str(SITE)], "reparse": ["reparse", str(SITE)]}
    out = ["--out", str(tmp_path / "output")] if flag == "--archive" else []
    for bad in (tmp_path / "file", tmp_path / "file" / "below"):
        code, _, err = run([*args[command], *out, flag, str(bad)], capsys)
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1
        assert f"{flag} {bad}" in err and ("not a folder" in err or "cannot write" in err)
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").iterdir())


def test_a_run_in_which_every_page_failed_is_failed_and_latest_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, site = tmp_path / "output", tmp_path / "site"
    shutil.copytree(SITE, site)
    crawl = ["crawl", "--replay", str(site), "--out", str(out), "--quiet"]
    code, _, err = run(crawl, capsys)
    assert code == 0, err
    good = (out / "latest").resolve()
    for page in site.rglob("*.html*"):  # every page breaks: none can be parsed now
        page.write_bytes(bytes(range(256)) * 4)
    code, _, err = run([*crawl, "--full"], capsys)
    assert code == 1, err
    manifests = [
        json.loads((p / "manifest.json").read_text(encoding="utf-8"))
        for p in out.iterdir()
        if p.is_dir() and not p.is_symlink()
    ]
    failed = max(manifests, key=lambda m: m["started_at"])
    assert failed["outcome"] == "failed" and failed["counts"]["parse_failed"] > 0
    assert (out / "latest").resolve() == good


def test_an_archive_that_fails_mid_run_fails_the_run_not_its_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 20, item 1: the archive's write error became robots_unreachable for every
    # page of a "complete" run that moved latest.
    from harvest.archive._writer import WarcArchive
    from harvest.errors import WriteError

    def full(self: WarcArchive, *args: object, **kwargs: object) -> None:
        raise WriteError(f"cannot write {self.directory}/x.warc.gz: No space left on device")

    monkeypatch.setattr(WarcArchive, "write", full)
    out = tmp_path / "output"
    argv = ["crawl", "--replay", str(SITE), "--out", str(out), "--archive", str(tmp_path / "warc")]
    code, _, err = run(argv, capsys)
    assert code == 1
    assert "No space left on device" in err.strip().splitlines()[-1]
    assert "robots_unreachable" not in err
    assert not (out / "latest").exists()


def test_crawl_help_at_80_columns_shows_every_option_whole_with_its_default() -> None:
    # Issue 20, item 6: rich's table cut names ("--per-host-concu…"), dropped
    # "[default: …]" as markup, and put <bool> on plain flags.
    import subprocess
    import sys

    import typer

    from harvest.cli import app

    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm"}
    shown = subprocess.run(
        [sys.executable, "-m", "harvest", "crawl", "--help"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "…" not in shown and "<bool>" not in shown
    assert not re.search(r" \.(\s|$)", shown)  # "URLs to start from ." once
    assert "./harvest.toml" in shown
    crawl = typer.main.get_command(app).commands["crawl"]  # type: ignore[attr-defined]
    for param in crawl.params:
        for name in param.opts:
            if name.startswith("--"):
                assert re.search(rf"(^|[\s/]){re.escape(name)}([\s,]|$)", shown, re.M), name
    flat = " ".join(shown.split())
    for option, default in [
        ("--concurrency", "8"),
        ("--per-host-concurrency", "2 live, concurrency on replay"),
        ("--delay", "1 live, 0 on replay"),
        ("--revisit-budget", "1500"),
        ("--log-format", "harvest --log-format, else auto"),
    ]:
        assert re.search(rf"{option} .*?\[default: {re.escape(default)}\]", flat), option


@pytest.mark.parametrize(
    "argv",
    [
        ["parse", "/nonexistent/page.html"],
        ["validate", "/nonexistent/file.jsonl"],
        ["report", "--out", "/nonexistent/output"],
        ["export", "--format", "xlsx", "--to", "/tmp/x"],
        ["crawl", "--concurrency", "0"],
        ["reparse", "/nonexistent/warc"],
        ["runs", "prune", "--out", "/nonexistent/output"],
        ["crawl", "--bogus"],
    ],
)
def test_off_a_terminal_every_command_tells_its_error_as_one_json_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, item 3: off a terminal crawl and reparse wrote JSON, the others text.
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    error = json.loads(line)
    assert error["level"] == "error" and error["event"] == "error" and error["message"]


def test_log_file_keeps_the_runs_record_even_when_stderr_is_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, item 8: there was no log-file option for cron.
    log = tmp_path / "harvest.jsonl"
    argv = ["--log-file", str(log), "crawl", "--replay", str(SITE), "--out", str(tmp_path / "o")]
    code = main([*argv, "--quiet"])
    assert code == 0 and capsys.readouterr().err == ""
    events = [json.loads(line)["event"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert events == ["run_start", "run_end"]
    code = main(["--log-file", str(log), "parse", str(tmp_path / "missing.html")])
    assert code == 2
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert last["level"] == "error" and "no such file" in last["message"]
    code = main(["--log-file", str(tmp_path / "no" / "such" / "dir.log"), "schema"])
    assert code == 2 and "--log-file" in capsys.readouterr().err


def test_parse_with_a_url_that_is_not_absolute_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Issue 20, item 4: it exited 1, as if the page had failed.
    code, out, err = run(["parse", str(MG115), "--url", "www.rand.org/x.html"], capsys)
    assert code == 2 and out == ""
    assert err.strip() == (
        "harvest: error: --url wants an absolute http(s) URL, not 'www.rand.org/x.html'"
    )
