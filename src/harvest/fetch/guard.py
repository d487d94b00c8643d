"""Which addresses harvest connects to: public ones, unless the user vouched for the host.

URLs found on pages are untrusted input. A link, a redirect or a DNS answer can
point a crawler at the machine it runs on or at the private network around it
(cloud metadata at 169.254.169.254, an admin panel on 10.0.0.1). The check is
made where the connection opens, on the addresses the name resolved to, and
harvest connects to an address it checked, so a second DNS answer cannot differ.

Private addresses are allowed only for hosts the user named: an IP literal or
``localhost`` among the allowed hosts, or a host pinned to an address with
``--resolve HOST=ADDRESS`` (as curl's ``--resolve``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedAddressError(Exception):
    """The host resolved only to addresses harvest must not connect to."""

    def __init__(self, host: str, addresses: Iterable[str]) -> None:
        listed = ", ".join(addresses) or "no address"
        super().__init__(f"{host} resolves to a non-public address ({listed}); not connecting")
        self.host = host


def is_public(address: str) -> bool:
    """True for a globally routable unicast address.

    >>> is_public("93.184.216.34"), is_public("10.0.0.1"), is_public("::ffff:127.0.0.1")
    (True, False, False)
    >>> is_public("169.254.169.254"), is_public("not an address")
    (False, False)
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_ip_literal(host: str) -> bool:
    """True for an IPv4 or IPv6 address (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the system resolver, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AddressPolicy:
    """Hosts whose private addresses are allowed, and hosts pinned to an address."""

    trusted: frozenset[str] = frozenset()
    pinned: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_hosts(cls, allowed: Iterable[str], pinned: Mapping[str, str]) -> AddressPolicy:
        """Trust the allowed hosts that are IP literals or localhost, and the pinned ones."""
        trusted = {
            host.lower()
            for host in allowed
            if is_ip_literal(host) or host == "localhost" or host.endswith(".localhost")
        }
        pins = {host.lower(): address for host, address in pinned.items()}
        return cls(frozenset(trusted | pins.keys()), pins)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks, then connects to a checked address."""

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
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        name = host.lower().strip("[]")
        if name in self.policy.pinned:
            candidates = [self.policy.pinned[name]]
        elif name in self.policy.trusted or (is_ip_literal(name) and is_public(name)):
            candidates = [name]
        else:
            candidates = await self._public_addresses(name, port, timeout)
        error: Exception | None = None
        for address in candidates:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None  # candidates is never empty
        raise error

    async def _public_addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        if is_ip_literal(host):
            raise BlockedAddressError(host, [host])
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        public = [address for address in addresses if is_public(address)]
        if not public:
            raise BlockedAddressError(host, addresses)
        return public

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("harvest does not connect to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, on a connection pool whose connections pass the guard."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        max_connections: int,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        # Loading the CA bundle costs ~20 ms: one context serves every shard.
        context = ssl_context or httpx.create_ssl_context()
        super().__init__(verify=context)
        # httpx builds its pool without a network_backend argument; rebuild it with one.
        # ``_pool`` is what httpx's handle_async_request uses (tests/fetch/test_guard.py
        # proves the guard is in the path, so an httpx change cannot silently drop it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(policy, resolver),
        )


class ShardedTransport(httpx.AsyncBaseTransport):
    """Several small connection pools instead of one large one, each task sticking to one.

    httpcore's pool scans every connection it holds on each request and polls
    each idle one's socket; at 32 connections that scan was 40% of a crawl's
    fetching CPU. Pools of ``per_shard`` connections keep the scan short. A task
    (a crawl worker) is given a shard on first use, round robin, and keeps it.
    """

    def __init__(self, shards: list[httpx.AsyncBaseTransport]) -> None:
        self._shards = shards
        self._of_task: weakref.WeakKeyDictionary[asyncio.Task[Any], httpx.AsyncBaseTransport] = (
            weakref.WeakKeyDictionary()
        )
        self._next = 0

    def _shard(self) -> httpx.AsyncBaseTransport:
        task = asyncio.current_task()
        if task is None:
            return self._shards[0]
        shard = self._of_task.get(task)
        if shard is None:
            shard = self._of_task[task] = self._shards[self._next % len(self._shards)]
            self._next += 1
        return shard

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._shard().handle_async_request(request)

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


def guarded_transport(
    policy: AddressPolicy, *, max_connections: int, per_shard: int = 4
) -> httpx.AsyncBaseTransport:
    """The transport a live crawl uses: guarded connections in small pools."""
    count = max(1, -(-max_connections // per_shard))
    size = -(-max_connections // count)
    context = httpx.create_ssl_context()
    shards: list[httpx.AsyncBaseTransport] = [
        GuardedTransport(policy, max_connections=size, ssl_context=context) for _ in range(count)
    ]
    return shards[0] if count == 1 else ShardedTransport(shards)
