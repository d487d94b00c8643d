"""The wire under harvest's httpx client: httpcore, with the address guard as its network.

httpcore is httpx's own connection layer, and h11 (and h2, for HTTP/2) frame the
messages; harvest implements no HTTP framing. What harvest adds, it adds at the
edges httpcore offers:

- **The guard as the network backend** (``GuardedBackend``): httpcore asks it for a
  TCP connection to a host; it resolves the name, keeps only the addresses
  ``guard.checked_addresses`` allows, and connects to one of those, so a second DNS
  answer cannot differ. TLS is then verified against the host name.
- **No reuse of a connection that holds bytes past its response**: a response
  framed by both Content-Length and Transfer-Encoding (RFC 9112 6.3: "ought to be
  handled as an error"), or one the peer followed with bytes that no request asked
  for, marks its connection spent (``GuardedStream.spend``): httpcore asks a
  connection whether it is readable before reusing it, and a spent one says yes,
  so httpcore closes it. (The second case reads h11's leftover bytes through
  httpcore's private attributes; where those are missing, nothing is checked.)
- **One replay on a stale connection**: a GET sent on a kept-alive connection that
  the server had closed, and answered by nothing, is sent once more; ``replays``
  counts them, as requests.
- **Proxies** (``Proxies``): ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and
  ``NO_PROXY`` as the standard library reads them, or one proxy URL the user set.
  http targets are forwarded, https ones tunnelled (CONNECT). The proxy may be on a
  private address (the user named it); the proxy resolves the target's name, so the
  guard can only refuse targets that are private IP literals.
- **HTTP/2** when asked (``http2``), negotiated by ALPN on https.

- **A response head of at most 64 KiB** (``MAX_HEAD_BYTES``), status line and fields.

Limits that are h11's: a head, a chunk-size line or the trailers still incomplete
past 100 KiB are refused (``httpcore.AsyncHTTP11Connection.MAX_INCOMPLETE_EVENT_SIZE``;
what arrives whole in one read of 64 KiB more is parsed, so a head is bounded by
164 KiB before harvest's own limit applies); transfer codings other than
``chunked`` are refused; status codes outside 100-999 are refused. The fetcher adds
the total deadline and the bounded decoding of bodies.
"""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from harvest.fetch._guard import (
    AddressPolicy,
    BlockedAddressError,
    Resolver,
    checked_addresses,
    is_public,
    system_resolver,
)
from harvest.normalize import is_ip_literal

# httpcore's exceptions as httpx's, most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)
# What a stale kept-alive connection answers a request with: nothing.
_STALE = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)
_REPLAYABLE = frozenset({"GET", "HEAD"})
MAX_HEAD_BYTES = 64 * 1024  # a response's status line and header fields together


def _as_httpx(exc: Exception) -> Exception:
    for theirs, ours in _ERRORS:
        if isinstance(exc, theirs):
            return ours(str(exc) or type(exc).__name__)
    return exc


class GuardedStream(httpcore.AsyncNetworkStream):
    """A connection the guard opened; ``spend`` keeps it from being used again."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self.spent = False

    def spend(self) -> None:
        self.spent = True

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return GuardedStream(tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self.spent:
            return True  # httpcore then takes the connection for closed, and drops it
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connections only to the addresses ``policy`` allows for the host asked for."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self._resolve = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(self.policy, self._resolve, host, port, timeout)
        failure: Exception | None = None
        for address in addresses:  # in the resolver's order, the next when one refuses
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return GuardedStream(stream)
        assert failure is not None  # checked_addresses never returns an empty list
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("harvest connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True)
class Proxies:
    """Which proxy, if any, a URL goes through: per scheme, less the ``no_proxy`` hosts."""

    by_scheme: Mapping[str, str]
    no_proxy: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Proxies:
        """``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` (either case)."""
        found = _environment_proxies(environ)
        schemes = {
            scheme: found.get(scheme) or found.get("all")
            for scheme in ("http", "https")
            if found.get(scheme) or found.get("all")
        }
        return cls({k: v for k, v in schemes.items() if v}, found.get("no", ""))

    @classmethod
    def one(cls, url: str, no_proxy: str = "") -> Proxies:
        """The same proxy for http and https (the ``proxy`` setting)."""
        return cls({"http": url, "https": url}, no_proxy)

    def for_url(self, url: httpx.URL) -> str | None:
        proxy = self.by_scheme.get(url.scheme)
        if proxy is None or self._bypassed(url.host, url.port):
            return None
        return proxy

    def _bypassed(self, host: str, port: int | None) -> bool:
        if not self.no_proxy:
            return False
        if self.no_proxy.strip() == "*":
            return True
        name = f"{host}:{port}" if port else host
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        return bool(bypass(name, {"no": self.no_proxy}))


def _environment_proxies(environ: Mapping[str, str] | None) -> dict[str, str]:
    if environ is None:
        return urllib.request.getproxies_environment()
    found: dict[str, str] = {}
    for name, value in environ.items():  # as the standard library reads them: any case,
        key = name.lower()  # the lowercase one first
        if value and key.endswith("_proxy") and (key == name or key[:-6] not in found):
            found[key[:-6]] = value
    return found


class WireTransport(httpx.AsyncBaseTransport):
    """httpx's transport for live crawls: guarded connections, proxies, HTTP/2."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        max_idle_per_origin: int = 32,
        keepalive_expiry_s: float = 5.0,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
        http2: bool = False,
        proxies: Proxies | None = None,
        on_replay: Callable[[], None] | None = None,
    ) -> None:
        self.policy = policy
        self.replays = 0
        self._on_replay = on_replay
        self._ssl = ssl_context or httpx.create_ssl_context()
        self._options: dict[str, Any] = {
            "ssl_context": self._ssl,
            "max_connections": None,  # the fetcher's slots bound what is in flight
            "max_keepalive_connections": max(1, max_idle_per_origin) * 4,
            "keepalive_expiry": keepalive_expiry_s,
            "http1": True,
            "http2": http2,
        }
        self._resolver = resolver
        self._direct = self._pool(GuardedBackend(policy, resolver))
        self._proxies = proxies or Proxies({})
        self._via: dict[str, httpcore.AsyncConnectionPool] = {}

    def _pool(
        self, backend: GuardedBackend, proxy: httpcore.Proxy | None = None
    ) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(proxy=proxy, network_backend=backend, **self._options)

    def _pool_for(self, url: httpx.URL) -> httpcore.AsyncConnectionPool:
        proxy = self._proxies.for_url(url)
        if proxy is None:
            return self._direct
        pool = self._via.get(proxy)
        if pool is None:
            parsed = httpx.URL(proxy)
            if parsed.scheme not in ("http", "https"):
                raise httpx.ProxyError(f"unsupported proxy {proxy!r}: http or https proxies only")
            auth = (parsed.username, parsed.password) if parsed.username else None
            # The user named the proxy: it may be on a private address.
            trusted = AddressPolicy(self.policy.trusted | {parsed.host.lower()}, {})
            pool = self._via[proxy] = self._pool(
                GuardedBackend(trusted, self._resolver),
                httpcore.Proxy(
                    url=str(parsed.copy_with(username=None, password=None)),
                    auth=auth,
                    ssl_context=self._ssl,
                ),
            )
        name = url.host.lower()
        # The proxy resolves names; a private IP literal is refused here as it would be direct.
        if is_ip_literal(name) and not is_public(name) and name not in self.policy.trusted:
            raise BlockedAddressError(name, [name])
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(
                f"harvest fetches http and https, not {request.url.scheme!r}"
            )
        pool = self._pool_for(request.url)
        fresh = False
        user_trace = request.extensions.get("trace")

        async def trace(event: str, info: dict[str, Any]) -> None:
            nonlocal fresh
            if event == "connection.connect_tcp.started":
                fresh = True  # this request opened a connection: nothing stale to replay
            if user_trace is not None:
                await user_trace(event, info)

        extensions = {**request.extensions, "trace": trace}
        try:
            response = await self._send(pool, request, extensions)
        except _STALE as exc:
            if fresh or request.method not in _REPLAYABLE:
                raise _as_httpx(exc) from exc
            # A kept-alive connection the server closed as the request went out.
            self.replays += 1
            if self._on_replay is not None:
                self._on_replay()
            try:
                response = await self._send(pool, request, extensions)
            except Exception as again:
                raise _as_httpx(again) from again
        except Exception as exc:
            raise _as_httpx(exc) from exc
        stream = response.extensions.get("network_stream")
        head = sum(len(name) + len(value) + 4 for name, value in response.headers)
        if head > MAX_HEAD_BYTES:
            await response.aclose()  # unread: httpcore closes the connection
            raise httpx.RemoteProtocolError(
                f"response head larger than {MAX_HEAD_BYTES // 1024} KiB ({head} bytes)"
            )
        headers = httpx.Headers(response.headers)
        framed_twice = "transfer-encoding" in headers and "content-length" in headers
        if framed_twice and isinstance(stream, GuardedStream):
            stream.spend()
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, stream),
            extensions=response.extensions,
        )

    @staticmethod
    async def _send(
        pool: httpcore.AsyncConnectionPool, request: httpx.Request, extensions: dict[str, Any]
    ) -> httpcore.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=extensions,
        )
        return await pool.handle_async_request(core)

    async def aclose(self) -> None:
        for pool in (self._direct, *self._via.values()):
            await pool.aclose()
        self._via.clear()


class _Body(httpx.AsyncByteStream):
    """A response body from httpcore: its errors as httpx's, its connection checked at the end."""

    def __init__(self, stream: Any, network: Any) -> None:
        self._stream = stream
        self._network = network

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as exc:
            raise _as_httpx(exc) from exc
        if isinstance(self._network, GuardedStream) and _leftover(self._stream):
            self._network.spend()

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        except Exception as exc:
            raise _as_httpx(exc) from exc


def _leftover(stream: Any) -> bool:
    """Whether h11 holds bytes the peer sent past this response (httpcore's private
    attributes: the pool's stream, the HTTP/1.1 connection's stream, its h11 state)."""
    inner = getattr(stream, "_stream", stream)
    state = getattr(getattr(inner, "_connection", None), "_h11_state", None)
    trailing = getattr(state, "trailing_data", None)
    return bool(trailing and trailing[0])
