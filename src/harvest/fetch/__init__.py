"""Fetching: the shared async HTTP client, its politeness and guards, and offline replay."""

from harvest.constants import DEFAULT_USER_AGENT
from harvest.fetch.client import (
    OUTCOMES,
    SKIPPED_OUTCOMES,
    FetchConfig,
    FetchedPage,
    Fetcher,
    FetchStats,
    is_html,
    retry_after_s,
)
from harvest.fetch.replay import ReplayTransport, path_for, url_for

__all__ = [
    "DEFAULT_USER_AGENT",
    "OUTCOMES",
    "SKIPPED_OUTCOMES",
    "FetchConfig",
    "FetchStats",
    "FetchedPage",
    "Fetcher",
    "ReplayTransport",
    "is_html",
    "path_for",
    "retry_after_s",
    "url_for",
]
