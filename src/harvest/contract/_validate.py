"""Check JSONL record files against the record contract, line by line (``harvest validate``).

Analysts (and cron jobs) ask one question of a file before they load it: is every
line a record harvest could have written? The answer comes from the models
themselves, in pydantic's strict JSON mode, so ``"published": 2004`` is a wrong type
rather than a value quietly turned into ``"2004"``. Files are read as a binary
stream, one line at a time: memory stays flat whatever the size, and a bad byte is
reported where it is instead of failing the whole file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal, NamedTuple

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, from_json

from harvest.errors import ConfigError
from harvest.models import SCHEMA_VERSION, ErrorRecord, Publication, Topic

__all__ = [
    "MAX_LINE_BYTES",
    "Category",
    "FileReport",
    "LineProblem",
    "Summary",
    "check_line",
    "validate_file",
    "validate_files",
    "validate_stream",
]

MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longer lines are reported (``too_long``) and skipped unread, keeping memory bounded."""

Category = Literal[
    "blank",
    "encoding",
    "json",
    "truncated",
    "too_long",
    "not_object",
    "unknown_kind",
    "missing_field",
    "extra_field",
    "wrong_type",
    "invalid_value",
    "schema_version",
]
"""What is wrong with a line, for counting: each invalid line has exactly one."""

_RECORD: TypeAdapter[Publication | Topic | ErrorRecord] = TypeAdapter(
    Annotated[Publication | Topic | ErrorRecord, Field(discriminator="kind")]
)
_KINDS = ("publication", "topic", "error")
_SEMVER = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)")  # ASCII digits only, unlike \d
_OURS = tuple(int(part) for part in SCHEMA_VERSION.split("."))
_SHOWN = 40  # characters of an offending value quoted in a reason


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why one line is not a valid record: its 1-based number, a category, one line of reason."""

    line: int
    category: Category
    reason: str


@dataclass
class Summary:
    """Lines read, valid, and invalid per category: enough for an exit code and a report."""

    lines: int = 0
    valid: int = 0
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def invalid(self) -> int:
        return self.lines - self.valid

    def add(self, other: Summary) -> None:
        """Fold another file's counts into these (for a total over several files)."""
        self.lines += other.lines
        self.valid += other.valid
        self.categories.update(other.categories)


@dataclass
class FileReport:
    """One file's counts and its first problems (all of them are counted, not all kept)."""

    path: Path
    summary: Summary
    problems: list[LineProblem]

    @property
    def unshown(self) -> int:
        """Problems counted but not kept in ``problems``."""
        return self.summary.invalid - len(self.problems)


def validate_files(paths: Iterable[Path], *, keep: int = 50) -> Iterator[FileReport]:
    """Validate files one after another, keeping at most ``keep`` problems per file.

    Every path is checked before any is read, so a typo in the last argument fails
    fast with ``ConfigError`` instead of after hours of reading the first.
    """
    paths = list(paths)
    for path in paths:
        _check_path(path)
    for path in paths:
        report = FileReport(path, Summary(), [])
        for problem in validate_file(path, report.summary):
            if len(report.problems) < keep:
                report.problems.append(problem)
        yield report


def validate_file(path: Path, summary: Summary | None = None) -> Iterator[LineProblem]:
    """The problems of one JSONL file, lazily, in line order; ``summary`` counts as it goes.

    The file is opened at once, so a missing or unreadable one raises ``ConfigError``
    here rather than at the first ``next()``.
    """
    _check_path(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _closing(stream, validate_stream(stream, summary))


def validate_stream(stream: BinaryIO, summary: Summary | None = None) -> Iterator[LineProblem]:
    """The problems of a binary stream of JSONL, read one line at a time."""
    counts = summary if summary is not None else Summary()
    for number, line in enumerate(_lines(stream), start=1):
        counts.lines += 1
        if line.too_long:
            problem: LineProblem | None = LineProblem(
                number, "too_long", f"line longer than {MAX_LINE_BYTES} bytes: not read"
            )
        else:
            problem = check_line(line.data, number=number, offset=line.offset, ended=line.ended)
        if problem is None:
            counts.valid += 1
        else:
            counts.categories[problem.category] += 1
            yield problem


def check_line(
    data: bytes, *, number: int, offset: int = 0, ended: bool = True
) -> LineProblem | None:
    """Check one line (without its newline); ``None`` when it is a valid record.

    ``offset`` is where the line starts in its file, to place a bad byte;
    ``ended`` says whether a newline followed: a last line without one that does
    not parse was cut off mid-write (``truncated``).
    """
    if not data.strip():
        return LineProblem(number, "blank", "blank line (JSONL has one record on every line)")
    if number == 1 and data.startswith(codecs.BOM_UTF8):
        return LineProblem(number, "encoding", "UTF-8 byte order mark at the start of the file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _encoding_problem(exc, number, offset, ended)
    try:
        record = _RECORD.validate_json(data, strict=True)
    except ValidationError as exc:
        return _invalid(exc.errors(include_url=False), data, number, ended)
    if "schema_version" not in record.model_fields_set:
        return LineProblem(number, "missing_field", "schema_version: field required")
    return _version_problem(record.schema_version, number)


class _Line(NamedTuple):
    offset: int
    data: bytes
    ended: bool
    too_long: bool


def _lines(stream: BinaryIO) -> Iterator[_Line]:
    """Lines without their newline; a line over MAX_LINE_BYTES is skipped, not held."""
    offset = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        ended = raw.endswith(b"\n")
        if len(raw) > MAX_LINE_BYTES and not ended:
            length = len(raw)
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                length += len(rest)
            length += len(rest)
            yield _Line(offset, b"", bool(rest), True)
            offset += length
            continue
        data = raw[:-1] if ended else raw
        yield _Line(offset, data[:-1] if data.endswith(b"\r") else data, ended, False)
        offset += len(raw)


def _closing(stream: BinaryIO, problems: Iterator[LineProblem]) -> Iterator[LineProblem]:
    with stream:
        yield from problems


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise ConfigError(f"{path} is a directory: name the .jsonl files in it")
    if not path.exists():
        raise ConfigError(f"no such file: {path}")
    if not path.is_file():
        raise ConfigError(f"not a regular file: {path}")


def _encoding_problem(
    exc: UnicodeDecodeError, number: int, offset: int, ended: bool
) -> LineProblem:
    if not ended and exc.end == len(exc.object):
        return LineProblem(number, "truncated", "last line cut off in a UTF-8 character")
    byte = exc.object[exc.start]
    return LineProblem(
        number,
        "encoding",
        f"invalid UTF-8 byte 0x{byte:02x} at byte offset {offset + exc.start} of the file",
    )


def _invalid(errors: list[ErrorDetails], data: bytes, number: int, ended: bool) -> LineProblem:
    """One problem for a line that failed validation: the first error, and how many more."""
    first = errors[0]
    if first["type"] == "json_invalid":
        message = str(first.get("ctx", {}).get("error", first["msg"]))
        if not ended:
            return LineProblem(number, "truncated", f"last line cut off (no newline): {message}")
        return LineProblem(number, "json", f"not JSON: {message}")
    version = _peek_version(data)
    if version is not None and (problem := _version_problem(version, number)) is not None:
        return problem
    category, reason = _describe(first)
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more)"
    if version is not None and _newer_minor(version):
        reason += f"; the record is schema {version}, newer than this harvest's {SCHEMA_VERSION}"
    return LineProblem(number, category, reason)


_PLAIN: dict[str, tuple[Category, str]] = {
    "union_tag_not_found": ("missing_field", "kind: field required"),
    "missing": ("missing_field", "{path}: field required"),
    "extra_forbidden": ("extra_field", "{path}: unknown field"),
}


def _describe(error: ErrorDetails) -> tuple[Category, str]:
    kind, loc = error["type"], error["loc"]
    path = ".".join(str(part) for part in (loc[1:] if loc and loc[0] in _KINDS else loc))
    if kind == "dict_type" and not path:
        return "not_object", f"a record is a JSON object, not {_shown(error['input'])}"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        return "unknown_kind", f"kind: {tag!r} is not one of {', '.join(_KINDS)}"
    if kind in _PLAIN:
        category, template = _PLAIN[kind]
        return category, template.format(path=path)
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if kind == "value_error":
        return "invalid_value", f"{path}: {message}"
    category = "wrong_type" if kind.endswith("_type") else "invalid_value"
    return category, f"{path}: {message}, got {_shown(error['input'])}"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _peek_version(data: bytes) -> str | None:
    """The line's schema_version when it has a readable one, to explain a failure."""
    obj = from_json(data)
    version = obj.get("schema_version") if isinstance(obj, dict) else None
    return version if isinstance(version, str) else None


def _version_problem(version: str, number: int) -> LineProblem | None:
    match = _SEMVER.fullmatch(version)
    if match is None:
        return LineProblem(
            number, "schema_version", f"schema_version: {version!r} is not MAJOR.MINOR.PATCH"
        )
    if int(match[1]) != _OURS[0]:
        return LineProblem(
            number,
            "schema_version",
            f"schema_version: {version} is major version {match[1]}, but this harvest reads "
            f"{_OURS[0]}.x records (SCHEMA_VERSION {SCHEMA_VERSION})",
        )
    return None


def _newer_minor(version: str) -> bool:
    match = _SEMVER.fullmatch(version)
    return match is not None and int(match[1]) == _OURS[0] and int(match[2]) > _OURS[1]
