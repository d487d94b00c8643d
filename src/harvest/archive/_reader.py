"""Pages read back from WARC files, or from a recorded-site directory, one at a time.

A WARC file cut short (a killed run, a partial copy) yields every complete record,
then reports the rest as an ``ArchiveProblem`` instead of raising. warcio alone
does not tell: on a torn tail its ``ArchiveIterator`` may stop silently, yield a
record with a short body or a half-read header, or raise one of several errors.
So a record counts only once its whole block was read (and, compressed, its gzip
member ended), and every byte of a file must belong to such a record.
"""

from __future__ import annotations

import io
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

from harvest.archive._writer import stored_headers
from harvest.errors import ConfigError
from harvest.fetch._replay import QUERY_MARK, url_for

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
    truncated: str | None = None  # WARC-Truncated: the body kept is not all the server sent


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
    """Each complete response record of one WARC file, with the offset it starts at.

    A file of one gzip member per record (what harvest and most crawlers write) is
    read by ``_scan_members``, several times faster than warcio's general reader;
    any other file by warcio.
    """
    with path.open("rb") as file:
        gzipped = file.read(2) == _GZIP_MAGIC
    yield from (_scan_members if gzipped else _scan_warcio)(path, report)


def _scan_members(path: Path, report: OnProblem) -> Iterator[tuple[int, ArchivedPage]]:
    """The records of a file of gzip members, each member one whole record.

    Each member is inflated, its WARC header read and its block cut at the
    ``Content-Length`` it declares; the member must end right after the block's two
    CRLFs. A member cut short (the end of a killed run's file), data that does not
    inflate, or a member holding more than one record stops the file, reported.
    """
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        pending, start = b"", 0
        while start < size:
            member, used, pending = _inflate_member(file, pending)
            if member is None:
                why = _CUT if used is None else f"unreadable gzip data ({used})"
                report(ArchiveProblem(path, start, f"{why}, {size - start} bytes not read"))
                return
            record = _split_record(member)
            if isinstance(record, str):
                report(ArchiveProblem(path, start, f"{record}, {size - start} bytes not read"))
                return
            headers, block = record
            if headers.get("warc-type") == "response" and (
                page := _member_page(headers, block, member, path, start, report)
            ):
                yield start, page
            start += int(used or 0)


def _inflate_member(file: Any, pending: bytes) -> tuple[bytes | None, Any, bytes]:
    """One gzip member from ``pending`` + the file: (data, bytes it took, what follows).

    Data None: the file ended inside the member (bytes None), or it did not
    inflate (bytes: zlib's message).
    """
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts, used = [], 0
    while not inflate.eof:
        chunk = pending or file.read(_CHUNK)
        pending = b""
        if not chunk:
            return None, None, b""
        try:
            parts.append(inflate.decompress(chunk))
        except zlib.error as exc:
            return None, str(exc), b""
        used += len(chunk) - len(inflate.unused_data)
    return b"".join(parts), used, inflate.unused_data


def _split_record(member: bytes) -> tuple[dict[str, str], bytes] | str:
    """A WARC record's headers (names lower-cased) and block; a reason when it is not one."""
    end = member.find(b"\r\n\r\n")
    if not member.startswith(b"WARC/") or end < 0:
        return "not a WARC record"
    headers: dict[str, str] = {}
    for line in member[:end].decode("utf-8", "replace").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "")
    if not length.isdigit():
        return "a record without Content-Length"
    block_end = end + 4 + int(length)
    if len(member) < block_end:
        return _CUT
    if member[block_end:].strip(b"\r\n"):
        return "several records in one gzip member (`warcio recompress` rewrites the file)"
    return headers, member[end + 4 : block_end]


def _member_page(
    headers: dict[str, str],
    block: bytes,
    member: bytes,
    path: Path,
    offset: int,
    report: OnProblem,
) -> ArchivedPage | None:
    """The page of a response record; warcio decodes what harvest did not write itself."""
    end = block.find(b"\r\n\r\n")
    if end < 0 or not block.startswith(b"HTTP/"):
        return None  # not an HTTP response (dns:, or no headers): nothing to parse
    lines = block[:end].decode("iso-8859-1").split("\r\n")
    http = [
        (name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in lines[1:])
    ]
    if any(name.lower() in ("transfer-encoding", "content-encoding") for name, _ in http):
        return _decoded_by_warcio(member, path, offset, report)
    status = lines[0].split(" ", 2)
    try:
        return ArchivedPage(
            url=headers["warc-target-uri"],
            status=int(status[1]),
            headers=tuple(http),
            body=block[end + 4 :],
            fetched_at=_warc_date(headers["warc-date"]),
            content_type=next((v for n, v in http if n.lower() == "content-type"), None),
            truncated=headers.get("warc-truncated") or None,
        )
    except (KeyError, IndexError, ValueError) as exc:
        report(ArchiveProblem(path, offset, f"response record skipped: {exc!r}"))
        return None


def _decoded_by_warcio(
    member: bytes, path: Path, offset: int, report: OnProblem
) -> ArchivedPage | None:
    """A response whose body is chunked or compressed (another crawler's): warcio's way."""
    record = next(iter(ArchiveIterator(io.BytesIO(member))))
    return _page(record, record.content_stream().read(), path, offset, report)


def _warc_date(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _scan_warcio(path: Path, report: OnProblem) -> Iterator[tuple[int, ArchivedPage]]:
    """Each complete response record of any WARC file, read with warcio."""
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
    return (page for _, page in iter_positions(sources, report))


def iter_positions(sources: list[Path], report: OnProblem) -> Iterator[tuple[int, ArchivedPage]]:
    """The pages of sources (``resolve_sources``'s), each with the bytes read before it
    (over all the sources: a progress measure)."""
    done = 0
    for source in sources:
        if source.is_dir():
            for page in _site_pages(source):
                yield done, page
                done += len(page.body)
        else:
            for offset, page in scan_warc(source, report):
                yield done + offset, page
            done += source.stat().st_size


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
            truncated=warc.get_header("WARC-Truncated"),
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
