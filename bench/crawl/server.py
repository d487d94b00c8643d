"""The benchmark server: the bench site from memory over HTTP/1.1, with added latency.

    python bench/crawl/server.py --latency-ms 50 --port 0

Serves 127.0.0.1 only. The first line on stdout is the port it listens on. Each
response waits ``--latency-ms`` (``asyncio.sleep``, so other connections go on)
before it is written. Connections are kept alive unless the client says otherwise;
every response has a ``Content-Length``. ``GET /__bench__/stats`` answers the counts
so far as JSON (not counted, no latency). On SIGTERM or SIGINT it prints the counts
as one JSON line on stderr and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

STATS_PATH = "/__bench__/stats"
MAX_HEAD_BYTES = 64 * 1024
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
_NOT_FOUND = b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"


@dataclass
class Request:
    """What the server needs of a request: method, target, and whether to keep the connection."""

    method: str
    target: str
    keep_alive: bool


@dataclass
class Counts:
    """Requests served, by status, and connections opened."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    connections: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connections": self.connections,
        }


class SiteServer:
    """Answers requests for the pages of ``files`` (keys: path and query) after a delay."""

    def __init__(self, files: dict[str, bytes], latency_s: float) -> None:
        self.files = files
        self.latency_s = latency_s
        self.counts = Counts()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection: requests in turn until the client closes or asks to."""
        self.counts.connections += 1
        try:
            while True:
                request = await read_request(reader)
                if request is None:
                    break
                if request.target == STATS_PATH:
                    body = json.dumps(self.counts.as_dict()).encode()
                    writer.write(_response(200, "application/json", body, request))
                else:
                    if self.latency_s > 0:
                        await asyncio.sleep(self.latency_s)
                    writer.write(self._answer(request))
                await writer.drain()
                if not request.keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away mid-request, or sent garbage: nothing to answer
        finally:
            writer.close()

    def _answer(self, request: Request) -> bytes:
        self.counts.requests += 1
        if not request.method:
            status, content_type, body = 400, "text/plain", b"bad request\n"
        elif request.method not in ("GET", "HEAD"):
            status, content_type, body = 405, "text/plain", b"method not allowed\n"
        elif request.target in self.files:
            status, body = 200, self.files[request.target]
            plain = request.target.endswith(".txt")
            content_type = "text/plain; charset=utf-8" if plain else "text/html; charset=utf-8"
        else:
            status, content_type, body = 404, "text/html; charset=utf-8", _NOT_FOUND
        self.counts.statuses[status] += 1
        return _response(status, content_type, body, request)


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on the connection, or None when the client closed it between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise
        return None
    except asyncio.LimitOverrunError:
        return Request("", "", keep_alive=False)  # a head this long is answered 400
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return Request("", "", keep_alive=False)
    method, target, version = parts
    headers = dict(_header(line) for line in lines[1:] if ":" in line)
    length = int(headers.get("content-length", "0") or "0")
    if length:
        await reader.readexactly(length)  # a body is read and dropped
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection
    if version == "HTTP/1.0":
        keep_alive = "keep-alive" in connection
    return Request(method, target.split("#", 1)[0], keep_alive)


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


def _response(status: int, content_type: str, body: bytes, request: Request) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if request.keep_alive else 'close'}\r\n"
        "\r\n"
    ).encode("ascii")
    return head if request.method == "HEAD" else head + body


def load_site_module() -> ModuleType:
    """bench/crawl/site.py, loaded by path: ``import site`` would find the standard library's."""
    path = Path(__file__).with_name("site.py")
    spec = importlib.util.spec_from_file_location("bench_site", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


async def serve(files: dict[str, bytes], port: int, latency_s: float) -> Counts:
    """Serve until SIGTERM or SIGINT; the counts at the end."""
    site_server = SiteServer(files, latency_s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await asyncio.start_server(
        site_server.handle, "127.0.0.1", port, limit=MAX_HEAD_BYTES, backlog=1024
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    # Not ``wait_closed``: on Python 3.12+ it waits for kept-alive connections to close.
    # Leaving ``asyncio.run`` cancels their handlers instead.
    server.close()
    return site_server.counts


def main(argv: list[str] | None = None) -> int:
    """Build the site, serve it until told to stop, print the counts on stderr."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added to each response")
    parser.add_argument("--pages", type=int, default=1000, help="product pages")
    parser.add_argument("--per-page", type=int, default=20, help="entries a listing page")
    args = parser.parse_args(argv)
    site = load_site_module().build_site(args.pages, args.per_page)
    counts = asyncio.run(serve(site.files, args.port, args.latency_ms / 1000))
    print(json.dumps(counts.as_dict()), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
