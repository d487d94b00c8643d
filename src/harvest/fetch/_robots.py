"""What a host's robots.txt says, and what harvest does when it cannot be read (RFC 9309).

- 2xx: the rules are parsed (protego) and obeyed, Crawl-delay and Request-rate
  included; only the first 500 KiB count, as the RFC allows.
- 4xx ("unavailable"): everything is allowed.
- 5xx, 429, or no answer ("unreachable"): the whole host is disallowed until
  the file can be read; harvest asks again after ``retry_s``.
- A host that resolves only to addresses the guard refuses: its pages are
  ``blocked_address``, and robots.txt is not asked again in the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from protego import Protego

from harvest.errors import FetchError

MAX_ROBOTS_BYTES = 500 * 1024
# Redirect chains that cannot be followed: robots.txt counts as unavailable.
_UNFOLLOWED = frozenset({"redirect_offsite", "redirect_loop", "too_many_redirects"})


@dataclass(frozen=True)
class RobotsRules:
    """One host's rules, as fetched once in a run."""

    origin: str
    status: int | None
    parser: Protego | None = None
    unreachable: str | None = None
    retry_at: float | None = None
    blocked: bool = False  # the host resolves to addresses harvest must not connect to
    outcome: str = "robots_unreachable"  # what the host's pages fail with meanwhile

    @classmethod
    def parsed(cls, origin: str, status: int, body: bytes) -> RobotsRules:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return cls(origin, status, parser=Protego.parse(text))

    @classmethod
    def allow_all(cls, origin: str, status: int | None) -> RobotsRules:
        return cls(origin, status)

    @classmethod
    def disallow_all(
        cls,
        origin: str,
        status: int | None,
        reason: str,
        retry_s: float,
        outcome: str = "robots_unreachable",
    ) -> RobotsRules:
        """``outcome``: ``robots_unreachable`` for a 5xx or 429 answer; with no answer
        at all, the network's own (``network``, ``timeout``): a DNS failure is not the
        site's robots.txt saying anything."""
        retry_at = time.monotonic() + retry_s
        return cls(origin, status, unreachable=reason, retry_at=retry_at, outcome=outcome)

    @classmethod
    def blocked_host(cls, origin: str, reason: str) -> RobotsRules:
        """A host on a loopback, private or link-local address: refused for the whole run
        (asking again would resolve to the same place)."""
        return cls(origin, None, unreachable=reason, blocked=True)

    @classmethod
    def after_failure(cls, origin: str, exc: FetchError, retry_s: float) -> RobotsRules:
        """The rules when fetching robots.txt ended in ``exc`` (RFC 9309 2.3.1): a 4xx
        or a redirect that is not followed allows all; a 5xx, 429 or no answer
        disallows all for ``retry_s``; a refused address blocks the host."""
        if exc.outcome == "blocked_address":
            return cls.blocked_host(origin, str(exc))
        status = exc.status
        if (status is not None and 400 <= status < 500 and status != 429) or (
            exc.outcome in _UNFOLLOWED
        ):
            return cls.allow_all(origin, status)
        outcome = "robots_unreachable" if status is not None else exc.outcome
        return cls.disallow_all(origin, status, str(exc), retry_s, outcome)

    @property
    def stale(self) -> bool:
        """True when the host was unreachable and it is time to ask again."""
        return self.retry_at is not None and time.monotonic() >= self.retry_at

    def allows(self, url: str, agent: str) -> bool:
        if self.unreachable is not None:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, agent))

    def delay_s(self, agent: str) -> float | None:
        """Seconds between requests the file asks of ``agent`` (Crawl-delay or Request-rate)."""
        if self.parser is None:
            return None
        delays = []
        crawl_delay = self.parser.crawl_delay(agent)
        if crawl_delay is not None:
            delays.append(float(crawl_delay))
        rate = self.parser.request_rate(agent)
        if rate is not None and rate.requests > 0:
            delays.append(rate.seconds / rate.requests)
        return max(delays) if delays else None

    def summary(self, agent: str) -> dict[str, object]:
        """For the manifest: what was found and what it meant."""
        if self.blocked:
            verdict = "blocked address: host not connected to"
        elif self.unreachable is not None:
            verdict = "unreachable: host disallowed"
        elif self.parser is None:
            verdict = "unavailable: all allowed"
        else:
            verdict = "rules obeyed"
        return {"status": self.status, "verdict": verdict, "crawl_delay_s": self.delay_s(agent)}
