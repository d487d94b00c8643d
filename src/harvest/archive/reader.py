"""Pages read back from WARC files, or from a recorded-site directory, one at a time.

A WARC file cut short (a killed run, a partial copy) yields every complete record,
then reports the rest as an ``ArchiveProblem`` instead of raising. warcio alone
does not tell: on a torn tail its ``ArchiveIterator`` may stop silently, yield a
record with a short body or a half-read header, or raise one of several errors.
So a record counts only once its whole block was read (and, compressed, its gzip
member ended), and every byte of a file must belong to such a record.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.limitreader import LimitReader
from warcio.timeutils import iso_date_to_datetime

from harvest.archive.writer import stored_headers
from harvest.errors import ConfigError
from harvest.fetch.replay import QUERY_MARK, url_for

log = logging.getLogger("harvest.archive")

WARC_SUFFIXES = (".warc", ".warc.gz")
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_CUT = "incomplete record (file cut short?)"


@dataclass(frozen=True)
class ArchivedPage:
    """A response as it was kept: decoded body, headers that match it, fetch time in UTC."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: datetime
    content_type: str | None


@dataclass(frozen=True)
class ArchiveProblem:
    """Part of an archive that could not be read, starting ``offset`` bytes into ``path``."""

    path: Path
    offset: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (from byte {self.offset})"


OnProblem = Callable[[ArchiveProblem], None]


def iter_archive(
    paths: Path | str | Iterable[Path | str], *, on_problem: OnProblem | None = None
) -> Iterator[ArchivedPage]:
    """Yield the responses kept in WARC files, WARC directories and recorded sites.

    Paths are checked at once (``ConfigError`` when missing or not a WARC); the
    pages are read lazily. A torn or unreadable part of a file is passed to
    ``on_problem`` (default: logged as a warning) and reading goes on with the
    next file.
    """
    sources = resolve_sources(paths)
    report = on_problem or log_problem
    return _iterate(sources, report)


def resolve_sources(paths: Path | str | Iterable[Path | str]) -> list[Path]:
    """WARC files and recorded-site directories, in reading order; ``ConfigError`` if unusable.

    A directory holding ``*.warc`` / ``*.warc.gz`` files stands for those files,
    in name order; any other directory is a recorded site.
    """
    given = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    sources: list[Path] = []
    for path in given:
        if path.is_dir():
            archives = sorted(p for p in path.iterdir() if p.is_file() and _is_warc_name(p))
            sources.extend(archives or [path])
        elif path.is_file():
            sources.append(path)
        else:
            raise ConfigError(f"archive not found: {path}")
    for source in sources:
        if source.is_file():
            check_warc(source)
        elif not any(_site_files(source)):
            raise ConfigError(f"no WARC files or recorded pages in {source}")
    return sources


def check_warc(path: Path) -> None:
    """Raise ``ConfigError`` unless ``path`` starts like a WARC file (plain or gzipped)."""
    try:
        with path.open("rb") as file:
            head = file.read(_CHUNK)
    except OSError as exc:
        raise ConfigError(f"cannot read archive {path}: {exc.strerror or exc}") from exc
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error as exc:
            raise ConfigError(f"not a WARC file (bad gzip data): {path}") from exc
    if not (head.startswith(b"WARC/") or b"WARC/".startswith(head)):  # a cut file may be short
        raise ConfigError(f"not a WARC file: {path}")


def scan_warc(path: Path, report: OnProblem) -> Iterator[tuple[int, ArchivedPage]]:
    """Each complete response record of one WARC file, with the offset it starts at."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        records = ArchiveIterator(file)
        end = 0  # where the last complete record ends: all before it was read
        why = _CUT  # if warcio stops without a word, the last record's start was cut
        try:
            for record in records:
                body = record.content_stream().read() if _is_response(record) else None
                if torn := _torn(record, records):
                    why = torn
                    break
                start, end = end, int(records.offset)
                if body is not None and (page := _page(record, body, path, start, report)):
                    yield start, page
        except Exception as exc:  # warcio raises assorted errors on a torn or foreign record
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())  # warcio's can be many lines
            why = f"unreadable record ({reason})"
        if end < size:
            report(ArchiveProblem(path, end, f"{why}, {size - end} bytes not read"))


def read_record(path: Path, offset: int) -> ArchivedPage | None:
    """The response record at ``offset`` of a WARC file (as found by ``scan_warc``)."""
    with path.open("rb") as file:
        file.seek(offset)
        record = next(iter(ArchiveIterator(file)), None)
        if record is None or not _is_response(record):
            return None
        return _page(record, record.content_stream().read(), path, offset, log_problem)


def _iterate(sources: list[Path], report: OnProblem) -> Iterator[ArchivedPage]:
    for source in sources:
        if source.is_dir():
            yield from _site_pages(source)
        else:
            yield from (page for _, page in scan_warc(source, report))


def _is_response(record: Any) -> bool:
    """A response with HTTP headers: what a fetch yields (revisits have no body)."""
    return record.rec_type == "response" and bool(record.http_headers)


def _page(
    record: Any, body: bytes, path: Path, offset: int, report: OnProblem
) -> ArchivedPage | None:
    """The page a complete response record holds; None (reported) if its headers are unusable."""
    http, warc = record.http_headers, record.rec_headers
    encoding = (http.get_header("content-encoding") or "").lower()
    headers = list(http.headers)
    if not encoding or encoding in BufferedReader.get_supported_decompressors():
        headers = stored_headers(headers, len(body))  # warcio decoded it: say so
    try:
        return ArchivedPage(
            url=warc.get_header("WARC-Target-URI"),
            status=int(http.get_statuscode()),
            headers=tuple(headers),
            body=body,
            fetched_at=iso_date_to_datetime(warc.get_header("WARC-Date"), tz_aware=True),
            content_type=http.get_header("content-type"),
        )
    except (TypeError, ValueError) as exc:
        report(ArchiveProblem(path, offset, f"response record skipped: {exc}"))
        return None


def _torn(record: Any, records: Any) -> str | None:
    """Why the record is not whole, or None: all its block read, its gzip member (if any) ended."""
    stream = record.raw_stream
    while stream.read(_CHUNK):
        pass
    if not isinstance(stream, LimitReader) or stream.limit:
        return _CUT  # no Content-Length (a cut header block), or fewer bytes than it says
    records.read_to_end()
    decompressor = records.reader.decompressor
    if decompressor is None:
        return None
    if not decompressor.eof:
        return _CUT
    if records.next_line is not None:  # the next record began in the same member
        return "several records in one gzip member (`warcio recompress` rewrites the file)"
    return None


def _site_pages(root: Path) -> Iterator[ArchivedPage]:
    for file, url in _site_files(root):
        body = file.read_bytes()
        content_type = _content_type(file)
        yield ArchivedPage(
            url=url,
            status=200,
            headers=(("Content-Type", content_type), ("Content-Length", str(len(body)))),
            body=body,
            fetched_at=datetime.fromtimestamp(file.stat().st_mtime, UTC),
            content_type=content_type,
        )


def _site_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Each page file of a recorded site with its URL; ``root`` may be the host folder."""
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root)
        if not file.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        url = url_for(Path(root.name) / relative)  # root itself may be the host folder
        if url is not None:
            yield file, url


def _content_type(file: Path) -> str:
    """As ``ReplayTransport`` answers: HTML unless the name says otherwise."""
    guessed, _ = mimetypes.guess_type(file.name.split(QUERY_MARK, 1)[0])
    if guessed is None or guessed == "text/html":
        return "text/html; charset=utf-8"
    return guessed


def _is_warc_name(path: Path) -> bool:
    return path.name.endswith(WARC_SUFFIXES) and not path.name.startswith(".")


def log_problem(problem: ArchiveProblem) -> None:
    """The default ``on_problem``: a warning on the ``harvest.archive`` logger."""
    log.warning("%s", problem)
