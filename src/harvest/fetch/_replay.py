"""Offline replay: an httpx transport that serves a recorded site from a directory.

Layout: one file per URL at ``DIR/<host><path>``; a query string is kept in the
file name with ``?`` written ``%3F`` (``pubs.html?start=0`` is stored as
``pubs.html%3Fstart=0``) and a path ending in ``/`` is ``index.html``. A URL with
no file answers 404, as a live site would.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx

from harvest.errors import ConfigError
from harvest.sites import site_for

QUERY_MARK = "%3F"
_HOST = re.compile(r"^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$", re.I)
_NOT_HOSTS = re.compile(r"\.(html?|php|aspx?|json|xml|txt)$", re.I)


def path_for(url: str) -> PurePosixPath:
    """The relative file path that holds ``url`` in a recorded site.

    >>> str(path_for("https://www.rand.org/pubs.html?start=12"))
    'www.rand.org/pubs.html%3Fstart=12'
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    name = parts.netloc.lower() + path
    if parts.query:
        name += QUERY_MARK + parts.query
    return PurePosixPath(name)


def url_for(path: Path | str) -> str | None:
    """The URL a recorded file stands for, found from the host folder in its path.

    The folder nearest the file that names a known site's host (``harvest.sites``) wins, else
    the nearest that looks like a host name: folders above the site (a checkout under
    ``my.data/`` or mktemp's ``tmp.x1Y2``) look like host names too.

    >>> url_for("fixtures/site/www.rand.org/pubs.html%3Fstart=0")
    'https://www.rand.org/pubs.html?start=0'
    >>> url_for("/scratch/tmp.Xy12/my.data/site/www.rand.org/pubs/monographs/MG115.html")
    'https://www.rand.org/pubs/monographs/MG115.html'
    >>> url_for("page.html") is None
    True
    """
    parts = PurePosixPath(Path(path).as_posix()).parts
    hosts = [
        i for i, part in enumerate(parts[:-1]) if _HOST.match(part) and not _NOT_HOSTS.search(part)
    ]
    if not hosts:
        return None
    known = [i for i in hosts if site_for(f"https://{parts[i]}/") is not None]
    i = (known or hosts)[-1]
    rest = "/".join(parts[i + 1 :]).replace(QUERY_MARK, "?", 1)
    return f"https://{parts[i].lower()}/{rest}"


class ReplayTransport(httpx.AsyncBaseTransport):
    """Serve requests from a recorded site directory; never touches the network."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ConfigError(f"replay directory not found: {self.root}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        file = self.root / path_for(str(request.url))
        if request.method not in ("GET", "HEAD"):
            return httpx.Response(405, request=request)
        if not file.is_file() or not file.resolve().is_relative_to(self.root.resolve()):
            return httpx.Response(404, text="not in the recorded site", request=request)
        body = file.read_bytes()
        return httpx.Response(
            200,
            headers={"content-type": _content_type(file), "content-length": str(len(body))},
            content=body if request.method == "GET" else b"",
            request=request,
        )


def _content_type(file: Path) -> str:
    name = file.name.split(QUERY_MARK, 1)[0]
    guessed, _ = mimetypes.guess_type(name)
    if guessed is None or guessed == "text/html":
        return "text/html; charset=utf-8"
    return guessed
