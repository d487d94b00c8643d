"""Per-host politeness: at most N requests at once to a host, starts at least D seconds apart.

A request takes its host's slot, then a global slot, then waits for its turn:
the turn is reserved under a lock, so two starts on one host are never closer
than the delay however many tasks wait. The delay only ever grows within a run
(robots.txt Crawl-delay), and a Retry-After holds the whole host off, not only
the request that got it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class HostGate:
    """The politeness state of one host."""

    def __init__(self, concurrency: int, delay_s: float) -> None:
        self.concurrency = concurrency
        self.delay_s = delay_s
        self._slots = asyncio.Semaphore(concurrency)
        self._turn = asyncio.Lock()
        self._last_start = float("-inf")
        self._next_start = 0.0

    def slow_down(self, delay_s: float) -> None:
        """Raise the delay between starts (never lowers it), from the last start on."""
        self.delay_s = max(self.delay_s, delay_s)
        self._next_start = max(self._next_start, self._last_start + self.delay_s)

    def hold_off(self, seconds: float) -> None:
        """No request to this host starts in the next ``seconds``."""
        now = asyncio.get_running_loop().time()
        self._next_start = max(self._next_start, now + seconds)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the host's concurrent slots, held for a whole request."""
        async with self._slots:
            yield

    async def wait_turn(self) -> None:
        """Sleep until this host may see a new request start, and reserve that start."""
        loop = asyncio.get_running_loop()
        async with self._turn:
            wait = self._next_start - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start = loop.time()
            self._next_start = self._last_start + self.delay_s


class Gates:
    """A gate per host, made on first use, all with the same starting settings."""

    def __init__(self, concurrency: int, delay_s: float) -> None:
        self.concurrency = concurrency
        self.delay_s = delay_s
        self._gates: dict[str, HostGate] = {}

    def __getitem__(self, host: str) -> HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = HostGate(self.concurrency, self.delay_s)
        return gate

    def delays(self) -> dict[str, float]:
        """The delay each host ended with (Crawl-delay may have raised it)."""
        return {host: gate.delay_s for host, gate in self._gates.items()}
