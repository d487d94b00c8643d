"""Offline replay from WARC files: an httpx transport like ``ReplayTransport``.

The archives are scanned once, keeping only where each URL's last response
record starts, so memory stays small however big the archives are; each request
then reads its one record.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import httpx

from harvest.archive._reader import (
    OnProblem,
    log_problem,
    read_record,
    resolve_sources,
    scan_warc,
)
from harvest.errors import ConfigError
from harvest.fetch._replay import ReplayTransport
from harvest.sites import canonical_url


def replay_transport(source: Path) -> httpx.AsyncBaseTransport:
    """What ``crawl --replay`` serves from: WARC files (a file, or a folder of them), or
    a recorded site folder. ConfigError when it is neither."""
    sources = resolve_sources(source)
    if all(path.is_file() for path in sources):
        return WarcReplayTransport(sources)
    return ReplayTransport(source)


class WarcReplayTransport(httpx.AsyncBaseTransport):
    """Serve requests from WARC files; never touches the network.

    The stored status and headers are answered, with the decoded body. A URL
    kept several times answers its last record; an unknown URL answers 404.
    """

    def __init__(
        self, paths: Path | str | Iterable[Path | str], *, on_problem: OnProblem | None = None
    ) -> None:
        sources = resolve_sources(paths)
        sites = [source for source in sources if source.is_dir()]
        if sites:
            raise ConfigError(f"no WARC files in {sites[0]} (a recorded site: use ReplayTransport)")
        self._index: dict[str, tuple[Path, int]] = {}
        for path in sources:
            for offset, page in scan_warc(path, on_problem or log_problem):
                self._index[_key(page.url)] = (path, offset)

    def __len__(self) -> int:
        return len(self._index)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in ("GET", "HEAD"):
            return httpx.Response(405, request=request)
        where = self._index.get(_key(str(request.url)))
        page = read_record(*where) if where else None
        if page is None:
            return httpx.Response(404, text="not in the archive", request=request)
        return httpx.Response(
            page.status,
            headers=list(page.headers),
            content=page.body if request.method == "GET" else b"",
            request=request,
        )


def _key(url: str) -> str:
    return canonical_url(url) or url
