"""The wire (httpcore under httpx, guarded), against scripted servers on 127.0.0.1.

Whole crawls through it are in test_faults.py; here each test pins one rule:
how a body is delimited, when a connection is kept and when it must not be,
what a malformed answer becomes, what goes through a proxy.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import trustme

from harvest.fetch._guard import AddressPolicy
from harvest.fetch._wire import WireTransport

MAX_HEAD_BYTES = 100 * 1024  # h11's bound on a response head, a chunk line or the trailers
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Server"], Awaitable[None]]
LOOPBACK = AddressPolicy.for_hosts(["127.0.0.1", "localhost"], {})


@dataclass
class Server:
    port: int
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)

    def url(self, path: str = "/", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    async def request(self, reader: asyncio.StreamReader) -> bytes:
        """The next request's head, recorded; b"" when the client closed."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return b""
        self.requests.append(head)
        return head


@asynccontextmanager
async def serve(script: Script, tls: ssl.SSLContext | None = None) -> AsyncIterator[Server]:
    server = Server(0)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.connections += 1
        try:
            await script(reader, writer, server)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()


def answering(*responses: bytes, close_after: bool = False) -> Script:
    """A script that answers each request with the next response, on whichever connection.

    With ``close_after`` a connection is closed after one answer, without saying so.
    """
    left = list(responses)

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        while left:
            if not await s.request(reader):
                return
            writer.write(left.pop(0))
            await writer.drain()
            if close_after:
                return
        await s.request(reader)  # until the client closes

    return script


def ok(body: bytes = b"hello", *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra.encode(), body)


async def get(
    transport: WireTransport, url: str, method: str = "GET", **timeouts: float
) -> tuple[httpx.Response, bytes]:
    timeout = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": None, **timeouts}
    request = httpx.Request(method, url, extensions={"timeout": timeout})
    response = await transport.handle_async_request(request)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, body


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=20))


# -- framing and keep-alive ------------------------------------------------------------


def test_a_kept_alive_connection_serves_the_next_request() -> None:
    async def go() -> None:
        async with serve(answering(ok(b"one"), ok(b"two"))) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url("/a")))[1] == b"one"
            assert (await get(transport, server.url("/b")))[1] == b"two"
            await transport.aclose()
        assert server.connections == 1
        assert server.requests[0].startswith(b"GET /a HTTP/1.1\r\n")
        assert b"\r\nHost: 127.0.0.1:" in server.requests[0]

    run(go)


def test_a_chunked_body_is_joined_and_its_connection_kept() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )

    async def go() -> None:
        async with serve(answering(chunked, ok(b"again"))) as server:
            transport = WireTransport(LOOPBACK)
            _, body = await get(transport, server.url())
            assert body == b"hello, world"
            assert (await get(transport, server.url()))[1] == b"again"
            await transport.aclose()
        assert server.connections == 1

    run(go)


def test_a_body_without_length_runs_to_the_end_of_the_connection() -> None:
    async def go() -> None:
        response = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>until closed</p>"
        async with serve(answering(response, close_after=True)) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url()))[1] == b"<p>until closed</p>"
            await transport.aclose()

    run(go)


@pytest.mark.parametrize(
    ("method", "response"),
    [
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 99\r\n\r\n'),
    ],
)
def test_answers_without_a_body_read_none_and_keep_the_connection(
    method: str, response: bytes
) -> None:
    async def go() -> None:
        async with serve(answering(response, ok(b"next"))) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url(), method))[1] == b""
            assert (await get(transport, server.url()))[1] == b"next"
            await transport.aclose()
        assert server.connections == 1

    run(go)


def test_informational_answers_are_skipped() -> None:
    response = (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + ok()
    )

    async def go() -> None:
        async with serve(answering(response)) as server:
            transport = WireTransport(LOOPBACK)
            answer, body = await get(transport, server.url())
            assert (answer.status_code, body) == (200, b"hello")
            await transport.aclose()

    run(go)


def test_connection_close_and_http_1_0_are_not_kept() -> None:
    async def go() -> None:
        for response in (
            ok(b"a", "Connection: close"),
            b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold",
        ):
            async with serve(answering(response, ok(b"b"))) as server:
                transport = WireTransport(LOOPBACK)
                await get(transport, server.url())
                await get(transport, server.url())
                await transport.aclose()
            assert server.connections == 2

    run(go)


def test_a_kept_alive_connection_the_server_closed_is_replaced_once() -> None:
    # The first connection answers once, then takes the next request and closes
    # without a word: the request is sent again, once, on a new connection.
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        await s.request(reader)
        writer.write(ok(b"first" if s.connections == 1 else b"fresh"))
        await writer.drain()
        if s.connections == 1:
            await s.request(reader)

    async def go() -> None:
        async with serve(script) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url()))[1] == b"first"
            assert (await get(transport, server.url()))[1] == b"fresh"
            await transport.aclose()
        assert (server.connections, len(server.requests)) == (2, 3)

    run(go)


def test_a_body_left_unread_does_not_leave_its_connection_in_the_pool() -> None:
    # The body comes late: when the caller closes the response, nothing of it has
    # arrived, yet the connection must not serve the next request.
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        await s.request(reader)
        if s.connections == 1:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.2)
            writer.write(b"late" + ok(b"wrong"))
            await s.request(reader)
            return
        writer.write(ok(b"fresh"))
        await writer.drain()
        await s.request(reader)

    async def go() -> None:
        async with serve(script) as server:
            transport = WireTransport(LOOPBACK)
            request = httpx.Request("GET", server.url(), extensions={"timeout": {"read": 2.0}})
            response = await transport.handle_async_request(request)
            await response.aclose()  # not read
            assert (await get(transport, server.url()))[1] == b"fresh"
            await transport.aclose()
        assert server.connections == 2

    run(go)


def test_a_large_body_is_read_whole_through_flow_control() -> None:
    body = bytes(range(256)) * 8192  # 2 MiB, past the read buffer's high-water mark

    async def go() -> None:
        async with serve(answering(ok(body))) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url()))[1] == body
            await transport.aclose()

    run(go)


def test_bare_line_feeds_and_folded_headers_are_read() -> None:
    response = b"HTTP/1.1 200 OK\nContent-Length: 2\nX-Folded: one\n  two\n\nok"

    async def go() -> None:
        async with serve(answering(response)) as server:
            transport = WireTransport(LOOPBACK)
            answer, body = await get(transport, server.url())
            assert (body, answer.headers["x-folded"]) == (b"ok", "one two")
            await transport.aclose()

    run(go)


def test_the_peer_address_is_told_to_the_archive() -> None:
    async def go() -> None:
        async with serve(answering(ok())) as server:
            transport = WireTransport(LOOPBACK)
            answer, _ = await get(transport, server.url())
            peer = answer.extensions["network_stream"].get_extra_info("server_addr")
            assert peer == ("127.0.0.1", server.port)
            assert answer.extensions["reason_phrase"] == b"OK"
            await transport.aclose()

    run(go)


# -- broken answers become httpx's errors -----------------------------------------------


_OK = b"HTTP/1.1 200 OK\r\n"
_CHUNKED = _OK + b"Transfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (_OK + b"Content-Length: 10\r\n\r\nshort", "received 5 bytes, expected 10"),
        (_OK + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "Content-Length"),
        (_OK + b"Content-Length: -1\r\n\r\n", "Content-Length"),
        (b"ICY 200 OK\r\n\r\n", "status line"),
        (_OK + b"no colon here\r\n\r\n", "header line"),
        (_CHUNKED + b"zz\r\n", "chunk header"),
        (_CHUNKED + b"5\r\nhel", "incomplete"),
        (_CHUNKED + b"2\r\nhello\r\n0\r\n\r\n", "chunk footer"),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "_SWITCH_UPGRADE"),
        (_OK + b"X: " + b"a" * (MAX_HEAD_BYTES + 10), "Receive buffer too long"),
        (_OK + b"Content-Le", "without sending a response"),
        # what the probe of hostile servers found (issue 18): refused as well
        (_OK + b"Transfer-Encoding: gzip\r\n\r\nabc", "Transfer-Encoding"),
        (_OK + b"Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", "Transfer-Encoding"),
        (b"HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n", "status"),
        (b"HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n", "status"),
        (_OK + b"X: " + b"a" * 100_000 + b"\r\n\r\n", "head larger than 64 KiB"),
        (_CHUNKED + b"0\r\nX-Trailer: " + b"a" * 1_000_000 + b"\r\n\r\n", "too long"),
    ],
)
def test_a_broken_answer_is_a_protocol_error(response: bytes, words: str) -> None:
    async def go() -> None:
        async with serve(answering(response, close_after=True)) as server:
            transport = WireTransport(LOOPBACK)
            with pytest.raises(httpx.RemoteProtocolError, match=words):
                await get(transport, server.url())
            await transport.aclose()

    run(go)


def test_a_silent_server_is_a_read_timeout() -> None:
    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        await s.request(reader)
        await asyncio.sleep(5)

    async def go() -> None:
        async with serve(never) as server:
            transport = WireTransport(LOOPBACK)
            with pytest.raises(httpx.ReadTimeout):
                await get(transport, server.url(), read=0.2)
            await transport.aclose()

    run(go)


def test_a_refused_connection_is_a_connect_error() -> None:
    async def go() -> None:
        async with serve(answering()) as server:
            port = server.port
        transport = WireTransport(LOOPBACK)
        with pytest.raises(httpx.ConnectError, match="connection attempts failed"):
            await get(transport, f"http://127.0.0.1:{port}/")

    run(go)


def test_a_line_break_in_a_header_is_refused_before_sending() -> None:
    async def go() -> None:
        async with serve(answering(ok())) as server:
            transport = WireTransport(LOOPBACK)
            # httpx takes the value as it is: the wire (h11) must refuse it.
            request = httpx.Request(
                "GET", server.url(), headers={"If-None-Match": '"x"\r\nEvil: 1'}
            )
            with pytest.raises(httpx.LocalProtocolError, match=r"[Ii]llegal header value"):
                await transport.handle_async_request(request)
            await transport.aclose()
        assert server.requests == []

    run(go)


def test_only_http_and_https_are_spoken() -> None:
    async def go() -> None:
        with pytest.raises(httpx.UnsupportedProtocol):
            await get(WireTransport(LOOPBACK), "ftp://127.0.0.1/file")

    run(go)


# -- TLS -----------------------------------------------------------------------------


def test_https_is_verified_against_the_host_name_not_the_pinned_address() -> None:
    ca = trustme.CA()
    server_tls = ca.issue_cert("www.rand.org").configure_cert  # the name, not 127.0.0.1
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls(context)
    client = ssl.create_default_context()
    ca.configure_trust(client)

    async def go() -> None:
        async with serve(answering(ok(b"secure"), ok(b"again")), tls=context) as server:
            pinned = AddressPolicy.for_hosts([], {"www.rand.org": "127.0.0.1"})
            transport = WireTransport(pinned, ssl_context=client)
            url = server.url("/", host="www.rand.org", scheme="https")
            assert (await get(transport, url))[1] == b"secure"
            assert (await get(transport, url))[1] == b"again"
            await transport.aclose()
            assert server.connections == 1

            untrusting = WireTransport(pinned, ssl_context=ssl.create_default_context())
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await get(untrusting, url)
            wrong_name = AddressPolicy.for_hosts([], {"other.example": "127.0.0.1"})
            with pytest.raises(httpx.ConnectError, match=r"match|mismatch"):
                await get(
                    WireTransport(wrong_name, ssl_context=client),
                    url.replace("www.rand.org", "other.example"),
                )

    run(go)


# -- what the probe of hostile servers found (issue 18) ------------------------------


@pytest.mark.parametrize(
    "first",
    [
        # Content-Length and Transfer-Encoding together, and after the chunked body the
        # bytes of a second answer that no request asked for: a smuggled response
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nfirst\r\n0\r\n\r\n" + ok(b"SMUGGLED"),
        # an honest answer, and the same smuggled one after it
        ok(b"first") + ok(b"SMUGGLED"),
    ],
    ids=["framed-twice", "bytes-past"],
)
def test_a_connection_holding_bytes_past_its_response_is_not_lent_again(first: bytes) -> None:
    # The next request must get its own answer, on a new connection.
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        await s.request(reader)
        writer.write(first if s.connections == 1 else ok(b"honest"))
        await writer.drain()
        await s.request(reader)

    async def go() -> None:
        async with serve(script) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url()))[1] == b"first"
            assert (await get(transport, server.url()))[1] == b"honest"
            await transport.aclose()
        assert server.connections == 2

    run(go)


def test_a_chunk_size_with_leading_zeros_is_read() -> None:
    response = _CHUNKED + b"0" * 12 + b"5\r\nhello\r\n0\r\n\r\n"

    async def go() -> None:
        async with serve(answering(response)) as server:
            transport = WireTransport(LOOPBACK)
            assert (await get(transport, server.url()))[1] == b"hello"
            await transport.aclose()

    run(go)


def test_a_replay_on_a_stale_connection_is_counted() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        await s.request(reader)
        writer.write(ok(b"first" if s.connections == 1 else b"fresh"))
        await writer.drain()
        if s.connections == 1:
            await s.request(reader)  # takes the second request, then closes unanswered

    counted: list[int] = []

    async def go() -> None:
        async with serve(script) as server:
            transport = WireTransport(LOOPBACK, on_replay=lambda: counted.append(1))
            await get(transport, server.url())
            assert (await get(transport, server.url()))[1] == b"fresh"
            assert transport.replays == 1 and counted == [1]
            await transport.aclose()

    run(go)


def test_the_fetcher_counts_a_replay_as_a_request() -> None:
    # Issue 18, defect 8: fetch.requests left out the request sent again after a
    # stale connection, so the manifest told fewer requests than the server saw.
    from harvest.fetch import FetchConfig, Fetcher

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Server) -> None:
        await s.request(reader)
        writer.write(ok(b"<html><body>first</body></html>", "Content-Type: text/html"))
        await writer.drain()
        if s.connections == 1:
            await s.request(reader)  # takes the second request, then closes unanswered

    async def go() -> tuple[int, int, int]:
        async with serve(script) as server:
            config = FetchConfig(
                delay_s=0, obey_robots=False, allowed_hosts=frozenset({"127.0.0.1"})
            )
            async with Fetcher(config) as fetcher:
                await fetcher.fetch(server.url("/a"))
                await fetcher.fetch(server.url("/b"))
            return fetcher.stats.requests, fetcher.stats.replays, len(server.requests)

    requests, replays, seen = asyncio.run(asyncio.wait_for(go(), 20))
    assert (requests, replays) == (seen, 1) == (3, 1)
