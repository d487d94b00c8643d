"""Fetching: the shared async HTTP client and the offline replay transport."""

from harvest.fetch.client import DEFAULT_USER_AGENT, FetchConfig, FetchedPage, Fetcher
from harvest.fetch.replay import ReplayTransport, path_for, url_for

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchConfig",
    "FetchedPage",
    "Fetcher",
    "ReplayTransport",
    "path_for",
    "url_for",
]
