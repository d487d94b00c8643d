"""The recorded-site layout and the replay transport."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from harvest.errors import ConfigError
from harvest.fetch import ReplayTransport, path_for, url_for

ROUND_TRIPS = [
    ("https://www.rand.org/pubs/monographs/MG115.html", "www.rand.org/pubs/monographs/MG115.html"),
    ("https://www.rand.org/pubs.html?start=12", "www.rand.org/pubs.html%3Fstart=12"),
    (
        "https://www.rand.org/topics/security-cooperation.html?page=2",
        "www.rand.org/topics/security-cooperation.html%3Fpage=2",
    ),
    ("https://www.rand.org/", "www.rand.org/index.html"),
]


@pytest.mark.parametrize(("url", "path"), ROUND_TRIPS)
def test_url_and_path_round_trip(url: str, path: str) -> None:
    assert str(path_for(url)) == path
    if not path.endswith("index.html"):
        assert url_for(Path("/any/where/fixtures/site") / path) == url


@pytest.mark.parametrize("path", ["page.html", "/tmp/x/page.html", "saved/MG115.html"])
def test_path_without_host_gives_no_url(path: str) -> None:
    assert url_for(path) is None


def _get(transport: ReplayTransport, url: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(url)

    return asyncio.run(go())


def test_replay_serves_recorded_pages_and_404s_the_rest(tmp_path: Path) -> None:
    page = tmp_path / "www.rand.org" / "pubs.html%3Fstart=0"
    page.parent.mkdir()
    page.write_text("<html>listing</html>", encoding="utf-8")
    transport = ReplayTransport(tmp_path)
    found = _get(transport, "https://www.rand.org/pubs.html?start=0")
    assert found.status_code == 200
    assert found.headers["content-type"] == "text/html; charset=utf-8"
    assert found.text == "<html>listing</html>"
    assert _get(transport, "https://www.rand.org/pubs.html?start=12").status_code == 404
    assert _get(transport, "https://www.rand.org/../../etc/passwd").status_code == 404


def test_replay_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ReplayTransport(tmp_path / "missing")
