"""One frozen settings object, built once (by the CLI or a library caller) and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harvest.errors import ConfigError
from harvest.fetch import DEFAULT_USER_AGENT, FetchConfig
from harvest.normalize import canonical_url

DEFAULT_SEEDS = (
    "https://www.rand.org/pubs/monographs/MG115.html",
    "https://www.rand.org/topics/security-cooperation.html",
)


@dataclass(frozen=True)
class Settings:
    """Everything a crawl needs to know; validated on construction."""

    seeds: tuple[str, ...] = DEFAULT_SEEDS
    out_dir: Path = Path("output")
    replay_dir: Path | None = None
    concurrency: int = 8
    timeout_s: float = 30.0
    attempts: int = 3
    max_pages: int | None = None
    max_depth: int | None = None
    max_error_rate: float = 0.05
    user_agent: str = DEFAULT_USER_AGENT
    fetch: FetchConfig = field(init=False)

    def __post_init__(self) -> None:
        seeds = []
        for seed in self.seeds:
            url = canonical_url(seed)
            if url is None:
                raise ConfigError(f"seed is not an absolute http(s) URL: {seed!r}")
            seeds.append(url)
        if not seeds:
            raise ConfigError("no seed URL to start from")
        _check(self.concurrency >= 1, "concurrency must be at least 1")
        _check(self.timeout_s > 0, "timeout must be positive")
        _check(self.attempts >= 1, "attempts must be at least 1")
        _check(self.max_pages is None or self.max_pages >= 1, "max-pages must be at least 1")
        _check(self.max_depth is None or self.max_depth >= 0, "max-depth must be 0 or more")
        _check(0 <= self.max_error_rate <= 1, "max-error-rate must be between 0 and 1")
        object.__setattr__(self, "seeds", tuple(dict.fromkeys(seeds)))
        object.__setattr__(
            self,
            "fetch",
            FetchConfig(
                concurrency=self.concurrency,
                timeout_s=self.timeout_s,
                attempts=self.attempts,
                user_agent=self.user_agent,
            ),
        )


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def debug_enabled() -> bool:
    """True when HARVEST_DEBUG asks for tracebacks of internal errors."""
    return os.environ.get("HARVEST_DEBUG", "") not in ("", "0")
