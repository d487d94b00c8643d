"""Raw responses kept as WARC (ISO 28500) files, written with warcio.

Each exchange is a ``response`` record then a ``request`` record (linked by
``WARC-Concurrent-To``), each its own gzip member, and each file starts with a
``warcinfo`` record. An exchange is built in memory and handed to the OS in one
write, so a process killed at any moment leaves a file that reads up to its last
complete record (``iter_archive`` reports the torn tail).

harvest decodes Content-Encoding itself, so the body kept is the decoded one; its
headers are rewritten to match (``stored_headers``), so any WARC reader gets a
self-consistent record.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from harvest._version import __version__
from harvest.errors import ConfigError, WriteError
from harvest.fetch import Exchange

HeaderItems = Mapping[str, str] | Iterable[tuple[str, str]]

DEFAULT_MAX_FILE_BYTES = 1024**3
WARC_VERSION = "WARC/1.1"
WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
ORIGINAL = "X-Harvest-Original-"  # prefix of the headers that no longer describe the body
_REWRITTEN = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_LINE_BREAKS = re.compile(r"[\r\n]+")


def stored_headers(headers: HeaderItems, body_length: int) -> list[tuple[str, str]]:
    """Response headers as stored beside a decoded body: no encoding, the true length.

    >>> stored_headers({"Content-Encoding": "gzip"}, 120)
    [('X-Harvest-Original-Content-Encoding', 'gzip'), ('Content-Length', '120')]
    """
    length = str(body_length)
    kept = []
    for name, value in _header_pairs(headers):
        lower = name.lower()
        if lower not in _REWRITTEN:
            kept.append((name, value))
        elif lower != "content-length" or value.strip() != length:
            kept.append((ORIGINAL + "-".join(p.capitalize() for p in lower.split("-")), value))
    kept.append(("Content-Length", length))
    return kept


def _header_pairs(headers: HeaderItems) -> list[tuple[str, str]]:
    """Header (name, value) pairs from a mapping or pairs, with no line breaks left in."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(_one_line(name), _one_line(value)) for name, value in items]


class WarcArchive:
    """Append fetched exchanges to ``{prefix}-{n:05d}.warc.gz`` files, rotated by size.

    Numbering continues after the files already in ``directory``, so a new run
    never appends to (or overwrites) an earlier run's file. Safe to call from
    several threads.
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        info: Mapping[str, str] | None = None,
    ) -> None:
        if not prefix or "/" in prefix or "\\" in prefix or prefix.startswith("."):
            raise ConfigError(f"invalid WARC file prefix {prefix!r}")
        if max_file_bytes <= 0:
            raise ConfigError(f"WARC max file size must be positive, not {max_file_bytes}")
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_file_bytes = max_file_bytes
        self.info = dict(info or {})
        self._paths: list[Path] = []
        self._file: IO[bytes] | None = None
        self._next = 0
        self._lock = threading.Lock()

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files written so far, in order."""
        return tuple(self._paths)

    def keep(self, exchange: Exchange) -> None:
        """The fetcher's response hook: keep one exchange as it was seen."""
        self.write(
            exchange.url,
            status=exchange.status,
            reason=exchange.reason,
            headers=exchange.headers,
            body=exchange.body or b"",
            fetched_at=exchange.fetched_at,
            request_headers=exchange.request_headers,
            ip=exchange.ip,
            truncated=exchange.truncated,
        )

    def write(
        self,
        url: str,
        *,
        status: int,
        headers: HeaderItems,
        body: bytes,
        fetched_at: datetime,
        reason: str | None = None,
        request_headers: HeaderItems = (),
        method: str = "GET",
        ip: str | None = None,
        truncated: str | None = None,
    ) -> tuple[Path, int]:
        """Keep one exchange; returns the file and the offset its response record starts at.

        ``truncated``: why ``body`` is not the whole body the server sent, as WARC's
        ``WARC-Truncated`` names it ("length", "time", "disconnect", "unspecified").
        """
        writer = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)
        response = _response(writer, url, status, reason, headers, body, fetched_at, ip, truncated)
        request = _request(writer, url, method, request_headers)
        request.rec_headers.replace_header("WARC-Date", response.rec_headers["WARC-Date"])
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers["WARC-Record-ID"])
        data = _member(response) + _member(request)
        with self._lock:
            return self._append(data)

    def close(self) -> None:
        """Flush the current file to disk and close it; a later ``write`` starts a new one."""
        with self._lock:
            self._close_file()

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _append(self, data: bytes) -> tuple[Path, int]:
        file = self._file or self._open()
        path = self._paths[-1]
        try:
            offset = file.tell()
            file.write(data)
            file.flush()  # to the OS: survives the process being killed
        except OSError as exc:
            self._file = None  # never append after a torn record: the next write opens a new file
            file.close()
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
        if offset + len(data) >= self.max_file_bytes:
            self._close_file()
        return path, offset

    def _open(self) -> IO[bytes]:
        path, file = self._create()
        try:
            file.write(self._warcinfo(path.name))
            file.flush()
        except OSError as exc:
            file.close()
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
        self._paths.append(path)
        self._file = file
        return file

    def _create(self) -> tuple[Path, IO[bytes]]:
        """A new file with the next free number: never an earlier one, which may end torn."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._next = max(self._next, self._first_free())
            while True:
                path = self.directory / f"{self.prefix}-{self._next:05d}.warc.gz"
                self._next += 1
                try:
                    return path, path.open("xb")
                except FileExistsError:
                    continue  # another writer took this number meanwhile
        except OSError as exc:
            reason = exc.strerror or exc
            raise WriteError(f"cannot write WARC file in {self.directory}: {reason}") from exc

    def _first_free(self) -> int:
        numbers = [
            int(match.group(1))
            for entry in self.directory.iterdir()
            if (match := re.fullmatch(re.escape(self.prefix) + r"-(\d+)\.warc(\.gz)?", entry.name))
        ]
        return max(numbers, default=-1) + 1

    def _warcinfo(self, filename: str) -> bytes:
        writer = WARCWriter(io.BytesIO(), gzip=True, warc_version=WARC_VERSION)
        info = {
            "software": f"harvest/{__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": WARC_SPEC,
            **{_one_line(k): _one_line(v) for k, v in self.info.items()},
        }
        writer.write_record(writer.create_warcinfo_record(filename, info))
        data: bytes = writer.out.getvalue()
        return data

    def _close_file(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        try:
            file.flush()
            os.fsync(file.fileno())
        except OSError as exc:
            raise WriteError(f"cannot write {self._paths[-1]}: {exc.strerror or exc}") from exc
        finally:
            file.close()


def _response(
    writer: Any,
    url: str,
    status: int,
    reason: str | None,
    headers: HeaderItems,
    body: bytes,
    fetched_at: datetime,
    ip: str | None,
    truncated: str | None,
) -> Any:
    http = StatusAndHeaders(
        f"{status} {_one_line(reason or _reason(status))}",
        stored_headers(headers, len(body)),
        protocol="HTTP/1.1",
    )
    warc_headers = {"WARC-Date": _warc_date(fetched_at)}
    if ip:
        warc_headers["WARC-IP-Address"] = _one_line(ip)
    if truncated:
        warc_headers["WARC-Truncated"] = _one_line(truncated)
    return writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict=warc_headers,
    )


def _request(writer: Any, url: str, method: str, headers: HeaderItems) -> Any:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pairs = _header_pairs(headers)
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", parts.netloc))
    http = StatusAndHeaders(f"{_one_line(method)} {target} HTTP/1.1", pairs, is_http_request=True)
    return writer.create_warc_record(url, "request", http_headers=http)


def _member(record: Any) -> bytes:
    """One record as its own gzip member, at level 6: warcio's level 9 takes about
    three times as long for files a few percent smaller."""
    raw = io.BytesIO()
    WARCWriter(raw, gzip=False, warc_version=WARC_VERSION).write_record(record)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(raw.getvalue()) + compressor.flush()


def _warc_date(when: datetime) -> str:
    """ISO 8601 in UTC with microseconds when there are any (WARC 1.1 allows them)."""
    utc = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    text = utc.replace(tzinfo=None).isoformat()
    return f"{text}Z"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _one_line(text: str) -> str:
    """A header value with no CR/LF: one cannot break the record's framing."""
    return _LINE_BREAKS.sub(" ", text)
