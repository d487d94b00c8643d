"""Proxies: from the environment or the ``proxy`` setting, http forwarded, https tunnelled.

The proxy (tests/proxyserver.py) is on 127.0.0.1 and resolves ``www.rand.org`` to
the test site on 127.0.0.1 itself: harvest, behind it, resolves nothing.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest
import trustme

from harvest import crawl_sync
from harvest.config._settings import Settings
from harvest.errors import ConfigError
from harvest.fetch._guard import AddressPolicy, BlockedAddressError
from harvest.fetch._wire import Proxies, WireTransport
from tests.faultserver import HOST, PAGES, TOPIC, fault_site, product_path
from tests.proxyserver import forward_proxy

NAMES = {HOST: "127.0.0.1"}


def crawl_settings(port: int, out: Path, **overrides: object) -> Settings:
    options: dict[str, object] = {
        "seeds": (f"http://{HOST}:{port}{TOPIC}",),
        "out_dir": out,
        "delay_s": 0,
        "timeout_s": 2,
        "deadline_s": 10,
    }
    return Settings(**{**options, **overrides})  # type: ignore[arg-type]


def test_a_crawl_behind_http_proxy_fetches_every_page_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fault_site() as site, forward_proxy(NAMES) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        result = crawl_sync(crawl_settings(site.port, tmp_path))
    base = f"http://{HOST}:{site.port}"
    expected = ["/robots.txt", TOPIC, *(product_path(n) for n in range(1, PAGES + 1))]
    assert sorted(proxy.requests) == sorted(base + path for path in expected)
    assert sorted(site.paths()) == sorted(expected)  # nothing reached the site but these
    assert result.manifest["counts"]["new"] == PAGES + 1
    assert result.manifest["fetch"]["statuses"] == {"200": PAGES + 2}


def test_the_proxy_setting_wins_and_no_proxy_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fault_site() as site, forward_proxy(NAMES) as proxy:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        crawl_sync(crawl_settings(site.port, tmp_path / "a", proxy=proxy.url))
        assert len(proxy.requests) == PAGES + 2
        monkeypatch.setenv("NO_PROXY", HOST)
        pinned = {"resolve": ((HOST, "127.0.0.1"),)}
        result = crawl_sync(crawl_settings(site.port, tmp_path / "b", proxy=proxy.url, **pinned))
        assert len(proxy.requests) == PAGES + 2  # the second crawl went direct
        assert result.manifest["fetch"]["statuses"] == {"200": PAGES + 2}
        monkeypatch.delenv("NO_PROXY")
        result = crawl_sync(crawl_settings(site.port, tmp_path / "c", proxy="direct", **pinned))
        assert result.manifest["fetch"]["statuses"] == {"200": PAGES + 2}
        assert len(proxy.requests) == PAGES + 2


def test_https_goes_through_a_connect_tunnel_verified_against_the_host_name() -> None:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
        await writer.drain()
        writer.close()

    async def go(proxy_url: str) -> tuple[int, bytes]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_tls)
        port = server.sockets[0].getsockname()[1]
        transport = WireTransport(
            AddressPolicy(), ssl_context=client_tls, proxies=Proxies.one(proxy_url)
        )
        async with server, httpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"https://{HOST}:{port}/")
            return port, response.content

    with forward_proxy(NAMES) as proxy:
        port, body = asyncio.run(asyncio.wait_for(go(proxy.url), 20))
    assert body == b"secret"
    assert proxy.tunnels == [f"{HOST}:{port}"]
    assert proxy.requests == []  # tunnelled, not forwarded


def test_behind_a_proxy_a_private_ip_literal_target_is_still_refused() -> None:
    async def go(proxy_url: str) -> None:
        transport = WireTransport(AddressPolicy(), proxies=Proxies.one(proxy_url))
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(BlockedAddressError):
                await client.get("http://10.0.0.1/")
            with pytest.raises(BlockedAddressError):
                await client.get("http://169.254.169.254/latest/meta-data/")

    with forward_proxy(NAMES) as proxy:
        asyncio.run(asyncio.wait_for(go(proxy.url), 20))
    assert proxy.requests == []


@pytest.mark.parametrize(
    ("environ", "url", "expected"),
    [
        ({"HTTP_PROXY": "http://p:1"}, "http://www.rand.org/", "http://p:1"),
        ({"HTTP_PROXY": "http://p:1"}, "https://www.rand.org/", None),
        ({"https_proxy": "http://s:2"}, "https://www.rand.org/", "http://s:2"),
        ({"ALL_PROXY": "http://a:3"}, "https://www.rand.org/", "http://a:3"),
        ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "rand.org"}, "http://www.rand.org/", None),
        ({"HTTP_PROXY": "http://p:1", "no_proxy": "*"}, "http://www.rand.org/", None),
        (
            {"HTTP_PROXY": "http://p:1", "NO_PROXY": "example.org"},
            "http://www.rand.org/",
            "http://p:1",
        ),
    ],
)
def test_the_environment_says_which_proxy(
    environ: dict[str, str], url: str, expected: str | None
) -> None:
    assert Proxies.from_environment(environ).for_url(httpx.URL(url)) == expected


def test_a_proxy_that_is_not_http_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="proxy must be an http"):
        Settings(proxy="socks5://127.0.0.1:1080")


# -- HTTP/2 ------------------------------------------------------------------------------


def _tls(ca: trustme.CA, protocols: list[str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)
    context.set_alpn_protocols(protocols)
    return context


async def _h2_handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A minimal HTTP/2 server (h2, sans I/O): each request gets ``h2`` as its body."""
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    while data := await reader.read(65536):
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                headers = [
                    (":status", "200"),
                    ("content-length", "2"),
                    ("content-type", "text/html"),
                ]
                conn.send_headers(event.stream_id, headers)
                conn.send_data(event.stream_id, b"h2", end_stream=True)
        writer.write(conn.data_to_send())
        await writer.drain()
    writer.close()


async def _h1_handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nh1")
    await writer.drain()
    writer.close()


@pytest.mark.parametrize(
    ("http2", "server", "protocols", "expected"),
    [
        (True, _h2_handle, ["h2", "http/1.1"], ("HTTP/2", b"h2")),
        (True, _h1_handle, ["http/1.1"], ("HTTP/1.1", b"h1")),
        (False, _h1_handle, ["h2", "http/1.1"], ("HTTP/1.1", b"h1")),
    ],
    ids=["h2-offered-and-taken", "h2-offered-h1-server", "h2-off"],
)
def test_http2_is_spoken_when_offered_and_the_server_takes_it(
    http2: bool, server: object, protocols: list[str], expected: tuple[str, bytes]
) -> None:
    ca = trustme.CA()
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)

    async def go() -> tuple[str, bytes]:
        listener = await asyncio.start_server(server, "127.0.0.1", 0, ssl=_tls(ca, protocols))  # type: ignore[arg-type]
        port = listener.sockets[0].getsockname()[1]
        pinned = AddressPolicy.for_hosts([], {HOST: "127.0.0.1"})
        transport = WireTransport(pinned, ssl_context=client_tls, http2=http2)
        async with listener, httpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"https://{HOST}:{port}/")
            return response.http_version, response.content

    assert asyncio.run(asyncio.wait_for(go(), 20)) == expected
