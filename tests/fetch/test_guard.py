"""The address guard: no connection to loopback, private or link-local addresses unless named."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harvest.errors import FetchError
from harvest.fetch import FetchConfig, Fetcher
from harvest.fetch._guard import AddressPolicy, checked_addresses, is_public
from harvest.fetch._wire import WireTransport
from tests.faultserver import HOST, TOPIC, fault_site


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("fe80::1", False),
        ("fc00::1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::ffff:10.0.0.1", False),  # IPv4-mapped private
        ("::ffff:93.184.216.34", True),
        ("fe80::1%eth0", False),
        ("not-an-ip", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_the_policy_trusts_only_hosts_the_user_named() -> None:
    policy = AddressPolicy.for_hosts(
        ["www.rand.org", "127.0.0.1", "localhost", "[::1]", "mirror.localhost"],
        {"staging.rand.org": "10.0.0.5"},
    )
    assert policy.trusted == {
        "127.0.0.1",
        "localhost",
        "[::1]",
        "mirror.localhost",
        "staging.rand.org",
    }
    assert policy.pinned == {"staging.rand.org": "10.0.0.5"}


def _resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


def _fetch(url: str, transport: WireTransport) -> None:
    async def go() -> None:
        config = FetchConfig(delay_s=0, attempts=1, obey_robots=False, connect_timeout_s=2)
        async with Fetcher(config, transport) as fetcher:
            await fetcher.fetch(url)

    asyncio.run(go())


def test_a_public_name_that_resolves_to_loopback_is_refused(tmp_path: Path) -> None:
    with fault_site() as site:
        transport = WireTransport(AddressPolicy(), resolver=_resolver({HOST: ["127.0.0.1"]}))
        with pytest.raises(FetchError, match="non-public address") as caught:
            _fetch(site.url(TOPIC), transport)
        assert site.hits == []  # refused before connecting
    assert (caught.value.outcome, caught.value.attempts) == ("blocked_address", 1)


def test_a_mixed_answer_connects_only_to_the_public_address() -> None:
    resolve = _resolver({"mixed.example": ["10.0.0.1", "93.184.216.34", "::1", "2001:db8::1"]})
    addresses = asyncio.run(checked_addresses(AddressPolicy(), resolve, "mixed.example", 80, 1.0))
    assert addresses == ["93.184.216.34"]


def test_a_pinned_host_connects_to_its_address() -> None:
    with fault_site() as site:
        policy = AddressPolicy.for_hosts([HOST], {HOST: "127.0.0.1"})
        _fetch(site.url(TOPIC), WireTransport(policy))
        assert [hit.path for hit in site.hits] == [TOPIC]


def test_a_private_ip_literal_is_refused_unless_named() -> None:
    with fault_site() as site:
        url = f"http://127.0.0.1:{site.port}{TOPIC}"
        with pytest.raises(FetchError, match="non-public"):
            _fetch(url, WireTransport(AddressPolicy()))
        _fetch(url, WireTransport(AddressPolicy.for_hosts(["127.0.0.1"], {})))
        assert [hit.path for hit in site.hits] == [TOPIC]


def test_an_unresolvable_host_is_a_network_error() -> None:
    transport = WireTransport(AddressPolicy(), resolver=_resolver({}))
    with pytest.raises(FetchError, match="cannot resolve") as caught:
        _fetch("http://nowhere.example/pubs/x.html", transport)
    assert caught.value.outcome == "network"


def test_the_default_fetcher_transport_is_guarded() -> None:
    # The Fetcher builds a guarded WireTransport itself when given none: a crawl with a
    # seed on 127.0.0.1 works only because the seed names that host.
    with fault_site() as site:
        url = f"http://127.0.0.1:{site.port}{TOPIC}"

        async def go(allowed: frozenset[str]) -> None:
            config = FetchConfig(delay_s=0, attempts=1, obey_robots=False, allowed_hosts=allowed)
            async with Fetcher(config) as fetcher:
                await fetcher.fetch(url)

        with pytest.raises(FetchError, match="non-public"):
            asyncio.run(go(frozenset({"www.rand.org"})))
        asyncio.run(go(frozenset({"127.0.0.1"})))
        assert [hit.path for hit in site.hits] == [TOPIC]
