"""What a crawl may fetch: the hosts and page paths in scope (the paths are the known
sites' own, ``harvest.sites``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from harvest.normalize import host_of, in_scope_origin, origin_of
from harvest.normalize._urls import Origin
from harvest.sites import page_patterns


@dataclass(frozen=True)
class Scope:
    """Which URLs a crawl may fetch: allowed hosts and path patterns."""

    hosts: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    origins: frozenset[Origin] = frozenset()  # non-default ports allowed: the seeds' own

    @classmethod
    def for_seeds(cls, seeds: Iterable[str]) -> Scope:
        """The default scope: the seeds' hosts, publication and listing pages."""
        hosts = frozenset(h for h in (host_of(s) for s in seeds) if h)
        return cls(hosts, cls.default_patterns(), seed_origins(seeds))

    @staticmethod
    def default_patterns() -> tuple[re.Pattern[str], ...]:
        """Publication and listing page paths of the known sites (``harvest.sites``)."""
        return page_patterns()

    def allows(self, url: str) -> bool:
        path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
        if not in_scope_origin(url, self.hosts, self.origins):
            return False
        return any(p.match(path) for p in self.patterns)


def seed_origins(seeds: Iterable[str]) -> frozenset[Origin]:
    """The seeds' origins on a port that is not their scheme's default: in scope too."""
    found = (origin_of(seed) for seed in seeds)
    return frozenset(o for o in found if o and o[2] != (80 if o[0] == "http" else 443))
