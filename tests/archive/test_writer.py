"""Writing WARC files: valid records, decoded bodies with matching headers, rotation."""

from __future__ import annotations

import base64
import gzip
import hashlib
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from harvest import __version__
from harvest.archive import WarcArchive, iter_archive, stored_headers
from harvest.errors import ConfigError, WriteError

WHEN = datetime(2025, 12, 1, 9, 30, 15, 250000, tzinfo=UTC)
URL = "https://www.rand.org/pubs/monographs/MG115.html"


def _write(archive: WarcArchive, n: int, body: bytes | None = None) -> tuple[Path, int]:
    return archive.write(
        f"{URL}?n={n}",
        status=200,
        reason="OK",
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": f'"v{n}"'},
        body=_body(n) if body is None else body,
        fetched_at=WHEN + timedelta(seconds=n),
        request_headers={"User-Agent": "harvest-test", "Accept": "text/html"},
        ip="192.0.2.7",
    )


def _body(n: int) -> bytes:
    return f"<p>page {n}</p>".encode() * 150


def _records(path: Path) -> list[tuple[str, dict[str, str], Any, bytes]]:
    """(type, WARC headers, HTTP headers, content) of each record, digests checked."""
    found = []
    with path.open("rb") as file:
        for record in ArchiveIterator(file, check_digests="raise"):
            content = record.content_stream().read()
            assert record.digest_checker.passed is True  # block and payload digests match
            found.append(
                (record.rec_type, dict(record.rec_headers.headers), record.http_headers, content)
            )
    return found


def test_round_trip(tmp_path: Path) -> None:
    with WarcArchive(tmp_path, prefix="run") as archive:
        for n in range(3):
            _write(archive, n)
    assert [p.name for p in archive.paths] == ["run-00000.warc.gz"]
    pages = list(iter_archive(archive.paths))
    assert [page.url for page in pages] == [f"{URL}?n={n}" for n in range(3)]
    for n, page in enumerate(pages):
        assert page.status == 200
        assert page.body == _body(n)
        assert page.fetched_at == WHEN + timedelta(seconds=n)
        assert page.content_type == "text/html; charset=utf-8"
        assert ("ETag", f'"v{n}"') in page.headers
        assert ("Content-Length", str(len(page.body))) in page.headers


def test_records_are_valid_warc(tmp_path: Path) -> None:
    with WarcArchive(tmp_path, prefix="run", info={"operator": "tests"}) as archive:
        _write(archive, 0)
    records = _records(archive.paths[0])
    assert [kind for kind, *_ in records] == ["warcinfo", "response", "request"]
    (_, info_warc, _, info), (_, resp_warc, resp_http, body), (_, req_warc, req_http, _) = records
    assert f"software: harvest/{__version__}".encode() in info
    assert b"operator: tests" in info
    assert info_warc["WARC-Filename"] == "run-00000.warc.gz"
    assert resp_warc["WARC-Date"] == "2025-12-01T09:30:15.250000Z"
    assert resp_warc["WARC-IP-Address"] == "192.0.2.7"
    sha1 = base64.b32encode(hashlib.sha1(body).digest()).decode()
    assert resp_warc["WARC-Payload-Digest"] == f"sha1:{sha1}"
    assert resp_http.statusline == "200 OK"
    assert req_warc["WARC-Concurrent-To"] == resp_warc["WARC-Record-ID"]
    assert req_warc["WARC-Target-URI"] == f"{URL}?n=0"
    request_line = f"{req_http.protocol} {req_http.statusline}"
    assert request_line == "GET /pubs/monographs/MG115.html?n=0 HTTP/1.1"
    assert req_http.get_header("User-Agent") == "harvest-test"
    assert req_http.get_header("Host") == "www.rand.org"


def test_one_gzip_member_per_record(tmp_path: Path) -> None:
    with WarcArchive(tmp_path, prefix="run") as archive:
        _, first = _write(archive, 0)
        _, second = _write(archive, 1)
    data = archive.paths[0].read_bytes()
    assert data[first : first + 2] == data[second : second + 2] == b"\x1f\x8b"
    assert gzip.decompress(data[first:second]).startswith(b"WARC/1.1\r\n")


def test_rotation_by_size(tmp_path: Path) -> None:
    limit = 3000
    with WarcArchive(tmp_path, prefix="run", max_file_bytes=limit) as archive:
        ends = [_write(archive, n, body=random.Random(n).randbytes(1000)) for n in range(6)]
    assert [p.name for p in archive.paths] == [f"run-{n:05d}.warc.gz" for n in range(3)]
    for path in archive.paths[:-1]:
        last_start = max(offset for file, offset in ends if file == path)
        assert last_start < limit <= path.stat().st_size  # rotated once past the limit
    for path in archive.paths:
        assert [kind for kind, *_ in _records(path)] == ["warcinfo", *["response", "request"] * 2]
    bodies = [page.body for page in iter_archive(tmp_path)]
    assert bodies == [random.Random(n).randbytes(1000) for n in range(6)]


def test_a_new_archive_continues_the_numbering(tmp_path: Path) -> None:
    for _ in range(2):
        with WarcArchive(tmp_path, prefix="run") as archive:
            _write(archive, 0)
    assert archive.paths == (tmp_path / "run-00001.warc.gz",)
    assert len(list(iter_archive(tmp_path))) == 2


def test_nothing_written_makes_no_file(tmp_path: Path) -> None:
    with WarcArchive(tmp_path / "warc", prefix="run") as archive:
        pass
    assert archive.paths == ()
    assert not (tmp_path / "warc").exists()


def test_encoded_response_is_stored_decoded_with_matching_headers(tmp_path: Path) -> None:
    body = b"<html>" + b"decoded " * 500 + b"</html>"
    wire = gzip.compress(body)
    with WarcArchive(tmp_path, prefix="run") as archive:
        archive.write(
            URL,
            status=200,
            headers=[
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
                ("Content-Length", str(len(wire))),
            ],
            body=body,
            fetched_at=WHEN,
        )
    (_, _, http, content) = _records(archive.paths[0])[1]
    assert content == body
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("Content-Length") == str(len(body))
    assert http.get_header("X-Harvest-Original-Content-Encoding") == "gzip"
    assert http.get_header("X-Harvest-Original-Content-Length") == str(len(wire))
    (page,) = iter_archive(archive.paths)
    assert page.body == body


def test_stored_headers_keep_a_true_length_once() -> None:
    assert stored_headers({"Content-Length": "5", "X-A": "1"}, 5) == [
        ("X-A", "1"),
        ("Content-Length", "5"),
    ]


def test_line_breaks_cannot_forge_headers(tmp_path: Path) -> None:
    with WarcArchive(tmp_path, prefix="run") as archive:
        archive.write(
            URL, status=200, headers={"X-A": "1\r\nX-Forged: 2"}, body=b"x", fetched_at=WHEN
        )
    (page,) = iter_archive(archive.paths)
    assert ("X-A", "1 X-Forged: 2") in page.headers


def test_naive_and_offset_times_are_kept_as_utc(tmp_path: Path) -> None:
    plus_two = timezone(timedelta(hours=2))
    with WarcArchive(tmp_path, prefix="run") as archive:
        for when in (datetime(2025, 1, 1, 12), datetime(2025, 1, 1, 14, tzinfo=plus_two)):
            archive.write(URL, status=200, headers={}, body=b"x", fetched_at=when)
    times = [page.fetched_at for page in iter_archive(archive.paths)]
    assert times == [datetime(2025, 1, 1, 12, tzinfo=UTC)] * 2


def test_unwritable_directory_is_a_write_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a directory")
    archive = WarcArchive(tmp_path / "taken", prefix="run")
    with pytest.raises(WriteError, match="cannot write WARC file in"):
        _write(archive, 0)


@pytest.mark.parametrize("prefix", ["", "a/b", ".hidden"])
def test_bad_prefix_is_a_config_error(tmp_path: Path, prefix: str) -> None:
    with pytest.raises(ConfigError, match="prefix"):
        WarcArchive(tmp_path, prefix=prefix)
