"""Per-host gates: slots, turns, Crawl-delay and Retry-After hold-offs."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import pytest

from harvest.fetch import retry_after_s
from harvest.fetch._politeness import Gates, HostGate

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Mon, 23 Nov 2026 12:00:05 GMT", 5.0),
        ("Monday, 23-Nov-26 12:00:30 GMT", 30.0),  # RFC 850, still allowed by RFC 9110
        ("Mon Nov 23 12:01:00 2026", 60.0),  # asctime
        ("Mon, 23 Nov 2026 11:59:00 GMT", 0.0),  # in the past: go now
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_values(header: str | None, seconds: float | None) -> None:
    assert retry_after_s(header, NOW) == seconds


async def _starts(gate: HostGate, count: int) -> list[float]:
    loop, starts = asyncio.get_running_loop(), []

    async def one() -> None:
        async with gate.slot():
            turn = await gate.wait_turn()
            starts.append(loop.time())
            turn.started()
            await asyncio.sleep(0.01)

    await asyncio.gather(*(one() for _ in range(count)))
    return starts


def test_turns_are_at_least_the_delay_apart() -> None:
    starts = asyncio.run(_starts(HostGate(concurrency=4, delay_s=0.05), 5))
    assert all(b - a >= 0.05 - 1e-3 for a, b in itertools.pairwise(starts))


def test_slow_down_only_raises_the_delay_and_counts_from_the_last_start() -> None:
    async def go() -> list[float]:
        gate = HostGate(concurrency=1, delay_s=0.0)
        first = await _starts(gate, 1)
        gate.slow_down(0.1)
        gate.slow_down(0.01)  # lower: ignored
        return first + await _starts(gate, 1)

    first, second = asyncio.run(go())
    assert second - first >= 0.1 - 1e-3


def test_hold_off_delays_every_request_to_the_host() -> None:
    async def go() -> float:
        gate = HostGate(concurrency=2, delay_s=0.0)
        loop = asyncio.get_running_loop()
        began = loop.time()
        gate.hold_off(0.1)
        (start,) = await _starts(gate, 1)
        return start - began

    assert asyncio.run(go()) >= 0.1 - 1e-3


def test_the_next_turn_waits_for_the_request_to_go_out() -> None:
    # A request slow to get on the wire (a TLS handshake, a busy loop) delays the
    # next one: the spacing holds between requests as the server sees them.
    async def go() -> list[float]:
        gate, loop, sent = HostGate(concurrency=2, delay_s=0.05), asyncio.get_running_loop(), []

        async def one(setup_s: float) -> None:
            async with gate.slot():
                turn = await gate.wait_turn()
                await asyncio.sleep(setup_s)
                sent.append(loop.time())
                turn.started()

        await asyncio.gather(one(0.1), one(0.0))
        return sent

    first, second = asyncio.run(go())
    assert second - first >= 0.05 - 1e-3


def test_a_turn_is_freed_when_its_request_fails_before_going_out() -> None:
    async def go() -> None:
        gate = HostGate(concurrency=2, delay_s=0.01)
        turn = await gate.wait_turn()
        turn.started()
        turn.started()  # idempotent: the lock is released once
        await asyncio.wait_for(gate.wait_turn(), timeout=1)

    asyncio.run(go())


def test_gates_are_per_host() -> None:
    gates = Gates(concurrency=2, delay_s=0.5)
    assert gates["a.example"] is gates["a.example"]
    assert gates["a.example"] is not gates["b.example"]
    gates["b.example"].slow_down(3)
    assert gates.delays() == {"a.example": 0.5, "b.example": 3}
