"""Fetching: the shared async HTTP client, its politeness and guards, and offline replay."""

from harvest._constants import DEFAULT_USER_AGENT
from harvest.fetch._client import Fetcher
from harvest.fetch._config import FetchConfig
from harvest.fetch._exchange import Exchange, ResponseHook
from harvest.fetch._models import FetchedPage, is_html
from harvest.fetch._replay import ReplayTransport, path_for, url_for
from harvest.fetch._retrying import retry_after_s
from harvest.fetch._stats import OUTCOMES, SKIPPED_OUTCOMES, FetchStats

__all__ = [
    "DEFAULT_USER_AGENT",
    "OUTCOMES",
    "SKIPPED_OUTCOMES",
    "Exchange",
    "FetchConfig",
    "FetchStats",
    "FetchedPage",
    "Fetcher",
    "ReplayTransport",
    "ResponseHook",
    "is_html",
    "path_for",
    "retry_after_s",
    "url_for",
]
