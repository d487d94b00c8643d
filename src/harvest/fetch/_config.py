"""How the fetcher behaves: one small value object, built from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from harvest._constants import DEFAULT_USER_AGENT


@dataclass(frozen=True)
class FetchConfig:
    """How the fetcher behaves; a small value object built from Settings."""

    concurrency: int = 8
    per_host_concurrency: int = 2
    delay_s: float = 1.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    deadline_s: float = 60.0
    attempts: int = 3
    retry_budget_s: float = 120.0
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_cap_s: float = 120.0
    max_body_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    robots_retry_s: float = 300.0
    allowed_hosts: frozenset[str] = frozenset()
    resolve: tuple[tuple[str, str], ...] = ()
    origins: frozenset[tuple[str, str, int]] = frozenset()  # non-default ports in scope
    proxy: str | None = None  # None: HTTP_PROXY, HTTPS_PROXY ... from the environment
    http2: bool = False

    @property
    def robots_agent(self) -> str:
        """The product token robots.txt groups are matched against ("harvest")."""
        return self.user_agent.split("/", 1)[0].split()[0] if self.user_agent.strip() else "*"
