"""A misbehaving web site on 127.0.0.1: real TCP, scripted faults, every request logged.

The server speaks just enough HTTP/1.1 (keep-alive, Content-Length) to serve a
small rand.org-like site: a topic page linking to ``PAGES`` product pages. A
test replaces any path's behaviour with a *route* that writes raw bytes to the
socket, so it can reset a connection mid-body, never answer, drip a byte at a
time or lie about Content-Length. Crawls reach it as ``http://www.rand.org:PORT``
with ``--resolve www.rand.org=127.0.0.1``: harvest's real transport and guard
are in the path and no byte leaves the machine.

It also serves a recorded site (``recorded_site``), and ``RedirectToLoopback``
sends requests for any host to it, for pages whose links are absolute.

Everything stops by itself: handlers that stall wait on the server's stop
event (at most ``STALL_MAX_S``), and the server shuts down when the ``with``
block ends.
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from harvest.config._settings import Settings
from harvest.fetch import url_for

HOST = "www.rand.org"
PAGES = 5
TOPIC = "/topics/faults.html"
STALL_MAX_S = 15.0


def product_path(n: int) -> str:
    return f"/pubs/research_reports/RRF{n}.html"


def product_page(n: int) -> bytes:
    return f"""<!DOCTYPE html><html lang="en"><head><title>Fault Report {n} | RAND</title>
<meta name="citation_publication_date" content="2021/3/{n}"></head><body><main>
<div class="product-header"><h1 id="RANDTitleHeadingId">Fault Report {n}</h1>
<p class="authors">by <a href="/about/people/a/ann-author.html">Ann Author</a></p></div>
<div class="product-page-abstract"><p>Report {n}, written for the fault tests.</p></div>
</main></body></html>""".encode()


def topic_page(count: int = PAGES) -> bytes:
    items = "".join(
        f'<li><div class="text"><p class="type">Report</p><h3 class="title">'
        f'<a href="{product_path(n)}">Fault Report {n}</a></h3>'
        f'<p class="date">Mar {n}, 2021</p></div></li>'
        for n in range(1, count + 1)
    )
    return f"""<!DOCTYPE html><html lang="en"><head><title>Faults | RAND</title></head><body>
<main><div class="page-heading"><h1>Faults</h1><p>Pages that misbehave.</p></div>
<ul class="teasers list">{items}</ul></main></body></html>""".encode()


@dataclass
class Request:
    """What a handler sees of one request."""

    method: str
    path: str
    headers: dict[str, str]
    number: int  # how many times this path was asked, this one included (1-based)


@dataclass(frozen=True)
class Hit:
    path: str
    at: float  # time.monotonic()
    wall: float  # time.time()


class Conn:
    """The socket of one request, with helpers to write (parts of) a response."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop
        self.keep_alive = True

    def head(self, status: int, headers: dict[str, str], reason: str = "X") -> None:
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        lines = [
            f"HTTP/1.1 {status} X",
            *(f"{k}: {v}" for k, v in {**all_headers, **(headers or {})}.items()),
        ]
        # One write: a head and a body in two small writes meet Nagle and delayed ACKs.
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def stall(self, seconds: float = STALL_MAX_S) -> None:
        """Wait (for the server to stop, at most ``seconds``), then close."""
        self.stop.wait(min(seconds, STALL_MAX_S))
        self.keep_alive = False

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0) instead of a clean FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.keep_alive = False


Route = Callable[[Conn, Request], None]


def page(body: bytes, status: int = 200, **kwargs: object) -> Route:
    def route(conn: Conn, request: Request) -> None:
        conn.respond(status, body, **kwargs)  # type: ignore[arg-type]

    return route


def sequence(*routes: Route) -> Route:
    """The n-th request of the path gets the n-th route (the last one repeats)."""

    def route(conn: Conn, request: Request) -> None:
        routes[min(request.number, len(routes)) - 1](conn, request)

    return route


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    return page(f"<h1>{code}</h1>".encode(), code, headers=headers)


def redirect(location: str, code: int = 302) -> Route:
    return page(b"", code, headers={"Location": location})


def retry_after_date(seconds: float) -> str:
    return formatdate(time.time() + seconds, usegmt=True)


def reset_mid_body(conn: Conn, request: Request) -> None:
    conn.head(200, {"Content-Type": "text/html", "Content-Length": "20000"})
    conn.sock.sendall(b"<html><body>" + b"x" * 2000)
    conn.reset()


def truncated(conn: Conn, request: Request) -> None:
    conn.head(200, {"Content-Type": "text/html", "Content-Length": "20000"})
    conn.sock.sendall(b"<html><body>" + b"x" * 2000)
    conn.keep_alive = False


def never_answer(conn: Conn, request: Request) -> None:
    conn.stall()


def drip(interval_s: float = 1.0) -> Route:
    """Headers at once, then one byte each ``interval_s``: a read timeout never fires."""

    def route(conn: Conn, request: Request) -> None:
        conn.head(200, {"Content-Type": "text/html", "Content-Length": "100000"})
        for _ in range(100_000):
            if conn.stop.wait(interval_s):
                break
            try:
                conn.sock.sendall(b"x")
            except OSError:  # the client gave up
                break
        conn.keep_alive = False

    return route


def gzip_bomb(decoded_mib: int = 64) -> Route:
    body = gzip.compress(b"\0" * (decoded_mib * 1024 * 1024), compresslevel=9)

    def route(conn: Conn, request: Request) -> None:
        conn.respond(200, body, headers={"Content-Encoding": "gzip"})

    return route


def slow(route: Route, seconds: float) -> Route:
    def slowed(conn: Conn, request: Request) -> None:
        conn.stop.wait(seconds)
        route(conn, request)

    return slowed


@dataclass
class FaultSite:
    """The running server: where it is, what it was asked, and how busy it got."""

    port: int
    routes: dict[str, Route]
    hits: list[Hit] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # requests by path
    spans: list[tuple[float, float]] = field(default_factory=list)  # (arrived, answered)
    active: int = 0
    max_active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits_of(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def most_at_once(self, slack_s: float = 0.01) -> int:
        """The most requests in progress at one moment, from arrival to answer sent.

        The server runs in the crawler's process: noting that an answer was sent can
        wait for the GIL while the client already sent its next request, so each
        span's end is taken ``slack_s`` earlier.
        """
        events = sorted(
            [(start, 1) for start, _ in self.spans] + [(end - slack_s, -1) for _, end in self.spans]
        )
        most = current = 0
        for _, step in events:
            current += step
            most = max(most, current)
        return most


def site_settings(site: FaultSite, out: Path, **overrides: object) -> Settings:
    """A crawl of the fault site from its topic page: on 127.0.0.1, no delay, quick retries."""
    options: dict[str, object] = {
        "seeds": (site.url(TOPIC),),
        "out_dir": out,
        "resolve": ((HOST, "127.0.0.1"),),
        "delay_s": 0,
        "backoff_s": 0.01,
    }
    return Settings(**{**options, **overrides})  # type: ignore[arg-type]


def recorded_site(root: Path) -> dict[str, Route]:
    """A route for every page of a recorded site (``fixtures/site``), by its path and query."""
    routes: dict[str, Route] = {}
    for file in sorted(root.rglob("*")):
        url = url_for(file) if file.is_file() else None
        if url is not None:
            parts = urlsplit(url)
            routes[parts.path + (f"?{parts.query}" if parts.query else "")] = page(
                file.read_bytes()
            )
    return routes


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


def default_routes(pages: int = PAGES) -> dict[str, Route]:
    routes: dict[str, Route] = {TOPIC: page(topic_page(pages))}
    routes.update({product_path(n): page(product_page(n)) for n in range(1, pages + 1)})
    routes["/robots.txt"] = page(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    return routes


class _Handler(socketserver.BaseRequestHandler):
    site: FaultSite
    stop: threading.Event

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(STALL_MAX_S)
        reader = sock.makefile("rb")
        conn = Conn(sock, self.stop)
        while conn.keep_alive and not self.stop.is_set():
            request = self._read_request(reader)
            if request is None:
                return
            self._serve(conn, request)

    def _read_request(self, reader: socket.SocketIO | object) -> Request | None:
        try:
            line = reader.readline()  # type: ignore[attr-defined]
            if not line:
                return None
            headers = {}
            while (header := reader.readline()) not in (b"\r\n", b"\n", b""):  # type: ignore[attr-defined]
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
        except OSError:
            return None
        method, path, _ = line.decode("latin-1").split(" ", 2)
        site = self.site
        with site.lock:
            site.hits.append(Hit(path, time.monotonic(), time.time()))
            site.counts[path] += 1
            number = site.counts[path]
        return Request(method, path, headers, number)

    def _serve(self, conn: Conn, request: Request) -> None:
        site = self.site
        arrived = time.monotonic()
        with site.lock:
            site.active += 1
            site.max_active = max(site.max_active, site.active)
        try:
            route = site.routes.get(request.path) or status(404)
            route(conn, request)
        except OSError:
            conn.keep_alive = False
        finally:
            with site.lock:
                site.active -= 1
                site.spans.append((arrived, time.monotonic()))


@contextmanager
def fault_site(routes: dict[str, Route] | None = None, pages: int = PAGES) -> Iterator[FaultSite]:
    """Serve the fault site on 127.0.0.1 (random port); ``routes`` replace default paths."""
    stop = threading.Event()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler, bind_and_activate=True)
    server.daemon_threads = True
    site = FaultSite(server.server_address[1], {**default_routes(pages), **(routes or {})})
    server.RequestHandlerClass = type("Handler", (_Handler,), {"site": site, "stop": stop})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield site
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
