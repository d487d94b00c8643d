"""Per-host politeness: at most N requests at once to a host, starts at least D seconds apart.

A request takes its host's slot, then a global slot, then waits for its turn.
With a delay, the turn is held until the request's headers are actually on the
wire (``Turn.started``), and the next turn counts from that moment: so two
requests on one host *reach the server* at least the delay apart, however long
a connection or a busy event loop took. The delay only ever grows within a run
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

    async def wait_turn(self) -> Turn:
        """Sleep until this host may see a new request start; call ``started()`` on the turn."""
        if self.delay_s <= 0:  # no spacing to keep: only a hold-off to wait for
            await self._sleep_until_next()
            return Turn(self, locked=False)
        await self._turn.acquire()
        try:
            await self._sleep_until_next()
        except BaseException:
            self._turn.release()
            raise
        return Turn(self, locked=True)

    async def _sleep_until_next(self) -> None:
        wait = self._next_start - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)

    def _mark_start(self) -> None:
        self._last_start = asyncio.get_running_loop().time()
        self._next_start = max(self._next_start, self._last_start + self.delay_s)


class Turn:
    """A request's turn on its host; ``started()`` when it went out (or will not)."""

    def __init__(self, gate: HostGate, *, locked: bool) -> None:
        self._gate = gate
        self._locked = locked
        self._done = False

    def started(self) -> None:
        """Mark the start and let the next request wait from here; idempotent."""
        if self._done:
            return
        self._done = True
        self._gate._mark_start()
        if self._locked:
            self._gate._turn.release()


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
