"""The simulated site over HTTP/1.1, in a thread of the driver, with conditional GETs.

    uv run python bench/incremental/server.py --items 2000     # alone: prints its port

Serves 127.0.0.1 only, on a free port, as ``bench/crawl/server.py`` does (asyncio
streams, keep-alive, ``Content-Length`` on every response), but the pages are those of
one simulated day (``site.py``) and built when asked: a body is cached by what it depends
on (item and edition; listing page and item count), its ETag kept apart so that a
conditional request for a known body needs no rendering.

Every page has a strong ``ETag`` (a hash of the body) and ``Last-Modified`` (the
simulated day it last changed, 00:00 UTC). ``If-None-Match`` answers 304 when it
matches; without it, ``If-Modified-Since`` answers 304 when the page has not changed
since (RFC 9110 13.2.2). ``Date`` is the simulated clock: the day's run time plus the
seconds since the day was set.

Requests are counted per simulated day by class (``robots``, ``listing``, ``item_new``:
an item added that day, ``item_known``: an item that existed before, ``sitemap``,
``other``) and status. The driver calls ``set_day`` and ``counts``; over HTTP,
``GET /__bench__/day?d=N`` sets the day and ``GET /__bench__/stats`` answers the counts
(neither is counted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import signal
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/incremental: loading

from loading import incremental_site

SITE = incremental_site()
CONTROL_PREFIX = "/__bench__/"
MAX_HEAD_BYTES = 64 * 1024
START_S = 30.0
CACHED_BODIES = 4096  # ~21 KiB each: about 90 MiB at most
_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 405: "Method Not Allowed"}
_NOT_FOUND = b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"


@dataclass(frozen=True)
class Request:
    """What the server needs of a request: method, target, headers (lowercase names)."""

    method: str
    target: str
    headers: dict[str, str]
    keep_alive: bool


@dataclass(frozen=True)
class Reply:
    """A response to write: status, headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class Bodies:
    """Rendered bodies by page key (the most recent few thousand) and every ETag seen."""

    def __init__(self, limit: int = CACHED_BODIES) -> None:
        self.limit = limit
        self._bodies: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._etags: dict[tuple[Any, ...], str] = {}
        self.rendered = 0

    def etag(self, page: Any) -> str:
        """The page's ETag, rendering its body only the first time its key is seen."""
        etag = self._etags.get(page.key)
        return etag if etag is not None else self._render(page)[1]

    def body(self, page: Any) -> bytes:
        """The page's body, from the cache or rendered."""
        body = self._bodies.get(page.key)
        if body is None:
            return self._render(page)[0]
        self._bodies.move_to_end(page.key)
        return body

    def _render(self, page: Any) -> tuple[bytes, str]:
        body = page.render()
        self.rendered += 1
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        self._etags[page.key] = etag
        self._bodies[page.key] = body
        if len(self._bodies) > self.limit:
            self._bodies.popitem(last=False)
        return body, etag


class DayCounts:
    """Requests of one simulated day, by class and status, and bytes of body sent."""

    def __init__(self) -> None:
        self.by_class: Counter[tuple[str, int]] = Counter()
        self.body_bytes = 0

    def as_dict(self) -> dict[str, Any]:
        classes: dict[str, dict[str, int]] = {}
        for (klass, status), count in sorted(self.by_class.items()):
            classes.setdefault(klass, {})[str(status)] = count
        return {
            "requests": sum(self.by_class.values()),
            "classes": classes,
            "body_bytes": self.body_bytes,
        }


class IncrementalServer:
    """The site of the current simulated day, served from a thread of this process.

    ``start`` returns once it listens; ``stop`` (or leaving ``serving``) ends it. The
    thread is a daemon: it never keeps the process alive.
    """

    def __init__(self, site: Any, port: int = 0) -> None:
        self.site = site
        self.bodies = Bodies()
        self.port = port  # 0: any free one, known once started
        self._day = 0
        self._day_set_at = time.monotonic()
        self._counts: dict[int, DayCounts] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="incremental-site", daemon=True)

    # -- control, from any thread ------------------------------------------------------

    def start(self) -> int:
        """Start serving; the port."""
        self._thread.start()
        if not self._ready.wait(START_S) or self._error is not None:
            raise RuntimeError(f"the site server did not start: {self._error!r}")
        return self.port

    def stop(self) -> None:
        """Stop serving and wait (at most 10 s) for the thread to end."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=10)

    def set_day(self, day: int) -> None:
        """Make the site that of simulated day ``day``: later requests count for it."""
        with self._lock:
            self._day = day
            self._day_set_at = time.monotonic()

    def counts(self, day: int) -> dict[str, Any]:
        """The requests of day ``day`` so far, by class and status."""
        with self._lock:
            return self._counts.get(day, DayCounts()).as_dict()

    def all_counts(self) -> dict[str, Any]:
        """Every day's counts, by day."""
        with self._lock:
            return {str(day): c.as_dict() for day, c in sorted(self._counts.items())}

    # -- serving, in the server's thread ----------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, limit=MAX_HEAD_BYTES, backlog=1024
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()  # kept-alive connections are cancelled as asyncio.run ends

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection: requests in turn until the client closes or asks to."""
        try:
            while (request := await read_request(reader)) is not None:
                reply = self._control(request) or self._answer(request)
                writer.write(_encode(reply, request))
                await writer.drain()
                if not request.keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away mid-request, or sent garbage: nothing to answer
        finally:
            writer.close()

    def _control(self, request: Request) -> Reply | None:
        """The reply to a control request (``/__bench__/...``), else None."""
        path, _, query = request.target.partition("?")
        if not path.startswith(CONTROL_PREFIX):
            return None
        if path == CONTROL_PREFIX + "day":
            days = parse_qs(query).get("d", [])
            if len(days) != 1 or not days[0].isdigit():
                return Reply(400, {"Content-Type": "text/plain"}, b"want ?d=DAY\n")
            self.set_day(int(days[0]))
        elif path != CONTROL_PREFIX + "stats":
            return Reply(404, {"Content-Type": "text/plain"}, b"no such control\n")
        body = json.dumps({"day": self._day, "days": self.all_counts()}).encode()
        return Reply(200, {"Content-Type": "application/json"}, body)

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            day, now = self._day, self._sim_now()
        page = None
        if request.method in ("GET", "HEAD"):
            host = request.headers.get("host", "www.rand.org")
            page = self.site.resolve(request.target, day, host)
        reply = self._reply(request, page, now)
        with self._lock:
            counts = self._counts.setdefault(day, DayCounts())
            counts.by_class[(page.klass if page else "other", reply.status)] += 1
            counts.body_bytes += len(reply.body) if request.method == "GET" else 0
        return reply

    def _reply(self, request: Request, page: Any, now: datetime) -> Reply:
        headers = {"Date": format_datetime(now, usegmt=True)}
        if request.method not in ("GET", "HEAD"):
            return Reply(405, headers | {"Content-Type": "text/plain"}, b"not allowed\n")
        if page is None:
            return Reply(404, headers | {"Content-Type": "text/html"}, _NOT_FOUND)
        changed = datetime.combine(SITE.day_date(page.changed_day), datetime.min.time(), now.tzinfo)
        headers |= {
            "ETag": self.bodies.etag(page),
            "Last-Modified": format_datetime(changed, usegmt=True),
        }
        if not_modified(request.headers, headers["ETag"], changed):
            return Reply(304, headers)
        return Reply(200, headers | {"Content-Type": page.content_type}, self.bodies.body(page))

    def _sim_now(self) -> datetime:
        """The simulated clock: the day's run time plus the seconds since it was set."""
        elapsed = timedelta(seconds=time.monotonic() - self._day_set_at)
        return SITE.run_time(self._day) + elapsed


@contextlib.contextmanager
def serving(site: Any, port: int = 0) -> Iterator[IncrementalServer]:
    """A started server for ``site`` (on ``port``, 0: any free one), stopped on the way out."""
    server = IncrementalServer(site, port)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def not_modified(headers: dict[str, str], etag: str, changed: datetime) -> bool:
    """Whether a conditional GET is answered 304 (RFC 9110 13.1.2, 13.1.3, 13.2.2)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # not a date: ignored, as RFC 9110 says
    return when.tzinfo is not None and changed <= when


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on the connection, or None when the client closed it between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise
        return None
    except asyncio.LimitOverrunError:
        return Request("", "", {}, keep_alive=False)  # a head this long: answered 405
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return Request("", "", {}, keep_alive=False)
    method, target, version = parts
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or "0")
    if length:
        await reader.readexactly(length)  # a body is read and dropped
    connection = headers.get("connection", "").lower()
    keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
    return Request(method, target.split("#", 1)[0], headers, keep_alive)


def _encode(reply: Reply, request: Request) -> bytes:
    headers = dict(reply.headers)
    if reply.status != 304:  # a 304 has no body, nor a length for one
        headers["Content-Length"] = str(len(reply.body))
    headers["Connection"] = "keep-alive" if request.keep_alive else "close"
    lines = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Error')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if request.method == "HEAD" or reply.status == 304 else head + reply.body


def main(argv: list[str] | None = None) -> int:
    """Serve the site of day 0 until SIGINT or SIGTERM; print the port, then the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--new-per-day", type=int, default=10)
    parser.add_argument("--editions-per-day", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=30, help="days that change the site")
    parser.add_argument("--sitemap", action="store_true", help="robots.txt names a sitemap")
    parser.add_argument("--port", type=int, default=0, help="default 0: any free one")
    args = parser.parse_args(argv)
    params = SITE.Params(
        args.items, args.new_per_day, args.editions_per_day, args.seed, args.days,
        sitemap=args.sitemap,
    )  # fmt: skip
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    with serving(SITE.Site(params), args.port) as server:
        print(server.port, flush=True)
        stop.wait()
        print(json.dumps(server.all_counts()), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
