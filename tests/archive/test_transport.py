"""Replaying WARC files through httpx, as the fetcher would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from harvest.archive import WarcArchive, WarcReplayTransport
from harvest.errors import ConfigError
from harvest.models import Publication
from harvest.parse import parse_page
from tests.conftest import SITE

MG115 = "https://www.rand.org/pubs/monographs/MG115.html"
WHEN = datetime(2025, 12, 1, 9, 30, tzinfo=UTC)


def _request(transport: WarcReplayTransport, method: str, url: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.request(method, url)

    return asyncio.run(go())


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    page = (SITE / "www.rand.org/pubs/monographs/MG115.html").read_bytes()
    with WarcArchive(tmp_path, prefix="run", max_file_bytes=1) as archive:  # a file each
        archive.write(MG115, status=200, headers={"ETag": '"old"'}, body=b"old", fetched_at=WHEN)
        archive.write(
            MG115,
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"new"'},
            body=page,
            fetched_at=WHEN,
        )
        archive.write(
            "https://www.rand.org/old-page.html",
            status=301,
            headers={"Location": MG115},
            body=b"",
            fetched_at=WHEN,
        )
    return tmp_path


def test_serves_the_last_record_of_a_url(archive_dir: Path) -> None:
    transport = WarcReplayTransport(archive_dir)
    response = _request(transport, "GET", MG115)
    assert response.status_code == 200
    assert response.headers["etag"] == '"new"'
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))
    parsed = parse_page(MG115, response.content)
    assert isinstance(parsed.record, Publication)
    assert parsed.record.title == "Do the Ties Still Bind?"


def test_stored_status_and_headers_are_answered(archive_dir: Path) -> None:
    response = _request(
        WarcReplayTransport(archive_dir), "GET", "https://www.rand.org/old-page.html"
    )
    assert response.status_code == 301
    assert response.headers["location"] == MG115


def test_urls_match_in_canonical_form(archive_dir: Path) -> None:
    url = "HTTPS://WWW.RAND.ORG:443/pubs/monographs/MG115.html#summary"
    assert _request(WarcReplayTransport(archive_dir), "GET", url).status_code == 200


def test_unknown_url_is_404_and_other_methods_405(archive_dir: Path) -> None:
    transport = WarcReplayTransport(archive_dir)
    assert _request(transport, "GET", "https://www.rand.org/nowhere.html").status_code == 404
    assert _request(transport, "POST", MG115).status_code == 405


def test_head_answers_headers_only(archive_dir: Path) -> None:
    response = _request(WarcReplayTransport(archive_dir), "HEAD", MG115)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


def test_bodies_are_read_from_the_files_at_each_request_not_kept(archive_dir: Path) -> None:
    transport = WarcReplayTransport(archive_dir)
    assert len(transport) == 2
    files = sorted(archive_dir.glob("*.warc*"))
    for file in files:
        file.rename(file.with_name(file.name + ".away"))
    with pytest.raises(FileNotFoundError):  # the index knows where a record is, not what
        _request(transport, "GET", MG115)
    for file in files:
        file.with_name(file.name + ".away").rename(file)
    assert _request(transport, "GET", MG115).status_code == 200


def test_a_recorded_site_is_not_a_warc_archive() -> None:
    with pytest.raises(ConfigError, match="use ReplayTransport"):
        WarcReplayTransport(SITE)
