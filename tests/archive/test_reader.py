"""Reading archives back: torn files, killed writers, recorded sites, foreign WARCs."""

from __future__ import annotations

import gzip
import io
import logging
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from harvest.archive import ArchiveProblem, WarcArchive, iter_archive
from harvest.errors import ConfigError
from harvest.fetch import url_for
from tests.conftest import SITE, site_pages

WHEN = datetime(2025, 12, 1, 9, 30, tzinfo=UTC)


def _body(n: int) -> bytes:
    return f"<p>page {n}</p>".encode() * 200


def _archive(directory: Path, prefix: str = "run", pages: int = 3) -> Path:
    with WarcArchive(directory, prefix=prefix) as archive:
        for n in range(pages):
            archive.write(
                f"https://example.org/{prefix}/{n}",
                status=200,
                headers={"Content-Type": "text/html"},
                body=_body(n),
                fetched_at=WHEN,
            )
    (path,) = archive.paths
    return path


def _starts(path: Path) -> list[int]:
    """Where each record starts, as warcio finds them, then the file size."""
    with path.open("rb") as file:
        records = ArchiveIterator(file)
        starts = [records.get_record_offset() for _ in records]
    return [*starts, path.stat().st_size]


def _read(path: Path) -> tuple[list[bytes], list[ArchiveProblem]]:
    problems: list[ArchiveProblem] = []
    bodies = [page.body for page in iter_archive(path, on_problem=problems.append)]
    return bodies, problems


# Records: 0 warcinfo, 1 response 0, 2 request 0, 3 response 1, 4 request 1, 5 response 2, ...
# (where to cut, pages left, where the torn record starts or None)
Cut = Callable[[list[int]], int]
CUTS: dict[str, tuple[Cut, int, int | None]] = {
    "inside the warcinfo": (lambda s: (s[0] + s[1]) // 2, 0, 0),
    "inside a response": (lambda s: (s[3] + s[4]) // 2, 1, 3),
    "a few bytes into a record": (lambda s: s[3] + 5, 1, 3),
    "a few bytes before a record ends": (lambda s: s[4] - 5, 1, 3),
    "between a response and its request": (lambda s: s[4], 2, None),
    "between two exchanges": (lambda s: s[5], 2, None),
    "inside the last request": (lambda s: s[6] + 10, 3, 6),
}


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
@pytest.mark.parametrize("case", sorted(CUTS))
def test_torn_file_yields_its_complete_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], compressed: bool, case: str
) -> None:
    whole = _archive(tmp_path / "whole")
    if not compressed:
        plain = tmp_path / "plain.warc"
        plain.write_bytes(gzip.decompress(whole.read_bytes()))  # all members, one stream
        whole = plain
    starts = _starts(whole)
    cut, pages, torn = CUTS[case]
    path = tmp_path / f"cut{''.join(whole.suffixes)}"
    path.write_bytes(whole.read_bytes()[: cut(starts)])

    bodies, problems = _read(path)

    assert bodies == [_body(n) for n in range(pages)]
    if torn is None:
        assert problems == []
    else:
        (problem,) = problems
        assert (problem.path, problem.offset) == (path, starts[torn])
        assert "bytes not read" in problem.message
    assert capsys.readouterr().err == ""  # warcio printed nothing of its own


def test_blank_lines_missing_after_an_uncompressed_record_are_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "plain.warc"
    path.write_bytes(gzip.decompress(_archive(tmp_path).read_bytes())[:-2])
    assert _read(path) == ([_body(n) for n in range(3)], [])


def test_cutting_at_the_reported_offset_repairs_the_file(tmp_path: Path) -> None:
    path = _archive(tmp_path)
    path.write_bytes(path.read_bytes()[:-100])
    bodies, (problem,) = _read(path)
    path.write_bytes(path.read_bytes()[: problem.offset])
    assert _read(path) == (bodies, [])


def test_one_gzip_stream_for_the_whole_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(gzip.decompress(_archive(tmp_path / "run").read_bytes())))
    bodies, (problem,) = _read(path)
    assert bodies == []
    assert problem.offset == 0
    assert "warcio recompress" in problem.message


KILLED_WRITER = textwrap.dedent(
    """
    import random, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from harvest.archive import WarcArchive

    archive = WarcArchive(Path(sys.argv[1]), prefix="killed")
    n = 0
    while True:
        archive.write(
            f"https://example.org/{n}",
            status=200,
            headers={},
            body=random.Random(n).randbytes(10_000),
            fetched_at=datetime.now(UTC),
        )
        if n == 0:
            print("ready", flush=True)
        n += 1
    """
)


def test_writer_killed_mid_run_leaves_a_readable_file(tmp_path: Path) -> None:
    import random

    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
        time.sleep(0.2)
    finally:
        writer.kill()  # SIGKILL: no cleanup, no flush
        writer.wait()
    problems: list[ArchiveProblem] = []
    pages = list(iter_archive(tmp_path, on_problem=problems.append))

    assert len(pages) >= 1
    assert [page.url for page in pages] == [f"https://example.org/{n}" for n in range(len(pages))]
    assert all(page.body == random.Random(n).randbytes(10_000) for n, page in enumerate(pages))
    assert len(problems) <= 1  # at most the record being written when killed


def test_recorded_site_pages(tmp_path: Path) -> None:
    root = tmp_path / "site"
    for relative in ("www.rand.org/pubs/monographs/MG115.html", "www.rand.org/pubs.html%3Fstart=0"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes((SITE / relative).read_bytes())
        os.utime(root / relative, (WHEN.timestamp(), WHEN.timestamp()))
    (root / "www.rand.org" / ".DS_Store").write_bytes(b"not a page")

    pages = list(iter_archive(root))

    assert [page.url for page in pages] == [
        "https://www.rand.org/pubs/monographs/MG115.html",
        "https://www.rand.org/pubs.html?start=0",
    ]
    assert [page.status for page in pages] == [200, 200]
    assert [page.fetched_at for page in pages] == [WHEN, WHEN]
    assert pages[0].body == (SITE / "www.rand.org/pubs/monographs/MG115.html").read_bytes()
    assert pages[0].content_type == "text/html; charset=utf-8"
    assert [page.url for page in iter_archive(root / "www.rand.org")] == [p.url for p in pages]


def test_the_whole_recorded_site(tmp_path: Path) -> None:
    assert [page.url for page in iter_archive(SITE)] == [url_for(p) for p in site_pages()]


def test_directory_of_archives_in_name_order(tmp_path: Path) -> None:
    _archive(tmp_path, prefix="b", pages=1)
    _archive(tmp_path, prefix="a", pages=2)
    (tmp_path / "notes.txt").write_text("not an archive")
    urls = [page.url for page in iter_archive([tmp_path])]
    assert urls == ["https://example.org/a/0", "https://example.org/a/1", "https://example.org/b/0"]


def test_foreign_warc_is_decoded_and_only_responses_are_yielded(tmp_path: Path) -> None:
    body = b"<html>" + b"from another crawler " * 100 + b"</html>"
    wire = gzip.compress(body)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(wire), wire)
    path = tmp_path / "other.warc"
    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=False)
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
            protocol="HTTP/1.1",
        )
        url = "https://example.org/other"
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(chunked), length=len(chunked), http_headers=http
        )
        writer.write_record(response)
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        writer.write_record(writer.create_revisit_record(url, digest, url, "2025-01-01T00:00:00Z"))
        writer.write_record(writer.create_warc_record("dns:example.org", "response"))
        request = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
        writer.write_record(writer.create_warc_record(url, "request", http_headers=request))

    (page,) = iter_archive(path)

    assert page.body == body
    assert ("X-Harvest-Original-Content-Encoding", "gzip") in page.headers
    assert ("Content-Length", str(len(body))) in page.headers
    names = {name.lower() for name, _ in page.headers}
    assert not names & {"content-encoding", "transfer-encoding"}


def test_problems_are_logged_by_default(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _archive(tmp_path)
    path.write_bytes(path.read_bytes()[:-100])
    with caplog.at_level(logging.WARNING, logger="harvest.archive"):
        assert len(list(iter_archive(path))) == 3  # only the last request record was torn
    assert "incomplete record" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "archive not found"),
        (b"<html>not an archive</html>", "not a WARC file"),
        (gzip.compress(b"<html>gzipped, not an archive</html>"), "not a WARC file"),
        (b"\x1f\x8b\x08\x00garbage after a gzip magic", "not a WARC file"),
    ],
)
def test_not_an_archive_is_a_config_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "given.warc.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        iter_archive(path)  # checked at once, before any page is read


def test_empty_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no WARC files or recorded pages"):
        iter_archive(tmp_path)
