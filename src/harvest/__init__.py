"""harvest: research publishers' web pages (rand.org first) into clean, validated JSONL.

Library use::

    import harvest
    parsed = harvest.parse_page(url, body)        # one page -> record
    result = harvest.crawl_sync(harvest.Settings(replay_dir=Path("fixtures/site")))
"""

from __future__ import annotations

import asyncio

import httpx

from harvest._version import __version__
from harvest.errors import ConfigError, FetchError, HarvestError, ParseError, WriteError
from harvest.models import (
    SCHEMA_VERSION,
    Author,
    Download,
    ErrorRecord,
    Image,
    Money,
    PrintOffer,
    Publication,
    Topic,
    TopicEntry,
    record_schema,
)
from harvest.parse import Parsed, parse_page
from harvest.pipeline import RunResult, crawl
from harvest.settings import Settings

__all__ = [
    "SCHEMA_VERSION",
    "Author",
    "ConfigError",
    "Download",
    "ErrorRecord",
    "FetchError",
    "HarvestError",
    "Image",
    "Money",
    "ParseError",
    "Parsed",
    "PrintOffer",
    "Publication",
    "RunResult",
    "Settings",
    "Topic",
    "TopicEntry",
    "WriteError",
    "__version__",
    "crawl",
    "crawl_sync",
    "parse_page",
    "record_schema",
]


def crawl_sync(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> RunResult:
    """Run ``crawl`` to completion from synchronous code."""
    return asyncio.run(crawl(settings, transport))
