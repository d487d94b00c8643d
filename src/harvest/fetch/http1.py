"""harvest's HTTP/1.1 transport for httpx: asyncio protocols, kept-alive connections, the guard.

The shared ``httpx.AsyncClient`` stays the fetcher's interface (requests,
responses, timeouts, exceptions); this is the transport under it, in place of
httpcore's. A crawl spent about half of its main process's CPU in httpcore's
pool and anyio streams: every request scanned and polled each pooled socket,
and every read and write went through three layers of wrappers. Here a
connection is an ``asyncio.Protocol``: the event loop tells it when the peer
closes, so picking a kept-alive connection costs no system call, and a read is
a wait on one future.

What it speaks: HTTP/1.1 over TCP or TLS (no HTTP/2, no proxies, no unix
sockets); bodies framed by Content-Length, chunked transfer coding or the end
of the connection. Bodies come back as sent (Content-Encoding is decoded by the
fetcher, within its size bound). Connections are opened only to addresses the
guard allowed (``guard.checked_addresses``). Errors are httpx's own exceptions,
which the fetcher converts once into ``FetchError``.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from harvest.fetch.guard import AddressPolicy, Resolver, checked_addresses, system_resolver

Origin = tuple[str, str, int]  # scheme, host, port

MAX_HEAD_BYTES = 64 * 1024  # status line and headers together
MAX_LINE_BYTES = 4 * 1024  # a chunk-size or trailer line
_HIGH_WATER = 256 * 1024  # stop reading from the socket past this much unread
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


class _Connection(asyncio.Protocol):
    """One connection: what the peer sent, not yet read, and a way to wait for more."""

    def __init__(self, origin: Origin, loop: asyncio.AbstractEventLoop) -> None:
        self.origin = origin
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.idle_since = 0.0
        self.used = False
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    # -- the event loop's side ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = self.error or exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- harvest's side -----------------------------------------------------------

    async def more(self, timeout: float | None) -> None:
        """Wait until more bytes (or the end) arrive; ReadTimeout after ``timeout`` s."""
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        waiter = self._waiter = self.loop.create_future()
        timer = None if timeout is None else self.loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def take(self, most: int) -> bytes:
        """Up to ``most`` unread bytes, removed from the buffer."""
        data = bytes(self.buffer[:most])
        del self.buffer[:most]
        return data

    def cut_short(self, what: str) -> httpx.TransportError:
        """The error for a connection that ended before ``what`` was complete."""
        if self.error is not None:
            return httpx.ReadError(f"connection lost before {what}: {self.error}")
        return httpx.RemoteProtocolError(f"server closed the connection before {what}")

    def reusable(self, now: float, expiry: float) -> bool:
        transport = self.transport
        return (
            not self.eof
            and not self.buffer
            and transport is not None
            and not transport.is_closing()
            and now - self.idle_since < expiry
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.eof = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """What httpx's ``network_stream`` tells: "server_addr" is the peer's address."""
        if self.transport is None:
            return default
        if name == "server_addr":
            return self.transport.get_extra_info("peername", default)
        return self.transport.get_extra_info(name, default)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(httpx.ReadTimeout("timed out waiting for the server"))


class Http1Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over guarded connections, kept alive per origin; see the module docstring."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        max_idle_per_origin: int = 32,
        keepalive_expiry_s: float = 5.0,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self._resolve = resolver
        self._ssl = ssl_context
        self._max_idle = max_idle_per_origin
        self._expiry = keepalive_expiry_s
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"harvest fetches http and https, not {url.scheme!r}")
        origin = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        message = await _request_bytes(request)
        conn = self._idle_connection(origin)
        if conn is None:
            conn = await self._connect(origin, timeouts.get("connect"))
        try:
            head = await self._exchange(conn, request, message, timeouts.get("read"))
        except _StaleConnectionError as exc:
            # A kept-alive connection the server closed as the request went out:
            # nothing was answered, so a GET goes once more on a new connection.
            if request.method not in ("GET", "HEAD"):
                raise conn.cut_short("any response") from exc
            conn = await self._connect(origin, timeouts.get("connect"))
            try:
                head = await self._exchange(conn, request, message, timeouts.get("read"))
            except _StaleConnectionError as exc:
                raise conn.cut_short("any response") from exc
        try:
            framing = _framing(request.method, head)
        except httpx.RemoteProtocolError:
            self._discard(conn)
            raise
        return _response(_Body(self, conn, framing, timeouts.get("read")), head)

    async def aclose(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._idle.clear()

    # -- connections ----------------------------------------------------------------

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if conn.reusable(now, self._expiry):
                return conn
            self._discard(conn)
        return None

    def _release(self, conn: _Connection) -> None:
        idle = self._idle.setdefault(conn.origin, [])
        conn.idle_since = time.monotonic()
        if len(idle) < self._max_idle and conn.reusable(conn.idle_since, self._expiry):
            idle.append(conn)
        else:
            self._discard(conn)

    def _discard(self, conn: _Connection) -> None:
        conn.close()
        self._open.discard(conn)

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        addresses = await checked_addresses(self.policy, self._resolve, host, port, timeout)
        loop = asyncio.get_running_loop()
        tls = self._tls_context() if scheme == "https" else None
        error: httpx.TransportError | None = None
        for address in addresses:
            try:
                async with asyncio.timeout(timeout):
                    _, conn = await loop.create_connection(
                        lambda: _Connection(origin, loop),
                        address,
                        port,
                        ssl=tls,
                        server_hostname=host if tls is not None else None,
                    )
            except TimeoutError:
                error = httpx.ConnectTimeout(f"connecting to {host} ({address}) timed out")
            except OSError as exc:  # ssl.SSLError included
                error = httpx.ConnectError(f"cannot connect to {host} ({address}): {exc}")
            else:
                self._open.add(conn)
                return conn
        assert error is not None  # checked_addresses never returns an empty list
        raise error

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()  # ~20 ms: loaded once, when first needed
        return self._ssl

    # -- one exchange ---------------------------------------------------------------

    async def _exchange(
        self, conn: _Connection, request: httpx.Request, message: bytes, timeout: float | None
    ) -> _Head:
        reused, conn.used = conn.used, True
        try:
            trace = request.extensions.get("trace")
            if trace is not None:
                await trace("http11.send_request_headers.started", {"request": request})
            if conn.transport is None or conn.transport.is_closing():
                raise _StaleConnectionError
            conn.transport.write(message)
            while True:
                head = await _read_head(conn, timeout, reused)
                if head.status >= 200:
                    return head
                if head.status == 101:
                    raise httpx.RemoteProtocolError("the server switched protocols (101)")
                reused = False  # 1xx (100 Continue, 103 Early Hints): the answer follows
        except BaseException:
            self._discard(conn)
            raise


def _response(body: _Body, head: _Head) -> httpx.Response:
    return httpx.Response(
        head.status,
        headers=head.headers,
        stream=body,
        extensions={
            "http_version": b"HTTP/1.1" if head.minor else b"HTTP/1.0",
            "reason_phrase": head.reason,
            "network_stream": body.connection,
        },
    )


class _StaleConnectionError(Exception):
    """A kept-alive connection ended before any byte of an answer."""


class _Head:
    __slots__ = ("close", "headers", "minor", "reason", "status")

    def __init__(
        self, status: int, minor: int, reason: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        self.status = status
        self.minor = minor
        self.reason = reason
        self.headers = headers
        self.close = minor == 0 or any(
            name.lower() == b"connection" and b"close" in value.lower() for name, value in headers
        )

    def values(self, name: bytes) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name]


async def _request_bytes(request: httpx.Request) -> bytes:
    """The request as it goes on the wire: request line, headers, body."""
    body = await request.aread()
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
    chunked = False
    for name, value in request.headers.raw:
        if b"\r" in value or b"\n" in value or b"\0" in value:
            raise httpx.LocalProtocolError(f"header {name.decode('latin-1')} has a line break")
        if name.lower() == b"transfer-encoding":
            chunked = True
        lines.append(b"%s: %s\r\n" % (name, value))
    lines.append(b"\r\n")
    if chunked and body:
        lines.append(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    elif chunked:
        lines.append(b"0\r\n\r\n")
    else:
        lines.append(body)
    return b"".join(lines)


async def _read_head(conn: _Connection, timeout: float | None, reused: bool) -> _Head:
    searched = 0
    while True:
        found = _BLANK_LINE.search(conn.buffer, max(0, searched - 3))
        if found is not None:
            raw = bytes(conn.buffer[: found.start()])
            del conn.buffer[: found.end()]
            return _parse_head(raw)
        if len(conn.buffer) > MAX_HEAD_BYTES:
            raise httpx.RemoteProtocolError(f"response head larger than {MAX_HEAD_BYTES} bytes")
        if conn.eof:
            if reused and not conn.buffer:
                raise _StaleConnectionError
            raise conn.cut_short("the response head was complete")
        searched = len(conn.buffer)
        await conn.more(timeout)


def _parse_head(raw: bytes) -> _Head:
    lines = raw.split(b"\n")
    status_line = lines[0].rstrip(b"\r")
    matched = _STATUS_LINE.fullmatch(status_line)
    if matched is None:
        raise httpx.RemoteProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: list[tuple[bytes, bytes]] = []
    for raw_line in lines[1:]:
        line = raw_line.removesuffix(b"\r")
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding: one value
            name, value = headers[-1]
            headers[-1] = (name, b"%s %s" % (value, line.strip(b" \t")))
            continue
        name, colon, value = line.partition(b":")
        if not colon or _TOKEN.fullmatch(name) is None or b"\r" in value or b"\0" in value:
            raise httpx.RemoteProtocolError(f"malformed header line: {line[:80]!r}")
        headers.append((name, value.strip(b" \t")))
    minor, status, reason = matched.groups()
    return _Head(int(status), int(minor), reason or b"", headers)


# framing: ("none" | "length" | "chunked" | "close", Content-Length, keep the connection)
_Framing = tuple[str, int, bool]


def _framing(method: str, head: _Head) -> _Framing:
    """How the body is delimited (RFC 9112 section 6.3)."""
    keep = not head.close
    if method == "HEAD" or head.status in (204, 304):
        return "none", 0, keep
    codings = b",".join(head.values(b"transfer-encoding"))
    if codings:
        if codings.rsplit(b",", 1)[-1].strip().lower() == b"chunked":
            return "chunked", 0, keep
        return "close", 0, False
    fields = head.values(b"content-length")
    lengths = {value.strip(b" \t") for field in fields for value in field.split(b",")}
    if not lengths:
        return "close", 0, False
    length = lengths.pop()
    if lengths or not length.isdigit():
        raise httpx.RemoteProtocolError("conflicting or invalid Content-Length headers")
    return "length", int(length), keep


class _Body(httpx.AsyncByteStream):
    """A response body, read as the caller iterates; the connection goes back when it ends."""

    def __init__(
        self, transport: Http1Transport, conn: _Connection, framing: _Framing, timeout: float | None
    ) -> None:
        self._transport = transport
        self._conn = self.connection = conn
        self._kind, self._length, self._keep = framing
        self._timeout = timeout
        self._open = True
        if self._kind == "none" or (self._kind == "length" and self._length == 0):
            self._finish()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if not self._open:
            return
        try:
            if self._kind == "length":
                async for data in self._exactly(self._length, "the body"):
                    yield data
            elif self._kind == "chunked":
                async for data in self._chunks():
                    yield data
            else:
                async for data in self._until_closed():
                    yield data
        except BaseException:
            await self.aclose()
            raise
        self._finish()

    async def aclose(self) -> None:
        """Stop reading: a body not read to its end leaves its connection unusable."""
        if self._open:
            self._open = False
            self._transport._discard(self._conn)

    def _finish(self) -> None:
        if self._open:
            self._open = False
            if self._keep:
                self._transport._release(self._conn)
            else:
                self._transport._discard(self._conn)

    async def _exactly(self, count: int, what: str) -> AsyncIterator[bytes]:
        conn, left = self._conn, count
        while left:
            if conn.buffer:
                data = conn.take(left)
                left -= len(data)
                yield data
            elif conn.eof:
                got = count - left
                raise conn.cut_short(f"{what} was complete (incomplete: {got} of {count} bytes)")
            else:
                await conn.more(self._timeout)

    async def _until_closed(self) -> AsyncIterator[bytes]:
        conn = self._conn
        while True:
            if conn.buffer:
                yield conn.take(len(conn.buffer))
            elif conn.eof:
                if conn.error is not None:
                    raise conn.cut_short("the body ended")
                return
            else:
                await conn.more(self._timeout)

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            line = await self._line()
            size = line.split(b";", 1)[0].strip(b" \t")
            if _HEX.fullmatch(size) is None:
                raise httpx.RemoteProtocolError(f"malformed chunk size line: {line[:80]!r}")
            if size.strip(b"0") == b"":
                while await self._line():  # trailer fields, up to the blank line
                    pass
                return
            async for data in self._exactly(int(size, 16), "a chunk"):
                yield data
            if await self._line():
                raise httpx.RemoteProtocolError("chunk data longer than its size")

    async def _line(self) -> bytes:
        conn = self._conn
        while True:
            end = conn.buffer.find(b"\n")
            if end >= 0:
                return conn.take(end + 1).rstrip(b"\r\n")
            if len(conn.buffer) > MAX_LINE_BYTES:
                raise httpx.RemoteProtocolError(f"a chunk line longer than {MAX_LINE_BYTES} bytes")
            if conn.eof:
                raise conn.cut_short("the chunked body was complete")
            await conn.more(self._timeout)
