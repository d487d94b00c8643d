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
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from harvest.normalize import is_ip_literal

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


async def checked_addresses(
    policy: AddressPolicy, resolve: Resolver, host: str, port: int, timeout: float | None
) -> list[str]:
    """The addresses harvest may connect to for ``host``, in the order to try them.

    A pinned host gives its pinned address; a trusted host or a public IP literal
    itself; any other name the public addresses it resolves to. Raises
    ``BlockedAddressError`` when none is allowed, and httpx's ``ConnectTimeout`` or
    ``ConnectError`` when the name cannot be resolved.
    """
    name = host.lower().strip("[]")
    if name in policy.pinned:
        return [policy.pinned[name]]
    if name in policy.trusted or (is_ip_literal(name) and is_public(name)):
        return [name]
    if is_ip_literal(name):
        raise BlockedAddressError(name, [name])
    try:
        async with asyncio.timeout(timeout):
            addresses = await resolve(name, port)
    except TimeoutError as exc:
        raise httpx.ConnectTimeout(f"resolving {name} timed out") from exc
    except OSError as exc:
        raise httpx.ConnectError(f"cannot resolve {name}: {exc}") from exc
    public = [address for address in addresses if is_public(address)]
    if not public:
        raise BlockedAddressError(name, addresses)
    return public
