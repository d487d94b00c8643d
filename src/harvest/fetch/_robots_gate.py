"""The robots.txt check before each request: each origin's file read once a run.

One task reads an origin's robots.txt while the others of that origin wait for
it (a lock per origin); a file that was unreachable is read again once stale.
Rules found raise the host's delay (Crawl-delay, Request-rate) and are recorded
in the stats for the manifest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from harvest.errors import FetchError
from harvest.fetch._config import FetchConfig
from harvest.fetch._models import FetchedPage, parsed_url
from harvest.fetch._politeness import Gates
from harvest.fetch._robots import RobotsRules
from harvest.fetch._stats import FetchStats

log = logging.getLogger("harvest.fetch")

Download = Callable[[str], Awaitable[FetchedPage]]


class RobotsGate:
    """Whether robots.txt lets harvest fetch a URL, each origin's rules cached."""

    def __init__(
        self, config: FetchConfig, gates: Gates, stats: FetchStats, download: Download
    ) -> None:
        """``download(url)`` fetches a robots.txt; FetchError when it cannot."""
        self.config = config
        self._gates = gates
        self._stats = stats
        self._download = download
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def check(self, url: str) -> None:
        """Return when ``url`` may be fetched; else FetchError (with 0 attempts)."""
        rules = await self.rules_for(url)
        if not rules.allows(url, self.config.robots_agent):
            raise _refusal(rules, url)

    async def rules_for(self, url: str) -> RobotsRules:
        """The rules of ``url``'s origin, read first if not yet (or again if stale)."""
        parts = parsed_url(url)
        origin = f"{parts.scheme}://{parts.netloc.decode('ascii')}"
        rules = self._rules.get(origin)
        if rules is not None and not rules.stale:
            return rules
        async with self._locks.setdefault(origin, asyncio.Lock()):
            rules = self._rules.get(origin)
            if rules is None or rules.stale:
                rules = self._rules[origin] = await self._read(origin)
                self._apply(origin, parts.host, rules)
        return rules

    async def _read(self, origin: str) -> RobotsRules:
        try:
            page = await self._download(f"{origin}/robots.txt")
        except FetchError as exc:
            rules = RobotsRules.after_failure(origin, exc, self.config.robots_retry_s)
            if rules.blocked:
                log.warning("%s: %s", origin, exc)
            elif rules.unreachable is not None:
                log.warning("robots.txt of %s unreachable: %s", origin, exc)
            return rules
        return RobotsRules.parsed(origin, page.status, page.body)

    def _apply(self, origin: str, host: str, rules: RobotsRules) -> None:
        """The host's delay raised to what the rules ask; the rules recorded."""
        delay = rules.delay_s(self.config.robots_agent)
        if delay:
            self._gates[host].slow_down(delay)
        self._stats.robots[origin] = rules.summary(self.config.robots_agent)


def _refusal(rules: RobotsRules, url: str) -> FetchError:
    """Why ``rules`` do not let ``url`` be fetched."""
    if rules.blocked:
        message = rules.unreachable or "blocked address"
        return FetchError(message, url=url, outcome="blocked_address", attempts=0)
    if rules.unreachable is not None:
        return FetchError(
            f"robots.txt unreachable ({rules.unreachable}): host disallowed",
            url=url,
            status=rules.status,
            outcome=rules.outcome,
            attempts=0,
        )
    return FetchError("disallowed by robots.txt", url=url, outcome="robots_disallowed", attempts=0)
