"""``harvest validate``'s core: each kind of bad line is named, placed and counted, lazily."""

from __future__ import annotations

import ast
import asyncio
import io
import json
import tracemalloc
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import harvest.contract._validate
from harvest.config._settings import Settings
from harvest.contract._validate import (
    LineProblem,
    Summary,
    check_line,
    validate_file,
    validate_files,
    validate_stream,
)
from harvest.errors import ConfigError
from harvest.models import SCHEMA_VERSION, Author, ErrorRecord, Publication, Topic, TopicEntry
from harvest.run._runner import RunResult, crawl
from tests.conftest import ROOT, SITE
from tests.strategies import RECORDS

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
COMMON: dict[str, Any] = {
    "url": "https://www.rand.org/pubs/x.html",
    "content_sha256": "0" * 64,
    "fetched_at": AT,
}
PUBLICATION = json.loads(
    Publication(title="T", authors=[Author(name="A")], **COMMON).model_dump_json()
)
GOOD = [
    PUBLICATION,
    json.loads(
        Topic(
            name="N", entries=[TopicEntry(title="E", url="https://www.rand.org/p.html")], **COMMON
        ).model_dump_json()
    ),
    json.loads(
        ErrorRecord(
            url="https://www.rand.org/x", stage="fetch", reason="404", at=AT
        ).model_dump_json()
    ),
]


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _without(key: str) -> dict[str, Any]:
    return {name: value for name, value in PUBLICATION.items() if name != key}


def _problems(data: bytes) -> list[LineProblem]:
    return list(validate_stream(io.BytesIO(data)))


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("out")
    return asyncio.run(crawl(Settings(replay_dir=SITE, out_dir=out)))


def test_records_written_by_a_crawl_are_valid(replay_run: RunResult) -> None:
    files = sorted(replay_run.run_dir.glob("*.jsonl"))
    assert {path.name for path in files} >= {"publications.jsonl", "topics.jsonl"}
    reports = list(validate_files(files))
    assert [(r.path, r.problems) for r in reports] == [(path, []) for path in files]
    assert sum(r.summary.lines for r in reports) == sum(r.summary.valid for r in reports) > 30
    schema = json.loads((ROOT / "schema" / "records.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            validator.validate(json.loads(line))


def test_a_good_file_has_no_problems(tmp_path: Path) -> None:
    path = tmp_path / "good.jsonl"
    path.write_bytes(b"".join(_line(record) for record in GOOD))
    summary = Summary()
    assert list(validate_file(path, summary)) == []
    assert (summary.lines, summary.valid, summary.invalid) == (3, 3, 0)


@settings(max_examples=50, deadline=None)
@given(record=st.one_of(*RECORDS.values()))
def test_every_valid_record_passes(record: Any) -> None:
    assert _problems(record.model_dump_json().encode() + b"\n") == []


@pytest.mark.parametrize(
    ("bad", "category", "reason"),
    [
        (_line(_without("title")), "missing_field", "title: field required"),
        (_line({**PUBLICATION, "authors": [{"url": None}]}), "missing_field", "authors.0.name: "),
        (_line(_without("kind")), "missing_field", "kind: field required"),
        (_line(_without("schema_version")), "missing_field", "schema_version: field required"),
        (_line({**PUBLICATION, "title": 5}), "wrong_type", "title: input should be a valid string"),
        (_line({**PUBLICATION, "published": 2004}), "wrong_type", "published: "),
        (_line({**PUBLICATION, "fetched_at": 1700000000}), "wrong_type", "fetched_at: "),
        (_line({**PUBLICATION, "authors": "A"}), "wrong_type", "authors: "),
        (_line({**PUBLICATION, "published": "Aug 15, 2004"}), "invalid_value", "published: "),
        (_line({**PUBLICATION, "fetched_at": "2026-11-23"}), "invalid_value", "fetched_at: "),
        (_line({**PUBLICATION, "url": "/pubs/x.html"}), "invalid_value", "url: not an absolute"),
        (_line({**PUBLICATION, "shelf": "B2"}), "extra_field", "shelf: unknown field"),
        (_line({**PUBLICATION, "kind": "book"}), "unknown_kind", "kind: 'book'"),
        (
            _line({**PUBLICATION, "schema_version": "2.0.0"}),
            "schema_version",
            "schema_version: 2.0.0 is major version 2",
        ),
        (
            _line({**PUBLICATION, "schema_version": "2.0.0", "title": 5}),
            "schema_version",
            "schema_",
        ),
        (
            _line({**PUBLICATION, "schema_version": "v1"}),
            "schema_version",
            "schema_version: 'v1' is not",
        ),
        (b"[1, 2]\n", "not_object", "a record is a JSON object"),
        (b"<html>\n", "json", "not JSON: expected value"),
        (_line(PUBLICATION)[:-1] + b", }\n", "json", "not JSON"),
        (b"\n", "blank", "blank line"),
        (b" \t\r\n", "blank", "blank line"),
    ],
)
def test_each_bad_line_is_named_placed_and_counted(bad: bytes, category: str, reason: str) -> None:
    data = _line(GOOD[0]) + bad + _line(GOOD[1])
    summary = Summary()
    problems = list(validate_stream(io.BytesIO(data), summary))
    assert [(p.line, p.category) for p in problems] == [(2, category)]
    assert problems[0].reason.startswith(reason), problems[0].reason
    assert "\n" not in problems[0].reason
    assert (summary.lines, summary.valid, summary.invalid) == (3, 2, 1)
    assert summary.categories == {category: 1}


def test_a_line_with_several_errors_is_one_problem_that_says_how_many() -> None:
    (problem,) = _problems(_line({**_without("title"), "published": 2004, "shelf": 1}))
    assert problem.reason == "title: field required (and 2 more)"


def test_a_cut_off_last_line_is_truncated_not_just_bad_json() -> None:
    whole = _line(GOOD[0])
    problems = _problems(whole + whole[:40])
    assert [(p.line, p.category) for p in problems] == [(2, "truncated")]
    assert "no newline" in problems[0].reason
    assert [p.category for p in _problems(whole + whole[:40] + b"\n")] == ["json"]


def test_a_last_line_cut_inside_a_utf8_character_is_truncated() -> None:
    cut = _line({**PUBLICATION, "title": "Café"}).split("é".encode())[0] + "é".encode()[:1]
    assert [(p.line, p.category) for p in _problems(_line(GOOD[0]) + cut)] == [(2, "truncated")]


def test_a_complete_last_line_needs_no_newline_and_crlf_is_fine() -> None:
    assert _problems(_line(GOOD[0]) + _line(GOOD[1])[:-1]) == []
    assert _problems(_line(GOOD[0]).replace(b"\n", b"\r\n") * 2) == []


def test_invalid_utf8_is_placed_by_byte_offset_in_the_file() -> None:
    first = _line(GOOD[0])
    bad = _line(PUBLICATION)
    cut = bad.index(b'"T"') + 2
    bad = bad[:cut] + b"\xe9" + bad[cut:]  # a Latin-1 é inside the title
    problems = _problems(first + bad)
    assert [(p.line, p.category) for p in problems] == [(2, "encoding")]
    assert (
        problems[0].reason
        == f"invalid UTF-8 byte 0xe9 at byte offset {len(first) + cut} of the file"
    )


def test_a_byte_order_mark_is_an_encoding_problem() -> None:
    problems = _problems(b"\xef\xbb\xbf" + _line(GOOD[0]))
    assert [(p.line, p.category) for p in problems] == [(1, "encoding")]


def test_a_newer_minor_version_is_named_when_its_record_does_not_fit() -> None:
    major, minor, _ = SCHEMA_VERSION.split(".")
    newer = f"{major}.{int(minor) + 1}.0"
    (problem,) = _problems(_line({**PUBLICATION, "schema_version": newer, "shelf": 1}))
    assert problem.category == "extra_field" and f"schema {newer}, newer" in problem.reason
    assert _problems(_line({**PUBLICATION, "schema_version": newer})) == []


def test_an_over_long_line_is_skipped_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harvest.contract._validate, "MAX_LINE_BYTES", 64)
    small = b'{"kind": "x"}\n'
    problems = _problems(small + b"[" * 1000 + b"\n" + small + b"x" * 100)
    assert [(p.line, p.category) for p in problems] == [
        (1, "unknown_kind"),
        (2, "too_long"),
        (3, "unknown_kind"),
        (4, "too_long"),
    ]


def test_check_line_alone() -> None:
    assert check_line(_line(GOOD[2])[:-1], number=7) is None
    assert check_line(b"", number=7) == LineProblem(
        7, "blank", "blank line (JSONL has one record on every line)"
    )


# -- several files, and the files themselves


def test_validate_files_keeps_the_first_problems_and_counts_them_all(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_bytes(_line(GOOD[0]) * 3)
    bad.write_bytes((_line(GOOD[0]) + b"nope\n") * 120)
    reports = list(validate_files([good, bad], keep=50))
    assert [r.path for r in reports] == [good, bad]
    assert reports[0].problems == [] and reports[0].summary.valid == 3
    summary = reports[1].summary
    assert (summary.lines, summary.valid, summary.invalid) == (240, 120, 120)
    assert [p.line for p in reports[1].problems] == list(range(2, 101, 2))
    assert reports[1].unshown == 70
    total = Summary()
    for report in reports:
        total.add(report.summary)
    assert (total.lines, total.invalid, total.categories) == (243, 120, {"json": 120})


def test_an_empty_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / "errors.jsonl").touch()
    (report,) = validate_files([tmp_path / "errors.jsonl"])
    assert report.summary.lines == 0 and report.problems == []


def test_missing_files_and_directories_are_config_errors_before_any_reading(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(_line(GOOD[0]))
    with pytest.raises(ConfigError, match="no such file"):
        next(validate_files([good, tmp_path / "missing.jsonl"]))
    with pytest.raises(ConfigError, match="is a directory"):
        validate_file(tmp_path)


def test_an_unreadable_file_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_bytes(_line(GOOD[0]))

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ConfigError, match=r"cannot read .*secret\.jsonl: Permission denied"):
        validate_file(path)


# -- streaming


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def readline(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().readline(size)


def test_lines_are_read_only_as_problems_are_asked_for() -> None:
    stream = _CountingStream(b"nope\n" + _line(GOOD[0]) * 10_000)
    problems = validate_stream(stream)
    assert isinstance(problems, Generator) and stream.reads == 0
    assert next(problems).line == 1
    assert stream.reads == 1


def test_validate_file_is_lazy_and_memory_stays_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = _line({**PUBLICATION, "summary": "x" * 2000})
    path.write_bytes(line * 4000 + b"nope\n")  # about 9 MB
    problems = validate_file(path)
    assert isinstance(problems, Generator)  # nothing read until asked for
    tracemalloc.start()
    try:
        found = list(problems)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(p.line, p.category) for p in found] == [(4001, "json")]
    assert peak < 1_000_000, f"peak {peak} bytes while reading a {path.stat().st_size}-byte file"


def test_validate_imports_only_the_models_and_errors_of_harvest() -> None:
    tree = ast.parse(Path(harvest.contract._validate.__file__).read_text(encoding="utf-8"))
    ours = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harvest")
    }
    assert ours <= {"harvest.models", "harvest.errors"}
