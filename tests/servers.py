"""A real HTTP server on 127.0.0.1 (random port) that serves a recorded site.

``RedirectToLoopback`` is an httpx transport that sends requests for the site's
real host to that server over real TCP, so the pipeline sees rand.org URLs while
no byte leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from harvest.fetch import path_for


class _SiteHandler(BaseHTTPRequestHandler):
    root: Path
    requests: list[str]

    def do_GET(self) -> None:
        host = self.headers.get("host", "www.rand.org")
        self.requests.append(self.path)
        file = self.root / path_for(f"https://{host}{self.path}")
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@contextmanager
def serve_site(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``root`` on 127.0.0.1; yields (base URL, list of request paths seen)."""
    requests: list[str] = []
    handler = type("Handler", (_SiteHandler,), {"root": root, "requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class RedirectToLoopback(httpx.AsyncBaseTransport):
    """Send every request to the loopback server, keeping the original Host header."""

    def __init__(self, base: str) -> None:
        self._target = httpx.URL(base)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["host"] = request.url.netloc.decode()
        request.url = request.url.copy_with(
            scheme=self._target.scheme, host=self._target.host, port=self._target.port
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
